"""The tape and the backward engine: ordering, accumulation, freeing, grad mode, errors."""

import gc
import threading
import weakref

import numpy as np
import pytest

import minigrad
from minigrad import autograd


def test_backward_of_deep_chain_needs_no_recursion():
    x = minigrad.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(200_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_diamond_graph_sums_both_paths():
    x = minigrad.tensor(3.0, requires_grad=True)
    a = x * 2
    b = x * x
    (a + b).backward()
    assert x.grad.item() == pytest.approx(2 + 2 * 3)


def test_tensor_used_twice_in_one_op_gets_both_contributions():
    x = minigrad.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_leaf_grad_accumulates_until_zeroed():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [9.0, 9.0])
    x.grad.zero_()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_grad_does_not_alias_the_user_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    g = minigrad.tensor([1.0, 1.0])
    (x + 0).backward(g)
    x.grad.zero_()
    np.testing.assert_allclose(g.numpy(), [1.0, 1.0])


def test_dropping_the_output_frees_the_whole_graph():
    x = minigrad.randn(10, requires_grad=True)
    h = (x * 2).exp()
    out = h.sum()
    node_ref = weakref.ref(out.grad_fn)
    h_ref = weakref.ref(h)
    del h, out
    assert node_ref() is None
    assert h_ref() is None


def test_saved_tensors_are_released_after_backward():
    x = minigrad.randn(10, requires_grad=True)
    h = x * 2  # saved by exp? no: exp saves its output; mul(h, h) saves h
    out = (h * h).sum()
    h_ref = weakref.ref(h)
    del h
    assert h_ref() is not None  # kept alive by the graph (MulBackward0 saved it)
    out.backward()
    gc.collect()
    assert h_ref() is None


def test_retain_graph_graph_is_freed_when_dropped():
    x = minigrad.randn(5, requires_grad=True)
    out = (x.sin() * x).sum()
    out.backward(retain_graph=True)
    out.backward()
    ref = weakref.ref(out.grad_fn)
    del out
    assert ref() is None


def test_second_backward_raises_pytorch_error():
    x = minigrad.tensor(2.0, requires_grad=True)
    z = x.exp()
    z.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        z.backward()


def test_second_backward_through_nodes_without_saved_values_is_allowed():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    z = (x + 5).sum()
    z.backward()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_retain_graph_allows_second_backward():
    x = minigrad.tensor(2.0, requires_grad=True)
    z = x**3
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.item() == pytest.approx(24.0)


def test_backward_without_grad_raises_pytorch_error():
    z = minigrad.ones(1, 1) + minigrad.ones(1, 1)
    with pytest.raises(
        RuntimeError, match="^element 0 of tensors does not require grad and does not have a grad_fn"
    ):
        z.backward()


def test_backward_of_non_scalar_needs_gradient():
    x = minigrad.ones(3, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"^grad can be implicitly created only for scalar outputs.*\(3,\)"
    ):
        (x * 2).backward()


def test_backward_of_one_element_tensor_of_any_shape_is_fine():
    x = minigrad.ones(1, 1, requires_grad=True)
    (x * 2).backward()
    assert x.grad.shape == (1, 1)


def test_backward_gradient_of_wrong_shape_names_both_shapes():
    x = minigrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape.*\(2,\).*\(3,\)"):
        (x * 2).backward(minigrad.ones(2))


def test_backward_with_gradient_argument():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(minigrad.tensor([1.0, 0.5, 0.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 0.0])


def test_inplace_on_leaf_requiring_grad_raises():
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place operation"
    ):
        x.add_(1)


def test_inplace_on_leaf_is_allowed_under_no_grad():
    x = minigrad.ones(2, requires_grad=True)
    with minigrad.no_grad():
        x -= 0.5
    np.testing.assert_allclose(x.detach().numpy(), [0.5, 0.5])
    assert x.is_leaf and x.requires_grad


def test_modifying_a_saved_tensor_in_place_is_detected():
    x = minigrad.ones(2, requires_grad=True)
    y = x.exp()
    z = y.sum()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_inplace_on_non_leaf_is_differentiable():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_requires_grad_only_for_float_tensors():
    with pytest.raises(
        RuntimeError, match="^Only Tensors of floating point and complex dtype can require gradients"
    ):
        minigrad.tensor([1, 2], requires_grad=True)


def test_requires_grad_cannot_be_cleared_on_non_leaf():
    y = minigrad.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad = False


