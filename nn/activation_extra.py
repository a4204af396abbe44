"""The rest of PyTorch's activations (issue 19): the clamped family (hardtanh, relu6,
hardsigmoid, hardswish, threshold, the shrinks), the smooth ones (mish, selu, celu, softsign,
tanhshrink), softmin, glu and prelu, as functions and as modules.

All are compositions of existing ops (``where``, ``clamp``, ``exp``, ``tanh``, softplus), so
their gradients come from those. Comparisons are strict where PyTorch's backward is: hardtanh
passes the gradient only strictly inside (min_val, max_val), as PyTorch does.
"""

import minigrad
from minigrad.ops import nn as _ops

from .activation import _Inplace, _is_float, elu, logsigmoid, softmax, softplus
from .module import Module
from .parameter import Parameter

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]; gradient 1 strictly inside, 0 elsewhere.

    ``input``: any tensor; ``min_val``, ``max_val``: the range (default -1, 1);
    ``inplace``: accepted (the result is a new tensor).

    >>> F.hardtanh(minigrad.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    if _is_float(input):
        return _ops.hardtanh(input, min_val, max_val)
    return minigrad.where(input <= min_val, min_val, minigrad.where(input >= max_val, max_val, input))


def relu6(input, inplace=False):
    """min(max(x, 0), 6).

    ``input``: any tensor; ``inplace``: accepted (the result is a new tensor).

    >>> F.relu6(minigrad.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid.

    ``input``: any tensor; ``inplace``: accepted (the result is a new tensor).

    >>> F.hardsigmoid(minigrad.tensor([-4.0, 0.0, 1.5]))
    tensor([0.0000, 0.5000, 0.7500])
    """
    return hardtanh(input + 3.0, 0.0, 6.0) / 6.0


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6.

    ``input``: any tensor; ``inplace``: accepted (the result is a new tensor).

    >>> F.hardswish(minigrad.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000, 0.6667, 4.0000])
    """
    return input * hardsigmoid(input)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, ``value`` elsewhere.

    ``input``: any tensor; ``threshold``: the cut-off; ``value``: what replaces x at or below it;
    ``inplace``: accepted (the result is a new tensor).

    >>> F.threshold(minigrad.tensor([0.5, 1.0, 2.0]), 1.0, -5.0)
    tensor([-5., -5.,  2.])
    """
    if _is_float(input):
        return _ops.threshold(input, threshold, value)
    return minigrad.where(input > threshold, input, value)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere.

    ``input``: any tensor; ``lambd``: the half-width of the zeroed band (default 0.5).

    >>> F.hardshrink(minigrad.tensor([-1.0, 0.3, 0.7]))
    tensor([-1.0000,  0.0000,  0.7000])
    """
    if _is_float(input):
        return _ops.hardshrink(input, lambd)
    return minigrad.where((input > lambd) | (input < -lambd), input, 0.0)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between.

    ``input``: any tensor; ``lambd``: the shrink amount, >= 0 (default 0.5).

    >>> F.softshrink(minigrad.tensor([-1.0, 0.3, 2.0]))
    tensor([-0.5000,  0.0000,  1.5000])
    """
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    if _is_float(input):
        return _ops.softshrink(input, lambd)
    return minigrad.where(input > lambd, input - lambd, minigrad.where(input < -lambd, input + lambd, 0.0))


def tanhshrink(input):
    """x - tanh(x).

    ``input``: any floating tensor.

    >>> F.tanhshrink(minigrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """
    return input - input.tanh()


def softsign(input):
    """x / (1 + |x|).

    ``input``: any floating tensor.

    >>> F.softsign(minigrad.tensor([-3.0, 0.0, 1.0]))
    tensor([-0.7500,  0.0000,  0.5000])
    """
    return input / (input.abs() + 1.0)


def mish(input, inplace=False):
    """x * tanh(softplus(x)).

    ``input``: any floating tensor; ``inplace``: accepted (the result is a new tensor).

    >>> F.mish(minigrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.3034,  0.0000,  0.8651])
    """
    return input * softplus(input).tanh()


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    ``input``: any floating tensor; ``alpha``: the negative side's scale, not 0 (default 1.0);
    ``inplace``: accepted (the result is a new tensor).

    >>> F.celu(minigrad.tensor([-1.0, 2.0]), alpha=2.0)
    tensor([-0.7869,  2.0000])
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    positive = input > 0
    # the exp sees only the negative side (clamped), so the branch not taken cannot overflow
    negative = minigrad.expm1(minigrad.where(positive, 0.0, input) / alpha)  # expm1: exact near 0
    return minigrad.where(positive, input, negative * alpha)


