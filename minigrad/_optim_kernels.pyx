"""Fused optimizer updates: one pass over memory per parameter tensor and step.

An Adam step written with numpy temporaries reads and writes the parameter, gradient and
moment buffers about ten times (one ufunc per term); here each element is loaded once,
updated in registers and stored once. Every kernel updates its ``param`` and state
buffers in place and returns None.

The formulas follow PyTorch's single-tensor optimizers term for term (the same order of
operations where it matters for rounding, e.g. ``lerp`` for the first moment), so a
float64 trajectory agrees with PyTorch's to a few ulps. Anything that depends only on the
step number (bias corrections, Adagrad's decayed learning rate) is computed once per step
in Python and passed in as a scalar.

Invariants: the ``def`` wrappers check, before any ``nogil`` loop, that every argument is
a C-contiguous, native-endian float32/float64 ndarray of the parameter's dtype and shape,
and that the arrays written to are writeable; bad input raises TypeError/ValueError and
never reaches a loop. A state buffer that an option does not use is passed as None.
Scalars arrive as Python floats (double) and are rounded once to the array's precision,
as PyTorch does for float32 tensors. Above ``PARALLEL_MIN`` elements the loop is split
statically over OpenMP threads when the build has OpenMP; otherwise it runs serially.
"""

cimport numpy as cnp
from cython.parallel cimport prange
from libc.math cimport sqrt, sqrtf

from ._types cimport floating

import numpy as np

cnp.import_array()

# below this many elements a thread team costs more than it saves
PARALLEL_MIN = 1 << 15
cdef Py_ssize_t _PARALLEL_MIN = PARALLEL_MIN


cdef inline floating _sqrt(floating x) noexcept nogil:
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef inline floating _lerp(floating a, floating b, floating w) noexcept nogil:
    # PyTorch's lerp: exact at both ends, the end nearer to w is the anchor
    if w < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (1 - w)


cdef inline floating _nan_max(floating a, floating b) noexcept nogil:
    # like torch.maximum: a NaN on either side wins
    if a != a or b != b:
        return a + b
    return a if a > b else b


# ----------------------------------------------------------------------------- loops

cdef void _sgd(floating* p, const floating* g, floating* buf, Py_ssize_t n, floating lr,
               floating momentum, floating one_minus_dampening, floating weight_decay, bint nesterov,
               bint maximize, bint first_step) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating d, b
    for i in prange(n, schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        if buf != NULL:
            b = d if first_step else buf[i] * momentum + one_minus_dampening * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] = p[i] - lr * d


