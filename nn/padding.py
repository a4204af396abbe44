"""pad: grow a tensor with a constant border (F.pad, mode='constant').

A composition: the input is written into a tensor filled with ``value`` (an indexed
assignment, whose gradient w.r.t. the input is the matching slice of the output's).
"""

import math

import minigrad
from minigrad.ops._core import _check_alloc


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``, last dim first.

    >>> F.pad(minigrad.ones(1, 2), (1, 1)).tolist()
    [[0.0, 1.0, 1.0, 0.0]]
    """
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported (got {mode!r})")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"Padding length must be divisible by 2 and at most twice the number of dimensions "
            f"({input.ndim}); got {len(pad)} values"
        )
    if any(p < 0 for p in pad):
        raise NotImplementedError(
            "pad: negative padding (cropping) is not supported; slice the tensor instead"
        )
    shape, index = list(input.shape), [slice(None)] * input.ndim
    for i in range(len(pad) // 2):
        d = input.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        shape[d] += left + right
        index[d] = slice(left, left + input.shape[d])
    _check_alloc("pad", math.prod(shape), input.dtype.itemsize, "an output", f"pad={tuple(pad)}")
    out = minigrad.full(tuple(shape), 0.0 if value is None else value, dtype=input.dtype)
    out[tuple(index)] = input
    return out
