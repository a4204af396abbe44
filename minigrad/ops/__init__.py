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
    decompositions,
    elementwise,
    index_writes,
    indexing,
    integer,
    join,
    layout,
    linalg,
    nn,
    pointwise,
    products,
    reduce,
    search,
    shape,
    sorting,
    special,
    stats,
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
