"""More shape and layout ops: select, movedim, broadcast_to, atleast_nd, tile,
repeat_interleave, tensor_split and the h/v/d splits and stacks, diagonal/diag/diag_embed/trace,
rot90, fliplr/flipud, unfold, meshgrid, cartesian_prod, combinations, block_diag, cdist.

Two are ops of their own, as each is the other's adjoint: ``diagonal`` (a strided view of a
diagonal) and ``diag_embed`` (a vector written onto a diagonal of zeros). The rest compose
indexing, permute, expand, cat and the reductions, so their gradients come from those.
"""

import itertools

import numpy as np

from .. import _dtypes, _tape
from .._tape import Tensor, apply
from . import _batching as B
from ._core import _dim1, _int, defop, export, export_method
from .indexing import getitem, index_select
from .join import cat, stack
from .shape import expand, flip, permute, repeat, reshape, transpose


def _fwd_diagonal(x, offset, d1, d2):
    return np.diagonal(x, offset, d1, d2)


def _fwd_undiagonal(g, shape, offset, d1, d2):
    """The adjoint of diagonal: ``g`` written onto the diagonal of zeros of ``shape``."""
    out = np.zeros(shape, dtype=g.dtype)
    planes = np.moveaxis(out, (d1, d2), (-2, -1))  # a writable view
    i = np.arange(g.shape[-1])
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    planes[..., rows, cols] = g
    return out


