"""vmap over ops that record nothing (comparisons, predicates, argmax, all/any, argsort,
count_nonzero, where with numbers): the batch stays the batch.

Before, these computed on the batched array as if it were one sample's, so ``vmap(lambda a:
a > 0)`` over a (5, 3, 4) batch gave a (5, 5, 3, 4) result and ``argmax()`` the flat index
over the whole batch, silently. Each case is checked against the loop of per-sample calls
and, with torch installed, against torch.func.vmap.
"""

import warnings

import numpy as np
import pytest

import minigrad
from minigrad.func import vmap

RNG = np.random.default_rng(18)
X = RNG.standard_normal((5, 3, 4)).astype(np.float32)
XN = X.copy()  # with a NaN and infinities, for the predicates
XN[1, 0, 0], XN[2, 1, 1], XN[3, 2, 3] = np.nan, np.inf, -np.inf
XI = RNG.integers(0, 5, (5, 3, 4))

CASES = {  # name: (input, fn(M, a)) written once for minigrad and torch
    "gt_number": (X, lambda M, a: a > 0),
    "gt_row": (X, lambda M, a: a > M.zeros(4)),
    "lt_column": (X, lambda M, a: M.zeros(3, 1) < a),
    "eq_self": (X, lambda M, a: a == a),
    "ne_int": (XI, lambda M, a: a != 2),
    "isin": (XI, lambda M, a: M.isin(a, M.tensor([1, 2]))),
    "argmax_all": (X, lambda M, a: a.argmax()),
    "argmax_dim": (X, lambda M, a: a.argmax(1)),
    "argmax_keepdim": (X, lambda M, a: a.argmax(1, keepdim=True)),
    "argmin_dim0": (X, lambda M, a: a.argmin(0)),
    "isnan": (XN, lambda M, a: a.isnan()),
    "isfinite": (XN, lambda M, a: M.isfinite(a)),
    "isinf": (XN, lambda M, a: M.isinf(a)),
    "isposinf": (XN, lambda M, a: M.isposinf(a)),
    "isclose": (X, lambda M, a: M.isclose(a, a + 1e-9)),
    "argsort_last": (X, lambda M, a: a.argsort(-1)),
    "argsort_first_descending": (X, lambda M, a: a.argsort(0, descending=True)),
    "logical_and": (X, lambda M, a: M.logical_and(a > 0, a < 1)),
    "logical_not": (X, lambda M, a: M.logical_not(a > 0)),
    "bitwise_not": (XI, lambda M, a: ~a),
    "heaviside": (XN, lambda M, a: M.heaviside(a, M.tensor(0.5))),
    "where_tensor": (X, lambda M, a: M.where(a > 0, a, M.zeros(4))),
    "where_numbers": (X, lambda M, a: M.where(a > 0, 1.0, 0.0)),
    "where_number": (X, lambda M, a: M.where(a > 0, a, 0.0)),
    "any_all_dims": (X, lambda M, a: (a > 0).any()),
    "all_dim": (X, lambda M, a: (a > 0).all(1)),
    "all_keepdim": (X, lambda M, a: (a > 0).all(0, keepdim=True)),
    "count_nonzero": (X, lambda M, a: M.count_nonzero(a > 0)),
    "count_nonzero_dim": (X, lambda M, a: M.count_nonzero(a, 1)),
    "sum_of_mask": (X, lambda M, a: (a > 0).sum()),
    "accuracy": (X, lambda M, a: (a.argmax(-1) == M.tensor([0, 1, 2])).float().mean()),
    "masked_sum": (X, lambda M, a: (a * (a > 0)).sum()),
}


def _same(out, ref, rtol=0.0):
    out, ref = np.asarray(out), np.asarray(ref)
    assert out.shape == ref.shape and out.dtype == ref.dtype, (out.shape, out.dtype, ref.shape, ref.dtype)
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_equals_the_loop_of_samples(name):
    data, fn = CASES[name]
    x = minigrad.tensor(data)
    out = vmap(lambda a: fn(minigrad, a))(x)
    ref = minigrad.stack([fn(minigrad, x[i]) for i in range(len(data))])
    _same(out.numpy(), ref.numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_equals_torch_func_vmap(name):
    torch = pytest.importorskip("torch")
    data, fn = CASES[name]
    out = vmap(lambda a: fn(minigrad, a))(minigrad.tensor(data))
    with warnings.catch_warnings():  # torch: "a performance drop ... no batching rule for isclose"
        warnings.simplefilter("ignore", UserWarning)
        ref = torch.func.vmap(lambda a: fn(torch, a))(torch.tensor(data))
    _same(out.numpy(), ref.numpy(), rtol=1e-6)  # float sums may round in another order


@pytest.mark.parametrize(
    "fn, what",
    [
        (lambda a: minigrad.histc(a, 4), "histc"),
        (lambda a: a.sum().item(), "item"),
        (lambda a: (a > 0).nonzero(), "nonzero"),
        (lambda a: minigrad.unique(a), "unique"),
        (lambda a: minigrad.searchsorted(minigrad.tensor([0.0, 1.0]), a), "searchsorted"),
    ],
)
def test_what_cannot_be_batched_raises_instead_of_mixing_samples(fn, what):
    with pytest.raises(RuntimeError, match=f"vmap: .*{what}"):
        vmap(fn)(minigrad.tensor(X))
