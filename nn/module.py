"""Module: the base class of every layer, with PyTorch's registration rules and key names.

Registration. Assigning a ``Parameter`` to an attribute puts it in ``_parameters``, a
``Module`` in ``_modules``; assigning a Tensor to a name made with ``register_buffer``
updates that buffer. The three dicts keep definition order, which gives
``named_parameters()`` and ``state_dict()`` PyTorch's order and names: a module's own
parameters, its own buffers, then each child's, depth first, dotted (``layers.0.weight``).

Plain Python lists of modules are *not* registered, exactly as in PyTorch (use
``ModuleList``): registering them would give the same code different ``state_dict`` keys in
minigrad and PyTorch, and the graduation path (a minigrad state dict loaded into the
same-architecture PyTorch model) relies on identical keys.

Calling a module runs its forward pre-hooks, ``forward``, then its forward hooks.
"""

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

import minigrad
from minigrad import Tensor, _internal

from .parameter import Parameter, assign


class RemovableHandle:
    """Returned by ``register_*_hook``: ``remove()`` unregisters the hook (also on ``with`` exit)."""

    _ids = itertools.count()

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _indent(text, spaces):
    lines = text.split("\n")
    return "\n".join(lines[:1] + [" " * spaces + line for line in lines[1:]])


def _type_name(value):
    return "minigrad.Tensor" if isinstance(value, Tensor) else type(value).__name__


def _before_init(what):
    return AttributeError(
        f"cannot assign {what} before Module.__init__() call; call "
        "super().__init__() first in your module's __init__"
    )


def _check_name(module, name, kind):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name or name == "":
        raise KeyError(f'{kind} name can\'t contain ".", and can\'t be empty: got "{name}"')
    if hasattr(module, name) and name not in getattr(module, f"_{kind}s", {}):
        raise KeyError(f"attribute '{name}' already exists")


