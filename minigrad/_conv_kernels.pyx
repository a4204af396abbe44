"""Fused loops behind convolution and max-pooling: im2col / col2im, window argmax, and the
plane gather / scatter that max-pool's forward and backward are made of.

Images are (N, C, H, W), C-contiguous. A sliding window is described by a geometry tuple
(kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) -- kernel, stride, padding, dilation, output size --
validated in Python (``minigrad/ops/nn.py``) before it gets here; ``_window`` only rechecks
the signs, so no geometry can make a loop read outside its plane.

im2col writes one row per (c, ky, kx) and one column per output pixel, in one of two layouts:
* per image, (N, C*KH*KW, OH*OW): ``weight @ cols[n]`` is image n's output;
* batch-major, (C*KH*KW, N*OH*OW): the columns of every image side by side, so the whole
  convolution is one GEMM ``weight (O, C*KH*KW) @ cols``, and so is its weight gradient
  (``g (O, N*OH*OW) @ cols.T``). One big GEMM instead of N small ones is what lets BLAS run
  at speed, and over two threads.
col2im is the adjoint (it adds every column entry back where im2col read it from).

The work is split by (image, channel) plane: each plane's rows are written by one thread and
no two planes share an output, so ``prange`` needs no synchronisation. Inside a plane the
bounds are hoisted: per window row the valid span of output columns is computed once, so the
copy loop has no branch and vectorises (stride 1), instead of testing every element.
"""

cimport numpy as cnp
from cython.parallel cimport prange

from ._types cimport floating

import numpy as np

cnp.import_array()

# below this many elements written, a thread team costs more than it saves
PARALLEL_MIN = 1 << 15
cdef Py_ssize_t _PARALLEL_MIN = PARALLEL_MIN


cdef struct Window:
    # geometry of a 2-D sliding window over (H, W) producing (OH, OW) positions
    Py_ssize_t h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow


cdef Window _window(tuple hw, tuple geometry, str op) except *:
    cdef Window g
    if len(geometry) != 10:
        raise ValueError(f"{op}: geometry must be (kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)")
    g.h, g.w = hw
    g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow = geometry
    if min(g.kh, g.kw, g.sh, g.sw, g.dh, g.dw) < 1 or min(g.ph, g.pw, g.oh, g.ow) < 0:
        raise ValueError(f"{op}: invalid window geometry {geometry}")
    return g


cdef cnp.ndarray _floats(object a, str op, str name):
    """``a`` as a C-contiguous, native-order float32/float64 ndarray (copied only if needed)."""
    if type(a) is not np.ndarray or a.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: {name} must be a float32 or float64 ndarray, got {type(a).__name__} "
                        f"{getattr(a, 'dtype', '')}")
    return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))


cdef cnp.ndarray _indices(object a, str op, str name):
    if type(a) is not np.ndarray or (<cnp.ndarray>a).dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer ndarray")
    return np.ascontiguousarray(a, dtype=np.int64)


cdef extern from *:
    """
    /* Zero a few bytes: the padding columns at the ends of an im2col row, usually one or two
       entries. GCC turns such a loop into a call to memset, whose call overhead is most of
       the cost for a handful of bytes (5% of a conv step, measured); this keeps it a loop. */
    #if defined(__GNUC__) && !defined(__clang__)
    __attribute__((optimize("no-tree-loop-distribute-patterns")))
    #endif
    static inline void mg_zero_few(void* p, Py_ssize_t nbytes) {
        char* b = (char*)p;
        for (Py_ssize_t i = 0; i < nbytes; i++)
            b[i] = 0;
    }
    """
    void mg_zero_few(void* p, Py_ssize_t nbytes) nogil


cdef inline void _span(Py_ssize_t off, Py_ssize_t step, Py_ssize_t size, Py_ssize_t n,
                       Py_ssize_t* lo, Py_ssize_t* hi) noexcept nogil:
    # [lo, hi): the i in [0, n) with 0 <= off + i * step < size (operands of / kept >= 0)
    # ceil(-off / step) written so that nothing overflows when step is near 2**63 (stride=2**63-1)
    lo[0] = 0 if off >= 0 else (-off - 1) // step + 1
    hi[0] = 0 if size - 1 - off < 0 else (size - 1 - off) // step + 1
    if hi[0] > n:
        hi[0] = n
    if lo[0] > hi[0]:
        lo[0] = hi[0]


# ----------------------------------------------------------------------------- im2col / col2im

