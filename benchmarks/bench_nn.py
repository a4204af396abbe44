"""N1, N3: convolution and max-pool against PyTorch (N2, cross-entropy, is in bench_rowwise.py).

N1  conv2d forward + backward (weight and bias gradients; the input does not require grad,
    as for a first layer): Conv2d(1, 16, 3, padding=1) on a (64, 1, 8, 8) batch, and
    Conv2d(16, 32, 3, padding=1) on (32, 16, 16, 16). minigrad runs im2col (Cython) and a
    GEMM per image each way; the numpy column is that floor: the same im2col kernel plus the
    GEMMs, without the tape.
N3  max_pool2d(2) forward + backward on (64, 16, 16, 16).

    python benchmarks/run.py --only N1,N3 [--quick]

These rows have no goal of their own: they break P8's CNN step into its primitives. On a
shared 2-core machine, BLAS and PyTorch threads fight other processes; the runner limits
both to the same number of threads (``--threads``, default 1), which ``python -m
benchmarks.bench_nn`` alone does not do (set OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 for it).
"""

import sys
from time import perf_counter

import numpy as np

from ._timing import Row, compare, optional_torch, print_table


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
    from minigrad import _nn_kernels as K

    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, np.float32)
    w = rng.standard_normal((cout, cin * 9), np.float32)
    n, _, h, wd = shape
    geo = (3, 3, 1, 1, 1, 1, 1, 1, h, wd)
    g = np.ones((n, cout, h * wd), np.float32)

    def step():
        t0 = perf_counter()
        out = np.matmul(w, K.im2col(x, geo))
        t1 = perf_counter()
        grads = (np.matmul(g, K.im2col(x, geo).transpose(0, 2, 1)).sum(0), g.sum((0, 2)))
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


def _rows(rid, what, med, floor="numpy"):
    rows = []
    for i, part in enumerate(("fwd", "bwd", "fwd+bwd")):
        figs = [med[k][i] * 1e3 if k in med else None for k in ("minigrad", "torch", floor)]
        rows.append(Row(rid, f"{what} {part}", "ms", *figs))
    return rows


def _repeats(quick):
    return 2 if quick else 15


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
        rows += _rows("N1", f"conv2d {cin}->{cout} on {shape}", med)
    return rows


def run_pool(quick=False):
    import minigrad

    torch = optional_torch()
    med = compare(
        {"minigrad": _pool_step(minigrad), "torch": _pool_step(torch) if torch else None}, _repeats(quick)
    )
    return _rows("N3", "max_pool2d(2) on (64, 16, 16, 16)", med)


def run(quick=False):
    return run_conv(quick) + run_pool(quick)


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv))
