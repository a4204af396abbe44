"""How many threads minigrad's OpenMP kernels use: ``get_num_threads`` / ``set_num_threads``.

The kernels that run over threads (``prange`` loops, such as the fused optimizer updates) size
their team from OpenMP's setting for the calling thread, which these two functions read and
write (``omp_get_max_threads`` / ``omp_set_num_threads``). numpy's BLAS (matmul) keeps its own
thread pool and is not affected: set ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` before
starting Python for that. Built without OpenMP, minigrad runs on one thread and
``set_num_threads`` has nothing to change.
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
    """
    int mg_max_threads() nogil
    void mg_set_threads(int n) nogil


def get_num_threads():
    """The number of threads minigrad's parallel kernels may use (OpenMP's setting)."""
    return mg_max_threads()


def set_num_threads(n):
    """Let minigrad's parallel kernels use up to ``n`` threads (a positive int), from this thread on."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer (got {n})")
    mg_set_threads(min(n, 1 << 16))
