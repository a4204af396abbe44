"""Special functions and the rest of PyTorch's elementwise math: hyperbolic functions, erf and
its relatives, lgamma/digamma/polygamma, logaddexp, hypot, atan2, copysign, xlogy, logit, lerp,
addcmul/addcdiv, float_power, and the NaN-aware fmax/fmin.

Forwards are numpy ufuncs (warnings off, as PyTorch is silent about ``acosh(0)``); numpy has no
erfc, lgamma, digamma or erfinv, so those are computed here: erfc and lgamma through Python's
``math`` per element (exact to the last bit, not fast: these are not on the hot path),
digamma and polygamma by recurrence to x >= 20 and their asymptotic series, erfinv by an
initial guess refined with Newton steps on erf. Derivatives are PyTorch's formulas.
"""

import math

import numpy as np

from .. import _dtypes, _tape
from .._tape import Tensor, apply, call2
from . import _batching as B
from ._core import _float, _is_raw, _prep2, _real, defop, export, export_method, unrecorded
from .elementwise import _binary as _elementwise_binary
from .elementwise import (
    _fwd_sign,
    _unary,
    add,
    div,
    eq,
    exp,
    ge,
    gt,
    le,
    log,
    logical_and,
    lt,
    mul,
    ne,
    neg,
    pow,
    sqrt,
    sub,
    where,
    zero_grad,
)
from .nn import _SQRT_2_OVER_PI, _fwd_erf, erf  # noqa: F401  (re-exported: minigrad.erf, x.erf())
from .pointwise import _binary_ufunc, _float_ufunc, isfinite, logical_or


