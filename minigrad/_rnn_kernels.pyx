"""Gate math of the recurrent cells, forward and backward, one pass over a time step's rows.

What lives here: for LSTM, GRU and the tanh/relu RNN, the elementwise part of one time step
(activations, the cell/hidden update, and the matching derivative). The matmuls stay in
numpy BLAS (``minigrad/ops/rnn.py`` calls them: one GEMM for every step's input projection,
one small GEMM per step for the recurrence); a kernel here replaces the dozen numpy
temporaries a step's gate math would make (four sigmoids/tanhs, products, sums) with one
loop over the (n, gates * H) block.

Layouts (all C-contiguous, one dtype): a step has ``n`` active rows. LSTM gates are
(n, 4H) in PyTorch's order i, f, g, o; GRU gates (n, 3H) in order r, z, n. Forward kernels
overwrite the pre-activation gates with the activated ones (what backward needs), so the
saved state of a sequence is those gate arrays plus a few (N, H) arrays.

Invariants: every ``def`` checks dtypes, contiguity and shapes before its ``nogil`` loop.
"""

cimport numpy as cnp
from libc.math cimport exp, expf, tanh, tanhf

from ._types cimport floating

import numpy as np

cnp.import_array()

include "_fastmath.pxi"


cdef extern from *:
    """
    /* float32 gate math written so that GCC and Clang vectorise it, with mg_expf and the
       macros of _fastmath.pxi. sigmoid(z) = 1 / (1 + exp(-z)); tanh(z) = sign(z) (1 - e) /
       (1 + e) with e = exp(-2|z|), and its odd Taylor polynomial below |z| = 1/16, where
       1 - e would cancel. Relative error a few float32 ulps. Each step is a sequence of
       plain loops over contiguous rows: the gates first (i, f: sigmoid; g: tanh; o:
       sigmoid), then the cell update. */

    MG_NO_TRAPS static inline float mg_sigmoidf(float z) {
        return 1.0f / (1.0f + mg_expf(-z));
    }

    MG_NO_TRAPS static inline float mg_tanhf(float z) {
        float a = z < 0.0f ? -z : z;
        float e = mg_expf(-2.0f * a);
        float t = (1.0f - e) / (1.0f + e);
        float z2 = z * z;
        float small = z + z * z2 * (-1.0f / 3.0f + z2 * (2.0f / 15.0f - z2 * (17.0f / 315.0f)));
        return a < 0.0625f ? small : (z < 0.0f ? -t : t);
    }

    MG_CLONES MG_NO_TRAPS static void mg_lstm_fwd_f32(float* __restrict gates, const float* __restrict hg,
                                            float* __restrict c, float* __restrict c_prev,
                                            float* __restrict tanh_c, float* __restrict h,
                                            Py_ssize_t n, Py_ssize_t H) {
        for (Py_ssize_t b = 0; b < n; b++) {
            float* a = gates + b * 4 * H;
            const float* q = hg + b * 4 * H;
            float* cb = c + b * H;
            for (Py_ssize_t j = 0; j < 2 * H; j++)
                a[j] = mg_sigmoidf(a[j] + q[j]);
            for (Py_ssize_t j = 2 * H; j < 3 * H; j++)
                a[j] = mg_tanhf(a[j] + q[j]);
            for (Py_ssize_t j = 3 * H; j < 4 * H; j++)
                a[j] = mg_sigmoidf(a[j] + q[j]);
            for (Py_ssize_t j = 0; j < H; j++) {
                float cn = a[H + j] * cb[j] + a[j] * a[2 * H + j];
                c_prev[b * H + j] = cb[j];
                cb[j] = cn;
                float t = mg_tanhf(cn);
                tanh_c[b * H + j] = t;
                h[b * H + j] = a[3 * H + j] * t;
            }
        }
    }

    MG_CLONES MG_NO_TRAPS static void mg_gru_fwd_f32(float* __restrict gates, const float* __restrict hg,
                                           const float* __restrict h_prev, float* __restrict h,
                                           Py_ssize_t n, Py_ssize_t H) {
        for (Py_ssize_t b = 0; b < n; b++) {
            float* a = gates + b * 3 * H;
            const float* q = hg + b * 3 * H;
            for (Py_ssize_t j = 0; j < 2 * H; j++)
                a[j] = mg_sigmoidf(a[j] + q[j]);
            for (Py_ssize_t j = 0; j < H; j++) {
                float nn = mg_tanhf(a[2 * H + j] + a[j] * q[2 * H + j]);
                float z = a[H + j];
                h[b * H + j] = (1.0f - z) * nn + z * h_prev[b * H + j];
                a[2 * H + j] = nn;
            }
        }
    }

    MG_CLONES static void mg_lstm_bwd_f32(const float* __restrict dh, float* __restrict dc,
                                          const float* __restrict gates, const float* __restrict c_prev,
                                          const float* __restrict tanh_c, float* __restrict dgates,
                                          Py_ssize_t n, Py_ssize_t H) {
        for (Py_ssize_t b = 0; b < n; b++) {
            const float* a = gates + b * 4 * H;
            float* d = dgates + b * 4 * H;
            for (Py_ssize_t j = 0; j < H; j++) {
                Py_ssize_t k = b * H + j;
                float i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j], t = tanh_c[k];
                float dct = dc[k] + dh[k] * o * (1.0f - t * t);
                d[j] = dct * g * i * (1.0f - i);
                d[H + j] = dct * c_prev[k] * f * (1.0f - f);
                d[2 * H + j] = dct * i * (1.0f - g * g);
                d[3 * H + j] = dh[k] * t * o * (1.0f - o);
                dc[k] = dct * f;
            }
        }
    }

    MG_CLONES static void mg_gru_bwd_f32(float* __restrict dh, const float* __restrict gates,
                                         const float* __restrict hg, const float* __restrict h_prev,
                                         float* __restrict dxg, float* __restrict dhg,
                                         Py_ssize_t n, Py_ssize_t H) {
        for (Py_ssize_t b = 0; b < n; b++) {
            const float* a = gates + b * 3 * H;
            const float* q = hg + b * 3 * H;
            float* dx = dxg + b * 3 * H;
            float* dq = dhg + b * 3 * H;
            for (Py_ssize_t j = 0; j < H; j++) {
                Py_ssize_t k = b * H + j;
                float r = a[j], z = a[H + j], nn = a[2 * H + j], d = dh[k];
                float dan = d * (1.0f - z) * (1.0f - nn * nn);
                float dar = dan * q[2 * H + j] * r * (1.0f - r);
                float daz = d * (h_prev[k] - nn) * z * (1.0f - z);
                dx[j] = dar;
                dq[j] = dar;
                dx[H + j] = daz;
                dq[H + j] = daz;
                dx[2 * H + j] = dan;
                dq[2 * H + j] = dan * r;
                dh[k] = d * z;
            }
        }
    }

    MG_CLONES MG_NO_TRAPS static void mg_tanh_add_f32(const float* __restrict x, float* __restrict h,
                                                      Py_ssize_t size) {
        for (Py_ssize_t k = 0; k < size; k++)
            h[k] = mg_tanhf(x[k] + h[k]);
    }
    """
    void mg_lstm_fwd_f32(float* gates, const float* hg, float* c, float* c_prev, float* tanh_c, float* h,
                         Py_ssize_t n, Py_ssize_t H) nogil
    void mg_gru_fwd_f32(float* gates, const float* hg, const float* h_prev, float* h,
                        Py_ssize_t n, Py_ssize_t H) nogil
    void mg_tanh_add_f32(const float* x, float* h, Py_ssize_t size) nogil
    void mg_lstm_bwd_f32(const float* dh, float* dc, const float* gates, const float* c_prev,
                         const float* tanh_c, float* dgates, Py_ssize_t n, Py_ssize_t H) nogil
    void mg_gru_bwd_f32(float* dh, const float* gates, const float* hg, const float* h_prev,
                        float* dxg, float* dhg, Py_ssize_t n, Py_ssize_t H) nogil


