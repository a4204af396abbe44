"""Fuzz the compiled entry points (issue 16), driven by hypothesis.

Each target draws arguments biased to the edges (0, 1, -1, 2**31 +- 1, 2**32, 2**63 - 1,
empty arrays, non-contiguous and huge expanded views) and calls one compiled entry point,
through the public op where there is one (conv/pool geometry, indexing) and directly where
the kernel's own wrapper is the contract (elementwise, softmax/cross-entropy, optimizer
updates, im2col/col2im with a validated geometry). A call may raise one of PyTorch's error
types; anything else (another exception, a wrong shape, an adjoint that does not hold) is a
finding, and a crash kills the child process, which names the target that was running.

    python tools/fuzz.py --seconds 60          # what CI runs (.ci/run)
    python tools/fuzz.py --seconds 3600        # longer; any target: --only conv2d,pool2d
    MINIGRAD_CYTHON_DEBUG=1 python setup.py build_ext --inplace --force   # bounds-checked
    python tools/fuzz.py --seconds 600 --under "valgrind --error-exitcode=1 ..."   # each child under it
    valgrind --error-exitcode=1 ... python tools/fuzz.py --in-process --seconds 120   # one process
    bash tools/check_memory.sh     # the in-process run on a bounds-checked scratch build (FUZZ_SECONDS)

``--in-process`` runs every target in this one process, each its share of ``--seconds``
(counted once the targets' modules are imported): under valgrind an interpreter's start (numpy,
minigrad and hypothesis imported under Memcheck) takes a minute or more here, once instead of
once per round. A crash then ends the run: the last ``TARGET`` line printed names the target
and round it was in; valgrind's report of an invalid access makes the exit status non-zero.

It prints one line per round and a summary: examples tried per target and the findings.
"""

import argparse
import os
import resource
import shlex
import subprocess
import sys
import time
import traceback
import warnings

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

ALLOWED = (TypeError, ValueError, IndexError, RuntimeError, NotImplementedError, OverflowError, MemoryError)

EDGES = [0, 1, -1, 2, 3, 2**31 - 1, 2**31, 2**31 + 1, 2**32, 2**63 - 1, -(2**63), 2**64]


def edge_int(lo=-4, hi=6):
    """Mostly small ints, often an edge value."""
    return st.one_of(st.integers(lo, hi), st.sampled_from(EDGES))


def small(lo=0, hi=5):
    return st.integers(lo, hi)


FLOATS = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 1e-30, 1e30, 3.4e38, float("inf"), -float("inf"), float("nan")]
)


@st.composite
def arrays(draw, dtype=None, max_dims=4, max_side=4):
    """Float arrays of edge values: empty dims, transposed or sliced views, broadcast views."""
    dtype = dtype or draw(st.sampled_from([np.float32, np.float64]))
    shape = tuple(draw(st.lists(small(0, max_side), max_size=max_dims)))
    values = draw(st.lists(st.one_of(FLOATS, st.floats(-3, 3)), min_size=1, max_size=8))
    a = np.resize(np.asarray(values, dtype=dtype), shape)
    view = draw(st.sampled_from(["plain", "transposed", "strided", "expanded"]))
    if view == "transposed" and a.ndim >= 2:
        a = a.swapaxes(0, -1)
    elif view == "strided" and a.ndim >= 1:
        a = a[..., ::2]
    elif view == "expanded" and a.ndim >= 1 and a.shape[-1]:
        a = np.broadcast_to(a[..., :1], a.shape[:-1] + (draw(st.sampled_from([0, 1, 3, 2**20])),))
    return a


