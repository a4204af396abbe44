"""Fused loops over raw buffers: the elementwise kernels of minigrad.

Why these exist (numpy stays the default for broadcasting and BLAS):
* per-call overhead: a ufunc call costs ~0.3 µs of dispatch before any arithmetic; on the
  tiny tensors of a learner's scalar graph that *is* the op. These kernels take the data
  pointer straight from the array (no buffer-protocol memoryview, which costs more than the
  loop for a 0-d tensor) and allocate the result with one C-API call;
* fused passes: the backward of tanh/sigmoid/relu reads the forward *result* and the
  incoming gradient once (``g * (1 - y*y)`` is one loop, not three temporaries);
* no floating-point warnings: like PyTorch, ``log(0)`` is ``-inf`` silently.

Invariants: every public function here checks dtype (float32/float64), contiguity and
shapes before entering a ``nogil`` loop, and allocates its own C-contiguous output.
Inner loops are ``cdef ... noexcept nogil`` over the fused ``floating`` type.
"""

cimport numpy as cnp
from libc.math cimport (cos, cosf, exp, expf, fabs, fabsf, log, logf, sin, sinf, sqrt, sqrtf,
                        tanh, tanhf)

from ._types cimport floating

import numpy as np

cnp.import_array()

# ----------------------------------------------------------------------------- the kernel table
# A kernel kind is its enum member (the C loops branch on it) and its row in the table
# below, in enum order: the name the op table picks it by and, for unary kinds, numpy's
# ufunc, which beats a libm call per element above UFUNC_MIN elements (None: ours always
# runs). Everything else (UNARY, the ufunc lookup, the range checks) is read from these.

cdef enum UnaryKind:
    U_EXP, U_LOG, U_SQRT, U_SIN, U_COS, U_TANH, U_SIGMOID, U_RELU, U_ABS, U_NEG, U_COUNT

cdef enum BackwardKind:     # fused backward: the gradient from the incoming g and the result y
    B_TANH, B_SIGMOID, B_RELU, B_COUNT

cdef enum BinaryKind:
    K_ADD, K_SUB, K_MUL, K_DIV, K_COUNT

cdef tuple _UNARY_TABLE = (
    ("exp", np.exp), ("log", np.log), ("sqrt", np.sqrt), ("sin", np.sin), ("cos", np.cos),
    ("tanh", np.tanh), ("sigmoid", None), ("relu", None), ("abs", None), ("neg", None),
)
cdef tuple _BACKWARD_TABLE = ("tanh", "sigmoid", "relu")
cdef tuple _BINARY_TABLE = ("add", "sub", "mul", "div")

assert len(_UNARY_TABLE) == U_COUNT and len(_BACKWARD_TABLE) == B_COUNT and len(_BINARY_TABLE) == K_COUNT

# names the Python layer uses to pick a kernel
UNARY = {name: kind for kind, (name, _) in enumerate(_UNARY_TABLE)}
UNARY_BACKWARD = {name: kind for kind, name in enumerate(_BACKWARD_TABLE)}
BINARY = {name: kind for kind, name in enumerate(_BINARY_TABLE)}
_UFUNCS = {kind: ufunc for kind, (_, ufunc) in enumerate(_UNARY_TABLE) if ufunc is not None}


cdef inline void _check_kind(int kind, int count, str fn) except *:
    if kind < 0 or kind >= count:
        raise ValueError(f"{fn}: unknown kernel {kind}")


cdef inline floating _sigmoid(floating v) noexcept nogil:
    # two branches so that exp never overflows: the result is exact at both tails
    cdef floating e
    if floating is float:
        if v >= 0:
            return 1.0 / (1.0 + expf(-v))
        e = expf(v)
        return e / (1.0 + e)
    else:
        if v >= 0:
            return 1.0 / (1.0 + exp(-v))
        e = exp(v)
        return e / (1.0 + e)


