"""Shape ops: reshape/view, transpose, permute, expand, dtype conversion, clone; and the
triangles of a matrix (tril/triu), which keep the shape and zero the rest.

View ops share storage and the version counter with their input, so an in-place change
through either is seen by the saved-tensor checks of both.
"""

import numpy as np

from .. import _device, _dtypes, _tape
from .._grad_mode import no_grad
from .._tape import Tensor, apply
from . import _batching as B
from ._core import (
    LINEAR,
    _dim1,
    _dims,
    _int,
    _ints,
    _is_raw,
    _numel,
    _shape_arg,
    defop,
    export,
    export_method,
    numpy_keywords,
)


@export
def expand(x, *shape):
    """Broadcast ``x`` to ``shape`` without copying (-1 keeps a size).

    ``shape``: the new sizes (ints or one tuple); a size-1 dim may grow, new dims go in front.

    >>> minigrad.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    >>> minigrad.tensor([1, 2]).expand(2, -1).shape
    minigrad.Size([2, 2])
    """
    shape = _shape_arg("expand", shape)
    if _is_raw(x):
        return np.broadcast_to(x, shape)
    return apply(EXPAND, (x,), (_expand_shape(x.shape, shape),))


def _fwd_reshape(x, shape):
    return x.reshape(shape)


def _fwd_transpose(x, d0, d1):
    return x.view() if d0 == d1 else np.swapaxes(x, d0, d1)


def _fwd_permute(x, dims):
    return np.transpose(x, dims)


def _fwd_expand(x, shape):
    return np.broadcast_to(x, shape)


def _fwd_to(x, dtype):
    return x.astype(dtype)


def _fwd_clone(x):
    return x.copy()


def _fwd_repeat(x, reps):
    return np.tile(x, reps)


def _repeat_grad(g, shape, reps):
    """Sum the tiles of ``g`` back onto one copy of the input (shape padded like reps)."""
    shape = (1,) * (len(reps) - len(shape)) + tuple(shape)
    split = []
    for r, s in zip(reps, shape):
        split += [r, s]
    g = g.reshape(tuple(split))
    g = (
        g.sum(tuple(range(0, 2 * len(reps), 2)))
        if _is_raw(g)
        else g.sum(dim=tuple(range(0, 2 * len(reps), 2)))
    )
    return g


def _fwd_flip(x, dims):
    return np.flip(x, dims).copy() if x.ndim else x.copy()  # a 0-d tensor flips to itself


def _fwd_roll(x, shifts, dims):
    return np.roll(x, shifts, dims) if dims else np.roll(x.reshape(-1), shifts).reshape(x.shape)


def _triangle(name, fn):
    def forward(x, diagonal):
        if x.ndim < 2:
            raise RuntimeError(
                f"{name}: input tensor must have at least 2 dimensions (got shape {tuple(x.shape)})"
            )
        return fn(x, diagonal)  # numpy takes the last two dims of a batch, as PyTorch

    forward.__name__ = f"_fwd_{name}"
    return forward


# ----------------------------------------------------------------------------- the table
# fmt: off
VIEW     = defop("view", _fwd_reshape,       lambda g, x, out, shape: g.reshape(x.shape), view=True, kind=LINEAR, batch=B.prefixed)
# reshape where no view exists: a copy, not a view (PyTorch's grad_fn name for it)
RESHAPE_COPY = defop("reshape_copy", _fwd_reshape, lambda g, x, out, shape: g.reshape(x.shape),
                                                                               grad_name="UnsafeViewBackward0", kind=LINEAR, batch=B.prefixed)
TRANSPOSE = defop("transpose", _fwd_transpose, lambda g, x, out, d0, d1: transpose(g, d0, d1), view=True, kind=LINEAR, batch=B.shifted(0, 1))
T_OP     = defop("t", _fwd_transpose,        lambda g, x, out, d0, d1: transpose(g, d0, d1), view=True, kind=LINEAR, batch=B.shifted(0, 1))
PERMUTE  = defop("permute", _fwd_permute,    lambda g, x, out, dims: permute(g, tuple(np.argsort(dims))), view=True, kind=LINEAR, batch=B.permuted)
EXPAND   = defop("expand", _fwd_expand,      lambda g, x, out, shape: g, view=True, kind=LINEAR, batch=B.prefixed)
TO       = defop("to_copy", _fwd_to,         lambda g, x, out, dtype: g, kind=LINEAR, batch=B.same)
CLONE    = defop("clone", _fwd_clone,        lambda g, x, out: g, kind=LINEAR, batch=B.same)
SQUEEZE  = defop("squeeze", _fwd_reshape,    lambda g, x, out, shape: g.reshape(x.shape), view=True, kind=LINEAR, batch=B.prefixed)
SQUEEZE_DIM = defop("squeeze", _fwd_reshape, lambda g, x, out, shape: g.reshape(x.shape), view=True,
                                                                                grad_name="SqueezeBackward1", kind=LINEAR, batch=B.prefixed)
