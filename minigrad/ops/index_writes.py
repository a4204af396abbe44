"""Indexing writes: scatter_reduce, index_add, index_fill, index_copy, index_put, masked_scatter,
put, and the in-place forms of them and of scatter/scatter_add (``x.index_add_(...)``).

Each op returns a copy of ``input`` with the write done; its in-place method is the same op
written back into ``input`` by ``export(inplace=True)`` (version bump, history kept).
Every index is checked here, before numpy sees it, with PyTorch's rule for that op: the
dim-wise ops (scatter_reduce, index_add, index_copy) refuse negative indices, the others
(index_fill, index_put, put) count them from the end, as PyTorch does.

The derivatives are PyTorch's (its ``derivatives.yaml``). Where one needs a mask or a count
(which positions a scatter wrote, how many ties share an amax), that is computed from the
index and the values as a constant; the gradient itself flows through the op vocabulary, so
the formulas also run under ``create_graph=True``.
"""

import numpy as np

from .. import _batched, _tape
from .._tape import Tensor, apply
from . import _batching as B
from ._core import LINEAR, _dim1, _dims, _is_raw, _real, defop, export, export_method
from .indexing import (
    INDEX_SELECT,
    _along,
    _check_src,
    _index_arg,
    _index_tensor,
    _pad_to,
    _unindex,
    _where,
    _zero_at,
    gather,
)
from .shape import reshape


def _raw(t):
    return t if _is_raw(t) else t._data


def _const(like, arr):
    """``arr`` as an operand next to ``like``: itself on the raw path, a constant tensor else."""
    return arr if _is_raw(like) else _tape._from_array(arr)


def _keep(g, mask):
    """``g`` where ``mask`` is True, 0 elsewhere (``where``, not a product: 0 * inf is nan)."""
    return _where(mask, g, 0.0)


def _at(dim, index):
    """The index tuple of the slices ``index`` along ``dim``."""
    return (slice(None),) * dim + (index,)


def _index_select(g, dim, index):
    if _is_raw(g):
        return np.take(g, index, axis=dim)
    return apply(INDEX_SELECT, (g,), (dim, index))


def _crop(src, index):
    """The part of ``src`` an index of a smaller shape covers (PyTorch reads only that)."""
    return src[tuple(slice(0, n) for n in index.shape)]


# ----------------------------------------------------------------------------- forwards

_REDUCERS = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _fwd_scatter_reduce(x, src, dim, index, reduce, include_self):
    where = _along(index, dim)
    src = _crop(src, index)
    out = x.copy()
    if not include_self:  # the written positions start from the reduction's identity
        ident = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if ident is None:  # amax/amin: start from the first value scattered there
            out[where] = src
        else:
            out[where] = ident
    with np.errstate(invalid="ignore", over="ignore"):  # a NaN or an overflow: as PyTorch, no warning
        _REDUCERS[reduce].at(out, where, src)
    if reduce == "mean":
        count = np.zeros(x.shape, np.int64)
        np.add.at(count, where, 1)
        count += bool(include_self)
        count = np.maximum(count, 1)
        with np.errstate(all="ignore"):
            out = out // count if out.dtype.kind in "iu" else (out / count).astype(out.dtype)
    return out


def _fwd_scatter_legacy(x, src, dim, index, reduce):
    out = x.copy()
    src = _crop(src, index) if np.ndim(src) else np.asarray(src, dtype=x.dtype)
    (np.add if reduce == "add" else np.multiply).at(out, _along(index, dim), src)
    return out


def _fwd_index_add(x, src, dim, index, alpha):
    out = x.copy()
    np.add.at(out, _at(dim, index), src if alpha == 1 else src * np.asarray(alpha, x.dtype))
    return out


def _fwd_index_fill(x, value, dim, index):
    out = x.copy()
    out[_at(dim, index)] = value
    return out


def _fwd_index_copy(x, src, dim, index):
    out = x.copy()
    out[_at(dim, index)] = src
    return out


def _fwd_index_put(x, values, index, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, index, values)
    else:
        out[index] = values
    return out


