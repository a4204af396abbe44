"""Ordering along a dim: sort, argsort, msort, topk, kthvalue, mode.

Each computes an order with numpy's stable argsort and picks the values at it; the gradient
of the values goes back to the indices returned (the adjoint of the pick, as for
``max(dim)``). The order is always stable, in both directions: ties keep their input order
and NaN counts as the largest value (last ascending, first descending), which is PyTorch's
``sort(stable=True)`` index for index. Without ``stable=True`` PyTorch's CPU sort of more than
16 elements along a dim may return tied elements in another order, as may its ``topk`` and
``kthvalue`` selection at any size: same values, other indices among equal ones (its docs
leave that order open), and the gradient follows whichever indices were returned.
"""

import numpy as np

from .. import _batched, _tape
from .._batched import BatchedTensor
from .._tape import apply
from . import _batching as B
from ._core import _dim1, _int, defop, export, numpy_keywords
from .indexing import _along, _unindex
from .reduce import _fwd_take, _named


def _fwd_pick(x, dim, keepdim, index):
    """The elements of ``x`` at ``index`` along ``dim`` (a 0-d ``x`` is its own pick)."""
    return _fwd_take(x, dim, keepdim, index) if x.ndim else x.copy()


def _pick_grad(g, x, out, dim, keepdim, index):
    """The adjoint of the pick: ``g`` scattered back to where the values came from. It reads
    only ``x.shape``, so a sort keeps its indices and not its input."""
    return _unpick(g, x.shape, dim, keepdim, index)


def _unpick(g, shape, dim, keepdim, index):
    if not shape:
        return g
    gk = g if keepdim else g.reshape(g.shape[:dim] + (1,) + g.shape[dim:])
    return _unindex(gk, shape, _along(index, dim))


# ----------------------------------------------------------------------------- the table
# fmt: off
SORT        = defop("sort", _fwd_pick,      _pick_grad, batch=B.physical)
SORT_STABLE = defop("sort", _fwd_pick,      _pick_grad, grad_name="SortBackward1", batch=B.physical)
TOPK        = defop("topk", _fwd_pick,      _pick_grad, batch=B.physical)
KTHVALUE    = defop("kthvalue", _fwd_pick,  _pick_grad, batch=B.physical)
MODE        = defop("mode", _fwd_pick,      _pick_grad, batch=B.physical)
# fmt: on


def _order(data, d, descending):
    """Stable argsort along ``d``; descending keeps ties in input order too (and NaN first)."""
    if data.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(data, axis=d, kind="stable")
    # sorting the reversed array stably and reversing the result puts equal values back in
    # their input order; n - 1 - j maps a position in the reversed array to the original
    rev = np.argsort(np.flip(data, d), axis=d, kind="stable")
    return (data.shape[d] - 1) - np.flip(rev, d)


def _first(order, d, k):
    return order if order.ndim == 0 else order[(slice(None),) * d + (slice(0, k),)]


def _values_indices(name, op, input, d, keepdim, index):
    """(values, indices) of a pick along ``d`` (an axis of ``input``'s array: past the batch
    dim inside vmap, where ``index`` was computed on the whole batch)."""
    if type(input) is BatchedTensor and input.ndim == 0:  # a sample's 0-d pick is itself
        return _named(name, input.clone(), _batched.wrap(np.zeros(input._data.shape, np.int64)))
    values = apply(op, (input,), (d, keepdim, index))
    idx = index if keepdim or index.ndim == 0 else np.squeeze(index, axis=d)
    return _named(name, values, _batched.result_like(input, idx.astype(np.int64)))


def _axis(name, input, dim):
    """``dim`` validated against a sample, as an axis of ``input``'s array."""
    d = _dim1(name, dim, input.ndim)  # validated even for a 0-d input (dims -1 and 0 only)
    return _batched.phys_dim(input, d) if input.ndim else 0


_UNSET = object()  # sort(stable=...) given or not: PyTorch names the two SortBackward0 / 1


@export
@numpy_keywords
def sort(input, dim=-1, descending=False, *, stable=_UNSET):
    """The values along ``dim`` in order, and where they came from: (values, indices). The sort
    is always stable (``stable`` is accepted for PyTorch's signature).

    ``input``: the tensor; ``dim``: the dim sorted along; ``descending``: largest first (NaN
    counts as the largest); ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).sort()
    minigrad.return_types.sort(
    values=tensor([1., 2., 3.]),
    indices=tensor([1, 2, 0]))
    """
    d = _axis("sort", input, dim)
    op = SORT if stable is _UNSET else SORT_STABLE
    return _values_indices("sort", op, input, d, True, _order(input._data, d, descending))


