"""P6: how much memory the graph keeps, and whether all of it comes back.

``iters`` × ``y = tanh(y * 1.01)`` on a float32 leaf of ``n`` elements (1M × 100; 100k × 20
with --quick), then ``y.sum().backward()``. Reported, in MiB above the baseline taken once
the leaf exists:

* graph: after the forward, with ``y`` alive. The least a tape can keep is tanh's output
  per iteration (its derivative needs it; ``y * 1.01`` needs nothing saved), ~iters × 4n B;
* peak: the highest point during backward (graph + the gradients in flight);
* after drop: once ``y`` and the leaf's ``.grad`` are dropped, without calling gc, so a
  reference cycle holding the graph shows up here. It should be back to ~0.

Each library runs in a fresh subprocess so their allocators do not disturb each other.
minigrad and numpy allocations are counted exactly with tracemalloc (numpy reports its
buffers to it); PyTorch's are not, so torch is measured by resident set size (Linux
/proc: statm, VmHWM reset via clear_refs). The children run with glibc's mmap threshold
pinned low (MALLOC_MMAP_THRESHOLD_) so large freed buffers really leave the RSS; minigrad's
RSS is measured too, as a cross-check of the two methods (see the note).

The numpy floor is the hand-written version: a list of tanh outputs as the "tape", and a
backward that pops them and updates one gradient buffer in place.

Goal: graph and peak ≤ PyTorch's (within 1%, the two meters differ: tracemalloc counts
bytes requested, RSS pages touched); back to baseline after the drop (≤ 1% of the graph).
"""

import json
import os
import subprocess
import sys

from ._timing import Row, at_most, optional_torch

MIB = 2**20
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ----------------------------------------------------------------------------- in the child

HAVE_PROC = os.path.exists("/proc/self/statm")  # RSS is read from Linux /proc


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmHWM in /proc/self/status")


def _child(lib, n, iters):
    """Runs in a fresh interpreter: measure one library, print one JSON line."""
    import tracemalloc

    import numpy as np

    traced = lib != "torch"
    rss = _rss if HAVE_PROC else (lambda: 0)
    if lib != "numpy":
        mod = __import__(lib)
        x = mod.ones(1000, requires_grad=True)  # warm-up: one-time costs (PyTorch starts
        mod.tanh(x * 1.01).sum().backward()  # its autograd threads) go into the baseline
    if traced:
        tracemalloc.start()

    def now():
        return tracemalloc.get_traced_memory()[0] if traced else rss()

    if lib == "numpy":
        x = np.random.default_rng(0).standard_normal(n, np.float32)
    else:
        x = mod.randn(n, requires_grad=True)
    base, base_rss = now(), rss()

    if lib == "numpy":  # the tape: a list of tanh outputs
        saved, y = [], x
        for _ in range(iters):
            y = np.tanh(y * 1.01)
            saved.append(y)
    else:
        y = x
        for _ in range(iters):
            y = mod.tanh(y * 1.01)
    graph, graph_rss = now() - base, rss() - base_rss

    if traced:
        tracemalloc.reset_peak()
    if HAVE_PROC:
        _reset_peak_rss()
    if lib == "numpy":  # pop each output and fold it into one gradient buffer
        del y
        g = np.ones(n, np.float32)
        while saved:
            t = saved.pop()
            np.square(t, out=t)
            np.subtract(1, t, out=t)  # tanh' = 1 - y²
            t *= 1.01  # times the mul's factor
            g *= t
            del t
    else:
        y.sum().backward()
    peak_rss = _peak_rss() - base_rss if HAVE_PROC else 0
    peak = tracemalloc.get_traced_memory()[1] - base if traced else peak_rss

    if lib == "numpy":  # g is the leaf's gradient: dropped with it
        del g
    else:
        del y
        x.grad = None
    drop, drop_rss = now() - base, rss() - base_rss
    print(json.dumps({"graph": graph, "peak": peak, "drop": drop, "rss": [graph_rss, peak_rss, drop_rss]}))


# ----------------------------------------------------------------------------- in the runner


def _measure(lib, n, iters):
    code = (
        f"import sys; sys.path.insert(0, {ROOT!r}); "
        f"from benchmarks.bench_memory import _child; _child({lib!r}, {n}, {iters})"
    )
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"P6 child for {lib} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick=False):
    n, iters = (100_000, 20) if quick else (1_000_000, 100)
    res = {"minigrad": _measure("minigrad", n, iters), "numpy": _measure("numpy", n, iters)}
    if optional_torch() is not None and HAVE_PROC:
        res["torch"] = _measure("torch", n, iters)

    def fig(lib, key):
        return res[lib][key] / MIB if lib in res else None

    size = f"{n / 1e6:g}M x{iters}"
    rows = []
    parts = (("graph", "graph after fwd"), ("peak", "peak during bwd"), ("drop", "after drop"))
    for key, what in parts:
        rows.append(
            Row(
                "P6", f"tanh {size} {what}", "MiB", fig("minigrad", key), fig("torch", key), fig("numpy", key)
            )
        )
    graph, peak, drop = rows
    for row in (graph, peak):  # 1% slack: tracemalloc and RSS are different meters
        row.goal = "≤ PyTorch (±1%)"
        row.met = at_most(row.minigrad, None if row.torch is None else 1.01 * row.torch)
    drop.goal, drop.ratios = "back to baseline", False
    drop.met = abs(drop.minigrad) <= max(0.01 * graph.minigrad, 0.1)
    graph.note = "minigrad and numpy measured by tracemalloc, PyTorch by RSS"
    if HAVE_PROC:
        g_rss, p_rss, d_rss = (v / MIB for v in res["minigrad"]["rss"])
        graph.note += (
            f"; minigrad by RSS as a cross-check: graph {g_rss:.1f}, peak {p_rss:.1f}, "
            f"after drop {d_rss:.1f} MiB"
        )
    return rows
