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

Loop structure: each algorithm is a *block* function, a plain loop over ``[lo, hi)``, and
a driver that hands blocks of ``BLOCK`` elements to OpenMP threads (``prange``, static
schedule) when the array has at least ``PARALLEL_MIN`` elements and the build has OpenMP,
and runs them in order otherwise. The driver calls the block function once per
combination of optional buffers (amsgrad's max, a momentum buffer, ...) with constant
flags, so each inlined copy of the loop is free of branches on them: that, and
``-fno-math-errno`` for ``sqrt`` (setup.py), is what lets the C compiler vectorize the
loops, about 4x faster than scalar code when the data is in cache. The scalars travel in
one struct of doubles per algorithm and are rounded once, at the top of a block, to the
array's precision (as PyTorch does for float32 tensors).

Threads on a busy machine: a static parallel loop waits at its end for every thread of the
team, and on a machine shared with other busy processes (ours: 2 cores, several users) one
thread is often descheduled while the other spins at the barrier; the step then took 8x
longer than with one thread (10 x 1M-element Adam: ~175 ms against ~25 ms at load 5). So
each update runs with OpenMP's dynamic adjustment on (``omp_set_dynamic``: libgomp sizes
the team from the load average), restored afterwards; on an idle machine both cores work.

Invariants: the ``def`` wrappers check, before any ``nogil`` loop, that every argument is
a C-contiguous, native-endian float32/float64 ndarray of the parameter's dtype and shape,
and that the arrays written to are writeable; bad input raises TypeError/ValueError and
never reaches a loop. A state buffer that an option does not use is passed as None.

Instruction sets, chosen at import: the code lives in ``_optim_kernels.pxi`` and is compiled
twice. This module is the baseline build (on x86-64, SSE2: 4 floats a vector, the only
instruction set every x86-64 CPU has); ``_optim_kernels_avx2`` is the same source compiled
with ``-mavx2`` (8 floats a vector), built only when setup.py finds a GCC-compatible
compiler on x86-64 that accepts the flag and links ``__builtin_cpu_supports``. At the end of
this module's initialisation, code compiled for the baseline asks the CPU (``cpuid``, and
the OS through ``xgetbv``, via ``__builtin_cpu_supports("avx2")``) and only if it runs AVX2
imports the AVX2 module and rebinds ``sgd``, ``adam``, ``rmsprop``, ``adagrad``, ``adadelta`` (and the
issue-19 five: ``adamax``, ``nadam``, ``radam``, ``asgd``, ``rprop``) to its
functions, so every caller (``minigrad.optim``) goes through the choice. Any doubt (other
compiler or CPU, no variant built, its import failing) leaves the baseline in place.
``MINIGRAD_ISA=baseline`` forces the baseline; ``ISA`` names the build in use, ``available()``
lists the builds this CPU can run and ``kernels(isa)`` returns one of them (tests compare them).

Both builds are compiled with ``-ffp-contract=off``: no multiply-add is fused, each
operation is rounded as written, so the two give bit-identical results (with contraction, an
AVX2+FMA build changed 1-25% of the elements of one Adam step) and a trajectory does not
depend on the CPU it ran on. The loops also prefetch 2 KiB ahead (``_optim_kernels.pxi``).

Measured (P5: one Adam step over 10 float32 tensors, one thread, the kernel alone against
PyTorch's ``Adam(fused=True)``, which uses AVX-512 here; medians of 60-200 interleaved
steps, several runs): at 10 x 1M, memory-bound, AVX2 0.87-0.94x and the baseline 0.92-0.95x
(before the prefetch: AVX2 0.97-1.00x, the baseline 1.05-1.18x); in cache (10 x 100k) AVX2
0.72-0.75x, the baseline 0.82-0.93x. An AVX-512 build (``-march=x86-64-v4``) was within the
noise of AVX2 (0.87-0.90x at 10 x 1M, 0.81x in cache), so there is none: one build fewer,
and no risk of the AVX-512 down-clocking some CPUs apply.

Why two modules rather than GCC's ``target_clones`` on C loops: the clones dispatch through
ifunc, which needs glibc (not musl, not macOS) and GCC, and the loops would have to move
out of Cython into C; the second module keeps one Cython source and a check any GCC/Clang
build of CPython can link.
"""

include "_optim_kernels.pxi"


# ----------------------------------------------------------------------------- instruction set

cdef extern from *:
    """
    /* Can this CPU run the AVX2 build? setup.py defines MG_AVX2_BUILD only when it builds
       _optim_kernels_avx2, with a compiler that links __builtin_cpu_supports (GCC, Clang);
       that builtin checks CPUID and that the OS saves the YMM registers (XGETBV). This
       function is compiled for the baseline like the rest of this module. */
    #if defined(MG_AVX2_BUILD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static int mg_cpu_has_avx2(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    #else
    static int mg_cpu_has_avx2(void) { return 0; }
    #endif
    """
    int mg_cpu_has_avx2() nogil


import os as _os
import warnings as _warnings
from types import SimpleNamespace as _Namespace

_FUNCTIONS = ("sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam", "asgd", "rprop")
_BASELINE = _Namespace(ISA="baseline", **{name: globals()[name] for name in _FUNCTIONS})


def kernels(str isa):
    """The kernel functions of one build: ``"baseline"`` (this module's own) or ``"avx2"``.
    Raises RuntimeError if this CPU cannot run it, ImportError if it was not built."""
    if isa == "baseline":
        return _BASELINE
    if isa != "avx2":
        raise ValueError(f"unknown instruction set {isa!r}: expected 'baseline' or 'avx2'")
    if not mg_cpu_has_avx2():
        raise RuntimeError("this CPU (or this build of minigrad) cannot run the avx2 kernels")
    from . import _optim_kernels_avx2            # only now: its code may use AVX2 anywhere
    return _optim_kernels_avx2


def available():
    """The builds this CPU can run, the portable one first: ``("baseline",)`` or
    ``("baseline", "avx2")``."""
    if mg_cpu_has_avx2():
        try:
            kernels("avx2")
        except ImportError:
            pass
        else:
            return ("baseline", "avx2")
    return ("baseline",)


def _choose():
    wanted = _os.environ.get("MINIGRAD_ISA", "").strip().lower()
    if wanted == "baseline":
        return "baseline"
    if wanted not in ("", "auto"):
        _warnings.warn(f"MINIGRAD_ISA={wanted!r} is not 'baseline' or 'auto'; using auto",
                       RuntimeWarning, stacklevel=2)
    return "avx2" if "avx2" in available() else "baseline"


ISA = _choose()
if ISA != "baseline":
    _chosen = kernels(ISA)
    sgd, adam, rmsprop, adagrad, adadelta = (_chosen.sgd, _chosen.adam, _chosen.rmsprop,
                                             _chosen.adagrad, _chosen.adadelta)
    adamax, nadam, radam, asgd, rprop = (_chosen.adamax, _chosen.nadam, _chosen.radam,
                                         _chosen.asgd, _chosen.rprop)
    del _chosen
