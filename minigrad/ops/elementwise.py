"""Elementwise ops: arithmetic, unary math, where, comparisons, in-place arithmetic.

Forwards take the Cython fast path (``K.Binary`` / ``K.Unary``: one C loop, no numpy
dispatch, no floating-point warnings) and fall back to numpy for broadcasting and mixed
dtypes after validating and promoting the operands.
"""

import math

import numpy as np

from .. import _batched, _tape
from .. import _kernels as K
from .._batched import BatchedTensor
from .._tape import Tensor, apply
from ._core import (
    ELEMENTWISE,
    _float,
    _generic,
    _is_float,
    _is_raw,
    _prep2,
    defop,
    export,
    export_method,
    function_example,
    ndarray,
    quiet,
)


def zero_grad(g):
    """The gradient of a piecewise-constant op: zeros like ``g`` (PyTorch's zeros_like), not
    ``g * 0``, which is NaN where an inf or NaN reached ``g`` (``floor(x) * x`` at x = inf)."""
    if _is_raw(g):
        return np.zeros_like(g)
    return _tape._from_array(np.zeros_like(g.detach().numpy()))


def _pow_da(g, a, b):
    # d/da a**b = b * a**(b-1); PyTorch gives exactly 0 for b == 0 (no 0 * inf at a == 0)
    if not isinstance(b, (Tensor, ndarray, _generic)):
        return zero_grad(g) if b == 0 else mul(mul(g, b), pow(a, b - 1))
    return where(eq(b, 0), 0.0, mul(mul(g, b), pow(a, sub(b, 1))))


def _pow_db(g, a, b, out):
    # d/db a**b = a**b * log(a), taken as 0 where a == 0 and b >= 0 (PyTorch's convention)
    zero = logical_and(eq(a, 0), ge(b, 0))
    return where(zero, 0.0, mul(mul(g, out), log(a)))


def _pow_db_scalar(g, a, b, out):
    # d/db a**b for a number a: nan for a < 0; for a == 0, 0 where b >= 0 and -inf below (PyTorch)
    log_a = math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)
    d = mul(mul(g, out), log_a)
    return where(ge(b, 0), 0.0, d) if a == 0 else d


# The numpy fallbacks run with floating-point warnings off: like PyTorch, inf - inf is
# nan without a RuntimeWarning. (The C fast path never warns.)
def _fwd_add(a, b):
    a, b = _prep2("add", a, b)
    with quiet():
        return a + b


def _is_bool(v):
    # a Python bool or a bool array; np.bool_ is a float to PyTorch (as in _core._number)
    return isinstance(v, bool) or (type(v) is ndarray and v.dtype == np.bool_)


def _fwd_sub(a, b):
    if _is_bool(a) or _is_bool(b):  # PyTorch refuses a bool on either side, number or tensor
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    a, b = _prep2("sub", a, b)
    with quiet():
        return a - b


def _fwd_rsub(a, b):
    return SUB.forward(b, a)


def _fwd_mul(a, b):
    a, b = _prep2("mul", a, b)
    with quiet():
        return a * b


def _fwd_div(a, b):
    if not _is_float(a) and not _is_float(b):  # true division of integers gives float32
        # (converted first, so an int that does not fit the tensor's dtype is not wrapped)
        a = np.asarray(a, dtype=np.float32) if isinstance(a, ndarray) else a
        b = np.asarray(b, dtype=np.float32) if isinstance(b, ndarray) else b
    a, b = _prep2("div", a, b)
    with quiet():
        return np.true_divide(a, b)


def _fwd_pow(a, b):
    a, b = _prep2("pow", a, b, wrap=False)
    if isinstance(b, int) and getattr(a, "dtype", np.float32).kind in "biu":
        if b < 0 and not isinstance(b, bool):
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
        if a.dtype == np.bool_ and isinstance(b, bool):  # stays bool, as in PyTorch
            return a.copy() if b else np.ones_like(a)
    with quiet():
        if type(b) is float and (b == 0.5 or b == -0.5) and a.dtype.kind == "f":
            # PyTorch computes x ** 0.5 as sqrt(x) and x ** -0.5 as rsqrt(x): NaN at -inf,
            # where C's pow gives inf and 0 (and so in the gradients of x ** 1.5, x ** 0.5)
            r = np.sqrt(a)
            return r if b > 0 else np.divide(1, r, out=r)
        return np.power(a, b)


def _int_neg(x):
    if x.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return np.negative(x)


def _int_relu(x):
    return np.maximum(x, 0).astype(x.dtype)


