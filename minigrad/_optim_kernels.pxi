# The fused optimizer kernels, compiled twice (see the docstring of _optim_kernels.pyx):
#   _optim_kernels.pyx       includes this file; built for the compiler's default target
#                            (x86-64: SSE2); it also chooses which build runs, at import;
#   _optim_kernels_avx2.pyx  includes this file; built with -mavx2 when setup.py finds that the
#                            compiler can, and imported only on a CPU that runs AVX2.
# Nothing here may depend on which build it is: both must compute bit-identical results
# (setup.py compiles both with -ffp-contract=off, so no FMA changes a rounding).

cimport numpy as cnp
from cython.parallel cimport prange
from libc.math cimport sqrt, sqrtf

from ._types cimport floating

import numpy as np

cnp.import_array()


cdef extern from *:
    """
    /* Let the OpenMP runtime size the thread team from the load average (dyn-var) for the
       duration of one update, then restore the caller's setting. Without OpenMP: no-ops. */
    #ifdef _OPENMP
    #include <omp.h>
    static int mg_follow_load(void) { int prev = omp_get_dynamic(); omp_set_dynamic(1); return prev; }
    static void mg_restore_dynamic(int prev) { omp_set_dynamic(prev); }
    #else
    static int mg_follow_load(void) { return 0; }
    static void mg_restore_dynamic(int prev) { (void)prev; }
    #endif
    """
    int mg_follow_load() nogil
    void mg_restore_dynamic(int prev) nogil

# below this many elements a thread team costs more than it saves
PARALLEL_MIN = 1 << 15
cdef Py_ssize_t _PARALLEL_MIN = PARALLEL_MIN
# the unit of work handed to a thread
BLOCK = 4096
cdef Py_ssize_t _BLOCK = BLOCK


cdef inline Py_ssize_t _blocks(Py_ssize_t n) noexcept nogil:
    return (n + _BLOCK - 1) // _BLOCK


cdef inline Py_ssize_t _block_end(Py_ssize_t k, Py_ssize_t n) noexcept nogil:
    return n if n - k * _BLOCK < _BLOCK else (k + 1) * _BLOCK


cdef inline floating _sqrt(floating x) noexcept nogil:
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef inline floating _lerp(floating a, floating b, floating w) noexcept nogil:
    # PyTorch's lerp: exact at both ends, the end nearer to w is the anchor
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (1 - w)