cdef void _unary(int kind, const floating* x, floating* out, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if kind == U_EXP:
        for i in range(n):
            out[i] = expf(x[i]) if floating is float else exp(x[i])
    elif kind == U_LOG:
        for i in range(n):
            out[i] = logf(x[i]) if floating is float else log(x[i])
    elif kind == U_SQRT:
        for i in range(n):
            out[i] = sqrtf(x[i]) if floating is float else sqrt(x[i])
    elif kind == U_SIN:
        for i in range(n):
            out[i] = sinf(x[i]) if floating is float else sin(x[i])
    elif kind == U_COS:
        for i in range(n):
            out[i] = cosf(x[i]) if floating is float else cos(x[i])
    elif kind == U_TANH:
        for i in range(n):
            out[i] = tanhf(x[i]) if floating is float else tanh(x[i])
    elif kind == U_SIGMOID:
        for i in range(n):
            out[i] = _sigmoid(x[i])
    elif kind == U_RELU:
        for i in range(n):
            # NaN stays NaN (x > 0 is false for NaN, so test x <= 0 instead)
            out[i] = 0 if x[i] <= 0 else x[i]
    elif kind == U_ABS:
        for i in range(n):
            out[i] = fabsf(x[i]) if floating is float else fabs(x[i])
    elif kind == U_NEG:
        for i in range(n):
            out[i] = -x[i]


cdef void _unary_backward(int kind, const floating* g, const floating* y, floating* out,
                          Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating gi
    if kind == B_TANH:
        for i in range(n):
            out[i] = g[i] * (1 - y[i] * y[i])
    elif kind == B_SIGMOID:
        for i in range(n):
            out[i] = g[i] * y[i] * (1 - y[i])
    elif kind == B_RELU:
        for i in range(n):
            gi = g[i]       # an unconditional load lets the compiler turn the select into SIMD
            out[i] = 0 if y[i] <= 0 else gi  # NaN passes g through, as in PyTorch


cdef inline cnp.ndarray _contiguous_float(object a, str op):
    cdef cnp.ndarray arr
    if type(a) is not np.ndarray:
        a = np.asarray(a)
    arr = <cnp.ndarray>a
    if not cnp.PyArray_IS_C_CONTIGUOUS(arr) or not cnp.PyArray_ISNOTSWAPPED(arr):
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("="))
    cdef int t = cnp.PyArray_TYPE(arr)
    if t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64:
        raise TypeError(f"{op}: expected a float32 or float64 array, got {arr.dtype}")
    return arr


cdef inline cnp.ndarray _empty_like(cnp.ndarray a):
    return cnp.PyArray_EMPTY(cnp.PyArray_NDIM(a), cnp.PyArray_DIMS(a), cnp.PyArray_TYPE(a), 0)


# The float32/float64 choice, made once per arity. Callers have checked that the arrays are
# C-contiguous, native-order, of one float dtype and (where two) of one size.

cdef void _run_unary(int kind, cnp.ndarray x, cnp.ndarray out) noexcept nogil:
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    if cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT32:
        _unary(kind, <const float*>cnp.PyArray_DATA(x), <float*>cnp.PyArray_DATA(out), n)
    else:
        _unary(kind, <const double*>cnp.PyArray_DATA(x), <double*>cnp.PyArray_DATA(out), n)


cdef void _run_unary_backward(int kind, cnp.ndarray g, cnp.ndarray y, cnp.ndarray out) noexcept nogil:
    cdef Py_ssize_t n = cnp.PyArray_SIZE(y)
    if cnp.PyArray_TYPE(y) == cnp.NPY_FLOAT32:
        _unary_backward(kind, <const float*>cnp.PyArray_DATA(g), <const float*>cnp.PyArray_DATA(y),
                        <float*>cnp.PyArray_DATA(out), n)
    else:
        _unary_backward(kind, <const double*>cnp.PyArray_DATA(g), <const double*>cnp.PyArray_DATA(y),
                        <double*>cnp.PyArray_DATA(out), n)


def unary(int kind, x):
    """Apply the unary kernel ``kind`` (a value of ``UNARY``) elementwise; float arrays only."""
    _check_kind(kind, U_COUNT, "unary")
    cdef cnp.ndarray a = _contiguous_float(x, "unary")
    cdef cnp.ndarray out = _empty_like(a)
    with nogil:
        _run_unary(kind, a, out)
    return out


def unary_backward(int kind, g, y):
    """The fused gradient of tanh/sigmoid/relu from the incoming ``g`` and the result ``y``."""
    _check_kind(kind, B_COUNT, "unary_backward")
    cdef cnp.ndarray ya = _contiguous_float(y, "unary_backward")
    cdef cnp.ndarray ga = _contiguous_float(g, "unary_backward")
    if (<object>ga).shape != (<object>ya).shape:
        ga = np.ascontiguousarray(np.broadcast_to(ga, (<object>ya).shape))
    if cnp.PyArray_TYPE(ga) != cnp.PyArray_TYPE(ya):
        ga = ga.astype(ya.dtype)
    cdef cnp.ndarray out = _empty_like(ya)
    with nogil:
        _run_unary_backward(kind, ga, ya, out)
    return out


# ----------------------------------------------------------------------------- binary
# The per-call fast path of + - * /: one C loop when both operands are C-contiguous float
# arrays of the same dtype and shape, or a float array and a Python number. Everything
# else (broadcasting, mixed dtypes, integers) goes to the op's numpy fallback, which
# validates and promotes first.

cdef void _binary_aa(int kind, const floating* a, const floating* b, floating* out,
                     Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if kind == K_ADD:
        for i in range(n):
            out[i] = a[i] + b[i]
    elif kind == K_SUB:
        for i in range(n):
            out[i] = a[i] - b[i]
    elif kind == K_MUL:
        for i in range(n):
            out[i] = a[i] * b[i]
    else:
        for i in range(n):
            out[i] = a[i] / b[i]


cdef void _binary_as(int kind, const floating* a, floating s, bint scalar_first,
                     floating* out, Py_ssize_t n) noexcept nogil:
    # array (op) scalar, or scalar (op) array when scalar_first
    cdef Py_ssize_t i
    if kind == K_ADD:
        for i in range(n):
            out[i] = a[i] + s
    elif kind == K_MUL:
        for i in range(n):
            out[i] = a[i] * s
    elif kind == K_SUB:
        if scalar_first:
            for i in range(n):
                out[i] = s - a[i]
        else:
            for i in range(n):
                out[i] = a[i] - s
    else:
        if scalar_first:
            for i in range(n):
                out[i] = s / a[i]
        else:
            for i in range(n):
                out[i] = a[i] / s


cdef inline bint _is_fast_float(object a):
    if type(a) is not np.ndarray:
        return False
    cdef int t = cnp.PyArray_TYPE(<cnp.ndarray>a)
    return ((t == cnp.NPY_FLOAT32 or t == cnp.NPY_FLOAT64) and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a)
            and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>a))


