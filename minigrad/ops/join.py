"""Joining and splitting: cat, stack, split, chunk, unbind.

These take or give any number of tensors, which the fixed-arity op table does not express,
so they are custom ``autograd.Function``s (the same mechanism users have). Their backward
is itself made of differentiable ops (slicing, cat), so higher-order gradients work.
"""

import numpy as np

from .. import _batched
from .._function import Function
from .._grad_mode import is_grad_enabled
from .._tape import Tensor
from ._core import _dims, _int, _ints, export, numpy_keywords


def _check_tensors(op, tensors):
    tensors = tuple(tensors)
    if not tensors:
        raise RuntimeError(f"{op}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected a sequence of Tensors, but element {i} is {type(t).__name__}")
    return tensors


def _result_dtype(tensors):
    """PyTorch's promotion over a list: a float dtype beats every integer one (int64 with
    float32 is float32, where numpy would make float64); within a kind, the wider wins."""
    dtypes = [t._data.dtype for t in tensors]
    floats = [d for d in dtypes if d.kind == "f"]
    return np.result_type(*floats) if floats else np.result_type(*dtypes)


def _slices(dim, bounds, ndim):
    """index tuples selecting [bounds[i], bounds[i+1]) along ``dim``."""
    lead = (slice(None),) * dim
    return [lead + (slice(a, b),) for a, b in zip(bounds[:-1], bounds[1:])]


class _Cat(Function):
    grad_fn_name = "CatBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        arrays = [t._data for t in tensors]
        ctx.dim = dim
        ctx.bounds = np.cumsum([0] + [a.shape[dim] for a in arrays]).tolist()
        return _wrap(np.concatenate(arrays, axis=dim))

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(g[idx] for idx in _slices(ctx.dim, ctx.bounds, g.ndim))


class _Stack(Function):
    grad_fn_name = "StackBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        return _wrap(np.stack([t._data for t in tensors], axis=dim))

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        return (None,) + tuple(g[lead + (i,)] for i in range(g.shape[ctx.dim]))


class _Split(Function):
    grad_fn_name = "SplitBackward0"

    @staticmethod
    def forward(ctx, x, dim, bounds):
        ctx.dim, ctx.bounds, ctx.shape = dim, bounds, x.shape
        return tuple(_wrap(x._data[idx]) for idx in _slices(dim, bounds, x.ndim))

    @staticmethod
    def backward(ctx, *grads):
        if not is_grad_enabled():  # a plain backward: one concatenate, not a recorded cat
            return _wrap(np.concatenate([g._data for g in grads], axis=ctx.dim)), None, None
        return cat(grads, ctx.dim), None, None


class _SplitWithSizes(_Split):
    grad_fn_name = "SplitWithSizesBackward0"


class _Unbind(Function):
    grad_fn_name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(_wrap(x._data[lead + (i,)]) for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim), None


def _wrap(array):
    from .._tape import _from_array

    # np.asarray, not np.ascontiguousarray alone: that makes a numpy scalar (a slice of unbind
    # on a 1-d tensor) 1-d, and unbind must give 0-d tensors (issue 8)
    array = np.asarray(array)
    return _from_array(array if array.flags.c_contiguous else np.ascontiguousarray(array))


@export("concat", "concatenate", method=False)
@numpy_keywords
def cat(tensors, dim=0):
    """Join tensors along an existing dimension. ``concat`` and ``concatenate`` are the same function.

    ``tensors``: a sequence of tensors with the same shape apart from ``dim``; ``dim``: the
    dim joined along; ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.cat([minigrad.ones(2), minigrad.zeros(1)])
    tensor([1., 1., 0.])
    """
    tensors = _check_tensors("cat", tensors)
    ref = tensors[0]
    d = _dims("cat", dim, ref.ndim)[0] if ref.ndim else 0
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != ref.ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref.shape)) if k != d):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}. Expected size "
                f"{tuple(ref.shape)} but got size {tuple(t.shape)} for tensor number {i} in the list."
            )
    dtype = _result_dtype(tensors)
    tensors = tuple(t if t._data.dtype == dtype else t.to(dtype) for t in tensors)
    size = _batched.size_of(*tensors)
    if size is not None:  # inside vmap: the same join of the batched arrays, one dim further in
        return _batched.as_batched(_Cat._apply_plain(d + 1, *(_batched.lift(t, size) for t in tensors)))
    return _Cat.apply(d, *tensors)


