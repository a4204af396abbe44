"""Fused loops behind a transformer block's layer norm and GELU (``minigrad/ops/layers.py``).

Why these exist: composed from mean, sub, mul, sqrt and div, a layer norm records eight
nodes and makes as many (rows, C) temporaries each way; the exact GELU (``x * Phi(x)``)
five. Here each is one pass over its rows forward and one backward:

* ``layer_norm``: per row the mean, the biased variance (two passes over a row in cache),
  ``y = (x - mean) * rstd * w + b``; the row's mean and ``rstd = 1 / sqrt(var + eps)`` are
  kept for the backward, which per row rebuilds ``xhat = (x - mean) * rstd`` and writes
  ``dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat))`` (``gw = g * w``), while adding
  ``g * xhat`` and ``g`` into the weight's and the bias's gradients;
* ``gelu`` / ``gelu_backward``: ``x * Phi(x)`` and ``Phi(x) + x * phi(x)``, with ``Phi``
  from ``erfc`` (below) so that no ``1 + erf`` cancels for negative x.

float32 uses the vectorisable ``mg_expf`` of ``_fastmath.pxi``, and for erfc Numerical
Recipes' Chebyshev-fitted formula ``erfc(z) = t exp(-z^2 + P(t))``, ``t = 1 / (1 + z / 2)``
(fractional error < 1.2e-7 for z >= 0: two float32 ulps); float64 calls libm.

Threads: rows (layer norm) or blocks of ``BLOCK`` elements (GELU) are shared among OpenMP
threads (``prange``, static schedule) when the input has at least ``PARALLEL_MIN``
elements; the layer-norm backward accumulates the weight and bias gradients in one row of
partial sums per thread, added up at the end (so the sum's order, and the result's last
bits, depend on the thread count).

Invariants: the ``def`` wrappers check dtype (float32/float64, one for every float
argument), C-contiguity and shapes before any ``nogil`` loop and allocate their outputs.
"""

cimport numpy as cnp
from cython.parallel cimport prange, threadid
from libc.math cimport erfc, exp, sqrt

from ._types cimport floating

import numpy as np

cnp.import_array()

include "_fastmath.pxi"
include "_kernel_args.pxi"


cdef extern from *:
    """
    /* 0.5 erfc(z / sqrt 2) = Phi(-z) for z >= 0 (see the module docstring) */
    MG_NO_TRAPS static inline float mg_upper_tail_f32(float z) {
        float u = z * 0.70710678118654752f;
        float t = 1.0f / (1.0f + 0.5f * u);
        float p = 0.17087277f;
        p = p * t - 0.82215223f;
        p = p * t + 1.48851587f;
        p = p * t - 1.13520398f;
        p = p * t + 0.27886807f;
        p = p * t - 0.18628806f;
        p = p * t + 0.09678418f;
        p = p * t + 0.37409196f;
        p = p * t + 1.00002368f;
        p = p * t - 1.26551223f;
        return 0.5f * t * mg_expf(p - u * u);
    }

    /* Phi(x), the standard normal CDF */
    MG_NO_TRAPS static inline float mg_phi_cdf_f32(float x) {
        float tail = mg_upper_tail_f32(x < 0.0f ? -x : x);
        return x < 0.0f ? tail : 1.0f - tail;
    }

    MG_CLONES MG_NO_TRAPS static void mg_gelu_f32(const float* x, float* out, Py_ssize_t n) {
        for (Py_ssize_t i = 0; i < n; i++)
            out[i] = x[i] * mg_phi_cdf_f32(x[i]);
    }

    /* g * (Phi(x) + x phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) */
    MG_CLONES MG_NO_TRAPS static void mg_gelu_backward_f32(const float* g, const float* x, float* out,
                                                           Py_ssize_t n) {
        for (Py_ssize_t i = 0; i < n; i++) {
            float v = x[i];
            float density = 0.39894228040143268f * mg_expf(-0.5f * v * v);
            out[i] = g[i] * (mg_phi_cdf_f32(v) + v * density);
        }
    }

    /* A float32 row of layer norm's backward in two passes (built for AVX2+FMA/AVX-512 too,
       where the loops compiled from Cython ran on SSE2): xhat, the weight's and bias's
       partial sums and the two row sums of g*w and g*w*xhat, then dx. The sums are taken in
       vector lanes (MG_REASSOCIATE), as mg_sum_f32 / mg_dot_f32 take them. */
    MG_CLONES MG_REASSOCIATE static void mg_ln_backward_row_f32(
            const float* g, const float* x, const float* w, float m, float r, float* dx,
            float* dw, float* db, Py_ssize_t n) {
        float s_gw = 0.0f, s_gwx = 0.0f;
        for (Py_ssize_t j = 0; j < n; j++) {
            float xh = (x[j] - m) * r, gj = g[j], gw = w ? gj * w[j] : gj;
            dx[j] = xh;
            if (dw) dw[j] += gj * xh;
            if (db) db[j] += gj;
            s_gw += gw;
            s_gwx += gw * xh;
        }
        float a = s_gw / (float)n, c = s_gwx / (float)n;
        for (Py_ssize_t j = 0; j < n; j++) {
            float gw = w ? g[j] * w[j] : g[j];
            dx[j] = r * (gw - a - dx[j] * c);
        }
    }
    """
    void mg_ln_backward_row_f32(const float* g, const float* x, const float* w, float m, float r,
                                float* dx, float* dw, float* db, Py_ssize_t n) nogil
    void mg_gelu_f32(const float* x, float* out, Py_ssize_t n) nogil
    void mg_gelu_backward_f32(const float* g, const float* x, float* out, Py_ssize_t n) nogil