def _fwd_masked_scatter(x, src, mask):
    out = x.copy()
    out[mask] = src.reshape(-1)[: np.count_nonzero(mask)]
    return out


# ----------------------------------------------------------------------------- derivatives


def _written(shape, dim, index):
    """A bool mask of the positions a scatter along ``dim`` at ``index`` writes."""
    m = np.zeros(shape, bool)
    m[_along(index, dim)] = True
    return m


def _scatter_reduce(x, src, dim, index, reduce, include_self):
    if _is_raw(x) and _is_raw(src):
        return _fwd_scatter_reduce(x, src, dim, index, reduce, include_self)
    return apply(SCATTER_REDUCE, (x, src), (dim, index, reduce, include_self))


def _mean_count(g, x, dim, index, include_self):
    """How many values each position of a "mean" scatter_reduce averaged (at least 1)."""
    n = np.zeros(x.shape, _raw(g).dtype)
    np.add.at(n, _along(index, dim), 1)
    return _const(g, np.maximum(n + bool(include_self), 1))


def _ties(g, x, src, out, dim, index):
    """amax/amin: g shared evenly among the elements equal to their result, and which those are
    (in self, in src, as 0/1 factors); PyTorch counts self's element even with include_self=False.
    A NaN result equals no element: 0 shares, so g / 0 there, and the factor-0 products give
    NaN to every element reduced into it (PyTorch's formula, which multiplies by the masks)."""
    where = _along(index, dim)
    outr = _raw(out)
    dtype = _raw(g).dtype
    x_is, s_is = _raw(x) == outr, _crop(_raw(src), index) == outr[where]
    n = x_is.astype(dtype)
    np.add.at(n, where, s_is)
    return g / _const(g, n), _const(g, x_is.astype(dtype)), _const(g, s_is.astype(dtype))


def _sr_grad_self(g, x, src, out, dim, index, reduce, include_self):
    """d self of scatter_reduce (PyTorch's scatter_reduce_backward)."""
    if reduce == "sum":
        gx = g
    elif reduce == "mean":
        gx = g / _mean_count(g, x, dim, index, include_self)
    elif reduce == "prod":  # the product of the others, also where self is 0
        masked_x = _where(_raw(x) == 0, 1.0, x)
        gx = g * _scatter_reduce(masked_x, src, dim, index, reduce, include_self) / masked_x
    else:
        with np.errstate(divide="ignore", invalid="ignore"):  # g / 0 and 0 * inf: NaN, silently
            shared, x_is, _ = _ties(g, x, src, out, dim, index)
            gx = shared * x_is
    return gx if include_self else _zero_at(gx, _along(index, dim))


def _sr_grad_src(g, x, src, out, dim, index, reduce, include_self):
    """d src of scatter_reduce (PyTorch's scatter_reduce_backward), zero where index is not."""
    if reduce == "sum":
        gs = gather(g, dim, index)
    elif reduce == "mean":
        gs = gather(g / _mean_count(g, x, dim, index, include_self), dim, index)
    elif reduce == "prod":
        src_c = _crop(src, index)
        zero = _raw(src_c) == 0
        zeros_there = np.zeros(x.shape, np.int64)
        np.add.at(zeros_there, _along(index, dim), zero)
        single = zero & (
            zeros_there[_along(index, dim)] == 1
        )  # its group's one zero: d = the others' product
        others = _scatter_reduce(
            x, _pad_src(_where(single, 1.0, src_c), src), dim, index, reduce, include_self
        )
        gs = _where(
            single, gather(g * others, dim, index), gather(g * out, dim, index) / _where(zero, 1.0, src_c)
        )
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            shared, _, s_is = _ties(g, x, src, out, dim, index)
            gs = gather(shared, dim, index) * s_is
    return _pad_to(gs, src.shape)


def _pad_src(part, src):
    """``part`` (index-shaped) padded with the rest of ``src``, for the recomputed reductions."""
    if tuple(part.shape) == tuple(src.shape):
        return part
    if _is_raw(part):
        full = np.array(src)
        full[tuple(slice(0, n) for n in part.shape)] = part
        return full
    from .indexing import setitem_

    return setitem_(src.detach().clone(), tuple(slice(0, n) for n in part.shape), part)


