"""More elementwise ops: the rest of the math library, min/max of two tensors, clamp,
rounding, logical ops, and closeness (isclose, allclose, equal).

These are not on the per-op hot path, so their forwards are numpy ufuncs (with warnings
off, as PyTorch is silent about ``asin(2)``); derivatives reuse ``elementwise``'s duals.
Rounding ops have a zero gradient, as in PyTorch.
"""

import math

import numpy as np

from .. import _batched, _tape
from .._batched import BatchedTensor
from .._tape import Tensor, call2
from ._core import ELEMENTWISE, _float, _prep2, _real, defop, export, quiet, unrecorded
from .elementwise import (
    _compare,
    add,
    div,
    eq,
    ge,
    gt,
    le,
    logical_and,
    lt,
    mul,
    neg,
    pow,
    sqrt,
    sub,
    where,
    zero_grad,
)
from .elementwise import _unary as _elementwise_unary


def _float_ufunc(ufunc, rounded=False):
    """A float-valued numpy ufunc as a forward (integers compute in float32). ``rounded``:
    float32 computes in float64 and rounds once, as numpy's float32 log10/log2 loops are an ulp
    off at exact powers (log10(100) would print 2.0000, PyTorch's prints 2.)."""

    def forward(x):
        x = _float(x)
        with quiet():
            if rounded and x.dtype == np.float32:
                return ufunc(x.astype(np.float64)).astype(np.float32)
            return ufunc(x)

    forward.__name__ = f"_fwd_{ufunc.__name__}"
    return forward


def _kept_ufunc(ufunc):
    """A numpy ufunc that keeps the dtype (floor of an int tensor is itself)."""

    def forward(x):
        return ufunc(x) if x.dtype.kind == "f" else x.copy()

    forward.__name__ = f"_fwd_{ufunc.__name__}"
    return forward


def _binary_ufunc(name, ufunc):
    def forward(a, b):
        a, b = _prep2(name, a, b)
        with quiet():
            return ufunc(a, b)

    forward.__name__ = f"_fwd_{name}"
    return forward


def _fwd_clamp(x, lo, hi):
    if lo is not None and hi is not None and lo > hi:
        # PyTorch: elements become hi when min > max
        return np.full_like(x, hi)
    return np.clip(x, lo, hi)


def _clamp_mask(x, lo, hi):
    # gradient passes where lo <= x <= hi (PyTorch's convention, ties included)
    m = None
    if lo is not None:
        m = ge(x, lo)
    if hi is not None:
        m2 = le(x, hi)
        m = m2 if m is None else logical_and(m, m2)
    return m


def _minmax_grad(g, a, b, loser):
    # 0 where this input loses, g/2 at ties, else g (PyTorch's formula: a NaN on either side
    # loses nowhere, so both inputs get g)
    half = mul(g, 0.5)
    return where(loser(a, b), 0.0, where(eq(a, b), half, g))


# fmt: off
LOG1P   = defop("log1p",   _float_ufunc(np.log1p),     lambda g, x, out: div(g, add(x, 1)),
                   grad_name="Log1PBackward0", kind=ELEMENTWISE)
EXPM1   = defop("expm1",   _float_ufunc(np.expm1),     lambda g, x, out: mul(g, add(out, 1)), kind=ELEMENTWISE)
RSQRT   = defop("rsqrt",   _float_ufunc(lambda x: 1 / np.sqrt(x)),
                                                        lambda g, x, out: mul(mul(g, -0.5), mul(out, mul(out, out))), kind=ELEMENTWISE)