def _fwd_diag_embed(v, offset, d1, d2):
    n = v.shape[-1] + abs(offset)
    shape = list(v.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    return _fwd_undiagonal(v, tuple(shape), offset, d1, d2)


def _call(op, x, *attrs):
    return op.forward(x, *attrs) if isinstance(x, np.ndarray) else apply(op, (x,), attrs)


# fmt: off
DIAGONAL   = defop("diagonal",   _fwd_diagonal,    lambda g, x, out, o, d1, d2: _call(UNDIAGONAL, g, x.shape, o, d1, d2),
                   view=True, batch=B.shifted(1, 2))
UNDIAGONAL = defop("diagonal_backward", _fwd_undiagonal, lambda g, x, out, shape, o, d1, d2: _call(DIAGONAL, g, o, d1, d2),
                   grad_name="DiagonalBackwardBackward0", batch=B.undiagonal)
DIAG_EMBED = defop("diag_embed", _fwd_diag_embed,  lambda g, v, out, o, d1, d2: _call(DIAGONAL, g, o, d1, d2),
                   batch=B.shifted(1, 2))
# fmt: on


@export
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the matrices in dims (dim1, dim2), as a last dim (a view).

    ``input``: at least 2-D; ``offset``: 0 the main diagonal, > 0 above it, < 0 below;
    ``dim1``, ``dim2``: the two dims the matrices lie in.

    >>> minigrad.arange(9).reshape(3, 3).diagonal(1)
    tensor([1, 5])
    """
    d1, d2 = _dim1("diagonal", dim1, input.ndim), _dim1("diagonal", dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAGONAL, (input,), (_int("diagonal", offset, "offset"), d1, d2))


@export
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Each last-dim vector written onto the diagonal ``offset`` of a matrix of zeros in (dim1, dim2).

    ``input``: the vectors (last dim); ``offset``: which diagonal (> 0 above the main one);
    ``dim1``, ``dim2``: where the new matrix dims go in the result.

    >>> minigrad.diag_embed(minigrad.tensor([[1, 2], [3, 4]]))
    tensor([[[1, 0],
             [0, 2]],
    <BLANKLINE>
            [[3, 0],
             [0, 4]]])
    """
    n = input.ndim + 1
    d1, d2 = _dim1("diag_embed", dim1, n), _dim1("diag_embed", dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAG_EMBED, (input,), (_int("diag_embed", offset, "offset"), d1, d2))


@export
def diag(input, diagonal=0):
    """A 1-D input as the diagonal of a matrix; a 2-D one's diagonal as a vector.

    ``input``: a vector or a matrix; ``diagonal``: which diagonal (0 main, > 0 above, < 0 below).

    >>> minigrad.diag(minigrad.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    >>> minigrad.diag(minigrad.arange(9).reshape(3, 3), -1)
    tensor([3, 7])
    """
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D (shape {tuple(input.shape)})")


@export
def trace(input):
    """The sum of the main diagonal of a matrix.

    ``input``: a 2-D tensor.

    >>> minigrad.arange(9.0).reshape(3, 3).trace()
    tensor(12.)
    """
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


@export
def select(input, dim, index):
    """``input`` at ``index`` along ``dim`` (the dim removed): x.select(1, 0) is x[:, 0].

    ``input``: any tensor of at least 1 dim; ``dim``: the dim indexed; ``index``: the position
    (negative counts from the end).

    >>> minigrad.arange(6).reshape(2, 3).select(1, 0)
    tensor([0, 3])
    """
    d = _dim1("select", dim, input.ndim)
    i = _int("select", index, "index")
    n = input.shape[d]
    if not -n <= i < n:
        raise IndexError(
            f"select(): index {i} out of range for tensor of size {tuple(input.shape)} at dimension {d}"
        )
    return getitem(input, (slice(None),) * d + (i,))


@export("moveaxis")
def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (ints or sequences), the others keeping their order.

    ``input``: any tensor; ``source``: the dims moved; ``destination``: where they go (same length).
    ``moveaxis`` is the same function (numpy's name).

    >>> minigrad.zeros(2, 3, 4).movedim(0, -1).shape
    minigrad.Size([3, 4, 2])
    """
    src, dst = _dims_list("movedim", source, input.ndim), _dims_list("movedim", destination, input.ndim)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same "
            f"number of dims as destination ({list(dst)} dims)"
        )
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {list(src)} or destination {list(dst)}")
    order = [k for k in range(input.ndim) if k not in src]
    perm = [None] * input.ndim
    for s, t in zip(src, dst):
        perm[t] = s
    it = iter(order)
    return permute(input, tuple(p if p is not None else next(it) for p in perm))


moveaxis = movedim


def _dims_list(op, dims, ndim):
    dims = (dims,) if not isinstance(dims, (tuple, list)) else dims
    return [_dim1(op, d, ndim) for d in dims]


@export
def broadcast_to(input, size):
    """``input`` expanded to ``size`` (a view).

    ``input``: any tensor; ``size``: the target shape (-1 keeps a size; new dims go in front).

    >>> minigrad.tensor([1, 2]).broadcast_to((2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, tuple(size))


@export(method=False)
def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to.

    ``shapes``: sizes (tuples, ``Size`` or ints); a RuntimeError if they do not broadcast.

    >>> minigrad.broadcast_shapes((2, 1), (3,))
    minigrad.Size([2, 3])
    """
    try:
        return _tape.Size(
            np.broadcast_shapes(*(tuple(s) if not isinstance(s, int) else (s,) for s in shapes))
        )
    except ValueError:
        raise RuntimeError(
            f"Shape mismatch: objects cannot be broadcast to a single shape: {shapes}"
        ) from None


@export(method=False)
def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape.

    ``tensors``: the tensors; returns a tuple of views, one per input.

    >>> a, b = minigrad.broadcast_tensors(minigrad.zeros(2, 1), minigrad.zeros(3))
    >>> a.shape, b.shape
    (minigrad.Size([2, 3]), minigrad.Size([2, 3]))
    """
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, tuple(shape)) for t in tensors)


def _atleast(n):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
            return tuple(fn(t) for t in tensors[0])
        if len(tensors) > 1:
            return tuple(fn(t) for t in tensors)
        x = tensors[0]
        if x.ndim >= n:
            return x
        return reshape(x, _ATLEAST[n][x.ndim](tuple(x.shape)))

    fn.__name__ = fn.__qualname__ = f"atleast_{n}d"
    fn.__doc__ = f"""The tensor(s) viewed with at least {n} dims (as numpy's atleast_{n}d).

    ``tensors``: one tensor (returned as one) or several, or one list of them (a tuple back).

    >>> minigrad.atleast_{n}d(minigrad.tensor(1.0)).shape
    minigrad.Size([{", ".join(["1"] * n)}])
    """
    return fn


# numpy's rules: a vector is a row of a matrix and the middle of a 3-D tensor, a matrix its front
_ATLEAST = {
    1: {0: lambda s: (1,)},
    2: {0: lambda s: (1, 1), 1: lambda s: (1,) + s},
    3: {0: lambda s: (1, 1, 1), 1: lambda s: (1,) + s + (1,), 2: lambda s: s + (1,)},
}
atleast_1d, atleast_2d, atleast_3d = (export(_atleast(n), method=False) for n in (1, 2, 3))


@export
def tile(input, dims):
    """``input`` repeated ``dims`` times along each dim (missing leading dims count as 1).

    ``input``: any tensor; ``dims``: the copies per dim (a sequence; shorter than ``input.ndim``
    is padded with 1s in front, longer adds dims).

    >>> minigrad.tensor([1, 2]).tile((2,))
    tensor([1, 2, 1, 2])
    """
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, *dims)


