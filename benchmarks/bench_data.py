"""P13: one epoch of ``DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)``.

x is 60,000 x 784 float32 (MNIST-sized), y 60,000 int64 labels; the loop only draws the
batches (``for xb, yb in loader: pass``), so the figure is the loader's own cost: the
shuffled sampler, the batching and the collation. PyTorch builds each batch from 64
``dataset[i]`` calls and stacks them; minigrad, for a plain ``TensorDataset`` with the default
collation, gathers the batch's rows with one index per tensor (``utils/data/_worker.py``).
The numpy column is the floor: a permutation and one fancy-index per tensor and batch.

    python benchmarks/run.py --only P13 [--quick]

Goal: minigrad ≤ 0.2x PyTorch's time (issue 15).
"""

import sys
from time import perf_counter

import numpy as np

from ._timing import Row, at_most, compare, optional_torch, print_table, ratio

ROWS, FEATURES, BATCH = 60_000, 784, 64


def _data(rows):
    rng = np.random.default_rng(0)
    return rng.standard_normal((rows, FEATURES), np.float32), rng.integers(0, 10, rows)


def _epoch(lib, x, y):
    data = lib.utils.data
    loader = data.DataLoader(data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y)), BATCH, shuffle=True)

    def step():
        t0 = perf_counter()
        for xb, yb in loader:
            pass
        return (perf_counter() - t0,)

    return step


def _numpy_epoch(x, y):
    rng = np.random.default_rng(1)

    def step():
        t0 = perf_counter()
        order = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            x[idx], y[idx]
        return (perf_counter() - t0,)

    return step


def run(quick=False):
    import minigrad

    torch = optional_torch()
    x, y = _data(ROWS // 10 if quick else ROWS)
    med = compare(
        {
            "minigrad": _epoch(minigrad, x, y),
            "torch": _epoch(torch, x, y) if torch else None,
            "numpy": _numpy_epoch(x, y),
        },
        repeats=2 if quick else 7,
    )
    figs = [med[k][0] * 1e3 if k in med else None for k in ("minigrad", "torch", "numpy")]
    row = Row("P13", f"DataLoader epoch, {len(x)}x{FEATURES} float32, batch {BATCH}, shuffle", "ms", *figs)
    row.goal = "≤ 0.2× PyTorch"
    row.met = at_most(ratio(row.minigrad, row.torch), 0.2)
    return [row]


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv))
