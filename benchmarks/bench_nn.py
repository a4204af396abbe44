"""N2: the fused cross-entropy against PyTorch and against its own composition.

N2  cross-entropy forward + backward on (N, C) logits: minigrad's fused kernel (one pass per
    row each way) against the same loss composed from log_softmax and nll_loss in minigrad
    (the "numpy" column here holds the composed minigrad figure, not numpy).
(N1 and N3, convolution and max-pool, are in bench_conv.py.)

    python benchmarks/run.py --only N2 [--quick]

These rows have no goal of their own. On a shared 2-core machine, BLAS and PyTorch threads
fight other processes; the runner limits both to the same number of threads (``--threads``,
default 1), which ``python -m benchmarks.bench_nn`` alone does not do (set
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 for it).
"""

import sys
from time import perf_counter

import numpy as np

from ._timing import Row, compare, optional_torch, print_table


def _ce_step(lib, n, c, composed=False):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((n, c)).astype(np.float32), requires_grad=True)
    t = lib.tensor(rng.integers(0, c, n))
    F = lib.nn.functional

    def loss():
        return F.nll_loss(F.log_softmax(x, 1), t) if composed else F.cross_entropy(x, t)

    def step():
        x.grad = None
        t0 = perf_counter()
        out = loss()
        t1 = perf_counter()
        out.backward()
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _rows(rid, what, med, floor="numpy"):
    rows = []
    for i, part in enumerate(("fwd", "bwd", "fwd+bwd")):
        figs = [med[k][i] * 1e3 if k in med else None for k in ("minigrad", "torch", floor)]
        rows.append(Row(rid, f"{what} {part}", "ms", *figs))
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
        rows += _rows("N2", f"cross_entropy ({n}, {c}) [numpy col: composed]", med, "composed")
    return rows


def run(quick=False):
    return run_cross_entropy(quick)


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv))