def _no_scatter_grad(g, x, src, out, dim, index, reduce):
    raise RuntimeError(
        "derivative for aten::scatter is not implemented: scatter(..., reduce=) has no "
        "gradient in PyTorch either; use scatter_reduce (sum, prod, mean, amax, amin)"
    )


def _index_fill_value_grad(g, x, value, out, dim, index):
    m = np.zeros(x.shape, bool)
    m[_at(dim, index)] = True
    return _keep(g, m)  # summed to the 0-d value by the engine


def _put_positions(shape, index):
    return np.unravel_index(index, shape)


def _masked_scatter_src_grad(g, x, src, out, mask):
    n = int(np.count_nonzero(mask))
    size = int(np.prod(src.shape))
    return reshape(_unindex(g[mask], (size,), (slice(0, n),)), src.shape)


# ----------------------------------------------------------------------------- the table
# fmt: off
SCATTER_REDUCE = defop("scatter_reduce", _fwd_scatter_reduce, _sr_grad_self, _sr_grad_src)
SCATTER_LEGACY = defop("scatter", _fwd_scatter_legacy, _no_scatter_grad, _no_scatter_grad, grad_name="NotImplemented")
INDEX_ADD   = defop("index_add", _fwd_index_add,   lambda g, x, src, out, dim, index, alpha: g,
                                                   lambda g, x, src, out, dim, index, alpha: _index_select(g, dim, index) * alpha, kind=LINEAR,
                                                   batch=B.shifted_lifted(0))
INDEX_FILL  = defop("index_fill", _fwd_index_fill, lambda g, x, value, out, dim, index: _zero_at(g, _at(dim, index)), None,
                                                   batch=B.shifted_lifted(0))
INDEX_FILL_TENSOR = defop("index_fill", _fwd_index_fill,
                                                   lambda g, x, value, out, dim, index: _zero_at(g, _at(dim, index)),
                                                   _index_fill_value_grad, grad_name="IndexFillBackward1")
INDEX_COPY  = defop("index_copy", _fwd_index_copy, lambda g, x, src, out, dim, index: _zero_at(g, _at(dim, index)),
                                                   lambda g, x, src, out, dim, index: _index_select(g, dim, index), kind=LINEAR,
                                                   batch=B.shifted_lifted(0))
INDEX_PUT   = defop("index_put", _fwd_index_put,   lambda g, x, v, out, index, accumulate: g if accumulate else _zero_at(g, index),
                                                   lambda g, x, v, out, index, accumulate: g[index], kind=LINEAR)
MASKED_SCATTER = defop("masked_scatter", _fwd_masked_scatter,
                                                   lambda g, x, src, out, mask: _where(mask, 0.0, g),
                                                   _masked_scatter_src_grad, kind=LINEAR)
PUT         = defop("put", lambda x, src, index, accumulate: _fwd_index_put(x, src.reshape(index[0].shape), index, accumulate),
                                                   lambda g, x, src, out, index, accumulate: g if accumulate else _zero_at(g, index),
                                                   lambda g, x, src, out, index, accumulate: reshape(g[index], src.shape), kind=LINEAR)
# fmt: on


# ----------------------------------------------------------------------------- checks


def _tensor(op, what, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(t).__name__}")
    return t


def _same_dtype(op, x, src, what="source"):
    if src._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"{op}(): self and {what} expected to have the same dtype, but got (self) {x.dtype} and "
            f"({what}) {src.dtype}; convert one with .to(...)"
        )


def _vector_index(op, index, x, dim, negative, error=IndexError):
    """A 1-D (or 0-d) integer index into dim ``dim`` of ``x``, as an intp array; ``negative``:
    PyTorch counts negative indices from the end (index_fill) or refuses them (index_add)."""
    data = _tensor(op, "index", index)._data
    _batched.refuse(op, index, why="a batched index (one per sample) has no batching rule here")
    if data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index but got: {index.dtype}")
    if data.ndim > 1:
        raise RuntimeError(
            f"{op}(): Index has to be a vector/scalar (got an index of shape {tuple(data.shape)})"
        )
    n = x.shape[dim]
    data = data.reshape(-1).astype(np.intp)
    lo = -n if negative else 0
    bad = data[(data < lo) | (data >= n)]
    if bad.size:
        raise error(f"{op}(): index {int(bad[0])} is out of bounds for dimension {dim} with size {n}")
    return data % n if negative and n else data


