"""PyTorch's legacy tensor types: ``FloatTensor``, ``LongTensor``, ..., ``x.type(...)`` and ``x.new(...)``.

Old tutorials write ``torch.FloatTensor([1, 2])``, ``torch.LongTensor(3)`` (an uninitialised
tensor of 3 elements), ``x.type(torch.LongTensor)``, ``isinstance(x, torch.FloatTensor)`` and
compare ``x.type() == 'torch.FloatTensor'``. Each legacy type here is a class whose call makes
a plain ``minigrad.Tensor`` of its dtype (as in PyTorch: ``type(torch.FloatTensor([1]))`` is
``torch.Tensor``) and whose ``isinstance`` asks for that dtype; the type strings are PyTorch's
(``'torch.FloatTensor'``), because that is what programs compare them with.

The constructor reads its arguments as PyTorch's legacy constructor does: no argument gives an
empty 1-D tensor, ints (or a ``Size``) give a tensor of that shape (minigrad fills it with
zeros), one sequence or array gives its values in the type's dtype, a tensor of the same dtype
gives a copy (PyTorch returns a tensor sharing its memory); a number or a tensor of another
dtype is a TypeError, a device other than the CPU a ``DeviceError``.
"""

import numpy as np

from . import _dtypes
from ._device import check_device
from ._tape import Size, Tensor, _from_array
from .ops._core import METHODS

# dtype -> PyTorch's legacy type name
_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def legacy_array(op, args, dtype, device):
    """The ndarray ``op(*args)`` makes (``Tensor(...)``, ``FloatTensor(...)``), in ``dtype``."""
    from ._creation import _as_array, _size

    check_device(device, op)
    npd = _dtypes.to_numpy(dtype)
    if not args:
        return np.empty(0, npd)
    if (len(args) == 1 and isinstance(args[0], Size)) or all(
        isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) for a in args
    ):
        return np.zeros(_size(args, op), npd)
    if len(args) > 1:
        raise TypeError(
            f"{op}(): expected sizes (ints) or one sequence of data, got "
            f"({', '.join(type(a).__name__ for a in args)})"
        )
    data = args[0]
    if isinstance(data, Tensor) and data._data.dtype != npd:
        raise TypeError(
            f"{op}(): expected a tensor of dtype {_dtypes.from_numpy(npd)} (got {data.dtype}); "
            f"convert it with .to({_dtypes.from_numpy(npd)}) instead"
        )
    if isinstance(data, (float, complex, bool, np.generic)):
        raise TypeError(f"{op}(): new(): data must be a sequence (got {type(data).__name__})")
    return _as_array(data, npd)


class tensortype(type):
    """The class of the legacy types: calling one builds a Tensor, ``isinstance`` checks the dtype."""

    def __call__(cls, *args, device=None):
        return _from_array(legacy_array(cls.__name__, args, cls.dtype, device))

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.numpy

    def __subclasscheck__(cls, sub):
        return sub is cls


def _legacy_doc(d):
    name, article = _NAMES[d.name], "An" if d.name.startswith("int") else "A"
    return f"""{article} {d.name} tensor, PyTorch's legacy constructor: ``{name}(data)`` copies ``data``
    (a sequence), ``{name}(2, 3)`` gives zeros of that size (PyTorch leaves them uninitialised),
    and ``isinstance(x, minigrad.{name})`` checks the dtype.

    ``args``: the data or the sizes; ``device``: 'cpu' only.

    >>> minigrad.{name}([1, 2])
    {_LEGACY_EXAMPLE[d.name]}
    """


def _legacy_type(d):
    return tensortype(
        _NAMES[d.name],
        (),
        {
            "dtype": d,
            "is_cuda": False,
            "__module__": "minigrad",
            "__doc__": _legacy_doc(d),
        },
    )


_LEGACY_EXAMPLE = {
    "float32": "tensor([1., 2.])",
    "float64": "tensor([1., 2.], dtype=minigrad.float64)",
    "float16": "tensor([1., 2.], dtype=minigrad.float16)",
    "int64": "tensor([1, 2])",
    "int32": "tensor([1, 2], dtype=minigrad.int32)",
    "int16": "tensor([1, 2], dtype=minigrad.int16)",
    "int8": "tensor([1, 2], dtype=minigrad.int8)",
    "uint8": "tensor([1, 2], dtype=minigrad.uint8)",
    "bool": "tensor([True, True])",
}
FloatTensor = _legacy_type(_dtypes.float32)
DoubleTensor = _legacy_type(_dtypes.float64)
HalfTensor = _legacy_type(_dtypes.float16)
LongTensor = _legacy_type(_dtypes.int64)
IntTensor = _legacy_type(_dtypes.int32)
ShortTensor = _legacy_type(_dtypes.int16)
CharTensor = _legacy_type(_dtypes.int8)
ByteTensor = _legacy_type(_dtypes.uint8)
BoolTensor = _legacy_type(_dtypes.bool_)
_TYPES = (
    FloatTensor,
    DoubleTensor,
    HalfTensor,
    LongTensor,
    IntTensor,
    ShortTensor,
    CharTensor,
    ByteTensor,
    BoolTensor,
)
_BY_STRING = {f"{prefix}.{t.__name__}": t for prefix in ("torch", "minigrad") for t in _TYPES}


def type_(self, dtype=None, non_blocking=False):
    """``x.type()``: PyTorch's type string ('torch.FloatTensor'); ``x.type(t)``: this tensor converted
    to ``t`` (a dtype, a legacy type such as ``minigrad.LongTensor``, or its string) — itself if it
    already has that dtype.

    ``dtype``: the target (None: return the type string); ``non_blocking``: accepted for
    PyTorch's signature (every copy here is synchronous).

    >>> minigrad.ones(2).type()
    'torch.FloatTensor'
    >>> minigrad.ones(2).type('torch.LongTensor')
    tensor([1, 1])
    """
    if dtype is None:
        return "torch." + _NAMES[self.dtype.name]
    if isinstance(dtype, str):
        if dtype.startswith(("torch.cuda.", "minigrad.cuda.")):
            check_device("cuda", "type")
        if dtype not in _BY_STRING:
            raise ValueError(
                f"invalid type: '{dtype}' (expected a type string such as 'torch.FloatTensor', "
                "a legacy type such as minigrad.LongTensor, or a dtype)"
            )
        dtype = _BY_STRING[dtype]
    if isinstance(dtype, tensortype):
        dtype = dtype.dtype
    if not isinstance(dtype, _dtypes.dtype):
        raise TypeError(
            f"type(): expected a dtype, a legacy type or a type string, got {type(dtype).__name__}"
        )
    return self.to(dtype, non_blocking)


def new(self, *args, device=None):
    """``x.new(...)``: the legacy constructor in this tensor's dtype (``x.new(2, 3)``, ``x.new([1, 2])``).

    ``args``: sizes (zeros of that shape; PyTorch leaves them uninitialised), or one sequence
    of data; ``device``: 'cpu' only.

    >>> minigrad.arange(3).new([1.5, 2.0])
    tensor([1, 2])
    >>> minigrad.zeros(1).new(2).shape
    minigrad.Size([2])
    """
    return _from_array(legacy_array("new", args, self.dtype, device))


METHODS.update(type=type_, new=new)