cdef inline bint _is_number(object s):
    return type(s) is float or type(s) is int


cdef inline bint _same_shape(cnp.ndarray a, cnp.ndarray b):
    cdef int k, nd = cnp.PyArray_NDIM(a)
    if nd != cnp.PyArray_NDIM(b):
        return False
    for k in range(nd):
        if cnp.PyArray_DIM(a, k) != cnp.PyArray_DIM(b, k):
            return False
    return True


cdef inline bint _is_suffix(cnp.ndarray small, cnp.ndarray big):
    """Does ``small``'s shape equal the trailing dimensions of ``big``'s (a bias row)?"""
    cdef int k, ns = cnp.PyArray_NDIM(small), nb = cnp.PyArray_NDIM(big)
    if ns > nb:
        return False
    for k in range(ns):
        if cnp.PyArray_DIM(small, k) != cnp.PyArray_DIM(big, nb - ns + k):
            return False
    return True


cdef void _binary_rows(int kind, const floating* a, const floating* row, bint row_first,
                       floating* out, Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    # a is (rows, cols); row is (cols,) repeated down the rows: x + bias, x * scale, ...
    cdef Py_ssize_t r
    for r in range(rows):
        if row_first:
            _binary_aa(kind, row, a + r * cols, out + r * cols, cols)
        else:
            _binary_aa(kind, a + r * cols, row, out + r * cols, cols)


# The three loops on arrays: the float32/float64 choice made once, here. ``out`` is a fresh
# array of the operands' dtype, or the first operand itself (binary_into).

cdef void _aa(int kind, cnp.ndarray x, cnp.ndarray y, cnp.ndarray out) noexcept:
    """out = x (op) y, element for element (one dtype, one size)."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    if cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT32:
        _binary_aa(kind, <const float*>cnp.PyArray_DATA(x), <const float*>cnp.PyArray_DATA(y),
                   <float*>cnp.PyArray_DATA(out), n)
    else:
        _binary_aa(kind, <const double*>cnp.PyArray_DATA(x), <const double*>cnp.PyArray_DATA(y),
                   <double*>cnp.PyArray_DATA(out), n)


cdef void _as(int kind, cnp.ndarray x, double s, bint scalar_first, cnp.ndarray out) noexcept:
    """out = x (op) s, or s (op) x when scalar_first."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    if cnp.PyArray_TYPE(x) == cnp.NPY_FLOAT32:
        _binary_as(kind, <const float*>cnp.PyArray_DATA(x), <float>s, scalar_first,
                   <float*>cnp.PyArray_DATA(out), n)
    else:
        _binary_as(kind, <const double*>cnp.PyArray_DATA(x), s, scalar_first,
                   <double*>cnp.PyArray_DATA(out), n)


cdef void _rows(int kind, cnp.ndarray big, cnp.ndarray row, bint row_first, cnp.ndarray out) noexcept:
    """out = big (op) row with row (a non-empty trailing part of big's shape) repeated."""
    cdef Py_ssize_t cols = cnp.PyArray_SIZE(row), rows = cnp.PyArray_SIZE(big) // cols
    if cnp.PyArray_TYPE(big) == cnp.NPY_FLOAT32:
        _binary_rows(kind, <const float*>cnp.PyArray_DATA(big), <const float*>cnp.PyArray_DATA(row),
                     row_first, <float*>cnp.PyArray_DATA(out), rows, cols)
    else:
        _binary_rows(kind, <const double*>cnp.PyArray_DATA(big), <const double*>cnp.PyArray_DATA(row),
                     row_first, <double*>cnp.PyArray_DATA(out), rows, cols)


cdef object _binary_broadcast_rows(int kind, cnp.ndarray x, cnp.ndarray y):
    """a (op) b where one operand's shape is the other's trailing dims; None otherwise."""
    cdef bint row_first = False
    cdef cnp.ndarray big = x, small = y, out
    if not _is_suffix(y, x):
        if not _is_suffix(x, y):
            return None
        big, small, row_first = y, x, True
    if cnp.PyArray_SIZE(small) == 0:
        return None
    out = _empty_like(big)
    _rows(kind, big, small, row_first, out)
    return out


cdef object _binary_fast(int kind, object a, object b):
    """The C loop for the fast cases; None when numpy's general path is needed."""
    cdef cnp.ndarray x, y, out
    cdef double s
    cdef bint scalar_first = False
    if _is_fast_float(a):
        x = <cnp.ndarray>a
        if _is_fast_float(b):
            y = <cnp.ndarray>b
            if cnp.PyArray_TYPE(x) != cnp.PyArray_TYPE(y):
                return None
            if not _same_shape(x, y):
                return _binary_broadcast_rows(kind, x, y)
            out = _empty_like(x)
            _aa(kind, x, y, out)
            return out
        if not _is_number(b):
            return None
        s = b
    elif _is_fast_float(b) and _is_number(a):
        x = <cnp.ndarray>b
        s = a
        scalar_first = True
    else:
        return None
    out = _empty_like(x)
    _as(kind, x, s, scalar_first, out)
    return out


def binary(int kind, a, b):
    """``a (op) b`` for a value of ``BINARY`` on the fast path, or None if it does not apply."""
    _check_kind(kind, K_COUNT, "binary")
    return _binary_fast(kind, a, b)


cdef inline bint _overlaps_elsewhere(cnp.ndarray x, cnp.ndarray y):
    """Do the buffers overlap anywhere but element for element (``x += x`` is fine; ``x[1:]``
    and ``x[:-1]`` are not: a loop writing x would change y before reading it)?"""
    cdef char* xs = <char*>cnp.PyArray_DATA(x)
    cdef char* ys = <char*>cnp.PyArray_DATA(y)
    cdef char* xe = xs + cnp.PyArray_NBYTES(x)
    cdef char* ye = ys + cnp.PyArray_NBYTES(y)
    if xe <= ys or ye <= xs:
        return False
    return not (xs == ys and _same_shape(x, y))


def binary_into(int kind, x, other):
    """``x (op)= other`` written straight into ``x`` when the fast path applies: ``x`` a
    writeable C-contiguous float array, ``other`` a Python number or an array of x's dtype
    with x's shape or a trailing part of it (a row), not overlapping ``x`` elsewhere. Returns
    whether it wrote; if not, nothing was touched (the caller takes the general path)."""
    _check_kind(kind, K_COUNT, "binary_into")
    if not _is_fast_float(x) or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>x):
        return False
    cdef cnp.ndarray a = <cnp.ndarray>x, b
    if _is_number(other):
        _as(kind, a, other, False, a)
        return True
    if not _is_fast_float(other):
        return False
    b = <cnp.ndarray>other
    if cnp.PyArray_TYPE(b) != cnp.PyArray_TYPE(a) or _overlaps_elsewhere(a, b):
        return False
    if _same_shape(a, b):
        _aa(kind, a, b, a)
    elif _is_suffix(b, a) and cnp.PyArray_SIZE(b) > 0:
        _rows(kind, a, b, False, a)
    else:
        return False
    return True


