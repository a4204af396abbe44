"""Searching and selecting: nonzero, argwhere, isin, searchsorted, bucketize, unique,
unique_consecutive (integer and bool results, never differentiable, as in PyTorch), and the
selections masked_select, take, take_along_dim, composed from indexing and gather so their
gradients come for free.

Results follow PyTorch's dtypes and shapes: positions are int64 (int32 with ``out_int32``),
a 0-d input counts as one element, unique values come back sorted.
"""

import numpy as np

from .. import _batched, _tape
from .._tape import Tensor
from ._core import _dim1, _dims, _real, export, refuse_batched, unrecorded
from .indexing import gather
from .shape import expand, reshape


def _tensor(op, what, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(t).__name__}")
    return t


def _int64(a):
    return _tape._from_array(np.array(a, dtype=np.int64, order="C"))  # not ascontiguousarray: 0-d stays 0-d


@export
def nonzero(input, *, as_tuple=False):
    """The positions of the non-zero elements: an (n, ndim) int64 tensor, one row each, in
    row-major order; ``as_tuple=True`` gives one 1-D tensor per dim instead.

    ``input``: the tensor (its size decides the result's shape: not differentiable, no vmap).

    >>> minigrad.tensor([[0, 1], [2, 0]]).nonzero()
    tensor([[0, 1],
            [1, 0]])
    """
    refuse_batched("nonzero", input)
    data = _tensor("nonzero", "input", input)._data
    if as_tuple:
        return tuple(_int64(p) for p in np.nonzero(np.atleast_1d(data)))
    return _int64(np.argwhere(data))


@export
def argwhere(input):
    """The positions of the non-zero elements, one row each (``nonzero(input)``).

    ``input``: the tensor; returns an (n, ndim) int64 tensor.

    >>> minigrad.argwhere(minigrad.tensor([0, 3, 0, 4]))
    tensor([[1],
            [3]])
    """
    return nonzero(input)


@export
def masked_select(input, mask):
    """The elements of ``input`` where the bool ``mask`` is True (both broadcast), as a 1-D tensor.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).masked_select(minigrad.tensor([True, False, True]))
    tensor([1., 3.])
    """
    _tensor("masked_select", "input", input)
    m = _tensor("masked_select", "mask", mask)._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask (got {mask.dtype})")
    try:
        shape = np.broadcast_shapes(tuple(input.shape), m.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_select: the shapes of self {tuple(input.shape)} and mask {m.shape} do not broadcast"
        ) from None
    x = input if tuple(input.shape) == shape else expand(input, shape)
    return reshape(x, (-1,))[np.broadcast_to(m, shape).reshape(-1)]


@export
def take(input, index):
    """The elements of ``input`` seen as 1-D at the positions ``index`` (negative positions
    count from the end); the result has index's shape.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).take(minigrad.tensor([0, -1]))
    tensor([1., 4.])
    """
    from .index_writes import _flat_index

    _tensor("take", "input", input)
    data = _tensor("take", "index", index)._data
    if data.dtype.kind not in "iu":
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype}")
    return reshape(input, (-1,))[_flat_index("take", data, input.numel())]


