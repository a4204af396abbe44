"""vmap: run a per-sample function once over a whole batch.

The mapped dimension of each input is moved to the front and the input is handed to
``func`` as a ``BatchedTensor`` (one sample's shape on the outside, the batch inside). Each
op ``func`` calls on it runs once over the batch through the op's batching rule
(``ops/_batching.py``); an op without a rule raises, naming the op. At the end the batch
dimension of each output is moved to ``out_dims``. Everything stays on the tape, so
``grad`` of a vmapped function and ``vmap`` of ``grad`` (per-sample gradients) both work.
"""

from .. import _batched, _tape
from .._batched import BatchedTensor
from .._tape import Tensor
from ..ops import shape as S
from . import _tree

_RANDOMNESS = ("error", "different", "same")


def _call(in_dims=0, out_dims=0):
    """How PyTorch's vmap errors name the call."""
    return f"vmap(f, in_dims={in_dims}, out_dims={out_dims})(<inputs>)"


class _Level:
    active = False


def _in_dims_for(in_dims, args):
    """One in_dim per flattened input (None: not mapped)."""
    if isinstance(in_dims, int) or in_dims is None:
        dims = [in_dims] * len(args)
    elif isinstance(in_dims, tuple):
        if len(in_dims) != len(args):
            raise ValueError(
                f"{_call(in_dims)}: in_dims is not compatible with the structure of "
                f"`inputs`. in_dims has structure {len(in_dims)} elements but inputs has structure "
                f"{len(args)} elements."
            )
        dims = list(in_dims)
    else:
        raise ValueError(
            f"vmap(f, in_dims={in_dims}, ...): expected `in_dims` to be int or a (potentially nested) tuple "
            f"matching the structure of inputs, got: {type(in_dims)}."
        )
    flat, specs = [], []
    for d, a in zip(dims, args):
        leaves, spec = _tree.flatten(a)
        if isinstance(d, (tuple, list, dict)):
            ds, dspec = _tree.flatten(d)
            if dspec != spec:
                raise ValueError(
                    f"{_call(in_dims)}: in_dims is not compatible with the structure of `inputs`."
                )
        else:
            ds = [d] * len(leaves)
        flat.append(list(zip(leaves, ds)))
        specs.append(spec)
    return flat, specs


def _check_dim(d, x, in_dims):
    if d is None:
        return None
    if not isinstance(d, int):
        raise ValueError(f"{_call(in_dims)}: in_dims must be int or None for each input, got {d!r}")
    if not isinstance(x, Tensor):
        raise ValueError(
            f"{_call(in_dims)}: Got in_dim={d} for an input but the input is of type "
            f"{type(x).__name__}. We cannot vmap over non-Tensor arguments, please use None as the "
            "respective in_dim"
        )
    n = x.dim()
    if not -n <= d < n:
        raise ValueError(
            f"{_call(in_dims)}: Got in_dim={d} for some input, but that input is a "
            f"Tensor of dimensionality {n} so expected in_dim to satisfy -{n} <= in_dim < {n}."
        )
    return d % n


def _to_batched(x, d):
    """``x`` with dim ``d`` moved to the front, as a BatchedTensor (recorded: gradients of the
    vmapped function reach ``x``)."""
    if d != 0:
        perm = (d,) + tuple(i for i in range(x.dim()) if i != d)
        x = _tape._apply_plain(S.CLONE, (_tape._apply_plain(S.PERMUTE, (x,), (perm,)),), ())
    return _tape._apply_plain(S.VIEW, (x,), (tuple(x._data.shape),), BatchedTensor)


