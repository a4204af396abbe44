"""Tests of the convolution and max-pool kernels (``minigrad/_conv_kernels.pyx``), called
directly: each equals a plain NumPy reference in both float dtypes and both column layouts,
on random, empty and size-1 arrays, with and without the thread team, and rejects bad input
with a Python exception rather than crash."""

import numpy as np
import pytest

import minigrad
from minigrad import _conv_kernels as K

DTYPES = [np.float32, np.float64]
# (kh, kw, sh, sw, ph, pw, dh, dw, oh, ow): padded 3x3, strided and dilated, 1x1, past the edge
GEOMETRIES = [
    (3, 3, 1, 1, 1, 1, 1, 1, 5, 4),
    (2, 3, 2, 1, 0, 1, 2, 1, 2, 4),
    (1, 1, 1, 1, 0, 0, 1, 1, 5, 4),
    (3, 2, 2, 3, 1, 1, 1, 2, 3, 2),
]


def _im2col_ref(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + 2 * ph + kh * dh + oh * sh, w + 2 * pw + kw * dw + ow * sw), x.dtype)
    padded[:, :, ph : ph + h, pw : pw + w] = x
    cols = np.empty((n, c, kh, kw, oh, ow), x.dtype)
    for ky in range(kh):
        for kx in range(kw):
            cols[:, :, ky, kx] = padded[
                :, :, ky * dh : ky * dh + oh * sh : sh, kx * dw : kx * dw + ow * sw : sw
            ]
    return cols.reshape(n, c * kh * kw, oh * ow)


def _batch_major(cols):
    """(N, K, L) -> (K, N*L)"""
    return np.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(cols.shape[1], -1)


def _max_pool_ref(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    # first maximum in scan order, NaN wins; positions outside the plane never win
    n, c, h, w = x.shape
    idx = np.full((n, c, oh, ow), -1, np.int64)
    for i in np.ndindex(n, c, oh, ow):
        best = None
        for ky in range(kh):
            for kx in range(kw):
                iy, ix = i[2] * sh - ph + ky * dh, i[3] * sw - pw + kx * dw
                if 0 <= iy < h and 0 <= ix < w:
                    v = x[i[0], i[1], iy, ix]
                    if best is None or (not np.isnan(best) and (v > best or np.isnan(v))):
                        best, idx[i] = v, iy * w + ix
    return idx


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("batch_major", [False, True])
def test_im2col_matches_numpy_and_col2im_is_its_adjoint(dtype, geometry, batch_major):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 5, 4)).astype(dtype)
    ref = _im2col_ref(x, *geometry)
    cols = K.im2col(x, geometry, batch_major)
    np.testing.assert_array_equal(cols, _batch_major(ref) if batch_major else ref)
    r = rng.normal(size=cols.shape).astype(dtype)
    back = K.col2im(r, x.shape, geometry, batch_major)
    assert back.dtype == dtype
    assert (cols * r).sum() == pytest.approx((x * back).sum(), rel=1e-4)


@pytest.mark.parametrize("batch_major", [False, True])
def test_im2col_large_enough_for_threads_matches_numpy(batch_major):
    # above PARALLEL_MIN the planes are shared out over the thread team
    x = np.random.default_rng(5).normal(size=(8, 4, 12, 12)).astype(np.float32)
    geometry = (3, 3, 1, 1, 1, 1, 1, 1, 12, 12)
    ref = _im2col_ref(x, *geometry)
    assert ref.size >= K.PARALLEL_MIN
    cols = K.im2col(x, geometry, batch_major)
    np.testing.assert_array_equal(cols, _batch_major(ref) if batch_major else ref)
    r = np.random.default_rng(6).normal(size=ref.shape).astype(np.float32)
    np.testing.assert_allclose(
        K.col2im(_batch_major(r) if batch_major else r, x.shape, geometry, batch_major),
        K.col2im(r, x.shape, geometry),
        rtol=1e-6,
    )


@pytest.mark.parametrize("shape", [(0, 3, 4, 4), (2, 0, 4, 4), (1, 1, 1, 1)])
def test_im2col_empty_and_size_one(shape):
    geometry = (1, 1, 1, 1, 0, 0, 1, 1, shape[2], shape[3])
    x = np.ones(shape)
    assert K.im2col(x, geometry).shape == (shape[0], shape[1], shape[2] * shape[3])
    cols = K.im2col(x, geometry, True)
    assert cols.shape == (shape[1], shape[0] * shape[2] * shape[3])
    np.testing.assert_array_equal(K.col2im(cols, shape, geometry, True), x)


def test_im2col_accepts_non_contiguous_input():
    x = np.random.default_rng(7).normal(size=(2, 3, 5, 8))[..., ::2]
    geometry = (3, 3, 1, 1, 1, 1, 1, 1, 5, 4)
    np.testing.assert_array_equal(K.im2col(x, geometry), _im2col_ref(x, *geometry))


