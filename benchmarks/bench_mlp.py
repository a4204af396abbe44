"""P3: one training step of a small MLP, the everyday workload between P1/P2 and P4.

MLP 64→128→128→10 with ReLU, ``CrossEntropyLoss``, ``SGD(lr=0.01, momentum=0.9)``; one step
is ``zero_grad``, forward, loss, backward and ``step``, on batches of 1, 32 and 256 rows
taken in turn from a fixed pool of random inputs. Both libraries build the model with the
same code and start from the same weights (``_models.py``). A step takes well under a
millisecond, so each sample times a run of consecutive steps from those initial weights and
reports the mean, in ms. Runs are kept short (≤ 60 steps) and restart from the same state:
in a long run at batch 1, ReLU units that stay inactive for many samples get exact-zero
gradients, their momentum buffers decay by 0.9 per step into subnormal floats, and after a
few thousand steps both libraries' SGD steps run several times slower on those (equally:
they do the same arithmetic), which would hide the overhead this benchmark measures.

The numpy floor is the same step written by hand: three matmuls and a ReLU forward, a
softmax cross-entropy, the chain rule back through them and the momentum update, with no
tape, no modules and no optimizer objects. At batch 1 and 32 the arithmetic is a few µs,
so the floor is mostly numpy's per-call cost (about 30 ufunc calls and matmuls) and the
libraries' figures are mostly their own overhead; at 256 the matmuls start to count.

Goal: minigrad ≤ 0.5 / 0.5 / 0.9 × PyTorch's time at batch 1 / 32 / 256.

    python -m cProfile -s tottime -m benchmarks.bench_mlp 32 | head -40   # profile minigrad
"""

import itertools
import sys
from functools import partial

import numpy as np

from ._models import batch_pool, cycled, initial_weights, mlp, model_with, train_step
from ._timing import Row, at_most, compare, optional_torch, per_call, ratio

SIZES = (64, 128, 128, 10)
LR, MOMENTUM = 0.01, 0.9
GOALS = {1: 0.5, 32: 0.5, 256: 0.9}  # batch: most minigrad / PyTorch
CALLS = {1: 60, 32: 50, 256: 15}  # steps per sample, ~10-20 ms of work
REPEATS = 21  # short samples, many of them: see run()


def _build(M):
    return mlp(M, *SIZES)


def _batches(batch):
    return batch_pool(batch, SIZES[:1], SIZES[-1])


def _lib_step(M, weights, batch, calls):
    model = model_with(M, _build, weights)
    step = train_step(M, model, M.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM))
    batches = cycled(M, _batches(batch), calls)
    return lambda: step(*next(batches))


def _numpy_step(weights, batch, calls):
    """The hand-written step: returns the loss, as the libraries' steps do."""
    params = [w.copy() for w in weights]  # W1, b1, W2, b2, ... as (out, in), (out,)
    buffers = [np.zeros_like(w) for w in params]
    batches = itertools.cycle(_batches(batch)[:calls])
    rows = np.arange(batch)
    n_layers = len(params) // 2

    def step():
        x, y = next(batches)
        acts = [x]  # each layer's input
        for i in range(n_layers):
            z = acts[-1] @ params[2 * i].T + params[2 * i + 1]
            acts.append(np.maximum(z, 0) if i < n_layers - 1 else z)
        z = acts.pop()
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        loss = -np.log(p[rows, y]).mean()
        p[rows, y] -= 1  # d loss / d logits, times the batch size
        g = p / batch
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            a = acts.pop()
            grads[2 * i], grads[2 * i + 1] = g.T @ a, g.sum(0)
            if i:
                g = (g @ params[2 * i]) * (a > 0)
        for w, buf, grad in zip(params, buffers, grads):
            buf *= MOMENTUM
            buf += grad
            w -= LR * buf
        return loss

    return step


def run(quick=False):
    import minigrad

    torch = optional_torch()
    weights = initial_weights(_build)
    rows = []
    for batch, limit in GOALS.items():
        calls = CALLS[batch] // (3 if quick else 1)
        med = compare(
            {
                "minigrad": per_call(partial(_lib_step, minigrad, weights, batch, calls), calls),
                "torch": per_call(partial(_lib_step, torch, weights, batch, calls), calls) if torch else None,
                "numpy": per_call(partial(_numpy_step, weights, batch, calls), calls),
            },
            # many short samples, interleaved: a burst of load on the shared machine then
            # hits the libraries alike, and the median of 21 pairs steadies the ratio
            repeats=2 if quick else REPEATS,
        )
        figs = [med[k][0] * 1e3 if k in med else None for k in ("minigrad", "torch", "numpy")]
        row = Row("P3", f"MLP {'-'.join(map(str, SIZES))} step, batch {batch}", "ms", *figs)
        row.goal = f"≤ {limit}× PyTorch"
        row.met = at_most(ratio(row.minigrad, row.torch), limit)
        rows.append(row)
    return rows


if __name__ == "__main__":
    # A profiling target, minigrad only: the step at the batch size given (default 32), in
    # runs of CALLS[batch] steps from the initial weights, as the benchmark times it.
    import minigrad

    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    calls = CALLS[batch]
    sample = per_call(partial(_lib_step, minigrad, initial_weights(_build), batch, calls), calls)
    for _ in range(20_000 // calls // max(1, batch // 8)):
        sample()
