"""The op table: every differentiable operation of minigrad, declared once.

The table is split by topic: ``elementwise``, ``pointwise``, ``integer``, ``reduce``,
``sorting``, ``counting``, ``shape``, ``indexing``, ``join``, ``linalg``, ``contraction``;
``_core`` holds ``defop`` and the operand checks. Each module opens with its part of the
table (``ADD = defop(...)``), then the public functions that call it.

An entry is ``defop(name, forward, *derivatives)``:

* ``forward(*inputs, *attrs)`` works on ndarrays (and Python scalars) and returns an ndarray;
  it validates shapes and dtypes first, so kernels never see bad input;
* one derivative per input, ``d(g, *inputs, out, *attrs)``, returning the gradient of that
  input shaped like ``out`` (the engine sums it back to a broadcast input's shape, once);
  ``None`` marks an input with no gradient;
* the grad_fn class is named PyTorch's way: ``mul`` gives ``MulBackward0``.

Derivatives are written against this module's own functions (``mul``, ``cos``, ``expand``,
...). Each of them runs the raw forward when handed ndarrays (the fast first-order path) and
records a node when handed Tensors (``create_graph=True``): one formula, both paths.

``defop`` reads the bytecode of each derivative to learn what it uses: an input used only
for ``.shape``/``.dtype``/``.ndim`` is kept as a shape record, an unused one is not kept at
all, and the forward result is kept only if a derivative reads ``out``. That is how ``tanh``
saves its output and not its input, and ``x * 2`` saves only the 2.
"""

import functools
import inspect

from .._tape import Tensor
from . import (
    _core,
    counting,
    elementwise,
    indexing,
    integer,
    join,
    layout,
    linalg,
    pointwise,
    reduce,
    shape,
    sorting,
)
from ._core import METHODS, defop, numpy_keywords
from .contraction import einsum  # noqa: F401
from .counting import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .elementwise import _rdiv  # noqa: F401  (used by Tensor.__rtruediv__)
from .indexing import *  # noqa: F401,F403
from .integer import *  # noqa: F401,F403
from .integer import _rremainder  # noqa: F401  (used by Tensor.__rmod__)
from .join import *  # noqa: F401,F403
from .layout import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .products import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .reduce import all, any, max, min  # noqa: A004
from .shape import *  # noqa: F401,F403
from .shape import T, _conv  # noqa: F401
from .sorting import *  # noqa: F401,F403
from .special import *  # noqa: F401,F403
from .stats import *  # noqa: F401,F403


def _inplace(fn):
    """``x.fn_()``: compute ``fn(x, ...)`` and write it into x (version bump, history kept)."""

    def method(self, *args, **kwargs):
        return inplace(lambda a, _: fn(a, *args, **kwargs), self, None)

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