def test_im2col_windows_past_the_edge_read_zero():
    # an output size larger than the input allows (ceil mode) must read zeros, not memory
    cols = K.im2col(np.ones((1, 1, 2, 2)), (2, 2, 2, 2, 0, 0, 1, 1, 3, 3))
    assert cols.shape == (1, 4, 9) and cols.sum() == 4


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "geometry",
    [(2, 2, 2, 2, 0, 0, 1, 1, 3, 3), (3, 3, 1, 1, 1, 1, 1, 1, 6, 6), (3, 2, 2, 1, 1, 0, 2, 2, 2, 4)],
)
def test_max_pool_indices_match_numpy_with_ties_infinities_and_nan(dtype, geometry):
    x = np.random.default_rng(8).integers(-2, 3, (2, 3, 6, 6)).astype(dtype)  # many ties
    x[0, 0, 1, 1] = np.nan
    x[1, 1, :3, :3] = -np.inf
    x[1, 2, 2:4, 2:4] = np.inf
    np.testing.assert_array_equal(K.max_pool2d_indices(x, geometry), _max_pool_ref(x, *geometry))


def test_max_pool_indices_large_enough_for_threads_match_numpy():
    x = np.random.default_rng(9).normal(size=(32, 16, 16, 16)).astype(np.float32)
    geometry = (2, 2, 2, 2, 0, 0, 1, 1, 8, 8)
    idx = K.max_pool2d_indices(x, geometry)
    assert idx.size >= K.PARALLEL_MIN
    planes = x.reshape(512, 8, 2, 8, 2).transpose(0, 1, 3, 2, 4).reshape(512, 64, 4)
    picked = np.take_along_axis(x.reshape(512, -1), idx.reshape(512, -1), 1)
    np.testing.assert_array_equal(picked, planes.max(-1))


def test_max_pool_window_wholly_in_padding_gives_minus_one():
    # kernel 1 with padding 1: the corner windows see only padding
    idx = K.max_pool2d_indices(np.ones((1, 1, 2, 2)), (1, 1, 1, 1, 1, 1, 1, 1, 4, 4))
    assert idx[0, 0, 0].tolist() == [-1, -1, -1, -1] and idx[0, 0, 1].tolist() == [-1, 0, 1, -1]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("planes, size, per_plane", [(3, 16, 4), (0, 4, 2), (1, 1, 1), (600, 64, 64)])
def test_gather_and_scatter_planes_match_numpy_and_are_adjoint(dtype, planes, size, per_plane):
    rng = np.random.default_rng(10)
    x = rng.normal(size=(planes, size)).astype(dtype)
    idx = rng.integers(0, size, (planes, per_plane))
    out = K.gather_planes(x, idx)
    np.testing.assert_array_equal(out, np.take_along_axis(x, idx, 1))
    g = rng.normal(size=(planes, per_plane)).astype(dtype)
    ref = np.zeros_like(x)
    for p in range(planes):
        np.add.at(ref[p], idx[p], g[p])
    back = K.scatter_add_planes(g, idx, size)
    np.testing.assert_allclose(back, ref, rtol=1e-6)


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: K.im2col(np.zeros((2, 3)), (1, 1, 1, 1, 0, 0, 1, 1, 2, 3)), ValueError),
        (lambda: K.im2col(np.zeros((1, 1, 2, 2)), (0, 1, 1, 1, 0, 0, 1, 1, 2, 2)), ValueError),
        (lambda: K.im2col(np.zeros((1, 1, 2, 2)), (1, 1, 1)), ValueError),
        (lambda: K.im2col(np.zeros((1, 1, 2, 2), np.int64), (1, 1, 1, 1, 0, 0, 1, 1, 2, 2)), TypeError),
        (lambda: K.col2im(np.zeros((3, 1)), (1, 1, 2, 2), (1, 1, 1, 1, 0, 0, 1, 1, 2, 2)), ValueError),
        (
            lambda: K.col2im(np.zeros((1, 1, 4)), (1, 1, 2, 2), (1, 1, 1, 1, 0, 0, 1, 1, 2, 2), True),
            ValueError,
        ),
        (lambda: K.scatter_add_planes(np.ones((1, 2)), np.array([[0, 9]]), 4), IndexError),
        (lambda: K.scatter_add_planes(np.ones((1, 2)), np.array([[0, -1]]), 4), IndexError),
        (lambda: K.scatter_add_planes(np.ones((1, 2)), np.array([[0]]), 4), ValueError),
        (lambda: K.scatter_add_planes(np.ones((1, 2)), np.array([[0.0, 1.0]]), 4), TypeError),
        (lambda: K.gather_planes(np.ones((1, 4)), np.array([[0, 4]])), IndexError),
        (lambda: K.gather_planes(np.ones((1, 4)), np.array([[-1]])), IndexError),
        (lambda: K.gather_planes(np.ones((2, 4)), np.array([[0]])), ValueError),
        (lambda: K.max_pool2d_indices(np.zeros(4), (1, 1, 1, 1, 0, 0, 1, 1, 1, 1)), ValueError),
        (lambda: K.max_pool2d_indices([[[[1.0]]]], (1, 1, 1, 1, 0, 0, 1, 1, 1, 1)), TypeError),
    ],
)
def test_conv_kernels_reject_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_a_stride_near_int64_max_with_huge_padding_and_dilation_does_not_write_out_of_bounds():
    # found by tools/fuzz.py: ceil(-offset / stride) overflowed int64 inside the window span, and
    # im2col wrote before its output (heap corruption); each size passes the geometry checks
    import minigrad.nn.functional as F

    x = minigrad.randn(2, 1, 2, 4, requires_grad=True)
    y = F.conv2d(x, minigrad.randn(2, 1, 2, 1), None, 2**63 - 1, 2**31 - 1, 2**31 - 1)
    assert tuple(y.shape) == (2, 2, 1, 1)
    y.sum().backward()
    assert tuple(x.grad.shape) == (2, 1, 2, 4)