def _on_vector(fn, input, source=None):
    """A 0-d input as a 1-element vector (PyTorch's index ops take its dim 0), a 0-d source too."""
    args = () if source is None else (reshape(_tensor(fn.__name__, "source", source), (1,)),)
    return reshape(fn(reshape(input, (1,)), *args), ())


def _source_mismatch(op, x, src):
    raise RuntimeError(
        f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
        f"dimension. Got self.shape = {list(x.shape)} source.shape = {list(getattr(src, 'shape', ()))}"
    )


def _source_shape(op, x, src, dim, count):
    want = x.shape[:dim] + (count,) + x.shape[dim + 1 :]
    if src.ndim == 0 and count == 1 and x.ndim == 1:
        return src.reshape(1)
    if src.ndim != x.ndim or any(a != b for k, (a, b) in enumerate(zip(src.shape, want)) if k != dim):
        _source_mismatch(op, x, src)
    if src.shape[dim] != count:
        raise RuntimeError(
            f"{op}(): Number of indices ({count}) should be equal to source.size(dim): "
            f"({src.shape[dim]}), for dim: {dim}"
        )
    return src


# ----------------------------------------------------------------------------- the functions


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0, 1.0]",
        '0, minigrad.tensor([0, 0, 2]), minigrad.tensor([2.0, 3.0, 4.0]), "sum"',
        "tensor([6., 1., 5.])",
    ),
)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of ``input`` with ``src`` reduced into it at ``index`` along ``dim``: ``reduce``
    is "sum", "prod", "mean", "amax" or "amin"; ``include_self=False`` leaves the old value out
    where something is scattered. The gradient of amax/amin is shared among ties.

    >>> minigrad.zeros(3).scatter_reduce(0, minigrad.tensor([0, 0, 2]), minigrad.tensor([1., 2., 5.]), "amax")
    tensor([2., 0., 5.])
    """
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's older names, still taken
    if reduce not in _REDUCERS:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce} (scatter_reduce)"
        )
    d = _dims("scatter_reduce", dim, input.ndim)[0]
    idx = _index_tensor("scatter_reduce", index, input, d)
    _batched.refuse("scatter_reduce", input, index, src)
    src = _check_src("scatter_reduce", idx.shape, _tensor("scatter_reduce", "src", src))
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"scatter(): Expected self.dtype to be equal to src.dtype (scatter_reduce got {input.dtype} "
            f"and {src.dtype})"
        )
    return apply(SCATTER_REDUCE, (input, src), (d, idx, reduce, bool(include_self)))


def scatter_with_reduce(input, d, idx, src, reduce):
    """``scatter(..., reduce="add" | "multiply")``: PyTorch's older form, without a gradient."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r} (scatter)")
    if isinstance(src, Tensor):
        src = _check_src("scatter", idx.shape, src)
    else:
        src = _real("scatter", src)
    return apply(SCATTER_LEGACY, (input, src), (d, idx, reduce))


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0, 1.0]",
        "0, minigrad.tensor([0, 2]), minigrad.tensor([10.0, 20.0])",
        "tensor([11.,  1., 21.])",
    ),
)
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` added at the slices ``index`` along ``dim``
    (repeated indices accumulate).

    >>> minigrad.zeros(3).index_add(0, minigrad.tensor([0, 0]), minigrad.tensor([1., 2.]))
    tensor([3., 0., 0.])
    """
    d = _dim1("index_add", dim, input.ndim)
    if input.ndim == 0 and isinstance(source, Tensor) and source.ndim == 0:
        return _on_vector(lambda v, s: index_add(v, 0, index, s, alpha=alpha), input, source)
    if input.ndim == 0:
        _source_mismatch("index_add", input, source)
    idx = _vector_index("index_add", index, input, d, False, RuntimeError)
    src = _source_shape("index_add", input, _tensor("index_add", "source", source), d, idx.size)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"index_add_(): self ({input.dtype}) and source ({src.dtype}) must have the same scalar type"
        )
    return apply(INDEX_ADD, (input, src), (d, idx, _real("index_add", alpha)))


@export(
    inplace=True,
    inplace_example=("[1.0, 1.0, 1.0]", "0, minigrad.tensor([0, 2]), -1.0", "tensor([-1.,  1., -1.])"),
)
def index_fill(input, dim, index, value):
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) at the slices ``index``.

    ``input``: the tensor; ``dim``: the dim indexed; ``index``: a 1-D int64 tensor of
    positions; ``value``: what is written.

    >>> minigrad.zeros(2, 2).index_fill(1, minigrad.tensor([1]), 5.0)
    tensor([[0., 5.],
            [0., 5.]])
    """
    d = _dim1("index_fill", dim, input.ndim)
    if input.ndim == 0:
        return _on_vector(lambda v: index_fill(v, 0, index, value), input)
    idx = _vector_index("index_fill", index, input, d, True)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
        return apply(INDEX_FILL_TENSOR, (input, value), (d, idx))
    value = _real("index_fill", value)
    if not isinstance(value, (int, float)):
        raise TypeError(
            f"index_fill(): argument 'value' must be Number or Tensor, not {type(value).__name__}"
        )
    return apply(INDEX_FILL, (input, value), (d, idx))


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0, 1.0]",
        "0, minigrad.tensor([0, 2]), minigrad.tensor([10.0, 20.0])",
        "tensor([10.,  1., 20.])",
    ),
)
def index_copy(input, dim, index, source):
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``.

    >>> minigrad.zeros(3).index_copy(0, minigrad.tensor([2]), minigrad.tensor([7.]))
    tensor([0., 0., 7.])
    """
    d = _dim1("index_copy", dim, input.ndim)
    if input.ndim == 0 and isinstance(source, Tensor) and source.numel() == 1:
        return _on_vector(lambda v, s: index_copy(v, 0, index, s), input, source)
    if input.ndim == 0:
        _source_mismatch("index_copy", input, source)
    idx = _vector_index("index_copy", index, input, d, False)
    src = _source_shape("index_copy", input, _tensor("index_copy", "source", source), d, idx.size)
    _same_dtype("index_copy_", input, src)
    return apply(INDEX_COPY, (input, src), (d, idx))


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0, 1.0]",
        "(minigrad.tensor([0, 2]),), minigrad.tensor([5.0, 6.0])",
        "tensor([5., 1., 6.])",
    ),
)
def index_put(input, indices, values, accumulate=False):
    """``input[indices] = values`` on a copy (``indices`` a tuple of integer or bool tensors);
    ``accumulate=True`` adds instead, repeated indices accumulating.

    >>> minigrad.zeros(3).index_put((minigrad.tensor([0, 0]),), minigrad.tensor(1.), accumulate=True)
    tensor([2., 0., 0.])
    """
    if not isinstance(indices, (tuple, list)) or not all(isinstance(i, Tensor) for i in indices):
        raise TypeError(
            f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, not {type(indices).__name__}"
        )
    _tensor("index_put", "values", values)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{input.dtype} for the destination and {values.dtype} for the source."
        )
    index = _index_arg(tuple(indices))
    try:
        picked = np.empty(input.shape, bool)[index].shape
    except IndexError as e:
        raise IndexError(f"index_put(): {e} (self of shape {tuple(input.shape)})") from None
    try:
        np.broadcast_shapes(values.shape, picked)
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
            f"indexing result of shape {list(picked)} (index_put)"
        ) from None
    return apply(INDEX_PUT, (input, values), (index, bool(accumulate)))


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0, 1.0]",
        "minigrad.tensor([True, False, True]), minigrad.tensor([7.0, 8.0])",
        "tensor([7., 1., 8.])",
    ),
)
def masked_scatter(input, mask, source):
    """A copy of ``input`` with the elements of ``source``, in order, where the bool ``mask``
    (broadcast to input) is True.

    >>> minigrad.zeros(4).masked_scatter(minigrad.tensor([True, False, True, False]), minigrad.tensor([1., 2.]))
    tensor([1., 0., 2., 0.])
    """
    m = _tensor("masked_scatter", "mask", mask)._data
    if m.dtype != np.bool_:
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    _tensor("masked_scatter", "source", source)
    try:
        m = np.broadcast_to(m, np.broadcast_shapes(m.shape, input.shape))
    except ValueError:
        raise RuntimeError(
            f"masked_scatter: mask of shape {tuple(m.shape)} does not broadcast to self of shape {tuple(input.shape)}"
        ) from None
    if m.shape != tuple(input.shape):
        raise RuntimeError(
            f"masked_scatter: mask of shape {tuple(mask.shape)} must broadcast to self's shape "
            f"{tuple(input.shape)}, not beyond it"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got {input.dtype} and {source.dtype}"
        )
    if source.numel() < np.count_nonzero(m):
        raise RuntimeError(
            f"Number of elements of source < number of ones in mask (masked_scatter: {source.numel()} < "
            f"{np.count_nonzero(m)})"
        )
    return apply(MASKED_SCATTER, (input, source), (np.array(m, order="C"),))


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0, 1.0]",
        "minigrad.tensor([-1]), minigrad.tensor([9.0])",
        "tensor([1., 1., 9.])",
    ),
)
def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` written at the flat positions ``index`` (input seen
    as 1-D; negative positions count from the end); ``accumulate=True`` adds instead.

    >>> minigrad.zeros(2, 2).put(minigrad.tensor([0, -1]), minigrad.tensor([1., 2.]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    data = _tensor("put", "index", index)._data
    _tensor("put", "source", source)
    if data.dtype.kind not in "iu":
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index.dtype}")
    if data.size != source.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {data.size}"
        )
    _same_dtype("put_", input, source)
    if input.ndim == 0:  # as a 1-element vector
        return reshape(put(reshape(input, (1,)), index, source, accumulate), ())
    flat = _flat_index("put", data, input.numel())
    return apply(PUT, (input, source), (_put_positions(tuple(input.shape), flat), bool(accumulate)))


