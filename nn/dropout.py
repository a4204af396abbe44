"""Dropout: in training, zero each element with probability p and scale the rest by 1/(1-p).

A composition (input * mask), with the mask drawn from minigrad's generator
(``minigrad.manual_seed`` makes it reproducible). In eval mode it returns its input.
"""

import minigrad
from minigrad.random import _rng

from .module import Module


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero elements with probability ``p`` (and scale the others by 1/(1-p)) when ``training``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = _rng().random(tuple(input.shape)) >= p
    mask = keep.astype(input.dtype.numpy) * input.dtype.numpy.type(1.0 / (1.0 - p))
    return input * minigrad.from_numpy(mask)


class Dropout(Module):
    """``nn.Dropout(p)``: dropout in train mode, identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
