"""minigrad.autograd: the functional entry points to the backward engine.

``backward(tensors, grad_tensors)`` accumulates into ``.grad``; ``grad(outputs, inputs)``
returns the gradients instead. Both run the engine in ``_tape.pyx``. ``Function`` is the
base class of custom differentiable operations. The debugging and learning tools live in
their own modules: ``gradcheck``/``gradgradcheck`` (finite differences), ``detect_anomaly``
(where a NaN gradient came from) and ``tape`` (a readable listing of the recorded graph).
``functional`` holds Jacobians, Hessians and their vector products, built on ``grad``;
``graph`` the hooks on saved tensors; ``explain(loss)`` runs backward and records each step.
"""

from .._anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .._function import Function, FunctionCtx
from .._grad_mode import enable_grad, no_grad, set_grad_enabled
from .._gradcheck import GradcheckError, gradcheck, gradgradcheck
from .._tape import AccumulateGrad, Node, backward, grad
from .._tape_view import tape
from . import functional, graph
from .backward_steps import explain
from .variable import Variable

__all__ = [
    "backward",
    "grad",
    "Function",
    "FunctionCtx",
    "Node",
    "AccumulateGrad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "tape",
    "functional",
    "graph",
    "explain",
    "Variable",
]
