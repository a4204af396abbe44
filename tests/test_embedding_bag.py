"""Tests of F.embedding_bag and nn.EmbeddingBag (issue 19): sum/mean/max over 2-D bags or
1-D indices with offsets (empty bags, include_last_offset), per_sample_weights (sum),
padding_idx and max_norm, against PyTorch (values and gradients, float32 and float64) and
finite differences (float64).
"""

import numpy as np
import pytest

import minigrad

F = minigrad.nn.functional

_W = np.random.default_rng(0).normal(size=(10, 3))
_IDX = [1, 2, 4, 5, 4, 3, 2, 9, 4]


def _run(L, mode, idx, offsets, dtype="float64", psw=False, **kw):
    dt = getattr(L, dtype)
    w = L.tensor(_W, dtype=dt, requires_grad=True)
    p = None
    if psw:
        p = L.tensor(np.random.default_rng(2).normal(size=np.shape(idx)), dtype=dt, requires_grad=True)
    out = F_of(L).embedding_bag(
        L.tensor(idx),
        w,
        None if offsets is None else L.tensor(offsets),
        mode=mode,
        per_sample_weights=p,
        **kw,
    )
    g = L.tensor(np.random.default_rng(1).normal(size=tuple(out.shape)), dtype=dt)
    (out * g).sum().backward()
    grads = [w.grad.numpy()] + ([] if p is None else [p.grad.numpy()])
    return out.detach().numpy(), grads


def F_of(L):
    return L.nn.functional


CASES = [
    ("sum", _IDX, [0, 2, 2, 5], {}),  # an empty bag in the middle
    ("mean", _IDX, [0, 2, 2, 5], {}),
    ("max", _IDX, [0, 2, 2, 5], {}),
    ("sum", [[1, 2, 3], [4, 4, 0]], None, {}),
    ("mean", [[1, 2, 3], [4, 4, 0]], None, dict(padding_idx=4)),  # a bag of padding only
    ("max", [[1, 2, 3], [4, 4, 0]], None, dict(padding_idx=4)),
    ("mean", _IDX, [0, 3, 9], dict(include_last_offset=True)),
    ("max", _IDX, [0, 3, 3, 9], dict(include_last_offset=True)),
    ("sum", _IDX, [0, 4], dict(padding_idx=2)),
]


@pytest.mark.parametrize("mode, idx, offsets, kw", CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_bag_matches_torch(mode, idx, offsets, kw, dtype):
    torch = pytest.importorskip("torch")
    out, grads = _run(minigrad, mode, idx, offsets, dtype, **kw)
    tout, tgrads = _run(torch, mode, idx, offsets, dtype, **kw)
    tol = 1e-12 if dtype == "float64" else 1e-6
    assert out.dtype == tout.dtype
    np.testing.assert_allclose(out, tout, rtol=tol, atol=tol)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=tol, atol=tol)


@pytest.mark.parametrize("kw", [{}, dict(padding_idx=4)], ids=str)
def test_embedding_bag_per_sample_weights_match_torch(kw):
    torch = pytest.importorskip("torch")
    out, grads = _run(minigrad, "sum", _IDX, [0, 2, 6], psw=True, **kw)
    tout, tgrads = _run(torch, "sum", _IDX, [0, 2, 6], psw=True, **kw)
    np.testing.assert_allclose(out, tout, rtol=1e-12)
    assert len(grads) == len(tgrads) == 2
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_grad_matches_finite_differences(mode):
    idx, off = minigrad.tensor(_IDX), minigrad.tensor([0, 2, 2, 5])
    w = minigrad.tensor(_W, requires_grad=True)
    psw = minigrad.tensor(np.linspace(-1, 2, len(_IDX)), requires_grad=True)
    if mode == "sum":
        fn, inputs = (lambda w, p: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=p)), (w, psw)
    else:
        fn, inputs = (lambda w: F.embedding_bag(idx, w, off, mode=mode)), (w,)
    assert minigrad.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-7)


def test_embedding_bag_max_norm_renormalises_the_rows_it_reads_like_torch():
    torch = pytest.importorskip("torch")
    weights = []
    for L in (minigrad, torch):
        w = L.tensor(_W * 3)
        out = F_of(L).embedding_bag(L.tensor(_IDX), w, L.tensor([0, 4]), max_norm=1.5, norm_type=1)
        weights.append((out.numpy(), w.numpy()))
    np.testing.assert_allclose(weights[0][0], weights[1][0], rtol=1e-10)
    np.testing.assert_allclose(weights[0][1], weights[1][1], rtol=1e-10)


def test_embedding_bag_module_matches_torch_with_offsets():
    torch = pytest.importorskip("torch")
    bag = minigrad.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0)
    twin = torch.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0)
    twin.load_state_dict({"weight": torch.tensor(bag.weight.detach().numpy())})
    assert not bag.weight.detach().numpy()[0].any()
    x, off = [0, 3, 3, 7, 9], [0, 1, 4]
    out = bag(minigrad.tensor(x), minigrad.tensor(off))
    np.testing.assert_allclose(
        out.detach().numpy(), twin(torch.tensor(x), torch.tensor(off)).detach().numpy(), rtol=1e-6
    )
    assert repr(bag) == "EmbeddingBag(10, 3, mode='sum', padding_idx=0)"
