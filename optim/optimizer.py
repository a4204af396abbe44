"""The Optimizer base: parameter groups, per-parameter state, zero_grad, step, state dicts.

Shape (PyTorch's): ``param_groups`` is a list of dicts, each holding ``params`` and every
hyper-parameter (the optimizer's ``defaults`` fill in what a group leaves out); ``state``
maps a parameter tensor to its dict of buffers, created lazily on the first ``step()``.

How a step runs: for every parameter with a gradient, ``step()`` hands the subclass's
``_update(param, grad, state, group)`` two C-contiguous ndarrays of the parameter's dtype
(the parameter's own storage, and its gradient) plus the state and group dicts; the
subclass calls one fused kernel of ``minigrad._optim_kernels`` that rewrites the parameter
and the state buffers in place. The base then bumps the parameter's version counter, so a
graph that saved the old values refuses to backward through them. A parameter whose
storage is not C-contiguous is updated through a contiguous copy written back afterwards.

State dicts: ``state_dict()`` numbers the parameters 0, 1, ... across the groups (ids as
in PyTorch) and returns a *snapshot*: every buffer is copied to a numpy array. Unlike
PyTorch's (which aliases the live tensors and changes as training goes on), the result can
be pickled, deep-copied or saved with ``numpy.savez`` as it is; minigrad tensors refuse to
pickle. ``load_state_dict()`` takes such a dict (buffers as numpy arrays, minigrad tensors
or another library's CPU tensors with a ``.numpy()`` method, e.g. a torch optimizer's
state), copies every
buffer into the parameter's dtype and resumes training bit-identically.
"""

from collections import defaultdict

import numpy as np

from minigrad import Tensor, enable_grad
from minigrad._internal import from_array as _from_array


class _RequiredParameter:
    """The default of a hyper-parameter that every param group must set itself."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


# ----------------------------------------------------------------------------- validation


def _check_nonnegative(label, value):
    """Raise PyTorch's ``Invalid <label>: <value>`` unless ``value >= 0`` (NaN fails)."""
    if not value >= 0:
        raise ValueError(f"Invalid {label}: {value}")


def _check_betas(betas):
    """Each beta must lie in [0, 1)."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _check_supported(group):
    """Options PyTorch has and minigrad does not implement fail loudly (fused and foreach
    are accepted: minigrad's updates are always one fused pass)."""
    for flag in ("capturable", "differentiable"):
        if group.get(flag):
            raise NotImplementedError(f"{flag}=True is not supported by minigrad's optimizers")


# ----------------------------------------------------------------------------- helpers


def zeros_like_array(param):
    """A zero state buffer for ``param``: a minigrad tensor, C-contiguous, same dtype."""
    return _from_array(np.zeros(param.shape, param.dtype))


def new_step():
    """A step counter as PyTorch keeps it: a 0-d float32 tensor."""
    return _from_array(np.zeros((), np.float32))


def advance(step):
    """Add one to the step counter tensor in place; return the new count as a float."""
    count = step._data
    count += 1
    step._bump_version()
    return float(count)


def _snapshot(value):
    if isinstance(value, Tensor):
        return np.array(value._data, copy=True)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


# 0-d float32 state tensors, as PyTorch keeps them (NAdam's mu_product, ASGD's eta and mu)
_SCALAR_STATE = ("step", "mu_product", "eta", "mu")


def _restore(key, value, param, index):
    """A loaded state value as a fresh minigrad tensor (floating buffers cast to the
    parameter's dtype; ``step`` and the other scalars stay float32); plain Python values are kept."""
    if isinstance(value, Tensor):
        value = value._data
    elif callable(getattr(value, "numpy", None)):  # another library's tensor (e.g. torch)
        value = value.numpy()
    if key in _SCALAR_STATE:
        return _from_array(np.array(value, dtype=np.float32))
    if not (isinstance(value, np.ndarray) or hasattr(value, "__array__")):
        return value
    arr = np.asarray(value)
    if arr.shape != param._data.shape:
        raise ValueError(
            f"loaded state {key!r} of parameter {index} has shape {arr.shape}, "
            f"but the parameter has shape {param._data.shape}"
        )
    dtype = param._data.dtype if arr.dtype.kind == "f" else arr.dtype
    return _from_array(np.array(arr, dtype=dtype, order="C"))


def _as_param_list(params):
    if isinstance(params, Tensor):
        return [params]
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            "optimizer parameters need to be organized in ordered collections, but the "
            "ordering of tensors in sets will change between runs. Please use a list instead."
        )
    return list(params)