# Software prefetch. One thread streaming 4-5 arrays is limited by how many cache misses it
# keeps in flight, and the hardware prefetchers start over at every 4 KiB page; asking for
# the lines _AHEAD bytes ahead of the loop keeps memory busy (10 x 1M float32 Adam: ~10%
# faster, the same in cache). The loops run in chunks of CHUNK elements, and before each
# chunk every array the loop reads is asked for its chunk _AHEAD bytes further on, within
# the array. A hint only: the results are the same without it (other compilers).
cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define mg_prefetch_read(a) __builtin_prefetch((const void *)(a), 0, 3)
    #define mg_prefetch_write(a) __builtin_prefetch((const void *)(a), 1, 3)
    #else
    #define mg_prefetch_read(a) ((void)(a))
    #define mg_prefetch_write(a) ((void)(a))
    #endif
    """
    void mg_prefetch_read(const void* a) nogil
    void mg_prefetch_write(const void* a) nogil

# elements per chunk (a literal in the loops below), and how far ahead to fetch, in bytes
CHUNK = 64
AHEAD = 2048
cdef Py_ssize_t _AHEAD = AHEAD


cdef inline Py_ssize_t _last_fetch(Py_ssize_t n, Py_ssize_t itemsize) noexcept nogil:
    """The last chunk start j whose chunk _AHEAD bytes on still lies inside the n elements."""
    return n - 64 - _AHEAD // itemsize


cdef inline void _fetch(const void* a, Py_ssize_t j, Py_ssize_t itemsize, bint write) noexcept nogil:
    """Ask for the cache lines of the chunk at element j + _AHEAD / itemsize of ``a``."""
    cdef const char* c = <const char*>a + j * itemsize + _AHEAD
    cdef Py_ssize_t k
    for k in range(0, 64 * itemsize, 64):
        if write:
            mg_prefetch_write(c + k)
        else:
            mg_prefetch_read(c + k)


# ----------------------------------------------------------------------------- SGD

cdef struct SGDArgs:
    double lr, momentum, one_minus_dampening, weight_decay
    bint nesterov, maximize, first_step


cdef inline void _sgd_block(floating* p, const floating* g, floating* buf, Py_ssize_t lo,
                            Py_ssize_t hi, Py_ssize_t n, const SGDArgs* a,
                            bint has_buf) noexcept nogil:
    cdef floating lr = <floating>a.lr, mu = <floating>a.momentum
    cdef floating damp1 = <floating>a.one_minus_dampening, wd = <floating>a.weight_decay
    cdef bint nesterov = a.nesterov, maximize = a.maximize, first = a.first_step
    cdef floating d, b
    cdef Py_ssize_t i, j, stop, last = _last_fetch(n, sizeof(floating))
    for j in range(lo, hi, 64):
        stop = j + 64 if hi - j > 64 else hi
        if j <= last:
            _fetch(p, j, sizeof(floating), True)
            _fetch(g, j, sizeof(floating), False)
            if has_buf:
                _fetch(buf, j, sizeof(floating), True)
        for i in range(j, stop):
            d = -g[i] if maximize else g[i]
            if wd != 0:
                d = d + wd * p[i]
            if has_buf:
                b = d if first else buf[i] * mu + damp1 * d
                buf[i] = b
                d = d + mu * b if nesterov else b
            p[i] = p[i] - lr * d


cdef void _sgd(floating* p, const floating* g, floating* buf, Py_ssize_t n,
               const SGDArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        if buf == NULL:
            _sgd_block(p, g, buf, k * _BLOCK, _block_end(k, n), n, a, False)
        else:
            _sgd_block(p, g, buf, k * _BLOCK, _block_end(k, n), n, a, True)
    mg_restore_dynamic(prev)


# ----------------------------------------------------------------------------- Adam, AdamW

cdef struct AdamArgs:
    double one_minus_beta1, beta2, one_minus_beta2, eps
    double weight_decay       # the L2 term of Adam (0 for AdamW)
    double decay              # AdamW's decoupled shrink 1 - lr * weight_decay (1 for Adam)
    double step_size, bias_correction2_sqrt
    bint maximize


cdef inline void _adam_block(floating* p, const floating* g, floating* m, floating* v,
                             floating* vmax, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t n,
                             const AdamArgs* a, bint amsgrad) noexcept nogil:
    cdef floating b1c = <floating>a.one_minus_beta1, b2 = <floating>a.beta2
    cdef floating b2c = <floating>a.one_minus_beta2, eps = <floating>a.eps
    cdef floating wd = <floating>a.weight_decay, decay = <floating>a.decay
    cdef floating step_size = <floating>a.step_size, bc2 = <floating>a.bias_correction2_sqrt
    cdef bint maximize = a.maximize
    cdef floating d, x, mi, vi
    cdef Py_ssize_t i, j, stop, last = _last_fetch(n, sizeof(floating))
    for j in range(lo, hi, 64):
        stop = j + 64 if hi - j > 64 else hi
        if j <= last:
            _fetch(p, j, sizeof(floating), True)
            _fetch(g, j, sizeof(floating), False)
            _fetch(m, j, sizeof(floating), True)
            _fetch(v, j, sizeof(floating), True)
            if amsgrad:
                _fetch(vmax, j, sizeof(floating), True)
        for i in range(j, stop):
            d = -g[i] if maximize else g[i]
            x = p[i] * decay if decay != 1 else p[i]
            if wd != 0:
                d = d + wd * x
            mi = _lerp(m[i], d, b1c)
            vi = v[i] * b2 + b2c * d * d
            m[i] = mi
            v[i] = vi
            if amsgrad:
                # torch.maximum, NaN included: a NaN vi fails the test and is kept, and a NaN
                # max implies a NaN vi (once NaN, v stays NaN). One compare, so it vectorizes.
                vi = vmax[i] if vmax[i] >= vi else vi
                vmax[i] = vi
            p[i] = x - step_size * (mi / (_sqrt(vi) / bc2 + eps))


cdef void _adam(floating* p, const floating* g, floating* m, floating* v, floating* vmax,
                Py_ssize_t n, const AdamArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        if vmax == NULL:
            _adam_block(p, g, m, v, vmax, k * _BLOCK, _block_end(k, n), n, a, False)
        else:
            _adam_block(p, g, m, v, vmax, k * _BLOCK, _block_end(k, n), n, a, True)
    mg_restore_dynamic(prev)


# ----------------------------------------------------------------------------- RMSprop

cdef struct RMSpropArgs:
    double lr, alpha, one_minus_alpha, eps, weight_decay, momentum
    bint maximize


cdef inline void _rmsprop_block(floating* p, const floating* g, floating* sq, floating* gavg,
                                floating* buf, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t n,
                                const RMSpropArgs* a, bint centered, bint has_buf) noexcept nogil:
    cdef floating lr = <floating>a.lr, alpha = <floating>a.alpha
    cdef floating alpha1 = <floating>a.one_minus_alpha, eps = <floating>a.eps
    cdef floating wd = <floating>a.weight_decay, mu = <floating>a.momentum
    cdef bint maximize = a.maximize
    cdef floating d, s, c, avg, b
    cdef Py_ssize_t i, j, stop, last = _last_fetch(n, sizeof(floating))
    for j in range(lo, hi, 64):
        stop = j + 64 if hi - j > 64 else hi
        if j <= last:
            _fetch(p, j, sizeof(floating), True)
            _fetch(g, j, sizeof(floating), False)
            _fetch(sq, j, sizeof(floating), True)
            if centered:
                _fetch(gavg, j, sizeof(floating), True)
            if has_buf:
                _fetch(buf, j, sizeof(floating), True)
        for i in range(j, stop):
            d = -g[i] if maximize else g[i]
            if wd != 0:
                d = d + wd * p[i]
            s = sq[i] * alpha + alpha1 * d * d
            sq[i] = s
            if centered:
                c = _lerp(gavg[i], d, alpha1)
                gavg[i] = c
                s = s - c * c
            avg = _sqrt(s) + eps
            if has_buf:
                b = buf[i] * mu + d / avg
                buf[i] = b
                p[i] = p[i] - lr * b
            else:
                p[i] = p[i] - lr * (d / avg)


cdef void _rmsprop(floating* p, const floating* g, floating* sq, floating* gavg, floating* buf,
                   Py_ssize_t n, const RMSpropArgs* a) noexcept nogil:
    cdef Py_ssize_t k, lo, hi
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        lo = k * _BLOCK
        hi = _block_end(k, n)
        if gavg == NULL and buf == NULL:
            _rmsprop_block(p, g, sq, gavg, buf, lo, hi, n, a, False, False)
        elif gavg == NULL:
            _rmsprop_block(p, g, sq, gavg, buf, lo, hi, n, a, False, True)
        elif buf == NULL:
            _rmsprop_block(p, g, sq, gavg, buf, lo, hi, n, a, True, False)
        else:
            _rmsprop_block(p, g, sq, gavg, buf, lo, hi, n, a, True, True)
    mg_restore_dynamic(prev)


# ----------------------------------------------------------------------------- Adagrad

cdef struct AdagradArgs:
    double clr, eps, weight_decay
    bint maximize


cdef inline void _adagrad_block(floating* p, const floating* g, floating* total, Py_ssize_t lo,
                                Py_ssize_t hi, Py_ssize_t n, const AdagradArgs* a) noexcept nogil:
    cdef floating clr = <floating>a.clr, eps = <floating>a.eps, wd = <floating>a.weight_decay
    cdef bint maximize = a.maximize
    cdef floating d, s
    cdef Py_ssize_t i, j, stop, last = _last_fetch(n, sizeof(floating))
    for j in range(lo, hi, 64):
        stop = j + 64 if hi - j > 64 else hi
        if j <= last:
            _fetch(p, j, sizeof(floating), True)
            _fetch(g, j, sizeof(floating), False)
            _fetch(total, j, sizeof(floating), True)
        for i in range(j, stop):
            d = -g[i] if maximize else g[i]
            if wd != 0:
                d = d + wd * p[i]
            s = total[i] + d * d
            total[i] = s
            p[i] = p[i] - clr * (d / (_sqrt(s) + eps))


cdef void _adagrad(floating* p, const floating* g, floating* total, Py_ssize_t n,
                   const AdagradArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        _adagrad_block(p, g, total, k * _BLOCK, _block_end(k, n), n, a)
    mg_restore_dynamic(prev)


# ----------------------------------------------------------------------------- Adadelta

cdef struct AdadeltaArgs:
    double lr, rho, one_minus_rho, eps, weight_decay
    bint maximize


cdef inline void _adadelta_block(floating* p, const floating* g, floating* sq, floating* acc,
                                 Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t n,
                                 const AdadeltaArgs* a) noexcept nogil:
    cdef floating lr = <floating>a.lr, rho = <floating>a.rho, omr = <floating>a.one_minus_rho
    cdef floating eps = <floating>a.eps, wd = <floating>a.weight_decay
    cdef bint maximize = a.maximize
    cdef floating d, v, delta
    cdef Py_ssize_t i, j, stop, last = _last_fetch(n, sizeof(floating))
    for j in range(lo, hi, 64):
        stop = j + 64 if hi - j > 64 else hi
        if j <= last:
            _fetch(p, j, sizeof(floating), True)
            _fetch(g, j, sizeof(floating), False)
            _fetch(sq, j, sizeof(floating), True)
            _fetch(acc, j, sizeof(floating), True)
        for i in range(j, stop):
            d = -g[i] if maximize else g[i]
            if wd != 0:
                d = d + wd * p[i]
            v = sq[i] * rho + d * d * omr
            sq[i] = v
            # PyTorch's order: sqrt(acc + eps) / sqrt(v + eps), times the gradient
            delta = _sqrt(acc[i] + eps) / _sqrt(v + eps) * d
            acc[i] = acc[i] * rho + delta * delta * omr
            p[i] = p[i] - lr * delta


cdef void _adadelta(floating* p, const floating* g, floating* sq, floating* acc, Py_ssize_t n,
                    const AdadeltaArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        _adadelta_block(p, g, sq, acc, k * _BLOCK, _block_end(k, n), n, a)
    mg_restore_dynamic(prev)


# ----------------------------------------------------------------------------- issue 19
# Adamax, NAdam, RAdam, ASGD, Rprop: the same layering, plain loops (no prefetch hints: these
# optimizers are rarer, and the loops vectorize as they are).

cdef struct AdamaxArgs:
    double one_minus_beta1, beta2, eps, weight_decay, neg_clr
    bint maximize


cdef inline void _adamax_block(floating* p, const floating* g, floating* m, floating* u,
                               Py_ssize_t lo, Py_ssize_t hi, const AdamaxArgs* a) noexcept nogil:
    cdef floating b1c = <floating>a.one_minus_beta1, b2 = <floating>a.beta2
    cdef floating eps = <floating>a.eps, wd = <floating>a.weight_decay, nclr = <floating>a.neg_clr
    cdef bint maximize = a.maximize
    cdef floating d, mi, ui, bound
    cdef Py_ssize_t i
    for i in range(lo, hi):
        d = -g[i] if maximize else g[i]
        if wd != 0:
            d = d + wd * p[i]
        mi = _lerp(m[i], d, b1c)
        m[i] = mi
        ui = u[i] * b2
        bound = (d if d >= 0 else -d) + eps
        ui = ui if ui >= bound else bound      # torch.maximum (a NaN ui is kept)
        u[i] = ui
        p[i] = p[i] + nclr * (mi / ui)


cdef void _adamax(floating* p, const floating* g, floating* m, floating* u, Py_ssize_t n,
                  const AdamaxArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        _adamax_block(p, g, m, u, k * _BLOCK, _block_end(k, n), a)
    mg_restore_dynamic(prev)


cdef struct NAdamArgs:
    double one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay
    double bias_correction2, grad_coef, avg_coef
    bint maximize


cdef inline void _nadam_block(floating* p, const floating* g, floating* m, floating* v,
                              Py_ssize_t lo, Py_ssize_t hi, const NAdamArgs* a) noexcept nogil:
    cdef floating b1c = <floating>a.one_minus_beta1, b2 = <floating>a.beta2
    cdef floating b2c = <floating>a.one_minus_beta2, eps = <floating>a.eps
    cdef floating wd = <floating>a.weight_decay, decay = <floating>a.decay
    cdef floating bc2 = <floating>a.bias_correction2
    cdef floating cg = <floating>a.grad_coef, cm = <floating>a.avg_coef
    cdef bint maximize = a.maximize
    cdef floating d, x, mi, vi, denom
    cdef Py_ssize_t i
    for i in range(lo, hi):
        d = -g[i] if maximize else g[i]
        x = p[i] * decay if decay != 1 else p[i]
        if wd != 0:
            d = d + wd * x
        mi = _lerp(m[i], d, b1c)
        vi = v[i] * b2 + b2c * d * d
        m[i] = mi
        v[i] = vi
        denom = _sqrt(vi / bc2) + eps
        x = x + cg * (d / denom)
        p[i] = x + cm * (mi / denom)


cdef void _nadam(floating* p, const floating* g, floating* m, floating* v, Py_ssize_t n,
                 const NAdamArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        _nadam_block(p, g, m, v, k * _BLOCK, _block_end(k, n), a)
    mg_restore_dynamic(prev)


cdef struct RAdamArgs:
    double one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay
    double lr, bias_correction1, bias_correction2_sqrt, rect
    bint maximize, rectified


cdef inline void _radam_block(floating* p, const floating* g, floating* m, floating* v,
                              Py_ssize_t lo, Py_ssize_t hi, const RAdamArgs* a,
                              bint rectified) noexcept nogil:
    cdef floating b1c = <floating>a.one_minus_beta1, b2 = <floating>a.beta2
    cdef floating b2c = <floating>a.one_minus_beta2, eps = <floating>a.eps
    cdef floating wd = <floating>a.weight_decay, decay = <floating>a.decay, lr = <floating>a.lr
    cdef floating bc1 = <floating>a.bias_correction1, bc2 = <floating>a.bias_correction2_sqrt
    cdef floating rect = <floating>a.rect
    cdef bint maximize = a.maximize
    cdef floating d, x, mi, vi, corrected
    cdef Py_ssize_t i
    for i in range(lo, hi):
        d = -g[i] if maximize else g[i]
        x = p[i] * decay if decay != 1 else p[i]
        if wd != 0:
            d = d + wd * x
        mi = _lerp(m[i], d, b1c)
        vi = v[i] * b2 + b2c * d * d
        m[i] = mi
        v[i] = vi
        corrected = mi / bc1
        if rectified:   # PyTorch's order: exp_avg_hat * lr * (sqrt(bc2) / (sqrt(v) + eps)) * rect
            p[i] = x - corrected * lr * (bc2 / (_sqrt(vi) + eps)) * rect
        else:
            p[i] = x - corrected * lr


cdef void _radam(floating* p, const floating* g, floating* m, floating* v, Py_ssize_t n,
                 const RAdamArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        if a.rectified:
            _radam_block(p, g, m, v, k * _BLOCK, _block_end(k, n), a, True)
        else:
            _radam_block(p, g, m, v, k * _BLOCK, _block_end(k, n), a, False)
    mg_restore_dynamic(prev)


cdef struct ASGDArgs:
    double weight_decay, shrink, neg_eta, mu
    bint maximize


cdef inline void _asgd_block(floating* p, const floating* g, floating* ax, Py_ssize_t lo,
                             Py_ssize_t hi, const ASGDArgs* a, bint average) noexcept nogil:
    cdef floating wd = <floating>a.weight_decay, shrink = <floating>a.shrink
    cdef floating neta = <floating>a.neg_eta, mu = <floating>a.mu
    cdef bint maximize = a.maximize
    cdef floating d, x
    cdef Py_ssize_t i
    for i in range(lo, hi):
        d = -g[i] if maximize else g[i]
        if wd != 0:
            d = d + wd * p[i]
        x = p[i] * shrink
        x = x + neta * d
        p[i] = x
        ax[i] = ax[i] + (x - ax[i]) * mu if average else x


cdef void _asgd(floating* p, const floating* g, floating* ax, Py_ssize_t n,
                const ASGDArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int prev = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        if a.mu != 1:
            _asgd_block(p, g, ax, k * _BLOCK, _block_end(k, n), a, True)
        else:
            _asgd_block(p, g, ax, k * _BLOCK, _block_end(k, n), a, False)
    mg_restore_dynamic(prev)


cdef struct RpropArgs:
    double etaminus, etaplus, step_min, step_max
    bint maximize


cdef inline void _rprop_block(floating* p, const floating* g, floating* prev, floating* size,
                              Py_ssize_t lo, Py_ssize_t hi, const RpropArgs* a) noexcept nogil:
    cdef floating down = <floating>a.etaminus, up = <floating>a.etaplus
    cdef floating lo_s = <floating>a.step_min, hi_s = <floating>a.step_max
    cdef bint maximize = a.maximize
    cdef floating d, s, f, st
    cdef Py_ssize_t i
    for i in range(lo, hi):
        d = -g[i] if maximize else g[i]
        s = d * prev[i]
        f = up if s > 0 else (down if s < 0 else 1)
        st = size[i] * f
        st = st if st >= lo_s else lo_s    # clamp_(min, max), min first as in PyTorch
        st = st if st <= hi_s else hi_s
        size[i] = st
        if f == down:                      # a sign change: no step, and forget the gradient
            d = 0
        p[i] = p[i] - (1 if d > 0 else (-1 if d < 0 else 0)) * st
        prev[i] = d


cdef void _rprop(floating* p, const floating* g, floating* prev, floating* size, Py_ssize_t n,
                 const RpropArgs* a) noexcept nogil:
    cdef Py_ssize_t k
    cdef int team = mg_follow_load()
    for k in prange(_blocks(n), schedule="static", use_threads_if=n >= _PARALLEL_MIN):
        _rprop_block(p, g, prev, size, k * _BLOCK, _block_end(k, n), a)
    mg_restore_dynamic(team)


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
    cdef SGDArgs a = SGDArgs(lr=lr, momentum=momentum, one_minus_dampening=1 - dampening,
                             weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                             first_step=first_step)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), b = _ptr(momentum_buffer)
    with nogil:
        if f32:
            _sgd(<float*>p, <const float*>g, <float*>b, n, &a)
        else:
            _sgd(<double*>p, <const double*>g, <double*>b, n, &a)


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
    cdef AdamArgs a = AdamArgs(one_minus_beta1=1 - beta1, beta2=beta2, one_minus_beta2=1 - beta2,
                               eps=eps, weight_decay=weight_decay, decay=decay, step_size=step_size,
                               bias_correction2_sqrt=bias_correction2_sqrt, maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), m = _ptr(exp_avg)
    cdef raw v = _ptr(exp_avg_sq), vmax = _ptr(max_exp_avg_sq)
    with nogil:
        if f32:
            _adam(<float*>p, <const float*>g, <float*>m, <float*>v, <float*>vmax, n, &a)
        else:
            _adam(<double*>p, <const double*>g, <double*>m, <double*>v, <double*>vmax, n, &a)


def rmsprop(param, grad, square_avg, grad_avg, momentum_buffer, *, double lr, double alpha,
            double eps, double weight_decay, double momentum, bint maximize):
    """One RMSprop step in place. ``grad_avg`` is None unless centered,
    ``momentum_buffer`` None unless momentum > 0."""
    if square_avg is None:
        raise TypeError("rmsprop: square_avg is a required array")
    cdef bint f32 = _check_update("rmsprop", param, grad, ("square_avg", "grad_avg", "momentum_buffer"),
                                  (square_avg, grad_avg, momentum_buffer))
    cdef RMSpropArgs a = RMSpropArgs(lr=lr, alpha=alpha, one_minus_alpha=1 - alpha, eps=eps,
                                     weight_decay=weight_decay, momentum=momentum, maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), sq = _ptr(square_avg)
    cdef raw ga = _ptr(grad_avg), b = _ptr(momentum_buffer)
    with nogil:
        if f32:
            _rmsprop(<float*>p, <const float*>g, <float*>sq, <float*>ga, <float*>b, n, &a)
        else:
            _rmsprop(<double*>p, <const double*>g, <double*>sq, <double*>ga, <double*>b, n, &a)


def adagrad(param, grad, state_sum, *, double clr, double eps, double weight_decay,
            bint maximize):
    """One Adagrad step in place; ``clr = lr / (1 + (step - 1) * lr_decay)``."""
    if state_sum is None:
        raise TypeError("adagrad: state_sum is a required array")
    cdef bint f32 = _check_update("adagrad", param, grad, ("state_sum",), (state_sum,))
    cdef AdagradArgs a = AdagradArgs(clr=clr, eps=eps, weight_decay=weight_decay, maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), s = _ptr(state_sum)
    with nogil:
        if f32:
            _adagrad(<float*>p, <const float*>g, <float*>s, n, &a)
        else:
            _adagrad(<double*>p, <const double*>g, <double*>s, n, &a)


def adadelta(param, grad, square_avg, acc_delta, *, double lr, double rho, double eps,
             double weight_decay, bint maximize):
    """One Adadelta step in place."""
    if square_avg is None or acc_delta is None:
        raise TypeError("adadelta: square_avg and acc_delta are required arrays")
    cdef bint f32 = _check_update("adadelta", param, grad, ("square_avg", "acc_delta"),
                                  (square_avg, acc_delta))
    cdef AdadeltaArgs a = AdadeltaArgs(lr=lr, rho=rho, one_minus_rho=1 - rho, eps=eps,
                                       weight_decay=weight_decay, maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), sq = _ptr(square_avg), acc = _ptr(acc_delta)
    with nogil:
        if f32:
            _adadelta(<float*>p, <const float*>g, <float*>sq, <float*>acc, n, &a)
        else:
            _adadelta(<double*>p, <const double*>g, <double*>sq, <double*>acc, n, &a)


def adamax(param, grad, exp_avg, exp_inf, *, double beta1, double beta2, double eps,
           double weight_decay, double clr, bint maximize):
    """One Adamax step in place; ``clr = lr / (1 - beta1**step)``."""
    if exp_avg is None or exp_inf is None:
        raise TypeError("adamax: exp_avg and exp_inf are required arrays")
    cdef bint f32 = _check_update("adamax", param, grad, ("exp_avg", "exp_inf"), (exp_avg, exp_inf))
    cdef AdamaxArgs a = AdamaxArgs(one_minus_beta1=1 - beta1, beta2=beta2, eps=eps,
                                   weight_decay=weight_decay, neg_clr=-clr, maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), m = _ptr(exp_avg), u = _ptr(exp_inf)
    with nogil:
        if f32:
            _adamax(<float*>p, <const float*>g, <float*>m, <float*>u, n, &a)
        else:
            _adamax(<double*>p, <const double*>g, <double*>m, <double*>u, n, &a)


def nadam(param, grad, exp_avg, exp_avg_sq, *, double beta1, double beta2, double eps,
          double weight_decay, double decay, double bias_correction2, double grad_coef,
          double avg_coef, bint maximize):
    """One NAdam step in place: ``p += grad_coef * g / denom + avg_coef * m / denom``."""
    if exp_avg is None or exp_avg_sq is None:
        raise TypeError("nadam: exp_avg and exp_avg_sq are required arrays")
    cdef bint f32 = _check_update("nadam", param, grad, ("exp_avg", "exp_avg_sq"), (exp_avg, exp_avg_sq))
    cdef NAdamArgs a = NAdamArgs(one_minus_beta1=1 - beta1, beta2=beta2, one_minus_beta2=1 - beta2,
                                 eps=eps, weight_decay=weight_decay, decay=decay,
                                 bias_correction2=bias_correction2, grad_coef=grad_coef,
                                 avg_coef=avg_coef, maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), m = _ptr(exp_avg), v = _ptr(exp_avg_sq)
    with nogil:
        if f32:
            _nadam(<float*>p, <const float*>g, <float*>m, <float*>v, n, &a)
        else:
            _nadam(<double*>p, <const double*>g, <double*>m, <double*>v, n, &a)


def radam(param, grad, exp_avg, exp_avg_sq, *, double beta1, double beta2, double eps,
          double weight_decay, double decay, double lr, double bias_correction1,
          double bias_correction2_sqrt, double rect, bint rectified, bint maximize):
    """One RAdam step in place; ``rectified`` when the variance is tractable (rho_t > 5)."""
    if exp_avg is None or exp_avg_sq is None:
        raise TypeError("radam: exp_avg and exp_avg_sq are required arrays")
    cdef bint f32 = _check_update("radam", param, grad, ("exp_avg", "exp_avg_sq"), (exp_avg, exp_avg_sq))
    cdef RAdamArgs a = RAdamArgs(one_minus_beta1=1 - beta1, beta2=beta2, one_minus_beta2=1 - beta2,
                                 eps=eps, weight_decay=weight_decay, decay=decay, lr=lr,
                                 bias_correction1=bias_correction1,
                                 bias_correction2_sqrt=bias_correction2_sqrt, rect=rect,
                                 maximize=maximize, rectified=rectified)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), m = _ptr(exp_avg), v = _ptr(exp_avg_sq)
    with nogil:
        if f32:
            _radam(<float*>p, <const float*>g, <float*>m, <float*>v, n, &a)
        else:
            _radam(<double*>p, <const double*>g, <double*>m, <double*>v, n, &a)


def asgd(param, grad, ax, *, double weight_decay, double shrink, double eta, double mu,
         bint maximize):
    """One ASGD step in place: ``p = p * shrink - eta * g``, then the average ``ax`` moves
    toward p by ``mu`` (``mu == 1``: ax becomes p)."""
    if ax is None:
        raise TypeError("asgd: ax is a required array")
    cdef bint f32 = _check_update("asgd", param, grad, ("ax",), (ax,))
    cdef ASGDArgs a = ASGDArgs(weight_decay=weight_decay, shrink=shrink, neg_eta=-eta, mu=mu,
                               maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), x = _ptr(ax)
    with nogil:
        if f32:
            _asgd(<float*>p, <const float*>g, <float*>x, n, &a)
        else:
            _asgd(<double*>p, <const double*>g, <double*>x, n, &a)


def rprop(param, grad, prev, step_size, *, double etaminus, double etaplus, double step_min,
          double step_max, bint maximize):
    """One Rprop step in place: per element, the step size grows by etaplus while the
    gradient keeps its sign and shrinks by etaminus when it flips."""
    if prev is None or step_size is None:
        raise TypeError("rprop: prev and step_size are required arrays")
    cdef bint f32 = _check_update("rprop", param, grad, ("prev", "step_size"), (prev, step_size))
    cdef RpropArgs a = RpropArgs(etaminus=etaminus, etaplus=etaplus, step_min=step_min,
                                 step_max=step_max, maximize=maximize)
    cdef Py_ssize_t n = param.size
    cdef raw p = _ptr(param), g = _ptr(grad), q = _ptr(prev), s = _ptr(step_size)
    with nogil:
        if f32:
            _rprop(<float*>p, <const float*>g, <float*>q, <float*>s, n, &a)
        else:
            _rprop(<double*>p, <const double*>g, <double*>q, <double*>s, n, &a)