cdef void _im2col_plane(const floating* plane, floating* row, Py_ssize_t row_stride,
                        Window g) noexcept nogil:
    # the kh*kw rows of one (image, channel) plane, each oh*ow long, row_stride apart
    cdef Py_ssize_t ky, kx, oy, ox, iy, off, lo, hi, base
    cdef floating* dst
    for ky in range(g.kh):
        for kx in range(g.kw):
            off = kx * g.dw - g.pw
            _span(off, g.sw, g.w, g.ow, &lo, &hi)
            for oy in range(g.oh):
                dst = row + oy * g.ow
                iy = oy * g.sh - g.ph + ky * g.dh
                if iy < 0 or iy >= g.h:
                    for ox in range(g.ow):
                        dst[ox] = 0
                    continue
                base = iy * g.w + off
                mg_zero_few(dst, lo * sizeof(floating))
                if g.sw == 1:
                    for ox in range(lo, hi):
                        dst[ox] = plane[base + ox]
                else:
                    for ox in range(lo, hi):
                        dst[ox] = plane[base + ox * g.sw]
                mg_zero_few(dst + hi, (g.ow - hi) * sizeof(floating))
            row += row_stride


cdef void _col2im_plane(const floating* row, floating* plane, Py_ssize_t row_stride,
                        Window g) noexcept nogil:
    # the adjoint of _im2col_plane: every entry of the plane's rows is added where it was read
    cdef Py_ssize_t ky, kx, oy, ox, iy, off, lo, hi, base
    cdef const floating* src
    for ky in range(g.kh):
        for kx in range(g.kw):
            off = kx * g.dw - g.pw
            _span(off, g.sw, g.w, g.ow, &lo, &hi)
            for oy in range(g.oh):
                iy = oy * g.sh - g.ph + ky * g.dh
                if iy < 0 or iy >= g.h:
                    continue
                src = row + oy * g.ow
                base = iy * g.w + off
                if g.sw == 1:
                    for ox in range(lo, hi):
                        plane[base + ox] += src[ox]
                else:
                    for ox in range(lo, hi):
                        plane[base + ox * g.sw] += src[ox]
            row += row_stride


cdef inline Py_ssize_t _first_row(Py_ssize_t p, Py_ssize_t batch, Py_ssize_t chans, Py_ssize_t k,
                                  Py_ssize_t npix, bint batch_major) noexcept nogil:
    # where plane p = (n, c) starts in the columns: per image at (n, c*k, 0), batch-major at
    # (c*k, n*npix); its rows are then npix (per image) or batch*npix (batch-major) apart
    cdef Py_ssize_t n = p // chans
    return (p - n * chans) * k * batch * npix + n * npix if batch_major else p * k * npix


cdef inline Py_ssize_t _plane(Py_ssize_t q, Py_ssize_t batch, Py_ssize_t chans,
                              bint batch_major) noexcept nogil:
    # the plane p = n * chans + c handled q-th. Batch-major columns are visited channel by
    # channel (c = q // batch), so a thread's consecutive planes fill its rows left to right
    # and the writes stream (image by image they jump batch*npix apart: ~2x slower, measured)
    cdef Py_ssize_t c
    if not batch_major:
        return q
    c = q // batch
    return (q - c * batch) * chans + c


cdef void _im2col(const floating* x, floating* cols, Py_ssize_t batch, Py_ssize_t chans, Window g,
                  bint batch_major) noexcept nogil:
    cdef Py_ssize_t q, p, k = g.kh * g.kw, npix = g.oh * g.ow, planes = batch * chans
    cdef Py_ssize_t stride = batch * npix if batch_major else npix
    for q in prange(planes, schedule="static", use_threads_if=planes * k * npix >= _PARALLEL_MIN):
        p = _plane(q, batch, chans, batch_major)
        _im2col_plane(x + p * g.h * g.w, cols + _first_row(p, batch, chans, k, npix, batch_major), stride, g)


cdef void _col2im(const floating* cols, floating* x, Py_ssize_t batch, Py_ssize_t chans, Window g,
                  bint batch_major) noexcept nogil:
    cdef Py_ssize_t q, p, k = g.kh * g.kw, npix = g.oh * g.ow, planes = batch * chans
    cdef Py_ssize_t stride = batch * npix if batch_major else npix
    for q in prange(planes, schedule="static", use_threads_if=planes * k * npix >= _PARALLEL_MIN):
        p = _plane(q, batch, chans, batch_major)
        _col2im_plane(cols + _first_row(p, batch, chans, k, npix, batch_major), x + p * g.h * g.w, stride, g)


