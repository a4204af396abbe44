"""N1, N3: convolution and max-pooling against PyTorch, forward and backward timed apart.

N1  conv2d forward + backward (weight and bias gradients; the input does not require grad,
    as for a first layer): Conv2d(1, 16, 3, padding=1) on a (64, 1, 8, 8) batch, and
    Conv2d(16, 32, 3, padding=1) on (32, 16, 16, 16). minigrad runs one im2col over the
    batch (``_conv_kernels``, batch-major columns) and one GEMM each way; the numpy column
    is that floor without the tape: the same im2col, the same two GEMMs and the reorder of
    the output and of the gradient.
N3  max_pool2d(2) forward + backward on (64, 16, 16, 16): the window argmax kernel and a
    plane gather forward, a plane scatter backward.

    python benchmarks/run.py --only N1,N3 [--quick] [--threads 2]

Goals: ≤ 1.0x PyTorch for each N1 fwd+bwd row and for N3's fwd and bwd rows (issue 15).
"""

import sys
from time import perf_counter

import numpy as np

from ._timing import Row, at_most, compare, optional_torch, print_table, ratio

GOAL = "≤ 1.0× PyTorch"


def _conv_step(lib, shape, cin, cout):
    lib.manual_seed(0)
    conv = lib.nn.Conv2d(cin, cout, 3, padding=1)
    x = lib.randn(*shape)
    g = lib.ones(shape[0], cout, *shape[2:])

    def step():
        conv.weight.grad = conv.bias.grad = None
        t0 = perf_counter()
        out = conv(x)
        t1 = perf_counter()
        out.backward(gradient=g)
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _conv_numpy_step(shape, cin, cout):
    from minigrad import _conv_kernels as K

    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, np.float32)
    w = rng.standard_normal((cout, cin * 9), np.float32)
    n, _, h, wd = shape
    geo = (3, 3, 1, 1, 1, 1, 1, 1, h, wd)
    g = np.ones((n, cout, h * wd), np.float32)

    def step():
        t0 = perf_counter()
        out = np.ascontiguousarray((w @ K.im2col(x, geo, True)).reshape(cout, n, -1).transpose(1, 0, 2))
        t1 = perf_counter()
        g2 = np.ascontiguousarray(g.transpose(1, 0, 2)).reshape(cout, -1)
        grads = (g2 @ K.im2col(x, geo, True).T, g2.sum(1))
        t2 = perf_counter()
        del out, grads
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _pool_step(lib):
    x = lib.randn(64, 16, 16, 16, requires_grad=True)
    g = lib.ones(64, 16, 8, 8)

    def step():
        x.grad = None
        t0 = perf_counter()
        out = lib.nn.functional.max_pool2d(x, 2)
        t1 = perf_counter()
        out.backward(gradient=g)
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _rows(rid, what, med, goal_parts):
    rows = []
    for i, part in enumerate(("fwd", "bwd", "fwd+bwd")):
        figs = [med[k][i] * 1e3 if k in med else None for k in ("minigrad", "torch", "numpy")]
        row = Row(rid, f"{what} {part}", "ms", *figs)
        if part in goal_parts:
            row.goal = GOAL
            row.met = at_most(ratio(row.minigrad, row.torch), 1.0)
        rows.append(row)
    return rows


def _repeats(quick):
    return 2 if quick else 21


def run_conv(quick=False):
    import minigrad

    torch = optional_torch()
    rows = []
    for shape, cin, cout in (((64, 1, 8, 8), 1, 16), ((32, 16, 16, 16), 16, 32)):
        med = compare(
            {
                "minigrad": _conv_step(minigrad, shape, cin, cout),
                "torch": _conv_step(torch, shape, cin, cout) if torch else None,
                "numpy": _conv_numpy_step(shape, cin, cout),
            },
            _repeats(quick),
        )
        rows += _rows("N1", f"conv2d {cin}->{cout} on {shape}", med, ("fwd+bwd",))
    return rows


def run_pool(quick=False):
    import minigrad

    torch = optional_torch()
    med = compare(
        {"minigrad": _pool_step(minigrad), "torch": _pool_step(torch) if torch else None}, _repeats(quick)
    )
    return _rows("N3", "max_pool2d(2) on (64, 16, 16, 16)", med, ("fwd", "bwd"))


if __name__ == "__main__":
    print_table(run_conv(quick="--quick" in sys.argv) + run_pool(quick="--quick" in sys.argv))