def _from_batched(out, d, size, out_dims):
    """A batched output as a plain tensor with its batch dim at ``d``."""
    if not isinstance(out, Tensor):
        raise ValueError(f"vmap(f, ...): `f` must only return Tensors, got type {type(out)} as an output")
    if type(out) is not BatchedTensor:  # did not depend on the batch: repeat it (as PyTorch)
        out = _tape._apply_plain(
            S.EXPAND,
            (_tape._apply_plain(S.VIEW, (out,), ((1,) + tuple(out.shape),)),),
            ((size,) + tuple(out.shape),),
        )
    else:
        out = _tape._apply_plain(S.VIEW, (out,), (out._data.shape,))
    n = out.dim()
    if not -n <= d < n:
        raise ValueError(
            f"{_call(out_dims=out_dims)}: Got out_dim={d} for an output, but the output has "
            f"{n - 1} dimensions per sample, so expected -{n} <= out_dim < {n}."
        )
    d %= n
    if d:
        perm = tuple(range(1, d + 1)) + (0,) + tuple(range(d + 1, n))
        out = _tape._apply_plain(S.PERMUTE, (out,), (perm,))
    return out


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` on one sample -> a function on a batch: the batch dim of each input is
    ``in_dims`` (None: shared by every sample), of each output ``out_dims``.

    ``func``: takes per-sample tensors and returns tensors; ``in_dims``: an int, None, or a
    tuple (nested like the arguments) of them; ``out_dims``: an int or a tuple, one per
    output; ``randomness``: what a random op inside does -- ``'error'`` (the default) raises,
    ``'same'`` draws once for the whole batch, ``'different'`` draws for each sample;
    ``chunk_size``: accepted for PyTorch's signature (the batch always runs in one piece).

    >>> import minigrad.func as F
    >>> F.vmap(minigrad.dot)(minigrad.ones(3, 2), minigrad.ones(3, 2))
    tensor([2., 2., 2.])
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError(
            f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}"
        )
    if not callable(func):
        raise RuntimeError(f"vmap(f, ...): f must be a callable, got {type(func).__name__}")

    def wrapper(*args, **kwargs):
        if _Level.active:
            raise NotImplementedError("vmap inside vmap is not supported by minigrad yet (one batch level)")
        from ..autograd import forward_ad

        if forward_ad._state.level is not None:
            raise NotImplementedError(
                "vmap inside a forward-mode dual level is not supported by minigrad yet"
            )
        flat, specs = _in_dims_for(in_dims, args)
        sizes = []
        checked = []
        for pairs in flat:
            row = []
            for x, d in pairs:
                d = _check_dim(d, x, in_dims)
                if d is not None:
                    sizes.append(x.shape[d])
                row.append((x, d))
            checked.append(row)
        if not sizes:
            raise ValueError(
                f"{_call(in_dims)}: At least one of the inputs must be batched (have "
                "an in_dim that is not None)."
            )
        if len(set(sizes)) != 1:
            raise ValueError(
                "vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                f"{sizes} for the mapped dimension"
            )
        size = sizes[0]
        call = [
            _tree.unflatten(spec, [x if d is None else _to_batched(x, d) for x, d in row])
            for row, spec in zip(checked, specs)
        ]
        _Level.active, _Level.size = True, size
        _batched.randomness, _batched.random_size = randomness, size
        _tape._set_interpose(_batched.dispatch, _batched.function_dispatch)
        try:
            out = func(*call, **kwargs)
        finally:
            _tape._set_interpose(None, None)
            _Level.active = False
            _batched.randomness = _batched.random_size = None
        outs, out_spec = _tree.flatten(out)
        if isinstance(out_dims, int):
            dims = [out_dims] * len(outs)
        else:
            dims, dspec = _tree.flatten(out_dims if isinstance(out_dims, tuple) else tuple(out_dims))
            if len(dims) != len(outs):
                raise ValueError(
                    f"{_call(out_dims=out_dims)}: out_dims is not compatible with the structure of `outputs`."
                )
        return _tree.unflatten(out_spec, [_from_batched(o, d, size, out_dims) for o, d in zip(outs, dims)])

    return wrapper


def batch_size():
    """The batch size of the running vmap (for ``grad`` inside ``vmap``), or None."""
    return _Level.size if _Level.active else None


__all__ = ["vmap"]
