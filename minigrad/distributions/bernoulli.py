"""The Bernoulli distribution over {0, 1}, parameterised by ``probs`` or ``logits``.

Both are kept: the one given, and the other derived from it (logits = log p - log(1 - p),
with p clamped away from 0 and 1; probs = sigmoid(logits)). log_prob and entropy use the
logits through binary_cross_entropy_with_logits, stable for any logit.
"""

import numpy as np

import minigrad

from ..ops.nn import softplus
from .distribution import Distribution, as_tensor, broadcast


def _clamp_probs(p):
    eps = float(np.finfo(p.dtype.numpy).eps)
    return p.clamp(eps, 1 - eps)


def _bce_with_logits(logits, target):
    # nn.functional's binary_cross_entropy_with_logits, unreduced, from the op table (the core
    # does not import nn): (1 - t) * l + softplus(-l)
    return (1 - target) * logits + softplus(-logits)


class Bernoulli(Distribution):
    """Bernoulli(probs=p) or Bernoulli(logits=l): 1 with probability p = sigmoid(l).

    ``probs``: the probability of 1, in [0, 1]; ``logits``: its log-odds (give one of the two);
    ``validate_args``: check the parameters (and ``log_prob``'s values) and raise ValueError
    when invalid (default: ``Distribution``'s setting, True).

    >>> Bernoulli(probs=minigrad.tensor(0.25)).log_prob(minigrad.tensor(1.0))
    tensor(-1.3863)
    >>> Bernoulli(logits=minigrad.tensor([0.0, 2.0])).mean
    tensor([0.5000, 0.8808])
    """

    _params = ("probs",)

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast(probs)
            self._check(
                "probs",
                self.probs,
                lambda p: (p >= 0) & (p <= 1),
                "Interval(lower_bound=0.0, upper_bound=1.0)",
            )
            p = _clamp_probs(self.probs)
            self.logits = p.log() - (1 - p).log()
        else:
            (self.logits,) = broadcast(logits)
            self.probs = self.logits.sigmoid()
        super().__init__(self.probs.shape, (), validate_args)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        with minigrad.no_grad():
            return minigrad.bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        value = as_tensor(value, self.logits)
        logits, value = broadcast(self.logits, value)
        return -_bce_with_logits(logits, value)

    def entropy(self):
        return _bce_with_logits(self.logits, self.probs)
