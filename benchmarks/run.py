"""Run minigrad's benchmarks against PyTorch and a numpy floor; print one table.

    python benchmarks/run.py [--quick] [--only P1,P4] [--threads N]
    python -m benchmarks [--quick] [--only P1,P4] [--threads N]

Every figure is a median over repeated runs after a warm-up, and the libraries are compared
only as ratios measured in the same run (the machine is shared: absolute numbers drift,
ratios much less). --quick uses 2 repeats and smaller sizes; it checks that the benchmarks
run, and asserts nothing about speed. PyTorch is optional: without it its columns read n/a.

Threads: every library computes with the same number of threads, --threads N (default 1).
On a small shared machine, OpenBLAS's and PyTorch's thread pools spin and oversubscribe the
cores when other processes are busy, and small-matrix timings then swing 10x from run to
run; one thread each keeps the ratios steady and compares the libraries, not their
schedulers. The thread variables below are set before numpy is first imported (OpenBLAS and
OpenMP read them once, when they load), torch.set_num_threads(N) is called, and the header
prints what is in effect. --threads 0 leaves every library at its own default.
"""

import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
DEFAULT_THREADS = 1


def _threads_from(argv):
    """--threads from the command line, read before anything imports numpy."""
    for i, arg in enumerate(argv):
        value = (
            argv[i + 1]
            if arg == "--threads" and i + 1 < len(argv)
            else (arg.partition("=")[2] if arg.startswith("--threads=") else None)
        )
        if value is not None:
            return int(value) if value.isdigit() else DEFAULT_THREADS  # argparse reports it
    return DEFAULT_THREADS


NUMPY_LOADED_FIRST = "numpy" in sys.modules  # then the variables come too late for BLAS
_THREADS = _threads_from(sys.argv[1:])
if _THREADS:
    os.environ.update(dict.fromkeys(THREAD_VARS, str(_THREADS)))

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run as a script: make `benchmarks` and `minigrad` importable
    sys.path.insert(0, ROOT)

from benchmarks import (  # noqa: E402
    bench_attention,
    bench_cnn,
    bench_conv,
    bench_data,
    bench_digits,
    bench_func,
    bench_gpt,
    bench_import,
    bench_makemore,
    bench_matmul,
    bench_memory,
    bench_mlp,
    bench_optim,
    bench_rnn,
    bench_rowwise,
    bench_scalar_chain,
    bench_vector_chain,
)
from benchmarks._timing import optional_torch, print_table  # noqa: E402

BENCHMARKS = {  # id: run(quick) -> rows
    "P1": bench_scalar_chain.run,
    "P2": bench_vector_chain.run,
    "P3": bench_mlp.run,
    "P4": bench_matmul.run,
    "P5": bench_optim.run,
    "P6": bench_memory.run,
    "P7": bench_digits.run,
    "P8": bench_cnn.run,
    "P9": bench_import.run,
    "N1": bench_conv.run_conv,
    "N2": bench_rowwise.run_cross_entropy,
    "N3": bench_conv.run_pool,
    "N5": bench_rnn.run,
    "P11": bench_rnn.run_char,
    "P13": bench_data.run,
    "A1": bench_attention.run,
    "F1": bench_func.run_jvp,
    "F2": bench_func.run_per_sample,
    "P10": bench_gpt.run,
    "P10s": bench_gpt.run_small,
    "P12": bench_makemore.run,
    "P12e": bench_makemore.run_eval,
    "N4": bench_rowwise.run_norms,
}


def _git_state():
    """The commit measured, and whether minigrad/ differs from it."""
    try:

        def git(*a):
            return subprocess.run(
                ["git", "-C", ROOT, *a], capture_output=True, text=True, check=True
            ).stdout.strip()

        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "minigrad")
        return git("rev-parse", "--short", "HEAD") + (" + uncommitted minigrad/ changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def set_threads(n):
    """Limit torch to ``n`` threads (0: leave it); numpy's BLAS and OpenMP follow the
    variables set at import. Returns the header's line: what was asked, what is in effect."""
    torch = optional_torch()
    if torch and n:
        torch.set_num_threads(n)
    if not n:
        asked = "0: every library at its own default"
    elif NUMPY_LOADED_FIRST or _THREADS != n:  # main(argv) called from other code
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            asked = f"{n} asked, but numpy was loaded before the runner could set its BLAS threads"
        else:
            threadpool_limits(n)
            asked = f"{n} per library (set late, with threadpoolctl: numpy was already loaded)"
    else:
        asked = f"{n} per library ({' '.join(f'{v}={n}' for v in THREAD_VARS)} before numpy loaded"
        asked += f", torch.set_num_threads({n}))" if torch else ")"
    return f"{asked}; in effect: {_threads_in_effect(torch)}"


def _threads_in_effect(torch):
    found = []
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        found.append("numpy BLAS not checked (no threadpoolctl)")
    else:
        for pool in threadpool_info():
            found.append(f"{pool['internal_api']} {pool['num_threads']}")
    if torch:
        found.append(f"torch {torch.get_num_threads()} intra-op")
    return ", ".join(found)


def header(quick, threads):
    import numpy

    import minigrad

    torch = optional_torch()
    peer = torch.__version__ if torch else "not installed"
    lines = [
        f"date      {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"platform  {platform.platform()} ({platform.machine()}), {os.cpu_count()} CPUs",
        f"python    {platform.python_version()} ({platform.python_implementation()})",
        f"numpy     {numpy.__version__}",
        f"minigrad  {minigrad.__version__}, git {_git_state()}",
        f"torch     {peer}",
        f"threads   {threads}",
        f"load      {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1/5/15 min, before the run)",
        f"mode      {'quick: 2 repeats, small sizes, few epochs' if quick else 'full: 7+ repeats'}; "
        "medians after warm-up; ratios are minigrad / peer",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats, small sizes (a smoke run)")
    parser.add_argument("--only", metavar="IDS", help="comma-separated ids, e.g. P1,P4")
    parser.add_argument(
        "--threads",
        metavar="N",
        type=int,
        default=DEFAULT_THREADS,
        help="threads for every library's BLAS, OpenMP and torch "
        "(default: %(default)s; 0: each library's own default)",
    )
    args = parser.parse_args(argv)
    if args.threads < 0:
        parser.error("--threads must be 0 or more")

    ids = list(BENCHMARKS)
    if args.only:
        named = {i.upper(): i for i in BENCHMARKS}  # ids in any case (P10s, p10s)
        ids = [named.get(i.strip().upper(), i.strip()) for i in args.only.split(",") if i.strip()]
        unknown = [i for i in ids if i not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark id(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    print(header(args.quick, set_threads(args.threads)), end="\n\n", flush=True)
    rows = []
    start = time.perf_counter()
    for bench_id in ids:
        print(f"running {bench_id} ...", file=sys.stderr, flush=True)
        rows += BENCHMARKS[bench_id](quick=args.quick)
    print_table(rows)
    print(f"\n({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
