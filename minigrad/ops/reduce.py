"""Reductions (``sum``, ``mean``) and ``sum_to``, the engine's one broadcasting helper."""

import numpy as np

from .._tape import apply
from ._core import _dims, _dtype_of, _is_raw, _numel, defop
from .shape import expand


def sum_to(g, shape, dtype=None):
    """Sum ``g`` over the axes it was broadcast along so it has ``shape`` (and ``dtype``)."""
    gshape = g.shape
    if gshape != shape:
        lead = len(gshape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1
        )
        if _is_raw(g):
            g = np.sum(g, axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)
        else:
            g = (g.sum(dim=axes, keepdim=True) if axes else g).reshape(shape)
    if dtype is not None:
        if _is_raw(g):
            if g.dtype != dtype:
                g = np.asarray(g).astype(dtype)
        elif g._data.dtype != dtype:
            g = g.to(_dtype_of(dtype))
    return g


def _keepdim(g, dims, keepdim, shape):
    """Put back the reduced axes of ``g`` (as size 1) so it broadcasts against ``shape``."""
    if keepdim or not shape:
        return g
    return g.reshape(tuple(1 if i in dims else s for i, s in enumerate(shape)))


def _fwd_sum(x, dims=None, keepdim=False):
    if x.dtype.kind in "biu":
        x = x.astype(np.int64)
    return np.sum(x, axis=dims, keepdims=keepdim)


def _fwd_mean(x, dims=None, keepdim=False):
    if x.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_dtype_of(x.dtype)}. Convert first: x.float().mean()."
        )
    count = _numel(x.shape) if dims is None else _numel(x.shape[d] for d in dims)
    s = np.sum(x, axis=dims, keepdims=keepdim)
    return s / x.dtype.type(count) if count else s * np.nan


# ----------------------------------------------------------------------------- the table
# fmt: off
SUM      = defop("sum", _fwd_sum,            lambda g, x, out: expand(g, x.shape))
SUM_DIM  = defop("sum", _fwd_sum,            lambda g, x, out, dims, keepdim: expand(_keepdim(g, dims, keepdim, x.shape), x.shape),
                                                                                grad_name="SumBackward1")
MEAN     = defop("mean", _fwd_mean,          lambda g, x, out: expand(g / max(_numel(x.shape), 1), x.shape))
MEAN_DIM = defop("mean", _fwd_mean,          lambda g, x, out, dims, keepdim: expand(
                                                 _keepdim(g, dims, keepdim, x.shape) / max(_numel(x.shape) // max(_numel(out.shape), 1), 1),
                                                 x.shape),                      grad_name="MeanBackward1")
# fmt: on


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):  # noqa: A001
    """Sum of all elements, or over ``dim`` (int or tuple), keeping it if ``keepdim``.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    dim = axis if dim is None else dim
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(SUM, (input,))
    return apply(SUM_DIM, (input,), (_dims("sum", dim, input.ndim), bool(keepdim)))


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Mean of all elements, or over ``dim`` (int or tuple), keeping it if ``keepdim``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).mean()
    tensor(2.)
    """
    dim = axis if dim is None else dim
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(MEAN, (input,))
    return apply(MEAN_DIM, (input,), (_dims("mean", dim, input.ndim), bool(keepdim)))


