"""nn.init: fill tensors in place with the standard initialisations.

Random values come from minigrad's generator (``minigrad.manual_seed``), drawn in float64
and converted to the tensor's dtype; the fill is not recorded (as under ``no_grad``).
The fan and gain rules are PyTorch's, so layers start from the same distributions as
their PyTorch twins (not the same numbers: the generators differ).
"""

import math

import numpy as np

from minigrad._internal import rng as _rng

from .parameter import assign

_LINEAR_LIKE = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity, param=None):
    """The recommended scale of the weights before ``nonlinearity`` (tanh: 5/3, relu: sqrt(2), ...).

    ``nonlinearity``: the function's name (``'linear'``, the conv names, ``'sigmoid'``,
    ``'tanh'``, ``'relu'``, ``'leaky_relu'``, ``'selu'``); ``param``: leaky_relu's negative
    slope (default 0.01).

    >>> nn.init.calculate_gain("tanh"), nn.init.calculate_gain("leaky_relu", 0.2)
    (1.6666666666666667, 1.3867504905630728)
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    return assign(tensor, np.asarray(values, dtype=tensor.dtype.numpy).reshape(tuple(tensor.shape)))


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with values drawn from U(a, b), in place; returns ``tensor``.

    ``tensor``: the tensor to fill; ``a``, ``b``: the bounds (default 0, 1); ``generator``: the
    random source (default: the global one, ``minigrad.manual_seed``).

    >>> w = nn.init.uniform_(minigrad.empty(1000), -2.0, 2.0)
    >>> bool(w.min() >= -2) and bool(w.max() <= 2)
    True
    >>> g = minigrad.Generator()
    >>> a = nn.init.uniform_(minigrad.empty(3), generator=g.manual_seed(1))
    >>> minigrad.equal(a, nn.init.uniform_(minigrad.empty(3), generator=g.manual_seed(1)))
    True
    """
    return _fill(tensor, _rng(generator).uniform(a, b, tuple(tensor.shape)))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with values drawn from N(mean, std^2), in place; returns ``tensor``.

    ``tensor``: the tensor to fill; ``mean``, ``std``: of the distribution (default 0, 1);
    ``generator``: the random source (default: the global one, ``minigrad.manual_seed``).

    >>> w = nn.init.normal_(minigrad.empty(10000), mean=3.0, std=0.5)
    >>> round(w.mean().item(), 1), round(w.std().item(), 1)
    (3.0, 0.5)
    """
    return _fill(tensor, _rng(generator).normal(mean, std, tuple(tensor.shape)))


def constant_(tensor, val):
    """Fill ``tensor`` with the value ``val``, in place (no gradient recorded); returns it.

    >>> nn.init.constant_(minigrad.empty(2, 3), 0.5)
    tensor([[0.5000, 0.5000, 0.5000],
            [0.5000, 0.5000, 0.5000]])
    """
    return _fill(tensor, np.full(tuple(tensor.shape), val))


def zeros_(tensor):
    """Fill ``tensor`` with zeros, in place (no gradient recorded); returns it.

    >>> nn.init.zeros_(minigrad.empty(2))
    tensor([0., 0.])
    """
    return constant_(tensor, 0)


def ones_(tensor):
    """Fill ``tensor`` with ones, in place (no gradient recorded); returns it.

    >>> nn.init.ones_(minigrad.empty(2))
    tensor([1., 1.])
    """
    return constant_(tensor, 1)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal), in place; returns it.

    ``tensor``: a 2-D tensor (not necessarily square).

    >>> nn.init.eye_(minigrad.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010), in place.

    ``tensor``: at least 2-D (fan_in = size(1) * receptive field, fan_out = size(0) * receptive
    field); ``gain``: a scale, e.g. ``calculate_gain('tanh')`` (default 1); ``generator``: the
    random source (default: the global one, ``minigrad.manual_seed``).

    >>> w = nn.init.xavier_uniform_(minigrad.empty(30, 20))     # a = sqrt(6 / 50)
    >>> bool(w.abs().max() <= (6 / 50) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)), in place.

    ``tensor``: at least 2-D; ``gain``: a scale (default 1); ``generator``: the random source
    (default: the global one, ``minigrad.manual_seed``).

    >>> w = nn.init.xavier_normal_(minigrad.empty(300, 200))    # std = sqrt(2 / 500) = 0.063
    >>> round(w.std().item(), 2)
    0.06
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); Linear and Conv use a=sqrt(5).

    ``tensor``: at least 2-D; ``a``: leaky_relu's negative slope (for the gain); ``mode``:
    ``'fan_in'`` (default; keeps the forward variance) or ``'fan_out'`` (the backward one);
    ``nonlinearity``: the name given to ``calculate_gain`` (default ``'leaky_relu'``);
    ``generator``: the random source (default: the global one, ``minigrad.manual_seed``).

    >>> w = nn.init.kaiming_uniform_(minigrad.empty(8, 6), nonlinearity="relu")   # b = sqrt(2) * sqrt(3 / 6)
    >>> bool(w.abs().max() <= 1.0)
    True
    """
    if 0 in tuple(tensor.shape):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan), in place.

    ``tensor``: at least 2-D; ``a``: leaky_relu's negative slope (for the gain); ``mode``:
    ``'fan_in'`` (default) or ``'fan_out'``; ``nonlinearity``: the name given to
    ``calculate_gain`` (default ``'leaky_relu'``); ``generator``: the random source (default:
    the global one, ``minigrad.manual_seed``).

    >>> w = nn.init.kaiming_normal_(minigrad.empty(200, 400), mode="fan_out", nonlinearity="relu")
    >>> round(w.std().item(), 2)     # sqrt(2 / 200)
    0.1
    """
    if 0 in tuple(tensor.shape):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