@export
@numpy_keywords
def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort ``input`` along ``dim`` (int64, not differentiable).

    ``input``: the tensor; ``dim``: the dim sorted along; ``descending``: largest first;
    ``stable``: accepted (the order is always stable here: ties keep their input order);
    ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).argsort(descending=True)
    tensor([0, 2, 1])
    """
    d = _dim1("argsort", dim, input.ndim)
    if type(input) is BatchedTensor:  # inside vmap: per sample, along the same dim
        return _batched.wrap(_order(input._data, d + 1, descending).astype(np.int64))
    return _tape._from_array(_order(input._data, d, descending).astype(np.int64))


@export
def msort(input):
    """``input`` sorted along its first dim (values only).

    ``input``: at least 1-D.

    >>> minigrad.tensor([[3, 1], [2, 4]]).msort()
    tensor([[2, 1],
            [3, 4]])
    """
    return sort(input, 0).values


@export
@numpy_keywords
def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim``, and their indices: (values, indices).

    ``input``: the tensor; ``k``: how many; ``dim``: the dim searched; ``largest``: False for
    the smallest; ``sorted``: accepted (the values always come in order here; PyTorch may
    leave them unordered with ``sorted=False``); ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.tensor([1.0, 4.0, 2.0, 3.0]).topk(2).values
    tensor([4., 3.])
    """
    d = _dim1("topk", dim, input.ndim)
    k = _int("topk", k, "k")
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(
            f"selected index k out of range: topk of {k} elements along dim {d} of a tensor "
            f"of shape {tuple(input.shape)} needs 0 <= k <= {n}"
        )
    p = _axis("topk", input, dim)
    index = _first(_order(input._data, p, largest), p, k)
    return _values_indices("topk", TOPK, input, p, True, index)


@export
@numpy_keywords
def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest value along ``dim`` (k counts from 1), and its index.

    ``input``: the tensor; ``k``: the rank, 1 the smallest; ``dim``: the dim searched;
    ``keepdim``: keep it as size 1; ``axis``, ``keepdims``: numpy's spellings of ``dim`` and
    ``keepdim``.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).kthvalue(2)
    minigrad.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """
    d = _dim1("kthvalue", dim, input.ndim)
    k = _int("kthvalue", k, "k")
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {d} (k = {k}, but the "
            f"dimension has {n} elements: k must be in [1, {n}])"
        )
    p = _axis("kthvalue", input, dim)
    order = _order(input._data, p, False)
    index = order if order.ndim == 0 else np.take(order, [k - 1], axis=p)
    return _values_indices("kthvalue", KTHVALUE, input, p, bool(keepdim), index)


def _mode_index(rows):
    """Per row: the position of the most frequent value (the smallest among equally frequent
    ones), its last occurrence, as PyTorch's CPU mode returns it."""
    out = np.zeros(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        values, inverse, counts = np.unique(row, return_inverse=True, return_counts=True)
        best = int(np.argmax(counts))  # the first maximum: the smallest such value
        out[r] = np.flatnonzero(inverse.reshape(-1) == best)[-1]
    return out


@export
@numpy_keywords
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest of equally frequent ones), and the
    index of its last occurrence: (values, indices).

    ``input``: the tensor; ``dim``: the dim searched; ``keepdim``: keep it as size 1;
    ``axis``, ``keepdims``: numpy's spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([[1.0, 2.0, 2.0], [3.0, 1.0, 1.0]]).mode(1).values
    tensor([2., 1.])
    """
    d = _axis("mode", input, dim)
    data = input._data
    if data.ndim == 0:
        index = np.zeros((), np.int64)
    else:
        if data.shape[d] == 0:
            raise IndexError(
                f"mode(): Expected reduction dim {d} to have non-zero size (input of shape {tuple(data.shape)})"
            )
        moved = np.moveaxis(data, d, -1)
        index = _mode_index(moved.reshape(-1, moved.shape[-1])).reshape(moved.shape[:-1])
        index = np.expand_dims(index, d)
    return _values_indices("mode", MODE, input, d, bool(keepdim), index)
