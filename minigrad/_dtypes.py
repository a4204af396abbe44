"""minigrad's dtypes: thin named handles on numpy dtypes, with PyTorch's names.

``minigrad.float32`` is a ``dtype`` object; ``.numpy`` is the numpy dtype behind it.
float32 is the default floating dtype (as in PyTorch), int64 the default integer one.
"""

import numpy as np


class dtype:
    """A tensor element type (``minigrad.float32``, ``minigrad.int64``, ...).

    ``name``: its name; ``np_dtype``: the NumPy type its arrays hold (the module's instances are
    the ones to use; building a new one is internal).

    >>> minigrad.float32.is_floating_point, minigrad.int64.itemsize, minigrad.uint8.is_signed
    (True, 8, False)
    >>> minigrad.tensor([1, 2]).dtype
    minigrad.int64
    """

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.numpy = np.dtype(np_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return f"minigrad.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool_ = dtype("bool", np.bool_)

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)

# A name only: numpy has no bfloat16, so no minigrad tensor holds one. Programs name it in a
# table of choices (nanoGPT's {'float32': ..., 'bfloat16': ...}) or pass it to autocast (which
# keeps float32); creating or converting a tensor to it raises (to_numpy below).
bfloat16 = dtype.__new__(dtype)
bfloat16.name, bfloat16.numpy, bfloat16.is_floating_point, bfloat16.is_signed, bfloat16.itemsize = (
    "bfloat16",
    None,
    True,
    True,
    2,
)
_FROM_NUMPY = {d.numpy: d for d in ALL}
_NAMES = {d.name: d for d in ALL}
# dtypes PyTorch leaves out of a tensor's repr
_DEFAULT_IN_REPR = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))


def _by_name(name):
    return _NAMES[name]


def from_numpy(np_dtype):
    """The minigrad dtype for a numpy dtype."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"minigrad has no dtype for numpy's {np_dtype}") from None


def to_numpy(d):
    """The numpy dtype for a minigrad dtype (numpy dtypes and Python types accepted too)."""
    if isinstance(d, dtype):
        if d.numpy is None:
            raise TypeError(
                f"minigrad has no {d.name} tensors (numpy has no such type): use "
                "minigrad.float32 or minigrad.float16"
            )
        return d.numpy
    if d is float:
        return float32.numpy
    if d is int:
        return int64.numpy
    if d is bool:
        return bool_.numpy
    if isinstance(d, str) and d in _NAMES:
        return _NAMES[d].numpy
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(f"expected a minigrad dtype such as minigrad.float32, got {d!r}") from None
    if npd not in _FROM_NUMPY:
        raise TypeError(f"minigrad has no dtype for numpy's {npd}")
    return npd


def suffix(np_dtype, empty=False):
    """What a tensor's repr appends as ``dtype=...``, or None for the default dtypes
    (PyTorch names every dtype but float32 on an empty tensor)."""
    if np_dtype in _DEFAULT_IN_REPR and not (empty and np_dtype != np.float32):
        return None
    return repr(from_numpy(np_dtype))


def get_default_dtype():
    """The dtype Python floats become: float32 (minigrad's default cannot be changed).

    >>> minigrad.get_default_dtype(), minigrad.tensor([1.5]).dtype
    (minigrad.float32, minigrad.float32)
    """
    return float32


def set_default_dtype(d):
    """Accepts float32, minigrad's one default floating dtype; refuses the others clearly.

    ``d``: the dtype; float32 is accepted, another floating dtype raises NotImplementedError
    (pass ``dtype=`` to the creation functions instead), a non-floating one TypeError.

    >>> minigrad.set_default_dtype(minigrad.float32)
    >>> minigrad.get_default_dtype()
    minigrad.float32
    """
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(
            f"set_default_dtype(): only floating-point types are supported as the default type (got {d!r})"
        )
    if d is not float32:
        raise NotImplementedError(
            f"set_default_dtype({d!r}): minigrad's default floating dtype is always float32; "
            f"pass dtype={d!r} to the creation functions (or call .to({d!r})) instead"
        )
