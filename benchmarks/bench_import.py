"""P9: what ``import minigrad`` costs a fresh interpreter, against ``import torch``.

Each figure is one ``python -c "import X"`` in a new subprocess (from the project folder, with
the runner's environment), interleaved across the libraries and repeated; medians are
reported. Wall time is the parent's clock around the whole child, interpreter start-up
included, as a user running a script sees it. Peak RSS is the child's own high-water mark,
``VmHWM`` from Linux's /proc/self/status, which the child prints after the import (the
rusage ``ru_maxrss`` cannot serve: Linux carries it over from the forking parent, here a
runner with torch loaded, across the exec). The numpy column is ``import numpy``, a floor minigrad
cannot go under (it imports numpy), and the note gives the bare interpreter
(``python -c pass``) for scale. Without /proc (not Linux) the rows read n/a.

Bytecode: installed packages come with their ``.pyc`` files (pip byte-compiles them), so
torch and numpy never compile at import. A source checkout has none until an import writes
them, and never when PYTHONDONTWRITEBYTECODE is set (as it is on our machines): each import
would then compile minigrad's ~50 modules again, some 60 ms. So the benchmark first
byte-compiles the project's packages (``compileall``, into their ``__pycache__``, which git
ignores), as an install would, and times the import an installed minigrad has.

Goal: minigrad's wall time and peak RSS each ≤ 1/10 of PyTorch's.

    python -X importtime -c "import minigrad" 2>&1 | sort -t'|' -k2 -n | tail   # what it costs
"""

import os
import subprocess
import sys
from time import perf_counter

from ._timing import Row, at_most, compare, optional_torch, ratio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 2**20
PACKAGES = ("minigrad", "nn", "optim")  # the folders `import minigrad` loads from the project
HAVE_PROC = os.path.exists("/proc/self/status")
# after the import, the child prints its peak resident set size ("VmHWM:  1234 kB")
REPORT = "; print([l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0])"


def _import_step(statement):
    """A step for ``compare``: run ``python -c statement`` once; (seconds, peak RSS in bytes)."""

    def step():
        t0 = perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", statement + REPORT], cwd=ROOT, capture_output=True, text=True
        )
        seconds = perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"P9: python -c {statement!r} failed:\n{proc.stderr}")
        return seconds, int(proc.stdout.split()[-2]) * 1024

    return step


def _byte_compile():
    import compileall

    for package in PACKAGES:
        if not compileall.compile_dir(os.path.join(ROOT, package), quiet=1):
            raise RuntimeError(f"P9: byte-compiling {package}/ failed")


def run(quick=False):
    torch = optional_torch()
    rows = [
        Row("P9", "import: wall time", "ms", None, None, None),
        Row("P9", "import: peak RSS", "MiB", None, None, None),
    ]
    for row in rows:
        row.goal = "≤ 1/10 of PyTorch"
    if not HAVE_PROC:
        rows[0].note = "no /proc/self/status here (not Linux): not measured"
        return rows
    _byte_compile()
    med = compare(
        {
            "minigrad": _import_step("import minigrad"),
            "torch": _import_step("import torch") if torch else None,
            "numpy": _import_step("import numpy"),
            "python": _import_step("pass"),
        },
        repeats=2 if quick else 7,
    )
    scale = (1e3, 1 / MIB)
    for i, row in enumerate(rows):
        row.minigrad, row.torch, row.numpy = (
            med[k][i] * scale[i] if k in med else None for k in ("minigrad", "torch", "numpy")
        )
        row.met = at_most(ratio(row.minigrad, row.torch), 0.1)
    bare_ms, bare_mib = med["python"][0] * 1e3, med["python"][1] / MIB
    rows[0].note = (
        "python -c 'import X' in a fresh process, minigrad byte-compiled first as an "
        "install would; numpy column: import numpy; a bare interpreter (python -c pass) "
        f"takes {bare_ms:.0f} ms and {bare_mib:.1f} MiB"
    )
    return rows
