"""The autograd API: custom Functions, hooks, gradcheck/gradgradcheck, anomaly mode, the tape
view, DLPack interop and higher-order gradients (compared with PyTorch when it is installed)."""

import doctest
import inspect
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import _anomaly as anomaly
from minigrad import _gradcheck as gradcheck
from minigrad import _interop as interop
from minigrad import _tape_view as tape_view
from minigrad.autograd import (
    Function,
    GradcheckError,
    detect_anomaly,
    is_anomaly_enabled,
    set_detect_anomaly,
    tape,
)
from minigrad.autograd import gradcheck as check
from minigrad.autograd import gradgradcheck as check2

f64 = minigrad.float64


def leaf(values, dtype=f64):
    return minigrad.tensor(values, dtype=dtype, requires_grad=True)


# ----------------------------------------------------------------------------- custom Functions


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class WrongSquare(Square):
    """Deliberately wrong: the derivative of x*x is 2x, not 3x."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * g


class Double(Function):
    """y = 2x; the tests below override backward to break it in one way each."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


class Scale(Function):
    """y = x * k; records which inputs need a gradient."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.seen = ctx.needs_input_grad
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class SortWithIndices(Function):
    """Two outputs: sorted values (differentiable) and the permutation (not)."""

    @staticmethod
    def forward(ctx, x):
        order = np.argsort(x.detach().numpy(), kind="stable")
        values = minigrad.from_numpy(x.detach().numpy()[order].copy())
        idx = minigrad.from_numpy(order.astype(np.int64))
        ctx.mark_non_differentiable(idx)
        ctx.order = order
        return values, idx

    @staticmethod
    def backward(ctx, g_values, g_idx):
        out = np.zeros_like(g_values.numpy())
        out[ctx.order] = g_values.numpy()
        return minigrad.from_numpy(out)


class SinCos(Function):
    """Two differentiable outputs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, g_sin, g_cos):
        (x,) = ctx.saved_tensors
        return g_sin * x.cos() - g_cos * x.sin()


def test_function_save_for_backward_gives_the_gradient():
    x = leaf([1.0, -2.0, 3.0])
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_function_node_is_named_after_the_class():
    y = Square.apply(leaf([1.0]))
    assert type(y.grad_fn).__name__ == "SquareBackward"
    assert y.grad_fn.name() == "SquareBackward"


def test_needs_input_grad_says_which_inputs_require_grad():
    x = leaf([1.0, 2.0])
    y = Scale.apply(x, 3.0)
    y.sum().backward()
    assert y.grad_fn.ctx.seen == (True, False)
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_save_for_backward_rejects_non_tensors():
    class SavesNumber(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(2.0)
            return x * 1

    with pytest.raises(TypeError, match="save_for_backward can only save tensors or None"):
        SavesNumber.apply(leaf([1.0]))


def test_saved_tensor_modified_in_place_is_detected():
    x = leaf([1.0, 2.0])
    h = x * 1
    y = Square.apply(h)
    with minigrad.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_mark_non_differentiable_output_has_no_grad_fn():
    x = leaf([3.0, 1.0, 2.0])
    values, idx = SortWithIndices.apply(x)
    assert values.requires_grad and values.grad_fn is not None
    assert not idx.requires_grad and idx.grad_fn is None
    (values * minigrad.tensor([1.0, 10.0, 100.0], dtype=f64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [100.0, 1.0, 10.0])


def test_multi_output_function_gets_both_gradients():
    x = leaf([0.3, 1.2])
    s, c = SinCos.apply(x)
    (2 * s + 3 * c).sum().backward()
    xs = np.array([0.3, 1.2])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(xs) - 3 * np.sin(xs))


def test_multi_output_function_with_one_output_used():
    x = leaf([0.3, 1.2])
    s, _ = SinCos.apply(x)
    s.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.3, 1.2]))