LOG10   = defop("log10",   _float_ufunc(np.log10, True),lambda g, x, out: div(g, mul(x, math.log(10))), kind=ELEMENTWISE)
LOG2    = defop("log2",    _float_ufunc(np.log2, True), lambda g, x, out: div(g, mul(x, math.log(2))), kind=ELEMENTWISE)
EXP2    = defop("exp2",    _float_ufunc(np.exp2, True), lambda g, x, out: mul(g, mul(out, math.log(2))), kind=ELEMENTWISE)
TAN     = defop("tan",     _float_ufunc(np.tan),       lambda g, x, out: mul(g, add(mul(out, out), 1)), kind=ELEMENTWISE)
ASIN    = defop("asin",    _float_ufunc(np.arcsin),    lambda g, x, out: div(g, sqrt(sub(1, mul(x, x)))), kind=ELEMENTWISE)
ACOS    = defop("acos",    _float_ufunc(np.arccos),    lambda g, x, out: neg(div(g, sqrt(sub(1, mul(x, x))))), kind=ELEMENTWISE)
ATAN    = defop("atan",    _float_ufunc(np.arctan),    lambda g, x, out: div(g, add(mul(x, x), 1)), kind=ELEMENTWISE)
FLOOR   = defop("floor",   _kept_ufunc(np.floor),      lambda g, x, out: zero_grad(g), kind=ELEMENTWISE)
CEIL    = defop("ceil",    _kept_ufunc(np.ceil),       lambda g, x, out: zero_grad(g), kind=ELEMENTWISE)
ROUND   = defop("round",   _kept_ufunc(np.round),      lambda g, x, out: zero_grad(g), kind=ELEMENTWISE)
TRUNC   = defop("trunc",   _kept_ufunc(np.trunc),      lambda g, x, out: zero_grad(g), kind=ELEMENTWISE)
MAXIMUM = defop("maximum", _binary_ufunc("maximum", np.maximum),
                                                        lambda g, a, b, out: _minmax_grad(g, a, b, lt),
                                                        lambda g, a, b, out: _minmax_grad(g, b, a, lt), kind=ELEMENTWISE)
MINIMUM = defop("minimum", _binary_ufunc("minimum", np.minimum),
                                                        lambda g, a, b, out: _minmax_grad(g, a, b, gt),
                                                        lambda g, a, b, out: _minmax_grad(g, b, a, gt), kind=ELEMENTWISE)
CLAMP   = defop("clamp",   _fwd_clamp,                 lambda g, x, out, lo, hi: where(_clamp_mask(x, lo, hi), g, 0.0),
                                                        grad_name="ClampBackward1", kind=ELEMENTWISE)
# fmt: on


def _unary(op, doc, *aliases, example):
    return _elementwise_unary(op, doc, *aliases, example=example, module=__name__)


# fmt: off
log1p = _unary(LOG1P, "log(1 + input) for each element, accurate for small input; gradient 1 / (1 + input).",
               example=("[0.0, 1.0]", "", "tensor([0.0000, 0.6931])"))
expm1 = _unary(EXPM1, "exp(input) - 1 for each element, accurate for small input; gradient out + 1.",
               example=("[0.0, 1.0]", "", "tensor([0.0000, 1.7183])"))
rsqrt = _unary(RSQRT, "1 / sqrt(input) for each element; gradient -out**3 / 2.",
               example=("[4.0, 0.25]", "", "tensor([0.5000, 2.0000])"))
log10 = _unary(LOG10, "Base-10 logarithm of each element of ``input``; gradient 1 / (input ln 10).",
               example=("[1.0, 100.0]", "", "tensor([0., 2.])"))
log2 = _unary(LOG2, "Base-2 logarithm of each element of ``input``; gradient 1 / (input ln 2).",
              example=("[1.0, 8.0]", "", "tensor([0., 3.])"))
exp2 = _unary(EXP2, "2 to the power of each element of ``input``; gradient out * ln 2.",
              example=("[0.0, 3.0]", "", "tensor([1., 8.])"))
tan = _unary(TAN, "Tangent of each element of ``input`` (in radians); gradient 1 + out**2.",
             example=("[0.0, 1.0]", "", "tensor([0.0000, 1.5574])"))
asin = arcsin = _unary(ASIN, "Arcsine of each element of ``input`` (nan outside [-1, 1]); "
                             "gradient 1 / sqrt(1 - input**2).", "arcsin",
                       example=("[0.0, 1.0]", "", "tensor([0.0000, 1.5708])"))