def _fwd_sign(x):
    out = np.sign(x)
    return np.where(np.isnan(out), 0, out).astype(x.dtype) if x.dtype.kind == "f" else out


def _fwd_where(cond, a, b):
    if type(cond) is not ndarray or cond.dtype != np.bool_:
        raise TypeError("where(): condition must be a bool tensor")
    a, b = _prep2("where", a, b, wrap=False)
    return np.where(cond, a, b)


def _fwd_reciprocal(x):
    return _fwd_div(1.0, _float(x))


# ----------------------------------------------------------------------------- the table
# fmt: off
# name                 forward                                        derivative per input
ADD        = defop("add",     K.Binary("add", _fwd_add),             lambda g, a, b, out: g,
                                                                      lambda g, a, b, out: g, kind=ELEMENTWISE)
SUB        = defop("sub",     K.Binary("sub", _fwd_sub),             lambda g, a, b, out: g,
                                                                      lambda g, a, b, out: neg(g), kind=ELEMENTWISE)
RSUB       = defop("rsub",    _fwd_rsub,                             lambda g, a, b, out: neg(g),
                                                                      lambda g, a, b, out: g,
                   grad_name="RsubBackward1", kind=ELEMENTWISE)
MUL        = defop("mul",     K.Binary("mul", _fwd_mul),             lambda g, a, b, out: mul(g, b),
                                                                      lambda g, a, b, out: mul(g, a), kind=ELEMENTWISE)
DIV        = defop("div",     K.Binary("div", _fwd_div),             lambda g, a, b, out: div(g, b),
                                                                      lambda g, a, b, out: neg(div(mul(g, out), b)), kind=ELEMENTWISE)
POW        = defop("pow",     _fwd_pow,                              lambda g, a, b, out: _pow_da(g, a, b),
                                                                      None, kind=ELEMENTWISE)
POW_TT     = defop("pow",     _fwd_pow,                              lambda g, a, b, out: _pow_da(g, a, b),
                                                                      lambda g, a, b, out: _pow_db(g, a, b, out),
                   grad_name="PowBackward1", kind=ELEMENTWISE)
POW_ST     = defop("pow",     _fwd_pow,                              None,
                                                                      lambda g, a, b, out: _pow_db_scalar(g, a, b, out),
                   grad_name="PowBackward2", kind=ELEMENTWISE)
RECIPROCAL = defop("reciprocal", _fwd_reciprocal,                    lambda g, x, out: neg(mul(g, mul(out, out))), kind=ELEMENTWISE)
NEG        = defop("neg",     K.Unary("neg", _int_neg),              lambda g, x, out: neg(g), kind=ELEMENTWISE)
EXP        = defop("exp",     K.Unary("exp"),                        lambda g, x, out: mul(g, out), kind=ELEMENTWISE)
LOG        = defop("log",     K.Unary("log"),                        lambda g, x, out: div(g, x), kind=ELEMENTWISE)
SQRT       = defop("sqrt",    K.Unary("sqrt"),                       lambda g, x, out: div(g, mul(out, 2)), kind=ELEMENTWISE)
SIN        = defop("sin",     K.Unary("sin"),                        lambda g, x, out: mul(g, cos(x)), kind=ELEMENTWISE)
COS        = defop("cos",     K.Unary("cos"),                        lambda g, x, out: neg(mul(g, sin(x))), kind=ELEMENTWISE)
TANH       = defop("tanh",    K.Unary("tanh"),                       lambda g, x, out: _tanh_backward(g, out), kind=ELEMENTWISE)
SIGMOID    = defop("sigmoid", K.Unary("sigmoid"),                    lambda g, x, out: _sigmoid_backward(g, out), kind=ELEMENTWISE)
RELU       = defop("relu",    K.Unary("relu", _int_relu),            lambda g, x, out: _relu_backward(g, out), kind=ELEMENTWISE)
ABS        = defop("abs",     K.Unary("abs", np.abs),                lambda g, x, out: mul(g, sign(x)), kind=ELEMENTWISE)
SIGN       = defop("sign",    _fwd_sign,                               lambda g, x, out: zero_grad(g), kind=ELEMENTWISE)
WHERE      = defop("where",   _fwd_where,                            None,
                                                                      lambda g, c, a, b, out: where(c, g, 0.0),
                                                                      lambda g, c, a, b, out: where(c, 0.0, g), kind=ELEMENTWISE)
# fmt: on


