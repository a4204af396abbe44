"""``Variable``: the wrapper of PyTorch before 0.4, kept (as PyTorch keeps it) so that old
tutorials and examples run. Tensors do everything Variables did; ``Variable(t)`` is a tensor
sharing ``t``'s data, detached from its graph, requiring grad when asked.
"""

import warnings

from .._tape import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other):  # every tensor is a Variable, as in PyTorch
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False, volatile=False)``: ``data.detach()``, with
    ``requires_grad`` set as given. ``volatile`` has no effect (use ``no_grad``).

    >>> x = minigrad.ones(2)
    >>> v = minigrad.autograd.Variable(x, requires_grad=True)
    >>> v.requires_grad, x.requires_grad, isinstance(x, minigrad.autograd.Variable)
    (True, False, True)
    """

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out
