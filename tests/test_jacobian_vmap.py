"""jacrev and autograd.functional.jacobian(vectorize=True) run one backward vmapped over the
rows of the identity (as torch.func does), not a loop over the output elements: checked over
the op table against the row-by-row backward (chunk_size=1) and against PyTorch's Jacobian."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import minigrad
import minigrad.func as F
from minigrad.autograd import functional

sys.path.insert(0, str(Path(__file__).parent))
import test_ops as T  # noqa: E402  (the op table's rows)

ROWS = [pytest.param(r, id=r.id) for r in T.ROWS if len(r.shapes) <= 2]


def _inputs(r):
    return [minigrad.tensor(a) for a in T.make_inputs(r, np.float64)]


def _row_by_row(r, xs):
    try:
        return F.jacrev(r.mg, argnums=tuple(range(len(xs))), chunk_size=1)(*xs)
    except Exception as e:  # noqa: BLE001  (rows whose op has no first derivative at this point)
        pytest.skip(f"no row-by-row Jacobian: {type(e).__name__}")


@pytest.mark.parametrize("r", ROWS)
def test_vmapped_jacrev_equals_the_row_by_row_backward(r):
    xs = _inputs(r)
    expected = _row_by_row(r, xs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ops without a batching rule say so and take the rows
        got = F.jacrev(r.mg, argnums=tuple(range(len(xs))))(*xs)
    for a, b in zip(got, expected):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("r", ROWS[::3])
def test_vmapped_jacrev_matches_torch(r):
    # the oracle is torch.autograd.functional.jacobian: torch.func.jacrev itself disagrees with
    # it on cdist(p=1) and fails on masked_select of a broadcast mask (torch 2.13)
    torch = pytest.importorskip("torch")

    arrays = T.make_inputs(r, np.float64)
    nums = tuple(range(len(arrays)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = F.jacrev(r.mg, argnums=nums)(*[minigrad.tensor(a) for a in arrays])
        want = torch.autograd.functional.jacobian(r.th, tuple(torch.tensor(a) for a in arrays))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12, equal_nan=True)


def test_vectorized_jacobian_matches_torch_and_the_loop():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(4)

    def f(M, x, w):
        return (M.tanh(x @ w) * x[:, 0], (x * w).sum())

    ours = functional.jacobian(
        lambda x, w: f(minigrad, x, w), (minigrad.tensor(a), minigrad.tensor(b)), vectorize=True
    )
    loop = functional.jacobian(lambda x, w: f(minigrad, x, w), (minigrad.tensor(a), minigrad.tensor(b)))
    want = torch.autograd.functional.jacobian(
        lambda x, w: f(torch, x, w), (torch.tensor(a), torch.tensor(b)), vectorize=True
    )
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(ours[i][j].numpy(), want[i][j].numpy(), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(ours[i][j].numpy(), loop[i][j].numpy(), rtol=1e-13, atol=1e-13)
            assert not ours[i][j].requires_grad


def test_vectorized_jacobian_with_create_graph_is_differentiable():
    x = minigrad.tensor([0.3, 0.7], dtype=minigrad.float64, requires_grad=True)
    jac = functional.jacobian(lambda x: x**3, x, create_graph=True, vectorize=True)
    jac.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy())


def test_an_op_without_a_batching_rule_warns_and_takes_the_rows():
    x = minigrad.tensor(np.random.default_rng(4).standard_normal((2, 3)))
    f = lambda x: minigrad.einsum("ij,ij->i", x, x)  # noqa: E731  (einsum: a custom Function)
    with pytest.warns(UserWarning, match="jacrev: vmap: there is no batching rule for _Einsum"):
        got = F.jacrev(f)(x)
    np.testing.assert_allclose(got.numpy(), F.jacrev(f, chunk_size=1)(x).numpy())


@pytest.mark.parametrize("chunk_size", [1, 2, 5, 100])
def test_chunk_size_gives_the_same_jacobian(chunk_size):
    x = minigrad.tensor(np.linspace(-1, 1, 5))
    np.testing.assert_allclose(
        F.jacrev(lambda x: x.sin() * x.sum(), chunk_size=chunk_size)(x).numpy(),
        F.jacrev(lambda x: x.sin() * x.sum())(x).numpy(),
        rtol=1e-15,
    )


def test_bad_chunk_size_is_a_value_error():
    with pytest.raises(ValueError, match="chunk_size"):
        F.jacrev(lambda x: x, chunk_size=0)
