"""Indexing: ``x[index]`` and ``x[index] = value``, differentiable.

The adjoint of ``x[index]`` scatters the gradient back with ``np.add.at``, so repeated
integer indices accumulate, as PyTorch's index backward does.
"""

import operator

import numpy as np

from .. import _batched, _tape
from .. import _conv_kernels as CK
from .._batched import BatchedTensor
from .._tape import Tensor, apply
from . import _batching as B
from ._core import LINEAR, _dims, _int, _is_raw, _numel, _real, defop, export, ndarray, numpy_keywords


def _fwd_getitem(x, index):
    return x[index]


_ROW_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(p, (ndarray, list)) for p in parts)


def _fwd_unindex(g, shape, index):
    # the adjoint of x[index]: scatter g into zeros; repeated integer indices accumulate
    if (
        type(index) is ndarray
        and index.dtype.kind in "iu"
        and shape
        and g.dtype in _ROW_DTYPES
        and g.shape == index.shape + tuple(shape[1:])
    ):
        # rows picked by one integer array (an embedding's lookup): one pass in C, where
        # np.add.at took 40% of an embedding's step (measured, issue 15)
        width = _numel(shape[1:])
        rows = CK.scatter_add_rows(g.reshape(index.size, width), index.reshape(-1), shape[0])
        return rows.reshape(shape)
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g  # basic indexing never repeats an element
    else:
        np.add.at(out, index, g)
    return out


def _along(index, dim):
    """The advanced-index tuple that picks ``index`` along ``dim`` (for gather/scatter)."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _fwd_gather(x, dim, index):
    # as in PyTorch, index may be smaller than x along the other dims: read that corner only
    # (numpy's take_along_axis would broadcast instead, and fail; issue 8)
    x = x[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))]
    return np.take_along_axis(x, index, axis=dim)


def _fwd_index_select(x, dim, index):
    return np.take(x, index, axis=dim)


def _fwd_masked_fill(x, mask, value):
    return np.where(mask, np.asarray(value, dtype=x.dtype), x)


def _fwd_scatter(x, src, dim, index):
    # index may be smaller than x in every dim (issue 19): it writes the corner it spans
    out = x.copy()
    if np.ndim(src):
        src = src[tuple(slice(0, n) for n in index.shape)]  # only the part index covers
    else:
        src = np.asarray(src, dtype=x.dtype)
    out[_along(index, dim)] = src
    return out


def _fwd_scatter_add(x, src, dim, index):
    out = x.copy()
    np.add.at(out, _along(index, dim), src[tuple(slice(0, n) for n in index.shape)])
    return out


def _fwd_setitem(x, v, index):
    out = x.copy()
    out[index] = v
    return out


# ----------------------------------------------------------------------------- the table
# fmt: off
SELECT   = defop("select", _fwd_getitem,     lambda g, x, out, index: _unindex(g, x.shape, index), view=True, kind=LINEAR, batch=B.getitem)
SLICE    = defop("slice", _fwd_getitem,      lambda g, x, out, index: _unindex(g, x.shape, index), view=True, kind=LINEAR, batch=B.getitem)
UNSQUEEZE_INDEX = defop("unsqueeze", _fwd_getitem, lambda g, x, out, index: _unindex(g, x.shape, index), view=True, kind=LINEAR, batch=B.getitem)
INDEX    = defop("index", _fwd_getitem,      lambda g, x, out, index: _unindex(g, x.shape, index), kind=LINEAR, batch=B.getitem)
UNINDEX  = defop("index_put", _fwd_unindex,  lambda g, x, out, shape, index: g[index], kind=LINEAR, batch=B.unindex)
SETITEM  = defop("setitem", _fwd_setitem,    lambda g, x, v, out, index: _zero_at(g, index),
                                             lambda g, x, v, out, index: g[index], grad_name="CopySlices", kind=LINEAR)
GATHER   = defop("gather", _fwd_gather,      lambda g, x, out, dim, index: _unindex(g, x.shape, _along(index, dim)), kind=LINEAR,
                                                                                batch=B.along)
INDEX_SELECT = defop("index_select", _fwd_index_select,
                                             lambda g, x, out, dim, index: _unindex(g, x.shape, (slice(None),) * dim + (index,)), kind=LINEAR,
                                                                                batch=B.index_select)
MASKED_FILL = defop("masked_fill", _fwd_masked_fill,
                                             lambda g, x, out, mask, value: _where(mask, 0.0, g))
SCATTER  = defop("scatter", _fwd_scatter,    lambda g, x, src, out, dim, index: _zero_at(g, _along(index, dim)),
                                             lambda g, x, src, out, dim, index: _pad_to(gather(g, dim, index), src.shape), kind=LINEAR,
                                                                                batch=B.along)
SCATTER_VALUE = defop("scatter", _fwd_scatter, lambda g, x, src, out, dim, index: _zero_at(g, _along(index, dim)),
                                             None,                              grad_name="ScatterBackward1", batch=B.along)
SCATTER_ADD = defop("scatter_add", _fwd_scatter_add,
                                             lambda g, x, src, out, dim, index: g,
                                             lambda g, x, src, out, dim, index: _pad_to(gather(g, dim, index), src.shape), kind=LINEAR,
                                                                                batch=B.along)
# fmt: on


def _unindex(g, shape, index):
    if _is_raw(g):
        return _fwd_unindex(g, shape, index)
    return apply(UNINDEX, (g,), (shape, index))


def _zero_at(g, index):
    if _is_raw(g):
        out = np.array(g)
        out[index] = 0
        return out
    return setitem_(g.clone(), index, 0.0)


def _index_arg(index):
    """An index in numpy's terms: a 0-d integer tensor or numpy integer is an int (``x[i]`` with
    ``i`` from iterating a randint tensor selects, as in PyTorch), slice bounds are ints (via
    ``__index__``), other tensors become ndarrays and nested lists arrays."""
    if isinstance(index, Tensor):
        data = index._data
        if data.dtype.kind == "f":
            raise IndexError(
                "tensors used as indices must be long, int, byte or bool tensors "
                f"(got a {index.dtype} tensor of shape {tuple(data.shape)})"
            )
        # NOTE: uint8 tensors index as integers here, as numpy's do; PyTorch still reads them as
        # (deprecated) byte masks, with a warning
        return int(data) if data.ndim == 0 and data.dtype.kind in "iu" else data
    if isinstance(index, tuple):
        return tuple(_index_arg(i) for i in index)
    if isinstance(index, slice):
        start, stop, step = index.start, index.stop, index.step
        if type(start) in _PLAIN and type(stop) in _PLAIN and type(step) in _PLAIN:
            return index
        return slice(_slice_bound(start), _slice_bound(stop), _slice_bound(step))
    if isinstance(index, np.integer):
        return int(index)
    if isinstance(index, list):
        return np.asarray([i._data if isinstance(i, Tensor) else i for i in index])
    return index


_PLAIN = (int, type(None))


def _slice_bound(b):
    if b is None:
        return b
    try:
        return operator.index(b)
    except TypeError:
        if isinstance(b, Tensor):
            raise  # PyTorch's message: only integer tensors of a single element ...
        raise TypeError(
            f"slice indices must be integers or None or have an __index__ method (got {type(b).__name__})"
        ) from None


def _index_op(index):
    """PyTorch names an indexing grad_fn after the last step it decomposes into."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, (ndarray, list)) for p in parts):
        return INDEX
    for p in reversed(parts):
        if isinstance(p, (int, np.integer)):
            return SELECT
        if p is None:
            return UNSQUEEZE_INDEX
        if isinstance(p, slice) and p != slice(None):
            return SLICE
    return SLICE