cdef tuple _cols_shape(Py_ssize_t batch, Py_ssize_t chans, Window g, bint batch_major):
    if batch_major:
        return (chans * g.kh * g.kw, batch * g.oh * g.ow)
    return (batch, chans * g.kh * g.kw, g.oh * g.ow)


def im2col(x, tuple geometry, bint batch_major=False):
    """Patches of the (N, C, H, W) array ``x`` as columns: shape (N, C*KH*KW, OH*OW), or
    (C*KH*KW, N*OH*OW) with ``batch_major``.

    ``geometry`` is (kh, kw, sh, sw, ph, pw, dh, dw, oh, ow); positions outside the input
    (padding, or windows past the edge in ceil mode) read as 0.
    """
    cdef cnp.ndarray a = _floats(x, "im2col", "input")
    if a.ndim != 4:
        raise ValueError(f"im2col: expected an (N, C, H, W) array, got shape {np.shape(a)}")
    cdef Window g = _window((<object>a).shape[2:], geometry, "im2col")
    cdef Py_ssize_t batch = a.shape[0], chans = a.shape[1]
    cdef cnp.ndarray cols = np.empty(_cols_shape(batch, chans, g, batch_major), dtype=a.dtype)
    if a.dtype == np.float32:
        with nogil:
            _im2col(<const float*>cnp.PyArray_DATA(a), <float*>cnp.PyArray_DATA(cols), batch, chans, g,
                    batch_major)
    else:
        with nogil:
            _im2col(<const double*>cnp.PyArray_DATA(a), <double*>cnp.PyArray_DATA(cols), batch, chans, g,
                    batch_major)
    return cols


def col2im(cols, tuple shape, tuple geometry, bint batch_major=False):
    """The adjoint of ``im2col``: add the patch entries of ``cols`` (in the layout
    ``batch_major`` names) back into a zero array of the (N, C, H, W) ``shape``."""
    cdef cnp.ndarray a = _floats(cols, "col2im", "cols")
    if len(shape) != 4 or min(shape) < 0:
        raise ValueError(f"col2im: expected an (N, C, H, W) shape, got {shape}")
    cdef Window g = _window(shape[2:], geometry, "col2im")
    cdef Py_ssize_t batch = shape[0], chans = shape[1]
    if (<object>a).shape != _cols_shape(batch, chans, g, batch_major):
        raise ValueError(f"col2im: cols of shape {np.shape(a)} do not fit shape {shape} and {geometry}")
    cdef cnp.ndarray out = np.zeros(shape, dtype=a.dtype)
    if a.dtype == np.float32:
        with nogil:
            _col2im(<const float*>cnp.PyArray_DATA(a), <float*>cnp.PyArray_DATA(out), batch, chans, g,
                    batch_major)
    else:
        with nogil:
            _col2im(<const double*>cnp.PyArray_DATA(a), <double*>cnp.PyArray_DATA(out), batch, chans, g,
                    batch_major)
    return out


# ----------------------------------------------------------------------------- max-pool

cdef inline long long _argmax_window(const floating* plane, Py_ssize_t y0, Py_ssize_t x0,
                                     Window g) noexcept nogil:
    # flat position of the window's maximum (the first one in scan order); NaN wins (PyTorch's
    # rule); -1 if the window holds no position of the plane
    cdef Py_ssize_t ky, kx, ylo, yhi, xlo, xhi, k, rowbase
    cdef floating best, v
    cdef long long arg
    cdef bint gt, take, nan
    if y0 >= 0 and y0 + (g.kh - 1) * g.dh < g.h:
        ylo, yhi = 0, g.kh
    else:
        _span(y0, g.dh, g.h, g.kh, &ylo, &yhi)
    if x0 >= 0 and x0 + (g.kw - 1) * g.dw < g.w:
        xlo, xhi = 0, g.kw
    else:
        _span(x0, g.dw, g.w, g.kw, &xlo, &xhi)
    if ylo >= yhi or xlo >= xhi:
        return -1
    arg = (y0 + ylo * g.dh) * g.w + x0 + xlo * g.dw
    best = plane[arg]
    nan = best != best
    # written so that the compiler emits selects (maxss, cmov), not branches: on random data
    # a branch per element mispredicts about half the time (2.5x slower, measured)
    for ky in range(ylo, yhi):
        rowbase = (y0 + ky * g.dh) * g.w + x0
        for kx in range(xlo, xhi):
            k = rowbase + kx * g.dw
            v = plane[k]
            gt = v > best
            take = (gt | (v != v)) & (not nan)  # larger, or the first NaN
            nan = nan | (v != v)
            best = v if gt else best
            arg = k if take else arg
    return arg