cdef inline floating _sigmoid(floating v) noexcept nogil:
    return 1 / (1 + (expf(-v) if floating is float else exp(-v)))


cdef inline floating _tanh(floating v) noexcept nogil:
    return tanhf(v) if floating is float else tanh(v)


cdef bint _check(str op, tuple shapes, arrays) except -1:
    """Raise unless every array is C-contiguous, of the first one's float dtype, and of its
    shape; returns whether they are float32."""
    dt = arrays[0].dtype
    if dt != np.float32 and dt != np.float64:
        raise TypeError(f"{op}: expected float32 or float64 arrays, got {dt}")
    for a, shape in zip(arrays, shapes):
        if type(a) is not np.ndarray or a.dtype != dt or not a.flags.c_contiguous:
            raise TypeError(f"{op}: every argument must be a C-contiguous {dt} ndarray")
        if a.shape != shape:
            raise ValueError(f"{op}: an argument has shape {a.shape}, expected {shape}")
    return dt == np.float32


cdef inline char* _p(object a):
    return <char*>cnp.PyArray_DATA(<cnp.ndarray>a)


# ----------------------------------------------------------------------------- LSTM
# Row b of an (n, k*H) array starts at b * k * H; gate q's column j is at q * H + j.

cdef void _lstm_fwd(floating* gates, const floating* hg, floating* c,     # in/out, in, in/out
                    floating* c_prev, floating* tanh_c, floating* h,       # out, out, out
                    Py_ssize_t n, Py_ssize_t H) noexcept nogil:
    cdef Py_ssize_t b, j
    cdef floating i, f, g, o, cn
    cdef floating* a
    cdef const floating* r
    if floating is float:
        mg_lstm_fwd_f32(gates, hg, c, c_prev, tanh_c, h, n, H)
    else:
        for b in range(n):
            a, r = gates + b * 4 * H, hg + b * 4 * H
            for j in range(H):
                i = _sigmoid(a[j] + r[j])
                f = _sigmoid(a[H + j] + r[H + j])
                g = _tanh(a[2 * H + j] + r[2 * H + j])
                o = _sigmoid(a[3 * H + j] + r[3 * H + j])
                cn = f * c[b * H + j] + i * g
                c_prev[b * H + j] = c[b * H + j]
                c[b * H + j] = cn
                tanh_c[b * H + j] = _tanh(cn)
                h[b * H + j] = o * tanh_c[b * H + j]
                a[j] = i
                a[H + j] = f
                a[2 * H + j] = g
                a[3 * H + j] = o


