"""The gradient-penalty pattern of WGAN-GP over every activation (issue 14): with
``d = (act(x @ w1) @ w2).sum()``, ``gx = grad(d, x, create_graph=True)`` and a penalty on
``gx`` backpropagated, every leaf gets the gradient PyTorch gives it -- for x a tensor of
zeros where the activation is piecewise linear, never None."""

import math

import numpy as np
import pytest

import minigrad

ACTIVATIONS = {
    "relu": lambda F, h: F.relu(h),
    "leaky_relu": lambda F, h: F.leaky_relu(h, 0.1),
    "elu": lambda F, h: F.elu(h),
    "selu": lambda F, h: F.selu(h),
    "celu": lambda F, h: F.celu(h, 0.7),
    "hardtanh": lambda F, h: F.hardtanh(h, -1.5, 2.0),
    "relu6": lambda F, h: F.relu6(h * 3),
    "hardswish": lambda F, h: F.hardswish(h),
    "silu": lambda F, h: F.silu(h),
    "mish": lambda F, h: F.mish(h),
    "softplus": lambda F, h: F.softplus(h),
    "threshold": lambda F, h: F.threshold(h, 0.1, 20.0),
    "hardshrink": lambda F, h: F.hardshrink(h, 0.5),
    "softshrink": lambda F, h: F.softshrink(h, 0.5),
    "gelu": lambda F, h: F.gelu(h),
    "logsigmoid": lambda F, h: F.logsigmoid(h),
    "softsign": lambda F, h: F.softsign(h),
    "prelu": lambda F, h: F.prelu(h, F._w),
}
# PyTorch's celu backward takes 1/alpha in float32 (its grad at 0 is 1.00000002 for alpha=0.7)
TORCH_RTOL = {"celu": 1e-6}
PIECEWISE_LINEAR = [
    "relu",
    "leaky_relu",
    "hardtanh",
    "relu6",
    "threshold",
    "hardshrink",
    "softshrink",
    "prelu",
]

RNG = np.random.default_rng(14)
X, W1, W2 = RNG.standard_normal((4, 3)) * 2, RNG.standard_normal((3, 5)), RNG.standard_normal((5, 2))
PRELU_W = np.array([0.2, -0.3, 0.5, 0.1, 0.7])


def _penalty_grads(lib, F, act):
    x, w1, w2, pw = (lib.tensor(a, requires_grad=True) for a in (X, W1, W2, PRELU_W))
    F._w = pw
    d = (act(F, x @ w1) @ w2).sum()
    (gx,) = lib.autograd.grad(d, x, create_graph=True)
    ((gx.norm(2, dim=1) - 1) ** 2).mean().backward()
    return [None if t.grad is None else t.grad.detach().numpy() for t in (x, w1, w2, pw)]


class _F:
    """nn.functional with room for prelu's weight (the table's lambdas take F only)."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_gradient_penalty_matches_torch(name):
    torch = pytest.importorskip("torch")
    mg = _penalty_grads(minigrad, _F(minigrad.nn.functional), ACTIVATIONS[name])
    th = _penalty_grads(torch, _F(torch.nn.functional), ACTIVATIONS[name])
    for k, (a, b) in enumerate(zip(mg, th)):
        assert (a is None) == (b is None), f"{name}: leaf {k} has grad {a} where torch has {b}"
        if a is not None:
            rtol = TORCH_RTOL.get(name, 1e-10)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=f"{name}: leaf {k}")


@pytest.mark.parametrize("name", PIECEWISE_LINEAR)
def test_piecewise_linear_second_derivative_is_a_zero_tensor(name):
    x_grad, w1_grad, *_ = _penalty_grads(minigrad, _F(minigrad.nn.functional), ACTIVATIONS[name])
    assert x_grad is not None and x_grad.shape == X.shape
    assert not np.any(x_grad), f"{name}: the second derivative of a piecewise-linear map is 0"
    assert np.any(w1_grad)  # while the weights do get a penalty gradient


def test_first_order_backward_takes_no_tie():
    # the tie to x is only built under create_graph: a plain backward records nothing extra
    x = minigrad.tensor([-1.0, 2.0, math.inf, -math.inf], requires_grad=True)
    minigrad.nn.functional.leaky_relu(x, 0.5).sum().backward()
    assert x.grad.tolist() == [0.5, 1.0, 1.0, 0.5]
    (g,) = minigrad.autograd.grad(minigrad.nn.functional.leaky_relu(x, 0.5).sum(), x, create_graph=True)
    assert g.tolist() == [0.5, 1.0, 1.0, 0.5]  # no NaN from a 0 * inf at the infinite inputs


def test_integer_inputs_keep_the_composition():
    out = minigrad.nn.functional.leaky_relu(minigrad.tensor([-2, 3]), 0.5)
    assert out.tolist() == [-1.0, 3.0]