cdef class Binary:
    """A binary op's forward: the C fast path, else ``fallback(a, b)`` (numpy, validated).
    """

    def __init__(self, str name, fallback):
        self.kind = BINARY[name]
        self.fallback = fallback

    def __call__(self, a, b):
        return self.call(a, b)

    cdef object call(self, object a, object b):
        r = _binary_fast(self.kind, a, b)
        return self.fallback(a, b) if r is None else r


cdef class FusedBackward:
    """``f(g, out)`` for tanh/sigmoid/relu: one C pass when both are same-shape float arrays,
    else ``composed(g, out)`` (differentiable minigrad ops, for create_graph)."""

    def __init__(self, str name, composed):
        self.kind = UNARY_BACKWARD[name]
        self.composed = composed

    def __call__(self, g, out):
        return self.call(g, out)

    cdef object call(self, object g, object out):
        cdef cnp.ndarray ga, ya, res
        if _is_fast_float(g) and _is_fast_float(out):
            ga, ya = <cnp.ndarray>g, <cnp.ndarray>out
            if cnp.PyArray_TYPE(ga) == cnp.PyArray_TYPE(ya) and _same_shape(ga, ya):
                res = _empty_like(ya)
                _run_unary_backward(self.kind, ga, ya, res)
                return res
        if type(g) is np.ndarray and type(out) is np.ndarray:
            if g.dtype.kind == "f" and out.dtype.kind == "f" and out.dtype.itemsize >= 4:
                return unary_backward(self.kind, g, out)   # makes g contiguous / broadcast first
        return self.composed(g, out)