def _split_ints(index):
    """PyTorch's rule for ints beside tensor indices: an int is a basic index (x[1, :, t] selects
    1 first, then indexes with t), where numpy counts it as advanced and moves the broadcast
    dims to the front. So (basic part with ints, advanced part without) or None if not mixed."""
    if not isinstance(index, tuple):
        return None
    ints = any(type(p) is int for p in index)
    arrays = any(isinstance(p, ndarray) for p in index)
    if not (ints and arrays):
        return None
    basic, advanced = [], []
    for p in index:
        if type(p) is int:
            basic.append(p)
        elif isinstance(p, ndarray):
            width = p.ndim if p.dtype == np.bool_ else 1  # a mask spans as many dims as it has
            basic.extend([slice(None)] * width)
            advanced.append(p)
        elif p is Ellipsis:
            basic.append(p)
            advanced.append(p)
        else:  # a slice or None: applied in the first step, a whole dim in the second
            basic.append(p)
            advanced.append(slice(None))
    return tuple(basic), tuple(advanced)


def getitem(input, index):
    given = index
    parts = index if isinstance(index, (tuple, list)) else (index,)
    _batched.refuse("indexing", *parts, why="a batched index tensor has no batching rule here (use gather)")
    index = _index_arg(index)
    split = _split_ints(index)
    if split is not None:
        return getitem(getitem(input, split[0]), split[1])
    try:
        return apply(_index_op(index), (input,), (index,))
    except IndexError as e:
        if input.ndim == 0:
            _zero_dim_index_error(given)
        raise IndexError(f"{e} (indexing a tensor of shape {tuple(input.shape)})") from None


