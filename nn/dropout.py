"""Dropout: in training, zero each element with probability p and scale the rest by 1/(1-p).

A composition (input * mask), with the mask drawn from minigrad's generator
(``minigrad.manual_seed`` makes it reproducible). In eval mode it returns its input.
Dropout1d/2d/3d zero whole channels: one draw per (sample, channel), broadcast over the
1, 2 or 3 spatial dimensions of (N, C, ...) or unbatched (C, ...) inputs.
"""

import warnings

import minigrad
from minigrad._internal import random_lead as _random_lead
from minigrad._internal import random_result as _random_result
from minigrad._internal import rng as _rng

from .module import Module


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero elements with probability ``p`` (and scale the others by 1/(1-p)) when ``training``.

    ``p``: the drop probability; ``training``: False returns the input unchanged; ``inplace``:
    accepted (the result is a new tensor).

    >>> sorted(set(F.dropout(minigrad.ones(100), p=0.2).tolist()))
    [0.0, 1.25]
    >>> F.dropout(minigrad.ones(3), training=False)
    tensor([1., 1., 1.])
    """
    return _dropout(input, p, training, tuple(input.shape) if isinstance(input, minigrad.Tensor) else None)


def _dropout(input, p, training, mask_shape):
    """``input`` times a keep-mask of ``mask_shape`` (broadcast), scaled by 1/(1-p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    lead = _random_lead()  # inside vmap(randomness='different'): a mask per sample
    keep = _rng().random(lead + tuple(mask_shape)) >= p
    mask = keep.astype(input.dtype.numpy) * input.dtype.numpy.type(1.0 / (1.0 - p))
    return input * _random_result(mask, lead)


def _feature_dropout(input, p, training, spatial, name):
    """Channel dropout for (N, C, *spatial) or (C, *spatial) inputs: one draw per channel."""
    if not isinstance(input, minigrad.Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    nd = input.ndim
    if name == "dropout1d" and nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an "
            "optional batch dimension (i.e. 2D or 3D inputs)."
        )
    if name == "dropout2d" and nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
            "This behavior will change in a future release to interpret the input as one without a batch "
            "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
            "switch to using dropout1d instead.",
            UserWarning,
            stacklevel=3,
        )
        spatial = 1
    elif name != "dropout1d" and nd not in (spatial + 1, spatial + 2):
        warnings.warn(
            f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an error "
            f"in a future release. To retain the behavior and silence this warning, please use dropout "
            f"instead. Note that {name} exists to provide channel-wise dropout on inputs with {spatial} "
            f"spatial dimensions, a channel dimension, and an optional batch dimension (i.e. {spatial + 1}D "
            f"or {spatial + 2}D inputs).",
            UserWarning,
            stacklevel=3,
        )
        spatial = max(nd - 2, 0)
    lead = nd - spatial if nd > spatial else nd
    return _dropout(input, p, training, tuple(input.shape[:lead]) + (1,) * (nd - lead))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) ``input`` with probability ``p``.

    ``p``: the probability that a channel is zeroed (the others are scaled by 1 / (1 - p));
    ``training``: apply dropout (default True; False returns the input's values);
    ``inplace``: accepted (the result is a new tensor).

    >>> y = F.dropout1d(minigrad.ones(1, 8, 3))
    >>> sorted(set(y.flatten().tolist())), bool((y.amax(2) == y.amin(2)).all())   # per channel
    ([0.0, 2.0], True)
    >>> F.dropout1d(minigrad.ones(1, 2, 3), training=False).sum()
    tensor(6.)
    """
    return _feature_dropout(input, p, training, 1, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) or (C, H, W) ``input`` with probability ``p``.

    ``p``: the probability that a channel is zeroed (the others are scaled by 1 / (1 - p));
    ``training``: apply dropout (default True; False returns the input's values);
    ``inplace``: accepted (the result is a new tensor).

    >>> y = F.dropout2d(minigrad.ones(1, 8, 2, 2))
    >>> sorted(set(y.flatten().tolist())), bool((y.amax((2, 3)) == y.amin((2, 3))).all())
    ([0.0, 2.0], True)
    >>> F.dropout2d(minigrad.ones(1, 2, 2, 2), training=False).sum()
    tensor(8.)
    """
    return _feature_dropout(input, p, training, 2, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) ``input`` with probability ``p``.

    ``p``: the probability that a channel is zeroed (the others are scaled by 1 / (1 - p));
    ``training``: apply dropout (default True; False returns the input's values);
    ``inplace``: accepted (the result is a new tensor).

    >>> y = F.dropout3d(minigrad.ones(1, 8, 2, 2, 2))
    >>> sorted(set(y.flatten().tolist())), bool((y.amax((2, 3, 4)) == y.amin((2, 3, 4))).all())
    ([0.0, 2.0], True)
    >>> F.dropout3d(minigrad.ones(1, 2, 1, 2, 2), training=False).sum()
    tensor(8.)
    """
    return _feature_dropout(input, p, training, 3, "dropout3d")


class Dropout(Module):
    """``nn.Dropout(p)``: dropout in train mode, identity in eval mode.

    Shapes: (*) -> (*). Each element is zeroed with probability ``p`` and the rest scaled by
    1 / (1 - p) in train mode; eval mode (``model.eval()``) returns the input.
    ``p``: the drop probability (default 0.5); ``inplace``: accepted (the result is a new tensor).

    >>> drop = nn.Dropout(p=0.5)
    >>> y = drop(minigrad.ones(1000))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> drop.eval()(minigrad.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """``nn.Dropout1d(p)``: whole channels of (N, C, L) or (C, L) inputs zeroed in train mode.

    ``p``: the probability that a channel is zeroed (the rest scaled by 1 / (1 - p)); ``inplace``:
    accepted (the result is a new tensor). Eval mode returns the input.

    >>> drop = nn.Dropout1d(0.5)
    >>> y = drop(minigrad.ones(1, 8, 3))
    >>> sorted(set(y.flatten().tolist())), drop.eval()(minigrad.ones(1, 2, 3)).sum()
    ([0.0, 2.0], tensor(6.))
    """

    _fn = staticmethod(dropout1d)

    def forward(self, input):
        return self._fn(input, self.p, self.training)


class Dropout2d(Dropout1d):
    """``nn.Dropout2d(p)``: whole channels of (N, C, H, W) or (C, H, W) inputs zeroed in train mode.

    ``p``: the probability that a channel is zeroed (the rest scaled by 1 / (1 - p)); ``inplace``:
    accepted (the result is a new tensor). Eval mode returns the input.

    >>> drop = nn.Dropout2d(0.5)
    >>> y = drop(minigrad.ones(1, 8, 2, 2))
    >>> sorted(set(y.flatten().tolist())), drop.eval()(minigrad.ones(1, 2, 2, 2)).sum()
    ([0.0, 2.0], tensor(8.))
    """

    _fn = staticmethod(dropout2d)


class Dropout3d(Dropout1d):
    """``nn.Dropout3d(p)``: whole channels of (N, C, D, H, W) or (C, D, H, W) inputs zeroed in train mode.

    ``p``: the probability that a channel is zeroed (the rest scaled by 1 / (1 - p)); ``inplace``:
    accepted (the result is a new tensor). Eval mode returns the input.

    >>> drop = nn.Dropout3d(0.5)
    >>> y = drop(minigrad.ones(1, 8, 1, 2, 2))
    >>> sorted(set(y.flatten().tolist())), drop.eval()(minigrad.ones(1, 2, 1, 2, 2)).sum()
    ([0.0, 2.0], tensor(8.))
    """

    _fn = staticmethod(dropout3d)
