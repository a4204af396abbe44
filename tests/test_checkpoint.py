"""autograd.graph.saved_tensors_hooks, save_on_cpu and utils.checkpoint (issue 14): the hooks
see every saved tensor, checkpointing frees the inner activations (measured with
tracemalloc: numpy reports its buffers to it) and recomputes them with identical
gradients, in both the reentrant and the non-reentrant form."""

import tracemalloc

import numpy as np
import pytest

import minigrad
from minigrad import autograd, nn
from minigrad.autograd.graph import save_on_cpu, saved_tensors_hooks
from minigrad.utils.checkpoint import checkpoint, checkpoint_sequential

f64 = minigrad.float64


# ----------------------------------------------------------------------------- saved tensor hooks


def test_pack_sees_each_saved_tensor_and_unpack_gives_it_back():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    packed, unpacked = [], []

    def pack(t):
        packed.append(t.detach().numpy().copy())
        return len(packed) - 1

    def unpack(i):
        unpacked.append(i)
        return minigrad.tensor(packed[i])

    with saved_tensors_hooks(pack, unpack):
        y = (x.exp() * x).sum()  # exp saves its output, mul saves both inputs
    y.backward()
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), e * np.array([1.0, 2.0, 3.0]) + e, rtol=1e-6)
    assert len(packed) == 3 and sorted(unpacked) == [0, 1, 2]


def test_hooks_apply_only_inside_the_context_and_to_custom_functions():
    calls = []
    x = minigrad.ones(2, requires_grad=True)

    class Square(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return 2 * t * g

    with saved_tensors_hooks(lambda t: calls.append("pack") or t, lambda t: calls.append("unpack") or t):
        y = Square.apply(x)
    z = (y * x).sum()  # recorded outside: no hooks
    z.backward()
    assert calls == ["pack", "unpack"]
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_hooks_are_per_thread():
    import threading

    calls = []
    x = minigrad.ones(2, requires_grad=True)
    seen = []
    with saved_tensors_hooks(lambda t: calls.append(1) or t, lambda t: t):
        th = threading.Thread(target=lambda: seen.append((x * x).grad_fn))
        th.start()
        th.join()
    assert calls == [] and seen[0] is not None


def test_save_on_cpu_changes_nothing():
    x = minigrad.tensor([1.0, -2.0], dtype=f64, requires_grad=True)
    with save_on_cpu(pin_memory=True):
        y = (x.tanh() * x).sum()
    y.backward()
    v = np.array([1.0, -2.0])
    np.testing.assert_allclose(x.grad.numpy(), np.tanh(v) + v * (1 - np.tanh(v) ** 2))


def test_inplace_change_is_still_detected_through_identity_hooks():
    x = minigrad.ones(2, requires_grad=True)
    with save_on_cpu():
        h = x * 2
        y = (h * h).sum()
    with minigrad.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ----------------------------------------------------------------------------- checkpoint


def _mlp(depth=20, width=64, seed=0):
    minigrad.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.Tanh()]
    return nn.Sequential(*layers)


def _grads(model, x):
    return [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_sequential_gives_identical_grads(use_reentrant):
    model = _mlp(depth=8, width=16)
    x = minigrad.randn(4, 16, requires_grad=True)
    model(x).pow(2).sum().backward()
    plain = _grads(model, x)
    model.zero_grad()
    x.grad = None
    out = checkpoint_sequential(model, 4, x, use_reentrant=use_reentrant)
    out.pow(2).sum().backward()
    for a, b in zip(plain, _grads(model, x)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_replays_the_random_state(use_reentrant):
    drop = nn.Dropout(0.5)
    lin = nn.Linear(8, 8)
    x = minigrad.randn(16, 8, requires_grad=True)
    minigrad.manual_seed(3)
    lin(drop(x)).sum().backward()
    plain = x.grad.numpy().copy()
    x.grad = None
    lin.zero_grad()
    minigrad.manual_seed(3)
    checkpoint(lambda t: lin(drop(t)), x, use_reentrant=use_reentrant).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), plain)


def test_non_reentrant_checkpoint_reaches_parameters_when_the_input_needs_no_grad():
    lin = nn.Linear(4, 3)
    x = minigrad.randn(2, 4)
    checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=False).sum().backward()
    got = lin.weight.grad.numpy().copy()
    lin.zero_grad()
    lin(x).tanh().sum().backward()
    np.testing.assert_array_equal(got, lin.weight.grad.numpy())


def test_reentrant_checkpoint_refuses_autograd_grad():
    lin = nn.Linear(3, 3)
    x = minigrad.randn(2, 3, requires_grad=True)
    y = checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=True).sum()
    with pytest.raises(RuntimeError, match="incompatible with .grad()"):
        autograd.grad(y, x)


def test_checkpoint_without_use_reentrant_warns():
    x = minigrad.randn(2, 3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t.tanh(), x)


def test_reentrant_checkpoint_warns_when_no_input_requires_grad():
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        checkpoint(lambda t: t * 2, minigrad.ones(2), use_reentrant=True)


def test_checkpoint_frees_the_graph_after_backward():
    model = _mlp(depth=4, width=8)
    x = minigrad.randn(2, 8, requires_grad=True)
    before = minigrad._tape.live_nodes()
    checkpoint_sequential(model, 2, x, use_reentrant=False).sum().backward()
    assert minigrad._tape.live_nodes() == before


def _peak_backward_bytes(run):
    """Peak traced memory above the start, over forward + backward."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpointed_20_layer_mlp_peaks_at_most_half_of_plain(use_reentrant):
    model = _mlp(depth=20, width=128)
    x = minigrad.randn(256, 128, requires_grad=True)
    for p in model.parameters():  # .grad buffers exist before either run is measured
        p.grad = minigrad.zeros_like(p)
    x.grad = minigrad.zeros_like(x)

    plain = _peak_backward_bytes(lambda: model(x).sum().backward())
    ckpt = _peak_backward_bytes(
        lambda: checkpoint_sequential(model, 5, x, use_reentrant=use_reentrant).sum().backward()
    )
    assert ckpt <= 0.5 * plain, (ckpt, plain)
