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

The public function beside it is published where it is declared, with ``export`` (or the
helpers over it, ``_unary``/``_binary``/``_compare``): ``minigrad.<name>``, the Tensor
method ``x.<name>()``, its in-place form ``x.<name>_()`` and aliases. This package only
gathers what the modules exported: ``_core.PUBLIC`` is the namespace, ``_core.METHODS`` the
Tensor methods (and the stubs are generated from both). There is no second list.

Derivatives are written against this module's own functions (``mul``, ``cos``, ``expand``,
...). Each of them runs the raw forward when handed ndarrays (the fast first-order path) and
records a node when handed Tensors (``create_graph=True``): one formula, both paths.

``defop`` reads the bytecode of each derivative to learn what it uses: an input used only
for ``.shape``/``.dtype``/``.ndim`` is kept as a shape record, an unused one is not kept at
all, and the forward result is kept only if a derivative reads ``out``. That is how ``tanh``
saves its output and not its input, and ``x * 2`` saves only the 2.
"""

from . import (  # noqa: F401  (nn: the fused primitives nn.functional builds on)
    _core,
    contraction,
    counting,
    elementwise,
    indexing,
    integer,
    join,
    linalg,
    nn,
    pointwise,
    reduce,
    shape,
    sorting,
)
from ._core import METHODS, PUBLIC, defop, export, export_method, numpy_keywords, sum_to  # noqa: F401
from .elementwise import ADD, DIV, MUL, RSUB, SUB, _rdiv, inplace  # noqa: F401  (the tape's door)
from .indexing import getitem, setitem, setitem_  # noqa: F401  (the tape's door)
from .integer import _rremainder  # noqa: F401  (the tape's door)
from .nn import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, log_softmax, max_pool2d, softmax  # noqa: F401,E501
from .shape import T  # noqa: F401  (the tape's door)

# x.softmax(axis=1) and minigrad.softmax(x, axis=1), as PyTorch (F.softmax is nn's and refuses it, as there)
softmax = export(numpy_keywords(softmax), function=False)
log_softmax = export(numpy_keywords(log_softmax), function=False)

globals().update(PUBLIC)
__all__ = sorted(PUBLIC)

# --- the long tail (issue 19), still registered by hand: convert each module to `export` at
# its declarations (issue 18) and delete this block
from . import layout, products, special, stats  # noqa: E402
from .integer import bitwise_left_shift, bitwise_right_shift  # noqa: E402,F401
from .layout import *  # noqa: E402,F401,F403
from .products import *  # noqa: E402,F401,F403
from .special import *  # noqa: E402,F401,F403
from .stats import *  # noqa: E402,F401,F403


def _inplace(f):
    return _core._inplace(f, f.__name__)


for _m in (layout, products, special, stats):
    for _name, _fn in list(vars(_m).items()):
        if not _name.startswith("_") and callable(_fn) and getattr(_fn, "__module__", None) == _m.__name__:
            PUBLIC.setdefault(_name, _core._checked_input(_fn))
for _name in ("erf", "arcsinh", "arccosh", "arctanh"):  # defined elsewhere, published by special
    PUBLIC.setdefault(_name, _core._checked_input(getattr(special, _name)))

# fmt: off
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
METHODS.update(bitwise_left_shift_=_inplace(bitwise_left_shift), bitwise_right_shift_=_inplace(bitwise_right_shift))
METHODS.update(bmm=bmm, mv=mv, dot=dot, vdot=vdot, outer=outer, ger=ger, inner=inner, kron=kron, cross=cross,
               addmm=addmm, addmv=addmv, baddbmm=baddbmm, addbmm=addbmm, addr=addr)
METHODS.update(select=select, movedim=movedim, moveaxis=moveaxis, broadcast_to=broadcast_to, tile=tile,
               repeat_interleave=repeat_interleave, tensor_split=tensor_split, hsplit=hsplit, vsplit=vsplit,
               dsplit=dsplit, ravel=ravel, diagonal=diagonal, diag=diag, diag_embed=diag_embed, trace=trace,
               rot90=rot90, fliplr=fliplr, flipud=flipud, unfold=layout._unfold, stride=layout._stride,
               is_contiguous=layout._is_contiguous, storage_offset=layout._storage_offset, data_ptr=layout._data_ptr)
METHODS.update({"mH": layout.mH, "H": layout.H, "t_": _inplace(t)})
METHODS.update(cumprod=cumprod, cummax=cummax, cummin=cummin, logcumsumexp=logcumsumexp, median=median,
               quantile=quantile, nanquantile=nanquantile, nansum=nansum, nanmean=nanmean, aminmax=aminmax,
               count_nonzero=count_nonzero)
# fmt: on

globals().update(PUBLIC)
__all__ = sorted(PUBLIC)
