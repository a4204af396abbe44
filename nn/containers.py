"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.

Each keeps its children in ``_modules`` (so registration, state_dict keys and repr come
from Module): Sequential and ModuleList under the keys ``'0'``, ``'1'``, ... (renumbered
after a deletion or insertion, as PyTorch does), ModuleDict under the user's keys.
"""

import operator
from collections import OrderedDict

from minigrad import Tensor

from .module import Module, _indent
from .parameter import Parameter


def _index(idx, n, kind):
    i = operator.index(idx)
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of range for a {kind} of length {n}")
    return i % n


class _Indexed(Module):
    """Shared by Sequential and ModuleList: children keyed '0'..'n-1', list-like access."""

    def _renumber(self, modules):
        self._modules.clear()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)._from_items(list(self._modules.items())[idx])
        return list(self._modules.values())[_index(idx, len(self), type(self).__name__)]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self), type(self).__name__)]
        self.add_module(key, module)

    def __delitem__(self, idx):
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[_index(idx, len(self), type(self).__name__)]
        self._renumber(modules)

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, idx=-1):
        module = self[idx]
        del self[idx]
        return module

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]


class Sequential(_Indexed):
    """Modules called one after another: ``Sequential(Linear(2, 4), ReLU(), Linear(4, 1))``.

    Also takes an OrderedDict of named modules. Indexing gives a module, slicing a Sequential.

    >>> net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> net(minigrad.zeros(3, 2)).shape, [name for name, _ in net.named_parameters()]
    (minigrad.Size([3, 1]), ['0.weight', '0.bias', '2.weight', '2.bias'])
    >>> net[1], len(net[:2])
    (ReLU(), 2)
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    @classmethod
    def _from_items(cls, items):
        return cls(OrderedDict(items))

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_Indexed):
    """A list of modules that registers them (a plain Python list does not).

    ``modules``: an iterable of modules to start with; ``append``, ``extend``, ``insert`` and
    indexing work as on a list.

    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @classmethod
    def _from_items(cls, items):
        return cls([module for _, module in items])

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def _child_lines(self):
        # consecutive children with the same repr print once, as "(0-2): 3 x Linear(...)"
        lines, items = [], [(name, repr(module)) for name, module in self._modules.items()]
        start = 0
        while start < len(items):
            end = start
            while end + 1 < len(items) and items[end + 1][1] == items[start][1]:
                end += 1
            label = items[start][0] if end == start else f"{items[start][0]}-{items[end][0]}"
            count = "" if end == start else f"{end - start + 1} x "
            lines.append(f"({label}): {count}{_indent(items[start][1], 2)}")
            start = end + 1
        return lines

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList is not callable: iterate over it in your forward")


class ModuleDict(Module):
    """A dict of modules that registers them, in insertion order.

    ``modules``: a dict or (name, module) pairs to start with; indexing by name, ``keys``,
    ``items``, ``values`` and ``update`` work as on a dict.

    >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Linear(4, 1)})
    >>> list(heads.keys()), heads["reg"](minigrad.zeros(2, 4)).shape
    (['cls', 'reg'], minigrad.Size([2, 1]))
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self[key] = module

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict is not callable: look modules up by key in your forward")


def _as_parameter(value):
    """A Tensor put in a ParameterList/Dict becomes a Parameter (as in PyTorch)."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _param_line(key, p):
    if not isinstance(p, Tensor):
        return f"({key}): Object of type: {type(p).__name__}"
    size = "x".join(map(str, p.shape))
    return f"({key}): Parameter containing: [{p.dtype} of size {size}]"


class ParameterList(Module):
    """A list of parameters that registers them (keys '0', '1', ...), as ModuleList does
    for modules; a plain Tensor appended becomes a Parameter.

    ``values``: an optional iterable of tensors to start with.

    >>> params = nn.ParameterList([minigrad.zeros(2), minigrad.ones(3)])
    >>> _ = params.append(minigrad.ones(1))
    >>> len(params), [name for name, _ in params.named_parameters()], type(params[2]).__name__
    (3, ['0', '1', '2'], 'Parameter')
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _key(self, idx):
        return str(_index(idx, self._size, "ParameterList"))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        return getattr(self, self._key(idx))

    def __setitem__(self, idx, value):
        setattr(self, self._key(idx), _as_parameter(value))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        """Add ``value`` at the end; returns self."""
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def extra_repr(self):
        return "\n".join(_param_line(i, p) for i, p in enumerate(self))

    def __repr__(self):
        lines = self.extra_repr()
        if not lines:
            return "ParameterList()"
        return "ParameterList(\n    " + lines.replace("\n", "\n    ") + "\n)"

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """A dict of parameters that registers them under the user's keys, in insertion order.

    ``parameters``: an optional dict (or iterable of pairs) to start with; plain tensors become
    Parameters.

    >>> params = nn.ParameterDict({"scale": minigrad.ones(1)})
    >>> params["shift"] = minigrad.zeros(1)
    >>> list(params.keys()), [name for name, _ in params.named_parameters()]
    (['scale', 'shift'], ['scale', 'shift'])
    """

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        if key not in self._keys:
            # AttributeError, not KeyError: PyTorch's type here
            raise AttributeError(
                f"'ParameterDict' object has no attribute '{key}' (keys: {list(self._keys)})"
            )
        return getattr(self, key)

    def __setitem__(self, key, value):
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self[k] for k in self._keys]

    def items(self):
        return [(k, self[k]) for k in self._keys]

    def get(self, key, default=None):
        return self[key] if key in self else default

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def update(self, parameters):
        items = parameters.items() if hasattr(parameters, "items") else parameters
        for key, value in items:
            self[key] = value

    def extra_repr(self):
        return "\n".join(_param_line(k, p) for k, p in self.items())

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called.")
