"""minigrad.autograd: the functional entry points to the backward engine.

``backward(tensors, grad_tensors)`` accumulates into ``.grad``; ``grad(outputs, inputs)``
returns the gradients instead. Both run the engine in ``_tape.pyx``. ``Function`` is the
base class of custom differentiable operations.
"""

from ._tape import AccumulateGrad, Node, backward, grad
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "Function", "FunctionCtx", "Node", "AccumulateGrad", "no_grad",
           "enable_grad", "set_grad_enabled"]