cdef void _max_pool_indices(const floating* x, long long* idx, Py_ssize_t planes,
                            Window g) noexcept nogil:
    cdef Py_ssize_t p, oy, ox
    cdef const floating* plane
    cdef long long* out
    cdef Py_ssize_t size = planes * g.oh * g.ow
    for p in prange(planes, schedule="static", use_threads_if=size >= _PARALLEL_MIN):
        plane = x + p * g.h * g.w
        out = idx + p * g.oh * g.ow
        for oy in range(g.oh):
            for ox in range(g.ow):
                out[oy * g.ow + ox] = _argmax_window(plane, oy * g.sh - g.ph, ox * g.sw - g.pw, g)


def max_pool2d_indices(x, tuple geometry):
    """For (N, C, H, W) ``x``: the flat index in its (H, W) plane of every window's maximum,
    as an int64 (N, C, OH, OW) array (PyTorch's ``return_indices`` convention); -1 for a window
    that lies entirely outside the plane."""
    cdef cnp.ndarray a = _floats(x, "max_pool2d", "input")
    if a.ndim != 4:
        raise ValueError(f"max_pool2d: expected an (N, C, H, W) array, got shape {np.shape(a)}")
    cdef Window g = _window((<object>a).shape[2:], geometry, "max_pool2d")
    cdef cnp.ndarray idx = np.empty((a.shape[0], a.shape[1], g.oh, g.ow), dtype=np.int64)
    cdef Py_ssize_t planes = a.shape[0] * a.shape[1]
    cdef long long* ip = <long long*>cnp.PyArray_DATA(idx)
    if a.dtype == np.float32:
        with nogil:
            _max_pool_indices(<const float*>cnp.PyArray_DATA(a), ip, planes, g)
    else:
        with nogil:
            _max_pool_indices(<const double*>cnp.PyArray_DATA(a), ip, planes, g)
    return idx


# ----------------------------------------------------------------------------- plane gather / scatter
# On (P, plane_size) planes and (P, J) indices: out[p, j] = x[p, idx[p, j]], and its adjoint.

cdef Py_ssize_t _gather(const floating* x, const long long* idx, floating* out, Py_ssize_t planes,
                        Py_ssize_t per_plane, Py_ssize_t plane_size) noexcept nogil:
    # returns how many indices were out of range (their entries are left 0)
    cdef Py_ssize_t p, j, bad = 0
    cdef long long i
    for p in prange(planes, schedule="static", use_threads_if=planes * per_plane >= _PARALLEL_MIN):
        for j in range(per_plane):
            i = idx[p * per_plane + j]
            if 0 <= i < plane_size:
                out[p * per_plane + j] = x[p * plane_size + i]
            else:
                out[p * per_plane + j] = 0
                bad += 1
    return bad


cdef Py_ssize_t _scatter_add(const floating* g, const long long* idx, floating* out, Py_ssize_t planes,
                             Py_ssize_t per_plane, Py_ssize_t plane_size) noexcept nogil:
    # planes are disjoint in ``out``: one thread per plane needs no atomics
    cdef Py_ssize_t p, j, bad = 0
    cdef long long i
    for p in prange(planes, schedule="static", use_threads_if=planes * per_plane >= _PARALLEL_MIN):
        for j in range(per_plane):
            i = idx[p * per_plane + j]
            if 0 <= i < plane_size:
                out[p * plane_size + i] += g[p * per_plane + j]
            else:
                bad += 1
    return bad


cdef tuple _plane_args(values, idx, str op, str name):
    cdef cnp.ndarray va = _floats(values, op, name)
    cdef cnp.ndarray ia = _indices(idx, op, "idx")
    if va.ndim != 2 or ia.ndim != 2 or va.shape[0] != ia.shape[0]:
        raise ValueError(f"{op}: {name} {np.shape(va)} and indices {np.shape(ia)} must be 2-D with "
                         "one row per plane")
    return va, ia


