"""The rest of PyTorch's activations (issue 19): the clamped family (hardtanh, relu6,
hardsigmoid, hardswish, threshold, the shrinks), the smooth ones (mish, selu, celu, softsign,
tanhshrink), softmin, glu and prelu, as functions and as modules.

All are compositions of existing ops (``where``, ``clamp``, ``exp``, ``tanh``, softplus), so
their gradients come from those. Comparisons are strict where PyTorch's backward is: hardtanh
passes the gradient only strictly inside (min_val, max_val), as PyTorch does.
"""

import minigrad

from .activation import _Inplace, elu, logsigmoid, softmax, softplus
from .module import Module
from .parameter import Parameter

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]; gradient 1 strictly inside, 0 elsewhere."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return minigrad.where(input <= min_val, min_val, minigrad.where(input >= max_val, max_val, input))


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    return hardtanh(input + 3.0, 0.0, 6.0) / 6.0


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return input * hardsigmoid(input)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, ``value`` elsewhere."""
    return minigrad.where(input > threshold, input, value)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere."""
    return minigrad.where((input > lambd) | (input < -lambd), input, 0.0)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return minigrad.where(input > lambd, input - lambd, minigrad.where(input < -lambd, input + lambd, 0.0))


def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1.0)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return input * softplus(input).tanh()


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    positive = input > 0
    # the exp sees only the negative side (clamped), so the branch not taken cannot overflow
    negative = (minigrad.where(positive, 0.0, input) / alpha).exp() - 1
    return minigrad.where(positive, input, negative * alpha)


def selu(input, inplace=False):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), PyTorch's constants."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    if not isinstance(input, minigrad.Tensor):
        raise TypeError(
            f"softmin(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return softmax(-input, dim, _stacklevel + 1, dtype)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def prelu(input, weight):
    """x where x > 0, weight * x elsewhere; a ``weight`` of C values applies per channel (dim 1)."""
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
    return minigrad.where(input > 0, input, input * weight)


class Hardtanh(_Inplace):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        self.min_val, self.max_val = min_val, max_val

    def forward(self, input):
        return hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(_Inplace):
    def forward(self, input):
        return relu6(input)


class Hardsigmoid(_Inplace):
    def forward(self, input):
        return hardsigmoid(input)


class Hardswish(_Inplace):
    def forward(self, input):
        return hardswish(input)


class Mish(_Inplace):
    def forward(self, input):
        return mish(input)


class SELU(_Inplace):
    def forward(self, input):
        return selu(input)


class CELU(_Inplace):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input):
        return celu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Threshold(_Inplace):
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
    def forward(self, input):
        return hardshrink(input, self.lambd)


class Softshrink(_Lambd):
    def forward(self, input):
        return softshrink(input, self.lambd)


class Tanhshrink(Module):
    def forward(self, input):
        return tanhshrink(input)


class Softsign(Module):
    def forward(self, input):
        return softsign(input)


class LogSigmoid(Module):
    def forward(self, input):
        return logsigmoid(input)


class Softmin(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class GLU(Module):
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, a * x elsewhere, with a learned slope (one, or one per channel)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(minigrad.full((num_parameters,), init, dtype=dtype))

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
