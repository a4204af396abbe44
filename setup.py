"""Build the Cython core of minigrad.

All compiler directives live here. ``MINIGRAD_CYTHON_DEBUG=1`` turns bounds checks,
wraparound and initialisation checks back on (CI runs the kernel tests that way once).
OpenMP is used only when the compiler accepts ``-fopenmp``; the build never needs it.

The optimizer kernels (``minigrad/_optim_kernels.pxi``) are built twice: ``_optim_kernels``
for the compiler's default target, and ``_optim_kernels_avx2`` with ``-mavx2`` when the
compiler is GCC-compatible on x86-64, accepts the flag and links ``__builtin_cpu_supports``
(``MG_AVX2_BUILD`` then tells ``_optim_kernels`` to look for it at import, on CPUs with
AVX2). The AVX2 module is optional: if it fails to build, the baseline runs everywhere.
``MINIGRAD_NO_AVX2=1`` skips it.
"""

import glob
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

DEBUG = os.environ.get("MINIGRAD_CYTHON_DEBUG") == "1"

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
}


def _compiles(source: str, flags: list) -> bool:
    """Whether the default C compiler builds ``source`` with ``flags`` (and links it, unless
    ``-c`` is among them)."""
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(source)
        cmd = [cc, *flags, src, "-o", os.path.join(tmp, "probe.out")]
        return subprocess.run(cmd, capture_output=True).returncode == 0


def _compiler_has_openmp() -> bool:
    """Try to compile and link a tiny OpenMP program with the default C compiler."""
    if sys.platform == "win32" or os.environ.get("MINIGRAD_NO_OPENMP") == "1":
        return False
    return _compiles(
        "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n", ["-fopenmp"]
    )


# what the AVX2 build of the optimizer kernels adds to the flags (see the module docstring)
AVX2_FLAGS = ["-mavx2"]


def _can_build_avx2() -> bool:
    """x86-64, a compiler that takes -mavx2, and __builtin_cpu_supports for the run-time check
    (compiled without -mavx2, linked into a shared object like an extension module)."""
    if sys.platform == "win32" or os.environ.get("MINIGRAD_NO_AVX2") == "1":
        return False
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    check = (
        "#if !defined(__x86_64__)\n#error not x86-64\n#endif\n"
        'int mg_probe(void){__builtin_cpu_init(); return __builtin_cpu_supports("avx2");}\n'
    )
    loop = "void mg_probe(float *x, int n){for (int i = 0; i < n; i++) x[i] = x[i] / (x[i] + 1.0f);}\n"
    return _compiles(check, ["-shared", "-fPIC"]) and _compiles(
        loop, ["-c", "-O3", "-ffp-contract=off", *AVX2_FLAGS]
    )


OPENMP = _compiler_has_openmp()
omp_flags = ["-fopenmp"] if OPENMP else []
# -fno-math-errno: sqrt becomes one instruction instead of a libm call that may set errno,
# which is what lets loops calling it vectorize (the optimizer kernels); results are the same.
# -g0: no debug info in the shipped extensions (it tripled their size; issue 17).
opt_flags = [] if sys.platform == "win32" else ["-O3", "-fno-math-errno", "-g0"]


AVX2 = _can_build_avx2()
# the optimizer kernels round every operation as written, in both builds (bit-identical results)
OPTIM_FLAGS = [] if sys.platform == "win32" else ["-ffp-contract=off"]


def ext(name: str, flags=(), macros=(), optional=False) -> Extension:
    return Extension(
        f"minigrad.{name}",
        [f"minigrad/{name}.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"), *macros],
        extra_compile_args=opt_flags + omp_flags + list(flags),
        extra_link_args=omp_flags,
        optional=optional,
    )


def extensions() -> list:
    """Every minigrad/*.pyx is one extension module; _optim_kernels_avx2 only with AVX2."""
    names = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join("minigrad", "*.pyx")))
    out = []
    for name in names:
        if name == "_optim_kernels":
            out.append(ext(name, OPTIM_FLAGS, [("MG_AVX2_BUILD", "1")] if AVX2 else []))
        elif name == "_optim_kernels_avx2":
            if AVX2:
                out.append(ext(name, OPTIM_FLAGS + AVX2_FLAGS, optional=True))
        else:
            out.append(ext(name))
    return out


def packages() -> dict:
    """minigrad's packages, with ``nn/`` and ``optim/`` (at the repository's top) installed as
    ``minigrad.nn`` and ``minigrad.optim`` only: no generic top-level names in site-packages."""
    found = {p: p.replace(".", "/") for p in find_packages(include=["minigrad", "minigrad.*"])}
    for top in ("nn", "optim"):
        for p in [top] + [f"{top}.{s}" for s in find_packages(top)]:
            found["minigrad." + p] = p.replace(".", "/")
    return found


PACKAGES = packages()

setup(
    packages=sorted(PACKAGES),
    package_dir={
        name: path for name, path in PACKAGES.items() if name.split(".")[1:2] in (["nn"], ["optim"])
    },
    ext_modules=cythonize(
        extensions(),
        compiler_directives=DIRECTIVES,
    ),
)