# below this many elements a thread team costs more than it saves
PARALLEL_MIN = 1 << 15
cdef Py_ssize_t _PARALLEL_MIN = PARALLEL_MIN
# GELU's unit of work handed to a thread
BLOCK = 4096
cdef Py_ssize_t _BLOCK = BLOCK
cdef double _SQRT_HALF = 0.70710678118654752
cdef double _INV_SQRT_2PI = 0.39894228040143268


cdef inline floating _sum(const floating* x, Py_ssize_t n) noexcept nogil:
    cdef floating s = 0
    cdef Py_ssize_t j
    if floating is float:
        s = mg_sum_f32(x, n)
    else:
        for j in range(n):
            s += x[j]
    return s


cdef inline floating _dot(const floating* x, const floating* y, Py_ssize_t n) noexcept nogil:
    cdef floating s = 0
    cdef Py_ssize_t j
    if floating is float:
        s = mg_dot_f32(x, y, n)
    else:
        for j in range(n):
            s += x[j] * y[j]
    return s


# ----------------------------------------------------------------------------- layer norm

cdef inline void _layer_norm_row(const floating* x, const floating* w, const floating* b, floating* y,
                                 floating* mean, floating* rstd, Py_ssize_t n, floating eps) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating m = _sum(x, n) / n, r
    for j in range(n):
        y[j] = x[j] - m
    r = 1 / sqrt(_dot(y, y, n) / n + eps)
    mean[0], rstd[0] = m, r
    if w != NULL and b != NULL:
        for j in range(n):
            y[j] = y[j] * r * w[j] + b[j]
    elif w != NULL:
        for j in range(n):
            y[j] = y[j] * r * w[j]
    else:
        for j in range(n):
            y[j] = y[j] * r + (b[j] if b != NULL else 0)


cdef void _layer_norm(const floating* x, const floating* w, const floating* b, floating* y,
                      floating* mean, floating* rstd, Py_ssize_t rows, Py_ssize_t n,
                      floating eps) noexcept nogil:
    cdef Py_ssize_t r
    for r in prange(rows, schedule="static", use_threads_if=rows * n >= _PARALLEL_MIN):
        _layer_norm_row(x + r * n, w, b, y + r * n, mean + r, rstd + r, n, eps)


cdef inline void _layer_norm_backward_row(const floating* g, const floating* x, const floating* w,
                                          floating m, floating r, floating* dx, floating* gw,
                                          floating* dw, floating* db, Py_ssize_t n) noexcept nogil:
    # dx first holds xhat, gw holds g * w (or is g itself); dw and db are this thread's partial sums
    cdef Py_ssize_t j
    cdef floating mean_gw, mean_gw_xhat
    cdef const floating* gg = g
    if floating is float:
        mg_ln_backward_row_f32(g, x, w, m, r, dx, dw, db, n)
        return
    for j in range(n):
        dx[j] = (x[j] - m) * r
    if dw != NULL:
        for j in range(n):
            dw[j] += g[j] * dx[j]
    if db != NULL:
        for j in range(n):
            db[j] += g[j]
    if w != NULL:
        for j in range(n):
            gw[j] = g[j] * w[j]
        gg = gw
    mean_gw = _sum(gg, n) / n
    mean_gw_xhat = _dot(gg, dx, n) / n
    for j in range(n):
        dx[j] = r * (gg[j] - mean_gw - dx[j] * mean_gw_xhat)


