"""P12, P12e: makemore's hierarchical MLP (the "WaveNet" of its part 5) against PyTorch.

Written once for both libraries with torch.nn layers: Embedding(27, 24) over a context of 8
characters, then three levels of (flatten two consecutive positions, Linear without bias,
BatchNorm1d over the (B, T, C) activations, tanh) halving the positions 8 -> 4 -> 2 -> 1,
and Linear(128, 27). ``BatchNorm1d`` normalises (N, C, L), so a 3-D activation is passed as
``x.transpose(1, 2)`` and turned back, as a learner writes it with ``torch.nn``. Both
libraries start from the same weights (``_models.py``).

P12:  one training step, batch 32: ``zero_grad``, forward, cross-entropy, backward,
      ``SGD(lr=0.1)``, on batches of random contexts taken in turn from a fixed pool.
P12e: the evaluation forward (``model.eval()``, ``no_grad``) over 180,000 contexts in one
      batch, as makemore evaluates its splits.

    python benchmarks/run.py --only P12,P12e [--quick] [--threads 2]

Goals: P12 ≤ 0.5× PyTorch, P12e ≤ 1.0×.
"""

import sys
from functools import partial
from time import perf_counter

import numpy as np

from ._models import initial_weights, model_with, train_step
from ._timing import Row, at_most, compare, optional_torch, per_call, print_table, ratio

VOCAB, CONTEXT, EMBED, HIDDEN = 27, 8, 24, 128
BATCH, EVAL_ROWS, CALLS = 32, 180_000, 30


def hierarchical_mlp(M):
    nn = M.nn

    class Consecutive(nn.Module):
        """(B, T, C) -> (B, T/2, 2C): two neighbouring positions side by side."""

        def forward(self, x):
            b, t, c = x.shape
            x = x.reshape(b, t // 2, 2 * c)
            return x.squeeze(1) if x.shape[1] == 1 else x

    class Norm(nn.Module):
        """BatchNorm1d over (B, C) or (B, T, C) activations (channels last)."""

        def __init__(self, c):
            super().__init__()
            self.bn = nn.BatchNorm1d(c)

        def forward(self, x):
            return self.bn(x) if x.ndim == 2 else self.bn(x.transpose(1, 2)).transpose(1, 2)

    layers = [nn.Embedding(VOCAB, EMBED)]
    width = EMBED
    for _ in range(3):
        layers += [Consecutive(), nn.Linear(2 * width, HIDDEN, bias=False), Norm(HIDDEN), nn.Tanh()]
        width = HIDDEN
    layers.append(nn.Linear(HIDDEN, VOCAB))
    return nn.Sequential(*layers)


def _contexts(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, VOCAB, (n, CONTEXT)), rng.integers(0, VOCAB, n)


def _train_step(M, weights, batch, calls):
    model = model_with(M, hierarchical_mlp, weights)
    step = train_step(M, model, M.optim.SGD(model.parameters(), lr=0.1))
    x, y = _contexts(batch * calls)
    batches = iter(
        [(M.from_numpy(x[i : i + batch]), M.from_numpy(y[i : i + batch])) for i in range(0, len(x), batch)]
    )
    return lambda: step(*next(batches))


def _eval_step(M, weights, rows):
    model = model_with(M, hierarchical_mlp, weights)
    model.eval()
    x = M.from_numpy(_contexts(rows, seed=1)[0])

    def step():
        with M.no_grad():
            t0 = perf_counter()
            model(x)
            return (perf_counter() - t0,)

    return step


def _row(rid, what, med, goal):
    figs = [med[k][0] * 1e3 if k in med else None for k in ("minigrad", "torch")]
    row = Row(rid, what, "ms", *figs, None, goal=f"≤ {goal}× PyTorch")
    row.met = at_most(ratio(row.minigrad, row.torch), goal)
    return [row]


def _libs():
    import minigrad

    return (("minigrad", minigrad), ("torch", optional_torch()))


def run(quick=False):
    weights = initial_weights(hierarchical_mlp)
    calls = 3 if quick else CALLS
    med = compare(
        {lib: per_call(partial(_train_step, M, weights, BATCH, calls), calls) for lib, M in _libs() if M},
        repeats=2 if quick else 15,
    )
    return _row("P12", f"makemore hierarchical MLP step (context {CONTEXT}, batch {BATCH})", med, 0.5)


def run_eval(quick=False):
    weights = initial_weights(hierarchical_mlp)
    rows = 2_000 if quick else EVAL_ROWS
    med = compare({lib: _eval_step(M, weights, rows) for lib, M in _libs() if M}, repeats=2 if quick else 5)
    return _row("P12e", f"makemore hierarchical MLP eval forward, {rows} contexts", med, 1.0)


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv) + run_eval(quick="--quick" in sys.argv))
