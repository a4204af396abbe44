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
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

import Cython
import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext as _build_ext

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

# The bounds-checked build's generated C goes to its own folder, regenerated every time: cythonize
# regenerates a .c only when it is older than its .pyx, never when only the directives change,
# so writing it beside the normal one would compile the unchecked C and call it checked.
CYTHON_OPTIONS = {"build_dir": os.path.join("build", "cython-debug")} if DEBUG else {}

# Compiled extensions, keyed by what they are compiled from (see _ext_key). pip builds an
# editable install in a new temporary folder each time, so without this every
# `pip install -e .` recompiled all the modules (~2 min on 2 cores) to change one.
EXT_CACHE = os.path.join("build", "minigrad-ext-cache")
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


CYTHON_STAMPS = os.path.join("build", "cython-stamps")


def _cython_stamp(pyx: str) -> str:
    """What a module's generated C depends on: its .pyx, every .pxd/.pxi of the package (a
    superset of what it includes), the directives and Cython's and numpy's versions.
    cythonize itself decides by timestamps, and an isolated build's freshly installed Cython
    is always newer than every .c, so it regenerated all of them on each `pip install -e .`."""
    h = hashlib.sha256(repr((Cython.__version__, np.__version__, DIRECTIVES)).encode())
    for path in [pyx] + sorted(glob.glob("minigrad/*.pxd") + glob.glob("minigrad/*.pxi")):
        with open(path, "rb") as f:
            h.update(path.encode() + b"\0" + f.read())
    return h.hexdigest()


def _stamp_path(ext) -> str:
    return os.path.join(CYTHON_STAMPS, ext.name + ".sha256")


def _reuse_generated_c(exts: list) -> list:
    """Point each extension whose .c is current (its stamp matches) at that .c, so cythonize
    skips it; return those to regenerate. The bounds-checked build always regenerates."""
    stale = []
    for e in exts:
        pyx = e.sources[0]
        c_file = pyx[:-4] + ".c"
        if not DEBUG and os.path.exists(c_file) and os.path.exists(_stamp_path(e)):
            with open(_stamp_path(e)) as f:
                if f.read().strip() == _cython_stamp(pyx):
                    e.sources = [c_file]
                    continue
        stale.append((e, pyx))
    return stale


def _write_stamps(stale: list) -> None:
    if DEBUG:
        return
    os.makedirs(CYTHON_STAMPS, exist_ok=True)
    for e, pyx in stale:
        with open(_stamp_path(e), "w") as f:
            f.write(_cython_stamp(pyx) + "\n")


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


def _c_source(path) -> bytes:
    """A generated C file without Cython's metadata block (it names the build's temporary
    include folders, which change with every isolated build and do not change the code)."""
    with open(path, "rb") as f:
        return re.sub(rb"/\* BEGIN: Cython Metadata.*?END: Cython Metadata \*/", b"", f.read(), flags=re.S)


def _ext_key(ext, compiler) -> str:
    """A hash of everything that goes into one compiled module: its generated C (the .pyx and
    every .pxi/.pxd it includes are in it), flags, macros, the compiler command, the
    environment's compiler variables, Python's and numpy's versions (numpy's headers)."""
    h = hashlib.sha256()
    for src in ext.sources:
        h.update(_c_source(src))
    parts = [ext.extra_compile_args, ext.extra_link_args, ext.define_macros]
    parts += [getattr(compiler, "compiler_so", None), getattr(compiler, "linker_so", None)]
    parts += [os.environ.get(v) for v in ("CC", "CFLAGS", "CPPFLAGS", "LDFLAGS", "LDSHARED")]
    parts += [sys.version, np.__version__]
    h.update(repr(parts).encode())
    return h.hexdigest()[:20]


class build_ext(_build_ext):
    """setuptools' build_ext, reusing a module from EXT_CACHE when its key is unchanged (an
    unchanged .pyx is not recompiled, in an editable install too); ``--force`` rebuilds all."""

    def build_extension(self, ext):
        target = self.get_ext_fullpath(ext.name)
        cached = os.path.join(EXT_CACHE, f"{ext.name}-{_ext_key(ext, self.compiler)}.so")
        if DEBUG:  # the bounds-checked build is a scratch build: not cached, never reused
            return super().build_extension(ext)
        if not self.force and os.path.exists(cached):
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            shutil.copyfile(cached, target + ".tmp")  # a new file: a loaded module's stays mapped
            os.replace(target + ".tmp", target)
            return
        # not in the cache: compile, whatever the timestamps say (the module in place may be
        # the bounds-checked build, newer than this C)
        force, self.force = self.force, True
        try:
            super().build_extension(ext)
        finally:
            self.force = force
        if os.path.exists(target):  # an optional module may have failed to build
            os.makedirs(EXT_CACHE, exist_ok=True)
            for old in glob.glob(os.path.join(EXT_CACHE, f"{ext.name}-*.so")):
                os.remove(old)
            shutil.copyfile(target, cached + ".tmp")
            os.replace(cached + ".tmp", cached)


def packages() -> dict:
    """minigrad's packages, with ``nn/`` and ``optim/`` (at the repository's top) installed as
    ``minigrad.nn`` and ``minigrad.optim`` only: no generic top-level names in site-packages."""
    found = {p: p.replace(".", "/") for p in find_packages(include=["minigrad", "minigrad.*"])}
    for top in ("nn", "optim"):
        for p in [top] + [f"{top}.{s}" for s in find_packages(top)]:
            found["minigrad." + p] = p.replace(".", "/")
    return found


PACKAGES = packages()
EXTENSIONS = extensions()
STALE = _reuse_generated_c(EXTENSIONS)
EXT_MODULES = cythonize(
    EXTENSIONS, compiler_directives=DIRECTIVES, force=bool(STALE) or DEBUG, **CYTHON_OPTIONS
)
_write_stamps(STALE)

setup(
    packages=sorted(PACKAGES),
    package_dir={
        name: path for name, path in PACKAGES.items() if name.split(".")[1:2] in (["nn"], ["optim"])
    },
    ext_modules=EXT_MODULES,
    cmdclass={"build_ext": build_ext},
)
