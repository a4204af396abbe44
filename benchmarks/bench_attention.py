"""A1: scaled-dot-product attention forward + backward against PyTorch.

float32 q, k, v of (8, 4, 128, 32) (batch, heads, sequence, head dim), all requiring grad,
``is_causal=True``; the backward starts from a precomputed ones gradient. Three figures
(fwd, bwd, fwd+bwd in ms) for three peers:

* minigrad: ``F.scaled_dot_product_attention``, one fused node (``minigrad/ops/attention.py``);
* PyTorch: its own ``scaled_dot_product_attention`` (a fused CPU kernel);
* the "numpy" column holds minigrad's *composed* attention, the chain of recorded ops a user
  would write (matmul, scale, masked_fill, softmax, matmul): what the fused node replaces.

A second row set, A1-floor, times the bare numpy work the fused node cannot avoid: the six
batched GEMMs (two forward, four backward) without any softmax, so "mg/np" there is the
cost of everything else (the two passes over the scores and the tape).

    python benchmarks/run.py --only A1 --threads 1
    python benchmarks/run.py --only A1 --threads 2
    python -m benchmarks.bench_attention          # both thread counts, each in a fresh process

The machine is a shared 2-core box: figures measured while other sessions run are noisy,
and the ratios (taken in the same run, interleaved) are what to read.
"""

import math
import os
import subprocess
import sys
from time import perf_counter

import numpy as np

from ._timing import Row, compare, optional_torch

SHAPE = (8, 4, 128, 32)
QUICK_SHAPE = (2, 2, 32, 16)


def _inputs(lib, shape):
    rng = np.random.default_rng(0)
    return [lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True) for _ in range(3)]


def _composed(lib, q, k, v):
    lq = q.shape[-2]
    keep = lib.tensor(np.tril(np.ones((lq, lq), dtype=bool)))
    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
    scores = scores.masked_fill(keep.logical_not(), float("-inf"))
    return scores.softmax(-1) @ v


def _lib_step(lib, shape, composed=False):
    q, k, v = _inputs(lib, shape)
    g = lib.ones(*shape)
    F = lib.nn.functional

    def step():
        q.grad = k.grad = v.grad = None
        t0 = perf_counter()
        out = _composed(lib, q, k, v) if composed else F.scaled_dot_product_attention(q, k, v, is_causal=True)
        t1 = perf_counter()
        out.backward(gradient=g)
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _gemm_floor_step(shape):
    rng = np.random.default_rng(0)
    r = shape[0] * shape[1]
    q, k, v, g = (rng.standard_normal((r,) + shape[2:]).astype(np.float32) for _ in range(4))
    grads = []

    def step():
        grads.clear()
        t0 = perf_counter()
        p = np.matmul(q, k.transpose(0, 2, 1))
        out = np.matmul(p, v)
        t1 = perf_counter()
        dp = np.matmul(g, v.transpose(0, 2, 1))
        grads.append(np.matmul(p.transpose(0, 2, 1), g))
        grads.extend((np.matmul(dp, k), np.matmul(dp.transpose(0, 2, 1), q)))
        t2 = perf_counter()
        del out
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _rows(rid, what, med, floor):
    rows = []
    for i, part in enumerate(("fwd", "bwd", "fwd+bwd")):
        figs = [med[name][i] * 1e3 if name in med else None for name in ("minigrad", "torch", floor)]
        rows.append(Row(rid, f"{what} {part}", "ms", *figs))
    return rows


def run(quick=False):
    import minigrad

    torch = optional_torch()
    shape = QUICK_SHAPE if quick else SHAPE
    repeats = 2 if quick else 15
    med = compare(
        {
            "minigrad": _lib_step(minigrad, shape),
            "torch": _lib_step(torch, shape) if torch else None,
            "composed": _lib_step(minigrad, shape, composed=True),
            "gemms": _gemm_floor_step(shape),
        },
        repeats,
    )
    what = f"sdpa causal {shape}"
    rows = _rows("A1", f"{what} [numpy col: minigrad composed]", med, "composed")
    rows += _rows("A1-floor", f"{what} [numpy col: the 6 bare GEMMs]", med, "gemms")
    return rows


def _both_thread_counts():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for n in (1, 2):
        subprocess.run(
            [sys.executable, os.path.join(root, "benchmarks", "run.py"), "--only", "A1", "--threads", str(n)]
            + (["--quick"] if "--quick" in sys.argv else []),
            check=True,
        )


if __name__ == "__main__":
    _both_thread_counts()