concat = concatenate = cat


@export(method=False)
@numpy_keywords
def stack(tensors, dim=0):
    """Join tensors of one shape along a new dimension.

    ``tensors``: a sequence of tensors of one shape; ``dim``: where the new dim goes;
    ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.stack([minigrad.ones(2), minigrad.zeros(2)]).shape
    minigrad.Size([2, 2])
    """
    tensors = _check_tensors("stack", tensors)
    ref = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != tuple(ref.shape):
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref.shape)} at entry 0 "
                f"and {list(t.shape)} at entry {i}"
            )
    d = _dims("stack", dim, ref.ndim + 1)[0]
    dtype = _result_dtype(tensors)
    tensors = tuple(t if t._data.dtype == dtype else t.to(dtype) for t in tensors)
    size = _batched.size_of(*tensors)
    if size is not None:  # inside vmap: the same join of the batched arrays, one dim further in
        return _batched.as_batched(_Stack._apply_plain(d + 1, *(_batched.lift(t, size) for t in tensors)))
    return _Stack.apply(d, *tensors)


@export
def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes.

    ``tensor``: the input; ``split_size_or_sections``: an int, or a list of sizes summing to the
    dim's size; ``dim``: the dimension cut. The pieces are views.

    >>> [t.tolist() for t in minigrad.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    >>> [t.shape for t in minigrad.zeros(2, 5).split([1, 4], dim=1)]
    [minigrad.Size([2, 1]), minigrad.Size([2, 4])]
    """
    d = _dims("split", dim, tensor.ndim)[0]
    n = tensor.shape[d]
    fn = _Split
    if not isinstance(split_size_or_sections, (list, tuple)):
        size = _int("split", split_size_or_sections, "split_size")
        if size <= 0:
            raise RuntimeError(f"split expects split_size be positive, but got split_size={size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) or [0]  # empty: one empty piece
    else:
        sizes = list(_ints("split", split_size_or_sections, "split_size"))
        fn = _SplitWithSizes
        if any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative entries, "
                f"but got split_sizes={sizes}"
            )
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                f"dimension {d}), but got split_sizes={sizes}"
            )
    bounds = np.cumsum([0] + sizes).tolist()
    out = fn.apply(tensor, d, bounds)
    return out if isinstance(out, tuple) else (out,)


@export
@numpy_keywords
def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of (nearly) equal size along ``dim``.

    ``input``: the tensor; ``chunks``: how many pieces (fewer if the size runs out); ``dim``: the
    dimension cut; ``axis``: numpy's spelling of ``dim``. The pieces are views.

    >>> [t.tolist() for t in minigrad.arange(5).chunk(2)]
    [[0, 1, 2], [3, 4]]
    """
    chunks = _int("chunk", chunks, "chunks")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dims("chunk", dim, input.ndim)[0]
    size = -(-input.shape[d] // chunks)
    if size == 0:  # an empty dim: `chunks` empty pieces, as PyTorch
        return split(input, [0] * chunks, d)
    return split(input, size, d)


@export
@numpy_keywords
def unbind(input, dim=0):
    """The slices along ``dim``, as a tuple of tensors with that dimension removed.

    ``input``: at least 1-D; ``dim``: the dim taken apart; ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.tensor([[1, 2], [3, 4]]).unbind(1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    d = _dims("unbind", dim, input.ndim)[0]
    out = _Unbind.apply(input, d)
    return out if isinstance(out, tuple) else (out,)
