"""P8: one training step of a small CNN on digit-sized images.

Conv2d(1, 16, 3, padding=1) → ReLU → MaxPool2d(2) → Flatten → Linear(256, 10), batch 64
of 1×8×8 images (random, from a fixed pool; see ``_models.py``), ``CrossEntropyLoss`` and
``Adam(lr=1e-3)``; one step is ``zero_grad``, forward, loss, backward and ``step``, in ms.
Both libraries build the model with the same code and start from the same weights. Each
sample times a run of consecutive steps from those weights and reports the mean.

This is the workload where minigrad's convolution (im2col in Cython and a GEMM per image,
see bench_conv's N1) and its max-pool kernel meet PyTorch's native ones, at sizes where
neither is dominated by arithmetic. There is no numpy column.

Goal: minigrad ≤ 1.0 × PyTorch's time.

    python -m cProfile -s tottime -m benchmarks.bench_cnn | head -40   # profile minigrad
"""

from functools import partial

from ._models import batch_pool, cycled, digits_cnn, initial_weights, model_with, train_step
from ._timing import Row, at_most, compare, optional_torch, per_call, ratio

BATCH = 64
LR = 1e-3
CALLS = 30  # steps per sample, ~30-50 ms of work


def _lib_step(M, weights, calls):
    model = model_with(M, digits_cnn, weights)
    step = train_step(M, model, M.optim.Adam(model.parameters(), lr=LR))
    batches = cycled(M, batch_pool(BATCH, (1, 8, 8), 10), calls)
    return lambda: step(*next(batches))


def run(quick=False):
    import minigrad

    torch = optional_torch()
    weights = initial_weights(digits_cnn)
    calls = CALLS // (5 if quick else 1)
    med = compare(
        {
            "minigrad": per_call(partial(_lib_step, minigrad, weights, calls), calls),
            "torch": per_call(partial(_lib_step, torch, weights, calls), calls) if torch else None,
        },
        repeats=2 if quick else 7,
    )
    figs = [med[k][0] * 1e3 if k in med else None for k in ("minigrad", "torch")]
    row = Row("P8", f"digits CNN step, batch {BATCH}", "ms", *figs, None)
    row.goal = "≤ 1.0× PyTorch"
    row.met = at_most(ratio(row.minigrad, row.torch), 1.0)
    return [row]


if __name__ == "__main__":
    # A profiling target, minigrad only: runs of CALLS steps, as the benchmark times them.
    import minigrad

    sample = per_call(partial(_lib_step, minigrad, initial_weights(digits_cnn), CALLS), CALLS)
    for _ in range(100):
        sample()
