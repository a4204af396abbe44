# The op-forward objects of _kernels, declared for _tape: it calls their C entry points
# directly instead of through a Python-level call (one argument tuple less per op).

cdef class Binary:
    cdef int kind
    cdef object fallback
    cdef object call(self, object a, object b)


cdef class Unary:
    cdef int kind
    cdef object int_fallback
    cdef object call(self, object x)


cdef class FusedBackward:
    cdef int kind
    cdef object composed
    cdef object call(self, object g, object out)
