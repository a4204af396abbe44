"""Fused loops behind the nn primitives: softmax family, cross-entropy, erf (for GELU) and the
attention softmax. Convolution and max-pool kernels live in ``_conv_kernels.pyx``.

Why these exist (numpy stays the default; see ``minigrad/ops/nn.py`` for the ops):
* softmax / log-softmax need max, sum of exp and a write per row: numpy makes four or five
  temporaries of the whole input for that; here it is one loop nest, and the backward is one
  more (``y * (g - sum(g * y))`` and ``g - exp(y) * sum(g)``);
* cross-entropy on class indices is log-softmax and a pick in one pass per row, and its
  backward writes ``softmax - one_hot`` straight from the logits without building either.

Layouts. A softmax-like kernel sees its input as (outer, n, inner): the reduced axis has
length ``n`` and stride ``inner``, so any ``dim`` of a C-contiguous array works without a
transpose.

Invariants: every ``def`` here checks dtype (float32/float64, one dtype for all float
arguments), C-contiguity, shapes and index ranges before it enters a ``nogil`` loop, and
allocates its own C-contiguous output. No input can make a loop read or write out of bounds.
"""

cimport numpy as cnp
from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY, erff, exp, log, logf
from libc.math cimport erf as c_erf

from ._types cimport floating

import numpy as np

cnp.import_array()


# ----------------------------------------------------------------------------- helpers

include "_fastmath.pxi"
include "_kernel_args.pxi"

# a softmax-like kernel shares its rows among OpenMP threads from this many elements on
# (below it a thread team costs more than it saves)
PARALLEL_MIN = 1 << 15
cdef Py_ssize_t _PARALLEL_MIN = PARALLEL_MIN


cdef inline floating _log(floating v) noexcept nogil:
    return logf(v) if floating is float else log(v)


cdef inline floating _max_of(const floating* x, Py_ssize_t n, Py_ssize_t stride) noexcept nogil:
    # NaN wins, as in PyTorch: a row holding NaN gives NaN everywhere
    cdef floating m = -INFINITY
    cdef Py_ssize_t j
    if floating is float:
        if stride == 1 and n > 0:
            return mg_max_f32(x, n)     # NaN: see mg_max_f32, the callers' sums make it NaN
    for j in range(n):
        if x[j * stride] > m or x[j * stride] != x[j * stride]:
            m = x[j * stride]
            if m != m:
                break
    return m


cdef inline bint _threaded(Py_ssize_t size) noexcept nogil:
    return size >= _PARALLEL_MIN