def test_no_grad_context_and_decorator():
    x = minigrad.ones(2, requires_grad=True)
    with minigrad.no_grad():
        assert not (x * 2).requires_grad
        with minigrad.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @minigrad.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert minigrad.is_grad_enabled()


def test_set_grad_enabled_as_function_and_context():
    x = minigrad.ones(2, requires_grad=True)
    with minigrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert minigrad.is_grad_enabled()
    minigrad.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        minigrad.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        x = minigrad.ones(2, requires_grad=True)
        seen["enabled"] = minigrad.is_grad_enabled()
        seen["records"] = (x * 2).requires_grad

    with minigrad.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not minigrad.is_grad_enabled()
    assert seen == {"enabled": True, "records": True}


def test_detach_shares_memory_and_drops_history():
    x = minigrad.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    d.zero_()
    np.testing.assert_allclose(y.detach().numpy(), [0.0, 0.0])


def test_detach_in_place():
    y = minigrad.ones(2, requires_grad=True) * 2
    y.detach_()
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None


def test_hook_can_replace_the_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])


def test_leaf_hook_sees_the_total_gradient_and_can_be_removed():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    (x * 2 + x).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    handle.remove()
    (x * 2).sum().backward()
    assert len(seen) == 1


def test_retain_grad_fills_non_leaf_grad():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 12.0])


def test_non_leaf_grad_access_warns_like_pytorch():
    y = minigrad.ones(2, requires_grad=True) * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None


def test_backward_inputs_restricts_accumulation():
    x = minigrad.tensor(1.0, requires_grad=True)
    w = minigrad.tensor(2.0, requires_grad=True)
    (x * w).backward(inputs=[w])
    assert x.grad is None
    assert w.grad.item() == 1.0


def test_autograd_grad_returns_without_touching_grad():
    x = minigrad.tensor(2.0, requires_grad=True)
    (g,) = autograd.grad(x**3, x)
    assert g.item() == pytest.approx(12.0)
    assert x.grad is None


def test_autograd_grad_create_graph_gives_second_derivative():
    x = minigrad.tensor(2.0, requires_grad=True)
    (g,) = autograd.grad(x**3, x, create_graph=True)
    assert g.requires_grad
    (gg,) = autograd.grad(g, x)
    assert gg.item() == pytest.approx(12.0)


def test_backward_create_graph_makes_grad_differentiable():
    x = minigrad.tensor(1.5, requires_grad=True)
    y = x.sin() * x
    y.backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad
    x.grad = None
    gx.backward()
    expected = 2 * np.cos(1.5) - 1.5 * np.sin(1.5)
    assert x.grad.item() == pytest.approx(expected, rel=1e-5)


def test_autograd_grad_unused_input():
    x = minigrad.tensor(1.0, requires_grad=True)
    u = minigrad.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        autograd.grad(x * 2, [x, u])
    gx, gu = autograd.grad(x * 2, [x, u], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_next_functions_show_the_graph():
    x = minigrad.ones(2, requires_grad=True)
    y = (x * 2).sum()
    ((mul, _),) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0"
    (acc, _), (none, _) = mul.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is x
    assert none is None


def test_sequence_numbers_increase_along_the_tape():
    x = minigrad.ones(2, requires_grad=True)
    a = x * 2
    b = a.exp()
    assert b.grad_fn._sequence_nr() > a.grad_fn._sequence_nr()


def test_graph_not_recorded_for_inputs_without_grad():
    x = minigrad.ones(2)
    y = x * 2
    assert y.grad_fn is None and not y.requires_grad


def test_exception_during_backward_leaves_engine_clean():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2

    def bad(g):
        raise ValueError("boom")

    y.register_hook(bad)
    with pytest.raises(ValueError, match="boom"):
        y.sum().backward(retain_graph=True)
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_views_share_the_version_counter():
    x = minigrad.ones(2, 3)
    v = x.view(3, 2)
    t = x.t()
    x.add_(1)
    assert v._version == t._version == x._version == 1


def test_inplace_on_view_of_leaf_requiring_grad_raises():
    x = minigrad.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad"):
        x[0].mul_(2)


def test_inplace_on_view_of_non_leaf_raises_instead_of_silently_wrong_grads():
    y = minigrad.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="view of a tensor that requires grad"):
        y[0].mul_(3)


def test_index_assignment_on_non_leaf_is_differentiable():
    x = minigrad.ones(2, 3, requires_grad=True)
    y = x * 2
    y[0] = y[0] * 3
    assert y.grad_fn.name() == "CopySlices"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[6.0] * 3, [2.0] * 3])