def _ok(fn, *args, **kw):
    """Run fn; an allowed error is fine. Returns the result or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kw)
        except ALLOWED as e:
            # on a bounds-checked build (MINIGRAD_CYTHON_DEBUG=1) Cython's own check of a kernel's
            # index is an IndexError too: that one is a finding, never an answer
            if isinstance(e, IndexError) and "Out of bounds on buffer access" in str(e):
                raise
            return None


# ----------------------------------------------------------------------------- targets


def target_conv2d():
    import minigrad.nn.functional as F

    import minigrad

    @given(
        n=small(0, 2), c=small(1, 2), h=small(1, 5), w=small(1, 5), o=small(1, 2),
        kh=small(1, 3), kw=small(1, 3), stride=edge_int(), padding=edge_int(), dilation=edge_int(),
    )  # fmt: skip
    def run(n, c, h, w, o, kh, kw, stride, padding, dilation):
        x = minigrad.randn(n, c, h, w, requires_grad=True)
        k = minigrad.randn(o, c, kh, kw, requires_grad=True)
        y = _ok(F.conv2d, x, k, None, stride, padding, dilation)
        if y is None:
            return
        ph, eh = padding, dilation * (kh - 1) + 1
        assert y.shape[2] == (h + 2 * ph - eh) // stride + 1, (tuple(y.shape), stride, padding, dilation)
        if y.numel() < 10**6:
            y.sum().backward()
            assert tuple(x.grad.shape) == tuple(x.shape)

    return run


def target_conv1d():
    import minigrad.nn.functional as F

    import minigrad

    @given(
        n=small(0, 2),
        length=small(1, 6),
        k=small(1, 3),
        stride=edge_int(),
        padding=edge_int(),
        dilation=edge_int(),
    )
    def run(n, length, k, stride, padding, dilation):
        y = _ok(
            F.conv1d, minigrad.ones(n, 1, length), minigrad.ones(1, 1, k), None, stride, padding, dilation
        )
        if y is not None:
            assert y.shape[2] == (length + 2 * padding - dilation * (k - 1) - 1) // stride + 1

    return run


def target_pool2d():
    import minigrad.nn.functional as F

    import minigrad

    @given(
        n=small(0, 2), h=small(0, 5), w=small(1, 5), kernel=edge_int(),
        stride=st.one_of(st.none(), edge_int()), padding=edge_int(), dilation=edge_int(),
        ceil=st.booleans(), kind=st.sampled_from(["max", "avg", "adaptive"]),
    )  # fmt: skip
    def run(n, h, w, kernel, stride, padding, dilation, ceil, kind):
        x = minigrad.randn(n, 2, h, w, requires_grad=True)
        if kind == "max":
            y = _ok(F.max_pool2d, x, kernel, stride, padding, dilation, ceil)
        elif kind == "avg":
            y = _ok(F.avg_pool2d, x, kernel, stride, padding, ceil)
        else:
            y = _ok(F.adaptive_avg_pool2d, x, kernel)
        if y is not None and y.numel() < 10**6:
            y.sum().backward()
            assert tuple(x.grad.shape) == tuple(x.shape)

    return run


def target_im2col():
    from minigrad import _conv_kernels as CK
    from minigrad.ops.nn import _conv_geometry

    @given(x=arrays(max_dims=4), kh=small(1, 3), kw=small(1, 3), stride=edge_int(), padding=edge_int())
    def run(x, kh, kw, stride, padding):
        if x.ndim != 4:
            _ok(CK.im2col, x, (1,) * 8 + (1, 1))  # the kernel's own check of the rank
            return
        geo = _ok(_conv_geometry, "fuzz", x.shape, (1, x.shape[1], kh, kw), stride, padding, 1)
        if geo is None or x.size * kh * kw * geo[8] * geo[9] > 10**7:
            return
        cols = CK.im2col(x, geo)
        assert cols.shape == (x.shape[0], x.shape[1] * kh * kw, geo[8] * geo[9])
        back = CK.col2im(np.ones_like(cols), tuple(x.shape), geo)
        # adjoint: <im2col(x), 1> == <x, col2im(1)>
        lhs, rhs = np.nansum(cols.astype(np.float64)), np.nansum(x.astype(np.float64) * back)
        assert np.isnan(lhs) or np.isinf(lhs) or np.isclose(lhs, rhs, rtol=1e-3, atol=1e-3), (lhs, rhs)

    return run


def target_elementwise():
    from minigrad import _kernels as K

    unary, binary = sorted(K.UNARY), sorted(K.BINARY)

    @given(
        a=arrays(),
        b=st.one_of(arrays(), FLOATS, edge_int()),
        op=st.sampled_from(binary),
        u=st.sampled_from(unary),
    )
    def run(a, b, op, u):
        _ok(K.unary, K.UNARY[u], a)
        r = _ok(K.binary, K.BINARY[op], a, b)
        if r is not None:
            assert r.shape == np.broadcast_shapes(a.shape, np.shape(b))
        if a.flags.writeable and a.size < 10**6:
            _ok(K.binary_into, K.BINARY[op], a.copy(), b)
        _ok(K.unary_backward, K.UNARY_BACKWARD["relu"], a, b)

    return run


def target_softmax_cross_entropy():
    from minigrad import _nn_kernels as NK

    @given(x=arrays(max_dims=3), dim=edge_int(), take_log=st.booleans(), t=st.lists(edge_int(), max_size=6),
           ignore=edge_int(), weighted=st.booleans())  # fmt: skip
    def run(x, dim, take_log, t, ignore, weighted):
        s = _ok(NK.softmax, x, dim, take_log)
        if s is not None:
            assert s.shape == x.shape
            _ok(NK.softmax_backward, np.ones_like(s), s, dim, take_log)
        target = np.asarray([v for v in t if -(2**63) <= v < 2**63], dtype=np.int64)
        if x.ndim >= 1:
            target = np.resize(target, (x.shape[0],) + x.shape[2:]) if target.size else target
        weight = np.ones(x.shape[1], x.dtype) if weighted and x.ndim >= 2 else None
        if -(2**63) <= ignore < 2**63:
            _ok(NK.cross_entropy, x, target, weight, ignore)
            _ok(NK.cross_entropy_backward, np.ones(target.shape, x.dtype), x, target, weight, ignore)

    return run


def target_optimizers():
    from minigrad import _optim_kernels as OK

    @given(p=arrays(max_dims=2), g=arrays(max_dims=2), lr=FLOATS, momentum=FLOATS, first=st.booleans())
    def run(p, g, lr, momentum, first):
        p = p.copy() if p.flags.writeable or p.size < 10**6 else p
        buf = np.zeros_like(p) if p.size < 10**6 else None
        _ok(OK.sgd, p, g, buf, lr=lr, momentum=momentum, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False, first_step=first)  # fmt: skip
        m, v = (np.zeros_like(p), np.zeros_like(p)) if p.size < 10**6 else (p, p)
        _ok(OK.adam, p, g, m, v, None, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decay=1.0,
            step_size=lr, bias_correction2_sqrt=1.0, maximize=False)  # fmt: skip

    return run


def target_indexing():
    import minigrad

    @given(shape=st.lists(small(0, 4), min_size=1, max_size=3), i=edge_int(), j=edge_int(),
           dim=edge_int(), idx=st.lists(edge_int(), max_size=4))  # fmt: skip
    def run(shape, i, j, dim, idx):
        x = minigrad.randn(*shape, requires_grad=True)
        _ok(lambda: x[i])
        _ok(lambda: x[i:j])
        _ok(lambda: x[..., idx])
        _ok(minigrad.index_select, x, dim, minigrad.tensor(idx, dtype=minigrad.int64) if all(
            -(2**63) <= v < 2**63 for v in idx) else minigrad.zeros(0, dtype=minigrad.int64))  # fmt: skip
        _ok(minigrad.narrow, x, dim, i, j)
        y = _ok(lambda: x.expand(j, *shape))
        if y is not None and y.numel() < 10**6:
            y.sum().backward()

    return run


def target_planes():
    from minigrad import _conv_kernels as CK

    # indices around the plane's end: check_memory.sh's canary removes scatter_add_planes'
    # range check, and the first example (one past the end) must then be valgrind's finding
    @example(planes=1, per_plane=4, plane_size=4, offsets=[0, 1, 2, 4], dtype=np.float64)
    @given(
        planes=small(0, 3), per_plane=small(0, 4), plane_size=st.one_of(small(0, 5), st.sampled_from(EDGES)),
        offsets=st.lists(st.one_of(small(-2, 6), st.sampled_from(EDGES)), max_size=12),
        dtype=st.sampled_from([np.float32, np.float64]),
    )  # fmt: skip
    def run(planes, per_plane, plane_size, offsets, dtype):
        shape = (planes, per_plane)
        idx = np.resize(np.asarray([v for v in offsets if -(2**63) <= v < 2**63] or [0], np.int64), shape)
        g = np.ones(shape, dtype)
        if 0 <= plane_size <= 64:
            out = _ok(CK.scatter_add_planes, g, idx, plane_size)
            if out is not None:
                assert out.shape == (planes, plane_size) and out.sum() == g.size, (out.shape, out.sum())
                back = _ok(CK.gather_planes, out, idx)
                assert back is not None and back.shape == shape
        else:
            _ok(CK.scatter_add_planes, g, idx, plane_size)  # a huge plane: MemoryError or refused
        _ok(CK.gather_planes, np.ones((planes, min(max(plane_size, 0), 64)), dtype), idx)

    return run


def target_rows():
    """The row scatter behind x[int_array]'s backward (an embedding's): indices past either
    end, negative ones, rows 0, and the same through the tape."""
    import minigrad
    from minigrad import _conv_kernels as CK

    @given(
        k=small(0, 5), width=small(0, 3), rows=st.one_of(small(0, 5), st.sampled_from(EDGES)),
        offsets=st.lists(st.one_of(small(-6, 6), st.sampled_from(EDGES)), max_size=8),
        dtype=st.sampled_from([np.float32, np.float64]),
    )  # fmt: skip
    def run(k, width, rows, offsets, dtype):
        idx = np.resize(np.asarray([v for v in offsets if -(2**63) <= v < 2**63] or [0], np.int64), (k,))
        g = np.ones((k, width), dtype)
        if 0 <= rows <= 64:
            out = _ok(CK.scatter_add_rows, g, idx, rows)
            if out is not None:
                assert out.shape == (rows, width) and out.sum() == g.size, (out.shape, out.sum())
            w = minigrad.randn(rows, width, requires_grad=True)
            picked = _ok(lambda: w[minigrad.tensor(idx)])
            if picked is not None:
                picked.sum().backward()
                assert w.grad.sum().item() == picked.numel()
        else:
            _ok(CK.scatter_add_rows, g, idx, rows)  # a huge table: MemoryError or refused

    return run


TARGETS = {
    "conv2d": target_conv2d,
    "conv1d": target_conv1d,
    "pool2d": target_pool2d,
    "im2col": target_im2col,
    "elementwise": target_elementwise,
    "softmax_cross_entropy": target_softmax_cross_entropy,
    "optimizers": target_optimizers,
    "indexing": target_indexing,
    "planes": target_planes,
    "rows": target_rows,
}


# ----------------------------------------------------------------------------- driver


def _cap_memory():
    # a 4 GiB address space: an allocation that fits the machine but not a fuzzer (an edge
    # padding of 2**31 - 1 asks for 16 GiB) is a MemoryError here, not the OOM killer
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def child(name, examples, seed):
    """Run one target for ``examples`` examples; print how many ran, or the finding."""
    _cap_memory()
    print(f"RAN {_run_target(name, examples, seed)}")


def _run_target(name, examples, seed, count=None):
    """One round of a target: ``examples`` examples from ``seed``; returns how many ran (also
    counted in ``count[0]``, which a failing round leaves counted). A finding is hypothesis's
    exception (after shrinking), raised."""
    run = TARGETS[name]()
    count = [0] if count is None else count
    inner = run.hypothesis.inner_test

    def counted(*a, **kw):
        count[0] += 1
        return inner(*a, **kw)

    run.hypothesis.inner_test = counted
    configured = settings(
        max_examples=examples, deadline=None, database=None, derandomize=False, print_blob=True,
        suppress_health_check=list(HealthCheck),
    )(run)  # fmt: skip
    import hypothesis

    hypothesis.seed(seed)(configured)()
    return count[0]


def in_process(names, seconds, examples):
    """Every target in this process, each its share of ``seconds`` in rounds of ``examples``.
    Returns (examples tried per target, findings)."""
    _cap_memory()
    for name in names:  # each target's imports (minigrad: most of a start under valgrind) first
        TARGETS[name]()
    tried, findings = dict.fromkeys(names, 0), []
    start = time.monotonic()
    for k, name in enumerate(names):
        end = time.monotonic() + (start + seconds - time.monotonic()) / (len(names) - k)
        rnd = 0
        while rnd == 0 or time.monotonic() < end:
            print(f"TARGET {name} round {rnd}", flush=True)  # what was running, should this crash
            count = [0]
            try:
                _run_target(name, examples, rnd, count)
            except Exception:  # noqa: BLE001 - hypothesis's failing example: a finding
                findings.append((name, rnd, "failed", traceback.format_exc()[-3000:]))
                print(f"FINDING {name} (round {rnd}): failed\n{findings[-1][3]}", flush=True)
            tried[name] += count[0]
            rnd += 1
        print(f"{name}: {tried[name]} examples in {rnd} rounds", flush=True)
    return tried, findings


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="time budget for all targets together")
    ap.add_argument("--examples", type=int, default=100, help="examples per target per round")
    ap.add_argument("--only", default="", help="comma-separated targets (default: all)")
    ap.add_argument(
        "--under", default="", help="a command to run each target's child process under (valgrind ...)"
    )
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="run every target in this process (one start, e.g. under valgrind)",
    )
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    names = [n for n in args.only.split(",") if n] or list(TARGETS)
    start = time.monotonic()
    if args.in_process:
        if args.under:
            ap.error("--in-process runs in this process: start it under the command instead of --under")
        tried, findings = in_process(names, args.seconds, args.examples)
        print(
            f"fuzz: {sum(tried.values())} examples over {len(names)} targets in one process, "
            f"{len(findings)} findings ({time.monotonic() - start:.0f} s with the imports)"
        )
        return 1 if findings else 0
    tried, findings = dict.fromkeys(names, 0), []
    for k, name in enumerate(names):
        # each target its share of what is left (at least one round), so a slow machine still
        # reaches every target
        end = time.monotonic() + (start + args.seconds - time.monotonic()) / (len(names) - k)
        rnd = 0
        while rnd == 0 or time.monotonic() < end:
            cmd = [*shlex.split(args.under), sys.executable, os.path.abspath(__file__)]
            cmd += ["--child", name, str(args.examples), str(rnd)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            ran = [int(line.split()[1]) for line in out.stdout.splitlines() if line.startswith("RAN ")]
            tried[name] += ran[0] if ran else 0
            if out.returncode != 0:
                kind = f"killed by signal {-out.returncode}" if out.returncode < 0 else "failed"
                findings.append((name, rnd, kind, out.stderr[-3000:]))
                print(f"FINDING {name} (round {rnd}): {kind}\n{out.stderr[-3000:]}", flush=True)
            rnd += 1
        print(f"{name}: {tried[name]} examples in {rnd} rounds", flush=True)
    print(f"fuzz: {sum(tried.values())} examples over {len(names)} targets, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
