"""P4: a large matmul, where the library should vanish behind BLAS.

float32 1024×1024 ``c = a @ b`` with both inputs requiring grad, then
``c.backward(gradient=g)`` with a precomputed ones gradient (not ``c.sum()``, so that only
the matmul and its two gradient matmuls are timed). Forward and backward in ms.

The numpy floor is the three bare matmuls a tape has to run: ``a @ b`` for the forward,
``g @ b.T`` and ``a.T @ g`` for the backward, with a tape's buffer lifetimes: the two
gradients live until the next step, as .grad does (discarding them at once would let numpy
recycle warm memory that a tape cannot, and make the floor a few % too low). minigrad
computes with numpy, so anything it adds on top (copies of the gradient, materialised
transposes, accumulation into .grad) shows up as a ratio above 1. PyTorch uses its own
BLAS, so its column compares BLAS libraries as much as autograd engines.

Goal: minigrad fwd+bwd ≤ 1.05 × the three numpy matmuls.
"""

from time import perf_counter

import numpy as np

from ._timing import Row, at_most, compare, optional_torch, ratio

N = 1024


def _lib_step(lib):
    a = lib.randn(N, N, requires_grad=True)
    b = lib.randn(N, N, requires_grad=True)
    g = lib.ones(N, N)

    def step():
        a.grad = b.grad = None  # time the first gradient, not an accumulation
        t0 = perf_counter()
        c = a @ b
        t1 = perf_counter()
        c.backward(gradient=g)
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _numpy_step():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((N, N), np.float32)
    b = rng.standard_normal((N, N), np.float32)
    g = np.ones((N, N), np.float32)

    grads = []

    def step():
        grads.clear()  # as a.grad = b.grad = None above
        t0 = perf_counter()
        c = a @ b
        t1 = perf_counter()
        grads.extend((g @ b.T, a.T @ g))
        t2 = perf_counter()
        del c
        return t1 - t0, t2 - t1, t2 - t0

    return step


def run(quick=False):
    import minigrad

    torch = optional_torch()
    med = compare(
        {
            "minigrad": _lib_step(minigrad),
            "torch": _lib_step(torch) if torch else None,
            "numpy": _numpy_step(),
        },
        repeats=2 if quick else 7,
    )
    rows = []
    for i, part in enumerate(("fwd", "bwd", "fwd+bwd")):
        figs = (med[k][i] * 1e3 if k in med else None for k in ("minigrad", "torch", "numpy"))
        rows.append(Row("P4", f"matmul {N}x{N} f32 {part}", "ms", *figs))
    total = rows[-1]
    total.goal = "≤ 1.05× three numpy matmuls"
    total.met = at_most(ratio(total.minigrad, total.numpy), 1.05)
    return rows