# above this many elements the SIMD loops of numpy's ufuncs beat a libm call per element
cdef Py_ssize_t UFUNC_MIN = 256


cdef void _sigmoid_from_exp(const floating* x, floating* e, Py_ssize_t n) noexcept nogil:
    # e holds exp(-|x|) on entry; sigmoid(x) is 1/(1+e) for x >= 0 and e/(1+e) below
    cdef Py_ssize_t i
    for i in range(n):
        e[i] = (1 if x[i] >= 0 else e[i]) / (1 + e[i])


cdef object _unary_large(int kind, cnp.ndarray a):
    """Big arrays: numpy's vectorised ufunc (warnings off: log(0) is -inf silently)."""
    cdef cnp.ndarray out = _empty_like(a)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(a)
    with np.errstate(all="ignore"):
        if kind == U_SIGMOID:
            np.exp(-np.abs(a), out=out)
            if cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT32:
                _sigmoid_from_exp(<const float*>cnp.PyArray_DATA(a), <float*>cnp.PyArray_DATA(out), n)
            else:
                _sigmoid_from_exp(<const double*>cnp.PyArray_DATA(a), <double*>cnp.PyArray_DATA(out), n)
        else:
            _UFUNCS[kind](a, out=out)
    return out


cdef class Unary:
    """A unary op's forward: the C kernel on float32/float64 (made contiguous first if
    needed; float16 computes in float32). Integer and bool inputs compute in float32, as
    in PyTorch, unless an ``int_fallback`` keeps their dtype (neg, abs, relu)."""

    def __init__(self, str name, int_fallback=None):
        self.kind = UNARY[name]
        self.int_fallback = int_fallback

    def __call__(self, x):
        return self.call(x)

    cdef object call(self, object x):
        cdef cnp.ndarray a, out
        if not _is_fast_float(x):
            if type(x) is not np.ndarray:
                x = np.asarray(x)
            kind = x.dtype.kind
            if kind != "f" and self.int_fallback is not None:
                return self.int_fallback(x)
            if kind != "f" or x.dtype.itemsize < 4:
                result = self.call(x.astype(np.float32))
                return result.astype(x.dtype) if kind == "f" else result
            x = np.ascontiguousarray(x, dtype=x.dtype.newbyteorder("="))
        a = <cnp.ndarray>x
        n = cnp.PyArray_SIZE(a)
        if n >= UFUNC_MIN and (self.kind in _UFUNCS or self.kind == U_SIGMOID):
            return _unary_large(self.kind, a)
        out = _empty_like(a)
        _run_unary(self.kind, a, out)
        return out
