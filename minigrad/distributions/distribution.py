"""The base class: shapes, argument checks and the sample/rsample contract."""

import minigrad


def as_tensor(value, like=None):
    """``value`` as a floating Tensor (Python numbers take ``like``'s dtype or the default)."""
    if isinstance(value, minigrad.Tensor):
        return value if value.is_floating_point() else value.float()
    dtype = like.dtype if isinstance(like, minigrad.Tensor) and like.is_floating_point() else None
    return minigrad.tensor(float(value) if isinstance(value, (int, float)) else value, dtype=dtype)


def broadcast(*values):
    """The values as Tensors of one broadcast shape (the distribution's batch_shape)."""
    tensors = [as_tensor(v) for v in values]
    for t in tensors:
        if t.is_floating_point():
            tensors = [as_tensor(v, t) for v in values]
            break
    shape = ()
    for t in tensors:
        shape = _broadcast_shapes(shape, tuple(t.shape))
    return [t.expand(shape) if tuple(t.shape) != shape else t for t in tensors]


def _broadcast_shapes(a, b):
    import numpy as np

    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise ValueError(f"distribution parameters of shapes {a} and {b} do not broadcast") from None


class Distribution:
    """A distribution over values of ``batch_shape + event_shape``.

    Subclasses set ``batch_shape``/``event_shape`` and define ``rsample`` (if they can be
    reparameterised: ``has_rsample``) or ``sample``, and ``log_prob``/``entropy``.

    ``batch_shape``: the shape of a batch of independent distributions; ``event_shape``: the
    shape of one value; ``validate_args``: check parameters and values (default: the class
    setting, True; ``Distribution.set_default_validate_args`` changes it).

    >>> class Constant(Distribution):
    ...     def __init__(self, value):
    ...         self.value = minigrad.as_tensor(value)
    ...         super().__init__(batch_shape=self.value.shape)
    ...     def rsample(self, sample_shape=()):
    ...         return self.value.expand(self._extended_shape(sample_shape))
    >>> d = Constant([1.0, 2.0])
    >>> d.batch_shape, d.sample((3,)).shape
    (minigrad.Size([2]), minigrad.Size([3, 2]))
    """

    has_rsample = False
    _validate_args = True

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self.batch_shape = minigrad.Size(tuple(batch_shape))
        self.event_shape = minigrad.Size(tuple(event_shape))
        if validate_args is not None:
            self._validate_args = validate_args

    @staticmethod
    def set_default_validate_args(value):
        Distribution._validate_args = bool(value)

    def _extended_shape(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return tuple(sample_shape) + tuple(self.batch_shape) + tuple(self.event_shape)

    def sample(self, sample_shape=()):
        """A sample of shape ``sample_shape + batch_shape + event_shape``, without gradient."""
        with minigrad.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sampler (rsample)")

    def sample_n(self, n):
        return self.sample((n,))

    def log_prob(self, value):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def _check(self, name, value, ok, constraint):
        """ValueError, PyTorch's sentence, when a parameter breaks its constraint."""
        if self._validate_args and not bool(ok(value.detach()).all()):
            raise ValueError(
                f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of distribution "
                f"{type(self).__name__} to satisfy the constraint {constraint}, but found invalid values:\n"
                f"{value.detach()}"
            )

    def __repr__(self):
        params = ", ".join(f"{k}: {tuple(getattr(self, k).shape)}" for k in self._params)
        return f"{type(self).__name__}({params})"

    _params = ()
