"""autograd.explain (issue 14): backward step by step, in the engine's order, with the rules
read from the op table, the gradients and where they went; rendered through minigrad.viz."""

import doctest

import numpy as np
import pytest

import minigrad
from minigrad.autograd import backward_steps, explain, functional, graph, rules
from minigrad.utils import checkpoint


def test_explain_fills_grad_like_backward():
    a = minigrad.tensor([[0.5, -1.0], [1.5, 2.0]], requires_grad=True)
    b = minigrad.tensor([1.0, -0.5], requires_grad=True)
    loss = ((a + 1) * b).tanh().sum() + (a**2).mean()
    explain(loss, retain_graph=True)
    ga, gb = a.grad.numpy().copy(), b.grad.numpy().copy()
    a.grad = b.grad = None
    loss.backward()
    np.testing.assert_array_equal(ga, a.grad.numpy())
    np.testing.assert_array_equal(gb, b.grad.numpy())


def test_steps_follow_the_engine_order_and_carry_the_gradients():
    x = minigrad.tensor([1.0, 2.0], dtype=minigrad.float64, requires_grad=True)
    y = x.tanh()
    loss = (y * 3).sum()
    record = explain(loss)
    assert [s.name for s in record] == ["SumBackward0", "MulBackward0", "TanhBackward0"]
    seqs = [s.node._sequence_nr() for s in record]
    assert seqs == sorted(seqs, reverse=True)
    tanh = record[2]
    np.testing.assert_allclose(tanh.grad_out, [3.0, 3.0])
    ((name, g, target),) = tanh.grads
    assert name == "x" and target is x
    np.testing.assert_allclose(g, 3 * (1 - np.tanh([1.0, 2.0]) ** 2))


def test_rule_text_comes_from_the_op_table():
    from minigrad.ops import elementwise as E

    assert rules.rule_text(E.TANH) == ["tanh: grad_x = grad_out * (1 - out²)"]
    assert rules.rule_text(E.MUL) == ["mul: grad_a = grad_out * b", "grad_b = grad_out * a"]
    assert rules.rule_text(E.EXP) == ["exp: grad_x = grad_out * out"]


def test_every_op_in_the_table_has_a_rule_text():
    for op in rules._loaded_ops():
        lines = rules.rule_text(op)
        assert lines and lines[0].startswith(op.name + ": "), op


def test_table_names_leaves_and_notes_accumulation():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    text = str(explain(loss))
    assert "x.grad (+= the line above)" in text
    assert "sum: grad_x = expand(grad_out," in text


def test_earlier_grad_value_is_noted():
    w = minigrad.tensor([1.0], requires_grad=True)
    (w * 2).sum().backward()
    text = str(explain((w * 3).sum()))
    assert "w.grad (+= its earlier value)" in text
    assert w.grad.tolist() == [5.0]


def test_big_gradients_are_summarised():
    x = minigrad.ones(50, 4, requires_grad=True)
    text = str(explain((x * 2).sum()))
    assert "(50, 4) mean 2 std 0 min 2 max 2" in text


def test_custom_function_steps_are_named():
    class Double(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = minigrad.ones(2, requires_grad=True)
    record = explain(Double.apply(x).sum())
    assert record[1].rule == ["DoubleBackward: the custom Function's backward(ctx, grad_out)"]


def test_to_dot_labels_each_edge_with_its_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 3).sum()
    dot = explain(loss).to_dot()
    assert 'n1 -> n2 [label="[1.0, 1.0]"];' in dot
    assert 'n0 -> n1 [label="[3.0, 3.0]"];' in dot


def test_draw_renders_a_picture(tmp_path):
    pytest.importorskip("matplotlib")
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    path = tmp_path / "explain.png"
    explain((x * x).sum()).draw(str(path))
    assert path.stat().st_size > 1000


def test_explain_refuses_a_non_tensor():
    with pytest.raises(TypeError, match="explain\\(\\) expects a Tensor"):
        explain(3.0)


@pytest.mark.parametrize("module", [backward_steps, functional, graph, checkpoint])
def test_docstring_examples_run(module):
    globs = {**vars(module), "minigrad": minigrad}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_a_second_order_tie_is_shown_as_the_gradient_it_carries():
    from minigrad.ops import nn as ops_nn

    (text,) = rules.rule_text(ops_nn.LEAKY_RELU)
    assert text == "leaky_relu: grad_x = where(gt(x, 0), grad_out, grad_out * slope)"
