"""Indexing: ``x[index]`` and ``x[index] = value``, differentiable.

The adjoint of ``x[index]`` scatters the gradient back with ``np.add.at``, so repeated
integer indices accumulate, as PyTorch's index backward does.
"""

import numpy as np

from .. import _tape
from .._tape import Tensor, apply
from ._core import _is_raw, defop, ndarray


def _fwd_getitem(x, index):
    return x[index]


def _fwd_unindex(g, shape, index):
    # the adjoint of x[index]: scatter-add g into zeros (repeated indices accumulate)
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def _fwd_setitem(x, v, index):
    out = x.copy()
    out[index] = v
    return out


# ----------------------------------------------------------------------------- the table
# fmt: off
SELECT   = defop("select", _fwd_getitem,     lambda g, x, out, index: _unindex(g, x.shape, index), view=True)
SLICE    = defop("slice", _fwd_getitem,      lambda g, x, out, index: _unindex(g, x.shape, index), view=True)
UNSQUEEZE_INDEX = defop("unsqueeze", _fwd_getitem, lambda g, x, out, index: _unindex(g, x.shape, index), view=True)
INDEX    = defop("index", _fwd_getitem,      lambda g, x, out, index: _unindex(g, x.shape, index))
UNINDEX  = defop("index_put", _fwd_unindex,  lambda g, x, out, shape, index: g[index])
SETITEM  = defop("setitem", _fwd_setitem,    lambda g, x, v, out, index: _zero_at(g, index),
                                             lambda g, x, v, out, index: g[index], grad_name="CopySlices")
# fmt: on


def _unindex(g, shape, index):
    if _is_raw(g):
        return _fwd_unindex(g, shape, index)
    return apply(UNINDEX, (g,), (shape, index))


def _zero_at(g, index):
    if _is_raw(g):
        out = np.array(g)
        out[index] = 0
        return out
    return setitem_(g.clone(), index, 0.0)


def _index_arg(index):
    """Tensors inside an index become ndarrays; nested lists become arrays."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(_index_arg(i) for i in index)
    if isinstance(index, list):
        return np.asarray([i._data if isinstance(i, Tensor) else i for i in index])
    return index


def _index_op(index):
    """PyTorch names an indexing grad_fn after the last step it decomposes into."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, (ndarray, list)) for p in parts):
        return INDEX
    for p in reversed(parts):
        if isinstance(p, (int, np.integer)):
            return SELECT
        if p is None:
            return UNSQUEEZE_INDEX
        if isinstance(p, slice) and p != slice(None):
            return SLICE
    return SLICE


def getitem(input, index):
    index = _index_arg(index)
    try:
        return apply(_index_op(index), (input,), (index,))
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {tuple(input.shape)})") from None


def setitem_(input, index, value):
    """``input[index] = value`` in place (differentiable w.r.t. both)."""
    index = _index_arg(index)
    input._check_inplace()
    if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
        value = value.to(input.dtype)
    res = apply(SETITEM, (input, value), (index,))
    return _tape._rebase(input, res)


def setitem(input, index, value):
    setitem_(input, index, value)


