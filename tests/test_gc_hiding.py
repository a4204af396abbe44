"""Recorded nodes hidden from the cyclic garbage collector (``_tape.pyx``, "Garbage collection").

A graph by itself has no reference cycles, so its nodes are hidden from ``gc`` (it would
otherwise revisit the whole tape on every collection). These tests check both halves of the
bargain: plain graphs are hidden and still freed by reference counting, and every way of
closing a cycle through a graph (hooks, a ``.grad`` with a graph, create_graph backward,
attributes of a Tensor subclass) leaves a graph the collector can free. ``live_nodes()``
counts nodes whether gc sees them or not, so a leak of hidden nodes shows there.
(conftest.py starts each test with hiding on, as in a fresh process.)
"""

import gc
import os
import weakref

import pytest
from child_process import run_python

import minigrad
from minigrad import _tape, nn

N_LONG = int(os.environ.get("MINIGRAD_LONG_CHAIN", 100_000))  # smaller under valgrind


def _chain(x, n=50):
    y = x
    for _ in range(n):
        y = minigrad.tanh(y * 1.01 + 0.01)
    return y


@pytest.fixture
def no_auto_gc():
    """Collections only where the test asks for them."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def test_plain_graphs_are_hidden_and_freed_by_refcount(no_auto_gc):
    base = _tape.live_nodes()
    x = minigrad.randn(3, requires_grad=True)
    y = _chain(x)
    assert _tape.live_nodes() - base == 150
    assert not gc.is_tracked(y.grad_fn)
    assert not gc.is_tracked(y.grad_fn.next_functions[0][0])
    y.sum().backward()
    del y
    assert _tape.live_nodes() == base  # no collection needed


def test_a_fresh_process_hides_nodes():
    code = (
        "import gc, minigrad; x = minigrad.ones(2, requires_grad=True); y = x * 2 + 1; "
        "print(minigrad._tape._gc_hiding(), gc.is_tracked(y.grad_fn))"
    )
    out = run_python(code, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_a_hook_on_a_leaf_whose_closure_holds_a_later_graph_is_collected(no_auto_gc):
    base = _tape.live_nodes()
    x = minigrad.randn(3, requires_grad=True)
    z = _chain(x)  # built while nodes are hidden
    assert not gc.is_tracked(z.grad_fn)
    x.register_hook(lambda g, z=z: g)  # x -> hook -> z -> nodes -> x: a cycle
    assert not _tape._gc_hiding()
    assert gc.is_tracked(z.grad_fn)  # handed back to the collector
    ref = weakref.ref(x)
    del x, z
    assert _tape.live_nodes() > base  # the cycle keeps them alive...
    gc.collect()
    assert ref() is None and _tape.live_nodes() == base  # ...until gc frees it
    assert gc.garbage == []


def test_a_hook_on_a_non_leaf_holding_a_later_graph_is_collected(no_auto_gc):
    base = _tape.live_nodes()
    x = minigrad.randn(3, requires_grad=True)
    y = x * 2
    z = _chain(y)
    y.register_hook(lambda g, z=z: g)  # y -> its node -> hook -> z -> nodes -> y's node
    del x, y, z
    gc.collect()
    assert _tape.live_nodes() == base


def test_a_grad_that_carries_a_graph_is_collected(no_auto_gc):
    base = _tape.live_nodes()
    x = minigrad.randn(3, requires_grad=True)
    g = _chain(x)
    x.grad = g  # x -> grad -> nodes -> x
    del x, g
    gc.collect()
    assert _tape.live_nodes() == base


def test_create_graph_backward_into_grad_is_collected(no_auto_gc):
    """PyTorch warns that backward(create_graph=True) makes x -> x.grad -> graph -> x."""
    base = _tape.live_nodes()
    x = minigrad.randn(3, requires_grad=True)
    y = _chain(x)
    y.sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None
    del x, y
    gc.collect()
    assert _tape.live_nodes() == base


def test_graphs_downstream_of_a_subclass_stay_visible_and_collectable(no_auto_gc):
    """A Parameter has a __dict__: an attribute can point at a graph that uses it."""
    base = _tape.live_nodes()
    p = nn.Parameter(minigrad.randn(3))
    y = _chain(p * 1.0)
    assert gc.is_tracked(y.grad_fn)  # tracked all the way down from the Parameter
    p.cache = y  # p -> dict -> y -> nodes -> p
    del p, y
    gc.collect()
    assert _tape.live_nodes() == base
    assert _tape._gc_hiding()  # no hook was involved: hiding goes on


def test_a_long_hidden_chain_frees_without_recursion_trouble(no_auto_gc):
    base = _tape.live_nodes()
    x = minigrad.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(N_LONG):
        y = y * 1.0
    assert _tape.live_nodes() - base == N_LONG
    del y
    assert _tape.live_nodes() == base


def test_a_custom_functions_ctx_holding_a_later_graph_is_collected(no_auto_gc):
    """A Function's node stays visible to gc, and so does everything downstream of it: a
    ctx attribute pointing at a graph built from its output closes a collectable cycle."""
    base = _tape.live_nodes()
    x = minigrad.randn(3, requires_grad=True)
    a = x * 3  # upstream of the Function: hidden
    y = minigrad.cat([a])  # cat is an autograd.Function with a ctx
    z = _chain(y)  # downstream: visible
    assert not gc.is_tracked(a.grad_fn) and gc.is_tracked(z.grad_fn)
    y.grad_fn.ctx.later = z  # ctx -> z -> nodes -> the Function's node -> ctx
    del x, a, y, z
    assert _tape.live_nodes() > base
    gc.collect()
    assert _tape.live_nodes() == base
    assert _tape._gc_hiding()
