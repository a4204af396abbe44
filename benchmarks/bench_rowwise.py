"""N2, N4: the row-wise fused primitives against PyTorch, forward + backward.

N2  ``F.cross_entropy`` (mean) of (N, C) float32 logits that require grad, class targets:
    (64, 10) and (256, 1000). The "numpy" column holds the same loss composed in minigrad
    from ``log_softmax`` and ``nll_loss``: what the fused node replaces.
N4  ``F.layer_norm`` (affine: weight and bias require grad), ``softmax(-1)`` and ``F.gelu``
    (exact, erf) on (16*64, 128) and (16*64, 512) float32 inputs that require grad (the
    shapes of P10's activations), each backward from a fixed random gradient.

    python benchmarks/run.py --only N2,N4 [--quick] [--threads 2]

Goal: minigrad ≤ 1.0× PyTorch on every fwd+bwd row.
"""

import sys
from time import perf_counter

import numpy as np

from ._timing import Row, at_most, compare, optional_torch, print_table, ratio

GOAL = 1.0


def _timed(params, fwd, g=None):
    def step():
        for p in params:
            p.grad = None
        t0 = perf_counter()
        out = fwd()
        t1 = perf_counter()
        out.backward(gradient=g)
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _ce_step(lib, n, c, composed=False):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((n, c)).astype(np.float32), requires_grad=True)
    t = lib.tensor(rng.integers(0, c, n))
    F = lib.nn.functional
    if composed:
        return _timed([x], lambda: F.nll_loss(F.log_softmax(x, 1), t))
    return _timed([x], lambda: F.cross_entropy(x, t))


def _n4_step(lib, op, shape):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    g = lib.tensor(rng.standard_normal(shape).astype(np.float32))
    F = lib.nn.functional
    if op == "layer_norm":
        w = lib.tensor(rng.standard_normal(shape[-1]).astype(np.float32), requires_grad=True)
        b = lib.tensor(rng.standard_normal(shape[-1]).astype(np.float32), requires_grad=True)
        return _timed([x, w, b], lambda: F.layer_norm(x, shape[-1:], w, b), g)
    fwd = {"softmax": lambda: x.softmax(-1), "gelu": lambda: F.gelu(x)}[op]
    return _timed([x], fwd, g)


def _rows(rid, what, med, parts, floor=None):
    rows = []
    for i, part in parts:
        figs = [med[k][i] * 1e3 if k in med else None for k in ("minigrad", "torch", floor)]
        row = Row(rid, f"{what} {part}", "ms", *figs)
        if part == "fwd+bwd":
            row.goal = f"≤ {GOAL}× PyTorch"
            row.met = at_most(ratio(row.minigrad, row.torch), GOAL)
        rows.append(row)
    return rows


def _repeats(quick):
    return 2 if quick else 15


def run_cross_entropy(quick=False):
    import minigrad

    torch = optional_torch()
    rows = []
    for n, c in ((64, 10), (256, 1000)):
        med = compare(
            {
                "minigrad": _ce_step(minigrad, n, c),
                "torch": _ce_step(torch, n, c) if torch else None,
                "composed": _ce_step(minigrad, n, c, composed=True),
            },
            _repeats(quick),
        )
        what = f"cross_entropy ({n}, {c}) [numpy col: composed]"
        rows += _rows("N2", what, med, enumerate(("fwd", "bwd", "fwd+bwd")), "composed")
    return rows


def run_norms(quick=False):
    import minigrad

    torch = optional_torch()
    rows = []
    for width in (128, 512):
        shape = (64 if quick else 16 * 64, width)
        for op in ("layer_norm", "softmax", "gelu"):
            med = compare(
                {
                    "minigrad": _n4_step(minigrad, op, shape),
                    "torch": _n4_step(torch, op, shape) if torch else None,
                },
                _repeats(quick),
            )
            rows += _rows("N4", f"{op} {shape}", med, [(2, "fwd+bwd")])
    return rows


if __name__ == "__main__":
    print_table(run_cross_entropy(quick="--quick" in sys.argv) + run_norms(quick="--quick" in sys.argv))
