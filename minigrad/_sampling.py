"""Random sampling: rand, randn, randint, randperm, the ``*_like`` forms, normal, bernoulli,
multinomial, poisson, and the in-place samplers (``x.uniform_()``, ``x.normal_()``, ...).

Each takes ``generator=`` (a ``minigrad.Generator``; the default generator otherwise) and
draws from its numpy stream (``random._rng``). Values are drawn in float64 and converted to
the tensor's dtype, so a float32 and a float64 tensor drawn from one seed agree to float32's
precision. Samples are not recorded on the tape: like PyTorch, a draw has no gradient (use
``mean + std * randn_like(std)`` for the reparameterisation trick).
"""

import numpy as np

from . import _batched, _dtypes
from ._creation import _size
from ._device import check_device
from ._tape import Tensor, _from_array
from .ops._core import METHODS
from .random import _rng


def _float_npd(dtype, op):
    npd = _dtypes.to_numpy(dtype if dtype is not None else _dtypes.float32)
    if npd.kind != "f":
        raise TypeError(f"{op}(): expected a floating point dtype, got {_dtypes.from_numpy(npd)}")
    return npd


def _new(arr, npd, requires_grad=False, lead=()):
    """The tensor of a draw; ``lead``: the draw has vmap's batch dim in front (randomness=
    'different'), so it is a batched tensor, one sample's numbers each."""
    arr = np.ascontiguousarray(arr, dtype=npd)
    if lead:
        out = _batched.wrap(arr)
        return out.requires_grad_(True) if requires_grad else out
    return _from_array(arr, requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None, out=None):
    """Uniform random values in [0, 1).

    ``size``: ints or one sequence; ``generator``: the random stream (default: the global one,
    seeded by ``manual_seed``); ``dtype``: float32 unless given; ``requires_grad``: make it a
    leaf that records; ``device``: 'cpu' only; ``out``: accepted for PyTorch's signature.

    >>> x = minigrad.rand(2, 3)
    >>> x.shape, bool(((x >= 0) & (x < 1)).all())
    (minigrad.Size([2, 3]), True)
    """
    check_device(device, "rand")
    npd = _float_npd(dtype, "rand")
    lead = _batched.random_lead()
    return _new(_rng(generator).random(lead + _size(size, "rand")), npd, requires_grad, lead)


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None, out=None):
    """Standard normal random values.

    ``size``: ints or one sequence; ``generator``: the random stream (default: the global one,
    seeded by ``manual_seed``); ``dtype``: float32 unless given; ``requires_grad``: make it a leaf
    that records; ``device``: 'cpu' only; ``out``: accepted for PyTorch's signature.

    >>> x = minigrad.randn(2, 3)
    >>> x.shape, x.dtype
    (minigrad.Size([2, 3]), minigrad.float32)
    """
    check_device(device, "randn")
    npd = _float_npd(dtype, "randn")
    lead = _batched.random_lead()
    return _new(_rng(generator).standard_normal(lead + _size(size, "randn")), npd, requires_grad, lead)


