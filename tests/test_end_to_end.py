"""A dozen-op expression built in minigrad and in PyTorch (float64): same value, same
gradient for every input, first and second order."""

import numpy as np
import pytest

import minigrad


def _expression(M, x, w, b, s):
    h = (x @ w + b).tanh()  # MmBackward0, AddBackward0, TanhBackward0
    h = h * s.sigmoid() - h.pow(2) / 3  # Mul, Sigmoid, Pow, Div, Sub
    z = M.cat([h, h.exp().log1p()], dim=1)  # Cat, Exp, Log1P
    z = z.softmax(dim=1).clamp(min=1e-3)  # Softmax, Clamp
    r = z.max(dim=1).values * z.mean(dim=1)  # Max, Mean
    return (r.sqrt() + z.var(dim=0).sum()).sum()  # Sqrt, Var, Sum


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in ((5, 4), (4, 3), (3,), (1, 3))]


def _run(M, arrays, order):
    ts = [M.tensor(a, dtype=M.float64, requires_grad=True) for a in arrays]
    out = _expression(M, *ts)
    grads = M.autograd.grad(out, ts, create_graph=order == 2)
    if order == 2:
        total = sum((g * g).sum() for g in grads)
        grads = M.autograd.grad(total, ts)
    return out.item(), [g.detach().numpy() for g in grads]


def test_expression_value_is_finite_and_gradients_exist():
    value, grads = _run(minigrad, _inputs(), 1)
    assert np.isfinite(value) and all(np.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("seed", [0, 1])
def test_expression_matches_pytorch(order, seed):
    torch = pytest.importorskip("torch")
    ours = _run(minigrad, _inputs(seed), order)
    theirs = _run(torch, _inputs(seed), order)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_expression_gradients_match_finite_differences():
    arrays = _inputs(2)
    _, grads = _run(minigrad, arrays, 1)
    eps = 1e-6
    for k, a in enumerate(arrays):
        for idx in np.ndindex(a.shape):
            up = [x.copy() for x in arrays]
            down = [x.copy() for x in arrays]
            up[k][idx] += eps
            down[k][idx] -= eps
            f_up = _expression(minigrad, *[minigrad.tensor(x, dtype=minigrad.float64) for x in up]).item()
            f_dn = _expression(minigrad, *[minigrad.tensor(x, dtype=minigrad.float64) for x in down]).item()
            assert grads[k][idx] == pytest.approx((f_up - f_dn) / (2 * eps), rel=1e-5, abs=1e-7)
