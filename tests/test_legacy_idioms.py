"""Idioms of older PyTorch examples and tutorials that still run there: ``Variable`` and
``resize_`` (PyTorch's own examples used ``Variable(x)`` and ``x.data.resize_(...).copy_(...)``
before 0.4). Each against PyTorch where it is installed."""

import warnings

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Variable


def _both():
    torch = pytest.importorskip("torch")
    return [(minigrad, Variable), (torch, torch.autograd.Variable)]


def test_variable_is_a_detached_tensor_requiring_grad_as_asked():
    x = minigrad.ones(2) * 3
    v = Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and not x.requires_grad and v.grad_fn is None
    (v * v).sum().backward()
    assert v.grad.tolist() == [6.0, 6.0]
    assert isinstance(x, Variable) and isinstance(v, Variable) and not isinstance(3.0, Variable)
    y = Variable(x * 2)  # detached from x's graph
    assert y.grad_fn is None and not y.requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got float"):
        Variable(3.0)
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(x, volatile=True)


def test_variable_matches_pytorch():
    for M, V in _both():
        x = M.ones(2)
        v = V(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert (v is x, v.requires_grad, x.requires_grad, isinstance(x, V)) == (False, True, False, True)


@pytest.mark.parametrize(
    "start, new", [((2, 3), (3, 2)), ((2, 3), (4,)), ((2, 2), (2,)), ((3,), (1, 3)), ((2, 3), (0,))]
)
def test_resize_keeps_the_leading_elements_in_order(start, new):
    x = minigrad.arange(float(np.prod(start))).reshape(start).clone()
    before = x._version
    assert x.resize_(new) is x and tuple(x.shape) == new and x._version > before
    n = min(int(np.prod(start)), int(np.prod(new)))
    assert x.reshape(-1)[:n].tolist() == list(map(float, range(n)))
    for M, _ in _both():
        t = M.arange(float(np.prod(start))).reshape(start).clone()
        t.resize_(*new) if len(new) > 1 else t.resize_(new)
        assert tuple(t.shape) == new and t.reshape(-1)[:n].tolist() == list(map(float, range(n)))


def test_resize_refuses_what_pytorch_refuses():
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        minigrad.ones(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="negative dimension"):
        minigrad.ones(2).resize_(-1)
    with pytest.raises(TypeError, match="resize_"):
        minigrad.ones(2).resize_("3")


def test_the_old_dcgan_copy_idiom():
    buffer = minigrad.zeros(4, 3)
    batch = minigrad.arange(6.0).reshape(2, 3)
    buffer.data.resize_(batch.size()).copy_(batch)  # an alias: buffer keeps its shape, shares the memory
    assert tuple(buffer.shape) == (4, 3) and buffer[0].tolist() == [0.0, 1.0, 2.0]  # as in PyTorch
    buffer.resize_(batch.size()).copy_(batch)
    assert buffer.tolist() == batch.tolist()