cdef void _adam(floating* p, const floating* g, floating* m, floating* v, floating* vmax,
                Py_ssize_t n, floating one_minus_beta1, floating beta2, floating one_minus_beta2,
                floating eps, floating weight_decay, floating decay, floating step_size,
                floating bias_correction2_sqrt, bint maximize) noexcept nogil:
    # decay != 1 is AdamW's decoupled shrink; weight_decay != 0 the L2 term (never both)
    cdef Py_ssize_t i
    cdef floating d, x, mi, vi
    for i in prange(n, schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        d = -g[i] if maximize else g[i]
        x = p[i]
        if decay != 1:
            x = x * decay
        if weight_decay != 0:
            d = d + weight_decay * x
        mi = _lerp(m[i], d, one_minus_beta1)
        vi = v[i] * beta2 + one_minus_beta2 * d * d
        m[i] = mi
        v[i] = vi
        if vmax != NULL:
            vi = _nan_max(vmax[i], vi)
            vmax[i] = vi
        p[i] = x - step_size * (mi / (_sqrt(vi) / bias_correction2_sqrt + eps))


cdef void _rmsprop(floating* p, const floating* g, floating* sq, floating* gavg,
                   floating* buf, Py_ssize_t n, floating lr, floating alpha,
                   floating one_minus_alpha, floating eps, floating weight_decay,
                   floating momentum, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating d, s, a, avg, b
    for i in prange(n, schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        s = sq[i] * alpha + one_minus_alpha * d * d
        sq[i] = s
        if gavg != NULL:
            a = _lerp(gavg[i], d, one_minus_alpha)
            gavg[i] = a
            s = s - a * a
        avg = _sqrt(s) + eps
        if buf != NULL:
            b = buf[i] * momentum + d / avg
            buf[i] = b
            p[i] = p[i] - lr * b
        else:
            p[i] = p[i] - lr * (d / avg)


cdef void _adagrad(floating* p, const floating* g, floating* total, Py_ssize_t n,
                   floating clr, floating eps, floating weight_decay,
                   bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating d, s
    for i in prange(n, schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        s = total[i] + d * d
        total[i] = s
        p[i] = p[i] - clr * (d / (_sqrt(s) + eps))


# ----------------------------------------------------------------------------- checks

cdef int _check(str op, str name, object a, cnp.ndarray param, bint written) except -1:
    """Raise unless ``a`` can stand beside ``param`` in a fused loop."""
    if type(a) is not np.ndarray:
        raise TypeError(f"{op}: {name} must be a numpy.ndarray, got {type(a).__name__}")
    cdef cnp.ndarray arr = <cnp.ndarray>a
    if cnp.PyArray_TYPE(arr) != cnp.PyArray_TYPE(param) or not cnp.PyArray_ISNOTSWAPPED(arr):
        raise TypeError(f"{op}: {name} has dtype {arr.dtype}, expected {param.dtype} like param")
    if a.shape != (<object>param).shape:
        raise ValueError(f"{op}: {name} has shape {a.shape}, expected {(<object>param).shape} like param")
    if not cnp.PyArray_IS_C_CONTIGUOUS(arr):
        raise ValueError(f"{op}: {name} must be C-contiguous (use numpy.ascontiguousarray)")
    if written and not cnp.PyArray_ISWRITEABLE(arr):
        raise ValueError(f"{op}: {name} is read-only; it is updated in place")
    return 0


cdef bint _check_update(str op, object param, object grad, tuple names, tuple buffers) except -1:
    """Check every array of one update; True for float32, False for float64. ``param``
    and the ``buffers`` that are not None are written, ``grad`` is only read."""
    if type(param) is not np.ndarray:
        raise TypeError(f"{op}: param must be a numpy.ndarray, got {type(param).__name__}")
    cdef cnp.ndarray p = <cnp.ndarray>param
    cdef int t = cnp.PyArray_TYPE(p)
    if (t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64) or not cnp.PyArray_ISNOTSWAPPED(p):
        raise TypeError(f"{op}: param must be float32 or float64 (native byte order), got {p.dtype}")
    _check(op, "param", p, p, True)
    _check(op, "grad", grad, p, False)
    for name, buf in zip(names, buffers):
        if buf is not None:
            _check(op, name, buf, p, True)
    return t == cnp.NPY_FLOAT32


ctypedef void* raw                  # an array's data, cast to float* or double* at the call


cdef inline raw _ptr(object a):
    return NULL if a is None else cnp.PyArray_DATA(<cnp.ndarray>a)


# ----------------------------------------------------------------------------- wrappers

def sgd(param, grad, momentum_buffer, *, double lr, double momentum, double dampening,
        double weight_decay, bint nesterov, bint maximize, bint first_step):
    """One SGD step in place. ``momentum_buffer`` is None when momentum is 0; on the
    ``first_step`` it is filled with the (decayed) gradient instead of being averaged."""
    cdef bint f32 = _check_update("sgd", param, grad, ("momentum_buffer",), (momentum_buffer,))
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), b = _ptr(momentum_buffer)
    with nogil:
        if f32:
            _sgd(<float*>p, <const float*>g, <float*>b, n, <float>lr, <float>momentum,
                 <float>(1 - dampening), <float>weight_decay, nesterov, maximize, first_step)
        else:
            _sgd(<double*>p, <const double*>g, <double*>b, n, lr, momentum, 1 - dampening,
                 weight_decay, nesterov, maximize, first_step)


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, double beta1, double beta2,
         double eps, double weight_decay, double decay, double step_size,
         double bias_correction2_sqrt, bint maximize):
    """One Adam/AdamW step in place. ``max_exp_avg_sq`` is None unless amsgrad.
    ``weight_decay`` is the coupled (L2) coefficient, ``decay`` AdamW's multiplier
    ``1 - lr * weight_decay`` (1 for Adam); ``step_size = lr / (1 - beta1**step)``."""
    if exp_avg is None or exp_avg_sq is None:
        raise TypeError("adam: exp_avg and exp_avg_sq are required arrays")
    cdef bint f32 = _check_update("adam", param, grad, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
                                  (exp_avg, exp_avg_sq, max_exp_avg_sq))
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), m = _ptr(exp_avg)
    cdef raw v = _ptr(exp_avg_sq), vmax = _ptr(max_exp_avg_sq)
    with nogil:
        if f32:
            _adam(<float*>p, <const float*>g, <float*>m, <float*>v, <float*>vmax, n,
                  <float>(1 - beta1), <float>beta2, <float>(1 - beta2), <float>eps,
                  <float>weight_decay, <float>decay, <float>step_size,
                  <float>bias_correction2_sqrt, maximize)
        else:
            _adam(<double*>p, <const double*>g, <double*>m, <double*>v, <double*>vmax, n,
                  1 - beta1, beta2, 1 - beta2, eps, weight_decay, decay, step_size,
                  bias_correction2_sqrt, maximize)


def rmsprop(param, grad, square_avg, grad_avg, momentum_buffer, *, double lr, double alpha,
            double eps, double weight_decay, double momentum, bint maximize):
    """One RMSprop step in place. ``grad_avg`` is None unless centered,
    ``momentum_buffer`` None unless momentum > 0."""
    if square_avg is None:
        raise TypeError("rmsprop: square_avg is a required array")
    cdef bint f32 = _check_update("rmsprop", param, grad, ("square_avg", "grad_avg", "momentum_buffer"),
                                  (square_avg, grad_avg, momentum_buffer))
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), sq = _ptr(square_avg)
    cdef raw ga = _ptr(grad_avg), b = _ptr(momentum_buffer)
    with nogil:
        if f32:
            _rmsprop(<float*>p, <const float*>g, <float*>sq, <float*>ga, <float*>b, n,
                     <float>lr, <float>alpha, <float>(1 - alpha), <float>eps,
                     <float>weight_decay, <float>momentum, maximize)
        else:
            _rmsprop(<double*>p, <const double*>g, <double*>sq, <double*>ga, <double*>b, n,
                     lr, alpha, 1 - alpha, eps, weight_decay, momentum, maximize)


def adagrad(param, grad, state_sum, *, double clr, double eps, double weight_decay,
            bint maximize):
    """One Adagrad step in place; ``clr = lr / (1 + (step - 1) * lr_decay)``."""
    if state_sum is None:
        raise TypeError("adagrad: state_sum is a required array")
    cdef bint f32 = _check_update("adagrad", param, grad, ("state_sum",), (state_sum,))
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), s = _ptr(state_sum)
    with nogil:
        if f32:
            _adagrad(<float*>p, <const float*>g, <float*>s, n, <float>clr, <float>eps,
                     <float>weight_decay, maximize)
        else:
            _adagrad(<double*>p, <const double*>g, <double*>s, n, clr, eps, weight_decay, maximize)
