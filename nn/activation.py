"""Activations, as functions (``F.relu``) and as modules (``nn.ReLU()``).

All but softplus and softmax/log_softmax (primitives in ``minigrad/ops/nn.py``, for
stability) and the exact GELU of float32/float64 tensors (``minigrad/ops/layers.py``, for
speed) are compositions of existing ops. Where a branch could overflow (exp in ELU),
its input is clamped first, so the branch not taken never feeds 0 * inf into a gradient.

``inplace=True`` is accepted (and shown in the repr) but the result is a new tensor: the
values are the same, only the aliasing differs.
"""

import math
import warnings

import minigrad
from minigrad.ops import layers as _layers
from minigrad.ops import nn as _ops

from .module import Module

_SQRT_HALF = 1 / math.sqrt(2)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _is_float(input):
    """A float tensor: the piecewise-linear activations run their primitive (ops/nn.py), whose
    derivative reads x for second derivatives; other dtypes keep the composition."""
    return isinstance(input, minigrad.Tensor) and input.dtype.is_floating_point


def relu(input, inplace=False):
    """max(x, 0).

    ``input``: any tensor; ``inplace``: accepted (the result is a new tensor).

    >>> F.relu(minigrad.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    return minigrad.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise.

    ``input``: any tensor; ``negative_slope``: the slope below 0 (default 0.01);
    ``inplace``: accepted (the result is a new tensor).

    >>> F.leaky_relu(minigrad.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    if _is_float(input):
        return _ops.leaky_relu(input, negative_slope)
    return minigrad.where(input > 0, input, input * negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise.

    ``input``: any floating tensor; ``alpha``: the negative side's scale (default 1.0);
    ``inplace``: accepted (the result is a new tensor).

    >>> F.elu(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    positive = input > 0
    return minigrad.where(positive, input, minigrad.expm1(minigrad.where(positive, 0.0, input)) * alpha)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi: the standard normal CDF); ``approximate='tanh'`` uses the tanh formula.

    ``input``: any floating tensor; ``approximate``: ``'none'`` (erf) or ``'tanh'``.

    >>> F.gelu(minigrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    >>> F.gelu(minigrad.tensor([-1.0, 0.0, 1.0]), approximate="tanh")
    tensor([-0.1588,  0.0000,  0.8412])
    """
    if approximate == "none":
        if input.dtype in (minigrad.float32, minigrad.float64):
            return _layers.gelu(input)  # one fused node
        return input * (_ops.erf(input * _SQRT_HALF) + 1) * 0.5
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * _SQRT_2_OVER_PI
        return input * (inner.tanh() + 1) * 0.5
    raise RuntimeError(f"approximate argument must be either none or tanh (got {approximate!r})")


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish).

    ``input``: any floating tensor; ``inplace``: accepted (the result is a new tensor).

    >>> F.silu(minigrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """
    return input * minigrad.sigmoid(input)


def sigmoid(input):
    """1 / (1 + exp(-x)), elementwise.

    ``input``: any floating tensor.

    >>> F.sigmoid(minigrad.tensor([0.0]))
    tensor([0.5000])
    """
    return minigrad.sigmoid(input)


def tanh(input):
    """tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x)), elementwise.

    ``input``: any floating tensor.

    >>> F.tanh(minigrad.tensor([0.0]))
    tensor([0.])
    """
    return minigrad.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold.

    ``input``: any floating tensor; ``beta``: the sharpness (default 1.0);
    ``threshold``: the linear region's start (default 20).

    >>> F.softplus(minigrad.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    return _ops.softplus(input, beta, threshold)


def logsigmoid(input):
    """log(sigmoid(x)), computed as -softplus(-x) (no log of an underflowed 0).

    ``input``: a floating tensor.

    >>> F.logsigmoid(minigrad.tensor([0.0, -200.0]))
    tensor([  -0.6931, -200.0000])
    """
    if not isinstance(input, minigrad.Tensor):
        raise TypeError(
            f"logsigmoid(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return -_ops.softplus(-input, 1.0, 20.0)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``.

    ``input``: any floating tensor; ``dim``: the dimension that sums to 1 (give it: None warns
    and picks PyTorch's legacy default); ``dtype``: cast the input to this first; ``_stacklevel``:
    for the warning.

    >>> F.softmax(minigrad.tensor([[1.0, 2.0, 3.0]]), dim=1)
    tensor([[0.0900, 0.2447, 0.6652]])
    >>> F.softmax(minigrad.tensor([[1.0, 2.0, 3.0]]), dim=1).sum()
    tensor(1.)
    """
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _ops.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably.

    ``input``: any floating tensor; ``dim``: the dimension normalised over (give it: None warns
    and picks PyTorch's legacy default); ``dtype``: cast the input to this first; ``_stacklevel``:
    for the warning.

    >>> F.log_softmax(minigrad.tensor([[0.0, 0.0]]), dim=1)
    tensor([[-0.6931, -0.6931]])
    """
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _ops.log_softmax(input, dim, dtype)


class _Inplace(Module):
    """An activation with an ``inplace`` flag (shown in the repr only when set)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """max(x, 0), elementwise: input (*) -> output (*), the same shape.

    ``inplace``: accepted for PyTorch's signature (the result is a new tensor either way).

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.ReLU()(x)
    tensor([0., 0., 2.])
    """

    def forward(self, input):
        return relu(input)


class SiLU(_Inplace):
    """x * sigmoid(x) (swish), elementwise: (*) -> (*).

    ``inplace``: accepted for PyTorch's signature (the result is a new tensor either way).

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.SiLU()(x)
    tensor([-0.2384,  0.0000,  1.7616])
    """

    def forward(self, input):
        return silu(input)


class LeakyReLU(_Inplace):
    """x for x > 0, ``negative_slope`` * x otherwise, elementwise: (*) -> (*).

    ``negative_slope``: the slope below 0 (default 0.01); ``inplace``: accepted, the result is a
    new tensor.

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.LeakyReLU(0.1)(x)
    tensor([-0.2000,  0.0000,  2.0000])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, input):
        return leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(_Inplace):
    """x for x > 0, ``alpha`` * (exp(x) - 1) otherwise, elementwise: (*) -> (*).

    ``alpha``: the value approached as x -> -inf is -alpha (default 1.0); ``inplace``: accepted,
    the result is a new tensor.

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.ELU()(x)
    tensor([-0.8647,  0.0000,  2.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input):
        return elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF, elementwise: (*) -> (*).

    ``approximate``: ``'none'`` (exact, with erf) or ``'tanh'``
    (0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))).

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.GELU()(x)
    tensor([-0.0455,  0.0000,  1.9545])
    >>> nn.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise: (*) -> (*).

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.Sigmoid()(x)
    tensor([0.1192, 0.5000, 0.8808])
    """

    def forward(self, input):
        return minigrad.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise: (*) -> (*).

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.Tanh()(x)
    tensor([-0.9640,  0.0000,  0.9640])
    """

    def forward(self, input):
        return minigrad.tanh(input)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, elementwise: (*) -> (*); a smooth relu.

    ``beta``: the sharpness (default 1.0); ``threshold``: where beta * x > threshold the result
    is x itself (default 20.0), for stability.

    >>> x = minigrad.tensor([-2.0, 0.0, 2.0])
    >>> nn.Softplus()(x)
    tensor([0.1269, 0.6931, 2.1269])
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Softmax along ``dim`` (None: PyTorch's legacy choice, with its deprecation warning).

    Shapes: (*) -> (*), the same; every slice along ``dim`` sums to 1.

    >>> nn.Softmax(dim=-1)(minigrad.tensor([[0.0, 1.0]]))
    tensor([[0.2689, 0.7311]])
    """

    _fn = staticmethod(softmax)

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return self._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably: (*) -> (*), the same shape.

    ``dim``: the dimension the log-probabilities are normalised over (None: PyTorch's legacy
    choice, with its deprecation warning).

    >>> nn.LogSoftmax(dim=1)(minigrad.zeros(1, 4))
    tensor([[-1.3863, -1.3863, -1.3863, -1.3863]])
    """

    _fn = staticmethod(log_softmax)
