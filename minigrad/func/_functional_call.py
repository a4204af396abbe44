"""functional_call: run a Module with parameters and buffers passed in, not its own."""

import contextlib

from .._tape import Tensor


def _owner(module, name):
    *path, leaf = name.split(".")
    for part in path:
        module = getattr(module, part)
    return module, leaf


@contextlib.contextmanager
def _swapped(module, tensors, strict):
    known = dict(module.named_parameters(remove_duplicate=False))
    known.update(module.named_buffers(remove_duplicate=False))
    if strict:
        missing = sorted(set(known) - set(tensors))
        unexpected = sorted(set(tensors) - set(known))
        if missing or unexpected:
            raise RuntimeError(
                "Error(s) in reparametrizing for {}: missing key(s): {}; unexpected key(s): {}".format(
                    type(module).__name__, missing, unexpected
                )
            )
    saved = []
    try:
        for name, value in tensors.items():
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"functional_call(): the value of '{name}' must be a Tensor, got {type(value).__name__}"
                )
            owner, leaf = _owner(module, name)
            registry = (
                "_parameters" if leaf in owner._parameters else "_buffers" if leaf in owner._buffers else None
            )
            if registry is None:
                raise AttributeError(
                    f"functional_call(): {type(module).__name__} has no parameter or buffer named '{name}'"
                )
            store = owner.__dict__[registry]
            saved.append((store, leaf, store[leaf]))
            store[leaf] = value
        yield
    finally:
        for store, leaf, old in reversed(saved):
            store[leaf] = old


def functional_call(
    module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False
):
    """``module(*args, **kwargs)`` with its parameters and buffers replaced by the tensors in
    ``parameter_and_buffer_dicts`` (a dict by ``named_parameters()`` names, or a tuple of dicts);
    the module itself is unchanged afterwards.

    ``module``: the nn.Module to call; ``args``: one positional argument or a tuple of them;
    ``kwargs``: keyword arguments; ``tie_weights``: accepted for PyTorch's signature (here each
    name given is replaced where it is registered); ``strict``: every parameter and buffer
    (under all its names) must be given, and no other name.

    >>> import minigrad.func as F
    >>> lin = minigrad.nn.Linear(2, 1)
    >>> params = {"weight": minigrad.ones(1, 2), "bias": minigrad.zeros(1)}
    >>> F.functional_call(lin, params, (minigrad.ones(2),))
    tensor([2.])
    """
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        dicts = (dicts,)
    merged = {}
    for d in dicts:
        for k, v in d.items():
            if k in merged:
                raise ValueError(
                    f"{k} appeared in multiple dictionaries; behavior of functional call is ambiguous"
                )
            merged[k] = v
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, merged, strict):
        return module(*args, **(kwargs or {}))
