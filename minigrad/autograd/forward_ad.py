"""Forward-mode AD: a tangent travels with each primal through the op table.

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)
        y = f(x)
        jvp = forward_ad.unpack_dual(y).tangent     # J_f(primal) @ tangent

How it works: while a dual level is open, every op runs through ``_dual_apply`` (the one
door ``_tape.apply`` opens to the function transforms). It runs the op as usual and, when an
input carries a tangent, computes the output's tangent from the op's ``defop`` entry:

* ``kind="elementwise"``: the op's own backward formulas, fed the tangent for ``g``. For an
  op whose Jacobian is diagonal (up to broadcasting) the backward ``g * f'(x)`` *is* the
  forward derivative ``t * f'(x)``: exact, and as cheap as the backward (tanh, sigmoid and
  relu take their fused one-pass kernels);
* ``kind="linear"``: the op itself applied to the tangents (sum, reshape, indexing, ...);
* ``kind="multilinear"``: the sum over inputs of the op with one input replaced by its
  tangent (matmul, linear without bias);
* anything else (softmax, norms, convolution, custom Functions): the backward transposed.
  A vjp ``u -> J^T u`` is linear in ``u``, so ``J t = d/du <J^T u, t>``: one more backward
  through the backward. Exact for every op with a backward; the slow path (about three
  backward passes), which is why the common ops declare their kind.

Tangents live in a table keyed by the tensor's array (a weak reference: a dropped tensor
drops its tangent), and the whole table is dropped when the level exits. One level at a time, as in
PyTorch; tangent rules run with the door closed, so computing a tangent records no tangent
of its own. When no level is open nothing here runs: ``apply`` checks one C pointer.
Tangents are Tensors that record on the tape when grad mode is on and a primal or tangent
requires grad (reverse over forward); otherwise the rules run on raw arrays.
"""

import contextlib
import weakref
from collections import namedtuple

import numpy as np

from .. import _tape
from .._tape import Tensor
from ..ops import _core

__all__ = [
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
    "UnpackedDualTensor",
]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", "primal tangent")
UnpackedDualTensor.__doc__ = """What ``unpack_dual`` returns: ``primal`` (the values) and ``tangent`` (the
forward gradient, or None).

>>> UnpackedDualTensor(minigrad.tensor(1.0), None).tangent is None
True
"""


class _State:
    level = None  # the open level (an int), or None
    tangents = {}  # id(tensor) -> (weakref to the tensor, tangent Tensor)
    busy = False  # a tangent rule is running: its own ops get no tangents


_state = _State()


def refuse_inside_vmap():
    """Forward mode cannot run inside ``func.vmap`` yet: its tangents are arrays, which know
    nothing of the batch, so a dual level opened there raises instead of mixing samples."""
    from ..func import _vmap  # (here: func imports this module)

    if _vmap.batch_size() is not None:
        raise NotImplementedError(
            "forward-mode AD inside vmap (jvp, jacfwd or a dual level in the vmapped function) is not "
            "supported by minigrad yet; compute the jvp per sample outside vmap"
        )


def enter_dual_level():
    """Open a dual level (PyTorch's functional form of ``dual_level()``); returns its index.

    >>> from minigrad.autograd import forward_ad as fwAD
    >>> level = fwAD.enter_dual_level()
    >>> y = fwAD.make_dual(minigrad.tensor([1.0]), minigrad.tensor([3.0])) * 2
    >>> fwAD.unpack_dual(y).tangent
    tensor([6.])
    >>> fwAD.exit_dual_level(level=level)
    """
    if _state.level is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    refuse_inside_vmap()
    _state.level = 0
    _state.tangents = {}
    _tape._set_interpose(_dual_apply, _function_apply)
    return 0


def exit_dual_level(*, level=None):
    """Close the open dual level: every tangent made or computed in it is dropped.

    ``level``: the index ``enter_dual_level`` returned (None: the open one).

    >>> from minigrad.autograd import forward_ad as fwAD
    >>> level = fwAD.enter_dual_level()
    >>> x = fwAD.make_dual(minigrad.tensor([1.0]), minigrad.tensor([1.0]))
    >>> fwAD.exit_dual_level(level=level)
    >>> fwAD.unpack_dual(x).tangent is None
    True
    """
    if _state.level is None or (level is not None and level != _state.level):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created.")
    _state.level = None
    _state.tangents = {}
    _tape._set_interpose(None, None)


