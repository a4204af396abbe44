"""How many threads minigrad computes with: ``get_num_threads`` / ``set_num_threads``.

minigrad's parallel kernels (``prange`` loops, such as the fused optimizer updates and the
row-wise layer kernels) size their team from OpenMP's setting for the calling thread. Its
matrix products run in numpy's BLAS, which keeps its own pool of threads. ``set_num_threads``
sets both, as ``torch.set_num_threads`` sets PyTorch's one pool: OpenMP's setting for the
calling thread (``omp_set_num_threads``) and, when numpy's BLAS is OpenBLAS (numpy's wheels),
its thread count for the whole process (``openblas_set_num_threads``, found among the loaded
libraries; ``blas_library()`` names the one found). Built without OpenMP, minigrad's kernels
run on one thread. The environment sets both pools' starting sizes (``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``), and minigrad/__init__.py sets OpenMP's wait policy.
"""

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int mg_max_threads(void) { return omp_get_max_threads(); }
    static void mg_set_threads(int n) { omp_set_num_threads(n); }
    #else
    static int mg_max_threads(void) { return 1; }
    static void mg_set_threads(int n) { (void)n; }
    #endif

    /* numpy's OpenBLAS, found by walking the loaded libraries (its name and symbol prefix
       vary: scipy-openblas in numpy's wheels, plain openblas elsewhere, 64_ for ILP64). */
    #if defined(__linux__)
    #include <link.h>
    #include <dlfcn.h>
    #include <string.h>
    typedef void (*mg_blas_set_fn)(int);
    typedef int (*mg_blas_get_fn)(void);
    static mg_blas_set_fn mg_blas_set = NULL;
    static mg_blas_get_fn mg_blas_get = NULL;
    static char mg_blas_path[4096];
    static const char *mg_blas_names[][2] = {
        {"scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"},
        {"scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"},
        {"openblas_set_num_threads64_", "openblas_get_num_threads64_"},
        {"openblas_set_num_threads", "openblas_get_num_threads"},
    };
    static int mg_blas_visit(struct dl_phdr_info *info, size_t size, void *data) {
        const char *name = info->dlpi_name;
        void *lib;
        size_t i;
        (void)size;
        if (name == NULL || strstr(name, "openblas") == NULL) return 0;
        /* first pass: numpy's own copy (scipy, once imported, loads another) */
        if (*(const int*)data && strstr(name, "numpy") == NULL) return 0;
        lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);   /* already loaded: never loads one */
        if (lib == NULL) return 0;
        for (i = 0; i < sizeof(mg_blas_names) / sizeof(mg_blas_names[0]); i++) {
            void *set = dlsym(lib, mg_blas_names[i][0]), *get = dlsym(lib, mg_blas_names[i][1]);
            if (set != NULL && get != NULL) {
                mg_blas_set = (mg_blas_set_fn)set;
                mg_blas_get = (mg_blas_get_fn)get;
                strncpy(mg_blas_path, name, sizeof(mg_blas_path) - 1);
                return 1;
            }
        }
        return 0;   /* the handle stays open: the library is numpy's, loaded for good */
    }
    static int mg_blas_found(void) {
        int numpy_only = 1, any = 0;
        if (mg_blas_set == NULL) dl_iterate_phdr(mg_blas_visit, &numpy_only);
        if (mg_blas_set == NULL) dl_iterate_phdr(mg_blas_visit, &any);
        return mg_blas_set != NULL;
    }
    static const char *mg_blas_name(void) { return mg_blas_found() ? mg_blas_path : ""; }
    static int mg_blas_threads(void) { return mg_blas_found() ? mg_blas_get() : 0; }
    static void mg_set_blas_threads(int n) { if (mg_blas_found()) mg_blas_set(n); }
    #else
    static const char *mg_blas_name(void) { return ""; }
    static int mg_blas_threads(void) { return 0; }
    static void mg_set_blas_threads(int n) { (void)n; }
    #endif
    """
    int mg_max_threads() nogil
    void mg_set_threads(int n) nogil
    const char *mg_blas_name()
    int mg_blas_threads()
    void mg_set_blas_threads(int n)


def get_num_threads():
    """The number of threads minigrad's parallel kernels may use (OpenMP's setting).

    >>> minigrad.get_num_threads() >= 1
    True
    """
    return mg_max_threads()


def set_num_threads(n):
    """Compute with up to ``n`` threads: ``n`` is a positive int.

    Sets minigrad's parallel kernels (OpenMP, from the calling thread on) and numpy's BLAS,
    which runs the matrix products (OpenBLAS: for the whole process, so numpy's own ``@``
    follows too), as ``torch.set_num_threads`` sets PyTorch's pool.

    >>> before = minigrad.get_num_threads()
    >>> minigrad.set_num_threads(1)
    >>> minigrad.get_num_threads()
    1
    >>> minigrad.set_num_threads(before)
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer (got {n})")
    n = min(n, 1 << 16)
    mg_set_threads(n)
    mg_set_blas_threads(n)


