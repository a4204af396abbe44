"""The fused optimizer kernels of ``_optim_kernels.pxi`` compiled with ``-mavx2``.

Private: import ``minigrad._optim_kernels``, which imports this module only after checking,
in code compiled for the baseline, that the CPU runs AVX2 (this module's own initialisation
may already use AVX2 instructions). Same functions, bit-identical results.
"""

include "_optim_kernels.pxi"