@export
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated ``repeats`` times (a number or one count per element) along ``dim``
    (the flattened tensor when None). ``repeat_interleave(counts)`` gives the repeated indices.

    ``input``: the tensor (or the counts, alone); ``repeats``: an int or a 1-D tensor of counts;
    ``dim``: the dim repeated along; ``output_size``: accepted for PyTorch's signature (the total
    is computed here).

    >>> minigrad.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    >>> minigrad.repeat_interleave(minigrad.tensor([2, 1]))
    tensor([0, 0, 1])
    """
    if repeats is None:  # torch.repeat_interleave(counts)
        counts = input._data
        return _tape._from_array(np.repeat(np.arange(len(counts)), counts).astype(np.int64))
    x = reshape(input, (-1,)) if dim is None else input
    d = 0 if dim is None else _dim1("repeat_interleave", dim, input.ndim)
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    n = x.shape[d] if x.ndim else 1
    reps_arr = np.asarray(reps)
    if reps_arr.ndim and reps_arr.size not in (1, n):
        raise RuntimeError(
            f"repeat_interleave: repeats must have the same size as input along dim, but got repeats.size(0) = "
            f"{reps_arr.size} and input.size({d}) = {n}"
        )
    if np.any(reps_arr < 0):
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = np.repeat(np.arange(n), reps_arr.reshape(-1) if reps_arr.ndim else int(reps_arr))
    return index_select(x, d, _tape._from_array(idx.astype(np.int64)))


@export
def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``n`` nearly equal parts (the first ones one longer) or at the given indices.

    ``input``: the tensor; ``indices_or_sections``: an int ``n`` (how many parts) or a list of
    indices to cut before; ``dim``: the dim split. Returns a tuple of views.

    >>> minigrad.arange(5).tensor_split(2)
    (tensor([0, 1, 2]), tensor([3, 4]))
    >>> minigrad.arange(5).tensor_split([1, 4])
    (tensor([0]), tensor([1, 2, 3]), tensor([4]))
    """
    d = _dim1("tensor_split", dim, input.ndim)
    n = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        bounds = list(itertools.accumulate([q + 1] * r + [q] * (ios - r), initial=0))
    else:
        bounds = [0] + [min(max(i if i >= 0 else i + n, 0), n) for i in ios] + [n]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        pieces.append(getitem(input, (slice(None),) * d + (slice(lo, max(lo, hi)),)))
    return tuple(pieces)


