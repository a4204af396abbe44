"""The graph frees (issue 8): building and dropping graphs many times holds memory flat, a
``retain_graph=True`` graph dies with its last reference, and hooks, ``retain_grad`` and
custom Functions leave no uncollectable cycles.

Memory is measured two ways after a warm-up: the process's resident set size (from
/proc/self/statm, Linux) and ``len(gc.get_objects())`` (every object the collector tracks)
plus ``_tape.live_nodes()`` (graph nodes, which the collector may not see: test_gc_hiding.py).
A leak of one small object per iteration shows up as +10,000 objects, far above the
tolerances below; a leak of the tensors' buffers as megabytes of RSS.

Most tests also run with the cycle collector *disabled* while the graph lives: the tape is
owned by reference counting alone (a tensor owns its grad_fn, a node its inputs' nodes), so
dropping the last tensor frees the whole graph at once, without waiting for ``gc``.
"""

import gc
import os
import weakref

import numpy as np
import pytest

import minigrad
from minigrad import _tape, autograd, nn

ITERATIONS = 10_000
WARMUP = 1_000
OBJECT_TOLERANCE = 200  # tracked objects (caches, interned ints, pytest's own)
RSS_TOLERANCE = 4 * 2**20  # bytes: allocator noise, far below 10,000 leaked graphs


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _flat(step, iterations=ITERATIONS, warmup=WARMUP):
    """Run ``step`` warmup times, measure, run it ``iterations`` times, measure again:
    returns (objects grown, RSS grown in bytes)."""
    for _ in range(warmup):
        step()
    gc.collect()
    objects, rss = _objects(), _rss()
    for _ in range(iterations):
        step()
    gc.collect()
    return _objects() - objects, _rss() - rss


def _objects():
    return len(gc.get_objects()) + _tape.live_nodes()


needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS read from /proc (Linux)")


@needs_proc
def test_building_and_dropping_graphs_holds_memory_flat():
    x = minigrad.randn(4, 3, requires_grad=True)
    w = minigrad.randn(3, 2, requires_grad=True)

    def step():
        loss = ((x @ w).tanh() * 2 + x.sum()).softmax(-1).log().mean()
        loss.backward()
        x.grad = None
        w.grad = None

    objects, rss = _flat(step)
    assert objects < OBJECT_TOLERANCE, f"{objects} more tracked objects after {ITERATIONS} graphs"
    assert rss < RSS_TOLERANCE, f"RSS grew by {rss / 2**20:.1f} MiB over {ITERATIONS} graphs"


@needs_proc
def test_graphs_dropped_without_backward_hold_memory_flat():
    x = minigrad.randn(8, requires_grad=True)

    def step():
        y = x.exp() * x.sigmoid()
        y[2:].sum()  # dropped: never backpropagated

    objects, rss = _flat(step)
    assert objects < OBJECT_TOLERANCE and rss < RSS_TOLERANCE, (objects, rss)


@needs_proc
def test_training_steps_of_a_small_model_hold_memory_flat():
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = minigrad.optim.Adam(model.parameters(), lr=1e-3)
    x, t = minigrad.randn(5, 4), minigrad.tensor([0, 1, 2, 1, 0])

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), t).backward()
        opt.step()

    objects, rss = _flat(step, iterations=3_000, warmup=300)
    assert objects < OBJECT_TOLERANCE and rss < RSS_TOLERANCE, (objects, rss)


@needs_proc
def test_double_backward_loop_holds_memory_flat_when_grads_are_cleared():
    x = minigrad.randn(5, requires_grad=True)

    def step():
        y = (x**3).sum()
        (g,) = autograd.grad(y, x, create_graph=True)
        (g * g).sum().backward()  # gradient penalty: backward through the backward
        x.grad = None

    objects, rss = _flat(step, iterations=3_000, warmup=300)
    assert objects < OBJECT_TOLERANCE and rss < RSS_TOLERANCE, (objects, rss)


@needs_proc
def test_backward_with_create_graph_into_grad_frees_when_grad_is_cleared():
    """``y.backward(create_graph=True)`` makes x.grad hold a graph that reaches x: a cycle
    (PyTorch warns about it). Clearing .grad must break it."""
    x = minigrad.randn(5, requires_grad=True)

    def step():
        (x**3).sum().backward(create_graph=True)
        x.grad = None

    objects, rss = _flat(step, iterations=3_000, warmup=300)
    assert objects < OBJECT_TOLERANCE and rss < RSS_TOLERANCE, (objects, rss)


