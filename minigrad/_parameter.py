"""Parameter: a Tensor that a Module registers when it is assigned to an attribute.

Declared in the core (``minigrad.nn.Parameter`` re-exports it), so that loading a checkpoint
(``serialization``, ``_torch_format``) can rebuild Parameters without the core importing
``nn``: the layers sit on the core, never the other way round.

A Parameter is a leaf with ``requires_grad=True`` that shares its values with the tensor it
was made from. Ops on it return plain Tensors; only attribute assignment on a Module treats
it specially (see ``nn/module.py``).
"""

from ._tape import Tensor


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning one to a Module attribute registers it.

    ``data``: the tensor whose values it shares (None: an empty tensor); ``requires_grad``:
    default True.

    >>> minigrad.nn.Parameter(minigrad.ones(2))
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    >>> minigrad.nn.Parameter(minigrad.zeros(2), requires_grad=False).requires_grad
    False
    """

    def __init__(self, data=None, requires_grad=True):
        Tensor.__init__(self)
        if data is None:
            data = _empty()
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


Parameter.__module__ = "minigrad.nn.parameter"  # where PyTorch users look for it (and pickles)


def _empty():
    from ._creation import empty

    return empty(0)
