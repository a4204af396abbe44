"""Training batch norm as one node (issue 15, ``minigrad/ops/layers.py`` BATCH_NORM): values,
gradients of the input, weight and bias, running estimates, gradients of gradients, forward
mode and vmap, against finite differences (float64) and PyTorch."""

import minigrad.nn.functional as F
import numpy as np
import pytest

import minigrad
import minigrad.func

SHAPES = [(8, 5), (6, 3, 4), (4, 3, 5, 2)]


def _inputs(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    c = shape[1]
    return (
        rng.standard_normal(shape).astype(dtype) * 3 + 1,
        np.linspace(0.5, 2.0, c).astype(dtype),
        np.linspace(-1.0, 1.0, c).astype(dtype),
        rng.standard_normal(shape).astype(dtype),
    )


def _run(M, shape, affine, dtype, layer):
    x, w, b, g = _inputs(shape, dtype)
    bn = layer(M, shape[1], affine, getattr(M, np.dtype(dtype).name))
    if affine:
        with M.no_grad():
            bn.weight.copy_(M.tensor(w))
            bn.bias.copy_(M.tensor(b))
    xt = M.tensor(x, requires_grad=True)
    y = bn(xt)
    y.backward(M.tensor(g))
    out = [y.detach().numpy(), xt.grad.numpy(), bn.running_mean.numpy(), bn.running_var.numpy()]
    if affine:
        out += [bn.weight.grad.numpy(), bn.bias.grad.numpy()]
    return out, type(y.grad_fn).__name__


def _layer(M, c, affine, dtype):
    return M.nn.BatchNorm1d(c, affine=affine, dtype=dtype)


def _layer_for(shape):
    if len(shape) == 4:
        return lambda M, c, affine, dtype: M.nn.BatchNorm2d(c, affine=affine, dtype=dtype)
    return _layer


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_node_matches_torch(shape, affine, dtype):
    torch = pytest.importorskip("torch")
    got, name = _run(minigrad, shape, affine, dtype, _layer_for(shape))
    want, tname = _run(torch, shape, affine, dtype, _layer_for(shape))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, e in zip(got, want):
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol)
    assert name == tname == "NativeBatchNormBackward0"


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_node_gradients_against_finite_differences(shape):
    x, w, b, _ = _inputs(shape)
    args = [minigrad.tensor(a, requires_grad=True) for a in (x, w, b)]

    def fn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert minigrad.autograd.gradcheck(fn, args)
    assert minigrad.autograd.gradgradcheck(fn, args)


def test_batch_norm_node_gradient_of_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    x, w, _, v = _inputs((6, 3, 4), seed=1)
    res = []
    for M in (minigrad, torch):
        bn = M.nn.BatchNorm1d(3, dtype=M.float64)
        with M.no_grad():
            bn.weight.copy_(M.tensor(w))
        xt = M.tensor(x, requires_grad=True)
        y = bn(xt)
        (gx,) = M.autograd.grad((y * y * y).sum(), xt, create_graph=True)
        (gx * M.tensor(v)).sum().backward()
        res.append([gx.detach().numpy(), xt.grad.numpy(), bn.weight.grad.numpy(), bn.bias.grad.numpy()])
    for a, e in zip(*res):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-10)


def test_batch_norm_node_under_jvp_and_vmap_matches_torch():
    from test_forward_ad import torch_forward_ad

    torch = pytest.importorskip("torch")
    torch_forward_ad()  # its first use warns that torch.jit.script is deprecated
    x, w, b, v = _inputs((6, 3, 4), seed=2)
    xs = np.stack([x, v])

    def make(M):
        wt, bt = M.tensor(w), M.tensor(b)
        return lambda t: M.nn.functional.batch_norm(t, None, None, wt, bt, training=True)

    f, tf = make(minigrad), make(torch)
    _, tangent = minigrad.func.jvp(f, (minigrad.tensor(x),), (minigrad.tensor(v),))
    _, ttangent = torch.func.jvp(tf, (torch.tensor(x),), (torch.tensor(v),))
    np.testing.assert_allclose(tangent.numpy(), ttangent.numpy(), rtol=1e-10, atol=1e-10)
    got = minigrad.func.vmap(minigrad.func.grad(lambda t: (f(t) ** 3).sum()))(minigrad.tensor(xs))
    want = torch.func.vmap(torch.func.grad(lambda t: (tf(t) ** 3).sum()))(torch.tensor(xs))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-10)


def test_batch_norm_running_statistics_refuse_inside_vmap():
    bn = minigrad.nn.BatchNorm1d(3)
    with pytest.raises(RuntimeError, match="running statistics inside vmap"):
        minigrad.func.vmap(bn)(minigrad.randn(2, 6, 3))


@pytest.mark.parametrize("shape", [(6, 4, 5), (2, 3, 4, 5)])
def test_batch_norm_node_on_channels_last_views_matches_torch(shape):
    """``bn(h.transpose(1, 2)).transpose(1, 2)`` (makemore's (B, T, C) activations) takes the
    (M, C) rows path; a 4-D channels-last view too."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    c = shape[-1]
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    res = []
    for M in (minigrad, torch):
        bn = (M.nn.BatchNorm1d if len(shape) == 3 else M.nn.BatchNorm2d)(c, dtype=M.float64)
        with M.no_grad():
            bn.weight.copy_(M.tensor(np.linspace(0.5, 2.0, c)))
        xt = M.tensor(x, requires_grad=True)
        moved = xt.transpose(1, 2) if len(shape) == 3 else xt.permute(0, 3, 1, 2)
        y = bn(moved)
        (y * y * M.tensor(np.moveaxis(g, -1, 1))).sum().backward()
        res.append([y.detach().numpy(), xt.grad.numpy(), bn.weight.grad.numpy(), bn.bias.grad.numpy()])
        res[-1] += [bn.running_mean.numpy(), bn.running_var.numpy()]
    for a, e in zip(*res):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)
    xt = minigrad.tensor(x, requires_grad=True)
    w = minigrad.tensor(np.linspace(0.5, 2.0, c), requires_grad=True)

    def fn(x, w):
        moved = x.transpose(1, 2) if x.ndim == 3 else x.permute(0, 3, 1, 2)
        return F.batch_norm(moved, None, None, w, None, training=True)

    assert minigrad.autograd.gradcheck(fn, (xt, w))