def _randint_args(low, high, size):
    if size is None:
        if not isinstance(high, (tuple, list)):
            raise TypeError("randint(): size is required, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    return int(low), int(high), size


def _check_range(op, low, high):
    if high <= low:
        raise RuntimeError(
            f"{op}: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )


def randint(low, high=None, size=None, *, generator=None, dtype=None, requires_grad=False, device=None):
    """Random integers in [low, high): ``randint(10, (3,))`` or ``randint(0, 10, (3,))``.

    ``low`` (default 0), ``high``: the range, high excluded; ``size``: a tuple; ``generator``: the
    random stream; ``dtype``: int64 unless given; ``requires_grad``, ``device``: as for ``zeros``.

    >>> x = minigrad.randint(0, 10, (3, 4))
    >>> x.shape, x.dtype, bool(((x >= 0) & (x < 10)).all())
    (minigrad.Size([3, 4]), minigrad.int64, True)
    """
    check_device(device, "randint")
    low, high, size = _randint_args(low, high, size)
    _check_range("randint()", low, high)
    npd = _dtypes.to_numpy(dtype if dtype is not None else _dtypes.int64)
    shape = _size((size,), "randint")
    lead = _batched.random_lead()
    return _new(_rng(generator).integers(low, high, lead + tuple(shape)), npd, requires_grad, lead)


def randperm(n, *, generator=None, dtype=None, requires_grad=False, device=None):
    """A random permutation of 0..n-1.

    ``n``: the length; ``generator``: the random stream; ``dtype``: int64 unless given;
    ``requires_grad``, ``device``: as for ``zeros``.

    >>> sorted(minigrad.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    check_device(device, "randperm")
    npd = _dtypes.to_numpy(dtype if dtype is not None else _dtypes.int64)
    n = int(n)
    if n < 0:
        raise RuntimeError(
            f"randperm(): Trying to create tensor with negative dimension {n}: [{n}] (n must be non-negative)"
        )
    return _new(_rng(generator).permutation(n), npd, requires_grad)


def _like(fn):
    def like(input, *, generator=None, dtype=None, requires_grad=False, device=None):
        return fn(
            *input.shape,
            generator=generator,
            dtype=input.dtype if dtype is None else dtype,
            requires_grad=requires_grad,
            device=device,
        )

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"""Like ``{fn.__name__}`` with the shape (and dtype) of ``input``.

    ``input``: the tensor whose shape (and dtype) is taken; ``generator``: the random stream
    (default: the global one); ``dtype``: instead of input's; ``requires_grad``: make it a
    leaf that records; ``device``: 'cpu' only.

    >>> x = minigrad.{fn.__name__}_like(minigrad.zeros(2, 3, dtype=minigrad.float64))
    >>> x.shape, x.dtype
    (minigrad.Size([2, 3]), minigrad.float64)
    """
    return like


rand_like = _like(rand)
randn_like = _like(randn)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, requires_grad=False, device=None):
    """Like ``randint`` with the shape (and dtype) of ``input``: ``randint_like(x, 10)``.

    ``input``: the tensor whose shape (and dtype) is taken; ``low``: the smallest value (the
    bound, if ``high`` is not given); ``high``: one past the largest; ``generator``: the random
    stream (default: the global one, seeded by ``manual_seed``); ``dtype``: instead of input's;
    ``requires_grad``: make it a leaf that records; ``device``: 'cpu' only.

    >>> x = minigrad.randint_like(minigrad.zeros(2, 3, dtype=minigrad.int64), 10)
    >>> x.shape, x.dtype, bool(((x >= 0) & (x < 10)).all())
    (minigrad.Size([2, 3]), minigrad.int64, True)
    """
    if high is None:
        low, high = 0, low
    return randint(
        low,
        high,
        tuple(input.shape),
        generator=generator,
        dtype=input.dtype if dtype is None else dtype,
        requires_grad=requires_grad,
        device=device,
    )


# ----------------------------------------------------------------------------- distributions


def _values(x, op, name):
    """A float ndarray for a Tensor argument (a copy of nothing: read only)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x._data


def normal(
    mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False, device=None, out=None
):
    """Samples of N(mean, std^2): ``normal(mean_tensor, std_tensor)`` (broadcast),
    ``normal(mean_tensor, 1.0)``, ``normal(0.0, std_tensor)``, or ``normal(0.0, 1.0, size=(2, 3))``.

    ``mean``, ``std``: numbers or floating tensors (``std`` >= 0); ``size``: the shape when both
    are numbers; ``generator``: the random stream (default: the global one, seeded by
    ``manual_seed``); ``dtype``: for the number form (float32 unless given; the tensor forms
    take their tensor's); ``requires_grad``: make it a leaf that records; ``device``: 'cpu'
    only; ``out``: accepted for PyTorch's signature.

    >>> minigrad.normal(minigrad.zeros(3), 1.0).shape
    minigrad.Size([3])
    >>> minigrad.normal(2.0, 0.0, size=(2,))
    tensor([2., 2.])
    """
    check_device(device, "normal")
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not tm and not ts:
        if size is None:
            raise TypeError("normal(): with a float mean and std, give size=: normal(0.0, 1.0, size=(2, 3))")
        shape, npd = _size((size,), "normal"), _float_npd(dtype, "normal")
    else:
        m = mean._data if tm else mean
        s = std._data if ts else std
        src = mean._data if tm else std._data
        if src.dtype.kind != "f":
            raise RuntimeError(f"normal expects floating point mean and std, got {src.dtype}")
        npd = src.dtype
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    if not ts and (isinstance(std, bool) or not isinstance(std, (int, float))):
        raise TypeError(f"normal(): std must be a float or a Tensor, not {type(std).__name__}")
    s_min = (float(np.min(std._data)) if std._data.size else 0.0) if ts else std
    if s_min < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {s_min}")
    m = mean._data if tm else mean
    s = std._data if ts else std
    _batched.random_from("normal", mean, std)
    size = _batched.size_of(mean, std)
    if size is not None:  # a batched mean or std: one draw per sample (randomness='different')
        m, s = _batched._sample_array(mean, 0) if tm else m, _batched._sample_array(std, 0) if ts else s
        shape = (size,) + np.broadcast_shapes(tuple(mean.shape) if tm else (), tuple(std.shape) if ts else ())
        lead = (size,)
        if tm and ts:
            r = max(mean.ndim, std.ndim)
            m, s = _batched._sample_array(mean, r), _batched._sample_array(std, r)
        return _new(_rng(generator).normal(m, s, shape), npd, requires_grad, lead)
    lead = () if tm or ts else _batched.random_lead()
    return _new(_rng(generator).normal(m, s, lead + tuple(shape)), npd, requires_grad, lead)


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probability ``input`` (or ``p``) of a 1, in ``input``'s dtype.

    ``input``: a tensor of probabilities in [0, 1]; ``p``: one probability for every
    element instead; ``generator``: the random stream (default: the global one, seeded by
    ``manual_seed``); ``out``: accepted for PyTorch's signature.

    >>> minigrad.bernoulli(minigrad.tensor([0.0, 1.0, 1.0]))
    tensor([0., 1., 1.])
    """
    probs = _values(input, "bernoulli", "input")
    if p is not None:
        probs = np.broadcast_to(np.asarray(p, dtype=np.float64), probs.shape)
    _check_prob(probs, "bernoulli")
    npd = input._data.dtype
    _batched.random_from("bernoulli", input)
    lead = (probs.shape[0],) if type(input) is _batched.BatchedTensor else ()
    return _new(_rng(generator).random(probs.shape) < probs, npd, lead=lead)


def _check_prob(probs, op):
    if probs.size and not (np.all(probs >= 0) and np.all(probs <= 1)):
        raise RuntimeError(
            f"Expected p_in >= 0 && p_in <= 1 to be true, but got false. ({op}: "
            "every probability must lie in [0, 1])"
        )


def poisson(input, generator=None):
    """Samples of Poisson(rate) for each rate in ``input`` (same dtype).

    ``input``: a floating tensor of non-negative rates; ``generator``: the random stream
    (default: the global one, seeded by ``manual_seed``).

    >>> minigrad.poisson(minigrad.tensor([0.0, 0.0]))
    tensor([0., 0.])
    >>> minigrad.poisson(minigrad.full((2, 2), 3.0)).shape
    minigrad.Size([2, 2])
    """
    rates = _values(input, "poisson", "input")
    if rates.dtype.kind != "f":
        raise RuntimeError(f"poisson(): expected a floating point rate tensor, got {rates.dtype}")
    if rates.size and not np.all(rates >= 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    _batched.random_from("poisson", input)
    lead = (rates.shape[0],) if type(input) is _batched.BatchedTensor else ()
    return _new(_rng(generator).poisson(rates), rates.dtype, lead=lead)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from the categories of each row of ``input`` (non-negative weights,
    need not sum to 1): ``num_samples`` per row, with or without replacement. int64.

    ``input``: 1-D or 2-D floating weights; ``num_samples``: how many per row; ``replacement``:
    draw with replacement (else at most one per category); ``generator``: the random stream
    (default: the global one, seeded by ``manual_seed``); ``out``: accepted for PyTorch's
    signature.

    >>> probs = minigrad.tensor([0.0, 1.0, 0.0])
    >>> minigrad.multinomial(probs, 2, replacement=True)
    tensor([1, 1])
    """
    _batched.refuse("multinomial", input, why="it has no batching rule")
    w = _values(input, "multinomial", "input")
    if w.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if w.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (multinomial got shape {tuple(w.shape)})")
    n = int(num_samples)
    k = w.shape[-1]
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and n > k:
        raise RuntimeError(
            f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"(n_sample={n}, {k} categories)"
        )
    rows = w.reshape(-1, k).astype(np.float64)
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError(
            "probability tensor contains either `inf`, `nan` or element < 0 (multinomial: "
            "the weights must be finite and non-negative)"
        )
    totals = rows.sum(axis=1)
    if np.any(totals <= 0):
        bad = int(np.argmax(totals <= 0))
        raise RuntimeError(
            f"invalid multinomial distribution (sum of probabilities <= 0): row {bad} has no positive weight"
        )
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((rows.shape[0], n)) * cdf[:, -1:]
        # NOTE: side="right" never lands on a zero-weight category (its cdf equals its left neighbour's)
        out = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        np.minimum(out, k - 1, out=out)
    else:
        # weight / Exp(1) keys: their order is a draw without replacement (zero weights come last)
        with np.errstate(divide="ignore"):
            keys = rows / rng.standard_exponential(rows.shape)
        out = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    return _from_array(np.ascontiguousarray(out.reshape(w.shape[:-1] + (n,)), dtype=np.int64))


# ----------------------------------------------------------------------------- in-place samplers


def _fill(self, values):
    """Write ``values`` into ``self`` in place (a random fill is never recorded)."""
    _batched.random_from("a random in-place fill", self)
    self._check_inplace()
    with np.errstate(all="ignore"):
        self._data[...] = values
    self._bump_version()
    return self


def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
    """Fill with values drawn from U(a, b) (``from``/``to`` accepted as keywords).

    ``a``, ``b``: the bounds (a <= b); ``generator``: the random stream (default: the global
    one, seeded by ``manual_seed``); ``kw``: ``from`` and ``to``, PyTorch's names for ``a`` and
    ``b``. Returns self.

    >>> x = minigrad.zeros(3).uniform_(2.0, 3.0)
    >>> bool(((x >= 2) & (x < 3)).all())
    True
    """
    a, b = kw.pop("from", a), kw.pop("to", b)
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(self, _rng(generator).uniform(a, b, self._data.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with values drawn from N(mean, std^2).

    ``mean``: the centre; ``std``: the spread (>= 0); ``generator``: the random stream (default:
    the global one, seeded by ``manual_seed``). Returns self.

    >>> minigrad.zeros(2).normal_(5.0, 0.0)
    tensor([5., 5.])
    """
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, _rng(generator).normal(mean, std, self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 drawn with probability ``p`` (a float or a tensor of probabilities).

    ``p``: in [0, 1], broadcast to this tensor's shape; ``generator``: the random stream
    (default: the global one, seeded by ``manual_seed``). Returns self.

    >>> minigrad.zeros(3).bernoulli_(minigrad.tensor([1.0, 0.0, 1.0]))
    tensor([1., 0., 1.])
    """
    probs = p._data if isinstance(p, Tensor) else np.float64(p)
    probs = np.broadcast_to(probs, self._data.shape)
    _check_prob(probs, "bernoulli_")
    return _fill(self, _rng(generator).random(self._data.shape) < probs)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with values drawn from Exp(lambd).

    ``lambd``: the rate (> 0; the mean is 1 / lambd); ``generator``: the random stream (default:
    the global one, seeded by ``manual_seed``). Returns self.

    >>> bool((minigrad.zeros(4).exponential_(2.0) >= 0).all())
    True
    """
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, _rng(generator).exponential(1.0 / lambd, self._data.shape))


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...).

    ``p``: the success probability, in (0, 1); ``generator``: the random stream (default: the
    global one, seeded by ``manual_seed``). Returns self.

    >>> bool((minigrad.zeros(4).geometric_(0.5) >= 1).all())
    True
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, _rng(generator).geometric(p, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with values drawn from the Cauchy distribution.

    ``median``: its centre; ``sigma``: its half width at half maximum (> 0); ``generator``: the
    random stream (default: the global one, seeded by ``manual_seed``). Returns self.

    >>> minigrad.zeros(2, 2).cauchy_(median=1.0, sigma=0.5).shape
    minigrad.Size([2, 2])
    """
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _fill(self, median + sigma * _rng(generator).standard_cauchy(self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp of values drawn from N(mean, std^2).

    ``mean``, ``std``: those of the underlying normal (``std`` > 0); ``generator``: the random
    stream (default: the global one, seeded by ``manual_seed``). Returns self.

    >>> bool((minigrad.zeros(4).log_normal_() > 0).all())
    True
    """
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, _rng(generator).lognormal(mean, std, self._data.shape))


# the largest integer each float dtype holds exactly: random_()'s default upper bound
_FLOAT_INT_MAX = {np.dtype(np.float16): 2**11, np.dtype(np.float32): 2**24, np.dtype(np.float64): 2**53}


def random_(self, low=0, high=None, *, generator=None, **kw):
    """Fill with integers drawn from [low, high) (``random_(10)`` is [0, 10)); with no bound,
    up to the largest integer the dtype holds exactly, as in PyTorch.

    ``low``: the smallest value (the bound, if it is the only one); ``high``: one past the
    largest; ``generator``: the random stream (default: the global one, seeded by
    ``manual_seed``); ``kw``: ``from`` and ``to``, PyTorch's names for ``low`` and ``high``.
    Returns self.

    >>> x = minigrad.zeros(5, dtype=minigrad.int64).random_(3)
    >>> bool(((x >= 0) & (x < 3)).all())
    True
    """
    low, high = kw.pop("from", low), kw.pop("to", high)
    npd = self._data.dtype
    if high is None and low != 0:
        low, high = 0, low
    if high is None:
        if npd.kind == "f":
            high = _FLOAT_INT_MAX[npd] + 1
        elif npd.kind == "b":
            high = 2
        else:
            high = int(np.iinfo(npd).max) + 1
    _check_range("random_()", low, high)
    return _fill(
        self,
        _rng(generator).integers(int(low), int(high), self._data.shape, dtype=np.int64, endpoint=False)
        if high <= 2**63
        else _rng(generator).integers(int(low), int(high), self._data.shape, dtype=np.uint64),
    )


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices per row, drawn with weights self: ``minigrad.multinomial``.

    ``replacement``: draw with replacement; ``generator``: the random stream.

    >>> minigrad.tensor([0.0, 1.0, 0.0]).multinomial(2, replacement=True)
    tensor([1, 1])
    """
    return multinomial(self, num_samples, replacement, generator=generator)


def _bernoulli_method(self, p=None, *, generator=None):
    """0/1 samples, 1 with probability self (or ``p``), in self's dtype: ``minigrad.bernoulli``.

    ``generator``: the random stream (default: the global one).

    >>> minigrad.tensor([0.0, 1.0]).bernoulli()
    tensor([0., 1.])
    """
    return bernoulli(self, p, generator=generator)


METHODS.update(
    uniform_=uniform_,
    normal_=normal_,
    bernoulli_=bernoulli_,
    exponential_=exponential_,
    geometric_=geometric_,
    cauchy_=cauchy_,
    log_normal_=log_normal_,
    random_=random_,
    multinomial=_multinomial_method,
    bernoulli=_bernoulli_method,
)

__all__ = [
    "rand",
    "randn",
    "randint",
    "randperm",
    "rand_like",
    "randn_like",
    "randint_like",
    "normal",
    "bernoulli",
    "poisson",
    "multinomial",
]