@export
def take_along_dim(input, indices, dim=None):
    """``gather`` with broadcasting: the values of ``input`` at ``indices`` along ``dim``, the
    other dims broadcast (``dim=None``: input flattened).

    >>> x = minigrad.tensor([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    >>> x.take_along_dim(x.argmax(1, keepdim=True), dim=1)
    tensor([[30.],
            [60.]])
    """
    _tensor("take_along_dim", "input", input)
    _batched.refuse("take_along_dim", indices, why="batched indices have no batching rule (use gather)")
    idx = _tensor("take_along_dim", "indices", indices)._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {indices.dtype}")
    if dim is None:
        n = input.numel()
        return gather(reshape(input, (-1,)), 0, _wrapped(idx.reshape(-1), n, 0))
    if idx.ndim != input.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, "
            f"but got {input.ndim} dimensions for input, and {idx.ndim} dimensions for indices"
        )
    d = _dim1("take_along_dim", dim, input.ndim)
    if input.ndim == 0:
        return gather(input, 0, _wrapped(idx, 1, 0))
    sizes = list(input.shape)
    sizes[d] = idx.shape[d]
    try:
        shape = list(np.broadcast_shapes(tuple(sizes), idx.shape))
    except ValueError:
        raise RuntimeError(
            f"take_along_dim(): the shapes of input {tuple(input.shape)} and indices {idx.shape} do not "
            f"broadcast outside dim {d}"
        ) from None
    idx = np.broadcast_to(idx, shape)
    shape[d] = input.shape[d]
    x = input if list(input.shape) == shape else expand(input, tuple(shape))
    return gather(x, d, _wrapped(idx, input.shape[d], d))


def _wrapped(idx, n, dim):
    """Indices into a dim of ``n``, negative ones from the end (take_along_dim wraps them)."""
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise RuntimeError(
            f"take_along_dim(): index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {n}"
        )
    return _int64(np.where(idx < 0, idx + n, idx))


def _elements(op, what, v):
    if isinstance(v, Tensor):
        return v._data
    v = _real(op, v)
    if isinstance(v, (bool, int, float)):
        return np.asarray(v)
    raise TypeError(f"{op}(): argument '{what}' must be Tensor or Number, not {type(v).__name__}")


