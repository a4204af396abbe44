# Shared by the kernel modules' ``def`` wrappers (included by _nn_kernels.pyx and
# _layer_kernels.pyx): the argument check each runs before it enters a ``nogil`` loop, and
# the team size OpenMP will use, for per-thread scratch buffers.


cdef cnp.ndarray _float_array(object a, str op, str name):
    """``a`` as a C-contiguous, native-order float32/float64 ndarray (copied only if needed)."""
    if type(a) is not np.ndarray:
        raise TypeError(f"{op}: {name} must be an ndarray, got {type(a).__name__}")
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef int t = cnp.PyArray_TYPE(arr)
    if t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64:
        raise TypeError(f"{op}: {name} must be float32 or float64, got {arr.dtype}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(arr) or not cnp.PyArray_ISNOTSWAPPED(arr):
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("="))
    return arr


cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int mg_team_size(void) { return omp_get_max_threads(); }
    #else
    static int mg_team_size(void) { return 1; }
    #endif
    """
    int mg_team_size() nogil
