"""The categorical distribution over {0, ..., K - 1}, parameterised by ``probs`` or ``logits``
along the last dim (the batch_shape is everything before it).

probs are normalised to sum to 1 and logits to log-probabilities (logits - logsumexp), as in
PyTorch; log_prob picks the normalised logit of each value, entropy is -sum(p * log p) with
the logits clamped to the dtype's most negative finite value (so p = 0 contributes 0, not nan).
"""

import numpy as np

import minigrad

from .distribution import Distribution, as_tensor


class Categorical(Distribution):
    """Categorical(probs=p) or Categorical(logits=l) over the last dim of p or l.

    ``probs``: non-negative weights per category (normalised to sum to 1); ``logits``:
    unnormalised log-probabilities (give one of the two); ``validate_args``: check the
    parameters (and ``log_prob``'s values) and raise ValueError when invalid (default:
    ``Distribution``'s setting, True).

    >>> Categorical(probs=minigrad.tensor([0.5, 0.5])).entropy()
    tensor(0.6931)
    >>> Categorical(logits=minigrad.zeros(2, 4)).log_prob(minigrad.tensor([0, 3]))
    tensor([-1.3863, -1.3863])
    """

    _params = ("probs",)

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        given = as_tensor(probs if probs is not None else logits)
        if given.ndim < 1:
            raise ValueError("`probs` or `logits` parameter must be at least one-dimensional.")
        if probs is not None:
            self._validate_args = self._validate_args if validate_args is None else validate_args
            self._check("probs", given, lambda p: p >= 0, "Simplex()")
            self.probs = given / given.sum(-1, keepdim=True)
            self.logits = self.probs.clamp_min(float(np.finfo(given.dtype.numpy).tiny)).log()
        else:
            self.logits = given - given.logsumexp(-1, keepdim=True)
            self.probs = self.logits.softmax(-1)
        self._num_events = given.shape[-1]
        super().__init__(given.shape[:-1], (), validate_args)

    @property
    def param_shape(self):
        return self.probs.shape

    @property
    def mean(self):
        return minigrad.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def sample(self, sample_shape=()):
        shape = (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)
        n = int(np.prod(shape)) if shape else 1
        with minigrad.no_grad():
            flat = self.probs.detach().reshape(-1, self._num_events)
            draws = minigrad.multinomial(flat, n, replacement=True)  # (batch, n)
            return draws.transpose(0, 1).reshape(shape + tuple(self.batch_shape))

    def log_prob(self, value):
        value = value if isinstance(value, minigrad.Tensor) else minigrad.tensor(value)
        if value.is_floating_point():
            value = value.long()
        v = value.numpy()
        if v.size and (v.min() < 0 or v.max() >= self._num_events):
            raise ValueError(
                "Expected value argument of Categorical to be within the support "
                f"IntegerInterval(lower_bound=0, "
                f"upper_bound={self._num_events - 1}), but found invalid values:\n{value}"
            )
        batch = tuple(np.broadcast_shapes(tuple(value.shape), tuple(self.batch_shape)))
        logits = self.logits.expand(batch + (self._num_events,))
        index = value.expand(batch).unsqueeze(-1)
        return logits.gather(-1, index).squeeze(-1)

    def entropy(self):
        lowest = float(np.finfo(self.logits.dtype.numpy).min)
        return -(self.logits.clamp_min(lowest) * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = minigrad.arange(self._num_events).reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand((self._num_events,) + tuple(self.batch_shape)) if expand else values
