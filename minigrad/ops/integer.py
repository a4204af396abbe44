"""Integer-flavoured elementwise ops: ``%`` (remainder), fmod, ``//`` (floor_divide) and the
bitwise ops behind ``&``, ``|``, ``^``, ``~``, ``<<`` and ``>>`` (on bool masks and integer tensors).

remainder and fmod are differentiable (PyTorch's formulas: the gradient of ``a`` passes
through, ``b``'s is ``-g * (a // b)`` or ``-g * trunc(a / b)``; ``//`` as numpy's and PyTorch's
floor division, NaN for an infinite ``a`` and -1 for ``-1 // inf``, not ``floor(a / b)``); floor division and the
bitwise ops are not recorded, as in PyTorch. Integer division by zero raises, as PyTorch's
``ZeroDivisionError`` (a RuntimeError); float division by zero gives nan/inf silently.
"""

import numpy as np

from .._tape import Tensor, call2
from ._core import ELEMENTWISE, _prep2, defop, export, unrecorded
from .elementwise import _compare, mul, neg
from .elementwise import div as _true_div
from .pointwise import floor as _floor
from .pointwise import trunc


def _int_zero_check(op, a, b):
    if (
        getattr(a, "dtype", None) is not None
        and a.dtype.kind in "iub"
        and (np.asarray(b).dtype.kind in "iub")
        and np.any(np.asarray(b) == 0)
    ):
        raise RuntimeError(f"ZeroDivisionError: {op}: integer division by zero")


def _division(name, ufunc):
    def forward(a, b):
        a, b = _prep2(name, a, b)
        if not isinstance(a, np.ndarray):  # a Python number on the left
            a = np.asarray(a, dtype=b.dtype)
        _int_zero_check(name, a, b)
        with np.errstate(all="ignore"):
            return np.asarray(ufunc(a, b))

    forward.__name__ = f"_fwd_{name}"
    return forward


_floor_divide = _compare("floor_divide", _division("floor_divide", np.floor_divide))

# fmt: off
# PyTorch names the tensor-tensor forms ...Backward1 and the tensor-scalar ones ...Backward0
REMAINDER   = defop("remainder", _division("remainder", np.remainder),
                                          lambda g, a, b, out: g,
                                          lambda g, a, b, out: mul(neg(g), _floor_divide(a, b)),
                                          grad_name="RemainderBackward1", kind=ELEMENTWISE)
REMAINDER_S = defop("remainder", _division("remainder", np.remainder),
                                          lambda g, a, b, out: g, None, kind=ELEMENTWISE)
FMOD        = defop("fmod",      _division("fmod", np.fmod),
                                          lambda g, a, b, out: g,
                                          lambda g, a, b, out: mul(neg(g), trunc(_true_div(a, b))),
                                          grad_name="FmodBackward1", kind=ELEMENTWISE)
FMOD_S      = defop("fmod",      _division("fmod", np.fmod),
                                          lambda g, a, b, out: g, None, kind=ELEMENTWISE)
# fmt: on


@export(inplace=True, inplace_example=("[-3.0, 5.0]", "4", "tensor([1., 1.])"))
def remainder(input, other):
    """Python's ``%``: ``input - floor(input / other) * other``, with the sign of ``other``.

    ``other`` is a tensor (broadcast) or a number. The gradient is 1 for ``input`` and
    -floor(input / other) for ``other``.

    >>> minigrad.tensor([-3, 5]) % 4
    tensor([1, 1])
    """
    return call2(REMAINDER if isinstance(other, Tensor) else REMAINDER_S, input, other)


@export(inplace=True, inplace_example=("[-3.0, 5.0]", "4", "tensor([-3.,  1.])"))
def fmod(input, other):
    """C's fmod: ``input - trunc(input / other) * other``, with the sign of ``input``.

    ``other`` is a tensor (broadcast) or a number. The gradient is 1 for ``input`` and
    -trunc(input / other) for ``other``.

    >>> minigrad.fmod(minigrad.tensor([-3.0, 5.0]), 4)
    tensor([-3.,  1.])
    """
    return call2(FMOD if isinstance(other, Tensor) else FMOD_S, input, other)


def _rremainder(input, other):
    """``other % input`` for a Python number ``other`` (``Tensor.__rmod__``)."""
    return call2(REMAINDER, other, input)


@export(inplace=True, inplace_example=("[7, -7]", "2", "tensor([ 3, -4])"))
def floor_divide(input, other):
    """``input // other``: division rounded down (not differentiable).

    ``other`` is a tensor (broadcast) or a number; integers stay integers.

    >>> minigrad.tensor([7, -7]) // 2
    tensor([ 3, -4])
    """
    return _floor_divide(input, other)


