"""P1: per-op overhead on a scalar graph (the micrograd / tutorial workload).

A chain of 1000 iterations ``y = act(y * 1.0001 + 0.0001)`` (act = relu, then tanh) from a
0-d float32 leaf with requires_grad=True, then ``y.backward()``. Each tensor holds one
number, so the arithmetic is free and what is measured is the per-op cost of the library:
dispatch, result allocation, recording a node, and running it backwards. Forward and
backward are timed separately and reported in µs per op (3 ops per iteration).

The numpy floor is the same chain as raw ufunc calls (np.multiply, np.add, np.maximum /
np.tanh): for the forward, µs per bare ufunc call, i.e. what any numpy-backed tensor pays at
least; for the backward, the hand-written chain rule over the saved outputs with raw ufuncs
(relu: g * (y > 0) * 1.0001, tanh: g * (1 - y*y) * 1.0001), per forward op as well.

Goal: minigrad fwd+bwd ≤ 1/6 of PyTorch's (PyTorch's per-op dispatch is several µs).
The same code serves P2 (``chain_rows`` with a shape).
"""

from time import perf_counter

import numpy as np

from ._timing import Row, at_most, compare, optional_torch, ratio

ITERS = 1000
OPS = 3 * ITERS
A, B = 1.0001, 0.0001
_np_act = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh}


def _lib_step(lib, act, shape):
    """One forward and one backward of the chain in minigrad or torch (same code)."""
    f = getattr(lib, act)

    def step():
        x = lib.tensor(np.full(shape, 0.5, np.float32), requires_grad=True)
        t0 = perf_counter()
        y = x
        for _ in range(ITERS):
            y = f(y * A + B)
        if shape:
            y = y.sum()
        t1 = perf_counter()
        y.backward()
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _numpy_step(act, shape):
    """The numpy floor: the chain as bare ufunc calls, and its hand-written backward."""
    multiply, add, maximum, tanh, greater, subtract = (
        np.multiply,
        np.add,
        np.maximum,
        np.tanh,
        np.greater,
        np.subtract,
    )

    def step():
        y = np.full(shape, 0.5, np.float32)
        t0 = perf_counter()
        if act == "relu":
            for _ in range(ITERS):
                y = maximum(add(multiply(y, A), B), 0.0)
        else:
            for _ in range(ITERS):
                y = tanh(add(multiply(y, A), B))
        if shape:
            y = y.sum()
        fwd = perf_counter() - t0

        saved, y = [], np.full(shape, 0.5, np.float32)  # untimed: the "tape"
        for _ in range(ITERS):
            y = _np_act[act](y * A + B)
            saved.append(y)
        g = np.ones(shape, np.float32)
        t0 = perf_counter()
        if act == "relu":
            for y in reversed(saved):
                g = multiply(multiply(g, greater(y, 0.0)), A)
        else:
            for y in reversed(saved):
                g = multiply(multiply(g, subtract(1.0, multiply(y, y))), A)
        bwd = perf_counter() - t0
        return fwd, bwd, fwd + bwd

    return step


def chain_rows(bench_id, shape, goal, max_ratio, quick):
    import minigrad

    torch = optional_torch()
    label = "0-d" if shape == () else f"{shape}"
    rows = []
    for act in ("relu", "tanh"):
        med = compare(
            {
                "minigrad": _lib_step(minigrad, act, shape),
                "torch": _lib_step(torch, act, shape) if torch else None,
                "numpy": _numpy_step(act, shape),
            },
            repeats=2 if quick else 7,
        )
        per_op = {k: [s / OPS * 1e6 for s in v] for k, v in med.items()}
        for i, part in enumerate(("fwd", "bwd", "fwd+bwd")):
            figs = [per_op[k][i] if k in per_op else None for k in ("minigrad", "torch", "numpy")]
            row = Row(bench_id, f"{act} chain {label} {part}", "µs/op", *figs)
            if part == "fwd+bwd":
                row.goal = goal
                row.met = at_most(ratio(figs[0], figs[1]), max_ratio)
            rows.append(row)
    return rows


def run(quick=False):
    return chain_rows("P1", (), "fwd+bwd ≤ 1/6 of PyTorch", 1 / 6, quick)


if __name__ == "__main__":
    # A profiling target, minigrad only (from the project folder):
    #   python -m cProfile -s tottime -m benchmarks.bench_scalar_chain | head -30
    import minigrad

    for act in ("relu", "tanh"):
        step = _lib_step(minigrad, act, ())
        for _ in range(50):
            step()