def blas_library():
    """(path of the OpenBLAS library numpy uses, its thread count), or ("", 0) when numpy's
    BLAS is not an OpenBLAS minigrad can find (then ``set_num_threads`` leaves it alone)."""
    return mg_blas_name().decode("utf-8", "replace"), mg_blas_threads()


# Matrix products below this many multiply-adds (m·k·n of one 2-D product) run on one BLAS
# thread. OpenBLAS splits a product over its threads from m·k·n = 2**18 on, where waking its
# sleeping threads costs more than the split saves on 2 cores, and on a busy machine a woken
# thread can wait a whole time slice for a core: conv2d 1->16 on (64, 1, 8, 8), whose products
# are (16, 9) @ (9, 4096), took 0.4 ms on one thread and 11-90 ms on two (measured, issue 15).
cdef Py_ssize_t _ONE_THREAD_BELOW = 1 << 21

cdef object _np_matmul = None
cdef object _np_dot = None


cdef inline int _narrow(object a, object b) except -1:
    """Lower numpy's BLAS to one thread for a small product; returns the count to restore
    afterwards, or 0 when nothing changed."""
    cdef int before = mg_blas_threads()
    cdef tuple sa, sb
    cdef Py_ssize_t m = 1, k = 1, n = 1
    if before <= 1:
        return 0
    sa = a.shape
    sb = b.shape
    if len(sa) > 1:
        m = sa[len(sa) - 2]
    if len(sa) > 0:
        k = sa[len(sa) - 1]
    if len(sb) > 1:
        n = sb[len(sb) - 1]
    if m * k * n >= _ONE_THREAD_BELOW:
        return 0
    mg_set_blas_threads(1)
    return before


def matmul(a, b, out=None):
    """``np.matmul(a, b[, out])`` for numpy arrays, on one BLAS thread when each 2-D product
    is small (see ``_ONE_THREAD_BELOW``): what minigrad's ops call instead of numpy's."""
    global _np_matmul
    if _np_matmul is None:
        import numpy
        _np_matmul = numpy.matmul
    cdef int before = _narrow(a, b)
    try:
        return _np_matmul(a, b) if out is None else _np_matmul(a, b, out=out)
    finally:
        if before:
            mg_set_blas_threads(before)


def dot(a, b, out=None):
    """``np.dot(a, b[, out])``, as ``matmul`` for the thread count."""
    global _np_dot
    if _np_dot is None:
        import numpy
        _np_dot = numpy.dot
    cdef int before = _narrow(a, b)
    try:
        return _np_dot(a, b) if out is None else _np_dot(a, b, out)
    finally:
        if before:
            mg_set_blas_threads(before)


def _set_blas_threads(n):
    """numpy's OpenBLAS alone to ``n`` threads (tests restore it with this)."""
    mg_set_blas_threads(n)
