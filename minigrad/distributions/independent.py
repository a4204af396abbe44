"""Independent: the last ``reinterpreted_batch_ndims`` batch dims of a base distribution
become event dims, so log_prob and entropy sum over them (a diagonal Gaussian over vectors
is ``Independent(Normal(mu, sigma), 1)``)."""

from .distribution import Distribution


def _sum_rightmost(x, n):
    return x.sum(tuple(range(-n, 0))) if n else x


class Independent(Distribution):
    """Treats the rightmost ``reinterpreted_batch_ndims`` batch dims of a distribution as event dims.

    ``log_prob`` then sums over those dims (a diagonal Normal as one multivariate event);
    samples are unchanged. ``base_distribution``: the distribution wrapped;
    ``reinterpreted_batch_ndims``: how many batch dims become event dims; ``validate_args``:
    check arguments and samples, as in Distribution.

    >>> from minigrad.distributions import Independent, Normal
    >>> d = Independent(Normal(minigrad.zeros(3, 2), minigrad.ones(3, 2)), 1)
    >>> d.batch_shape, d.event_shape
    (minigrad.Size([3]), minigrad.Size([2]))
    >>> d.log_prob(minigrad.zeros(3, 2))
    tensor([-1.8379, -1.8379, -1.8379])
    """

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        n = int(reinterpreted_batch_ndims)
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        if n > len(base_distribution.batch_shape):
            raise ValueError(
                f"Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual {n} vs "
                f"{len(base_distribution.batch_shape)}"
            )
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        cut = len(base_distribution.batch_shape) - n
        super().__init__(shape[:cut], shape[cut:], validate_args)

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def variance(self):
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