def _zero_dim_index_error(index):
    """PyTorch's messages for indexing a 0-d tensor (numpy's "too many indices" says less)."""
    if isinstance(index, slice):
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if isinstance(index, (int, np.integer)):
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
            "C++ to convert a 0-dim tensor to a number"
        )
    raise IndexError(f"too many indices for tensor of dimension 0 (indexing with {index!r})")


@export
@numpy_keywords
def narrow(input, dim, start, length):
    """The ``length`` elements from ``start`` along ``dim``, as a view (a slice of ``input``).

    ``input``: at least 1-D; ``dim``: the dim sliced; ``start``: the first position (an int
    or a 0-d tensor; negative counts from the end); ``length``: how many; ``axis``: numpy's
    spelling of ``dim``.

    >>> minigrad.arange(5).narrow(0, 1, 2)
    tensor([1, 2])
    """
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _dims("narrow", dim, input.ndim)[0]
    if isinstance(start, Tensor) and (start._data.ndim or start._data.dtype.kind not in "iu"):
        raise RuntimeError(
            f"start must be an 0-dim integral Tensor (narrow got a {start.dtype} tensor "
            f"of shape {tuple(start.shape)})."
        )
    start, length, n = _int("narrow", start, "start"), _int("narrow", length, "length"), input.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative (got {length}).")
    start = start + n if start < 0 else start
    if start + length > n:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({n}): narrow of "
            f"dim {d} of a tensor of shape {tuple(input.shape)}."
        )
    return apply(SLICE, (input,), ((slice(None),) * d + (slice(start, start + length),),))


def setitem_(input, index, value):
    """``input[index] = value`` in place (differentiable w.r.t. both)."""
    index = _index_arg(index)
    split = _split_ints(index)
    if split is not None:  # write where PyTorch's x[1, :, t] reads, in the layout it reads it
        where = np.arange(_numel(input.shape)).reshape(input.shape)[split[0]][split[1]]
        index = np.unravel_index(where, input.shape)
    input._check_inplace()
    if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
        value = value.to(input.dtype)
    elif not isinstance(value, (Tensor, np.ndarray)):
        value = _real("setitem", value)
    res = apply(SETITEM, (input, value), (index,))
    return _tape._rebase(input, res)


def setitem(input, index, value):
    setitem_(input, index, value)


def _where(mask, a, b):
    from .elementwise import where

    return where(mask, a, b)


def _pad_to(g, shape):
    """Zero-pad ``g`` up to ``shape`` (scatter_add reads only the part of src its index covers)."""
    if tuple(g.shape) == tuple(shape):
        return g
    return _unindex(g, shape, tuple(slice(0, n) for n in g.shape))


def _index_tensor(op, index, x, dim):
    """The index array, validated against a sample: inside vmap a batched index keeps its
    batch dim in front (the op's batching rule tells the two apart by rank)."""
    data = index._data if isinstance(index, Tensor) else index
    if not isinstance(data, ndarray) or data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index")
    lead = data.shape[:1] if type(index) is BatchedTensor else ()
    shape = data.shape[len(lead) :]
    if not shape and x.ndim == 1 and op != "index_select":
        # a 0-d index counts as one element along a 1-d tensor's dim, as in PyTorch
        # (x.scatter_(0, torch.tensor(label), value=1): the tutorials' one-hot)
        data, shape = data.reshape(lead + (1,)), (1,)
    if len(shape) != x.ndim and op != "index_select":
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input tensor ({op})")
    if op != "index_select":
        for k, (i, s) in enumerate(zip(shape, x.shape)):
            if k != dim and i > s:
                raise RuntimeError(
                    f"{op}(): Size does not match at dimension {k} expected index {list(data.shape)} to be "
                    f"no larger than self {list(x.shape)} apart from dimension {dim}"
                )
    n = x.shape[dim] if x.ndim else 1
    if data.size and (data.min() < 0 or data.max() >= n):
        # PyTorch refuses negative indices here (no numpy-style wrap-around); its gather and
        # scatter raise RuntimeError, index_select IndexError
        raise (IndexError if op == "index_select" else RuntimeError)(
            f"{op}(): index {int(data.max()) if data.max() >= n else int(data.min())} is out of bounds "
            f"for dimension {dim} with size {n} (indices must be in [0, {n - 1}])"
        )
    return data.astype(np.intp, copy=False)


