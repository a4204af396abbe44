"""Tests of F.affine_grid and F.grid_sample (issue 19): every mode (bilinear, nearest) x
padding_mode (zeros, border, reflection) x align_corners, 4-D and 5-D, against PyTorch
(value, input and grid gradients, float32 and float64) and finite differences (float64),
with grid points inside, on and beyond the borders.
"""

import itertools

import numpy as np
import pytest

import minigrad

F = minigrad.nn.functional


def _inputs(nd, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 3, 4, 5) if nd == 2 else (2, 2, 3, 4, 3))
    grid = rng.uniform(-1.4, 1.4, size=(2, 3, 2, 2) if nd == 2 else (2, 2, 3, 2, 3))
    return x, grid


def _run(L, x, grid, dtype, **kw):
    dt = getattr(L, dtype)
    xs = [L.tensor(a, dtype=dt, requires_grad=True) for a in (x, grid)]
    out = L.nn.functional.grid_sample(*xs, **kw)
    w = L.tensor(np.random.default_rng(5).normal(size=tuple(out.shape)), dtype=dt)
    (out * w).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in xs]


OPTIONS = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


@pytest.mark.parametrize("mode, padding_mode, align_corners", OPTIONS)
@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grid_sample_matches_torch(mode, padding_mode, align_corners, nd, dtype):
    torch = pytest.importorskip("torch")
    x, grid = _inputs(nd)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    tol = 1e-12 if dtype == "float64" else 2e-5
    for mine, theirs in zip(_run(minigrad, x, grid, dtype, **kw), _run(torch, x, grid, dtype, **kw)):
        assert mine.dtype == theirs.dtype
        np.testing.assert_allclose(mine, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "padding_mode, align_corners", list(itertools.product(["zeros", "border", "reflection"], [False, True]))
)
def test_grid_sample_bilinear_grad_matches_finite_differences(padding_mode, align_corners):
    x, grid = _inputs(2, seed=1)
    xs = [minigrad.tensor(a, requires_grad=True) for a in (x[:1, :2], grid[:1])]
    fn = lambda a, g: F.grid_sample(a, g, padding_mode=padding_mode, align_corners=align_corners)  # noqa: E731
    assert minigrad.autograd.gradcheck(fn, xs, eps=1e-6, atol=1e-6)


def test_grid_sample_identity_grid_returns_the_input():
    x = minigrad.tensor(np.random.default_rng(0).normal(size=(1, 2, 3, 4)))
    grid = F.affine_grid(minigrad.eye(2, 3, dtype=minigrad.float64)[None], (1, 2, 3, 4), align_corners=False)
    np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=False).numpy(), x.numpy(), atol=1e-12)


def test_grid_sample_without_align_corners_warns_as_torch():
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(minigrad.ones(1, 1, 2, 2), minigrad.zeros(1, 1, 1, 2))


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 3, 4, 2)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_affine_grid_matches_torch(align_corners, size, dtype):
    torch = pytest.importorskip("torch")
    nd = len(size) - 2
    theta = np.random.default_rng(3).normal(size=(2, nd, nd + 1))
    results = []
    for L in (minigrad, torch):
        t = L.tensor(theta, dtype=getattr(L, dtype), requires_grad=True)
        if align_corners and min(size[2:]) == 1:
            with pytest.warns(UserWarning, match="unit-size grids"):
                grid = L.nn.functional.affine_grid(t, size, align_corners=align_corners)
        else:
            grid = L.nn.functional.affine_grid(t, size, align_corners=align_corners)
        (
            grid * L.tensor(np.linspace(-1, 1, grid.numel()).reshape(tuple(grid.shape)), dtype=t.dtype)
        ).sum().backward()
        results.append((grid.detach().numpy(), t.grad.numpy()))
    tol = 1e-12 if dtype == "float64" else 1e-5
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=tol, atol=tol)


def test_spatial_transformer_grad_matches_finite_differences():
    # theta -> affine_grid -> grid_sample: the gradient w.r.t. theta through both
    x = minigrad.tensor(np.random.default_rng(0).normal(size=(1, 2, 4, 4)))
    theta = minigrad.tensor(
        [[[0.9, 0.2, 0.1], [-0.15, 1.1, -0.05]]], dtype=minigrad.float64, requires_grad=True
    )

    def fn(t):
        return F.grid_sample(x, F.affine_grid(t, (1, 2, 3, 3), align_corners=False), align_corners=False)

    assert minigrad.autograd.gradcheck(fn, (theta,), eps=1e-6, atol=1e-6)


BAD = {
    "mode": lambda L: L.nn.functional.grid_sample(
        L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2), mode="cubic", align_corners=False
    ),
    "padding_mode": lambda L: L.nn.functional.grid_sample(
        L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2), padding_mode="wrap", align_corners=False
    ),
    "grid_last_dim": lambda L: L.nn.functional.grid_sample(
        L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 3), align_corners=False
    ),
    "batch": lambda L: L.nn.functional.grid_sample(
        L.ones(1, 1, 2, 2), L.zeros(2, 1, 1, 2), align_corners=False
    ),
    "input_3d": lambda L: L.nn.functional.grid_sample(L.ones(1, 2, 2), L.zeros(1, 1, 2), align_corners=False),
    "dtype": lambda L: L.nn.functional.grid_sample(
        L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2, dtype=L.float64), align_corners=False
    ),
    "theta_int": lambda L: L.nn.functional.affine_grid(
        L.zeros(1, 2, 3, dtype=L.int64), (1, 1, 2, 2), align_corners=False
    ),
    "theta_shape": lambda L: L.nn.functional.affine_grid(L.zeros(1, 3, 4), (1, 1, 2, 2), align_corners=False),
    "size_3": lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), (1, 1, 2), align_corners=False),
    "size_zero": lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), (1, 1, 0, 2), align_corners=False),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_grid_arguments_raise_pytorchs_exception_type(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        BAD[name](torch)
    with pytest.raises(type(theirs.value)):
        BAD[name](minigrad)
