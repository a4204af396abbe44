# Shared typedefs for the Cython core, declared once.
#
# ``floating`` is the fused float type every kernel body is written against: one body,
# two specialisations (float32 and float64).

ctypedef fused floating:
    float
    double