# A unary backward from g and the forward result: one Cython pass on float arrays, the
# composed (differentiable) formula on Tensors.
_tanh_backward = K.FusedBackward("tanh", lambda g, out: mul(g, sub(1, mul(out, out))))
_sigmoid_backward = K.FusedBackward("sigmoid", lambda g, out: mul(mul(g, out), sub(1, out)))
# relu's composed backward (create_graph): g where out > 0 or is NaN (NaN passes the gradient,
# as PyTorch's threshold_backward), else out * 0 -- zero, but a zero that reads out, so a
# second backward gives x a zero gradient rather than none, as PyTorch does (issue 14)
_relu_backward = K.FusedBackward("relu", lambda g, out: where(le(out, 0), mul(out, 0.0), g))


def _unary(op, doc, *aliases, example=None, module=__name__):
    """The public function of a unary op (``minigrad.exp``, ``x.exp()``, ``x.exp_()``);
    ``example``, ``(input, "", printed)``, is the example of both forms (see ``export``)."""
    doc = f"{doc}\n\n{function_example(op.name, example)}" if example else doc
    return export(_tape.unary_function(op, doc, module), *aliases, inplace=True, inplace_example=example)


# fmt: off
exp = _unary(EXP, "e to the power of each element of ``input``; the gradient is the result itself.",
             example=("[0.0, 1.0]", "", "tensor([1.0000, 2.7183])"))
log = _unary(LOG, "Natural logarithm of each element of ``input`` (-inf at 0, nan below); gradient 1 / input.",
             example=("[1.0, 4.0]", "", "tensor([0.0000, 1.3863])"))
sqrt = _unary(SQRT, "Square root of each element of ``input`` (nan below 0); gradient 1 / (2 sqrt(input)).",
              example=("[4.0, 2.0]", "", "tensor([2.0000, 1.4142])"))
sin = _unary(SIN, "Sine of each element of ``input`` (in radians); gradient cos(input).",
             example=("[0.0, 1.0]", "", "tensor([0.0000, 0.8415])"))
cos = _unary(COS, "Cosine of each element of ``input`` (in radians); gradient -sin(input).",
             example=("[0.0, 1.0]", "", "tensor([1.0000, 0.5403])"))
tanh = _unary(TANH, "Hyperbolic tangent of each element of ``input``; gradient 1 - out**2, from the result.",
              example=("[0.0, 1.0]", "", "tensor([0.0000, 0.7616])"))
sigmoid = _unary(SIGMOID, "1 / (1 + exp(-input)) for each element, without overflow; gradient out * (1 - out), from the result.",
                 example=("[0.0, 2.0]", "", "tensor([0.5000, 0.8808])"))
relu = _unary(RELU, "max(input, 0) for each element; gradient 1 where input > 0, else 0.",
              example=("[-1.0, 2.0]", "", "tensor([0., 2.])"))
abs = _unary(ABS, "Absolute value of each element of ``input`` (gradient sign(input), 0 at 0).",  # noqa: A001
             example=("[-1.5, 2.0]", "", "tensor([1.5000, 2.0000])"))
neg = negative = _unary(NEG, "-input for each element (not for bool tensors: use ``~`` there).", "negative",
                        example=("[1.0, -2.0]", "", "tensor([-1.,  2.])"))
sign = _unary(SIGN, "-1, 0 or 1 for each element of ``input``, by its sign (zero gradient).",
              example=("[-2.0, 0.0, 3.0]", "", "tensor([-1.,  0.,  1.])"))
# fmt: on


def _binary(op, doc, *aliases, example, inplace=False, module=__name__):
    """The public function of a two-input op, ``minigrad.<name>(input, other)``; ``example``
    as ``_unary``'s, ``(input, other, printed)``."""
    doc = f"{doc}\n\n{function_example(op.name, example)}"
    fn = _tape.binary_function(op, doc, module)
    return export(fn, *aliases, inplace=inplace, inplace_example=example if inplace else None)


mul = multiply = _binary(
    MUL,
    "input * other, broadcasting.\n\n``other`` is a tensor or a number; the gradients are other and input.",
    "multiply",
    example=("[1.0, 2.0]", "3", "tensor([3., 6.])"),
)


div = divide = true_divide = _binary(
    DIV,
    "input / other, broadcasting (true division: integers give float32).\n\n"
    "``other`` is a tensor or a number; the gradients are 1 / other and -input / other**2.",
    "divide",
    "true_divide",
    example=("[1, 2]", "2", "tensor([0.5000, 1.0000])"),
)


@export
def add(input, other, *, alpha=1):
    """input + alpha * other, broadcasting.

    >>> minigrad.add(minigrad.tensor([1.0, 2.0]), 1)
    tensor([2., 3.])
    """
    if alpha != 1:
        other = other * alpha
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        return apply(ADD, (input, other))
    return ADD.forward(input, other)


