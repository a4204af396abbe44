"""Creation functions: tensor, zeros, ones, full, empty, eye, arange, linspace, the ``*_like``
family and from_numpy. (Random ones live in ``_sampling``, their streams in ``random``.)

Defaults follow PyTorch: Python floats give float32, Python ints int64, bools bool.
"""

import numpy as np

from . import _dtypes
from ._device import check_device as _check_device
from ._tape import Tensor, _from_array
from .ops._core import METHODS, _real


def _as_array(data, dtype=None):
    """ndarray for ``data`` with PyTorch's default dtypes (always a fresh copy)."""
    if isinstance(data, Tensor):
        arr = np.array(data._data)
    elif isinstance(data, (np.ndarray, np.generic)):  # a numpy scalar keeps its dtype, as in PyTorch
        arr = np.array(data)
    else:
        if isinstance(data, (list, tuple)):
            data = _unwrap(data)
        try:
            arr = np.array(data)
        except ValueError as e:
            ragged = _ragged(data, _first_shape(data), 0)
            if ragged:
                raise ValueError(ragged) from None
            raise ValueError(f"tensor(): could not build a tensor from {type(data).__name__}: {e}") from None
        if dtype is not None and arr.dtype.kind in "biuf":
            pass  # converted once, below: no float32 detour
        elif arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        if arr.dtype.kind == "O" or arr.dtype.kind in "USV":
            raise TypeError(
                f"tensor(): could not infer a numeric dtype from {type(data).__name__} "
                f"(numpy made {arr.dtype}); pass numbers, nested lists of numbers or arrays"
            )
    if dtype is not None:
        arr = arr.astype(_dtypes.to_numpy(dtype), copy=False)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if arr.dtype not in _dtypes._FROM_NUMPY:
        raise TypeError(f"tensor(): minigrad has no dtype for numpy's {arr.dtype}")
    return arr


def _first_shape(data):
    """The shape PyTorch infers from a nested list: the lengths along its first elements."""
    shape = []
    while isinstance(data, (list, tuple)):
        shape.append(len(data))
        data = data[0] if data else None
    return shape


def _ragged(data, shape, dim):
    """PyTorch's message for the first row of ``data`` whose length breaks ``shape``, or None."""
    is_seq = isinstance(data, (list, tuple))
    if dim == len(shape):
        return (
            f"expected a number at dim {dim}, got a {type(data).__name__} (a ragged nested list)"
            if is_seq
            else None
        )
    if not is_seq:
        return f"expected sequence of length {shape[dim]} at dim {dim} (got {type(data).__name__})"
    if len(data) != shape[dim]:
        return f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})"
    for row in data:
        found = _ragged(row, shape, dim + 1)
        if found:
            return found
    return None


def _unwrap(seq):
    """Lists may hold one-element tensors (``[x, y]``): take their values."""
    return [
        s.item()
        if isinstance(s, Tensor) and s.ndim == 0
        else (s.tolist() if isinstance(s, Tensor) else (_unwrap(s) if isinstance(s, (list, tuple)) else s))
        for s in seq
    ]