cdef bint _has_nan(const floating* x, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        if x[j] != x[j]:
            return True
    return False


cdef inline floating _exp_shifted(const floating* x, floating m, floating* out, Py_ssize_t n,
                                  Py_ssize_t stride, Py_ssize_t out_stride) noexcept nogil:
    """out[j] = exp(x[j] - m) for a row of n entries (m is its max); returns their sum.
    Contiguous float32 rows take the vectorised C loop above."""
    cdef floating s = 0
    cdef Py_ssize_t j
    if floating is float:
        if stride == 1 and out_stride == 1:
            mg_exp_shifted_f32(x, m, out, n)
            return mg_sum_f32(out, n)
    for j in range(n):
        out[j * out_stride] = exp(x[j * stride] - m)
        s += out[j * out_stride]
    return s


cdef cnp.ndarray _like(cnp.ndarray ref, object a, str op, str name):
    """``a`` as a contiguous array of ``ref``'s dtype and shape (else a ValueError)."""
    cdef cnp.ndarray arr = _float_array(a, op, name)
    if cnp.PyArray_TYPE(arr) != cnp.PyArray_TYPE(ref):
        raise TypeError(f"{op}: {name} has dtype {arr.dtype}, expected {ref.dtype}")
    if (<object>arr).shape != (<object>ref).shape:
        raise ValueError(f"{op}: {name} has shape {np.shape(arr)}, expected {np.shape(ref)}")
    return arr


cdef cnp.ndarray _index_array(object a, str op, str name):
    if type(a) is not np.ndarray or (<cnp.ndarray>a).dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer ndarray")
    return np.ascontiguousarray(a, dtype=np.int64)


cdef tuple _lanes(tuple shape, Py_ssize_t dim, str op):
    """(outer, n, inner) for reducing ``shape`` along ``dim``."""
    cdef Py_ssize_t nd = len(shape)
    if not 0 <= dim < max(nd, 1):
        raise ValueError(f"{op}: dim {dim} out of range for shape {shape}")
    if nd == 0:
        return 1, 1, 1
    cdef Py_ssize_t outer = 1, inner = 1, k
    for k in range(dim):
        outer *= shape[k]
    for k in range(dim + 1, nd):
        inner *= shape[k]
    return outer, shape[dim], inner


# ----------------------------------------------------------------------------- softmax

cdef inline void _softmax_lane(const floating* x, floating* y, Py_ssize_t n, Py_ssize_t inner,
                               bint take_log) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating m = _max_of(x, n, inner)
    cdef floating s = _exp_shifted(x, m, y, n, inner, inner)
    if take_log:
        # (x - m) - log(s), not x - (m + log(s)): m + log(s) rounds at |m|'s scale
        s = _log(s)
        if inner == 1:
            for j in range(n):
                y[j] = (x[j] - m) - s
        else:
            for j in range(n):
                y[j * inner] = (x[j * inner] - m) - s
    elif inner == 1:        # a multiply by 1 / s (vectorised) instead of n divisions
        s = 1 / s
        for j in range(n):
            y[j] *= s
    else:
        for j in range(n):
            y[j * inner] /= s


cdef void _softmax(const floating* x, floating* y, Py_ssize_t outer, Py_ssize_t n,
                   Py_ssize_t inner, bint take_log) noexcept nogil:
    cdef Py_ssize_t r, base
    for r in prange(outer * inner, schedule="static", use_threads_if=_threaded(outer * n * inner)):
        base = (r // inner) * n * inner + r % inner
        _softmax_lane(x + base, y + base, n, inner, take_log)


cdef inline void _softmax_backward_lane(const floating* g, const floating* y, floating* gx, Py_ssize_t n,
                                        Py_ssize_t inner, bint take_log) noexcept nogil:
    # softmax: gx = y * (g - sum(g * y));  log-softmax: gx = g - exp(y) * sum(g)
    cdef Py_ssize_t j
    cdef floating s = 0
    if floating is float:
        if inner == 1:
            s = mg_sum_f32(g, n) if take_log else mg_dot_f32(g, y, n)
        else:
            for j in range(n):
                s += g[j * inner] if take_log else g[j * inner] * y[j * inner]
    else:
        for j in range(n):
            s += g[j * inner] if take_log else g[j * inner] * y[j * inner]
    if take_log:
        _exp_shifted(y, 0, gx, n, inner, inner)      # exp(y), y <= 0
        for j in range(n):
            gx[j * inner] = g[j * inner] - gx[j * inner] * s
    else:
        for j in range(n):
            gx[j * inner] = y[j * inner] * (g[j * inner] - s)


cdef void _softmax_backward(const floating* g, const floating* y, floating* gx, Py_ssize_t outer,
                            Py_ssize_t n, Py_ssize_t inner, bint take_log) noexcept nogil:
    cdef Py_ssize_t r, base
    for r in prange(outer * inner, schedule="static", use_threads_if=_threaded(outer * n * inner)):
        base = (r // inner) * n * inner + r % inner
        _softmax_backward_lane(g + base, y + base, gx + base, n, inner, take_log)


def softmax(x, Py_ssize_t dim, bint take_log):
    """Softmax (or log-softmax if ``take_log``) of ``x`` along ``dim`` (non-negative)."""
    cdef cnp.ndarray a = _float_array(x, "softmax", "input")
    outer, n, inner = _lanes((<object>a).shape, dim, "softmax")
    cdef cnp.ndarray out = np.empty_like(a)
    cdef Py_ssize_t o_ = outer, n_ = n, i_ = inner
    if cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT32:
        with nogil:
            _softmax(<const float*>cnp.PyArray_DATA(a), <float*>cnp.PyArray_DATA(out), o_, n_, i_, take_log)
    else:
        with nogil:
            _softmax(<const double*>cnp.PyArray_DATA(a), <double*>cnp.PyArray_DATA(out), o_, n_, i_, take_log)
    return out


def softmax_backward(g, y, Py_ssize_t dim, bint take_log):
    """Gradient of softmax (log-softmax if ``take_log``) from ``g`` and the forward result ``y``."""
    cdef cnp.ndarray ya = _float_array(y, "softmax_backward", "result")
    cdef cnp.ndarray ga = _like(ya, g, "softmax_backward", "gradient")
    outer, n, inner = _lanes((<object>ya).shape, dim, "softmax_backward")
    cdef cnp.ndarray out = np.empty_like(ya)
    cdef Py_ssize_t o_ = outer, n_ = n, i_ = inner
    if cnp.PyArray_TYPE(ya) == cnp.NPY_FLOAT32:
        with nogil:
            _softmax_backward(<const float*>cnp.PyArray_DATA(ga), <const float*>cnp.PyArray_DATA(ya),
                              <float*>cnp.PyArray_DATA(out), o_, n_, i_, take_log)
    else:
        with nogil:
            _softmax_backward(<const double*>cnp.PyArray_DATA(ga), <const double*>cnp.PyArray_DATA(ya),
                              <double*>cnp.PyArray_DATA(out), o_, n_, i_, take_log)
    return out


# ----------------------------------------------------------------------------- cross-entropy
# Logits are (N, C, inner) (inner = prod of the extra dims of (N, C, d1, ...)); targets are
# class indices, one per (N, inner) lane; ``w`` holds one weight per class (NULL: all 1).

cdef void _cross_entropy(const floating* x, const long long* t, const floating* w, floating* loss,
                         floating* scratch, Py_ssize_t outer, Py_ssize_t n, Py_ssize_t inner,
                         long long ignore) noexcept nogil:
    # scratch: n entries per thread for the exps of one row
    cdef Py_ssize_t lane, base
    cdef floating m, lse
    cdef long long c
    for lane in prange(outer * inner, schedule="static", use_threads_if=_threaded(outer * n * inner)):
        c = t[lane]
        if c == ignore:
            loss[lane] = 0
            continue
        base = (lane // inner) * n * inner + lane % inner
        m = _max_of(x + base, n, inner)
        lse = _log(_exp_shifted(x + base, m, scratch + threadid() * n, n, inner, 1))     # logsumexp - m
        loss[lane] = (lse - (x[base + c * inner] - m)) * (w[c] if w != NULL else 1)


cdef inline void _cross_entropy_backward_lane(floating coef, const floating* x, long long c, floating* gx,
                                              Py_ssize_t n, Py_ssize_t inner) noexcept nogil:
    # d loss / d x_j = coef * (softmax_j - [j == c]), coef = g * w[c]
    cdef Py_ssize_t j
    cdef floating m = _max_of(x, n, inner)
    cdef floating scale = coef / _exp_shifted(x, m, gx, n, inner, inner)
    if inner == 1:
        for j in range(n):
            gx[j] *= scale
    else:
        for j in range(n):
            gx[j * inner] *= scale
    gx[c * inner] -= coef


cdef void _cross_entropy_backward(const floating* g, const floating* x, const long long* t,
                                  const floating* w, floating* gx, Py_ssize_t outer, Py_ssize_t n,
                                  Py_ssize_t inner, long long ignore) noexcept nogil:
    cdef Py_ssize_t lane, base, j
    cdef long long c
    for lane in prange(outer * inner, schedule="static", use_threads_if=_threaded(outer * n * inner)):
        base = (lane // inner) * n * inner + lane % inner
        c = t[lane]
        if c == ignore:
            for j in range(n):
                gx[base + j * inner] = 0
        else:
            _cross_entropy_backward_lane(g[lane] * (w[c] if w != NULL else 1), x + base, c, gx + base,
                                         n, inner)


cdef Py_ssize_t _first_bad_target(const long long* t, Py_ssize_t size, Py_ssize_t n,
                                  long long ignore) noexcept nogil:
    # the first target that is neither a class in [0, n) nor ignore; -1 if none
    cdef Py_ssize_t i
    for i in range(size):
        if t[i] != ignore and (t[i] < 0 or t[i] >= n):
            return i
    return -1


cdef tuple _ce_args(x, target, weight, long long ignore, str op):
    """Validated (logits, targets, weights or None, outer, n, inner) for the kernels."""
    cdef cnp.ndarray a = _float_array(x, op, "input")
    if a.ndim < 2:
        raise ValueError(f"{op}: input must be (N, C, ...), got shape {np.shape(a)}")
    cdef cnp.ndarray t = _index_array(target, op, "target")
    outer, n, inner = _lanes((<object>a).shape, 1, op)
    if t.size != outer * inner:
        raise ValueError(f"{op}: {t.size} targets for input of shape {np.shape(a)}")
    cdef Py_ssize_t bad = _first_bad_target(<const long long*>cnp.PyArray_DATA(t), t.size, n, ignore)
    if bad >= 0:
        raise IndexError(f"Target {(<const long long*>cnp.PyArray_DATA(t))[bad]} is out of bounds.")
    w = None
    if weight is not None:
        w = _float_array(weight, op, "weight")
        if w.dtype != a.dtype or np.shape(w) != (n,):
            raise ValueError(f"{op}: weight must be a ({n},) {a.dtype} array, got {np.shape(w)} {w.dtype}")
    return a, t, w, outer, n, inner


def cross_entropy(x, target, weight, long long ignore_index):
    """Per-lane ``weight[t] * (logsumexp(x) - x[t])`` (0 where ``t == ignore_index``)."""
    cdef cnp.ndarray a, t
    cdef Py_ssize_t o_, n_, i_
    a, t, w, o_, n_, i_ = _ce_args(x, target, weight, ignore_index, "cross_entropy")
    cdef cnp.ndarray out = np.empty(o_ * i_, dtype=a.dtype)
    cdef Py_ssize_t teams = mg_team_size() if o_ * n_ * i_ >= _PARALLEL_MIN else 1
    cdef cnp.ndarray scratch = np.empty(teams * n_, dtype=a.dtype)
    cdef const long long* tp = <const long long*>cnp.PyArray_DATA(t)
    cdef void* wp = NULL if w is None else cnp.PyArray_DATA(<cnp.ndarray>w)
    if a.dtype == np.float32:
        with nogil:
            _cross_entropy(<const float*>cnp.PyArray_DATA(a), tp, <const float*>wp,
                           <float*>cnp.PyArray_DATA(out), <float*>cnp.PyArray_DATA(scratch),
                           o_, n_, i_, ignore_index)
    else:
        with nogil:
            _cross_entropy(<const double*>cnp.PyArray_DATA(a), tp, <const double*>wp,
                           <double*>cnp.PyArray_DATA(out), <double*>cnp.PyArray_DATA(scratch),
                           o_, n_, i_, ignore_index)
    return out


def cross_entropy_backward(g, x, target, weight, long long ignore_index):
    """Gradient of ``cross_entropy`` w.r.t. the logits, for per-lane incoming gradients ``g``."""
    cdef cnp.ndarray a, t
    cdef Py_ssize_t o_, n_, i_
    a, t, w, o_, n_, i_ = _ce_args(x, target, weight, ignore_index, "cross_entropy_backward")
    cdef cnp.ndarray ga = _float_array(g, "cross_entropy_backward", "gradient")
    if ga.dtype != a.dtype or ga.size != o_ * i_:
        raise ValueError(f"cross_entropy_backward: gradient of {ga.size} {ga.dtype} values, "
                         f"expected {o_ * i_} {a.dtype}")
    cdef cnp.ndarray out = np.empty_like(a)
    cdef const long long* tp = <const long long*>cnp.PyArray_DATA(t)
    cdef void* wp = NULL if w is None else cnp.PyArray_DATA(<cnp.ndarray>w)
    if a.dtype == np.float32:
        with nogil:
            _cross_entropy_backward(<const float*>cnp.PyArray_DATA(ga), <const float*>cnp.PyArray_DATA(a),
                                    tp, <const float*>wp, <float*>cnp.PyArray_DATA(out),
                                    o_, n_, i_, ignore_index)
    else:
        with nogil:
            _cross_entropy_backward(<const double*>cnp.PyArray_DATA(ga), <const double*>cnp.PyArray_DATA(a),
                                    tp, <const double*>wp, <double*>cnp.PyArray_DATA(out),
                                    o_, n_, i_, ignore_index)
    return out


# ----------------------------------------------------------------------------- erf

cdef void _erf(const floating* x, floating* out, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        out[i] = erff(x[i]) if floating is float else c_erf(x[i])


def erf(x):
    """The error function of each element (numpy has none; GELU needs it)."""
    cdef cnp.ndarray a = _float_array(x, "erf", "input")
    cdef cnp.ndarray out = np.empty_like(a)
    cdef Py_ssize_t n = a.size
    if a.dtype == np.float32:
        with nogil:
            _erf(<const float*>cnp.PyArray_DATA(a), <float*>cnp.PyArray_DATA(out), n)
    else:
        with nogil:
            _erf(<const double*>cnp.PyArray_DATA(a), <double*>cnp.PyArray_DATA(out), n)
    return out


# ----------------------------------------------------------------------------- attention
# Scores are (B, H, L, S), C-contiguous, one softmax row per (b, h, i). An additive mask is
# any (B, H, L, S) view with non-negative strides (a broadcast view reads its rows many
# times without being copied). Causal masking is PyTorch's top-left alignment: row i keeps
# the keys j <= i.

cdef struct MaskView:
    Py_ssize_t sb, sh, sl, ss      # element strides of the mask view (0 where broadcast)


cdef void _attention_softmax(floating* s, const floating* mask, MaskView mv, Py_ssize_t batch,
                             Py_ssize_t heads, Py_ssize_t rows, Py_ssize_t cols, bint causal,
                             floating scale) noexcept nogil:
    cdef Py_ssize_t b, h, i, j, n
    cdef floating* row
    cdef const floating* mrow
    cdef floating m, total
    for b in range(batch):
        for h in range(heads):
            for i in range(rows):
                row = s + ((b * heads + h) * rows + i) * cols
                n = min(cols, i + 1) if causal else cols
                if mask != NULL:
                    mrow = mask + b * mv.sb + h * mv.sh + i * mv.sl
                    if mv.ss == 1:          # the usual mask row: contiguous, so this loop vectorises
                        for j in range(n):
                            row[j] = row[j] * scale + mrow[j]
                    else:
                        for j in range(n):
                            row[j] = row[j] * scale + mrow[j * mv.ss]
                else:
                    for j in range(n):
                        row[j] *= scale
                for j in range(n, cols):
                    row[j] = 0
                m = _max_of(row, n, 1)
                if m == -INFINITY and not _has_nan(row, n):
                    # every key masked: a row of zeros (PyTorch's safe softmax), not 0 / 0
                    for j in range(n):
                        row[j] = 0
                    continue
                total = 1 / _exp_shifted(row, m, row, n, 1, 1)
                for j in range(n):
                    row[j] *= total


cdef void _attention_softmax_backward(floating* dp, const floating* p, const floating* drop,
                                      Py_ssize_t size, Py_ssize_t cols, floating scale) noexcept nogil:
    # per row: ds = scale * p * (dp' - sum(dp' * p)), where dp' = dp * drop (the dropout
    # keep-mask already divided by 1 - p_drop) or dp
    cdef Py_ssize_t r, j
    cdef floating* row
    cdef const floating* prow
    cdef floating total
    for r in range(size // cols if cols else 0):
        row = dp + r * cols
        prow = p + r * cols
        if drop != NULL:
            for j in range(cols):
                row[j] *= drop[r * cols + j]
        total = 0
        for j in range(cols):
            total += row[j] * prow[j]
        for j in range(cols):
            row[j] = scale * prow[j] * (row[j] - total)


cdef MaskView _mask_view(cnp.ndarray scores, object mask, str op) except *:
    cdef MaskView mv
    cdef Py_ssize_t k, item = scores.itemsize
    if type(mask) is not np.ndarray or mask.dtype != scores.dtype:
        raise TypeError(f"{op}: mask must be an ndarray of the scores' dtype {scores.dtype}")
    if mask.shape != (<object>scores).shape:
        raise ValueError(f"{op}: mask of shape {mask.shape} for scores of shape {np.shape(scores)}")
    strides = mask.strides
    for k in range(4):
        if strides[k] < 0 or strides[k] % item:
            raise ValueError(f"{op}: mask strides {strides} must be non-negative multiples of {item}")
    if not mask.dtype.isnative:
        raise ValueError(f"{op}: mask must be in native byte order")
    mv.sb, mv.sh = strides[0] // item, strides[1] // item
    mv.sl, mv.ss = strides[2] // item, strides[3] // item
    return mv


def attention_softmax(scores, mask, bint causal, double scale):
    """In place, for (B, H, L, S) ``scores``: each row becomes softmax(scale * row + mask row),
    keys j > i dropped if ``causal``, a row with every key masked becomes zeros. ``mask`` is
    None or an additive (B, H, L, S) view (broadcast strides allowed) of the scores' dtype."""
    cdef cnp.ndarray a = _float_array(scores, "attention_softmax", "scores")
    if a is not scores or a.ndim != 4 or not a.flags.writeable:
        raise ValueError("attention_softmax: scores must be a writeable C-contiguous (B, H, L, S) "
                         "float32/float64 array (it is overwritten)")
    cdef MaskView mv
    cdef cnp.ndarray m
    cdef const void* mp = NULL
    mv.sb = mv.sh = mv.sl = mv.ss = 0
    if mask is not None:
        mv = _mask_view(a, mask, "attention_softmax")
        m = <cnp.ndarray>mask
        mp = cnp.PyArray_DATA(m)
    cdef Py_ssize_t nb = a.shape[0], nh = a.shape[1], nl = a.shape[2], ns = a.shape[3]
    if a.dtype == np.float32:
        with nogil:
            _attention_softmax(<float*>cnp.PyArray_DATA(a), <const float*>mp, mv, nb, nh, nl, ns,
                               causal, <float>scale)
    else:
        with nogil:
            _attention_softmax(<double*>cnp.PyArray_DATA(a), <const double*>mp, mv, nb, nh, nl, ns,
                               causal, scale)
    return a


def attention_softmax_backward(dp, p, drop, double scale):
    """In place on ``dp`` (the gradient of the dropped probabilities): the gradient of the
    scores, ``scale * p * (dp' - rowsum(dp' * p))`` with ``dp' = dp * drop`` (``drop``: None
    or the dropout keep-mask scaled by 1 / (1 - p_drop)). All arrays share shape and dtype."""
    cdef cnp.ndarray pa = _float_array(p, "attention_softmax_backward", "probabilities")
    cdef cnp.ndarray ga = _like(pa, dp, "attention_softmax_backward", "gradient")
    if ga is not dp or not ga.flags.writeable or pa.ndim == 0:
        raise ValueError("attention_softmax_backward: the gradient must be a writeable C-contiguous "
                         "array (it is overwritten)")
    cdef cnp.ndarray da
    cdef const void* dptr = NULL
    if drop is not None:
        da = _like(pa, drop, "attention_softmax_backward", "dropout mask")
        dptr = cnp.PyArray_DATA(da)
    cdef Py_ssize_t size = pa.size, cols = pa.shape[pa.ndim - 1]
    if pa.dtype == np.float32:
        with nogil:
            _attention_softmax_backward(<float*>cnp.PyArray_DATA(ga), <const float*>cnp.PyArray_DATA(pa),
                                        <const float*>dptr, size, cols, <float>scale)
    else:
        with nogil:
            _attention_softmax_backward(<double*>cnp.PyArray_DATA(ga), <const double*>cnp.PyArray_DATA(pa),
                                        <const double*>dptr, size, cols, scale)
    return ga
