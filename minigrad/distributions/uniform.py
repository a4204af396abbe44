"""The uniform distribution on [low, high), reparameterised: x = low + (high - low) * u."""

import math

import minigrad

from .distribution import Distribution, as_tensor, broadcast


class Uniform(Distribution):
    """Uniform(low, high), low < high.

    ``low``, ``high``: the bounds of [low, high) (tensors or numbers, broadcast);
    ``validate_args``: check the parameters (and ``log_prob``'s values) and raise ValueError
    when invalid (default: ``Distribution``'s setting, True).

    >>> Uniform(0.0, 4.0).entropy()
    tensor(1.3863)
    >>> Uniform(0.0, 4.0).log_prob(minigrad.tensor(1.0)), Uniform(0.0, 4.0).mean
    (tensor(-1.3863), tensor(2.))
    """

    has_rsample = True
    _params = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast(low, high)
        super().__init__(self.low.shape, (), validate_args)
        self._check("low", self.low, lambda v: v < self.high.detach(), "LessThan(high)")

    @property
    def mean(self):
        return (self.high + self.low) * 0.5

    @property
    def variance(self):
        w = self.high - self.low
        return w * w / 12

    def rsample(self, sample_shape=()):
        u = minigrad.rand(self._extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = as_tensor(value, self.low)
        inside = (value >= self.low) & (value < self.high)
        return minigrad.where(inside, -(self.high - self.low).log(), -math.inf)

    def entropy(self):
        return (self.high - self.low).log()

    def cdf(self, value):
        value = as_tensor(value, self.low)
        return ((value - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
