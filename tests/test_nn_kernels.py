"""Tests of the Cython nn kernels (``minigrad/_nn_kernels.pyx``), called directly: each equals
a plain NumPy reference on random, empty and size-1 arrays in both float dtypes, accepts
non-contiguous input, and rejects bad input with a Python exception rather than crash."""

import numpy as np
import pytest

from minigrad import _nn_kernels as K

DTYPES = [np.float32, np.float64]
TOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-13}


def _softmax_ref(x, dim, take_log):
    z = x - x.max(dim, keepdims=True)
    lse = np.log(np.exp(z).sum(dim, keepdims=True))
    return z - lse if take_log else np.exp(z - lse)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape, dim", [((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 1), ((1,), 0), ((0, 4), 1), ((4, 0), 1), ((), 0)]
)
@pytest.mark.parametrize("take_log", [False, True])
def test_softmax_kernel_matches_numpy(dtype, shape, dim, take_log):
    x = np.random.default_rng(0).normal(size=shape).astype(dtype)
    out = K.softmax(x, dim, take_log)
    assert out.dtype == dtype and out.shape == x.shape
    np.testing.assert_allclose(
        out, _softmax_ref(x, dim, take_log) if x.size else x, rtol=TOL[out.dtype], atol=TOL[out.dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True])
def test_softmax_backward_kernel_matches_numpy(dtype, take_log):
    rng = np.random.default_rng(1)
    y = K.softmax(rng.normal(size=(3, 4, 2)).astype(dtype), 1, take_log)
    g = rng.normal(size=y.shape).astype(dtype)
    ref = g - np.exp(y) * g.sum(1, keepdims=True) if take_log else y * (g - (g * y).sum(1, keepdims=True))
    np.testing.assert_allclose(K.softmax_backward(g, y, 1, take_log), ref, rtol=1e-5, atol=1e-6)


def test_softmax_kernel_accepts_non_contiguous_input():
    x = np.random.default_rng(2).normal(size=(4, 6))[:, ::2]
    np.testing.assert_allclose(K.softmax(x, 1, False), _softmax_ref(x, 1, False))


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_kernels_match_numpy(dtype):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 4, 3)).astype(dtype)
    t = rng.integers(0, 4, (5, 3))
    t[0, 0] = -100
    w = rng.uniform(0.5, 2, 4).astype(dtype)
    logp = _softmax_ref(x, 1, True)
    picked = np.take_along_axis(logp, np.maximum(t, 0)[:, None], 1)[:, 0]
    ref = np.where(t == -100, 0, -picked * w[np.maximum(t, 0)])
    np.testing.assert_allclose(K.cross_entropy(x, t, w, -100).reshape(5, 3), ref, rtol=TOL[x.dtype] * 10)
    g = rng.normal(size=(5, 3)).astype(dtype)
    onehot = np.arange(4)[None, :, None] == t[:, None]
    gref = (np.exp(logp) - onehot) * (g * np.where(t == -100, 0, w[np.maximum(t, 0)]))[:, None]
    np.testing.assert_allclose(K.cross_entropy_backward(g, x, t, w, -100), gref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: K.softmax(np.zeros(3, np.int64), 0, False), TypeError),
        (lambda: K.softmax([1.0, 2.0], 0, False), TypeError),
        (lambda: K.softmax(np.zeros((2, 3)), 2, False), ValueError),
        (lambda: K.softmax_backward(np.zeros(3), np.zeros(4), 0, False), ValueError),
        (lambda: K.softmax_backward(np.zeros(3, np.float32), np.zeros(3), 0, False), TypeError),
        (lambda: K.cross_entropy(np.zeros((2, 3)), np.array([0, 3]), None, -100), IndexError),
        (lambda: K.cross_entropy(np.zeros((2, 3)), np.array([0]), None, -100), ValueError),
        (lambda: K.cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]), None, -100), TypeError),
        (lambda: K.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), np.ones(2), -100), ValueError),
        (lambda: K.cross_entropy(np.zeros(3), np.array([0]), None, -100), ValueError),
        (
            lambda: K.cross_entropy_backward(np.zeros(1), np.zeros((2, 3)), np.array([0, 1]), None, -100),
            ValueError,
        ),
    ],
)
def test_nn_kernels_reject_bad_input(call, exc):
    with pytest.raises(exc):
        call()