@export(method=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """For each element, whether it is in ``test_elements`` (either may be a number): a bool
    tensor of elements' shape (``invert=True``: whether it is not).

    ``elements``: the tensor (or number) tested; ``test_elements``: the values looked for;
    ``assume_unique``: accepted for PyTorch's signature (the answer does not depend on it);
    ``invert``: give the negation.

    >>> minigrad.isin(minigrad.tensor([1, 2, 3]), minigrad.tensor([2, 5]))
    tensor([False,  True, False])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): expected at least one of elements and test_elements to be a Tensor")
    refuse_batched("isin", test_elements)
    b = _elements("isin", "test_elements", test_elements)
    if not isinstance(elements, Tensor):
        elements = _elements("isin", "elements", elements)
    return unrecorded(lambda a: np.isin(a, b, invert=bool(invert)), elements)


@export(method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of ``input`` would go in the innermost dim of ``sorted_sequence`` to keep
    it sorted: the first such place, or the last with ``right=True`` / ``side="right"``.
    ``sorter`` gives the order of an unsorted sequence (as argsort does).

    ``sorted_sequence``: 1-D, or N-D with ``input``'s leading dims; ``input``: the values (a
    tensor or a number); ``out_int32``: int32 positions instead of int64; ``right``, ``side``:
    which end of a run of equal values; ``sorter``: indices that sort ``sorted_sequence``.

    >>> minigrad.searchsorted(minigrad.tensor([1, 3, 5, 7]), minigrad.tensor([3, 6]))
    tensor([1, 3])
    """
    return _searchsorted("searchsorted", sorted_sequence, input, out_int32, right, side, sorter)


@export(method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among the 1-D ``boundaries``: i with boundaries[i-1] < x <=
    boundaries[i] (``right=True``: boundaries[i-1] <= x < boundaries[i]).

    ``input``: the values (a tensor or a number); ``boundaries``: 1-D and increasing;
    ``out_int32``: int32 buckets instead of int64; ``right``: which side a boundary belongs to.

    >>> minigrad.bucketize(minigrad.tensor([0.5, 3.0, 9.0]), minigrad.tensor([1.0, 3.0, 5.0]))
    tensor([0, 1, 3])
    """
    b = _tensor("bucketize", "boundaries", boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim}) (bucketize)")
    return _searchsorted("bucketize", b, input, out_int32, right, None, None)


def _searchsorted(op, seq, values, out_int32, right, side, sorter):
    refuse_batched(op, seq, values, sorter)
    s = _tensor(op, "sorted_sequence", seq)._data
    scalar = not isinstance(values, Tensor)
    v = _elements(op, "input", values)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    if s.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    if s.ndim > 1 and (scalar or v.ndim != s.ndim or v.shape[:-1] != s.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            f"boundaries tensor and input value tensor must match, but we got boundaries tensor {list(s.shape)} "
            f"and input value tensor {list(v.shape)}"
        )
    if sorter is not None:
        order = _tensor(op, "sorter", sorter)._data
        if order.dtype.kind not in "iu":
            raise RuntimeError(
                f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype {sorter.dtype}"
            )
        if order.shape != s.shape:
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                f"tensor {list(s.shape)} and got sorter tensor {list(order.shape)}"
            )
        if order.size and (order.min() < 0 or order.max() >= s.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
        s = np.take_along_axis(s, order, axis=-1)
    how = "right" if right else "left"
    if s.ndim == 1:
        out = np.searchsorted(s, v, side=how)
    else:
        rows, vals = s.reshape(-1, s.shape[-1]), v.reshape(-1, v.shape[-1])
        out = np.stack([np.searchsorted(r, x, side=how) for r, x in zip(rows, vals)]).reshape(v.shape)
    return _tape._from_array(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [values]
    if return_inverse:
        out.append(_int64(inverse))
    if return_counts:
        out.append(_int64(counts))
    return out[0] if len(out) == 1 else tuple(out)


@export
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values of ``input``, sorted (or its distinct slices along ``dim``), and on
    request where each element went (``return_inverse``) and how often each value occurs.

    >>> minigrad.unique(minigrad.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    refuse_batched("unique", input)
    data = _tensor("unique", "input", input)._data
    if dim is None:
        flat = data.reshape(-1)
        values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True, equal_nan=False)
        inverse = inverse.reshape(data.shape)
    else:
        d = _dims("unique", dim, data.ndim)[0] if data.ndim else 0
        if data.ndim == 0:
            raise IndexError("unique(): Dimension out of range for a 0-d tensor (use dim=None)")
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=d)
        inverse = inverse.reshape(-1)
    values = _tape._from_array(np.ascontiguousarray(values))
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


@export
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive values (or slices along ``dim``) kept once.

    ``input``: the tensor; ``return_inverse``: also return, for each element, the index of its
    run; ``return_counts``: also return each run's length; ``dim``: compare slices along it
    (None: the flattened tensor).

    >>> minigrad.unique_consecutive(minigrad.tensor([1, 1, 2, 1]))
    tensor([1, 2, 1])
    >>> minigrad.unique_consecutive(minigrad.tensor([1, 1, 2, 1]), return_counts=True)
    (tensor([1, 2, 1]), tensor([2, 1, 1]))
    """
    refuse_batched("unique_consecutive", input)
    data = _tensor("unique_consecutive", "input", input)._data
    if dim is None:
        rows, d = data.reshape(-1, 1), 0
    else:
        if data.ndim == 0:
            raise IndexError("unique_consecutive(): Dimension out of range for a 0-d tensor (use dim=None)")
        d = _dims("unique_consecutive", dim, data.ndim)[0]
        rows = np.moveaxis(data, d, 0).reshape(data.shape[d], -1)
    n = rows.shape[0]
    new = np.ones(n, bool)
    if n:
        new[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    starts = np.flatnonzero(new)
    inverse = np.cumsum(new) - 1
    counts = np.diff(np.append(starts, n))
    if dim is None:
        values, inverse = data.reshape(-1)[starts], inverse.reshape(data.shape)
    else:
        values = np.take(data, starts, axis=d)
    values = _tape._from_array(np.ascontiguousarray(values))
    return _unique_result(values, inverse, counts, return_inverse, return_counts)