def test_create_graph_through_a_function():
    x = leaf([1.5, -2.0])
    (g,) = minigrad.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (gg,) = minigrad.autograd.grad((g * g).sum(), x)  # d/dx sum((2x)^2) = 8x
    np.testing.assert_allclose(gg.numpy(), [12.0, -16.0])


def test_wrong_number_of_gradients_is_a_runtime_error():
    class TooMany(Double):
        @staticmethod
        def backward(ctx, g):
            return g * 2, g

    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 1, got 2\)"):
        TooMany.apply(leaf([1.0])).sum().backward()


def test_function_returning_a_gradient_of_the_wrong_shape():
    class BadShape(Double):
        @staticmethod
        def backward(ctx, g):
            return minigrad.ones(5, dtype=f64)

    with pytest.raises(RuntimeError, match="returned an invalid gradient at index 0"):
        BadShape.apply(leaf([1.0, 2.0])).sum().backward()


# ----------------------------------------------------------------------------- hooks, retain_grad


def test_hook_replaces_the_gradient_of_a_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])


def test_hook_returning_none_observes_only():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], [2.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_removed_hook_no_longer_runs():
    x = leaf([1.0])
    y = x * 2
    handle = y.register_hook(lambda g: g * 100)
    handle.remove()
    handle.remove()  # removing twice is harmless
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_hooks_run_in_registration_order_and_chain():
    x = leaf([1.0])
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require"):
        minigrad.ones(2).register_hook(lambda g: g)


def test_retain_grad_on_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * x
    y.retain_grad()
    assert y.retains_grad
    (y * 3).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_retain_grad_sees_the_hooked_gradient():
    x = leaf([1.0])
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 5)
    y.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [5.0])


# ----------------------------------------------------------------------------- gradcheck