class Module:
    """Base class of all layers and models: subclass it, create parameters and submodules
    in ``__init__`` (after ``super().__init__()``) and compute in ``forward``.

    >>> class Net(minigrad.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = minigrad.nn.Linear(2, 1)
    ...     def forward(self, x):
    ...         return self.fc(x)
    >>> [name for name, _ in Net().named_parameters()]
    ['fc.weight', 'fc.bias']
    """

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_hooks", OrderedDict())

    # -- calling -------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if not self._forward_pre_hooks and not self._forward_hooks:
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def _add_hook(self, hooks, hook, prepend, with_kwargs):
        if with_kwargs:
            raise NotImplementedError("forward hooks with_kwargs=True are not supported in minigrad")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before ``forward``; a non-None result replaces args."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args, output)`` after ``forward``; a non-None result replaces output."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    # -- registration --------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        # PyTorch's order: a Parameter, a name holding one, a Module, a name holding one
        for registry, kind, label, plural in (
            ("_parameters", Parameter, "parameter", "parameters"),
            ("_modules", Module, "child module", "module"),
        ):
            store = d.get(registry)
            if isinstance(value, kind):
                if store is None:
                    raise _before_init(plural)
                self._forget(name)
                store[name] = value
                return
            if store is not None and name in store:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{_type_name(value)}' as {label} '{name}' "
                        f"(minigrad.nn.{kind.__name__} or None expected)"
                    )
                store[name] = None
                return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                    "(minigrad.Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        """Drop ``name`` from every registry and the instance dict (before re-registering it)."""
        for registry in ("_parameters", "_buffers", "_modules"):
            self.__dict__[registry].pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, ()):
                del self.__dict__[registry][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        extra = itertools.chain(self._parameters, self._buffers, self._modules)
        return sorted(set(object.__dir__(self)) | set(extra))

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) as ``name``."""
        if "_parameters" not in self.__dict__:
            raise _before_init("parameters")
        _check_name(self, name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                "(minigrad.nn.Parameter or None required)"
            )
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register ``tensor`` as the buffer ``name`` (state that is not trained, e.g.
        running_mean); non-persistent buffers stay out of ``state_dict``."""
        if "_buffers" not in self.__dict__:
            raise _before_init("buffer")
        _check_name(self, name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' "
                "(minigrad.Tensor or None required)"
            )
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register ``module`` (a Module or None) as the child ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        if "_modules" not in self.__dict__:
            raise _before_init("module")
        _check_name(self, name, "module")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The submodule at the dotted path ``target`` (``''`` is this module)."""
        module = self
        for item in target.split(".") if target else ():
            if item not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}`")
            module = module._modules[item]
        return module

    def get_parameter(self, target):
        """The parameter at the dotted path ``target`` (``'0.weight'``)."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}`")
        return module._parameters[name]

    # -- walking -------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and every submodule, depth first."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                sub = f"{prefix}.{name}" if prefix else name
                yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        modules = [(prefix, self)]
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, parameter) pairs, each shared parameter once: ``('0.weight', ...)``."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) and on this module; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients -------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (Dropout, BatchNorm behave differently) here and below."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default) or to zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                grad = p.grad.detach_() if p.grad.grad_fn is not None else p.grad.requires_grad_(False)
                grad.zero_()

    # -- dtype ---------------------------------------------------------------------------
    def _convert(self, fn):
        """Replace every floating parameter and buffer by ``fn(tensor)``, in place: parameters
        keep their identity (optimizers holding them still work), gradients follow."""
        for module in self.modules():
            for p in module._parameters.values():
                if p is not None and p.is_floating_point():
                    p.data = fn(p.detach())
                    if p.grad is not None:
                        p.grad = fn(p.grad.detach())
            for name, b in module._buffers.items():
                if b is not None and b.is_floating_point():
                    module._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs):
        """Convert floating parameters and buffers to a dtype, in place, and return the module:
        ``model.to(device)``, ``model.to(minigrad.float64)``, ``model.to(device, dtype)``,
        ``model.to(tensor)``, ``model.to(dtype=..., device=..., non_blocking=...)``, parsed as
        ``Tensor.to`` is. The CPU is minigrad's only device; another raises ``DeviceError``."""
        _, dtype, _, copy = _internal.parse_to(args, kwargs, "Module.to")
        if copy:
            raise RuntimeError(".to() does not accept copy argument: a module is converted in place")
        if dtype is None:
            return self
        npd = _internal.dtype_to_numpy(dtype)
        if npd.kind != "f":
            raise TypeError(
                f"nn.Module.to only accepts floating point or complex dtypes, but got "
                f"desired dtype={_internal.dtype_from_numpy(npd)}"
            )
        return self._convert(lambda t: t.to(_internal.dtype_from_numpy(npd)))

    def cuda(self, device=None):
        """Raises ``DeviceError``: minigrad runs on the CPU only (``cuda.is_available()`` is False)."""
        _internal.check_device("cuda", "Module.cuda")

    def float(self):
        return self.to(minigrad.float32)

    def double(self):
        return self.to(minigrad.float64)

    def half(self):
        return self.to(minigrad.float16)

    def cpu(self):
        return self

    # -- state dict ----------------------------------------------------------------------
    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by dotted name, in PyTorch's order and naming.
        Values share memory with the module (detached unless ``keep_vars``)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=out, prefix=f"{prefix}{name}.", keep_vars=keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy ``state_dict`` (name -> Tensor or array) into the parameters and buffers.

        Nothing is copied if a shape differs, or, with ``strict``, if a key is missing or
        unexpected: the RuntimeError lists every problem. Returns (missing_keys, unexpected_keys).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        values, errors = {}, []
        for key, target in own.items():
            if key in state_dict:
                values[key] = _checkpoint_array(key, state_dict[key])
                if values[key].shape != tuple(target.shape):
                    errors.append(
                        f"size mismatch for {key}: copying a param with shape "
                        f"{minigrad.Size(values[key].shape)} from checkpoint, the shape in "
                        f"current model is {target.shape}."
                    )
        if strict and unexpected:
            errors.insert(0, f"Unexpected key(s) in state_dict: {_quoted(unexpected)}. ")
        if strict and missing:
            errors.insert(0, f"Missing key(s) in state_dict: {_quoted(missing)}. ")
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(
                    type(self).__name__, "\n\t".join(errors)
                )
            )
        for key, value in values.items():
            _load_into(own[key], value, assign)
        return _IncompatibleKeys(missing, unexpected)

    # -- printing ------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def _child_lines(self):
        return [f"({name}): {_indent(repr(module), 2)}" for name, module in self._modules.items()]

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = self._child_lines()
        lines = extra_lines + child_lines
        if not lines:
            return self._get_name() + "()"
        if len(extra_lines) == 1 and not child_lines:
            return f"{self._get_name()}({extra_lines[0]})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _quoted(keys):
    return ", ".join(f'"{k}"' for k in keys)


def _checkpoint_array(key, value):
    if isinstance(value, Tensor):
        return value.detach().numpy()
    if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        return np.asarray(value)
    raise TypeError(
        f'While copying the parameter named "{key}", expected a minigrad.Tensor or an '
        f"array from checkpoint but received {type(value)}"
    )


def _load_into(target, value, replace):
    if replace:
        target.data = minigrad.tensor(value, dtype=target.dtype)
    else:
        assign(target, minigrad.from_numpy(np.ascontiguousarray(value)))