cdef void _layer_norm_backward(const floating* g, const floating* x, const floating* w,
                               const floating* mean, const floating* rstd, floating* dx,
                               floating* scratch, floating* dw, floating* db, Py_ssize_t rows,
                               Py_ssize_t n) noexcept nogil:
    # scratch: one row of g * w per thread; dw, db: one row of partial sums per thread (or NULL)
    cdef Py_ssize_t r, t
    for r in prange(rows, schedule="static", use_threads_if=rows * n >= _PARALLEL_MIN):
        t = threadid()
        _layer_norm_backward_row(g + r * n, x + r * n, w, mean[r], rstd[r], dx + r * n,
                                 scratch + t * n, dw + t * n if dw != NULL else NULL,
                                 db + t * n if db != NULL else NULL, n)


cdef cnp.ndarray _matching(object a, cnp.ndarray ref, tuple shape, str op, str name):
    """``a`` (not None) as a contiguous array of ``ref``'s dtype and of ``shape``."""
    cdef cnp.ndarray arr = _float_array(a, op, name)
    if cnp.PyArray_TYPE(arr) != cnp.PyArray_TYPE(ref):
        raise TypeError(f"{op}: {name} has dtype {arr.dtype}, expected {ref.dtype}")
    if (<object>arr).shape != shape:
        raise ValueError(f"{op}: {name} has shape {np.shape(arr)}, expected {shape}")
    return arr


cdef const void* _data_or_null(object a):
    return NULL if a is None else cnp.PyArray_DATA(<cnp.ndarray>a)


def layer_norm(x, weight, bias, double eps):
    """Layer norm of the rows of the 2-D array ``x`` (weight, bias: None or one value per
    column). Returns (y, mean, rstd): the result and each row's mean and 1 / std."""
    cdef cnp.ndarray a = _float_array(x, "layer_norm", "input")
    if a.ndim != 2:
        raise ValueError(f"layer_norm: expected a 2-D (rows, C) array, got shape {np.shape(a)}")
    cdef Py_ssize_t rows = a.shape[0], n = a.shape[1]
    w = None if weight is None else _matching(weight, a, (n,), "layer_norm", "weight")
    b = None if bias is None else _matching(bias, a, (n,), "layer_norm", "bias")
    cdef cnp.ndarray y = np.empty_like(a)
    cdef cnp.ndarray mean = np.empty(rows, dtype=a.dtype)
    cdef cnp.ndarray rstd = np.empty(rows, dtype=a.dtype)
    cdef const void* wp = _data_or_null(w)
    cdef const void* bp = _data_or_null(b)
    if n == 0:
        mean.fill(np.nan)
        rstd.fill(np.nan)
        return y, mean, rstd
    if a.dtype == np.float32:
        with nogil:
            _layer_norm(<const float*>cnp.PyArray_DATA(a), <const float*>wp, <const float*>bp,
                        <float*>cnp.PyArray_DATA(y), <float*>cnp.PyArray_DATA(mean),
                        <float*>cnp.PyArray_DATA(rstd), rows, n, <float>eps)
    else:
        with nogil:
            _layer_norm(<const double*>cnp.PyArray_DATA(a), <const double*>wp, <const double*>bp,
                        <double*>cnp.PyArray_DATA(y), <double*>cnp.PyArray_DATA(mean),
                        <double*>cnp.PyArray_DATA(rstd), rows, n, eps)
    return y, mean, rstd


