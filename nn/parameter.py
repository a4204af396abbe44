"""Parameter (declared in the core, ``minigrad/_parameter.py``, so that loading checkpoints
needs no ``nn``) and ``assign``, the in-place overwrite the layers and ``nn.init`` use."""

import minigrad
from minigrad import Tensor
from minigrad._internal import Parameter

__all__ = ["Parameter", "assign"]


def assign(target, value):
    """Overwrite ``target``'s values in place with ``value`` (a Tensor or array of its shape,
    converted to its dtype), without recording anything and bumping its version.

    >>> w = nn.Parameter(minigrad.zeros(2))
    >>> nn.init.assign(w, [1, 2])
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """
    if not isinstance(value, Tensor):
        value = minigrad.tensor(value, dtype=target.dtype)
    with minigrad.no_grad():
        target[...] = value
    return target