def _per_element(fn):
    """A float forward from a Python ``math`` function, element by element."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def forward(x):
        x = _float(x)
        return np.asarray(ufunc(x), dtype=x.dtype) if x.size else x.copy()

    forward.__name__ = f"_fwd_{fn.__name__}"
    return forward


def _lgamma(v):
    try:
        return math.lgamma(v)
    except ValueError:  # the poles 0, -1, -2, ...: PyTorch gives inf
        return math.inf


_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _polygamma_positive(n, x):
    """psi^(n)(x) for x > 0 (n = 0 is digamma): recur up to x >= 20, then the asymptotic series."""
    x = x.astype(np.float64)
    acc = np.zeros_like(x)
    fact = math.factorial(n)
    while True:
        low = x < 20
        if not low.any():
            break
        # psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1)
        acc = np.where(low, acc - (-1) ** n * fact / x ** (n + 1) if n else acc - 1 / x, acc)
        x = np.where(low, x + 1, x)
    if n == 0:
        series = np.log(x) - 0.5 / x
        for k, b in enumerate(_BERNOULLI, 1):
            series -= b / (2 * k * x ** (2 * k))
    else:
        series = math.factorial(n - 1) / x**n + fact / (2 * x ** (n + 1))
        for k, b in enumerate(_BERNOULLI, 1):
            series += b * math.factorial(2 * k + n - 1) / (math.factorial(2 * k) * x ** (2 * k + n))
        series *= (-1) ** (n + 1)
    return acc + series


def _fwd_polygamma(x, n):
    x = _float(x)
    with np.errstate(all="ignore"):
        xd = x.astype(np.float64)
        pos = xd > 0
        out = np.full(xd.shape, np.nan)
        out[pos] = _polygamma_positive(n, xd[pos])
        neg_x = ~pos & (xd != np.floor(xd))
        if n == 0 and neg_x.any():  # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
            xn = xd[neg_x]
            out[neg_x] = _polygamma_positive(0, 1 - xn) - np.pi / np.tan(np.pi * xn)
        if n == 1 and neg_x.any():  # reflection: psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x), PyTorch's
            xn = xd[neg_x]
            out[neg_x] = (np.pi / np.sin(np.pi * xn)) ** 2 - _polygamma_positive(1, 1 - xn)
        elif n >= 2:  # the recurrence up from x (valid at any non-pole), for |x| it can walk
            near = neg_x & (xd > -1e4)
            if near.any():
                out[near] = _polygamma_positive(n, xd[near])
        if n == 0:
            out[xd == 0] = -np.inf  # PyTorch: digamma(0) = -inf
        else:  # the poles 0, -1, -2, ...: PyTorch's (-1)^(n+1) inf
            out[(xd <= 0) & (xd == np.floor(xd)) & np.isfinite(xd)] = (-1) ** (n + 1) * np.inf
        return out.astype(x.dtype)


def _fwd_digamma(x):
    return _fwd_polygamma(x, 0)


def _fwd_erfinv(x):
    x = _float(x)
    xd = x.astype(np.float64)
    with np.errstate(all="ignore"):
        # Giles' single-precision approximation, then Newton on erf(y) = x
        w = -np.log((1 - xd) * (1 + xd))
        small = w < 5
        ws, wl = w - 2.5, np.sqrt(w) - 3
        ps = np.polyval(
            [
                2.81022636e-08,
                3.43273939e-07,
                -3.5233877e-06,
                -4.39150654e-06,
                0.00021858087,
                -0.00125372503,
                -0.00417768164,
                0.246640727,
                1.50140941,
            ],
            ws,
        )
        pl = np.polyval(
            [
                -0.000200214257,
                0.000100950558,
                0.00134934322,
                -0.00367342844,
                0.00573950773,
                -0.0076224613,
                0.00943887047,
                1.00167406,
                2.83297682,
            ],
            wl,
        )
        y = np.where(small, ps, pl) * xd
        for _ in range(3):
            y = y - (_fwd_erf(y) - xd) / (_SQRT_2_OVER_PI * np.exp(-y * y))
        y = np.where(np.abs(xd) == 1, np.copysign(np.inf, xd), y)
        y = np.where(np.abs(xd) > 1, np.nan, y)
    return y.astype(x.dtype)


def _fwd_logit(x, eps):
    x = _float(x)
    with np.errstate(all="ignore"):
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        return np.log(z / (1 - z))


def _logit_grad(g, x, eps):
    d = div(g, mul(x, sub(1, x)))
    if eps is None:  # NaN outside [0, 1] (the forward's NaN), as PyTorch: not g / -inf = -0
        return where(logical_or(lt(x, 0), gt(x, 1)), float("nan"), d)
    inside = logical_and(ge(x, eps), ge(sub(1, eps), x))
    return where(inside, d, 0.0)


def _fwd_nan_to_num(x, nan, posinf, neginf):
    if x.dtype.kind != "f":
        return x.copy()
    info = np.finfo(x.dtype)
    return np.nan_to_num(
        x,
        nan=nan,
        posinf=info.max if posinf is None else posinf,
        neginf=info.min if neginf is None else neginf,
    )


def _fwd_frac(x):
    return x - np.trunc(x)


def _fwd_xlogy(a, b):
    a, b = _prep2("xlogy", a, b)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind != "f":
        a = a.astype(b.dtype if b.dtype.kind == "f" else np.float32)
    with np.errstate(all="ignore"):
        out = np.where(a == 0, 0, a * np.log(b))
        return np.where(np.isnan(b), np.nan, out).astype(a.dtype, copy=False)


def _xlogy_da(g, a, b):
    # log(b), and 0 where a == 0 and b <= 0 (PyTorch)
    if isinstance(b, (int, float)):
        return mul(g, math.log(b)) if b > 0 else where(eq(a, 0), 0.0, mul(g, math.nan))
    zero = logical_and(eq(a, 0), ge(0, b))
    return where(zero, 0.0, mul(g, log(b)))


def _fwd_lerp(start, end, weight):
    start, end = _prep2("lerp", start, end)
    if start.dtype != end.dtype or start.dtype.kind != "f":
        raise RuntimeError(
            f"lerp: expected start and end of one floating dtype, got {start.dtype} and {end.dtype}"
        )
    # PyTorch's two-sided formula: from the nearer end, so lerp(a, b, 1) is b exactly (and
    # NaN, not inf, where |weight| >= 0.5 meets an infinite end)
    with np.errstate(all="ignore"):
        diff = end - start
        if isinstance(weight, (int, float)):
            return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
        return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


def _fwd_addc(op, combine):
    def forward(x, t1, t2, value):
        x, t1 = _prep2(op, x, t1)
        t1, t2 = _prep2(op, t1, t2)
        with np.errstate(all="ignore"):
            return x + value * combine(t1, t2)

    forward.__name__ = f"_fwd_{op}"
    return forward


def _fmaxmin_mask(a, b, fn):
    # PyTorch: the gradient goes to a where a wins (ties included) or b is NaN
    return logical_or(fn(a, b), ne(b, b))


def _finite(x):
    return np.isfinite(x) if _is_raw(x) else isfinite(x)


def _fwd_copysign(a, b):
    a, b = _prep2("copysign", a, b)
    a = _float(np.asarray(a))
    with np.errstate(all="ignore"):
        return np.copysign(a, b).astype(a.dtype, copy=False)


def _copysign_grad(g, a, out):
    # g * out / a, and 0 where a == 0 (PyTorch's copysign_tensor_self_backward)
    return where(eq(a, 0), 0.0, mul(g, div(out, a)))


def _atan2_den(a, b):
    return add(mul(a, a), mul(b, b))


# fmt: off
SINH       = defop("sinh",       _float_ufunc(np.sinh),     lambda g, x, out: mul(g, cosh(x)), batch=B.elementwise)
COSH       = defop("cosh",       _float_ufunc(np.cosh),     lambda g, x, out: mul(g, sinh(x)), batch=B.elementwise)
ASINH      = defop("asinh",      _float_ufunc(np.arcsinh),  lambda g, x, out: div(g, sqrt(add(mul(x, x), 1))), batch=B.elementwise)
ACOSH      = defop("acosh",      _float_ufunc(np.arccosh),  lambda g, x, out: div(g, sqrt(mul(sub(x, 1), add(x, 1)))), batch=B.elementwise)
ATANH      = defop("atanh",      _float_ufunc(np.arctanh),  lambda g, x, out: div(g, sub(1, mul(x, x))), batch=B.elementwise)
ERFC       = defop("erfc",       _per_element(math.erfc),   lambda g, x, out: neg(mul(g, mul(exp(neg(mul(x, x))), _SQRT_2_OVER_PI))), batch=B.elementwise)
ERFINV     = defop("erfinv",     _fwd_erfinv,               lambda g, x, out: mul(g, mul(exp(mul(out, out)), math.sqrt(math.pi) / 2)), batch=B.elementwise)
LGAMMA     = defop("lgamma",     _per_element(_lgamma),     lambda g, x, out: mul(g, digamma(x)), batch=B.elementwise)
DIGAMMA    = defop("digamma",    _fwd_digamma,              lambda g, x, out: mul(g, polygamma(1, x)), batch=B.elementwise)
POLYGAMMA  = defop("polygamma",  _fwd_polygamma,            lambda g, x, out, n: mul(g, polygamma(n + 1, x)))
LOGIT      = defop("logit",      _fwd_logit,                lambda g, x, out, eps: _logit_grad(g, x, eps), batch=B.elementwise)
NAN_TO_NUM = defop("nan_to_num", _fwd_nan_to_num,           lambda g, x, out, nan, posinf, neginf: mul(g, _finite(x)), batch=B.elementwise)
FRAC       = defop("frac",       _fwd_frac,                 lambda g, x, out: g, batch=B.elementwise)
SGN        = defop("sgn",        _fwd_sign,                  lambda g, x, out: zero_grad(g), batch=B.elementwise)
LOGADDEXP  = defop("logaddexp",  _binary_ufunc("logaddexp", np.logaddexp),
                                                            lambda g, a, b, out: div(g, add(exp(sub(b, a)), 1)),
                                                            lambda g, a, b, out: div(g, add(exp(sub(a, b)), 1)), batch=B.elementwise)
LOGADDEXP2 = defop("logaddexp2", _binary_ufunc("logaddexp2", np.logaddexp2),
                                                            lambda g, a, b, out: div(g, add(exp(mul(sub(b, a), math.log(2))), 1)),
                                                            lambda g, a, b, out: div(g, add(exp(mul(sub(a, b), math.log(2))), 1)), batch=B.elementwise)
HYPOT      = defop("hypot",      _binary_ufunc("hypot", np.hypot),
                                                            lambda g, a, b, out: mul(g, div(a, out)),
                                                            lambda g, a, b, out: mul(g, div(b, out)), batch=B.elementwise)
ATAN2      = defop("atan2",      _binary_ufunc("atan2", np.arctan2),
                                                            lambda g, a, b, out: mul(g, div(b, _atan2_den(a, b))),
                                                            lambda g, a, b, out: neg(mul(g, div(a, _atan2_den(a, b)))), batch=B.elementwise)
COPYSIGN   = defop("copysign",   _fwd_copysign,             lambda g, a, b, out: _copysign_grad(g, a, out),
                                                            lambda g, a, b, out: zero_grad(g), batch=B.elementwise)
COPYSIGN_S = defop("copysign",   _fwd_copysign,             lambda g, a, b, out: _copysign_grad(g, a, out), None,
                   grad_name="CopysignBackward1", batch=B.elementwise)
XLOGY      = defop("xlogy",      _fwd_xlogy,                lambda g, a, b, out: _xlogy_da(g, a, b),
                                                            lambda g, a, b, out: mul(g, div(a, b)), batch=B.elementwise)
XLOGY_S    = defop("xlogy",      _fwd_xlogy,                lambda g, a, b, out: _xlogy_da(g, a, b), None,
                   grad_name="XlogyBackward2", batch=B.elementwise)
FMAX       = defop("fmax",       _binary_ufunc("fmax", np.fmax),
                                                            lambda g, a, b, out: where(_fmaxmin_mask(a, b, ge), g, 0.0),
                                                            lambda g, a, b, out: where(_fmaxmin_mask(a, b, ge), 0.0, g), batch=B.elementwise)
FMIN       = defop("fmin",       _binary_ufunc("fmin", np.fmin),
                                                            lambda g, a, b, out: where(_fmaxmin_mask(a, b, le), g, 0.0),
                                                            lambda g, a, b, out: where(_fmaxmin_mask(a, b, le), 0.0, g), batch=B.elementwise)
LERP       = defop("lerp",       _fwd_lerp,                 lambda g, s, e, out, w: mul(g, 1 - w),
                                                            lambda g, s, e, out, w: mul(g, w))
LERP_T     = defop("lerp",       _fwd_lerp,                 lambda g, s, e, w, out: mul(g, sub(1, w)),
                                                            lambda g, s, e, w, out: mul(g, w),
                                                            lambda g, s, e, w, out: mul(g, sub(e, s)),
                   grad_name="LerpBackward1")
ADDCMUL    = defop("addcmul",    _fwd_addc("addcmul", np.multiply),
                                                            lambda g, x, a, b, out, v: g,
                                                            lambda g, x, a, b, out, v: mul(g, mul(b, v)),
                                                            lambda g, x, a, b, out, v: mul(g, mul(a, v)))
ADDCDIV    = defop("addcdiv",    _fwd_addc("addcdiv", np.divide),
                                                            lambda g, x, a, b, out, v: g,
                                                            lambda g, x, a, b, out, v: mul(g, div(v, b)),
                                                            lambda g, x, a, b, out, v: neg(mul(g, div(mul(a, v), mul(b, b)))))
# fmt: on


# fmt: off
sinh = _unary(SINH, "Hyperbolic sine of each element of ``input``; gradient cosh(input).",
              example=("[0.0, 1.0]", "", "tensor([0.0000, 1.1752])"))
cosh = _unary(COSH, "Hyperbolic cosine of each element of ``input``; gradient sinh(input).",
              example=("[0.0, 1.0]", "", "tensor([1.0000, 1.5431])"))
asinh = arcsinh = _unary(ASINH, "Inverse hyperbolic sine of each element of ``input``; "
                               "gradient 1 / sqrt(input**2 + 1).",
                         "arcsinh", example=("[0.0, 1.0]", "", "tensor([0.0000, 0.8814])"))
acosh = arccosh = _unary(ACOSH, "Inverse hyperbolic cosine of each element of ``input`` (nan below 1).",
                         "arccosh", example=("[1.0, 2.0]", "", "tensor([0.0000, 1.3170])"))
atanh = arctanh = _unary(ATANH, "Inverse hyperbolic tangent of each element of ``input`` (nan outside [-1, 1]).",
                         "arctanh", example=("[0.0, 0.5]", "", "tensor([0.0000, 0.5493])"))
erfc = _unary(ERFC, "1 - erf(input) for each element, accurate where erf(input) is close to 1.",
              example=("[0.0, 1.0]", "", "tensor([1.0000, 0.1573])"))
erfinv = _unary(ERFINV, "The inverse of erf: y with erf(y) = input, for each element of ``input`` in [-1, 1].",
                example=("[0.0, 0.5]", "", "tensor([0.0000, 0.4769])"))
lgamma = _unary(LGAMMA, "log |Gamma(input)| for each element (inf at the poles 0, -1, -2, ...); "
                        "gradient digamma(input).",
                example=("[1.0, 0.5]", "", "tensor([0.0000, 0.5724])"))
digamma = _unary(DIGAMMA, "The logarithmic derivative of Gamma, psi(input) = lgamma'(input), for each element.",
                 example=("[1.0, 0.5]", "", "tensor([-0.5772, -1.9635])"))
frac = _unary(FRAC, "input - trunc(input): the fractional part of each element, with its sign; gradient 1.",
              example=("[-1.5, 2.25]", "", "tensor([-0.5000,  0.2500])"))
sgn = _unary(SGN, "sign(input) for real tensors (zero gradient; minigrad has no complex tensors).",
             example=("[-2.0, 0.0, 3.0]", "", "tensor([-1.,  0.,  1.])"))
# fmt: on


def _binary(op, doc, *aliases, example, inplace=False):
    return _elementwise_binary(op, doc, *aliases, example=example, inplace=inplace, module=__name__)


logaddexp = _binary(
    LOGADDEXP,
    "log(exp(input) + exp(other)) for each pair of elements, without overflow.\n\n"
    "``input`` and ``other`` are tensors, broadcast together.",
    example=("[0.0, 100.0]", "minigrad.tensor([0.0, 100.0])", "tensor([  0.6931, 100.6931])"),
)
logaddexp2 = _binary(
    LOGADDEXP2,
    "log2(2**input + 2**other) for each pair of elements, without overflow.\n\n"
    "``input`` and ``other`` are tensors, broadcast together.",
    example=("[0.0, 1.0]", "minigrad.tensor([0.0, 1.0])", "tensor([1., 2.])"),
)
hypot = _binary(
    HYPOT,
    "sqrt(input**2 + other**2) for each pair of elements, without overflow.\n\n"
    "``input`` and ``other`` are tensors, broadcast together; the gradients are input / out and other / out.",
    example=("[3.0, 5.0]", "minigrad.tensor([4.0, 12.0])", "tensor([ 5., 13.])"),
    inplace=True,
)
atan2 = arctan2 = _binary(
    ATAN2,
    "The angle of the point (other, input): atan(input / other) in the right quadrant, in (-pi, pi].\n\n"
    "``input`` (the y coordinates) and ``other`` (the x coordinates) are tensors, broadcast together.",
    "arctan2",
    example=("[1.0, -1.0]", "minigrad.tensor([-1.0, -1.0])", "tensor([ 2.3562, -2.3562])"),
    inplace=True,
)
fmax = _binary(
    FMAX,
    "Elementwise maximum that ignores NaN (NaN only where both are).\n\n"
    "``input`` and ``other`` are tensors, broadcast together; the gradient goes to the larger.",
    example=('[1.0, float("nan"), 5.0]', 'minigrad.tensor([3.0, 2.0, float("nan")])', "tensor([3., 2., 5.])"),
    inplace=True,
)
fmin = _binary(
    FMIN,
    "Elementwise minimum that ignores NaN (NaN only where both are).\n\n"
    "``input`` and ``other`` are tensors, broadcast together; the gradient goes to the smaller.",
    example=('[1.0, float("nan"), 5.0]', 'minigrad.tensor([3.0, 2.0, float("nan")])', "tensor([1., 2., 5.])"),
    inplace=True,
)


@export(method=False)
def polygamma(n, input):
    """The ``n``-th derivative of digamma at each element of ``input`` (``polygamma(0, x)`` is
    digamma); ``n`` is an int >= 0.

    At negative x by reflection (n = 0, 1) or the recurrence (n >= 2, for x > -1e4: NaN
    below), with PyTorch's (-1)^(n+1) inf at the poles 0, -1, -2, ...

    >>> round(minigrad.polygamma(1, minigrad.tensor([1.0])).item(), 4)
    1.6449
    """
    if not isinstance(n, int) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n = {n!r})")
    if n == 0:
        return digamma(input)
    if _is_raw(input):  # inside a first-order derivative (digamma's)
        return POLYGAMMA.forward(input, n)
    return apply(POLYGAMMA, (input,), (n,))


@export_method("polygamma")
def _polygamma_method(self, n):
    """The n-th derivative of digamma at x: ``minigrad.polygamma(n, x)`` (the tensor second).

    >>> round(minigrad.tensor([1.0]).polygamma(1).item(), 4)
    1.6449
    """
    return polygamma(n, self)


@export(inplace=True, inplace_example=("[0.25, 0.5]", "", "tensor([-1.0986,  0.0000])"))
def logit(input, eps=None):
    """log(input / (1 - input)) for each element, the inverse of sigmoid.

    ``eps``: None (nan outside [0, 1]), or a number to clamp ``input`` to [eps, 1 - eps]
    first (the gradient is then 0 outside that range).

    >>> minigrad.logit(minigrad.tensor([0.25, 0.5, 1.0]), eps=0.01)
    tensor([-1.0986,  0.0000,  4.5951])
    """
    return apply(LOGIT, (input,), (eps,))


@export(
    inplace=True,
    inplace_example=('[float("nan"), float("inf")]', "nan=-1.0, posinf=9.0", "tensor([-1.,  9.])"),
)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """``input`` with NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by
    default the dtype's largest and smallest finite values); gradient 1 where ``input`` is
    finite, else 0.

    >>> minigrad.nan_to_num(minigrad.tensor([float("nan"), 1.0]))
    tensor([0., 1.])
    """
    return apply(NAN_TO_NUM, (input,), (nan, posinf, neginf))


@export(inplace=True, inplace_example=("[1.0, -2.0]", "-1.0", "tensor([-1., -2.])"))
def copysign(input, other):
    """The magnitude of ``input`` with the sign of ``other`` (float result).

    ``other`` is a tensor (broadcast) or a number; -0.0 counts as negative.

    >>> minigrad.copysign(minigrad.tensor([1.0, -2.0]), minigrad.tensor([-0.0, 3.0]))
    tensor([-1.,  2.])
    """
    return call2(COPYSIGN if isinstance(other, Tensor) else COPYSIGN_S, input, other)


@export(
    inplace=True, inplace_example=("[0.0, 2.0]", "minigrad.tensor([0.0, 4.0])", "tensor([0.0000, 2.7726])")
)
def xlogy(input, other):
    """input * log(other), and 0 where input is 0 (unless other is NaN).

    ``input`` and ``other`` are tensors or numbers (not both numbers), broadcast together.

    >>> minigrad.xlogy(minigrad.tensor([0.0, 2.0]), minigrad.tensor([0.0, 4.0]))
    tensor([0.0000, 2.7726])
    """
    if isinstance(input, (int, float)) and not isinstance(input, bool):  # xlogy(2.0, x): a 0-d tensor
        input = _tape._from_array(
            np.asarray(input, dtype=np.float32 if isinstance(input, float) else np.int64)
        )
    return call2(XLOGY if isinstance(other, Tensor) else XLOGY_S, input, other)


@export(
    inplace=True,
    inplace_example=("[0.0, 10.0]", "minigrad.tensor([10.0, 20.0]), 0.5", "tensor([ 5., 15.])"),
)
def lerp(input, end, weight):
    """input + weight * (end - input): linear interpolation (``weight`` a number or tensor).

    >>> minigrad.lerp(minigrad.tensor([0.0, 10.0]), minigrad.tensor([10.0, 20.0]), 0.5)
    tensor([ 5., 15.])
    """
    if isinstance(weight, Tensor):
        return apply(LERP_T, (input, end, weight))
    return apply(LERP, (input, end), (weight,))


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0]",
        "minigrad.tensor([2.0, 3.0]), minigrad.tensor([4.0, 5.0])",
        "tensor([ 9., 16.])",
    ),
)
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2 (one node).

    ``tensor1`` and ``tensor2`` are tensors broadcast with ``input``; ``value`` a number.

    >>> one = minigrad.tensor([1.0, 1.0])
    >>> minigrad.addcmul(one, minigrad.tensor([2.0, 3.0]), minigrad.tensor([4.0, 5.0]), value=0.5)
    tensor([5.0000, 8.5000])
    """
    return apply(ADDCMUL, (input, tensor1, tensor2), (value,))