def tensor(data, *, dtype=None, requires_grad=False, device=None):
    """A new tensor holding a copy of ``data`` (a number, nested lists, or an array).

    ``data``: the values; ``dtype``: inferred from them unless given (Python floats give
    float32, ints int64, bools bool); ``requires_grad``: make it a leaf that records;
    ``device``: 'cpu' only.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    tensor([[1., 2.],
            [3., 4.]], requires_grad=True)
    """
    _check_device(device, "tensor")
    return _from_array(_as_array(data, dtype), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor: itself if it is one of that dtype already, else a new tensor.

    ``data``: a tensor, a number, nested lists or an array (copied: PyTorch may share a
    numpy array's memory, use ``from_numpy`` for that); ``dtype``: the dtype wanted;
    ``device``: 'cpu' only.

    >>> x = minigrad.tensor([1, 2])
    >>> minigrad.as_tensor(x) is x, minigrad.as_tensor(x, dtype=minigrad.float32)
    (True, tensor([1., 2.]))
    """
    _check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (changes show through both ways).

    >>> import numpy as np
    >>> a = np.array([1.0, 2.0])
    >>> t = minigrad.from_numpy(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 2.], dtype=minigrad.float64)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(array).__name__})")
    if not array.dtype.isnative:
        raise ValueError(
            "from_numpy(): given numpy array has byte order different from the native byte order; "
            "convert it first with array.astype(array.dtype.newbyteorder('='))"
        )
    if array.dtype not in _dtypes._FROM_NUMPY:
        raise TypeError(f"from_numpy(): minigrad has no dtype for numpy's {array.dtype}")
    return _from_array(array)


def _size(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}(): size must be ints or a tuple of ints, got {size!r}") from None
    if any(s < 0 for s in size):
        raise RuntimeError(f"{op}(): Trying to create tensor with negative dimension: {list(size)}")
    return size


def _float_dtype(dtype):
    npd = _dtypes.to_numpy(dtype if dtype is not None else _dtypes.float32)
    return npd


def _filled(op, size, value, dtype, requires_grad, device):
    _check_device(device, op)
    arr = np.full(_size(size, op), _real(op, value), dtype=_float_dtype(dtype))
    return _from_array(arr, requires_grad)


def zeros(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    ``size``: ints or one sequence; ``dtype``: float32 unless given; ``requires_grad``: make it a
    leaf that records; ``device``: 'cpu' only.

    >>> minigrad.zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    >>> minigrad.zeros((2,), dtype=minigrad.int64)
    tensor([0, 0])
    """
    return _filled("zeros", size, 0, dtype, requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``.

    ``size``: ints or one sequence; ``dtype``: float32 unless given; ``requires_grad``: make it a
    leaf that records; ``device``: 'cpu' only.

    >>> minigrad.ones(2, 2)
    tensor([[1., 1.],
            [1., 1.]])
    """
    return _filled("ones", size, 1, dtype, requires_grad, device)


def empty(*size, dtype=None, requires_grad=False, device=None):
    """An uninitialised tensor (minigrad fills it with zeros).

    ``size``: ints or one sequence; ``dtype``: float32 unless given; ``requires_grad``: make it a
    leaf that records; ``device``: 'cpu' only.

    >>> minigrad.empty(2, 3).shape
    minigrad.Size([2, 3])
    """
    return _filled("empty", size, 0, dtype, requires_grad, device)


def full(size, fill_value, *, dtype=None, requires_grad=False, device=None):
    """A tensor filled with ``fill_value`` (dtype inferred from it, as in PyTorch).

    ``size``: a sequence of ints; ``fill_value``: the value; ``dtype``: inferred from the value
    unless given; ``requires_grad``: make it a leaf that records; ``device``: 'cpu' only.

    >>> minigrad.full((2, 2), 7.0)
    tensor([[7., 7.],
            [7., 7.]])
    >>> minigrad.full((3,), 2)
    tensor([2, 2, 2])
    """
    if dtype is None:
        dtype = (
            _dtypes.bool_
            if isinstance(fill_value, bool)
            else (_dtypes.int64 if isinstance(fill_value, int) else _dtypes.float32)
        )
    size = (size,) if isinstance(size, int) else tuple(size)
    return _filled("full", size, fill_value, dtype, requires_grad, device)


def eye(n, m=None, *, dtype=None, requires_grad=False, device=None):
    """The identity matrix (n x m).

    ``n``: rows; ``m``: columns (default ``n``); ``dtype``: float32 unless given;
    ``requires_grad``: make it a leaf that records; ``device``: 'cpu' only.

    >>> minigrad.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    >>> minigrad.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    _check_device(device, "eye")
    return _from_array(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad)


def _triangle_indices(name, np_fn, row, col, offset, dtype):
    import operator

    try:
        row, col, offset = (operator.index(v) for v in (row, col, offset))
    except TypeError:
        raise TypeError(
            f"{name}(): row, col and offset must be ints, got {row!r}, {col!r}, {offset!r}"
        ) from None
    for what, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{what} must be non-negative, got {v} ({name})")
    rows, cols = np_fn(row, offset, col)
    npd = _dtypes.to_numpy(_dtypes.int64 if dtype is None else dtype)
    if npd.kind not in "iu":
        raise RuntimeError(f"{name}(): dtype must be an integer type, got {dtype}")
    return _from_array(np.stack([rows, cols]).astype(npd).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, col) indices of the lower triangle of a row x col matrix, as a 2 x N tensor
    (row-major order; ``offset`` moves the diagonal up).

    ``row``, ``col``: the matrix's size; ``offset``: which diagonal bounds the triangle (> 0
    above the main one); ``dtype``: an integer dtype, int64 unless given; ``device``: 'cpu' only.

    >>> minigrad.tril_indices(2, 2)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _triangle_indices("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, col) indices of the upper triangle of a row x col matrix, as a 2 x N tensor.

    ``row``, ``col``: the matrix's size; ``offset``: which diagonal bounds the triangle (> 0
    above the main one); ``dtype``: an integer dtype, int64 unless given; ``device``: 'cpu' only.

    >>> minigrad.triu_indices(2, 3, offset=1)
    tensor([[0, 0, 1],
            [1, 2, 2]])
    """
    return _triangle_indices("triu_indices", np.triu_indices, row, col, offset, dtype)


def arange(start, end=None, step=1, *, dtype=None, requires_grad=False, device=None):
    """Values from start to end (exclusive) by step; int64 unless a float is involved.

    ``start``: the first value (the end, if it is the only argument); ``end``: the bound,
    not included; ``step``: the spacing (non-zero; negative counts down); ``dtype``: int64 or
    float32 by default; ``requires_grad``: make it a leaf that records; ``device``: 'cpu' only.

    >>> minigrad.arange(4)
    tensor([0, 1, 2, 3])
    >>> minigrad.arange(1, 2, 0.25)
    tensor([1.0000, 1.2500, 1.5000, 1.7500])
    """
    _check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    try:
        wrong_sign = (step > 0 and end < start) or (step < 0 and end > start)
    except TypeError:  # None, a string, ...: numpy's error below names the problem
        wrong_sign = False
    if wrong_sign:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step}: the step must point from start "
            "towards end)"
        )
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dtypes.int64 if is_int else _dtypes.float32
    npd = _dtypes.to_numpy(dtype)
    # compute in float64/int64 then cast, as PyTorch does, so float32 steps do not drift
    return _from_array(np.arange(start, end, step).astype(npd), requires_grad)


def linspace(start, end, steps, *, dtype=None, requires_grad=False, device=None):
    """``steps`` evenly spaced values from start to end (inclusive).

    ``start``, ``end``: the first and last values; ``steps``: how many; ``dtype``: float32 unless
    given; ``requires_grad``: make it a leaf that records; ``device``: 'cpu' only.

    >>> minigrad.linspace(0, 1, steps=5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    _check_device(device, "linspace")
    if dtype is not None and np.dtype(_dtypes.to_numpy(dtype)) == np.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    return _from_array(np.linspace(start, end, int(steps)).astype(_float_dtype(dtype)), requires_grad)


def _like(fn, example):
    def like(input, *, dtype=None, requires_grad=False, device=None):
        return fn(
            *input.shape,
            dtype=input.dtype if dtype is None else dtype,
            requires_grad=requires_grad,
            device=device,
        )

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = (
        f"Like ``{fn.__name__}`` with the shape (and dtype) of ``input``.\n\n"
        "    ``dtype``: instead of the input's; ``requires_grad``: make it a leaf that records;\n"
        f"    ``device``: 'cpu' only.\n\n{example}"
    )
    return like


_X = "    >>> x = minigrad.tensor([[1, 2], [3, 4]])\n"
_ZEROS = "    >>> minigrad.zeros_like(x)\n    tensor([[0, 0],\n            [0, 0]])\n"
_ONES = (
    "    >>> minigrad.ones_like(x, dtype=minigrad.float32)\n    tensor([[1., 1.],\n            [1., 1.]])\n"
)
zeros_like = _like(zeros, _X + _ZEROS)
ones_like = _like(ones, _X + _ONES)
empty_like = _like(empty, _X + "    >>> minigrad.empty_like(x).shape\n    minigrad.Size([2, 2])\n")


def full_like(input, fill_value, *, dtype=None, requires_grad=False, device=None):
    """Like ``full`` with the shape (and dtype) of ``input``.

    ``input``: the tensor whose shape (and dtype) is taken; ``fill_value``: the value;
    ``dtype``: instead of input's; ``requires_grad``: make it a leaf that records;
    ``device``: 'cpu' only.

    >>> minigrad.full_like(minigrad.zeros(2, dtype=minigrad.int64), 7)
    tensor([7, 7])
    """
    return full(
        input.shape,
        fill_value,
        dtype=input.dtype if dtype is None else dtype,
        requires_grad=requires_grad,
        device=device,
    )


# ----------------------------------------------------------------------------- x.new_*(...)
# The new_* methods build a tensor like the creation functions above, in ``self``'s dtype
# (and on its device, the CPU) unless told otherwise; the result is a fresh leaf.


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor holding ``data``, in this tensor's dtype unless ``dtype`` is given.

    ``data``: the values (copied); ``dtype``: instead of self's; ``device``: 'cpu' only;
    ``requires_grad``: make it a leaf that records.

    >>> minigrad.arange(3).new_tensor([1.5, 2.0])
    tensor([1, 2])
    """
    _check_device(device, "new_tensor")
    return tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size`` (ints or one tuple), in this tensor's dtype unless ``dtype`` is given.

    ``size``: as a keyword instead; ``dtype``: instead of self's; ``device``: 'cpu' only;
    ``requires_grad``: make it a leaf that records.

    >>> minigrad.tensor([1], dtype=minigrad.int32).new_zeros(2, 2)
    tensor([[0, 0],
            [0, 0]], dtype=minigrad.int32)
    """
    size = _new_size("new_zeros", args, size)
    return _filled("new_zeros", size, 0, dtype or self.dtype, requires_grad, device)


def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad=False):
    """Ones of ``size`` (ints or one tuple), in this tensor's dtype unless ``dtype`` is given.

    ``size``: as a keyword instead; ``dtype``: instead of self's; ``device``: 'cpu' only;
    ``requires_grad``: make it a leaf that records.

    >>> minigrad.tensor([1.0], dtype=minigrad.float64).new_ones(3)
    tensor([1., 1., 1.], dtype=minigrad.float64)
    """
    size = _new_size("new_ones", args, size)
    return _filled("new_ones", size, 1, dtype or self.dtype, requires_grad, device)


def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor (zeros in minigrad) of ``size``, in this tensor's dtype by default.

    ``size``: ints or one tuple (or as a keyword); ``dtype``: instead of self's; ``device``:
    'cpu' only; ``requires_grad``: make it a leaf that records.

    >>> minigrad.zeros(1, dtype=minigrad.float64).new_empty(2, 3).dtype
    minigrad.float64
    """
    size = _new_size("new_empty", args, size)
    return _filled("new_empty", size, 0, dtype or self.dtype, requires_grad, device)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``size`` (a tuple) filled with ``fill_value``, in this tensor's dtype unless ``dtype`` is given.

    ``size``: a tuple or list of ints; ``fill_value``: the value; ``dtype``: instead of
    self's; ``device``: 'cpu' only; ``requires_grad``: make it a leaf that records.

    >>> minigrad.arange(2).new_full((2,), 5)
    tensor([5, 5])
    """
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"new_full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
        )
    return _filled("new_full", size, fill_value, dtype or self.dtype, requires_grad, device)


def _new_size(op, args, size):
    """The size of ``x.new_zeros(2, 3)``, ``x.new_zeros((2, 3))`` or ``x.new_zeros(size=(2, 3))``."""
    if args and size is not None:
        raise TypeError(f"{op}(): got the size both as positional arguments and as size=")
    if size is not None:
        return (size,) if isinstance(size, int) else tuple(size)
    if not args:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
    return args


METHODS.update(
    new_tensor=new_tensor, new_zeros=new_zeros, new_ones=new_ones, new_empty=new_empty, new_full=new_full
)
