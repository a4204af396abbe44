"""Samplers: iterables of dataset indices (or, for ``BatchSampler``, of lists of indices).

The ``DataLoader`` turns ``shuffle=True`` into a ``RandomSampler`` and ``batch_size`` into a
``BatchSampler`` around it; a sampler passed in replaces the first. Every random sampler draws
from its ``generator`` (a ``minigrad.Generator``). As in PyTorch, a ``RandomSampler`` without
one draws a fresh seed from the default generator at the start of each epoch, so
``minigrad.manual_seed`` makes a whole run of epochs repeat; the orders themselves are not
PyTorch's (its generator's numbers are not reproduced).

>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
"""

import itertools
import types

from ... import random as _random
from ..._creation import as_tensor
from ..._dtypes import float64
from ..._sampling import multinomial, randint, randperm
from ..._tape import Tensor


def _check_positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")


class Sampler:
    """Base class: subclasses define ``__iter__`` (and ``__len__`` when the length is known).
    ``Sampler[int]`` subscripts as PyTorch's generic class does, for annotations and subclassing.

    >>> class EvenFirst(Sampler[int]):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))
    ...     def __len__(self):
    ...         return self.n
    >>> list(EvenFirst(5))
    [0, 2, 4, 1, 3]
    """

    def __class_getitem__(cls, item):  # implicitly a classmethod
        return types.GenericAlias(cls, item)

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1.

    ``data_source``: anything with a length (a dataset).

    >>> list(SequentialSampler(["a", "b", "c"]))
    [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _epoch_generator(generator):
    """The sampler's own generator, or a new one seeded from the default generator (as PyTorch)."""
    if generator is not None:
        return generator
    seed = int(_random._rng(None).integers(0, 1 << 63))
    return _random.Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """A random permutation of the indices each epoch (``num_samples`` of them: whole permutations
    one after another), or ``num_samples`` indices drawn with ``replacement``.

    ``data_source``: the dataset (only its length is used); ``replacement``: draw independently
    (default False); ``num_samples``: how many indices per epoch (default: the length);
    ``generator``: the random source (default: a new one seeded from the global generator) (a
    seeded one gives the same order every time).

    >>> sorted(RandomSampler(range(5)))
    [0, 1, 2, 3, 4]
    >>> len(RandomSampler(range(5), replacement=True, num_samples=12))
    12
    >>> g = minigrad.Generator()
    >>> first = list(RandomSampler(range(5), generator=g.manual_seed(3)))
    >>> first == list(RandomSampler(range(5), generator=g.manual_seed(3)))
    True
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, k = len(self.data_source), self.num_samples
        g = _epoch_generator(self.generator)
        if self.replacement:
            for start in range(0, k, 32):  # in blocks, so a huge num_samples is not drawn at once
                yield from randint(0, n, (min(32, k - start),), generator=g).tolist()
            return
        for _ in range(k // n):
            yield from randperm(n, generator=g).tolist()
        yield from randperm(n, generator=g).tolist()[: k % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, a new order each epoch.

    ``indices``: the dataset positions to draw from; ``generator``: the random source (default:
    the global generator).

    >>> sorted(SubsetRandomSampler([7, 3, 9]))
    [3, 7, 9]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index ``i`` with probability proportional to
    ``weights[i]`` (``multinomial``; without ``replacement`` no index repeats).

    ``weights``: one non-negative weight per index (need not sum to 1); ``num_samples``: how
    many indices per epoch; ``replacement``: draw independently (default True); ``generator``:
    the random source (default: the global generator).

    >>> list(WeightedRandomSampler([0.0, 0.0, 1.0], 4))
    [2, 2, 2, 2]
    >>> sorted(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    [0, 1, 2]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_positive_int("num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = weights.to(float64) if isinstance(weights, Tensor) else as_tensor(weights, dtype=float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        try:
            draws = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        except RuntimeError as e:
            raise RuntimeError(
                f"WeightedRandomSampler(num_samples={self.num_samples}, replacement={self.replacement}): {e}"
            ) from None
        yield from draws.tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last one shorter unless ``drop_last``.

    ``sampler``: any iterable of indices; ``batch_size``: a positive int; ``drop_last``: drop a
    final short batch.

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> len(BatchSampler(range(5), 2, drop_last=True))
    2
    """

    def __init__(self, sampler, batch_size, drop_last):
        _check_positive_int("batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):  # a batch per C-level call
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the index stream of an ``IterableDataset`` (the dataset decides the end)."""

    def __iter__(self):
        while True:
            yield None
