"""Backward inside backward and backward from many threads (issues 14 and 16): per-run state
lives in the run, never on the shared nodes and leaves, and accumulation into a shared
leaf's .grad is serialised.

The hammer tests shorten the interpreter's switch interval so that the threads really
interleave inside the engine (every few microseconds), and compare with the same work done
on one thread.
"""

import sys
import threading

import numpy as np
import pytest

import minigrad
from minigrad import autograd
from minigrad.autograd import Function

f64 = minigrad.float64


@pytest.fixture
def interleave():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _run_threads(n, target):
    errors = []

    def run(k):
        try:
            target(k)
        except BaseException as e:  # noqa: BLE001 - reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


# ----------------------------------------------------------------------------- reentrant


class InnerBackward(Function):
    """backward runs a whole backward of another graph (which shares the leaf ``w``)."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        with minigrad.enable_grad():
            inner = (w * w * 3).sum()  # d/dw = 6 w, accumulated into w.grad by the inner run
        autograd.backward(inner)
        return g * 2, None


def test_backward_inside_a_functions_backward_gives_correct_grads():
    x = minigrad.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    w = minigrad.tensor([0.5, -1.0], dtype=f64, requires_grad=True)
    y = InnerBackward.apply(x * w, w)  # the outer graph reaches w through x * w too
    (y * y).sum().backward()
    xw = (x * w).detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 8 * xw * w.detach().numpy())
    np.testing.assert_allclose(w.grad.numpy(), 8 * xw * x.detach().numpy() + 6 * w.detach().numpy())


class InnerGrad(Function):
    """backward uses autograd.grad on a graph recomputed from a detached input."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.tanh()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with minigrad.enable_grad():
            xd = x.detach().requires_grad_()
            (gx,) = autograd.grad(xd.tanh(), xd, g)
        return gx


def test_autograd_grad_inside_a_functions_backward():
    x = minigrad.tensor([0.3, -0.7, 1.2], dtype=f64, requires_grad=True)
    (InnerGrad.apply(x * 1.5) * x).sum().backward()
    v = x.detach().numpy()
    want = 1.5 * v * (1 - np.tanh(1.5 * v) ** 2) + np.tanh(1.5 * v)
    np.testing.assert_allclose(x.grad.numpy(), want)


def test_reentrant_backward_through_the_outer_graphs_own_nodes():
    # the inner run walks nodes the outer run is in the middle of (retain_graph on both)
    x = minigrad.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    h = x.exp()
    seen = []

    class Peek(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            with minigrad.enable_grad():
                total = h.sum()
            seen.append(autograd.grad(total, x, retain_graph=True)[0].numpy().copy())
            return g

    (Peek.apply(h) * h).sum().backward(retain_graph=True)
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(seen[0], e)
    np.testing.assert_allclose(x.grad.numpy(), 2 * e * e)


def test_nested_checkpoint_style_recompute_many_levels():
    class Level(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            with minigrad.enable_grad():
                xd = x.detach().requires_grad_()
                y = xd.sin()
            autograd.backward(y, g)
            return xd.grad

    x = minigrad.tensor([0.1, 0.2], dtype=f64, requires_grad=True)
    y = x
    for _ in range(5):
        y = Level.apply(y)
    y.sum().backward()
    v, d = x.detach().numpy(), np.ones(2)
    for _ in range(5):
        d = d * np.cos(v)
        v = np.sin(v)
    np.testing.assert_allclose(x.grad.numpy(), d)


# ----------------------------------------------------------------------------- threads


def _deep(w, x, depth):
    h = x
    for i in range(depth):
        h = (h * w + 0.01 * i).tanh()
    return h.sum()


@pytest.mark.parametrize("n_threads", [4, 8])
def test_hammer_grad_over_one_shared_graph(interleave, n_threads):
    w = minigrad.tensor(np.linspace(0.5, 1.0, 8), dtype=f64, requires_grad=True)
    x = minigrad.tensor(np.linspace(-1.0, 1.0, 8), dtype=f64, requires_grad=True)
    loss = _deep(w, x, 60)
    want = [g.numpy().copy() for g in autograd.grad(loss, (w, x), retain_graph=True)]

    def work(_):
        for _ in range(25):
            gw, gx = autograd.grad(loss, (w, x), retain_graph=True)
            np.testing.assert_array_equal(gw.numpy(), want[0])
            np.testing.assert_array_equal(gx.numpy(), want[1])

    _run_threads(n_threads, work)


@pytest.mark.parametrize("n_threads", [4, 8])
def test_hammer_backward_on_own_deep_graphs_sharing_a_leaf(interleave, n_threads):
    w = minigrad.tensor(np.linspace(0.5, 1.0, 16), dtype=f64, requires_grad=True)
    xs = [minigrad.tensor(np.full(16, 0.1 * (k + 1)), dtype=f64) for k in range(n_threads)]
    rounds, depth = 15, 80
    expect = np.zeros(16)
    for x in xs:
        (g,) = autograd.grad(_deep(w, x, depth), w)
        expect += rounds * g.numpy()

    def work(k):
        for _ in range(rounds):
            _deep(w, xs[k], depth).backward()

    _run_threads(n_threads, work)
    np.testing.assert_allclose(w.grad.numpy(), expect, rtol=1e-12)


@pytest.mark.parametrize("n_threads", [4, 8])
def test_hammer_backward_through_shared_nodes_into_shared_leaves(interleave, n_threads):
    # every thread's loss goes through the same intermediate nodes (h) into the same leaf
    w = minigrad.tensor(np.linspace(-1.0, 1.0, 32), dtype=f64, requires_grad=True)
    h = w
    for _ in range(40):
        h = (h * 0.9).sin() + h
    rounds = 15
    losses = [(h * (k + 1)).tanh().sum() for k in range(n_threads)]
    expect = sum(autograd.grad(loss, w, retain_graph=True)[0].numpy() for loss in losses) * rounds

    def work(k):
        for _ in range(rounds):
            losses[k].backward(retain_graph=True)

    _run_threads(n_threads, work)
    np.testing.assert_allclose(w.grad.numpy(), expect, rtol=1e-12)


def test_hammer_large_leaf_accumulation_is_serialised(interleave):
    # numpy releases the GIL inside big in-place adds: without a lock, two threads adding
    # into one .grad lose updates
    w = minigrad.zeros(200_000, dtype=f64, requires_grad=True)
    rounds = 20

    def work(k):
        for _ in range(rounds):
            (w * float(k + 1)).sum().backward()

    _run_threads(4, work)
    np.testing.assert_array_equal(w.grad.numpy(), np.full(200_000, rounds * (1 + 2 + 3 + 4.0)))