def _split_along(name, dim, min_ndim):
    def fn(input, indices_or_sections):
        if input.ndim < min_ndim:
            raise RuntimeError(
                f"torch.{name} requires a tensor with at least {min_ndim} dimension, but got a tensor with "
                f"{input.ndim} dimensions!"
            )
        d = dim if input.ndim > 1 or name != "hsplit" else 0
        if isinstance(indices_or_sections, int) and input.shape[d] % indices_or_sections:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                f"{input.shape[d]} is not divisible by the split_size {indices_or_sections}!"
            )
        return tensor_split(input, indices_or_sections, d)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""tensor_split along dim {dim} (numpy's {name}).

    ``input``: at least {min_ndim}-D; ``indices_or_sections``: an int (how many equal parts; it
    must divide the size) or a list of indices to cut before.

    >>> [t.shape for t in minigrad.zeros(4, 4, 4).{name}(2)]
    {_SPLIT_EXAMPLE[name]}
    """
    return fn


_SPLIT_EXAMPLE = {
    "hsplit": "[minigrad.Size([4, 2, 4]), minigrad.Size([4, 2, 4])]",
    "vsplit": "[minigrad.Size([2, 4, 4]), minigrad.Size([2, 4, 4])]",
    "dsplit": "[minigrad.Size([4, 4, 2]), minigrad.Size([4, 4, 2])]",
}
hsplit, vsplit, dsplit = (
    export(_split_along("hsplit", 1, 1)),
    export(_split_along("vsplit", 0, 2)),
    export(_split_along("dsplit", 2, 3)),
)


@export(method=False)
def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors).

    ``tensors``: a sequence of tensors of the same shape apart from that dim.

    >>> minigrad.hstack([minigrad.tensor([1, 2]), minigrad.tensor([3])])
    tensor([1, 2, 3])
    """
    ts = atleast_1d(*tensors) if len(tensors) > 1 else (atleast_1d(tensors[0]),)
    return cat(list(ts), 0 if ts[0].ndim == 1 else 1)


@export("row_stack", method=False)
def vstack(tensors):
    """Concatenate along dim 0, 1-D tensors as rows.

    ``tensors``: a sequence of tensors of the same shape apart from dim 0. ``row_stack`` is
    the same function.

    >>> minigrad.vstack([minigrad.tensor([1, 2]), minigrad.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


@export(method=False)
def dstack(tensors):
    """Concatenate along dim 2, tensors first viewed as at least 3-D.

    ``tensors``: a sequence of tensors (1-D ones become (1, n, 1), 2-D ones (m, n, 1)).

    >>> minigrad.dstack([minigrad.tensor([1, 2]), minigrad.tensor([3, 4])])
    tensor([[[1, 3],
             [2, 4]]])
    """
    return cat([atleast_3d(t) for t in tensors], 2)


@export(method=False)
def column_stack(tensors):
    """1-D tensors as columns, side by side with 2-D ones.

    ``tensors``: a sequence of 0-, 1- or 2-D tensors with the same number of rows.

    >>> minigrad.column_stack([minigrad.tensor([1, 2]), minigrad.tensor([3, 4])])
    tensor([[1, 3],
            [2, 4]])
    """
    return hstack([reshape(t, (-1, 1)) if t.ndim <= 1 else t for t in tensors])


@export
def ravel(input):
    """``input`` flattened to 1-D.

    ``input``: any tensor (a view when it is contiguous, else a copy).

    >>> minigrad.tensor([[1, 2], [3, 4]]).ravel()
    tensor([1, 2, 3, 4])
    """
    return reshape(input, (-1,))


@export
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the second).

    ``input``: at least 2-D; ``k``: the number of quarter turns (negative turns back);
    ``dims``: the two dims of the plane (default (0, 1)).

    >>> minigrad.tensor([[1, 2], [3, 4]]).rot90()
    tensor([[2, 4],
            [1, 3]])
    """
    d0, d1 = (_dim1("rot90", d, input.ndim) for d in dims)
    if len(dims) != 2 or d0 == d1:
        raise RuntimeError(f"expected total rotation dims == 2 and distinct, but got dims = {dims}")
    k = k % 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(transpose(input, d0, d1), (d1,))
    return input.clone()


@export
def fliplr(input):
    """Reverse the columns (dim 1) of a tensor of at least 2 dims.

    ``input``: at least 2-D (a copy, as in PyTorch).

    >>> minigrad.tensor([[1, 2], [3, 4]]).fliplr()
    tensor([[2, 1],
            [4, 3]])
    """
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d. (fliplr)")
    return flip(input, (1,))


@export
def flipud(input):
    """Reverse the rows (dim 0).

    ``input``: at least 1-D (a copy, as in PyTorch).

    >>> minigrad.tensor([[1, 2], [3, 4]]).flipud()
    tensor([[3, 4],
            [1, 2]])
    """
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d. (flipud)")
    return flip(input, (0,))


@export_method("unfold")
def _unfold(input, dimension, size, step):
    """All windows of ``size`` along ``dimension``, ``step`` apart, as a new last dim.

    ``input``: any tensor; ``dimension``: the dim slid along; ``size``: the window length;
    ``step``: the distance between the starts of two windows (at least 1).

    >>> minigrad.arange(5).unfold(0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    d = _dim1("unfold", dimension, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if size > n or size < 0:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size} (unfold)")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0 (unfold)")
    windows = (n - size) // step + 1
    idx = (np.arange(windows)[:, None] * step + np.arange(size)).reshape(-1)
    picked = index_select(input, d, _tape._from_array(idx.astype(np.int64)))
    shape = tuple(input.shape)
    out = reshape(picked, shape[:d] + (windows, size) + shape[d + 1 :])
    return movedim(out, d + 1, -1)


@export(method=False)
def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors (``indexing="xy"`` swaps the first two dims, as numpy).

    ``tensors``: 1-D tensors (or one list of them); ``indexing``: ``"ij"`` (matrix indexing,
    the default here; PyTorch warns when it is left out) or ``"xy"`` (Cartesian).

    >>> x, y = minigrad.meshgrid(minigrad.tensor([1, 2]), minigrad.tensor([3, 4, 5]), indexing="ij")
    >>> x
    tensor([[1, 1, 1],
            [2, 2, 2]])
    >>> y
    tensor([[3, 4, 5],
            [3, 4, 5]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    sizes = [t.numel() for t in tensors]
    if indexing == "xy" and len(tensors) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, t in enumerate(tensors):
        pos = i if indexing == "ij" or len(tensors) < 2 else {0: 1, 1: 0}.get(i, i)
        shape = [1] * len(tensors)
        shape[pos] = -1
        grids.append(expand(reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(grids)


@export(method=False)
def cartesian_prod(*tensors):
    """All tuples of one element from each 1-D tensor, as rows.

    ``tensors``: 1-D tensors (one alone is returned as it is).

    >>> minigrad.cartesian_prod(minigrad.tensor([1, 2]), minigrad.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    if len(tensors) == 1:
        return tensors[0]
    return stack([reshape(g, (-1,)) for g in meshgrid(*tensors, indexing="ij")], 1)


@export(method=False)
def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-D tensor, as rows.

    ``input``: a 1-D tensor; ``r``: the length of each combination; ``with_replacement``:
    allow an element to repeat within a combination.

    >>> minigrad.combinations(minigrad.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)} (combinations)")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = (
        np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
        if r
        else np.zeros((0, 0), np.int64)
    )
    if not idx.size:
        return _tape._from_array(np.zeros((0, r) if r else (0,), dtype=input._data.dtype))  # PyTorch's shapes
    return reshape(index_select(input, 0, _tape._from_array(idx.reshape(-1))), idx.shape)


