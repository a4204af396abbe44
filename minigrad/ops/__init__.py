"""The op table: every differentiable operation of minigrad, declared once.

The table is split by topic: ``elementwise``, ``reduce``, ``shape``, ``indexing``,
``linalg``; ``_core`` holds ``defop`` and the operand checks. Each module opens with its
part of the table (``ADD = defop(...)``), then the public functions that call it.

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

from . import _core, elementwise, indexing, linalg, reduce, shape
from ._core import METHODS, defop
from .elementwise import *  # noqa: F401,F403
from .elementwise import _rdiv  # noqa: F401  (used by Tensor.__rtruediv__)
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .shape import T, _conv  # noqa: F401

METHODS.update(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div, true_divide=div,
    pow=pow, neg=neg, negative=neg, matmul=matmul, mm=matmul, exp=exp, log=log, sqrt=sqrt,
    sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu, abs=abs, sign=sign,
    reciprocal=reciprocal, sum=sum, mean=mean, reshape=reshape, view=view, flatten=flatten,
    transpose=transpose, swapaxes=transpose, swapdims=transpose, t=t, permute=permute,
    expand=expand, expand_as=expand_as, to=to, type_as=type_as, clone=clone,
    contiguous=contiguous, add_=add_, sub_=sub_, mul_=mul_, div_=div_, eq=eq, ne=ne, lt=lt,
    le=le, gt=gt, ge=ge, float=_conv("float32"), double=_conv("float64"), half=_conv("float16"),
    long=_conv("int64"), int=_conv("int32"), bool=_conv("bool_"),
)