# ----------------------------------------------------------------------------- issue 16: autograd odds


@pytest.mark.parametrize("on_leaf", [True, False])
def test_hook_may_not_change_the_shape_of_a_gradient(on_leaf):
    x = minigrad.ones(3, requires_grad=True)
    t = x if on_leaf else x * 2
    t.register_hook(lambda g: minigrad.ones(5))
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size of value"):
        (t * 2).sum().backward()


def test_hook_may_not_broadcast_a_gradient_either():
    x = minigrad.ones(3, requires_grad=True)
    x.register_hook(lambda g: minigrad.ones(1))
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        (x * 2).sum().backward()


@pytest.mark.parametrize("dtype", [minigrad.float64, minigrad.int64])
def test_hook_may_not_change_the_dtype_of_a_gradient(dtype):
    x = minigrad.ones(3, requires_grad=True)
    x.register_hook(lambda g: minigrad.ones(3, dtype=dtype))
    with pytest.raises(RuntimeError, match=r"has changed the type of value \(was minigrad.float32 got"):
        (x * 2).sum().backward()


def test_hook_returning_a_non_tensor_is_a_type_error():
    y = minigrad.ones(3, requires_grad=True) * 2
    y.register_hook(lambda g: 3)
    with pytest.raises(TypeError, match="expected Variable, but hook returned 'int'"):
        y.sum().backward()


def test_hook_changing_the_shape_matches_torch():
    torch = pytest.importorskip("torch")
    x = torch.ones(3, requires_grad=True)
    x.register_hook(lambda g: torch.ones(5))
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        (x * 2).sum().backward()


def test_retain_grad_then_inplace_gives_the_grad_of_the_modified_tensor():
    x = minigrad.ones(3, requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.add_(1)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 6.0, 6.0])  # d(h^2)/dh at h = 3
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 12.0, 12.0])


def test_detach_in_place_on_a_view_raises():
    x = minigrad.ones(2, 3)
    with pytest.raises(RuntimeError, match="^Can't detach views in-place. Use detach\\(\\) instead"):
        x[0].detach_()
    y = minigrad.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        y.view(6).detach_()
    assert y.detach().detach_().grad_fn is None  # detach() gives a new tensor, not a view


# ----------------------------------------------------------------------------- double backward


def _gradient_penalty(lib, x, w1, w2, act):
    d = act(x @ w1) @ w2
    (gx,) = lib.autograd.grad(d.sum(), x, create_graph=True)
    (gx * gx).sum().backward()


# whether x.grad comes out as zeros or None varies by op in PyTorch too (its relu backward
# is a primitive that takes the output; clamp's is a where whose mask is not differentiated)
_PENALTY_ACTS = {
    "relu": lambda t: t.relu(),
    "clamp": lambda t: t.clamp(min=0.0),
    "abs": lambda t: t.abs(),
    "maximum": lambda t: t.maximum(t * 0.5),
    "tanh": lambda t: t.tanh(),
}


@pytest.mark.parametrize("act", sorted(_PENALTY_ACTS))
def test_double_backward_matches_pytorch_zeros_or_none(act):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((4, 3), (3, 5), (5, 2))]
    mine = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    _gradient_penalty(minigrad, *mine, _PENALTY_ACTS[act])
    _gradient_penalty(torch, *theirs, _PENALTY_ACTS[act])
    for m, t in zip(mine, theirs):
        assert (m.grad is None) == (t.grad is None)
        if t.grad is not None:
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_relu_double_backward_of_issue_14_gives_zeros():
    x = minigrad.randn(4, 3, dtype=minigrad.float64, requires_grad=True)
    w1 = minigrad.randn(3, 5, dtype=minigrad.float64, requires_grad=True)
    w2 = minigrad.randn(5, 1, dtype=minigrad.float64, requires_grad=True)
    _gradient_penalty(minigrad, x, w1, w2, minigrad.relu)
    assert x.grad.shape == (4, 3) and not x.grad.numpy().any()


def test_create_graph_gradient_of_relu_requires_grad_like_pytorch():
    x = minigrad.tensor([1.0, -1.0], requires_grad=True)
    (gx,) = autograd.grad(x.relu().sum(), x, create_graph=True)
    assert gx.requires_grad
    (g2,) = autograd.grad(gx.sum(), x)
    assert g2.tolist() == [0.0, 0.0]
