"""The normal distribution N(loc, scale^2), reparameterised: x = loc + scale * eps."""

import math

import minigrad

from .distribution import Distribution, as_tensor, broadcast

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Normal(Distribution):
    """Normal(loc, scale): the Gaussian with mean ``loc`` and standard deviation ``scale`` (> 0).

    ``loc``, ``scale``: tensors or numbers (broadcast together); ``validate_args``: check the
    parameters (and ``log_prob``'s values) and raise ValueError when invalid (default:
    ``Distribution``'s setting, True).

    >>> Normal(minigrad.tensor([0.0]), minigrad.tensor([2.0])).entropy()
    tensor([2.1121])
    >>> Normal(0.0, 1.0).log_prob(minigrad.tensor([0.0, 1.0]))
    tensor([-0.9189, -1.4189])
    """

    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        self._check("scale", self.scale, lambda s: s > 0, "GreaterThan(lower_bound=0.0)")
        self._check("loc", self.loc, lambda v: v == v, "Real()")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale * self.scale

    def rsample(self, sample_shape=()):
        eps = minigrad.randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        value = as_tensor(value, self.loc)
        z = (value - self.loc) / self.scale
        return z * z * -0.5 - self.scale.log() - _HALF_LOG_2PI

    def entropy(self):
        return self.scale.log() + (0.5 + _HALF_LOG_2PI)

    def cdf(self, value):
        from minigrad.ops.nn import erf

        value = as_tensor(value, self.loc)
        return (erf((value - self.loc) / self.scale * (1 / math.sqrt(2))) + 1) * 0.5