def lstm_forward(gates, hg, c, c_prev, tanh_c, h):
    """One LSTM step on n rows. ``gates`` (n, 4H): x W_ih^T + biases, overwritten with the
    activated i, f, g, o; ``hg`` (n, 4H): h W_hh^T; ``c`` (n, H): the cell, updated in place
    (its old value goes to ``c_prev``); writes tanh(c) to ``tanh_c`` and o * tanh(c) to ``h``."""
    n, H = c.shape
    cdef bint f32 = _check("lstm_forward", ((n, 4 * H), (n, 4 * H), (n, H), (n, H), (n, H), (n, H)),
                           (gates, hg, c, c_prev, tanh_c, h))
    cdef char* a0 = _p(gates)
    cdef char* a1 = _p(hg)
    cdef char* a2 = _p(c)
    cdef char* a3 = _p(c_prev)
    cdef char* a4 = _p(tanh_c)
    cdef char* a5 = _p(h)
    cdef Py_ssize_t n_ = n, H_ = H
    with nogil:
        if f32:
            _lstm_fwd(<float*>a0, <const float*>a1, <float*>a2, <float*>a3, <float*>a4, <float*>a5, n_, H_)
        else:
            _lstm_fwd(<double*>a0, <const double*>a1, <double*>a2, <double*>a3, <double*>a4, <double*>a5,
                      n_, H_)


cdef void _lstm_bwd(const floating* dh, floating* dc, const floating* gates,               # in, in/out, in
                    const floating* c_prev, const floating* tanh_c, floating* dgates,       # in, in, out
                    Py_ssize_t n, Py_ssize_t H) noexcept nogil:
    cdef Py_ssize_t b, j, k
    cdef floating i, f, g, o, t, dct
    cdef const floating* a
    cdef floating* d
    if floating is float:
        mg_lstm_bwd_f32(dh, dc, gates, c_prev, tanh_c, dgates, n, H)
    else:
        for b in range(n):
            a, d = gates + b * 4 * H, dgates + b * 4 * H
            for j in range(H):
                k = b * H + j
                i, f, g, o = a[j], a[H + j], a[2 * H + j], a[3 * H + j]
                t = tanh_c[k]
                dct = dc[k] + dh[k] * o * (1 - t * t)        # c feeds both h_t and c_{t+1}
                d[j] = dct * g * i * (1 - i)
                d[H + j] = dct * c_prev[k] * f * (1 - f)
                d[2 * H + j] = dct * i * (1 - g * g)
                d[3 * H + j] = dh[k] * t * o * (1 - o)
                dc[k] = dct * f