def layer_norm_backward(g, x, weight, mean, rstd, bint weight_grad, bint bias_grad):
    """Gradients of ``layer_norm`` from the incoming ``g`` (like ``x``) and the saved row
    statistics: (dx, dweight or None, dbias or None)."""
    cdef cnp.ndarray a = _float_array(x, "layer_norm_backward", "input")
    if a.ndim != 2:
        raise ValueError(f"layer_norm_backward: expected a 2-D (rows, C) array, got shape {np.shape(a)}")
    cdef Py_ssize_t rows = a.shape[0], n = a.shape[1]
    cdef cnp.ndarray ga = _matching(g, a, (rows, n), "layer_norm_backward", "gradient")
    cdef cnp.ndarray ma = _matching(mean, a, (rows,), "layer_norm_backward", "mean")
    cdef cnp.ndarray ra = _matching(rstd, a, (rows,), "layer_norm_backward", "rstd")
    w = None if weight is None else _matching(weight, a, (n,), "layer_norm_backward", "weight")
    cdef Py_ssize_t teams = mg_team_size() if rows * n >= _PARALLEL_MIN else 1
    cdef cnp.ndarray dx = np.empty_like(a)
    cdef cnp.ndarray scratch = np.empty((teams, n), dtype=a.dtype)
    dw = np.zeros((teams, n), dtype=a.dtype) if weight_grad else None
    db = np.zeros((teams, n), dtype=a.dtype) if bias_grad else None
    cdef const void* wp = _data_or_null(w)
    cdef void* dwp = <void*>_data_or_null(dw)
    cdef void* dbp = <void*>_data_or_null(db)
    if a.dtype == np.float32:
        with nogil:
            _layer_norm_backward(<const float*>cnp.PyArray_DATA(ga), <const float*>cnp.PyArray_DATA(a),
                                 <const float*>wp, <const float*>cnp.PyArray_DATA(ma),
                                 <const float*>cnp.PyArray_DATA(ra), <float*>cnp.PyArray_DATA(dx),
                                 <float*>cnp.PyArray_DATA(scratch), <float*>dwp, <float*>dbp, rows, n)
    else:
        with nogil:
            _layer_norm_backward(<const double*>cnp.PyArray_DATA(ga), <const double*>cnp.PyArray_DATA(a),
                                 <const double*>wp, <const double*>cnp.PyArray_DATA(ma),
                                 <const double*>cnp.PyArray_DATA(ra), <double*>cnp.PyArray_DATA(dx),
                                 <double*>cnp.PyArray_DATA(scratch), <double*>dwp, <double*>dbp, rows, n)
    if teams > 1:
        dw = None if dw is None else dw.sum(0)
        db = None if db is None else db.sum(0)
    else:
        dw = None if dw is None else dw[0]
        db = None if db is None else db[0]
    return dx, dw, db


# ----------------------------------------------------------------------------- GELU

cdef void _gelu(const floating* x, floating* out, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k, i, lo, hi
    for k in prange((n + _BLOCK - 1) // _BLOCK, schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        lo = k * _BLOCK
        hi = min(lo + _BLOCK, n)
        if floating is float:
            mg_gelu_f32(x + lo, out + lo, hi - lo)
        else:
            for i in range(lo, hi):
                out[i] = x[i] * 0.5 * erfc(-x[i] * _SQRT_HALF)


cdef void _gelu_backward(const floating* g, const floating* x, floating* out, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k, i, lo, hi
    for k in prange((n + _BLOCK - 1) // _BLOCK, schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        lo = k * _BLOCK
        hi = min(lo + _BLOCK, n)
        if floating is float:
            mg_gelu_backward_f32(g + lo, x + lo, out + lo, hi - lo)
        else:
            for i in range(lo, hi):
                out[i] = g[i] * (0.5 * erfc(-x[i] * _SQRT_HALF)
                                 + x[i] * _INV_SQRT_2PI * exp(-0.5 * x[i] * x[i]))


def gelu(x):
    """The exact GELU, ``x * Phi(x)``, of each element."""
    cdef cnp.ndarray a = _float_array(x, "gelu", "input")
    cdef cnp.ndarray out = np.empty_like(a)
    cdef Py_ssize_t n = a.size
    if a.dtype == np.float32:
        with nogil:
            _gelu(<const float*>cnp.PyArray_DATA(a), <float*>cnp.PyArray_DATA(out), n)
    else:
        with nogil:
            _gelu(<const double*>cnp.PyArray_DATA(a), <double*>cnp.PyArray_DATA(out), n)
    return out


def gelu_backward(g, x):
    """``g * (Phi(x) + x * phi(x))``: the gradient of ``gelu`` at ``x``."""
    cdef cnp.ndarray a = _float_array(x, "gelu_backward", "input")
    cdef cnp.ndarray ga = _matching(g, a, (<object>a).shape, "gelu_backward", "gradient")
    cdef cnp.ndarray out = np.empty_like(a)
    cdef Py_ssize_t n = a.size
    if a.dtype == np.float32:
        with nogil:
            _gelu_backward(<const float*>cnp.PyArray_DATA(ga), <const float*>cnp.PyArray_DATA(a),
                           <float*>cnp.PyArray_DATA(out), n)
    else:
        with nogil:
            _gelu_backward(<const double*>cnp.PyArray_DATA(ga), <const double*>cnp.PyArray_DATA(a),
                           <double*>cnp.PyArray_DATA(out), n)
    return out