def _rand(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return minigrad.tensor(rng.uniform(0.5, 1.5, shape), dtype=f64, requires_grad=True)


CORRECT_OPS = {
    "mul_broadcast": (lambda a, b: a * b, lambda: (_rand(3, 4), _rand(4, seed=1))),
    "div": (lambda a, b: a / b, lambda: (_rand(2, 3), _rand(2, 3, seed=1))),
    "pow_tensor_exponent": (lambda a, b: a**b, lambda: (_rand(3), _rand(3, seed=1))),
    "matmul": (lambda a, b: a @ b, lambda: (_rand(2, 3), _rand(3, 2, seed=1))),
    "tanh_of_transposed": (lambda a: a.t().tanh(), lambda: (_rand(3, 2),)),
    "sum_dim_keepdim": (lambda a: a.sum(dim=1, keepdim=True), lambda: (_rand(2, 3),)),
    "mean_tuple_dim": (lambda a: a.mean(dim=(0, 2)), lambda: (_rand(2, 3, 2),)),
    "max_values": (lambda a: a.max(dim=1)[0], lambda: (_rand(3, 4),)),
    "logsumexp": (lambda a: a.logsumexp(dim=0), lambda: (_rand(3, 2),)),
    "softmax": (lambda a: a.softmax(dim=-1), lambda: (_rand(2, 4),)),
    "std": (lambda a: a.std(dim=0), lambda: (_rand(4, 2),)),
    "index_and_slice": (lambda a: a[1:, ::2] * 2, lambda: (_rand(3, 4),)),
    "cat_two_outputs": (lambda a, b: (minigrad.cat([a, b]), a.exp()), lambda: (_rand(2), _rand(3, seed=1))),
    "integer_argument_passed_through": (lambda a, k: a**k, lambda: (_rand(3), 3)),
    "custom_function": (Square.apply, lambda: (_rand(3),)),
}


@pytest.mark.parametrize("name", sorted(CORRECT_OPS))
def test_gradcheck_passes_on_correct_ops(name):
    fn, make = CORRECT_OPS[name]
    assert check(fn, make()) is True


@pytest.mark.parametrize(
    "name",
    [
        "mul_broadcast",
        "div",
        "tanh_of_transposed",
        "logsumexp",
        "softmax",
        "custom_function",
        "cat_two_outputs",
    ],
)
def test_gradgradcheck_passes_on_correct_ops(name):
    fn, make = CORRECT_OPS[name]
    assert check2(fn, make()) is True


@pytest.mark.parametrize("name", ["mul_broadcast", "matmul", "custom_function"])
def test_gradcheck_fast_mode_passes_on_correct_ops(name):
    fn, make = CORRECT_OPS[name]
    assert check(fn, make(), fast_mode=True) is True


def test_gradcheck_accepts_a_single_tensor_and_non_contiguous_inputs():
    x = _rand(4, 3).t()
    assert not x.numpy(force=True).flags.c_contiguous
    assert check(lambda a: a.exp().sum(dim=0), x)


def test_gradcheck_leaves_the_inputs_unchanged():
    x = _rand(2, 3)
    before = x.numpy(force=True).copy()
    check(lambda a: a.sin(), (x,))
    np.testing.assert_array_equal(x.numpy(force=True), before)


def test_gradcheck_on_a_wrong_function_names_indices_and_shows_both_jacobians():
    x = leaf([1.0, 2.0])
    with pytest.raises(GradcheckError) as info:
        check(WrongSquare.apply, (x,))
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert msg.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor(")
    assert "analytical:tensor([[3., 0.],\n        [0., 6.]], dtype=minigrad.float64)" in msg
    assert "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 4.0000]], dtype=minigrad.float64)" in msg
    assert "first column that differs is 0" in msg


def test_gradcheck_counts_only_inputs_that_require_grad():
    class WrongInSecond(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a * 2

    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    with pytest.raises(GradcheckError, match="output 0 with respect to input 1"):
        check(WrongInSecond.apply, (a, b))
    with pytest.raises(GradcheckError, match="output 0 with respect to input 0"):
        check(WrongInSecond.apply, (a.detach(), b))


def test_gradcheck_raise_exception_false_returns_false():
    assert check(WrongSquare.apply, (leaf([1.0, 2.0]),), raise_exception=False) is False


def test_gradcheck_fast_mode_catches_a_wrong_function_with_full_jacobians():
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        check(WrongSquare.apply, (leaf([1.0, 2.0]),), fast_mode=True)


def test_gradcheck_detects_backward_ignoring_grad_output():
    class IgnoresGradOutput(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return minigrad.ones(2, dtype=f64)

    with pytest.raises(GradcheckError, match="backward not multiplied by grad_output"):
        check(IgnoresGradOutput.apply, (leaf([1.0, 2.0]),))
    assert check(IgnoresGradOutput.apply, (leaf([1.0, 2.0]),), check_undefined_grad=False)


def test_gradcheck_detects_non_reentrant_backward():
    calls = []

    class Drifts(Double):
        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g * (2 + len(calls) * 1e-9)

    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        check(Drifts.apply, (leaf([1.0]),))
    assert check(Drifts.apply, (leaf([1.0]),), nondet_tol=1e-6)


def test_gradcheck_warns_on_float32_inputs():
    x = leaf([1.0, 2.0], dtype=minigrad.float32)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        assert check(lambda a: a * 2, (x,), eps=1e-3, atol=1e-3)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require gradient"):
        check(lambda a: a * 2, (minigrad.ones(2, dtype=f64),))


def test_gradcheck_refuses_stride_zero_inputs():
    x = minigrad.ones(1, dtype=f64).expand(3).detach().requires_grad_()
    with pytest.raises(RuntimeError, match="The 0th input has a dimension with stride 0"):
        check(lambda a: a * 2, (x,))


def test_gradcheck_without_differentiable_outputs_expects_a_constant_function():
    x = leaf([0.5, 2.0])
    assert check(lambda a: a > 1, (x,))
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be zero"):
        check(lambda a: a.detach() * 2, (x,))


def test_gradcheck_dtype_check_passes_when_gradients_match_their_inputs():
    class Float32Grad(Double):
        @staticmethod
        def backward(ctx, g):
            return (g * 2).float()  # the engine casts it back to the input's dtype

    assert check(Float32Grad.apply, (leaf([1.0, 2.0]),), check_grad_dtypes=True)


@pytest.mark.parametrize("flag", ["check_forward_ad", "check_batched_grad", "check_batched_forward_grad"])
def test_gradcheck_flags_needing_forward_mode_are_not_silently_ignored(flag):
    with pytest.raises(NotImplementedError, match=flag):
        check(lambda a: a * 2, (leaf([1.0]),), **{flag: True})


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    class DetachedBackward(Square):
        """First derivative right, but computed from detached values: second order wrong."""

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x.detach() * g

    x = leaf([1.0, 2.0])
    assert check(DetachedBackward.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        check2(DetachedBackward.apply, (x,))


def test_gradgradcheck_with_given_and_non_contiguous_grad_outputs():
    x = _rand(2, 3)
    assert check2(lambda a: a**3, (x,), (minigrad.ones(2, 3, dtype=f64, requires_grad=True),))
    assert check2(lambda a: a**3, (x,), gen_non_contig_grad_outputs=True)
    assert check2(lambda a: (a**3).sum(), (x,), fast_mode=True)


# ----------------------------------------------------------------------------- anomaly mode


@pytest.fixture
def anomaly_off():
    assert not is_anomaly_enabled()
    yield
    set_detect_anomaly(False)


def test_detect_anomaly_warns_and_restores_the_mode(anomaly_off):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ctx = detect_anomaly()
    with ctx:
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_nan_in_backward_raises_naming_the_node(anomaly_off):
    x = minigrad.zeros(2, requires_grad=True)
    with pytest.warns(UserWarning), detect_anomaly():
        y = (minigrad.sqrt(x) * 0).sum()
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th"):
            y.backward()


def test_without_anomaly_mode_nan_gradients_pass_silently():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 0).log().sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_nan_error_shows_the_forward_line_that_created_the_op(anomaly_off):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning), detect_anomaly():
        line = inspect.currentframe().f_lineno + 1
        y = (x * 0).log()
        with pytest.raises(RuntimeError, match="Function 'MulBackward0' returned nan values") as info:
            y.sum().backward()
    assert f'test_autograd_api.py", line {line}, in test_nan_error_shows_the_forward_line' in str(info.value)
    assert "y = (x * 0).log()" in str(info.value)


def test_detect_anomaly_as_a_decorator(anomaly_off):
    with pytest.warns(UserWarning):

        @detect_anomaly()
        def run():
            return is_anomaly_enabled()

    assert run() is True
    assert not is_anomaly_enabled()


def test_set_detect_anomaly_acts_at_once_and_restores_as_a_context(anomaly_off):
    set_detect_anomaly(True)
    assert is_anomaly_enabled()
    with set_detect_anomaly(False):
        assert not is_anomaly_enabled()
    assert is_anomaly_enabled()


def test_anomaly_mode_records_creation_traces(anomaly_off):
    x = minigrad.ones(2, requires_grad=True)
    with set_detect_anomaly(True):
        y = x * 2
    z = x * 3
    assert isinstance(y.grad_fn._trace, list) and y.grad_fn._trace
    assert z.grad_fn._trace is None


def test_check_nan_false_is_refused_until_the_engine_separates_it(anomaly_off):
    with pytest.raises(NotImplementedError, match="check_nan=False"):
        detect_anomaly(check_nan=False)
    set_detect_anomaly(False, check_nan=False)  # turning it off is fine


# ----------------------------------------------------------------------------- tape view


def test_tape_lists_the_docstring_example():
    x = minigrad.ones(2, 2, requires_grad=True)
    y = x + 1
    loss = (y**2).mean()
    view = tape(loss)
    assert [e.name for e in view] == ["AccumulateGrad", "AddBackward0", "PowBackward0", "MeanBackward0"]
    assert [e.label for e in view] == ["x", "y", None, "loss"]
    leaf_row, add, pow_, mean = view
    assert leaf_row.is_leaf and leaf_row.variable is x and leaf_row.seq is None
    assert add.seq < pow_.seq < mean.seq
    assert add.inputs == (0, None) and pow_.inputs == (1, None) and mean.inputs == (2,)
    assert add.output_shape == (2, 2) and mean.output_shape == ()
    assert pow_.saved == ("#1 (2, 2)",) and mean.saved == ("shape of #2",)
    text = str(view)
    assert text.splitlines()[0] == "tape of loss: 4 rows, oldest first (backward runs them bottom-up)"
    assert "#0  AccumulateGrad  x     (2, 2)  leaf, requires_grad=True" in text
    assert repr(view) == text


def test_tape_shows_saved_outputs_and_freed_values():
    w = minigrad.ones(3, requires_grad=True)
    h = w.tanh()
    out = h.sum()
    assert tape(out)[1].saved == ("output (3,)",)
    out.backward()
    assert tape(out)[1].saved == ("freed",)


def test_tape_marks_constants_and_shared_inputs():
    x = minigrad.ones(3, requires_grad=True)
    y = x * x * minigrad.ones(3)
    rows = tape(y, names={})
    assert rows[1].inputs == (0, 0)
    assert rows[2].inputs == (1, None)
    assert rows[2].saved == ("const (3,)",)
    assert all(r.label is None for r in rows)


def test_tape_of_a_leaf_and_of_a_tensor_without_history():
    x = minigrad.ones(2, requires_grad=True)
    assert [e.name for e in tape(x)] == ["AccumulateGrad"]
    empty = tape(minigrad.ones(2))
    assert len(empty) == 0 and "nothing was recorded" in str(empty)
    with pytest.raises(TypeError, match="tape\\(\\) expects a Tensor"):
        tape([1, 2])


def test_tape_walks_deep_graphs_without_recursion():
    x = minigrad.ones(1, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    view = tape(y, names={})
    assert len(view) == 5001
    assert [e.index for e in view] == list(range(5001))


def test_tape_shows_custom_functions_and_their_saved_tensors():
    x = minigrad.ones(3, dtype=f64, requires_grad=True)
    y = Square.apply(x)
    rows = tape(y)
    assert [r.name for r in rows] == ["AccumulateGrad", "SquareBackward"]
    assert rows[1].saved == ("#0 (3,)",)


def test_tape_shows_each_output_of_a_multi_output_function():
    x = minigrad.ones(3, dtype=f64, requires_grad=True)
    s, c = SinCos.apply(x)
    rows = tape((s * c).sum())
    assert [r.name for r in rows[:4]] == ["AccumulateGrad"] + ["SinCosBackward"] * 3
    assert [r.label for r in rows[2:4]] == ["s", "c"]
    assert rows[2].saved == ("none (one output of #1)",) and rows[2].inputs == (1,)


def test_tape_uses_out_shape_when_the_core_provides_it():
    class Opaque(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum(dim=0)

        @staticmethod
        def backward(ctx, g):
            return g.expand(4, 3)

    Opaque._node_class()._out_shape = (3,)
    x = minigrad.ones(4, 3, requires_grad=True)
    z = (Opaque.apply(x) * 2).sum()
    assert tape(z, names={})[1].output_shape == (3,)


def test_tape_shows_where_nodes_were_created_under_anomaly_mode(anomaly_off):
    x = minigrad.ones(2, requires_grad=True)
    with set_detect_anomaly(True):
        y = (x * 2).sum()
    assert all(r.created_at for r in tape(y) if not r.is_leaf)


@pytest.mark.parametrize("module", [tape_view, gradcheck, interop, anomaly])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, globs={"minigrad": minigrad}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# ----------------------------------------------------------------------------- DLPack


def test_numpy_from_dlpack_shares_memory():
    t = minigrad.zeros(2, 3)
    a = np.from_dlpack(t)
    a[1, 2] = 4.0
    assert t[1, 2].item() == 4.0
    assert t.__dlpack_device__() == (1, 0)


def test_minigrad_from_dlpack_of_an_ndarray_shares_memory():
    a = np.arange(6.0).reshape(2, 3)[:, ::2]
    t = minigrad.from_dlpack(a)
    a[0, 0] = -1.0
    assert t.dtype == f64 and t.shape == (2, 2) and t[0, 0].item() == -1.0
    assert not t.requires_grad and t.is_leaf


def test_round_trip_through_dlpack_keeps_views_and_dtypes():
    for t in [
        minigrad.arange(12.0).reshape(3, 4).t(),
        minigrad.arange(5).flip(0),
        minigrad.tensor(2.5),
        minigrad.tensor([True, False]),
        minigrad.zeros(0, 3),
    ]:
        back = minigrad.from_dlpack(t)
        assert back.dtype == t.dtype and back.shape == t.shape
        np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_dlpack_refuses_tensors_that_require_grad():
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't export tensors that require gradient, use tensor.detach"):
        x.__dlpack__()
    np.from_dlpack(x.detach())[0] = 3.0
    assert x[0].item() == 3.0


def test_from_dlpack_rejects_non_producers():
    with pytest.raises(TypeError, match="expected an object with __dlpack__"):
        minigrad.from_dlpack([1.0, 2.0])


def test_torch_and_minigrad_share_memory_both_ways():
    torch = pytest.importorskip("torch")
    t = minigrad.arange(6.0).reshape(2, 3)
    tt = torch.from_dlpack(t)
    tt[0, 1] = 100.0
    assert t[0, 1].item() == 100.0
    src = torch.arange(4.0)
    m = minigrad.from_dlpack(src)
    src[3] = -7.0
    assert m[3].item() == -7.0
    capsule = minigrad.from_dlpack(torch.ones(2, dtype=torch.float64).__dlpack__())
    assert capsule.dtype == f64 and capsule.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="convert first"):
        minigrad.from_dlpack(torch.zeros(2, dtype=torch.bfloat16))


# ----------------------------------------------------------------------------- higher order


def test_second_and_third_derivative_of_x_cubed():
    x = leaf(2.0)
    (d1,) = minigrad.autograd.grad(x**3, x, create_graph=True)
    (d2,) = minigrad.autograd.grad(d1, x, create_graph=True)
    (d3,) = minigrad.autograd.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == pytest.approx((12.0, 12.0, 6.0))


def _penalty(lib, w, x):
    """Gradient-norm penalty: ||d out / d x||^2 of out = sum(tanh(x @ w)), differentiated w.r.t. w."""
    out = (x @ w).tanh().sum()
    (gx,) = lib.autograd.grad(out, x, create_graph=True)
    return (gx * gx).sum()


def test_gradient_of_a_gradient_norm_penalty_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w0, x0 = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    grads = []
    for lib in (minigrad, torch):
        w = lib.tensor(w0, requires_grad=True)
        x = lib.tensor(x0, requires_grad=True)
        _penalty(lib, w, x).backward()
        grads.append((w.grad.detach().numpy(), x.grad.detach().numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10)


def test_inplace_op_that_reads_its_own_input():
    a = leaf([1.0, 2.0])
    (a * 1).mul_(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 4.0])


def test_scatter_add_second_order():
    index = minigrad.tensor([[0, 1], [0, 0]])
    assert check2(lambda z, s: z.scatter_add(0, index, s), (_rand(2, 2), _rand(2, 2, seed=1)))


def test_gradient_penalty_passes_gradcheck():
    w = _rand(3, 2)
    x = _rand(4, 3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check(lambda w_, x_: _penalty(minigrad, w_, x_), (w, x))