def selu(input, inplace=False):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), PyTorch's constants.

    ``input``: any floating tensor; ``inplace``: accepted (the result is a new tensor).

    >>> F.selu(minigrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-1.1113,  0.0000,  1.0507])
    """
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``.

    ``input``: a floating tensor; ``dim``: the dimension whose entries sum to 1;
    ``_stacklevel``: for PyTorch's signature (only used for the implicit-dim warning);
    ``dtype``: if given, ``input`` is cast to it first.

    >>> F.softmin(minigrad.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.6652, 0.2447, 0.0900])
    """
    if not isinstance(input, minigrad.Tensor):
        raise TypeError(
            f"softmin(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return softmax(-input, dim, _stacklevel + 1, dtype)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``.

    ``input``: a tensor whose size along ``dim`` is even; ``dim``: the dimension split in two
    (default -1). The result is half as long along ``dim``.

    >>> F.glu(minigrad.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def prelu(input, weight):
    """x where x > 0, weight * x elsewhere; a ``weight`` of C values applies per channel (dim 1).

    ``input``: a tensor (N, C, *) or (C,); ``weight``: the learned slopes, 1 or C values.

    >>> F.prelu(minigrad.tensor([[-1.0, 2.0], [-3.0, 4.0]]), minigrad.tensor([0.1, 0.5]))
    tensor([[-0.1000,  2.0000],
            [-0.3000,  4.0000]])
    """
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
    if n != 1 and n != channels:
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
            f"and channel size = {channels}."
        )
    if n != 1 and input.ndim >= 2:
        weight = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    elif n == 1:
        weight = weight.reshape(())
    if _is_float(input) and _is_float(weight) and input.dtype == weight.dtype:
        return _ops.prelu(input, weight)
    return minigrad.where(input > 0, input, input * weight)


class Hardtanh(_Inplace):
    """x clamped to [``min_val``, ``max_val``], elementwise: (*) -> (*).

    ``min_val``, ``max_val``: the range (default -1, 1);
    ``inplace``: accepted (the result is a new tensor).

    >>> x = minigrad.tensor([-2.0, -0.25, 0.0, 0.25, 2.0])
    >>> nn.Hardtanh()(x)
    tensor([-1.0000, -0.2500,  0.0000,  0.2500,  1.0000])
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        self.min_val, self.max_val = min_val, max_val

    def forward(self, input):
        return hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(_Inplace):
    """min(max(x, 0), 6), elementwise: (*) -> (*).

    ``inplace``: accepted for PyTorch's signature (the result is a new tensor either way).

    >>> nn.ReLU6()(minigrad.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """

    def forward(self, input):
        return relu6(input)


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6, a piecewise-linear sigmoid, elementwise: (*) -> (*).

    ``inplace``: accepted for PyTorch's signature (the result is a new tensor either way).

    >>> nn.Hardsigmoid()(minigrad.tensor([-3.0, 0.0, 3.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """

    def forward(self, input):
        return hardsigmoid(input)


class Hardswish(_Inplace):
    """x * relu6(x + 3) / 6, elementwise: (*) -> (*).

    ``inplace``: accepted for PyTorch's signature (the result is a new tensor either way).

    >>> nn.Hardswish()(minigrad.tensor([-3.0, 0.0, 3.0]))
    tensor([-0., 0., 3.])
    """

    def forward(self, input):
        return hardswish(input)


class Mish(_Inplace):
    """x * tanh(softplus(x)), elementwise: (*) -> (*).

    ``inplace``: accepted for PyTorch's signature (the result is a new tensor either way).

    >>> nn.Mish()(minigrad.tensor([-2.0, 0.0, 2.0]))
    tensor([-0.2525,  0.0000,  1.9440])
    """

    def forward(self, input):
        return mish(input)


class SELU(_Inplace):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), elementwise: (*) -> (*), with
    alpha = 1.6733 and scale = 1.0507 (self-normalising, Klambauer et al., 2017).

    ``inplace``: accepted for PyTorch's signature (the result is a new tensor either way).

    >>> nn.SELU()(minigrad.tensor([-2.0, 0.0, 2.0]))
    tensor([-1.5202,  0.0000,  2.1014])
    """

    def forward(self, input):
        return selu(input)


class CELU(_Inplace):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise: (*) -> (*).

    ``alpha``: the scale of the negative side (default 1.0, not 0);
    ``inplace``: accepted (the result is a new tensor).

    >>> nn.CELU(alpha=2.0)(minigrad.tensor([-2.0, 0.0, 2.0]))
    tensor([-1.2642,  0.0000,  2.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input):
        return celu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Threshold(_Inplace):
    """x where x > ``threshold``, ``value`` elsewhere, elementwise: (*) -> (*).

    ``threshold``: the cut-off; ``value``: what replaces the entries at or below it;
    ``inplace``: accepted (the result is a new tensor).

    >>> x = minigrad.tensor([-2.0, -0.25, 0.0, 0.25, 2.0])
    >>> nn.Threshold(0.1, 20.0)(x)
    tensor([20.0000, 20.0000, 20.0000,  0.2500,  2.0000])
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__(inplace)
        self.threshold, self.value = threshold, value

    def forward(self, input):
        return threshold(input, self.threshold, self.value)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class _Lambd(Module):
    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(_Lambd):
    """x where |x| > ``lambd``, 0 elsewhere, elementwise: (*) -> (*).

    ``lambd``: the half-width of the zeroed band (default 0.5).

    >>> x = minigrad.tensor([-2.0, -0.25, 0.0, 0.25, 2.0])
    >>> nn.Hardshrink(0.5)(x)
    tensor([-2.,  0.,  0.,  0.,  2.])
    """

    def forward(self, input):
        return hardshrink(input, self.lambd)


class Softshrink(_Lambd):
    """x - lambd above ``lambd``, x + lambd below -lambd, 0 between, elementwise: (*) -> (*).

    ``lambd``: the half-width of the zeroed band (default 0.5, must be >= 0).

    >>> nn.Softshrink(0.5)(minigrad.tensor([-2.0, 0.0, 0.25, 2.0]))
    tensor([-1.5000,  0.0000,  0.0000,  1.5000])
    """

    def forward(self, input):
        return softshrink(input, self.lambd)


class Tanhshrink(Module):
    """x - tanh(x), elementwise: (*) -> (*).

    >>> nn.Tanhshrink()(minigrad.tensor([-2.0, 0.0, 2.0]))
    tensor([-1.0360,  0.0000,  1.0360])
    """

    def forward(self, input):
        return tanhshrink(input)


class Softsign(Module):
    """x / (1 + |x|), elementwise: (*) -> (*).

    >>> nn.Softsign()(minigrad.tensor([-3.0, 0.0, 1.0]))
    tensor([-0.7500,  0.0000,  0.5000])
    """

    def forward(self, input):
        return softsign(input)


class LogSigmoid(Module):
    """log(sigmoid(x)) = -softplus(-x), elementwise: (*) -> (*).

    >>> nn.LogSigmoid()(minigrad.tensor([-2.0, 0.0, 2.0]))
    tensor([-2.1269, -0.6931, -0.1269])
    """

    def forward(self, input):
        return logsigmoid(input)


class Softmin(Module):
    """softmax(-x) along ``dim``: (*) -> (*), the same shape; the smallest entry gets the most weight.

    ``dim``: the dimension that sums to 1 (None: PyTorch's legacy choice, with its deprecation
    warning).

    >>> nn.Softmin(dim=0)(minigrad.tensor([1.0, 2.0, 3.0]))
    tensor([0.6652, 0.2447, 0.0900])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class GLU(Module):
    """The gated linear unit a * sigmoid(b), a and b the two halves of the input along ``dim``:
    (*, 2 * N, *) -> (*, N, *).

    ``dim``: the dimension split in half (default -1; its size must be even).

    >>> nn.GLU()(minigrad.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, a * x elsewhere, with a learned slope (one, or one per channel).

    Shapes: (N, C, *) or (*) -> the same.
    ``num_parameters``: 1, or C (one slope per channel, dim 1); ``init``: the starting slope
    (default 0.25); ``device``, ``dtype``: of the weight.

    >>> nn.PReLU()(minigrad.tensor([-2.0, 2.0])).tolist()
    [-0.5, 2.0]
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(minigrad.full((num_parameters,), init, dtype=dtype))

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