acos = arccos = _unary(ACOS, "Arccosine of each element of ``input`` (nan outside [-1, 1]); "
                             "gradient -1 / sqrt(1 - input**2).", "arccos",
                       example=("[1.0, 0.0]", "", "tensor([0.0000, 1.5708])"))
atan = arctan = _unary(ATAN, "Arctangent of each element of ``input``; gradient 1 / (1 + input**2).", "arctan",
                       example=("[0.0, 1.0]", "", "tensor([0.0000, 0.7854])"))
floor = _unary(FLOOR, "Round each element of ``input`` down (zero gradient; integer tensors are kept).",
               example=("[-1.5, 1.5]", "", "tensor([-2.,  1.])"))
ceil = _unary(CEIL, "Round each element of ``input`` up (zero gradient; integer tensors are kept).",
              example=("[-1.5, 1.5]", "", "tensor([-1.,  2.])"))
round = _unary(ROUND, "Round each element of ``input`` half to even, as PyTorch (zero gradient; "  # noqa: A001
                     "minigrad has no ``decimals`` argument).",
               example=("[0.5, 1.5, 2.5]", "", "tensor([0., 2., 2.])"))
trunc = _unary(TRUNC, "Round each element of ``input`` towards zero (zero gradient; integer tensors are kept).",
               example=("[-1.5, 1.5]", "", "tensor([-1.,  1.])"))
# fmt: on


@export(inplace=True, inplace_example=("[2.0, -3.0]", "", "tensor([4., 9.])"))
def square(input):
    """input * input for each element (recorded as PowBackward0, as in PyTorch).

    >>> minigrad.square(minigrad.tensor([2.0, -3.0]))
    tensor([4., 9.])
    """
    return pow(input, 2)


@export
def maximum(input, other):
    """Elementwise maximum of two tensors (gradient split in half at ties).

    ``input`` and ``other`` are tensors, broadcast together; NaN on either side gives NaN
    (``fmax`` ignores it).

    >>> minigrad.maximum(minigrad.tensor([1.0, 4.0]), minigrad.tensor([3.0, 2.0]))
    tensor([3., 4.])
    """
    return call2(MAXIMUM, input, other)


