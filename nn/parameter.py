"""Parameter: a Tensor that a Module registers when it is assigned to an attribute.

A Parameter is a leaf with ``requires_grad=True`` that shares its values with the tensor it
was made from. Ops on it return plain Tensors; only attribute assignment on a Module treats
it specially (see ``nn/module.py``).
"""

import minigrad
from minigrad import Tensor


class Parameter(Tensor):
    """A tensor that is a module parameter.

    >>> minigrad.nn.Parameter(minigrad.ones(2))
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    """

    def __init__(self, data=None, requires_grad=True):
        Tensor.__init__(self)
        if data is None:
            data = minigrad.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): data must be a minigrad.Tensor, got {type(data).__name__} "
                "(wrap arrays with minigrad.tensor(...) first)"
            )
        self.data = data  # shares data's values, not its history
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        copy = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = copy
        return copy


def assign(target, value):
    """Overwrite ``target``'s values in place with ``value`` (a Tensor or array of its shape,
    converted to its dtype), without recording anything and bumping its version."""
    if not isinstance(value, Tensor):
        value = minigrad.tensor(value, dtype=target.dtype)
    with minigrad.no_grad():
        target[...] = value
    return target