@export
@numpy_keywords
def gather(input, dim, index):
    """Values of ``input`` along ``dim`` at ``index`` (same shape as index).

    ``input``: the tensor read; ``dim``: the dim indexed; ``index``: an int64 tensor with
    ``input``'s number of dims (no larger than ``input`` in the other dims); ``axis``: numpy's
    spelling of ``dim``.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(1, minigrad.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    if _is_raw(input):
        return _fwd_gather(input, dim, index)
    d = _dims("gather", dim, input.ndim)[0]
    idx = _index_tensor("gather", index, input, d)
    input = _batched.lift(input, _batched.size_of(index))  # a batched index batches the result
    out = apply(GATHER, (input,), (d, idx))
    return out.reshape(()) if isinstance(index, Tensor) and index.ndim == 0 and input.ndim == 1 else out


@export
@numpy_keywords
def index_select(input, dim, index):
    """The slices of ``input`` along ``dim`` listed in the 1-D ``index``.

    ``input``: the tensor read; ``dim``: the dim indexed; ``index``: a 1-D (or 0-d) int64
    tensor of positions (repeats allowed; a copy, not a view); ``axis``: numpy's spelling
    of ``dim``.

    >>> minigrad.arange(6).reshape(3, 2).index_select(0, minigrad.tensor([2, 0]))
    tensor([[4, 5],
            [0, 1]])
    """
    d = _dims("index_select", dim, input.ndim)[0]
    idx = _index_tensor("index_select", index, input, d)
    lead = idx.shape[:1] if type(index) is BatchedTensor else ()
    if idx.ndim - len(lead) > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    input = _batched.lift(input, _batched.size_of(index))  # a batched index batches the result
    return apply(INDEX_SELECT, (input,), (d, idx.reshape(lead + (-1,))))


@export
def masked_fill(input, mask, value):
    """``value`` where the bool ``mask`` is True (broadcast), ``input`` elsewhere.

    ``input``: the tensor; ``mask``: a bool tensor broadcastable to it; ``value``: a number
    or a 0-d tensor (unlike PyTorch, no gradient flows to a tensor ``value``).

    >>> minigrad.tensor([1.0, 2.0, 3.0]).masked_fill(minigrad.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype {m.dtype}")
    if isinstance(value, Tensor):
        value = value.item()
    return apply(MASKED_FILL, (input,), (m, value))


@export
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``;
    ``reduce="add"`` or ``"multiply"`` combines instead (no gradient then, as in PyTorch:
    ``scatter_reduce`` has one).

    >>> minigrad.zeros(2, 3).scatter(1, minigrad.tensor([[2], [0]]), 1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    d = _dims("scatter", dim, input.ndim)[0]
    idx = _index_tensor("scatter", index, input, d)
    if src is None:
        src = value
    if reduce is not None:
        from .index_writes import scatter_with_reduce

        _batched.refuse("scatter(reduce=...)", input, index, src)
        return scatter_with_reduce(input, d, idx, src, reduce)
    input = _batched.lift(input, _batched.size_of(index, src))  # a batched operand batches the result
    if isinstance(src, Tensor):
        src = _check_src("scatter", _sample_shape(index, idx), src)
        return apply(SCATTER, (input, src), (d, idx))
    return apply(SCATTER_VALUE, (input, src), (d, idx))


@export
def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats accumulate).

    ``input``: the tensor added to; ``dim``: the dim indexed; ``index``: an int64 tensor, no
    larger than ``src``; ``src``: the values added (one per index).

    >>> minigrad.zeros(3).scatter_add(0, minigrad.tensor([0, 0, 2]), minigrad.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    d = _dims("scatter_add", dim, input.ndim)[0]
    idx = _index_tensor("scatter_add", index, input, d)
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    src = _check_src("scatter_add", _sample_shape(index, idx), src)
    input = _batched.lift(input, _batched.size_of(index, src))  # a batched operand batches the result
    return apply(SCATTER_ADD, (input, src), (d, idx))


def _sample_shape(index, idx):
    """The shape of one sample's index (``idx`` has the batch dim in front if ``index`` is batched)."""
    return idx.shape[1:] if type(index) is BatchedTensor else idx.shape


def _check_src(op, shape, src):
    """PyTorch's rule: the index (of ``shape``) may not be larger than src along any dim
    (issue 8). Returns src, a 0-d one as one element beside a 0-d index (made 1-d by
    ``_index_tensor``)."""
    if src.ndim == 0 and shape == (1,):
        return src.reshape(1)
    if len(shape) != src.ndim or any(i > s for i, s in zip(shape, src.shape)):
        raise RuntimeError(
            f"{op}(): Expected index {list(shape)} to be no larger size than src {list(src.shape)}"
        )
    return src


@export(function=False)
def masked_fill_(input, mask, value):
    """In place: ``value`` where ``mask`` is True.

    ``input``: the tensor written (returned); ``mask``: a bool tensor broadcastable to it;
    ``value``: a number or a 0-d tensor.

    >>> x = minigrad.zeros(3)
    >>> x.masked_fill_(minigrad.tensor([False, True, False]), 1.0)
    tensor([0., 1., 0.])
    """
    from .elementwise import inplace

    return inplace(lambda a, _: masked_fill(a, mask, value), input, None)