@export
def minimum(input, other):
    """Elementwise minimum of two tensors (gradient split in half at ties).

    ``input`` and ``other`` are tensors, broadcast together; NaN on either side gives NaN
    (``fmin`` ignores it).

    >>> minigrad.minimum(minigrad.tensor([1.0, 4.0]), minigrad.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    return call2(MINIMUM, input, other)


@export(
    "clip", inplace=True, inplace_example=("[-2.0, 0.5, 3.0]", "-1, 1", "tensor([-1.0000,  0.5000,  1.0000])")
)
def clamp(input, min=None, max=None):  # noqa: A002
    """Limit the values of ``input`` to [min, max]; gradient 1 inside, 0 outside.

    ``min`` and ``max`` are numbers or tensors (broadcast); either may be None, not both.

    >>> minigrad.tensor([-2.0, 0.5, 3.0]).clamp(-1, 1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input if min is None else maximum(input, min)
        return out if max is None else minimum(out, max)
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    min, max = (None if v is None else _real("clamp", v) for v in (min, max))  # noqa: A001
    if not isinstance(input, Tensor):
        return CLAMP.forward(input, min, max)
    return _tape.apply(CLAMP, (input,), (min, max))


clip = clamp


@export
def clamp_min(input, min):  # noqa: A002
    """clamp(input, min=min): values below ``min`` become ``min``.

    >>> minigrad.tensor([-2.0, 3.0]).clamp_min(0)
    tensor([0., 3.])
    """
    return clamp(input, min=min)


@export
def clamp_max(input, max):  # noqa: A002
    """clamp(input, max=max): values above ``max`` become ``max``.

    >>> minigrad.tensor([-2.0, 3.0]).clamp_max(0)
    tensor([-2.,  0.])
    """
    return clamp(input, max=max)


logical_or = _compare(
    "logical_or",
    np.logical_or,
    doc="Logical or of each pair of elements of ``input`` and ``other`` (nonzero is True), as a bool tensor.",
    example=("[True, True, False]", "minigrad.tensor([True, False, False])", "tensor([ True,  True, False])"),
)
logical_xor = _compare(
    "logical_xor",
    np.logical_xor,
    doc="Logical xor of each pair of elements of ``input`` and ``other`` (nonzero is True), as a bool tensor.",
    example=("[True, True, False]", "minigrad.tensor([True, False, False])", "tensor([False,  True, False])"),
)


@export
def logical_not(input):
    """Logical not of each element of ``input`` (zero is False), as a bool tensor.

    >>> minigrad.logical_not(minigrad.tensor([True, False]))
    tensor([False,  True])
    """
    if type(input) is BatchedTensor:
        return _batched.raw_elementwise(np.logical_not, input)
    if isinstance(input, Tensor):
        return _tape._from_array(np.logical_not(input._data))
    return np.logical_not(input)


@export
def isnan(input):
    """Where the elements of ``input`` are NaN, as a bool tensor.

    >>> minigrad.isnan(minigrad.tensor([1.0, float("inf"), float("nan")]))
    tensor([False, False,  True])
    """
    return unrecorded(np.isnan, input)


@export
def isinf(input):
    """Where the elements of ``input`` are +inf or -inf, as a bool tensor.

    >>> minigrad.isinf(minigrad.tensor([1.0, float("inf"), float("nan")]))
    tensor([False,  True, False])
    """
    return unrecorded(np.isinf, input)


@export
def isfinite(input):
    """Where the elements of ``input`` are neither inf nor NaN, as a bool tensor.

    >>> minigrad.isfinite(minigrad.tensor([1.0, float("inf"), float("nan")]))
    tensor([ True, False, False])
    """
    return unrecorded(np.isfinite, input)


# PyTorch's names of dtypes in its messages ("Long did not match Float", "not implemented for 'Long'")
_SCALAR_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def _scalar_name(dtype):
    return _SCALAR_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


@export
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where ``|input - other| <= atol + rtol * |other|`` (equal values, infinities included,
    are always close; NaNs only with ``equal_nan``), as a bool tensor.

    >>> minigrad.isclose(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0 + 1e-7, 2.1]))
    tensor([ True, False])
    """
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"isclose(): argument '{name}' must be Tensor, not {type(t).__name__}")
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{_scalar_name(a.dtype)} did not match {_scalar_name(b.dtype)}: isclose needs "
            f"two tensors of one dtype (got {input.dtype} and {other.dtype}); convert one "
            "with .to()"
        )
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not tol >= 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol} (isclose)")
    return unrecorded(lambda a, b: _close(a, b, rtol, atol, equal_nan), input, other)


def _close(a, b, rtol, atol, equal_nan):
    a, b = _prep2("isclose", a, b)
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(b)
    if rtol or atol:
        # PyTorch's arithmetic: the input's float dtype (float32 for ints and bools)
        ft = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
        with quiet():
            actual = np.abs(a.astype(ft) - b.astype(ft)) if a.dtype.kind in "fb" else np.abs(a - b)
            allowed = ft.type(atol) + np.abs(ft.type(rtol) * b.astype(ft))
            close |= np.isfinite(actual) & (actual <= allowed)
    return close


@export
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of ``input`` is close to ``other``'s (see ``isclose``), as a bool.

    ``|input - other| <= atol + rtol * |other|`` must hold everywhere; NaNs count as equal
    only with ``equal_nan``.

    >>> minigrad.allclose(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 2.001]), rtol=1e-3)
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@export
def equal(input, other):
    """Whether ``input`` and ``other`` have the same shape and values, as a bool (NaN != NaN).

    >>> minigrad.equal(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 2.0]))
    True
    """
    for name, pos, t in (("input", 1, input), ("other", 2, other)):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"equal(): argument '{name}' (position {pos}) must be Tensor, not {type(t).__name__}"
            )
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))
