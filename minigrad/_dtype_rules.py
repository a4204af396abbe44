"""PyTorch's dtype utilities: finfo/iinfo, promote_types, result_type, can_cast,
is_floating_point.

The promotion rule is PyTorch's, not numpy's: categories first (bool < integer < floating),
then within a category the wider type; a 0-d tensor or Python number only raises the
category (``tensor([1]) + 2.5`` is float32, the default float type), see ``ops/_core.py``.
"""

import numpy as np

from . import _dtypes
from ._tape import Tensor

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


class finfo:
    """The limits of a floating dtype: bits, eps, max, min, tiny (= smallest_normal), resolution.

    ``type``: a floating dtype (default: the default dtype, float32).

    >>> minigrad.finfo(minigrad.float32).eps, minigrad.finfo().bits
    (1.1920928955078125e-07, 32)
    >>> minigrad.finfo(minigrad.float16).max
    65504.0
    """

    def __init__(self, type=None):  # noqa: A002
        d = _dtypes.get_default_dtype() if type is None else type
        np_dt = _dtypes.to_numpy(d)
        if np_dt.kind != "f":
            raise TypeError(
                f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle '{d}'"
            )
        info = np.finfo(np_dt)
        self.dtype, self.bits = np_dt.name, info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0**-info.precision

    def __repr__(self):
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """The limits of an integer dtype: bits, max, min.

    ``type``: an integer (or bool) dtype.

    >>> info = minigrad.iinfo(minigrad.int8)
    >>> info.min, info.max, minigrad.iinfo(minigrad.int64).bits
    (-128, 127, 64)
    """

    def __init__(self, type):  # noqa: A002
        np_dt = _dtypes.to_numpy(type)
        if np_dt.kind not in "iub":
            raise TypeError(
                f"torch.iinfo() requires an integer input type. Use torch.finfo to handle '{type}'"
            )
        info = np.iinfo(np_dt) if np_dt.kind != "b" else np.iinfo(np.uint8)
        self.dtype, self.bits, self.max, self.min = np_dt.name, info.bits, int(info.max), int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def promote_types(type1, type2):
    """The dtype an op on tensors of ``type1`` and ``type2`` gives (PyTorch's rules).

    >>> minigrad.promote_types(minigrad.int64, minigrad.float16)
    minigrad.float16
    >>> minigrad.promote_types(minigrad.uint8, minigrad.int8)
    minigrad.int16
    """
    a, b = _dtypes.to_numpy(type1), _dtypes.to_numpy(type2)
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return _dtypes.from_numpy(a if ca > cb else b)
    return _dtypes.from_numpy(np.promote_types(a, b))


def result_type(tensor, other):
    """The dtype of an arithmetic op on ``tensor`` and ``other`` (tensors or Python numbers).

    A Python number only moves the result to a higher category (int -> float), never to a wider
    type of the same category.

    >>> minigrad.result_type(minigrad.tensor([1, 2]), 1.5)
    minigrad.float32
    >>> minigrad.result_type(minigrad.tensor([1], dtype=minigrad.int8), 1000)
    minigrad.int8
    """
    from .ops._core import _promote, _with_scalar

    def as_array(v):
        return v._data if isinstance(v, Tensor) else None

    a, b = as_array(tensor), as_array(other)
    if a is None and b is None:
        kinds = {type(v) for v in (tensor, other)}
        return (
            _dtypes.get_default_dtype()
            if float in kinds
            else _dtypes.int64
            if int in kinds
            else _dtypes.bool_
        )
    if a is None or b is None:
        arr, num = (a, other) if b is None else (b, tensor)
        return _dtypes.from_numpy(_with_scalar("result_type", arr[:0].reshape(-1), num)[0].dtype)
    return _dtypes.from_numpy(_promote(a, b)[0].dtype)


def can_cast(from_, to):
    """Whether PyTorch's type promotion allows casting ``from_`` to ``to`` (never to a lower
    category: float to int, or int to bool).

    >>> minigrad.can_cast(minigrad.float32, minigrad.int32)
    False
    >>> minigrad.can_cast(minigrad.int32, minigrad.float16)
    True
    """
    return _CATEGORY[_dtypes.to_numpy(from_).kind] <= _CATEGORY[_dtypes.to_numpy(to).kind]


def is_floating_point(input):
    """Whether the tensor's dtype is a floating point one.

    ``input``: a tensor.

    >>> minigrad.is_floating_point(minigrad.tensor([1.0])), minigrad.is_floating_point(minigrad.tensor([1]))
    (True, False)
    """
    return input.dtype.is_floating_point