def _copy_(self, src):
    """Copy ``src`` (broadcast, converted to this dtype) into this tensor, in place."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    return inplace(lambda a, b: expand(b.to(a.dtype), a.shape), self, src)


# fmt: off
METHODS.update(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div, true_divide=div,
    pow=pow, neg=neg, negative=neg, matmul=matmul, mm=mm, exp=exp, log=log, sqrt=sqrt,
    sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu, abs=abs, sign=sign,
    reciprocal=reciprocal, sum=sum, mean=mean, reshape=reshape, view=view, flatten=flatten,
    transpose=transpose, swapaxes=transpose, swapdims=transpose, t=t, permute=permute,
    expand=expand, expand_as=expand_as, to=to, cpu=cpu, cuda=cuda, type_as=type_as, clone=clone,
    contiguous=contiguous, add_=add_, sub_=sub_, mul_=mul_, div_=div_, eq=eq, ne=ne, lt=lt,
    le=le, gt=gt, ge=ge, float=_conv("float32"), double=_conv("float64"), half=_conv("float16"),
    long=_conv("int64"), int=_conv("int32"), bool=_conv("bool_"),
    # reductions
    prod=prod, max=max, min=min, amax=amax, amin=amin, argmax=argmax, argmin=argmin, var=var,
    std=std, logsumexp=logsumexp, norm=norm, cumsum=cumsum, all=all, any=any,
    # pointwise
    log1p=log1p, expm1=expm1, log10=log10, log2=log2, exp2=exp2, rsqrt=rsqrt, square=square,
    tan=tan, asin=asin, acos=acos,
    atan=atan, arcsin=asin, arccos=acos, arctan=atan, floor=floor, ceil=ceil, round=round,
    trunc=trunc, maximum=maximum, minimum=minimum, clamp=clamp, clip=clamp, clamp_min=clamp_min,
    clamp_max=clamp_max, logical_and=logical_and, logical_or=logical_or,
    logical_xor=logical_xor, logical_not=logical_not, isnan=isnan, isinf=isinf,
    isfinite=isfinite, isclose=isclose, allclose=allclose, equal=equal,
    where=lambda self, condition, other: where(condition, self, other),
    # shape, joining, indexing
    squeeze=squeeze, unsqueeze=unsqueeze, unflatten=unflatten, repeat=repeat, flip=flip,
    roll=roll, tril=tril, triu=triu, split=split, chunk=chunk, unbind=unbind, gather=gather,
    scatter=scatter,
    scatter_add=scatter_add, index_select=index_select, masked_fill=masked_fill,
    masked_fill_=masked_fill_, copy_=_copy_, narrow=narrow,
    view_as=view_as, reshape_as=reshape_as,
    # integer and bitwise
    remainder=remainder, fmod=fmod, floor_divide=floor_divide, bitwise_and=bitwise_and,
    bitwise_or=bitwise_or, bitwise_xor=bitwise_xor, bitwise_not=bitwise_not,
    # ordering
    sort=sort, argsort=argsort, msort=msort, topk=topk, kthvalue=kthvalue,
    # counting
    histc=histc, histogram=histogram, bincount=bincount,
)
METHODS.update({
    f.__name__ + "_": _inplace(f)
    for f in (exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, neg, pow, clamp, floor, ceil,
              round, trunc, log1p, expm1, rsqrt, reciprocal, sign, square, clip, tan, remainder, fmod,
              floor_divide, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, log10, log2, exp2,
              tril, triu)
})

# special functions and the rest of the elementwise math (ops/special.py)
_SPECIAL = (sinh, cosh, asinh, acosh, atanh, erf, erfc, erfinv, lgamma, digamma, logit, nan_to_num, frac, sgn,
            logaddexp, logaddexp2, hypot, atan2, copysign, xlogy, fmax, fmin, lerp, addcmul, addcdiv,
            float_power, heaviside, isposinf, isneginf)
METHODS.update({f.__name__: f for f in _SPECIAL})
METHODS.update(arcsinh=asinh, arccosh=acosh, arctanh=atanh, arctan2=atan2, polygamma=lambda self, n: polygamma(n, self))
METHODS.update({
    f.__name__ + "_": _inplace(f)
    for f in (sinh, cosh, asinh, acosh, atanh, erf, erfc, erfinv, lgamma, digamma, logit, nan_to_num, frac, sgn,
              hypot, atan2, copysign, xlogy, fmax, fmin, lerp, addcmul, addcdiv, float_power)
})

# shifts (ops/integer.py)
METHODS.update(bitwise_left_shift=bitwise_left_shift, bitwise_right_shift=bitwise_right_shift,
               bitwise_left_shift_=_inplace(bitwise_left_shift), bitwise_right_shift_=_inplace(bitwise_right_shift))

# products (ops/products.py)
METHODS.update(bmm=bmm, mv=mv, dot=dot, vdot=vdot, outer=outer, ger=ger, inner=inner, kron=kron, cross=cross,
               addmm=addmm, addmv=addmv, baddbmm=baddbmm, addbmm=addbmm, addr=addr)

# shape and layout (ops/layout.py)
METHODS.update(select=select, movedim=movedim, moveaxis=moveaxis, broadcast_to=broadcast_to, tile=tile,
               repeat_interleave=repeat_interleave, tensor_split=tensor_split, hsplit=hsplit, vsplit=vsplit,
               dsplit=dsplit, ravel=ravel, diagonal=diagonal, diag=diag, diag_embed=diag_embed, trace=trace,
               rot90=rot90, fliplr=fliplr, flipud=flipud, unfold=layout._unfold, stride=layout._stride,
               is_contiguous=layout._is_contiguous, storage_offset=layout._storage_offset, data_ptr=layout._data_ptr)
METHODS.update({"mH": layout.mH, "H": layout.H, "t_": _inplace(t)})

# reductions and scans (ops/stats.py)
METHODS.update(cumprod=cumprod, cummax=cummax, cummin=cummin, logcumsumexp=logcumsumexp, median=median,
               quantile=quantile, nanquantile=nanquantile, nansum=nansum, nanmean=nanmean, aminmax=aminmax,
               count_nonzero=count_nonzero)


def _tensor_first(fn):
    """``minigrad.sum(None)``: a TypeError naming the op, not an AttributeError from inside.
    Only the failing path pays: Tensor methods keep calling ``fn`` directly."""
    @functools.wraps(fn)
    def checked(input, *args, **kwargs):
        try:
            return fn(input, *args, **kwargs)
        except AttributeError:
            if isinstance(input, Tensor) or _is_array(input):
                raise
            raise TypeError(
                f"{fn.__name__}(): argument 'input' (position 1) must be Tensor, not "
                f"{type(input).__name__}"
            ) from None
    return checked


def _is_array(x):
    import numpy
    return isinstance(x, (numpy.ndarray, numpy.generic))


# the public functions, re-exported as minigrad.<name>
_INTERNAL = {"defop", "numpy_keywords", "sum_to", "inplace", "getitem", "setitem", "setitem_", "T",
             "expand_as", "masked_fill_", "type_as", "contiguous", "cpu", "cuda"}
__all__ = sorted(
    name for name, value in list(globals().items())
    if not name.startswith("_") and name not in _INTERNAL and callable(value)
    and getattr(value, "__module__", "").startswith("minigrad.ops")
)

from .nn import conv1d, conv2d, log_softmax, max_pool2d, softmax  # noqa: E402  (nn primitives)

# x.softmax(axis=1) and minigrad.softmax(x, axis=1), as PyTorch (F.softmax is nn's and refuses it, as there)
softmax, log_softmax = numpy_keywords(softmax), numpy_keywords(log_softmax)
METHODS.update(softmax=softmax, log_softmax=log_softmax)

for _name in __all__:
    _fn = globals()[_name]
    _params = getattr(getattr(inspect.unwrap(_fn), "__code__", None), "co_varnames", ())[:1]
    if _params in (("input",), ("tensor",)) and not getattr(_fn, "_checks_input", False):
        globals()[_name] = _tensor_first(_fn)
# fmt: on