class _NoGC:
    """Disable the cycle collector in the block: what dies there died by refcount alone."""

    def __enter__(self):
        gc.collect()
        self.was = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        if self.was:
            gc.enable()


def test_retain_graph_graph_frees_when_dropped():
    x = minigrad.randn(3, requires_grad=True)
    with _NoGC():
        y = (x * 2).tanh()
        loss = (y * y).sum()
        loss.backward(retain_graph=True)
        loss.backward(retain_graph=True)  # the graph is kept alive on purpose ...
        refs = [weakref.ref(o) for o in (y, loss, y.grad_fn, loss.grad_fn)]
        del y, loss
        assert all(r() is None for r in refs), "... and dies with its last reference"


def test_hooks_and_retain_grad_leave_no_cycles():
    x = minigrad.randn(3, requires_grad=True)
    seen = []
    with _NoGC():
        y = x * 3
        y.retain_grad()
        y.register_hook(lambda g: seen.append(g.shape) or g * 2)
        x.register_hook(lambda g: g + 1)
        loss = y.sum()
        loss.backward()
        refs = [weakref.ref(o) for o in (y, y.grad, loss, loss.grad_fn, y.grad_fn)]
        del y, loss
        assert all(r() is None for r in refs), "freed by reference counting alone"
    assert seen == [(3,)]


def test_a_hook_that_captures_its_own_tensor_is_collectable():
    """A closure that holds the tensor it is registered on is a cycle; the collector must be
    able to free it (the types take part in gc), with nothing left in gc.garbage."""
    x = minigrad.randn(3, requires_grad=True)
    with _NoGC():
        y = x * 2
        y.register_hook(lambda g, y=y: g * y.detach())
        ref = weakref.ref(y)
        del y
    assert gc.collect() > 0
    assert ref() is None and gc.garbage == []


class _Scale(autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.k, None


class _SaveOutput(autograd.Function):
    """Saves its own output: the classic ctx -> output -> grad_fn -> ctx cycle."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


@pytest.mark.parametrize("fn", [_Scale, _SaveOutput])
def test_custom_functions_free_their_graph(fn):
    """After backward (which releases ctx's saved tensors) the output, its node and ctx die
    by reference counting, even for a Function that saved its own output."""
    x = minigrad.randn(3, requires_grad=True)
    gc.collect()
    before = len(gc.get_objects())
    with _NoGC():
        for _ in range(500):
            y = fn.apply(x, 2.0) if fn is _Scale else fn.apply(x)
            ref, node = weakref.ref(y), weakref.ref(y.grad_fn)
            y.sum().backward()
            del y
            assert ref() is None and node() is None
        x.grad = None
    gc.collect()
    assert gc.garbage == []
    assert len(gc.get_objects()) - before < OBJECT_TOLERANCE


def test_a_function_that_saved_its_output_and_was_never_backpropagated_is_collectable():
    """Without backward, ctx -> output -> grad_fn -> ctx is a true cycle: gc must free it."""
    x = minigrad.randn(3, requires_grad=True)
    with _NoGC():
        y = _SaveOutput.apply(x)
        ref = weakref.ref(y)
        del y
    gc.collect()
    assert ref() is None and gc.garbage == []


def test_custom_function_without_backward_call_frees_by_refcount():
    x = minigrad.randn(3, requires_grad=True)
    with _NoGC():
        y = _Scale.apply(x, 3.0)
        refs = [weakref.ref(y), weakref.ref(y.grad_fn)]
        del y
        assert all(r() is None for r in refs)


def test_tensor_buffers_are_released_with_the_graph():
    """The arrays a graph saved (here 8 MB of them) go when the graph goes."""
    x = minigrad.tensor(np.random.default_rng(0).normal(size=(1000, 1000)), requires_grad=True)
    with _NoGC():
        y = x.tanh()  # saves its 8 MB output
        buf = weakref.ref(y)
        z = (y * y).sum()
        del y
        assert buf() is not None  # still needed by z's graph
        del z
        assert buf() is None