def gather_planes(x, idx):
    """``out[p, j] = x[p, idx[p, j]]`` for (P, plane_size) ``x`` and (P, J) indices."""
    cdef cnp.ndarray xa, ia
    xa, ia = _plane_args(x, idx, "gather_planes", "input")
    cdef Py_ssize_t planes = ia.shape[0], per_plane = ia.shape[1], plane_size = xa.shape[1], bad
    cdef cnp.ndarray out = np.empty((planes, per_plane), dtype=xa.dtype)
    cdef const long long* ip = <const long long*>cnp.PyArray_DATA(ia)
    if xa.dtype == np.float32:
        with nogil:
            bad = _gather(<const float*>cnp.PyArray_DATA(xa), ip, <float*>cnp.PyArray_DATA(out),
                          planes, per_plane, plane_size)
    else:
        with nogil:
            bad = _gather(<const double*>cnp.PyArray_DATA(xa), ip, <double*>cnp.PyArray_DATA(out),
                          planes, per_plane, plane_size)
    if bad:
        raise IndexError(f"gather_planes: {bad} indices out of range for planes of {plane_size}")
    return out


def scatter_add_planes(g, idx, Py_ssize_t plane_size):
    """The adjoint of ``gather_planes``: zeros of shape (P, plane_size) with every ``g[p, j]``
    added at ``idx[p, j]``."""
    cdef cnp.ndarray ga, ia
    ga, ia = _plane_args(g, idx, "scatter_add_planes", "gradient")
    if (<object>ia).shape != (<object>ga).shape or plane_size < 0:
        raise ValueError(f"scatter_add_planes: gradient {np.shape(ga)} and indices {np.shape(ia)} must be "
                         "the same (P, L) shape")
    cdef Py_ssize_t planes = ga.shape[0], per_plane = ga.shape[1], bad
    cdef cnp.ndarray out = np.zeros((planes, plane_size), dtype=ga.dtype)
    cdef const long long* ip = <const long long*>cnp.PyArray_DATA(ia)
    if ga.dtype == np.float32:
        with nogil:
            bad = _scatter_add(<const float*>cnp.PyArray_DATA(ga), ip, <float*>cnp.PyArray_DATA(out),
                               planes, per_plane, plane_size)
    else:
        with nogil:
            bad = _scatter_add(<const double*>cnp.PyArray_DATA(ga), ip, <double*>cnp.PyArray_DATA(out),
                               planes, per_plane, plane_size)
    if bad:
        raise IndexError(f"scatter_add_planes: {bad} indices out of range for planes of {plane_size}")
    return out


# ----------------------------------------------------------------------------- row scatter
# The adjoint of ``x[idx]`` for an integer array ``idx`` on the first dim (an embedding's
# lookup): every row g[k] added to out[idx[k]]; repeated indices accumulate, in order.

cdef Py_ssize_t _scatter_add_rows(const floating* g, const long long* idx, floating* out,
                                  Py_ssize_t k, Py_ssize_t width, Py_ssize_t rows) noexcept nogil:
    # returns how many indices were out of range (their rows are skipped); a negative index
    # counts from the end, as in x[idx]
    cdef Py_ssize_t i, j, bad = 0
    cdef long long r
    cdef floating* dst
    cdef const floating* src
    for i in range(k):
        r = idx[i]
        if r < 0:
            r += rows
        if r < 0 or r >= rows:
            bad += 1
            continue
        dst = out + r * width
        src = g + i * width
        for j in range(width):
            dst[j] += src[j]
    return bad


def scatter_add_rows(g, idx, Py_ssize_t rows):
    """Zeros of shape (rows, W) with every row ``g[k]`` of the (K, W) ``g`` added at row
    ``idx[k]`` of the (K,) integer ``idx`` (negative: from the end)."""
    cdef cnp.ndarray ga = _floats(g, "scatter_add_rows", "gradient")
    cdef cnp.ndarray ia = _indices(idx, "scatter_add_rows", "idx")
    if ga.ndim != 2 or ia.ndim != 1 or ia.shape[0] != ga.shape[0] or rows < 0:
        raise ValueError(f"scatter_add_rows: gradient {np.shape(ga)} must be (K, W) and indices "
                         f"{np.shape(ia)} (K,), with rows >= 0 (got {rows})")
    cdef Py_ssize_t k = ga.shape[0], width = ga.shape[1], bad
    cdef cnp.ndarray out = np.zeros((rows, width), dtype=ga.dtype)
    cdef const long long* ip = <const long long*>cnp.PyArray_DATA(ia)
    if ga.dtype == np.float32:
        with nogil:
            bad = _scatter_add_rows(<const float*>cnp.PyArray_DATA(ga), ip, <float*>cnp.PyArray_DATA(out),
                                    k, width, rows)
    else:
        with nogil:
            bad = _scatter_add_rows(<const double*>cnp.PyArray_DATA(ga), ip, <double*>cnp.PyArray_DATA(out),
                                    k, width, rows)
    if bad:
        raise IndexError(f"scatter_add_rows: {bad} indices out of range for {rows} rows")
    return out