UNSQUEEZE = defop("unsqueeze", _fwd_reshape, lambda g, x, out, shape: g.reshape(x.shape), view=True, kind=LINEAR, batch=B.prefixed)
REPEAT   = defop("repeat", _fwd_repeat,      lambda g, x, out, reps: _repeat_grad(g, x.shape, reps), kind=LINEAR)
FLIP     = defop("flip", _fwd_flip,          lambda g, x, out, dims: flip(g, dims), kind=LINEAR, batch=B.shifted(0))
ROLL     = defop("roll", _fwd_roll,          lambda g, x, out, shifts, dims: roll(g, tuple(-k for k in shifts), dims), kind=LINEAR,
                                                                                batch=B.roll)
TRIL     = defop("tril", _triangle("tril", np.tril), lambda g, x, out, diagonal: tril(g, diagonal), kind=LINEAR, batch=B.same)
TRIU     = defop("triu", _triangle("triu", np.triu), lambda g, x, out, diagonal: triu(g, diagonal), kind=LINEAR, batch=B.same)
# fmt: on


def _infer_shape(op, shape, numel, old):
    shape = list(shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (got shape {tuple(shape)})")
    known = _numel(s for s in shape if s != -1)
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[unknown[0]] = numel // known
    if any(s < 0 for s in shape) or _numel(shape) != numel:
        raise RuntimeError(
            f"shape '{list(shape)}' is invalid for input of size {numel}: {op} cannot turn shape "
            f"{tuple(old)} ({numel} elements) into {tuple(shape)}"
        )
    return tuple(shape)


@export
def reshape(input, *shape):
    """The same elements in a new shape (one size may be -1).

    ``input``: any tensor; ``shape``: the new sizes (ints or one tuple); a view when the
    strides allow one, else a copy.

    >>> minigrad.arange(6).reshape(2, 3).shape
    minigrad.Size([2, 3])
    """
    shape = _shape_arg("reshape", shape)
    if _is_raw(input):
        return input.reshape(shape)
    # numel() and shape, not _data's: inside vmap they are one sample's (and the batch is a view)
    shape = _infer_shape("reshape", shape, input.numel(), input.shape)
    data = input._data
    return apply(
        VIEW if data.size != input.numel() or _viewable(data, shape) else RESHAPE_COPY, (input,), (shape,)
    )


@export
def view(input, *shape):
    """The same elements in a new shape, sharing memory: writes through either are seen by
    both. Raises where the strides allow no such view (a transpose flattened): use reshape.
    ``x.view(dtype)`` reinterprets the bytes as another dtype (not differentiable, as in PyTorch).

    ``input``: any tensor; ``shape``: the new sizes (ints or one tuple, one may be -1), or a dtype.

    >>> minigrad.arange(6).view(2, 3).shape
    minigrad.Size([2, 3])
    """
    if len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
        return _view_dtype(input, shape[0])
    shape = _shape_arg("view", shape)
    if _is_raw(input):
        return input.reshape(shape)
    data = input._data
    shape = _infer_shape("view", shape, input.numel(), input.shape)  # one sample's, inside vmap
    if data.size == input.numel() and not _viewable(data, shape):
        strides = tuple(s // data.itemsize for s in data.strides)
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            f"spans across two contiguous subspaces): shape {tuple(data.shape)} with strides {strides} "
            f"cannot be viewed as {shape}. Use .reshape(...) instead."
        )
    return apply(VIEW, (input,), (shape,))


def _viewable(data, shape):
    """Whether ``shape`` can view ``data``'s memory with some strides (PyTorch's rule: each run of
    old dims that is contiguous in memory must be split or merged on its own)."""
    if data.flags.c_contiguous or data.size <= 1:
        return True
    sizes, strides = data.shape, data.strides
    new = list(shape)
    view_d = len(new) - 1
    base = strides[-1]  # the stride of the innermost element of the current contiguous chunk
    chunk = view = 1
    for d in range(len(sizes) - 1, -1, -1):
        chunk *= sizes[d]
        if d == 0 or (sizes[d - 1] != 1 and strides[d - 1] != chunk * base):
            # dims d.. form one contiguous chunk: new dims must cover exactly its elements
            while view_d >= 0 and (view < chunk or new[view_d] == 1):
                view *= new[view_d]
                view_d -= 1
            if view != chunk:
                return False
            if d > 0:
                base, chunk, view = strides[d - 1], 1, 1
    return view_d == -1


def _view_dtype(input, dtype):
    old, new = input._data.dtype, _dtypes.to_numpy(dtype)
    a = input._data
    if old.itemsize != new.itemsize and (a.ndim == 0 or a.strides[-1] != old.itemsize):
        raise RuntimeError(
            f"self.stride(-1) must be 1 to view {input.dtype} as {dtype} (different element sizes), "
            f"got a tensor of shape {tuple(input.shape)}: call .contiguous() first"
        )
    if old.itemsize != new.itemsize and (a.shape[-1] * old.itemsize) % new.itemsize:
        raise RuntimeError(
            f"self.size(-1) must be divisible by {new.itemsize // old.itemsize or 1} to view {input.dtype} as "
            f"{dtype} (different element sizes), but got {a.shape[-1]}"
        )
    out = _tape._from_array(a.view(new))
    return out


@export
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one.

    ``input``: any tensor; ``start_dim``, ``end_dim``: the first and last dims merged (default: all).

    >>> minigrad.zeros(2, 3, 4).flatten().shape
    minigrad.Size([24])
    >>> minigrad.zeros(2, 3, 4).flatten(1).shape
    minigrad.Size([2, 12])
    """
    shape = input.shape
    s, e = _dim1("flatten", start_dim, len(shape)), _dim1("flatten", end_dim, len(shape))
    if not shape:
        return reshape(input, 1)
    if s > e:
        raise RuntimeError(
            "flatten() has invalid args: start_dim cannot come after end_dim "
            f"(start_dim={start_dim}, end_dim={end_dim} of a {len(shape)}-d tensor)"
        )
    return reshape(input, shape[:s] + (_numel(shape[s : e + 1]),) + shape[e + 1 :])


@export("swapaxes", "swapdims")
def transpose(input, dim0, dim1):
    """Swap two dimensions (a view). ``swapaxes`` and ``swapdims`` are the same function.

    ``input``: any tensor; ``dim0``, ``dim1``: the two dims swapped (negative counts from the end).

    >>> minigrad.ones(2, 3).transpose(0, 1).shape
    minigrad.Size([3, 2])
    """
    if _is_raw(input):
        return _fwd_transpose(input, dim0, dim1)
    n = input.ndim
    d0, d1 = (_dim1("transpose", d, n) for d in (dim0, dim1))
    return apply(TRANSPOSE, (input,), (d0, d1))


swapaxes = swapdims = transpose


@export(
    inplace=True, inplace_example=("[[1.0, 2.0], [3.0, 4.0]]", "", "tensor([[1., 3.],\n        [2., 4.]])")
)
def t(input):
    """Transpose of a matrix (a vector or 0-d tensor comes back as a view of itself).

    ``input``: at most 2-D.

    >>> minigrad.tensor([[1, 2], [3, 4]]).t()
    tensor([[1, 3],
            [2, 4]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return apply(T_OP, (input,), (0, 1) if input.ndim == 2 else (0, 0))


@export
def permute(input, *dims):
    """Reorder the dimensions (a view).

    ``input``: any tensor; ``dims``: the old dim that goes to each position (ints or one tuple,
    each dim once).

    >>> minigrad.ones(2, 3, 4).permute(2, 0, 1).shape
    minigrad.Size([4, 2, 3])
    """
    dims = _shape_arg("permute", dims)
    if _is_raw(input):
        return np.transpose(input, dims)
    n = input.ndim
    norm = tuple(d % n if -n <= d < n else d for d in dims)
    if len(dims) != n or sorted(norm) != list(range(n)):
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal "
            f"to len(dims) = {len(dims)}"
            if len(dims) != n
            else f"permute(): dims {dims} is not a permutation of the {n} dimensions of shape {input.shape}"
        )
    return apply(PERMUTE, (input,), (norm,))


def _expand_shape(old, shape):
    if len(shape) < len(old):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(old)})"
        )
    lead = len(shape) - len(old)
    out = []
    for i, s in enumerate(shape):
        cur = old[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = cur
        if cur is not None and cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(shape)}.  Tensor sizes: {list(old)}"
            )
        out.append(s)
    return tuple(out)