# ----------------------------------------------------------------------------- the base


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs (``named_parameters()``;
            the names go to the group's ``param_names``), or of dicts (param groups) with a
            ``params`` entry and per-group hyper-parameters.
        defaults: the hyper-parameters a group does not set itself.

    Subclasses list the hyper-parameters that must be non-negative in ``_nonnegative``
    (key, label) and update one parameter in ``_update(param, grad, state, group)``
    (ndarrays; see the module docstring).

    A new optimizer fills ``param_groups`` through ``__init__`` and updates them in ``step``:

    >>> class PlainSGD(minigrad.optim.Optimizer):
    ...     def __init__(self, params, lr=0.1):
    ...         super().__init__(params, dict(lr=lr))
    ...     def step(self, closure=None):
    ...         with minigrad.no_grad():
    ...             for group in self.param_groups:
    ...                 for p in group["params"]:
    ...                     p -= group["lr"] * p.grad
    >>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = PlainSGD([w]); (w * w).sum().backward(); opt.step(); w
    tensor([0.8000, 1.6000], requires_grad=True)
    >>> opt.param_groups[0]["lr"], opt.defaults
    (0.1, {'lr': 0.1})
    """

    _nonnegative: "tuple[tuple[str, str], ...]" = (("lr", "learning rate"),)

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self._validate(self.defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}"
            )
        groups = _as_param_list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- hooks for subclasses -----------------------------------------------------------
    def _validate(self, group):
        """Raise ValueError for a bad hyper-parameter in ``group`` (or the defaults)."""
        for key, label in self._nonnegative:
            _check_nonnegative(label, group[key])
        if "betas" in group:
            _check_betas(group["betas"])
        _check_supported(group)

    def _update(self, param, grad, state, group):
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    # -- groups -------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``params``) with its own options; the
        optimizer's defaults fill in the options the group does not set."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:  # a KeyError, as in PyTorch
            raise KeyError(
                f"'params': a param group must be a dict with a 'params' entry (the tensors it "
                f"optimizes), got keys {sorted(map(str, param_group))}"
            )
        group = dict(param_group)
        group["params"] = params = _as_param_list(group["params"])
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
            group["param_names"] = [name for name, _ in params]  # model.named_parameters()
            group["params"] = params = [p for _, p in params]
        if self.param_groups and ("param_names" in group) != ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (it was produced by {p.grad_fn.name()}); "
                    "optimize the leaf it came from, or use .detach().requires_grad_()"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self._validate(group)
        self.param_groups.append(group)

    # -- gradients ----------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (the default, as in PyTorch), or
        with ``set_to_none=False`` to zeros in place (the ``.grad`` tensors are kept)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient, once. ``closure`` (optional) is
        called first with gradients enabled, and its result is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._step_param(p, group)
        return loss

    def _step_param(self, p, group):
        data = p._data
        if not data.flags.writeable:
            raise ValueError(
                f"{type(self).__name__}.step(): a parameter of shape {tuple(p.shape)} wraps a "
                "read-only array and cannot be updated in place"
            )
        work = data if data.flags.c_contiguous else np.ascontiguousarray(data)
        grad = np.ascontiguousarray(p.grad._data, dtype=work.dtype)
        state = self.state.get(p)
        if state is None:
            state = {}
        self._update(work, grad, state, group)
        if state:  # SGD without momentum keeps no state, like PyTorch
            self.state[p] = state
        if work is not data:
            data[...] = work
        p._bump_version()

    # -- state dicts --------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {name: ndarray | value}}, "param_groups": [...]}`` with the
        parameters numbered 0, 1, ... in group order; buffers are copied (a snapshot)."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        params = {id(p): p for group in self.param_groups for p in group["params"]}
        state = {}
        for pid, i in index.items():
            if params[pid] in self.state:
                state[i] = {k: _snapshot(v) for k, v in self.state[params[pid]].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore the state and hyper-parameters saved by ``state_dict()``; the groups
        must hold as many parameters, in the same order, as when it was saved."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)} saved, {len(self.param_groups)} in this optimizer)"
            )
        by_index = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group (group {i}: {len(saved['params'])} saved, "
                    f"{len(group['params'])} here)"
                )
            by_index.update(zip(saved["params"], group["params"]))
        state = defaultdict(dict)
        for index, entry in state_dict["state"].items():
            if index in by_index:
                p = by_index[index]
                state[p] = {k: _restore(k, v, p, index) for k, v in entry.items()}
        self.state = state
        self.param_groups = [
            {**{k: v for k, v in saved.items() if k != "params"}, "params": group["params"]}
            for group, saved in zip(self.param_groups, saved_groups)
        ]

    # -- printing -----------------------------------------------------------------------
    def __repr__(self):
        blocks = [
            "\n".join([f"Parameter Group {i}"] + [f"    {k}: {g[k]}" for k in sorted(g) if k != "params"])
            for i, g in enumerate(self.param_groups)
        ]
        body = "\n\n".join(blocks) + "\n" if blocks else ""
        return f"{type(self).__name__} (\n{body})"