def lstm_backward(dh, dc, gates, c_prev, tanh_c, dgates):
    """The derivative of ``lstm_forward`` for one step: ``dh`` (n, H) the gradient of h,
    ``dc`` (n, H) that of c (replaced by the gradient of c_prev); writes the gradient of the
    pre-activation gates to ``dgates`` (n, 4H)."""
    n, H = dc.shape
    cdef bint f32 = _check("lstm_backward", ((n, H), (n, H), (n, 4 * H), (n, H), (n, H), (n, 4 * H)),
                           (dh, dc, gates, c_prev, tanh_c, dgates))
    cdef char* a0 = _p(dh)
    cdef char* a1 = _p(dc)
    cdef char* a2 = _p(gates)
    cdef char* a3 = _p(c_prev)
    cdef char* a4 = _p(tanh_c)
    cdef char* a5 = _p(dgates)
    cdef Py_ssize_t n_ = n, H_ = H
    with nogil:
        if f32:
            _lstm_bwd(<const float*>a0, <float*>a1, <const float*>a2, <const float*>a3, <const float*>a4,
                      <float*>a5, n_, H_)
        else:
            _lstm_bwd(<const double*>a0, <double*>a1, <const double*>a2, <const double*>a3,
                      <const double*>a4, <double*>a5, n_, H_)


# ----------------------------------------------------------------------------- GRU

cdef void _gru_fwd(floating* gates, const floating* hg, const floating* h_prev,          # in/out, in, in
                   floating* h, Py_ssize_t n, Py_ssize_t H) noexcept nogil:             # out
    cdef Py_ssize_t b, j
    cdef floating r, z, nn
    cdef floating* a
    cdef const floating* q
    if floating is float:
        mg_gru_fwd_f32(gates, hg, h_prev, h, n, H)
    else:
        for b in range(n):
            a, q = gates + b * 3 * H, hg + b * 3 * H
            for j in range(H):
                r = _sigmoid(a[j] + q[j])
                z = _sigmoid(a[H + j] + q[H + j])
                nn = _tanh(a[2 * H + j] + r * q[2 * H + j])
                h[b * H + j] = (1 - z) * nn + z * h_prev[b * H + j]
                a[j] = r
                a[H + j] = z
                a[2 * H + j] = nn


def gru_forward(gates, hg, h_prev, h):
    """One GRU step on n rows. ``gates`` (n, 3H): x W_ih^T + b_ih, overwritten with the
    activated r, z, n; ``hg`` (n, 3H): h_prev W_hh^T + b_hh (its n-part is needed by
    backward); writes (1 - z) * n + z * h_prev to ``h``."""
    n, H = h.shape
    cdef bint f32 = _check("gru_forward", ((n, 3 * H), (n, 3 * H), (n, H), (n, H)), (gates, hg, h_prev, h))
    cdef char* a0 = _p(gates)
    cdef char* a1 = _p(hg)
    cdef char* a2 = _p(h_prev)
    cdef char* a3 = _p(h)
    cdef Py_ssize_t n_ = n, H_ = H
    with nogil:
        if f32:
            _gru_fwd(<float*>a0, <const float*>a1, <const float*>a2, <float*>a3, n_, H_)
        else:
            _gru_fwd(<double*>a0, <const double*>a1, <const double*>a2, <double*>a3, n_, H_)


