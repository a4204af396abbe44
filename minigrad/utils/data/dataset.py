"""Datasets: the two protocols a ``DataLoader`` reads, and the small wrappers built on them.

A map-style ``Dataset`` answers ``dataset[i]`` (and usually ``len(dataset)``); an
``IterableDataset`` answers ``iter(dataset)``. ``TensorDataset`` indexes tensors along their
first dimension, ``Subset`` views a dataset through a list of indices, ``ConcatDataset`` and
``ChainDataset`` join datasets end to end, and ``random_split`` cuts a dataset into random
non-overlapping ``Subset``s (one ``randperm`` from ``generator``). Errors follow PyTorch's
types and first sentences (``TensorDataset``'s size check is an ``AssertionError`` there too).

>>> ds = TensorDataset(minigrad.arange(6).reshape(3, 2), minigrad.tensor([0, 1, 0]))
>>> len(ds), ds[1]
(3, (tensor([2, 3]), tensor(1)))
"""

import bisect
import collections.abc
import itertools
import math
import types
import warnings

import numpy as np

from ... import random as _random
from ..._sampling import randperm
from ..._tape import Tensor, _from_array


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``).
    ``Dataset[T]`` subscripts as PyTorch's generic class does (``class Chars(Dataset[str])``).

    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> len(Squares()), Squares()[3], len(Squares() + Squares())
    (4, 9, 8)
    """

    def __class_getitem__(cls, item):  # implicitly a classmethod
        return types.GenericAlias(cls, item)

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset, collections.abc.Iterable):
    """An iterable-style dataset: subclasses define ``__iter__`` (abstract, as in PyTorch: the base
    class cannot be instantiated). With ``num_workers > 0`` every worker iterates its own copy;
    shard the stream with ``get_worker_info()``.

    >>> class Count(IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    >>> list(Count(3)), list(Count(2) + Count(2))
    ([0, 1, 2], [0, 1, 0, 1])
    """

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; every tensor has the same size in dim 0.

    ``tensors``: the tensors sampled together (features, labels, ...).

    >>> from minigrad.utils.data import TensorDataset
    >>> ds = TensorDataset(minigrad.arange(6.0).reshape(3, 2), minigrad.tensor([0, 1, 0]))
    >>> len(ds), ds[1]
    (3, (tensor([2., 3.]), tensor(1)))
    """

    def __init__(self, *tensors):
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset expects minigrad tensors, got {type(t).__name__} at position {i}"
                )
            if t.ndim == 0:
                raise IndexError(
                    f"TensorDataset: dimension specified as 0 but the tensor at position {i} "
                    f"has no dimensions (samples are indexed along dim 0)"
                )
        sizes = [tuple(t.shape) for t in tensors]
        if any(s[:1] != sizes[0][:1] for s in sizes):
            raise AssertionError(
                f"Size mismatch between tensors: TensorDataset needs the same size in dim 0 "
                f"for every tensor, got shapes {sizes}"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _collated(self, indices):
        """``default_collate([self[i] for i in indices])`` as one gather per tensor, what the
        DataLoader asks for; None where that would not be the same thing (a subclass's own
        ``__getitem__`` or ``__getitems__``, indices that are not integers, a tensor requiring
        grad: stacking its rows records a graph)."""
        # NOTE: speed. 64 samples collated one by one are 130 tensor indexings and a stack per
        # batch; the gather makes a shuffled MNIST-sized epoch ~10x faster (benchmarks P13).
        if type(self).__getitem__ is not TensorDataset.__getitem__ or hasattr(self, "__getitems__"):
            return None
        idx = np.asarray(indices)
        if idx.ndim != 1 or idx.dtype.kind not in "iu" or any(t.requires_grad for t in self.tensors):
            return None
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        return [_from_array(t._data[idx]) for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    ``dataset``: a map-style dataset; ``indices``: the positions kept.

    >>> sub = Subset(["a", "b", "c", "d"], [3, 1])
    >>> len(sub), sub[0], sub[1]
    (2, 'd', 'b')
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after the other: index ``len(a)`` is ``b[0]``.

    ``datasets``: a non-empty iterable of map-style datasets.

    >>> both = ConcatDataset([["a", "b"], ["c"]])
    >>> len(both), both[2], both.cumulative_sizes
    (3, 'c', [2, 3])
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset (use ChainDataset)")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError(
                    f"absolute value of index should not exceed dataset length "
                    f"(index {idx}, length {len(self)})"
                )
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset index {idx} is out of range for length {len(self)}")
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other.

    ``datasets``: the iterable datasets, chained lazily.

    >>> class Count(IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    >>> list(ChainDataset([Count(2), Count(3)]))
    [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _split_lengths(lengths, n):
    """Fractions summing to 1 become lengths: floors, then the remainder one by one from the front."""
    total = sum(lengths)
    if not (math.isclose(total, 1) and total <= 1):
        return list(lengths)
    out = []
    for i, frac in enumerate(lengths):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1 (got {frac})")
        out.append(math.floor(n * frac))
    for i in range(n - sum(out)):
        out[i % len(out)] += 1
    for i, length in enumerate(out):
        if length == 0:
            warnings.warn(
                f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=3
            )
    return out


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into random, non-overlapping ``Subset``s of the given ``lengths`` (or of
    fractions summing to 1, e.g. ``[0.8, 0.2]``), drawing one permutation from ``generator``.

    >>> a, b = random_split(range(10), [0.7, 0.3], generator=minigrad.Generator().manual_seed(0))
    >>> len(a), len(b), sorted(list(a) + list(b)) == list(range(10))
    (7, 3, True)
    """
    lengths = _split_lengths(lengths, len(dataset))
    if any(not isinstance(k, int) or k < 0 for k in lengths):
        raise ValueError(
            f"random_split: lengths must be non-negative ints or fractions summing to 1, got {lengths}"
        )
    if sum(lengths) != len(dataset):
        raise ValueError(
            f"Sum of input lengths does not equal the length of the input dataset! "
            f"({sum(lengths)} vs {len(dataset)})"
        )
    indices = randperm(sum(lengths), generator=generator or _random.default_generator).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, indices[end - k : end]) for end, k in zip(ends, lengths)]