def _refuse_float(name, a, b, message):
    for v in (a, b):
        is_array = isinstance(v, (np.ndarray, np.generic))
        if (v.dtype.kind == "f") if is_array else isinstance(v, float):
            raise NotImplementedError(message)


def _bitwise(name, ufunc, symbol, example):
    def forward(a, b):
        _refuse_float(
            name,
            a,
            b,
            f"\"{name}_cpu\" not implemented for 'Float': {name} takes bool or "
            "integer tensors (compare first for a mask: (x > 0) & (x < 1))",
        )
        return ufunc(a, b)

    kind = name.split("_")[1]
    doc = f"``input {symbol} other``: bitwise {kind} of integer tensors, logical {kind} of bool ones."
    return _compare(name, forward, inplace=True, doc=doc, example=example)


bitwise_and = _bitwise(
    "bitwise_and", np.bitwise_and, "&", ("[12, 10]", "minigrad.tensor([10, 6])", "tensor([8, 2])")
)
bitwise_or = _bitwise(
    "bitwise_or", np.bitwise_or, "|", ("[12, 10]", "minigrad.tensor([10, 6])", "tensor([14, 14])")
)
bitwise_xor = _bitwise(
    "bitwise_xor", np.bitwise_xor, "^", ("[12, 10]", "minigrad.tensor([10, 6])", "tensor([ 6, 12])")
)


def _shift(name, ufunc, kernel, doc, example):
    def forward(a, b):
        _refuse_float(
            name, a, b, f"\"{kernel}_cpu\" not implemented for 'Float': {name} takes integer tensors"
        )
        a, b = _prep2(name, a, b)
        a = np.asarray(a, dtype=np.int64 if np.asarray(a).dtype == np.bool_ else None)
        bits = a.dtype.itemsize * 8
        # PyTorch: a shift by the width or more gives 0 (and -1 for a negative shifted right);
        # C (and numpy) leave it undefined
        b = np.clip(b, 0, bits - 1 if name == "bitwise_right_shift" else bits)
        with np.errstate(all="ignore"):
            out = ufunc(a, np.minimum(b, bits - 1).astype(a.dtype))
        return np.where(b >= bits, 0, out).astype(a.dtype) if name == "bitwise_left_shift" else out

    return _compare(name, forward, inplace=True, doc=doc, example=example)


bitwise_left_shift = _shift(
    "bitwise_left_shift",
    np.left_shift,
    "lshift",
    "``input << other``: the bits of integer ``input`` shifted left by ``other`` (0 past the width).",
    ("[1, 3]", "2", "tensor([ 4, 12])"),
)
bitwise_right_shift = _shift(
    "bitwise_right_shift",
    np.right_shift,
    "rshift",
    "``input >> other``: the bits of integer ``input`` shifted right by ``other``, keeping the sign.",
    ("[16, -16]", "2", "tensor([ 4, -4])"),
)


@export(inplace=True, inplace_example=("[0, 5]", "", "tensor([-1, -6])"))
def bitwise_not(input):
    """``~input``: logical not of a bool tensor, bitwise not of an integer one.

    >>> minigrad.bitwise_not(minigrad.tensor([True, False])), ~minigrad.tensor([0, 5])
    (tensor([False,  True]), tensor([-1, -6]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bitwise_not(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind == "f":
        raise NotImplementedError(
            "\"bitwise_not_cpu\" not implemented for 'Float': ~ takes bool or integer tensors"
        )
    return unrecorded(np.invert, input)


def div(input, other, *, rounding_mode=None):
    """``input / other``; ``rounding_mode="trunc"`` rounds the quotient towards zero and
    ``"floor"`` rounds it down (integers stay integers then; both have a zero gradient, as
    in PyTorch). Without it, true division (integers give float32).

    >>> a = minigrad.tensor([-7, 7])
    >>> minigrad.div(a, 2), minigrad.div(a, 2, rounding_mode="trunc"), a.div(2, rounding_mode="floor")
    (tensor([-3.5000,  3.5000]), tensor([-3,  3]), tensor([-4,  3]))
    """
    if rounding_mode is None:
        return _true_div(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    if _integral(input) and _integral(other):
        return unrecorded(lambda a, b: _int_div(a, b, rounding_mode), input, other)
    q = _true_div(input, other)
    return trunc(q) if rounding_mode == "trunc" else _floor(q)


def _integral(v):
    if isinstance(v, Tensor):
        return v._data.dtype.kind in "iub"
    return isinstance(v, (int, np.integer, np.bool_))


def _int_div(a, b, mode):
    a, b = _prep2("div", a, b)
    if np.any(np.asarray(b) == 0):
        raise ZeroDivisionError("ZeroDivisionError")
    q = np.floor_divide(a, b)
    if mode == "trunc":  # floor and trunc differ where the quotient is negative and not whole
        q = q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
    return np.asarray(q)


export(div, "divide")
