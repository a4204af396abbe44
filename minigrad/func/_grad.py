"""Reverse-mode transforms: grad, grad_and_value, vjp, jacrev (and hessian, with jacfwd).

Each transform calls the function on fresh differentiable copies of the arguments it
differentiates and runs the tape engine (``autograd.grad``) on the result. Copies are
aliases that keep the connection to the caller's graph when the caller is itself being
differentiated (``grad(grad(f))``, a forward level open for ``jacfwd(jacrev(f))``); only
then does the backward record (``create_graph``), so a plain ``grad(f)(x)`` costs one
forward and one first-order backward.
"""

import warnings

import numpy as np

from .. import _batched, _tape
from .._grad_mode import enable_grad
from .._tape import Tensor
from ..autograd import forward_ad
from . import _tree, _vmap


def _argnums(argnums, nargs, api):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or not all(isinstance(n, int) for n in nums):
        raise RuntimeError(f"{api}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    for n in nums:
        if not -nargs <= n < nargs:
            raise RuntimeError(
                f"{api}: Got argnums={n}, but only {nargs} positional inputs were given (argnums must "
                "index the positional arguments)"
            )
    return tuple(n % nargs for n in nums)


def _nested():
    """Is an outer transform differentiating the present computation?"""
    return forward_ad._state.level is not None


def _differentiable(x, api):
    if not isinstance(x, Tensor):
        raise RuntimeError(
            f"{api}: expected the differentiated arguments to be Tensors, got {type(x).__name__}"
        )
    if not x.is_floating_point():
        raise RuntimeError(
            f"{api}: only Tensors of floating point dtype can require gradients (got {x.dtype})"
        )
    size = _vmap.batch_size()
    if size is not None:
        # inside vmap every sample differentiates its own copy: a weight shared by the batch
        # becomes a batch of (broadcast, not copied) weights, so its gradient is per sample
        if x.requires_grad:
            raise NotImplementedError(
                f"{api} inside vmap of a tensor that requires grad outside it (differentiating through "
                "vmap(grad(...)) again) is not supported by minigrad yet; detach it first"
            )
        a = x.detach() if _batched.is_batched(x) else _batched.unbatched(x, size)
        return a.requires_grad_(True)
    if _tape.is_grad_enabled() and (x.requires_grad or _nested()):
        a = x.view_as(x)  # an alias: gradients (and tangents) still reach the caller's x
    else:
        a = x.detach()
    if not a.requires_grad:
        a.requires_grad_(True)
    return a


def _prepare(args, nums, api):
    """The arguments with those at ``nums`` replaced by differentiable copies; the copies, flat,
    with the spec of each differentiated argument; and whether the backward must record."""
    args = list(args)
    flat, specs, outer = [], [], False
    for n in nums:
        leaves, spec = _tree.flatten(args[n])
        outer = outer or (
            _vmap.batch_size() is None and any(isinstance(x, Tensor) and x.requires_grad for x in leaves)
        )
        copies = [_differentiable(x, api) for x in leaves]
        args[n] = _tree.unflatten(spec, copies)
        flat.append(copies)
        specs.append(spec)
    create = _tape.is_grad_enabled() and (outer or _nested())
    return args, flat, specs, create


def _split_aux(out, has_aux, api):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(
            f"{api}(f, ...): output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    return out


def _grads(outputs, inputs, cotangents, create, retain=False):
    """d(outputs)/d(inputs) against ``cotangents`` (None: ones), zeros where unused; inside
    vmap on the batched arrays (the engine sees no batching: samples never mix)."""
    from .. import autograd

    live = [o for o in outputs if o.requires_grad]
    cts = [
        _tape._from_array(np.ones(o._data.shape, o._data.dtype)) if c is None else c
        for o, c in zip(outputs, cotangents)
        if o.requires_grad
    ]
    if live:
        got = autograd.grad(
            live, inputs, cts, retain_graph=retain or create, create_graph=create, allow_unused=True
        )
    else:
        got = [None] * len(inputs)
    out = []
    for g, x in zip(got, inputs):
        arr = np.zeros(x._data.shape, x._data.dtype) if g is None else None
        if _batched.is_batched(x):
            out.append(_batched.wrap(g._data if arr is None else arr))
        else:
            out.append(_tape._from_array(arr) if g is None else g)
    return out


def _result(x, create):
    return x if create else x.detach()


def grad_and_value(func, argnums=0, has_aux=False):
    """``func`` -> a function returning (gradient of ``func`` w.r.t. ``argnums``, value).

    ``func``, ``argnums``: as in :func:`grad`; ``has_aux``: ``func`` returns ``(output, aux)``
    and the result is ``(gradient, (value, aux))``.

    >>> import minigrad.func as F
    >>> F.grad_and_value(lambda x: (x ** 2).sum())(minigrad.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """

    def wrapper(*args, **kwargs):
        api = "grad_and_value"
        nums = _argnums(argnums, len(args), api)
        with enable_grad():
            call_args, flat, specs, create = _prepare(args, nums, api)
            out, aux = _split_aux(func(*call_args, **kwargs), has_aux, api)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{api}(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(
                    f"{api}(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{out.dim()} dims (shape {list(out.shape)}). Maybe you wanted to use the vjp or "
                    "jacrev APIs instead?"
                )
            inputs = [x for copies in flat for x in copies]
            grads = _grads([out], inputs, [None], create)
        grads = [_result(g, create) for g in grads]
        trees, k = [], 0
        for copies, spec in zip(flat, specs):
            trees.append(_tree.unflatten(spec, grads[k : k + len(copies)]))
            k += len(copies)
        g = trees[0] if isinstance(argnums, int) else tuple(trees)
        value = _result(out, create)
        return (g, (value, aux)) if has_aux else (g, value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """``func`` (returning a scalar) -> a function returning its gradient w.r.t. ``argnums``.

    ``func``: takes tensors, returns a 0-d tensor; ``argnums``: the positional argument(s) to
    differentiate (an int or a tuple of ints: then a tuple of gradients); ``has_aux``: ``func``
    returns ``(output, aux)`` and the result is ``(gradient, aux)``.

    >>> import minigrad.func as F
    >>> F.grad(minigrad.sin)(minigrad.tensor(0.0))
    tensor(1.)
    """
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives one gradient per primal.

    ``func``: takes the ``primals`` (tensors, or pytrees of them) and returns tensors;
    ``has_aux``: ``func`` returns ``(output, aux)`` and the result is ``(output, vjp_fn, aux)``.

    >>> import minigrad.func as F
    >>> out, vjp_fn = F.vjp(lambda x: x * 3, minigrad.tensor([1.0, 2.0]))
    >>> vjp_fn(minigrad.tensor([1.0, 0.0]))
    (tensor([3., 0.]),)
    """
    api = "vjp"
    with enable_grad():
        call_args, flat, specs, create = _prepare(primals, range(len(primals)), api)
        out, aux = _split_aux(func(*call_args), has_aux, api)
    outs, out_spec = _tree.flatten(out)
    if not outs or not all(isinstance(o, Tensor) for o in outs):
        raise RuntimeError(
            f"{api}(f, *primals): Expected f to be a function that has non-empty output and returns "
            f"Tensors (got output = {out!r})"
        )
    inputs = [x for copies in flat for x in copies]

    def vjp_fn(cotangents):
        cts, ct_spec = _tree.flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                "to the function"
            )
        for i, (c, o) in enumerate(zip(cts, outs)):
            if not isinstance(c, Tensor):
                raise RuntimeError(f"{api}: cotangent {i} must be a Tensor, got {type(c).__name__}")
            if c.shape != o.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and output[{i}] has a "
                    f"shape of {o.shape}."
                )
        with enable_grad():
            grads = _grads(outs, inputs, cts, create, retain=True)
        grads = [_result(g, create) for g in grads]
        trees, k = [], 0
        for copies, spec in zip(flat, specs):
            trees.append(_tree.unflatten(spec, grads[k : k + len(copies)]))
            k += len(copies)
        return tuple(trees)

    value = _tree.unflatten(out_spec, [_result(o, create) for o in outs])
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def _jacobian_rows(o, inputs, create, chunk_size):
    """The rows of d(o)/d(inputs), one per element of ``o``, as one ``(o.numel(), *x.shape)``
    tensor per input: the backward of ``o`` (recorded once, by the forward) run under vmap
    over the one-hot cotangents, as torch.func does, so the engine runs once and every
    derivative formula once over the whole basis (``chunk_size`` rows at a time if given;
    ``chunk_size=1`` is one plain backward per row, for ops without a batching rule)."""
    from .. import autograd
    from ..ops import cat

    n = o.numel()
    basis = np.eye(n, dtype=o._data.dtype).reshape((n,) + o._data.shape)
    if not o.requires_grad or n == 0:
        return [_tape._from_array(np.zeros((n,) + x._data.shape, x._data.dtype)) for x in inputs]

    def row(ct):
        got = autograd.grad([o], inputs, [ct], retain_graph=True, create_graph=True, allow_unused=True)
        return tuple(_zeros_like(x) if g is None else g for g, x in zip(got, inputs))

    if chunk_size != 1 and not _nested():  # (a forward level open: jacfwd(jacrev(f)), no vmap in it)
        step = n if chunk_size is None else chunk_size
        try:
            parts = [_vmap.vmap(row)(_tape._from_array(basis[k : k + step])) for k in range(0, n, step)]
            return [
                parts[0][i] if len(parts) == 1 else cat([p[i] for p in parts]) for i in range(len(inputs))
            ]
        except _batched.NoBatchingRule as e:  # as torch.func: said, then the slow way
            warnings.warn(
                f"jacrev: {e}. The Jacobian is computed one row at a time instead (one backward per "
                "output element); pass chunk_size=1 to ask for that directly",
                UserWarning,
                stacklevel=4,
            )
    from ..ops import stack

    rows = [_grads([o], inputs, [_tape._from_array(b)], create, retain=True) for b in basis]
    return [stack([r[i] for r in rows]) for i in range(len(inputs))]


def _zeros_like(x):
    return _tape._from_array(np.zeros(x._data.shape, x._data.dtype))


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """``func`` -> a function returning its Jacobian w.r.t. ``argnums``, by reverse mode,
    shaped ``output.shape + input.shape``: one forward, then its backward vmapped over the
    rows of the identity (one pass over the tape for all rows; ``chunk_size`` rows at a
    time if given, ``chunk_size=1`` a plain backward per row).

    ``func``: takes tensors, returns a tensor or a tuple of them; ``argnums``: which
    positional argument(s) to differentiate (an int or a tuple of ints); ``has_aux``:
    ``func`` returns ``(output, aux)`` and the Jacobian comes back as ``(jacobian, aux)``.

    >>> import minigrad.func as F
    >>> F.jacrev(lambda x: x ** 2)(minigrad.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"jacrev: `chunk_size` should be greater than 0 (got {chunk_size!r})")

    def wrapper(*args):
        api = "jacrev"
        nums = _argnums(argnums, len(args), api)
        with enable_grad():
            call_args, flat, specs, create = _prepare(args, nums, api)
            out, aux = _split_aux(func(*call_args), has_aux, api)
            outs, out_spec = _tree.flatten(out)
            if not outs or not all(isinstance(o, Tensor) for o in outs):
                raise RuntimeError(f"{api}(f, ...): Expected f to return Tensors, got {type(out).__name__}")
            inputs = [x for copies in flat for x in copies]
            per_out = []
            for o in outs:
                rows = _jacobian_rows(o, inputs, create, chunk_size)
                jac = [
                    _result(r.reshape(tuple(o.shape) + tuple(x.shape)), create) for r, x in zip(rows, inputs)
                ]
                trees, k = [], 0
                for copies, spec in zip(flat, specs):
                    trees.append(_tree.unflatten(spec, jac[k : k + len(copies)]))
                    k += len(copies)
                per_out.append(trees[0] if isinstance(argnums, int) else tuple(trees))
        jac = _tree.unflatten(out_spec, per_out)
        return (jac, aux) if has_aux else jac

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar ``func``: ``jacfwd(jacrev(func))`` (forward over reverse).

    ``func``: takes tensors, returns a 0-d tensor; ``argnums``: the positional argument(s) to
    differentiate, as in :func:`jacrev`.

    >>> import minigrad.func as F
    >>> F.hessian(lambda x: (x ** 3).sum())(minigrad.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    from ._forward import jacfwd

    return jacfwd(jacrev(func, argnums), argnums)