@export(function=False)
def expand_as(input, other):
    """Broadcast ``input`` to ``other``'s shape without copying.

    ``input``: the tensor expanded; ``other``: the tensor whose shape it takes.

    >>> minigrad.tensor([1, 2]).expand_as(minigrad.zeros(2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, other.shape)


@export
def to(input, *args, **kwargs):
    """This tensor on a device and/or in a dtype, parsed as PyTorch does: ``x.to(minigrad.float64)``,
    ``x.to("cpu")``, ``x.to("cpu", minigrad.float64)``, ``x.to(other)`` (other's dtype),
    ``x.to(dtype=..., device=..., non_blocking=..., copy=...)``. Returns ``input`` itself when
    nothing changes (unless ``copy=True``); the CPU is the only device. Conversions between
    float dtypes are differentiable.

    >>> minigrad.arange(3).to("cpu", minigrad.float64)
    tensor([0., 1., 2.], dtype=minigrad.float64)
    """
    _, dtype, _, copy = _device.parse_to(args, kwargs)
    npd = input._data.dtype if dtype is None else _dtypes.to_numpy(dtype)
    if input._data.dtype == npd and not copy:
        return input
    if input.requires_grad and npd.kind != "f":
        with no_grad():
            return apply(TO, (input,), (npd,))
    return apply(TO, (input,), (npd,))


@export(function=False)
def cpu(input, memory_format=None):
    """This tensor, which is on the CPU already (minigrad has no other device).

    ``input``: the tensor; ``memory_format``: accepted for PyTorch's signature.

    >>> x = minigrad.ones(2)
    >>> x.cpu() is x
    True
    """
    return input


@export(function=False)
def cuda(input, device=None, non_blocking=False, memory_format=None):
    """Raises ``DeviceError``: minigrad runs on the CPU only (as ``cuda()`` does in a CPU-only PyTorch).

    ``input``: the tensor; ``device``, ``non_blocking``, ``memory_format``: PyTorch's
    parameters, accepted and unused. ``DeviceError`` is a RuntimeError and an AssertionError
    (what a CPU-only PyTorch raises), so either ``except`` catches it.

    >>> minigrad.ones(2).cuda()
    Traceback (most recent call last):
        ...
    minigrad._device.DeviceError: cuda(): minigrad runs on the CPU only ...
    """
    raise _device.DeviceError(
        "cuda(): minigrad runs on the CPU only and has no CUDA device (minigrad.cuda.is_available() is "
        "False). Write device = 'cuda' if torch.cuda.is_available() else 'cpu' and x.to(device)."
    )


@export(function=False)
def type_as(input, other):
    """``input`` converted to ``other``'s dtype.

    ``input``: the tensor converted; ``other``: the tensor whose dtype it takes.

    >>> minigrad.tensor([1, 2]).type_as(minigrad.zeros(1))
    tensor([1., 2.])
    """
    return to(input, other.dtype)


@export
def clone(input):
    """A copy that stays in the graph (gradient flows back unchanged).

    ``input``: the tensor copied (its own storage; ``requires_grad`` and history kept).

    >>> x = minigrad.ones(2, requires_grad=True)
    >>> y = x.clone()
    >>> y
    tensor([1., 1.], grad_fn=<CloneBackward0>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """
    return apply(CLONE, (input,))


@export(function=False)
def contiguous(input):
    """``input`` itself if its memory is C-contiguous, else a contiguous copy (in the graph).

    >>> x = minigrad.arange(6).reshape(2, 3).T
    >>> x.is_contiguous(), x.contiguous().is_contiguous()
    (False, True)
    """
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


def T(input):
    """``x.T``: all dimensions reversed (a matrix transposed)."""
    return apply(PERMUTE, (input,), (tuple(range(input.ndim))[::-1],))


def _conv(method, dtype_name, values, printed):
    def fn(self):
        return to(self, getattr(_dtypes, dtype_name))

    fn.__name__ = dtype_name
    fn.__doc__ = (
        f"This tensor as {dtype_name.rstrip('_')} (itself if it already is).\n\n"
        f"    ``self.to(minigrad.{dtype_name.rstrip('_')})``; differentiable between floating dtypes.\n\n"
        f"    >>> minigrad.tensor({values}).{method}()\n    {printed}\n"
    )
    return fn


# x.float(), x.double(), ...: conversions only Tensors have, with their docstring's example
for _method, _dtype_name, _values, _printed in (
    ("float", "float32", "[1, 2]", "tensor([1., 2.])"),
    ("double", "float64", "[1.7, -1.7]", "tensor([ 1.7000, -1.7000], dtype=minigrad.float64)"),
    ("half", "float16", "[1.7, -1.7]", "tensor([ 1.7002, -1.7002], dtype=minigrad.float16)"),
    ("long", "int64", "[1.7, -1.7]", "tensor([ 1, -1])"),
    ("int", "int32", "[1.7, -1.7]", "tensor([ 1, -1], dtype=minigrad.int32)"),
    ("bool", "bool_", "[0.0, 2.0]", "tensor([False,  True])"),
):
    export_method(_method, _conv(_method, _dtype_name, _values, _printed))


def _copy_(input, src):
    """Copy ``src`` (broadcast, converted to this dtype) into this tensor, in place.

    ``input``: the tensor written (self); ``src``: the tensor copied (broadcast to this one's
    shape); returns self.

    >>> x = minigrad.zeros(2, 2)
    >>> x.copy_(minigrad.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    from .elementwise import inplace

    return inplace(lambda a, b: expand(b.to(a.dtype), a.shape), input, src)


export_method("copy_", _copy_)


@export
@numpy_keywords
def squeeze(input, dim=None):
    """Drop dimensions of size 1 (all, or just ``dim`` if it has size 1).

    ``input``: any tensor; ``dim``: an int or a tuple of dims (None: every size-1 dim);
    ``axis``: numpy's name for ``dim``.

    >>> minigrad.zeros(2, 1, 3).squeeze().shape
    minigrad.Size([2, 3])
    """
    shape = input.shape
    if dim is None:
        return apply(SQUEEZE, (input,), (tuple(s for s in shape if s != 1),))
    dims = _dims("squeeze", dim, len(shape))
    new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return apply(SQUEEZE_DIM, (input,), (new,))


@export
@numpy_keywords
def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim``.

    ``input``: any tensor; ``dim``: the new dim's position (-1 appends one);
    ``axis``: numpy's name for ``dim``.

    >>> minigrad.zeros(2, 3).unsqueeze(1).shape
    minigrad.Size([2, 1, 3])
    """
    shape = tuple(input.shape)
    d = _dims("unsqueeze", dim, len(shape) + 1)[0]
    if _is_raw(input):
        return input.reshape(shape[:d] + (1,) + shape[d:])
    return apply(UNSQUEEZE, (input,), (shape[:d] + (1,) + shape[d:],))


@export
def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one may be -1).

    ``input``: any tensor; ``dim``: the dim split; ``sizes``: the new sizes, their product that
    dim's size.

    >>> minigrad.zeros(2, 6).unflatten(1, (2, -1)).shape
    minigrad.Size([2, 2, 3])
    """
    shape = tuple(input.shape)
    d = _dims("unflatten", dim, len(shape))[0]
    sizes = _infer_shape("unflatten", tuple(sizes), shape[d], (shape[d],))
    return reshape(input, shape[:d] + sizes + shape[d + 1 :])


@export
def repeat(input, *sizes):
    """Tile the tensor: ``x.repeat(2, 1)`` stacks two copies along dim 0.

    ``input``: the tensor copied; ``sizes``: the copies per dim (ints or one tuple; extra
    leading ones add dims).

    >>> minigrad.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    reps = _shape_arg("repeat", sizes)
    if len(reps) < input.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            f"tensor: got {len(reps)} repeats for a {input.ndim}-d tensor of shape {tuple(input.shape)}"
        )
    return apply(REPEAT, (input,), (reps,))


@export
def flip(input, dims):
    """Reverse the order of elements along ``dims``.

    ``input``: any tensor; ``dims``: an int or a sequence of dims (a copy, as in PyTorch).

    >>> minigrad.tensor([[1, 2], [3, 4]]).flip(0)
    tensor([[3, 4],
            [1, 2]])
    """
    dims = _ints("flip", dims, "dims")
    if _is_raw(input):
        return _fwd_flip(input, dims)
    return apply(FLIP, (input,), (_dims("flip", dims, input.ndim),))


@export
def roll(input, shifts, dims=None):
    """Shift elements cyclically along ``dims`` (the flattened tensor if None).

    ``input``: any tensor; ``shifts``: an int, or one per dim in ``dims`` (positive moves
    elements towards the end); ``dims``: an int or a sequence of dims.

    >>> minigrad.tensor([1, 2, 3, 4]).roll(1)
    tensor([4, 1, 2, 3])
    """
    shifts = _ints("roll", shifts, "shifts")
    if dims is not None:
        dims = _ints("roll", dims, "dims")
        if len(dims) != len(shifts):
            raise RuntimeError(f"roll: shifts and dims must align. shifts: {len(shifts)}, dims: {len(dims)}")
    elif len(shifts) != 1:  # only one shift rolls the flattened tensor (issue 19)
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0 (roll without dims takes one "
            "shift, for the flattened tensor; give dims to roll several)"
        )
    if _is_raw(input):
        return _fwd_roll(input, shifts, dims)
    return apply(ROLL, (input,), (shifts, dims))


@export(
    inplace=True, inplace_example=("[[1.0, 2.0], [3.0, 4.0]]", "", "tensor([[1., 0.],\n        [3., 4.]])")
)
def tril(input, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest is zero.

    ``input``: at least 2-D; ``diagonal``: 0 keeps the main diagonal, > 0 more above it,
    < 0 fewer.

    >>> minigrad.ones(2, 2).tril()
    tensor([[1., 0.],
            [1., 1.]])
    """
    if _is_raw(input):
        return TRIL.forward(input, diagonal)
    return apply(TRIL, (input,), (_int("tril", diagonal, "diagonal"),))


@export(
    inplace=True,
    inplace_example=("[[1.0, 2.0], [3.0, 4.0]]", "diagonal=1", "tensor([[0., 2.],\n        [0., 0.]])"),
)
def triu(input, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest is zero.

    ``input``: at least 2-D; ``diagonal``: 0 keeps the main diagonal, > 0 fewer, < 0 more
    below it.

    >>> minigrad.ones(2, 2).triu(1)
    tensor([[0., 1.],
            [0., 0.]])
    """
    if _is_raw(input):
        return TRIU.forward(input, diagonal)
    return apply(TRIU, (input,), (_int("triu", diagonal, "diagonal"),))


@export
def view_as(input, other):
    """``input.view(other.size())``: a view with ``other``'s shape.

    ``input``: the tensor viewed; ``other``: the tensor whose shape it takes.

    >>> minigrad.arange(4).view_as(minigrad.zeros(2, 2))
    tensor([[0, 1],
            [2, 3]])
    """
    return view(input, tuple(other.shape))


@export
def reshape_as(input, other):
    """``input.reshape(other.size())``.

    ``input``: the tensor reshaped; ``other``: the tensor whose shape it takes.

    >>> minigrad.arange(4).reshape_as(minigrad.zeros(2, 2))
    tensor([[0, 1],
            [2, 3]])
    """
    return reshape(input, tuple(other.shape))


@export_method("resize_")
def _resize_(input, *sizes):
    """Give the tensor the shape ``sizes`` in place: its elements in row-major order are kept
    up to the new size, new ones are zero (PyTorch leaves them uninitialised). Old-style code
    (``x.data.resize_(batch.size()).copy_(batch)``) uses it; ``reshape`` is what to write now.

    ``input``: the tensor resized (self, returned); ``sizes``: the new shape (ints or one tuple).

    >>> x = minigrad.arange(6.0)
    >>> x.resize_(2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    """
    shape = _shape_arg("resize_", sizes)
    if input.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    n = _numel(shape)
    old = input._data
    if n <= old.size and old.flags.c_contiguous:  # the same memory, as PyTorch's storage
        new = old.reshape(-1)[:n].reshape(shape)
    else:  # a new buffer (PyTorch grows the storage that aliases share; here they part)
        new = np.zeros(n, dtype=old.dtype)
        new[: min(n, old.size)] = old.reshape(-1)[: min(n, old.size)]
        new = new.reshape(shape)
    input.data = _tape._from_array(new)
    input._bump_version()
    return input