def _flat_index(op, data, n):
    """Flat positions into ``n`` elements, negative ones from the end (take and put)."""
    bad = data[(data < -n) | (data >= n)]
    if bad.size:
        raise IndexError(
            f"out of range: tried to access index {int(bad.flat[0])} on a tensor of {n} elements ({op})."
        )
    return (data % n if n else data).astype(np.intp)


# scatter_ and scatter_add_: the in-place forms of indexing.py's scatter and scatter_add
def _scatter_inplace(input, dim, index, src=None, value=None, *, reduce=None):
    """In place: ``src`` (or ``value``) written at ``index`` along ``dim`` (see scatter).

    ``input``: the tensor written (returned); ``dim``: the dim indexed; ``index``: an int64
    tensor; ``src``: a tensor of values, or ``value``: one number; ``reduce``: ``"add"`` or
    ``"multiply"`` combines with what is there.

    >>> x = minigrad.zeros(3)
    >>> x.scatter_(0, minigrad.tensor([2]), 1.0)
    tensor([0., 0., 1.])
    """
    from .elementwise import inplace
    from .indexing import scatter

    return inplace(lambda a, _: scatter(a, dim, index, src, value, reduce=reduce), input, None)


def _scatter_add_inplace(input, dim, index, src):
    """In place: ``src`` added at ``index`` along ``dim`` (see scatter_add).

    ``input``: the tensor added to (returned); ``dim``: the dim indexed; ``index``: an int64
    tensor, no larger than ``src``; ``src``: the values added.

    >>> x = minigrad.zeros(2)
    >>> x.scatter_add_(0, minigrad.tensor([1, 1]), minigrad.tensor([1.0, 2.0]))
    tensor([0., 3.])
    """
    from .elementwise import inplace
    from .indexing import scatter_add

    return inplace(lambda a, _: scatter_add(a, dim, index, src), input, None)


export_method("scatter_", _scatter_inplace)
export_method("scatter_add_", _scatter_add_inplace)