@export(method=False)
def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D) as blocks along the diagonal of a matrix of zeros.

    ``tensors``: the blocks (a 0-D or 1-D one is one row); the result has their common dtype.

    >>> minigrad.block_diag(minigrad.tensor([[1, 2]]), minigrad.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    mats = [reshape(t, (1, -1)) if t.ndim < 2 else t for t in tensors]
    for t in mats:
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input has {t.ndim}"
            )
    cols = int(np.sum([t.shape[1] for t in mats]))
    rows, left = [], 0
    dtype = np.result_type(*[t._data.dtype for t in mats])
    for t in mats:
        h, w = t.shape
        parts = [_zeros((h, left), dtype), t.to(_dtypes.from_numpy(np.dtype(dtype))) if t._data.dtype != dtype else t,
                 _zeros((h, cols - left - w), dtype)]  # fmt: skip
        rows.append(cat(parts, 1))
        left += w
    return cat(rows, 0)


def _zeros(shape, dtype):
    return _tape._from_array(np.zeros(shape, dtype=dtype))


@export(method=False)
def cdist(x1, x2, p=2.0, compute_mode=None):
    """The ``p``-norm distance between each row of x1 and each row of x2 (batched).

    ``x1``: (..., P, M); ``x2``: (..., R, M); ``p``: the norm's order (>= 0); ``compute_mode``:
    accepted for PyTorch's signature (the difference is always computed directly, never
    through a matrix product). Returns (..., P, R).

    >>> minigrad.cdist(minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]} (cdist)"
        )
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got {p})")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    from .. import linalg

    return linalg.vector_norm(diff, p, dim=-1)


# ----------------------------------------------------------------------------- memory layout


@export_method("stride")
def _stride(input, dim=None):
    """The step in elements between neighbours along each dim (or along ``dim``).

    ``input``: any tensor; ``dim``: one dim (then an int) or None (a tuple for all dims).

    >>> minigrad.zeros(2, 3).stride()
    (3, 1)
    >>> minigrad.zeros(2, 3).t().stride(0)
    1
    """
    a = input._data
    steps = tuple(s // a.itemsize for s in a.strides)
    return steps if dim is None else steps[_dim1("stride", dim, a.ndim)] if a.ndim else ()


@export_method("is_contiguous")
def _is_contiguous(input, memory_format=None):
    """Whether the elements lie in memory in row-major order without gaps.

    ``input``: any tensor; ``memory_format``: accepted for PyTorch's signature (row-major is
    the only layout here).

    >>> x = minigrad.zeros(2, 3)
    >>> x.is_contiguous(), x.t().is_contiguous()
    (True, False)
    """
    return bool(input._data.flags.c_contiguous)


def _root(a):
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


@export_method("storage_offset")
def _storage_offset(input):
    """Where the first element sits in the underlying storage, in elements.

    ``input``: any tensor (a view's offset counts from its base's start).

    >>> minigrad.arange(6)[2:].storage_offset()
    2
    """
    a = input._data
    return (a.__array_interface__["data"][0] - _root(a).__array_interface__["data"][0]) // a.itemsize


@export_method("data_ptr")
def _data_ptr(input):
    """The address of the first element.

    ``input``: any tensor (two views of one storage differ by their offsets).

    >>> x = minigrad.arange(4)
    >>> x[1:].data_ptr() - x.data_ptr() == x.element_size()
    True
    """
    return input._data.__array_interface__["data"][0]


def _adjoint(input):
    return transpose(input, -2, -1)


_MH_DOC = """The transpose of the last two dims (the adjoint, for real tensors).

>>> minigrad.zeros(5, 2, 3).mH.shape
minigrad.Size([5, 3, 2])
"""
_H_DOC = """The adjoint of a matrix (its transpose here: tensors are real); 2-D tensors only.

>>> minigrad.tensor([[1, 2], [3, 4]]).H
tensor([[1, 3],
        [2, 4]])
"""
mH = export_method("mH", property(_adjoint, doc=_MH_DOC))
H = export_method(
    "H",
    property(lambda input: _adjoint(input) if input.ndim == 2 else _h_error(input), doc=_H_DOC),
)


def _h_error(input):
    raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {input.ndim}-D tensor.")
