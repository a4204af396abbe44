"""Shared by every benchmark: interleaved median timing, result rows, the table.

Timing: each library's step runs ``warmup`` times, then ``repeats`` rounds in which every
library runs once, in turn (so a burst of load on this shared machine hits all of them
alike), and the median of each measured field is kept. The garbage collector stays on
(a real training loop runs with it on) but is flushed before each step, so every step
starts from the same state. Figures are only compared as ratios taken in the same run.
"""

import gc
import statistics
from dataclasses import dataclass
from time import perf_counter
from typing import Optional


def optional_torch():
    """The torch module, or None: torch is a benchmark peer, never a requirement."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def compare(steps, repeats, warmup=1):
    """``steps`` maps a name to a callable returning a tuple of durations in seconds (or
    to None: skipped). Returns {name: tuple of the per-field medians}."""
    live = {name: fn for name, fn in steps.items() if fn is not None}
    for _ in range(warmup):
        for fn in live.values():
            fn()
    samples = {name: [] for name in live}
    for _ in range(repeats):
        for name, fn in live.items():
            gc.collect()
            samples[name].append(fn())
    return {name: tuple(statistics.median(col) for col in zip(*rows)) for name, rows in samples.items()}


def per_call(make_step, calls):
    """A step for ``compare``, for work too short to time one call at a time (a small
    network's training step takes a few hundred µs): ``make_step()``, untimed, returns a
    fresh step function, which then runs ``calls`` times in a row, timed as a whole; the
    figure is (mean seconds per call,). Every sample starts from the same state, so every
    sample times the same work."""

    def sample():
        step = make_step()
        t0 = perf_counter()
        for _ in range(calls):
            step()
        return ((perf_counter() - t0) / calls,)

    return sample


@dataclass
class Row:
    """One line of the table. Figures share ``unit``; None prints as n/a."""

    id: str
    what: str
    unit: str
    minigrad: Optional[float]
    torch: Optional[float]
    numpy: Optional[float]
    goal: str = ""
    met: Optional[bool] = None  # None: no goal on this row, or not measurable here
    note: str = ""  # printed under the table
    ratios: bool = True  # False where a ratio means nothing (figures near 0)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def at_most(value, limit):
    """value <= limit, or None when either side is missing."""
    return None if value is None or limit is None else value <= limit


def at_least(value, limit):
    """value >= limit, or None when either side is missing."""
    return None if value is None or limit is None else value >= limit


def _num(v):
    if v is None:
        return "n/a"
    return f"{v:.1f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) >= 10 else f"{v:.3f}"


def _ratio(row, peer):
    if not row.ratios:
        return "-"
    r = ratio(row.minigrad, peer)
    return "n/a" if r is None else f"{r:.2f}x"


def print_table(rows, out=print):
    head = ("id", "what", "unit", "minigrad", "PyTorch", "numpy", "mg/PT", "mg/np", "goal", "met")
    body = [
        (
            r.id,
            r.what,
            r.unit,
            _num(r.minigrad),
            _num(r.torch),
            _num(r.numpy),
            _ratio(r, r.torch),
            _ratio(r, r.numpy),
            r.goal,
            "" if r.met is None else "yes" if r.met else "NO",
        )
        for r in rows
    ]
    numeric = {3, 4, 5, 6, 7}
    widths = [max(len(line[i]) for line in [head] + body) for i in range(len(head))]

    def fmt(line):
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths))
        ).rstrip()

    out(fmt(head))
    out("  ".join("-" * w for w in widths))
    for line in body:
        out(fmt(line))
    notes = [f"{r.id} {r.what}: {r.note}" for r in rows if r.note]
    if notes:
        out("")
        for n in notes:
            out("note: " + n)