cdef void _gru_bwd(floating* dh, const floating* gates, const floating* hg,               # in/out, in, in
                   const floating* h_prev, floating* dxg, floating* dhg,                  # in, out, out
                   Py_ssize_t n, Py_ssize_t H) noexcept nogil:
    cdef Py_ssize_t b, j, k
    cdef floating r, z, nn, d, dan, dar, daz
    cdef const floating* a
    cdef const floating* q
    cdef floating* dx
    cdef floating* dq
    if floating is float:
        mg_gru_bwd_f32(dh, gates, hg, h_prev, dxg, dhg, n, H)
    else:
        for b in range(n):
            a, q, dx, dq = gates + b * 3 * H, hg + b * 3 * H, dxg + b * 3 * H, dhg + b * 3 * H
            for j in range(H):
                k = b * H + j
                r, z, nn = a[j], a[H + j], a[2 * H + j]
                d = dh[k]
                dan = d * (1 - z) * (1 - nn * nn)
                dar = dan * q[2 * H + j] * r * (1 - r)
                daz = d * (h_prev[k] - nn) * z * (1 - z)
                dx[j], dq[j] = dar, dar
                dx[H + j], dq[H + j] = daz, daz
                dx[2 * H + j], dq[2 * H + j] = dan, dan * r       # r scales the recurrent part of n
                dh[k] = d * z


def gru_backward(dh, gates, hg, h_prev, dxg, dhg):
    """The derivative of ``gru_forward`` for one step: from ``dh`` (n, H) writes the
    gradients of the input part ``dxg`` and recurrent part ``dhg`` (n, 3H) of the gates, and
    replaces ``dh`` by the direct part of h_prev's gradient (dh * z; the caller adds dhg W_hh)."""
    n, H = dh.shape
    cdef bint f32 = _check("gru_backward", ((n, H), (n, 3 * H), (n, 3 * H), (n, H), (n, 3 * H), (n, 3 * H)),
                           (dh, gates, hg, h_prev, dxg, dhg))
    cdef char* a0 = _p(dh)
    cdef char* a1 = _p(gates)
    cdef char* a2 = _p(hg)
    cdef char* a3 = _p(h_prev)
    cdef char* a4 = _p(dxg)
    cdef char* a5 = _p(dhg)
    cdef Py_ssize_t n_ = n, H_ = H
    with nogil:
        if f32:
            _gru_bwd(<float*>a0, <const float*>a1, <const float*>a2, <const float*>a3, <float*>a4,
                     <float*>a5, n_, H_)
        else:
            _gru_bwd(<double*>a0, <const double*>a1, <const double*>a2, <const double*>a3, <double*>a4,
                     <double*>a5, n_, H_)


# ----------------------------------------------------------------------------- Elman RNN

cdef void _rnn_fwd(const floating* xg, floating* h, Py_ssize_t size, bint relu) noexcept nogil:
    cdef Py_ssize_t k
    cdef floating a
    if floating is float:
        if not relu:
            mg_tanh_add_f32(xg, h, size)
            return
    for k in range(size):
        a = xg[k] + h[k]
        h[k] = (a if a > 0 else 0) if relu else _tanh(a)


def rnn_forward(xg, h, bint relu):
    """One Elman step: ``h`` (n, H) holds h_prev W_hh^T and becomes act(xg + h)."""
    cdef bint f32 = _check("rnn_forward", (h.shape, h.shape), (xg, h))
    cdef char* a0 = _p(xg)
    cdef char* a1 = _p(h)
    cdef Py_ssize_t size = h.size
    with nogil:
        if f32:
            _rnn_fwd(<const float*>a0, <float*>a1, size, relu)
        else:
            _rnn_fwd(<const double*>a0, <double*>a1, size, relu)


cdef void _rnn_bwd(const floating* dh, const floating* h, floating* da, Py_ssize_t size,
                   bint relu) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(size):
        if relu:
            da[k] = dh[k] if h[k] > 0 else 0
        else:
            da[k] = dh[k] * (1 - h[k] * h[k])


def rnn_backward(dh, h, da, bint relu):
    """The derivative of ``rnn_forward``: the gradient of the pre-activation, from the output ``h``."""
    cdef bint f32 = _check("rnn_backward", (h.shape, h.shape, h.shape), (dh, h, da))
    cdef char* a0 = _p(dh)
    cdef char* a1 = _p(h)
    cdef char* a2 = _p(da)
    cdef Py_ssize_t size = h.size
    with nogil:
        if f32:
            _rnn_bwd(<const float*>a0, <const float*>a1, <float*>a2, size, relu)
        else:
            _rnn_bwd(<const double*>a0, <const double*>a1, <double*>a2, size, relu)