@contextlib.contextmanager
def dual_level():
    """Context manager for forward-mode AD: tangents exist only inside it.

    >>> import minigrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     y = minigrad.sin(fwAD.make_dual(minigrad.tensor([0.0]), minigrad.tensor([2.0])))
    ...     fwAD.unpack_dual(y).tangent
    tensor([2.])
    """
    level = enter_dual_level()
    try:
        yield level
    finally:
        exit_dual_level(level=level)


def _tangent(t):
    arr = t._data
    entry = _state.tangents.get(id(arr))
    if entry is not None and entry[0]() is arr:
        return entry[1]
    return None


def _set_tangent(t, tangent):
    # keyed by the tensor's array, not the Tensor object: the engine re-wraps a node's saved
    # output in a new Tensor for create_graph, and that one must carry the tangent too
    # (forward over reverse: jacfwd(jacrev(f)))
    key = id(t._data)
    table = _state.tangents

    def forget(ref):  # the tensor died: its id may be reused
        if table.get(key, (None,))[0] is ref:
            del table[key]

    table[key] = (weakref.ref(t._data, forget), tangent)


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` as its forward gradient (inside ``dual_level``).

    ``tensor``: the primal (a float tensor); ``tangent``: its direction, of the same shape;
    ``level``: the dual level (None: the open one).

    >>> from minigrad.autograd import forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(minigrad.tensor([0.0, 1.0]), minigrad.tensor([1.0, 1.0]))
    ...     fwAD.unpack_dual(x.exp()).tangent
    tensor([1.0000, 2.7183])
    """
    if _state.level is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    for name, t in (("primal", tensor), ("tangent", tangent)):
        if not isinstance(t, Tensor):
            raise TypeError(f"make_dual(): {name} must be a Tensor, not {type(t).__name__}")
        if not t.is_floating_point():
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {t.dtype}")
    if tangent.shape != tensor.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original "
            f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
            f"forward gradient is of size {list(tangent.shape)}."
        )
    if tangent.dtype != tensor.dtype:
        raise RuntimeError(
            f"make_dual(): the tangent's dtype ({tangent.dtype}) must match the primal's "
            f"({tensor.dtype}); convert it with .to()"
        )
    with _closed():
        dual = tensor.view_as(tensor)
    _set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor: a view without tangent, and the tangent (or None).

    ``tensor``: any tensor (one made outside forward mode has tangent None); ``level``: the
    dual level (None: the open one).

    >>> from minigrad.autograd import forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     y = fwAD.make_dual(minigrad.tensor([2.0]), minigrad.tensor([1.0])) ** 2
    ...     fwAD.unpack_dual(y)
    UnpackedDualTensor(primal=tensor([4.]), tangent=tensor([4.]))
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual(): expected a Tensor, got {type(tensor).__name__}")
    tangent = _tangent(tensor) if _state.level is not None else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    with _closed():
        primal = tensor.view_as(tensor)
    return UnpackedDualTensor(primal, tangent)


@contextlib.contextmanager
def _closed():
    prev, _state.busy = _state.busy, True
    try:
        yield
    finally:
        _state.busy = prev


# ----------------------------------------------------------------------------- the door


def _dual_apply(op, args, attrs):
    """``apply`` while a level is open: the op, then its output's tangent."""
    res = _tape._apply_plain(op, args, attrs)
    if _state.busy or not _state.tangents or res._data.dtype.kind != "f":
        return res
    tangents = [_tangent(a) if isinstance(a, Tensor) else None for a in args]
    if not any(t is not None for t in tangents):
        return res
    with _closed():
        _set_tangent(res, _push(op, args, attrs, res, tangents))
    return res


def _tracked(args, tangents):
    """Do the tangent rules need to record (reverse mode over forward mode)?"""
    if not _tape.is_grad_enabled():
        return False
    return any(isinstance(a, Tensor) and a.requires_grad for a in args) or any(
        t is not None and t.requires_grad for t in tangents
    )


def _push(op, args, attrs, res, tangents):
    """The tangent of ``res = op(*args, *attrs)`` from the input tangents, by the op's kind."""
    kind = _core.KINDS.get(op)
    if kind is None and op not in _core.JVPS:
        return _by_transposed_vjp(lambda *xs: _tape._apply_plain(op, xs, attrs), args, tangents)[0]
    tracked = _tracked(args, tangents)
    if tracked:
        xs, out, ts = list(args), res, list(tangents)
    else:
        xs = [a._data if isinstance(a, Tensor) else a for a in args]
        out, ts = res._data, [None if t is None else t._data for t in tangents]

    def run(inputs):
        return _tape._apply_plain(op, tuple(inputs), attrs) if tracked else op.forward(*inputs, *attrs)

    parts = []
    if kind == _core.LINEAR:
        parts.append(
            run(
                [
                    t if t is not None else _zeros_like(x, tracked) if _is_tensorish(x) else x
                    for x, t in zip(xs, ts)
                ]
            )
        )
    elif kind == _core.MULTILINEAR:
        for i, t in enumerate(ts):
            if t is not None:
                parts.append(run(xs[:i] + [t] + xs[i + 1 :]))
    else:
        rules = op.derivs if kind == _core.ELEMENTWISE else _core.JVPS[op]
        for i, t in enumerate(ts):
            if t is not None:
                if kind == _core.ELEMENTWISE and tuple(t.shape) != tuple(out.shape):
                    t = _broadcast(t, out.shape, tracked)
                parts.append(rules[i](t, *xs, out, *attrs))
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return _fit(total, res, tracked)


def _is_tensorish(x):
    return isinstance(x, (Tensor, np.ndarray))


def _zeros_like(x, tracked):
    arr = x._data if isinstance(x, Tensor) else x
    z = np.zeros(arr.shape, arr.dtype)
    return _tape._from_array(z) if tracked else z


def _broadcast(t, shape, tracked):
    if tracked:
        return t.expand(shape)
    return np.broadcast_to(t, shape)


def _fit(total, res, tracked):
    """The tangent as a Tensor of ``res``'s shape and dtype."""
    if tracked:
        if not isinstance(total, Tensor):
            total = _tape._from_array(np.asarray(total))
        if total.shape != res.shape:
            total = total.expand(res.shape).contiguous()
        return total if total.dtype == res.dtype else total.to(res.dtype)
    arr = np.asarray(total)
    if arr.shape != res._data.shape or arr.dtype != res._data.dtype or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(np.broadcast_to(arr, res._data.shape), dtype=res._data.dtype)
    return _tape._from_array(arr)


def _by_transposed_vjp(fn, args, tangents):
    """Tangents of the outputs of ``fn(*args)`` from its backward alone: ``J t = d/du <J^T u, t>``.

    The forward is rerun on detached copies of the inputs, so the result does not record
    back to the primals (reverse over this path sees the tangent as a constant)."""
    from .. import autograd
    from .._grad_mode import enable_grad

    with enable_grad():
        xs = []
        for a, t in zip(args, tangents):
            if isinstance(a, Tensor):
                a = a.detach()
                if t is not None:
                    a.requires_grad_(True)
            xs.append(a)
        outs = fn(*xs)
        single = not isinstance(outs, tuple)
        outs = (outs,) if single else tuple(outs)
        diff = [o for o in outs if isinstance(o, Tensor) and o.requires_grad]
        us = [_tape._from_array(np.zeros(o._data.shape, o._data.dtype), requires_grad=True) for o in diff]
        wrt = [x for x, t in zip(xs, tangents) if t is not None]
        result = []
        if diff:
            vjps = autograd.grad(diff, wrt, us, create_graph=True, allow_unused=True)
            dot = None
            for g, t in zip(vjps, (t for t in tangents if t is not None)):
                if g is not None and g.requires_grad:
                    term = (g * t.detach()).sum()
                    dot = term if dot is None else dot + term
            jts = autograd.grad(dot, us, allow_unused=True) if dot is not None else [None] * len(us)
        k = 0
        for o in outs:
            if isinstance(o, Tensor) and o.requires_grad:
                jt = jts[k]
                k += 1
                result.append(
                    jt if jt is not None else _tape._from_array(np.zeros(o._data.shape, o._data.dtype))
                )
            else:
                result.append(None)
    return result


def _rebased(target, result):
    """An in-place op wrote ``result`` into ``target``: ``target`` takes its tangent too."""
    if _state.level is not None:
        tangent = _tangent(result)
        if tangent is not None:
            _set_tangent(target, tangent)


def _function_apply(cls, args, kwargs):
    """``Function.apply`` while a level is open: the Function, then its outputs' tangents
    (by the transposed backward: cat, stack, einsum and user Functions alike)."""
    result = cls._apply_plain(*args, **kwargs)
    if _state.busy or not _state.tangents:
        return result
    tangents = [_tangent(a) if isinstance(a, Tensor) else None for a in args]
    if not any(t is not None for t in tangents):
        return result
    with _closed():
        outs = _by_transposed_vjp(lambda *xs: cls._apply_plain(*xs, **kwargs), args, tangents)
    for o, t in zip(result if isinstance(result, tuple) else (result,), outs):
        if t is not None and isinstance(o, Tensor):
            _set_tangent(o, t)
    return result