@export("subtract")
def sub(input, other, *, alpha=1):
    """input - alpha * other, broadcasting (``1 - x`` records RsubBackward1, as PyTorch).

    ``other`` is a tensor or a number; ``alpha`` a number multiplying it.

    >>> minigrad.sub(minigrad.tensor([5.0, 7.0]), minigrad.tensor([1.0, 2.0]), alpha=2)
    tensor([3., 3.])
    """
    if alpha != 1:
        other = other * alpha
    if isinstance(input, Tensor):
        return apply(SUB, (input, other))
    if isinstance(other, Tensor):
        return apply(RSUB, (other, input))
    return SUB.forward(input, other)


subtract = sub


@export(inplace=True, inplace_example=("[2.0, 3.0]", "2", "tensor([4., 9.])"))
def pow(input, exponent):  # noqa: A001
    """input ** exponent; either may be a tensor or a number.

    The gradients are exponent * input**(exponent - 1) and out * log(input).

    >>> minigrad.pow(minigrad.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if isinstance(input, Tensor):
        return apply(POW_TT if isinstance(exponent, Tensor) else POW, (input, exponent))
    if isinstance(exponent, Tensor):
        if isinstance(input, (ndarray, _generic)):
            return apply(POW_TT, (_tape._from_array(np.asarray(input)), exponent))
        return apply(POW_ST, (input, exponent))
    return POW.forward(input, exponent)


@export(inplace=True, inplace_example=("[2.0, 4.0]", "", "tensor([0.5000, 0.2500])"))
def reciprocal(input):
    """1 / input for each element (integers give float32); gradient -out**2.

    ``2 / x`` is recorded as reciprocal then MulBackward0, as in PyTorch.

    >>> minigrad.reciprocal(minigrad.tensor([2.0, 4.0]))
    tensor([0.5000, 0.2500])
    """
    return RECIPROCAL.forward(input) if _is_raw(input) else apply(RECIPROCAL, (input,))


def _rdiv(input, other):
    # other / input with a Python number ``other``
    return mul(reciprocal(input), other)


@export(method=False)
def where(condition, input, other):
    """Elements of ``input`` where ``condition`` is True, else of ``other``.

    ``condition`` is a bool tensor; ``input`` and ``other`` are tensors or numbers, all three
    broadcast together. The gradient goes to ``input`` where ``condition`` holds, else to ``other``.

    >>> minigrad.where(minigrad.tensor([True, False]), minigrad.tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    """
    if type(condition) is BatchedTensor:  # inside vmap: the condition stays batched
        if not (isinstance(input, Tensor) or isinstance(other, Tensor)):
            return _batched.raw_elementwise(lambda c: _where_numbers(c, input, other), condition)
        return apply(WHERE, (condition, input, other))
    if isinstance(condition, Tensor):
        if not (isinstance(input, Tensor) or isinstance(other, Tensor)):
            return _tape._from_array(_where_numbers(condition._data, input, other))
        condition = condition._data
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        cond = _tape._from_array(np.asarray(condition))
        return apply(WHERE, (cond, input, other))
    return _fwd_where(np.asarray(condition), input, other)


def _where_numbers(cond, a, b):
    # where(mask, 4, 2) is a tensor of the numbers' kind: float32 (the default) for floats, int64, bool
    kinds = {type(v) for v in (a, b)}
    dtype = np.float32 if float in kinds else np.int64 if int in kinds else None
    return _fwd_where(cond, np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype))


@export_method("where")
def _where_method(self, condition, other):
    """x where ``condition`` holds, ``other`` elsewhere: ``minigrad.where(condition, x, other)``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).where(minigrad.tensor([True, False, True]), 0.0)
    tensor([1., 0., 3.])
    """
    return where(condition, self, other)


def inplace(fn, input, other):
    """``input op= other``: written straight into ``input`` when nothing is recorded (no_grad,
    or no input requires grad) and the C fast path applies; otherwise computed by
    ``fn(input, other)`` and copied into ``input`` with its history (``_tape._rebase``)."""
    input._check_inplace()
    kind = _INTO.get(fn.__name__)
    if kind is not None and not (
        _tape.is_grad_enabled()
        and (input.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
    ):
        if K.binary_into(kind, input._data, other._data if isinstance(other, Tensor) else other):
            input._bump_version()
            return input
    res = fn(input, other)
    if res._data.shape != input._data.shape:
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape "
            f"{list(res.shape)}: an in-place {fn.__name__} cannot change a tensor's shape"
        )
    if res._data.dtype != input._data.dtype:
        if res._data.dtype.kind == "f" and input._data.dtype.kind != "f":
            raise RuntimeError(
                f"result type {res.dtype} can't be cast to the desired output type {input.dtype}"
            )
        res = res.to(input.dtype)
    out = _tape._rebase(input, res)
    if _tape._function_interpose() is not None:  # a transform runs: the tangent follows the value
        from ..autograd import forward_ad

        forward_ad._rebased(input, res)
    return out


_INTO = {name: K.BINARY[name] for name in ("add", "sub", "mul", "div")}


@export
def add_(input, other, *, alpha=1):
    """In-place ``input += alpha * other``, returning ``input``.

    ``other`` is a tensor broadcastable to ``input``'s shape, or a number; ``alpha`` a number.

    >>> x = minigrad.tensor([1.0, 2.0])
    >>> x.add_(minigrad.tensor([10.0, 20.0]), alpha=0.5)
    tensor([ 6., 12.])
    """
    return inplace(add, input, other if alpha == 1 else other * alpha)


@export
def sub_(input, other, *, alpha=1):
    """In-place ``input -= alpha * other``, returning ``input``.

    ``other`` is a tensor broadcastable to ``input``'s shape, or a number; ``alpha`` a number.

    >>> x = minigrad.tensor([1.0, 2.0])
    >>> x.sub_(1, alpha=2)
    tensor([-1.,  0.])
    """
    return inplace(sub, input, other if alpha == 1 else other * alpha)


@export
def mul_(input, other):
    """In-place ``input *= other``, returning ``input``.

    ``other`` is a tensor broadcastable to ``input``'s shape, or a number.

    >>> x = minigrad.tensor([1.0, 2.0])
    >>> x.mul_(3)
    tensor([3., 6.])
    """
    return inplace(mul, input, other)


@export
def div_(input, other):
    """In-place ``input /= other``, returning ``input``.

    ``other`` is a tensor broadcastable to ``input``'s shape, or a number; ``input`` must be a
    float tensor (an integer one cannot hold the quotient).

    >>> x = minigrad.tensor([1.0, 2.0])
    >>> x.div_(4)
    tensor([0.2500, 0.5000])
    """
    return inplace(div, input, other)


def _compare(name, ufunc, *aliases, inplace=False, doc=None, example=None):
    """An op that records nothing: ``ufunc`` of the promoted operands (comparisons, logical and
    bitwise ops); ``doc`` its summary, ``example`` as ``_unary``'s, ``(input, other, printed)``."""

    def fn(input, other):
        if type(input) is BatchedTensor or type(other) is BatchedTensor:  # inside vmap
            return _batched.raw_elementwise(lambda a, b: ufunc(*_prep2(name, a, b)), input, other)
        raw = not (isinstance(input, Tensor) or isinstance(other, Tensor))
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        a, b = _prep2(name, a, b)
        result = ufunc(a, b)
        return result if raw else _tape._from_array(np.asarray(result))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``, as a tensor (not differentiable)."
    if doc is not None:
        fn.__doc__ = (
            f"{doc}\n\n``other`` is a tensor (broadcast against ``input``) or a number. Not differentiable."
            f"\n\n{function_example(name, example)}"
        )
    return export(fn, *aliases, inplace=inplace, inplace_example=example if inplace else None)


def _comparison(name, symbol, ufunc, *aliases, printed):
    doc = f"``input {symbol} other`` for each element, as a bool tensor."
    return _compare(name, ufunc, *aliases, doc=doc, example=("[1.0, 2.0, 3.0]", "2.0", printed))


eq = _comparison("eq", "==", np.equal, printed="tensor([False,  True, False])")
ne = _comparison("ne", "!=", np.not_equal, printed="tensor([ True, False,  True])")
lt = less = _comparison("lt", "<", np.less, "less", printed="tensor([ True, False, False])")
le = less_equal = _comparison(
    "le", "<=", np.less_equal, "less_equal", printed="tensor([ True,  True, False])"
)
gt = greater = _comparison("gt", ">", np.greater, "greater", printed="tensor([False, False,  True])")
ge = greater_equal = _comparison(
    "ge", ">=", np.greater_equal, "greater_equal", printed="tensor([False,  True,  True])"
)
logical_and = _compare(
    "logical_and",
    np.logical_and,
    doc="Logical and of each pair of elements of ``input`` and ``other`` (nonzero is True), as a bool tensor.",
    example=("[True, True, False]", "minigrad.tensor([True, False, False])", "tensor([ True, False, False])"),
)
