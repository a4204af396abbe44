"""The fused layer norm and GELU (``minigrad/_layer_kernels.pyx``, ``minigrad/ops/layers.py``):
the kernels against NumPy on random, empty and size-1 arrays in both float dtypes, on one
thread and on two, bad input refused; the ops' gradients against finite differences
(float64), gradients of gradients, and a second backward through a retained graph."""

import math

import numpy as np
import pytest

import minigrad
from minigrad import _layer_kernels as K
from minigrad import _threads
from minigrad.autograd import gradcheck, gradgradcheck

F = minigrad.nn.functional
DTYPES = [np.float32, np.float64]
TOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-12}
_erfc = np.vectorize(math.erfc, otypes=[np.float64])  # Phi(x) = erfc(-x / sqrt 2) / 2: no cancellation


def _ln_ref(x, w, b, eps):
    mean = x.mean(1, keepdims=True)
    rstd = 1 / np.sqrt(((x - mean) ** 2).mean(1, keepdims=True) + eps)
    y = (x - mean) * rstd
    return y * (1 if w is None else w) + (0 if b is None else b), mean[:, 0], rstd[:, 0]


def _ln_backward_ref(g, x, w, eps):
    xhat = _ln_ref(x, None, None, eps)[0]
    rstd = _ln_ref(x, None, None, eps)[2][:, None]
    gw = g if w is None else g * w
    dx = rstd * (gw - gw.mean(1, keepdims=True) - xhat * (gw * xhat).mean(1, keepdims=True))
    return dx, (g * xhat).sum(0), g.sum(0)


def _gelu_ref(x):
    return x * 0.5 * _erfc(-x / math.sqrt(2))


def _gelu_slope_ref(x):
    return 0.5 * _erfc(-x / math.sqrt(2)) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def threads(request):
    before = _threads.get_num_threads()
    _threads.set_num_threads(request.param)
    yield request.param
    _threads.set_num_threads(before)


def _close(a, b, dtype):
    np.testing.assert_allclose(a, b, rtol=TOL[np.dtype(dtype)], atol=TOL[np.dtype(dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 7), (1, 1), (0, 4), (300, 130)])  # the last one uses threads
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_kernels_match_numpy(dtype, shape, affine, threads):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(shape[1]).astype(dtype) if affine in ("both", "weight") else None
    b = rng.standard_normal(shape[1]).astype(dtype) if affine in ("both", "bias") else None
    y, mean, rstd = K.layer_norm(x, w, b, 1e-5)
    ref = _ln_ref(x.astype(np.float64), w, b, 1e-5)
    for got, want in zip((y, mean, rstd), ref):
        assert got.dtype == dtype
        _close(got, want, dtype)
    dx, dw, db = K.layer_norm_backward(g, x, w, mean, rstd, w is not None, b is not None)
    rdx, rdw, rdb = _ln_backward_ref(g.astype(np.float64), x.astype(np.float64), w, 1e-5)
    _close(dx, rdx, dtype)
    assert (dw is None) == (w is None) and (db is None) == (b is None)
    if w is not None:
        _close(dw, rdw, dtype)
    if b is not None:
        _close(db, rdb, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [0, 1, 17, 50_000])  # the last one uses threads
def test_gelu_kernels_match_numpy(dtype, size, threads):
    x = np.random.default_rng(1).standard_normal(size).astype(dtype) * 4
    g = np.random.default_rng(2).standard_normal(size).astype(dtype)
    _close(K.gelu(x), _gelu_ref(x.astype(np.float64)), dtype)
    _close(K.gelu_backward(g, x), g * _gelu_slope_ref(x.astype(np.float64)), dtype)


def test_float32_gelu_is_accurate_over_the_whole_range():
    # the vectorised erfc and exp: a few ulps from the float64 result where it counts; in the
    # far negative tail (|gelu| < 1e-4) the rounding of x * x in the exponent limits the
    # relative error, still far below the 1e-7 absolute error a float32 1 + erf(x) would make
    x = np.concatenate([np.linspace(-20, 20, 40_001), [0.0, -0.0, 1e-30, -1e-30, 1e-7]]).astype(np.float32)
    ref = _gelu_ref(x.astype(np.float64))
    np.testing.assert_allclose(K.gelu(x), ref, rtol=2e-6, atol=1e-9)
    slope = _gelu_slope_ref(x.astype(np.float64))
    # the slope Phi(x) + x phi(x) of two terms near 0.2 crosses 0 near x = -0.75: absolute there
    np.testing.assert_allclose(K.gelu_backward(np.ones_like(x), x), slope, rtol=2e-6, atol=2e-7)
    special = K.gelu(np.array([np.inf, np.nan], np.float32))
    assert special[0] == np.inf and np.isnan(special[1])


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: K.layer_norm(np.ones((2, 3), np.int64), None, None, 1e-5), TypeError),
        (lambda: K.layer_norm(np.ones(3, np.float32), None, None, 1e-5), ValueError),
        (lambda: K.layer_norm(np.ones((2, 3), np.float32), np.ones(4, np.float32), None, 1e-5), ValueError),
        (lambda: K.layer_norm(np.ones((2, 3), np.float32), np.ones(3), None, 1e-5), TypeError),
        (lambda: K.layer_norm([[1.0]], None, None, 1e-5), TypeError),
        (
            lambda: K.layer_norm_backward(
                np.ones((2, 3)), np.ones((2, 3)), None, np.ones(3), np.ones(2), False, False
            ),
            ValueError,
        ),
        (lambda: K.gelu_backward(np.ones(3), np.ones(4)), ValueError),
        (lambda: K.gelu_backward(np.ones(3, np.float32), np.ones(3)), TypeError),
    ],
)
def test_layer_kernels_reject_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def _double(*shape, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return minigrad.tensor(data, dtype=minigrad.float64, requires_grad=True)


@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_gradients_match_finite_differences(affine):
    x = _double(3, 2, 4)
    w = _double(2, 4, seed=1) if affine in ("both", "weight") else None
    b = _double(2, 4, seed=2) if affine in ("both", "bias") else None
    params = [p for p in (x, w, b) if p is not None]

    def fn(*ts):
        it = iter(ts)
        return F.layer_norm(
            next(it), (2, 4), next(it) if w is not None else None, next(it) if b is not None else None
        )

    assert F.layer_norm(x, (2, 4), w, b).grad_fn.name() == "NativeLayerNormBackward0"
    assert gradcheck(fn, params)
    assert gradgradcheck(fn, params)


def test_gelu_gradients_match_finite_differences():
    x = _double(4, 5)
    assert F.gelu(x).grad_fn.name() == "GeluBackward0"
    assert gradcheck(F.gelu, (x,))
    assert gradgradcheck(F.gelu, (x,))


def test_layer_norm_second_backward_through_a_retained_graph():
    x, w = _double(3, 4), _double(4, seed=1)
    y = F.layer_norm(x, (4,), w, None)
    y.sum().backward(retain_graph=True)
    first = x.grad.numpy().copy(), w.grad.numpy().copy()
    (y * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * first[0], atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), 3 * first[1], atol=1e-12)


def test_layer_norm_of_float16_keeps_the_composed_path():
    x = minigrad.ones(2, 3, dtype=minigrad.float16)
    assert F.layer_norm(x, (3,)).dtype == minigrad.float16
