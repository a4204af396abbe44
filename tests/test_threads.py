"""Threads (issue 8): grad mode is per thread, and two threads training two models at once
get bit-identical parameters to training them one after the other.

The switch interval is shortened during these tests so that the threads really interleave
(every few microseconds, inside forward, backward and optimizer steps), rather than each
running to completion within one default 5 ms slice.
"""

import sys
import threading

import numpy as np
import pytest

import minigrad
from minigrad import nn


@pytest.fixture
def interleave():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _run(*targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - reported to the main thread
                errors.append(e)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_grad_mode_is_per_thread(interleave):
    x = minigrad.ones(3, requires_grad=True)
    inside = threading.Barrier(2)
    seen = {}

    def without_grad():
        with minigrad.no_grad():
            inside.wait()  # both threads are now inside their blocks
            seen["no_grad"] = [(x * 2).requires_grad, minigrad.is_grad_enabled()]
            inside.wait()

    def with_grad():
        inside.wait()
        seen["grad"] = [(x * 2).requires_grad, minigrad.is_grad_enabled()]
        inside.wait()

    _run(without_grad, with_grad)
    assert seen == {"no_grad": [False, False], "grad": [True, True]}
    assert minigrad.is_grad_enabled()  # the main thread was never affected


def test_a_new_thread_starts_with_grad_enabled():
    seen = []
    with minigrad.no_grad():
        _run(lambda: seen.append(minigrad.is_grad_enabled()))
    assert seen == [True]


def test_set_grad_enabled_in_a_thread_does_not_leak_out():
    _run(lambda: minigrad.set_grad_enabled(False))
    assert minigrad.is_grad_enabled()


def _mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 4))


def _cnn():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 4))


def _setup(kind):
    """A model, its optimizer and data, all from a fixed seed (built in the main thread: the
    random generator is global)."""
    minigrad.manual_seed(1 if kind == "mlp" else 2)
    if kind == "mlp":
        model = _mlp()
        opt = minigrad.optim.Adam(model.parameters(), lr=1e-2)
        x = minigrad.randn(32, 6)
    else:
        model = _cnn()
        opt = minigrad.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
        x = minigrad.randn(16, 1, 6, 6)
    t = minigrad.randint(0, 4, (x.shape[0],))
    return model, opt, x, t


def _trainer(model, opt, x, t, steps=60):
    def train():
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), t)
            loss.backward()
            opt.step()

    return train


def _params(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_two_threads_training_two_models_match_training_them_in_turn(interleave):
    sequential = [_setup("mlp"), _setup("cnn")]
    for model, opt, x, t in sequential:
        _trainer(model, opt, x, t)()
    concurrent = [_setup("mlp"), _setup("cnn")]
    _run(*[_trainer(*s) for s in concurrent])
    for (a, *_), (b, *_) in zip(sequential, concurrent):
        for pa, pb in zip(_params(a), _params(b)):
            np.testing.assert_array_equal(pa, pb)  # bit-identical, not merely close
    assert not np.array_equal(_params(sequential[0][0])[0], _params(_setup("mlp")[0])[0])  # it did train


def test_many_threads_backward_through_their_own_graphs_on_a_shared_leaf(interleave):
    """Graphs built and backpropagated concurrently from one shared leaf: each thread's
    gradient (from autograd.grad, which does not accumulate) is exactly its own."""
    w = minigrad.randn(5, 5, dtype=minigrad.float64, requires_grad=True)
    results = {}

    def worker(k):
        def run():
            for _ in range(50):
                x = minigrad.full((5,), float(k), dtype=minigrad.float64)
                (g,) = minigrad.autograd.grad(((w @ x).tanh() * k).sum(), w)
            results[k] = g.numpy()

        return run

    _run(*[worker(k) for k in range(1, 5)])
    for k in range(1, 5):
        x = minigrad.full((5,), float(k), dtype=minigrad.float64)
        (expected,) = minigrad.autograd.grad(((w @ x).tanh() * k).sum(), w)
        np.testing.assert_array_equal(results[k], expected.numpy())
