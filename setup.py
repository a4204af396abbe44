"""Build the Cython core of minigrad.

All compiler directives live here. ``MINIGRAD_CYTHON_DEBUG=1`` turns bounds checks,
wraparound and initialisation checks back on (CI runs the kernel tests that way once).
OpenMP is used only when the compiler accepts ``-fopenmp``; the build never needs it.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("MINIGRAD_CYTHON_DEBUG") == "1"

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
}


def _compiler_has_openmp() -> bool:
    """Try to compile and link a tiny OpenMP program with the default C compiler."""
    if sys.platform == "win32" or os.environ.get("MINIGRAD_NO_OPENMP") == "1":
        return False
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")
        cmd = [cc, "-fopenmp", src, "-o", os.path.join(tmp, "omp")]
        return subprocess.run(cmd, capture_output=True).returncode == 0


OPENMP = _compiler_has_openmp()
omp_flags = ["-fopenmp"] if OPENMP else []
# -fno-math-errno: sqrt becomes one instruction instead of a libm call that may set errno,
# which is what lets loops calling it vectorize (the optimizer kernels); results are the same.
opt_flags = [] if sys.platform == "win32" else ["-O3", "-fno-math-errno"]


def ext(name: str) -> Extension:
    return Extension(
        f"minigrad.{name}",
        [f"minigrad/{name}.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=opt_flags + omp_flags,
        extra_link_args=omp_flags,
    )


# every minigrad/*.pyx is one extension module
MODULES = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join("minigrad", "*.pyx")))

setup(
    ext_modules=cythonize(
        [ext(name) for name in MODULES],
        compiler_directives=DIRECTIVES,
    ),
)
