"""Run minigrad's benchmarks against PyTorch and a numpy floor; print one table.

    python benchmarks/run.py [--quick] [--only P1,P4]
    python -m benchmarks [--quick] [--only P1,P4]

Every figure is a median over repeated runs after a warm-up, and the libraries are compared
only as ratios measured in the same run (the machine is shared: absolute numbers drift,
ratios much less). --quick uses 2 repeats and smaller memory sizes; it checks that the
benchmarks run, and asserts nothing about speed. PyTorch is optional: without it its
columns read n/a.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:        # run as a script: make `benchmarks` and `minigrad` importable
    sys.path.insert(0, ROOT)

from benchmarks import bench_matmul, bench_memory, bench_optim, bench_scalar_chain, bench_vector_chain  # noqa: E402
from benchmarks._timing import optional_torch, print_table  # noqa: E402

BENCHMARKS = {
    "P1": bench_scalar_chain,
    "P2": bench_vector_chain,
    "P4": bench_matmul,
    "P5": bench_optim,
    "P6": bench_memory,
}


def _git_state():
    """The commit measured, and whether minigrad/ differs from it."""
    try:
        def git(*a):
            return subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True,
                                  check=True).stdout.strip()
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "minigrad")
        return git("rev-parse", "--short", "HEAD") + (" + uncommitted minigrad/ changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def header(quick):
    import minigrad
    import numpy

    torch = optional_torch()
    peer = f"{torch.__version__} ({torch.get_num_threads()} threads)" if torch else "not installed"
    lines = [
        f"date      {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"platform  {platform.platform()} ({platform.machine()}), {os.cpu_count()} CPUs",
        f"python    {platform.python_version()} ({platform.python_implementation()})",
        f"numpy     {numpy.__version__}",
        f"minigrad  {minigrad.__version__}, git {_git_state()}",
        f"torch     {peer}",
        f"mode      {'quick: 2 repeats, small memory sizes' if quick else 'full: 7 repeats'}; "
        "medians after warm-up; ratios are minigrad / peer",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats, small sizes (a smoke run)")
    parser.add_argument("--only", metavar="IDS", help="comma-separated ids, e.g. P1,P4")
    args = parser.parse_args(argv)

    ids = list(BENCHMARKS)
    if args.only:
        ids = [i.strip().upper() for i in args.only.split(",") if i.strip()]
        unknown = [i for i in ids if i not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark id(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(BENCHMARKS)}")

    print(header(args.quick), end="\n\n", flush=True)
    rows = []
    start = time.perf_counter()
    for bench_id in ids:
        print(f"running {bench_id} ...", file=sys.stderr, flush=True)
        rows += BENCHMARKS[bench_id].run(quick=args.quick)
    print_table(rows)
    print(f"\n({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