@export(
    inplace=True,
    inplace_example=(
        "[1.0, 1.0]",
        "minigrad.tensor([2.0, 3.0]), minigrad.tensor([4.0, 5.0])",
        "tensor([1.5000, 1.6000])",
    ),
)
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (one node).

    ``tensor1`` and ``tensor2`` are tensors broadcast with ``input``; ``value`` a number.

    >>> one = minigrad.tensor([1.0, 1.0])
    >>> minigrad.addcdiv(one, minigrad.tensor([2.0, 3.0]), minigrad.tensor([4.0, 5.0]), value=0.5)
    tensor([1.2500, 1.3000])
    """
    return apply(ADDCDIV, (input, tensor1, tensor2), (value,))


@export(
    inplace=True,
    inplace_example=("[2.0], dtype=minigrad.float64", "3", "tensor([8.], dtype=minigrad.float64)"),
)
def float_power(input, exponent):
    """input ** exponent computed in float64, as PyTorch's float_power.

    ``input`` and ``exponent`` are tensors or numbers. Where minigrad differs: the in-place
    ``x.float_power_`` writes the result in ``x``'s dtype (PyTorch requires a float64 ``x``).

    >>> minigrad.float_power(minigrad.tensor([2]), 3)
    tensor([8.], dtype=minigrad.float64)
    """

    def double(v):
        if isinstance(v, Tensor):
            return v.to(_dtypes.float64)
        return float(_real("float_power", v))

    return pow(double(input), double(exponent))


@export
def heaviside(input, values):
    """0 where input < 0, ``values`` where input == 0, 1 where input > 0 (not differentiable).

    ``values`` is a tensor of ``input``'s dtype, broadcast against it.

    >>> minigrad.heaviside(minigrad.tensor([-1.0, 0.0, 2.0]), minigrad.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    for name, t in (("input", input), ("values", values)):
        if not isinstance(t, Tensor):
            raise TypeError(f"heaviside(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.dtype != values.dtype:
        raise RuntimeError(
            f"heaviside is not yet implemented for tensors with different dtypes ({input.dtype} "
            f"and {values.dtype}): convert one with .to()"
        )
    # PyTorch's rule, input == 0 ? values : input > 0, so NaN gives 0 (numpy's heaviside gives NaN)
    return unrecorded(lambda a, v: np.where(a == 0, v, a > 0).astype(a.dtype), input, values)


@export
def isposinf(input):
    """Where the elements of ``input`` are +inf, as a bool tensor.

    >>> minigrad.isposinf(minigrad.tensor([1.0, float("inf"), -float("inf")]))
    tensor([False,  True, False])
    """
    return unrecorded(np.isposinf, input)


@export
def isneginf(input):
    """Where the elements of ``input`` are -inf, as a bool tensor.

    >>> minigrad.isneginf(minigrad.tensor([1.0, float("inf"), -float("inf")]))
    tensor([False, False,  True])
    """
    return unrecorded(np.isneginf, input)
