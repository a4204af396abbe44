"""pad (F.pad) in its four modes, and the padding layers (ZeroPad2d, ConstantPad*d,
ReflectionPad*d, ReplicationPad*d, CircularPad*d).

Compositions: negative pads first crop (``narrow``); then ``constant`` writes the input into
a tensor filled with ``value`` (an indexed assignment, whose gradient w.r.t. the input is the
matching slice of the output's), and the other modes gather each padded dim with
``index_select`` on an index that reflects (``reflect``: the edge is not repeated), clamps
(``replicate``) or wraps (``circular``) positions outside the input. The gradient of the
gather adds each border entry's gradient back onto the input entry it copied.
"""

import math

import numpy as np

import minigrad
from minigrad._internal import check_alloc as _check_alloc

from .module import Module

_MODES = ("constant", "reflect", "replicate", "circular")


def _source(mode, n, left, right):
    """For each output position along a dim of size n, the input position it copies."""
    i = np.arange(-left, n + right)
    if mode == "reflect":
        i = np.abs(i)
        return np.where(i >= n, 2 * (n - 1) - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n


def _check(input, pad, mode):
    if mode not in _MODES:
        raise NotImplementedError(
            f"Unrecognised padding mode {mode}; expected one of "
            "'constant', 'reflect', 'replicate', 'circular'"
        )
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"Padding length must be divisible by 2 and at most twice the number of dimensions "
            f"({input.ndim}); got {len(pad)} values"
        )
    if not all(isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, got {tuple(pad)}")
    k = len(pad) // 2
    if mode != "constant" and not (k + 1 <= input.ndim <= k + 2 and 1 <= k <= 3):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor with mode={mode!r}: "
            "non-constant padding pads the last 1, 2 or 3 dims of a (batched) 2D-3D, 3D-4D or 4D-5D input"
        )


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``, last dim
    first; a negative entry crops.

    ``input``: any tensor; ``pad``: the sizes, two per padded dim; ``mode``: ``'constant'``
    (default), ``'reflect'``, ``'replicate'`` or ``'circular'``; ``value``: the fill of
    ``'constant'`` padding (default 0).

    >>> F.pad(minigrad.ones(1, 2), (1, 1), value=5.0).tolist()
    [[5.0, 1.0, 1.0, 5.0]]
    >>> F.pad(minigrad.arange(4.0).reshape(1, 1, 4), (2, 1), mode="reflect").tolist()
    [[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0]]]
    """
    pad = tuple(pad)
    _check(input, pad, mode)
    if mode != "constant" and value:
        raise RuntimeError(f"Padding mode {mode!r} doesn't take in value argument")
    out, grow = input, []
    for i in range(len(pad) // 2):  # crop the negative pads first, as PyTorch does
        d = input.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        if left < 0 or right < 0:
            start, stop = max(-left, 0), out.shape[d] - max(-right, 0)
            if stop <= start:
                raise RuntimeError(
                    f"pad: the padding {pad} crops dim {d} of input of shape {tuple(input.shape)} to "
                    "nothing; the resulting size must be positive"
                )
            out = out.narrow(d, start, stop - start)
        grow.append((d, max(left, 0), max(right, 0)))
    if mode == "constant":
        return _constant(out, grow, 0.0 if value is None else value)
    for d, left, right in grow:
        n = out.shape[d]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({left}, {right}) at dimension {d} of input {list(out.shape)}"
            )
        if mode == "circular" and (left > n or right > n):
            raise RuntimeError(
                f"Padding value causes wrapping around more than once: padding ({left}, {right}) at "
                f"dimension {d} of input {list(out.shape)}"
            )
        if left or right:
            out = out.index_select(d, minigrad.from_numpy(_source(mode, n, left, right)))
    return out


def _constant(input, grow, value):
    if all(left == right == 0 for _, left, right in grow):
        return input
    shape, index = list(input.shape), [slice(None)] * input.ndim
    for d, left, right in grow:
        shape[d] += left + right
        index[d] = slice(left, left + input.shape[d])
    _check_alloc("pad", math.prod(shape), input.dtype.itemsize, "an output", f"growth per dim {grow}")
    out = minigrad.full(tuple(shape), value, dtype=input.dtype)
    out[tuple(index)] = input
    return out


def _pairs(padding, n):
    return (padding,) * (2 * n) if isinstance(padding, int) else tuple(padding)


class _Pad(Module):
    """A padding layer: ``padding`` is an int (every side) or the ``2 * _n`` sides of ``pad``."""

    _mode, _n = "constant", 1

    def __init__(self, padding, value=None):
        super().__init__()
        self.padding = _pairs(padding, self._n)
        if len(self.padding) != 2 * self._n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or {2 * self._n} ints")
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, self._mode, self.value)

    def extra_repr(self):
        return f"{self.padding}" + (f", value={self.value}" if self._mode == "constant" else "")


class _ZeroPad(_Pad):
    def __init__(self, padding):
        super().__init__(padding, 0.0)


class _ModePad(_Pad):
    def __init__(self, padding):
        super().__init__(padding)


class ConstantPad1d(_Pad):
    """Pads the last 1 dim with the constant ``value``.

    Shapes: (*, W) -> the same with W_out = W + left + right.
    ``padding``: an int (every side) or 2 sides (left, right); negative ones crop.
    ``value``: the fill value.

    >>> nn.ConstantPad1d((1, 2), 9.0)(minigrad.arange(3.0).reshape(1, 3))
    tensor([[9., 0., 1., 2., 9., 9.]])
    """

    _n = 1


class ConstantPad2d(_Pad):
    """Pads the last 2 dims with the constant ``value``.

    Shapes: (*, H, W) -> the same with H_out = H + top + bottom, W_out = W + left + right.
    ``padding``: an int (every side) or 4 sides (left, right, top, bottom); negative ones crop.
    ``value``: the fill value.

    >>> nn.ConstantPad2d(1, 0.0)(minigrad.ones(1, 2, 3)).shape
    minigrad.Size([1, 4, 5])
    >>> nn.ConstantPad2d((1, 0, 0, 0), 0.0)(minigrad.arange(2.0).reshape(1, 1, 2))
    tensor([[[0., 0., 1.]]])
    """

    _n = 2


class ConstantPad3d(_Pad):
    """Pads the last 3 dims with the constant ``value``.

    Shapes: (*, D, H, W) -> the same with D_out = D + front + back, and H, W as for 2-D.
    ``padding``: an int (every side) or 6 sides (left, right, top, bottom, front, back); negative ones crop.
    ``value``: the fill value.

    >>> nn.ConstantPad3d(1, 0.0)(minigrad.ones(1, 2, 2, 3)).shape
    minigrad.Size([1, 4, 4, 5])
    """

    _n = 3


class ZeroPad1d(_ZeroPad):
    """Pads the last 1 dim with zeros.

    Shapes: (N, C, W) or (C, W) -> the same with W_out = W + left + right.
    ``padding``: an int (every side) or 2 sides (left, right); negative ones crop.

    >>> nn.ZeroPad1d((1, 2))(minigrad.arange(3.0).reshape(1, 3))
    tensor([[0., 0., 1., 2., 0., 0.]])
    """

    _n = 1


class ZeroPad2d(_ZeroPad):
    """Pads the last 2 dims with zeros.

    Shapes: (N, C, H, W) or (C, H, W) -> the same with H_out = H + top + bottom, W_out = W + left + right.
    ``padding``: an int (every side) or 4 sides (left, right, top, bottom); negative ones crop.

    >>> nn.ZeroPad2d(1)(minigrad.ones(1, 2, 3)).shape
    minigrad.Size([1, 4, 5])
    >>> nn.ZeroPad2d((1, 0, 0, 0))(minigrad.arange(2.0).reshape(1, 1, 2))
    tensor([[[0., 0., 1.]]])
    """

    _n = 2


class ZeroPad3d(_ZeroPad):
    """Pads the last 3 dims with zeros.

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> the same with D_out = D + front + back, and H, W as for 2-D.
    ``padding``: an int (every side) or 6 sides (left, right, top, bottom, front, back); negative ones crop.

    >>> nn.ZeroPad3d(1)(minigrad.ones(1, 2, 2, 3)).shape
    minigrad.Size([1, 4, 4, 5])
    """

    _n = 3


class ReflectionPad1d(_ModePad):
    """Pads the last 1 dim by reflecting the input at its edges (the edge value not repeated).

    Shapes: (N, C, W) or (C, W) -> the same with W_out = W + left + right.
    ``padding``: an int (every side) or 2 sides (left, right); negative ones crop.

    >>> nn.ReflectionPad1d((1, 2))(minigrad.arange(3.0).reshape(1, 3))
    tensor([[1., 0., 1., 2., 1., 0.]])
    """

    _mode, _n = "reflect", 1


class ReflectionPad2d(_ModePad):
    """Pads the last 2 dims by reflecting the input at its edges (the edge value not repeated).

    Shapes: (N, C, H, W) or (C, H, W) -> the same with H_out = H + top + bottom, W_out = W + left + right.
    ``padding``: an int (every side) or 4 sides (left, right, top, bottom); negative ones crop.

    >>> nn.ReflectionPad2d(1)(minigrad.ones(1, 2, 3)).shape
    minigrad.Size([1, 4, 5])
    >>> nn.ReflectionPad2d((1, 0, 0, 0))(minigrad.arange(2.0).reshape(1, 1, 2))
    tensor([[[1., 0., 1.]]])
    """

    _mode, _n = "reflect", 2


class ReflectionPad3d(_ModePad):
    """Pads the last 3 dims by reflecting the input at its edges (the edge value not repeated).

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> the same with D_out = D + front + back, and H, W as for 2-D.
    ``padding``: an int (every side) or 6 sides (left, right, top, bottom, front, back); negative ones crop.

    >>> nn.ReflectionPad3d(1)(minigrad.ones(1, 2, 2, 3)).shape
    minigrad.Size([1, 4, 4, 5])
    """

    _mode, _n = "reflect", 3


class ReplicationPad1d(_ModePad):
    """Pads the last 1 dim by repeating the edge values.

    Shapes: (N, C, W) or (C, W) -> the same with W_out = W + left + right.
    ``padding``: an int (every side) or 2 sides (left, right); negative ones crop.

    >>> nn.ReplicationPad1d((1, 2))(minigrad.arange(3.0).reshape(1, 3))
    tensor([[0., 0., 1., 2., 2., 2.]])
    """

    _mode, _n = "replicate", 1


class ReplicationPad2d(_ModePad):
    """Pads the last 2 dims by repeating the edge values.

    Shapes: (N, C, H, W) or (C, H, W) -> the same with H_out = H + top + bottom, W_out = W + left + right.
    ``padding``: an int (every side) or 4 sides (left, right, top, bottom); negative ones crop.

    >>> nn.ReplicationPad2d(1)(minigrad.ones(1, 2, 3)).shape
    minigrad.Size([1, 4, 5])
    >>> nn.ReplicationPad2d((1, 0, 0, 0))(minigrad.arange(2.0).reshape(1, 1, 2))
    tensor([[[0., 0., 1.]]])
    """

    _mode, _n = "replicate", 2


class ReplicationPad3d(_ModePad):
    """Pads the last 3 dims by repeating the edge values.

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> the same with D_out = D + front + back, and H, W as for 2-D.
    ``padding``: an int (every side) or 6 sides (left, right, top, bottom, front, back); negative ones crop.

    >>> nn.ReplicationPad3d(1)(minigrad.ones(1, 2, 2, 3)).shape
    minigrad.Size([1, 4, 4, 5])
    """

    _mode, _n = "replicate", 3


class CircularPad1d(_ModePad):
    """Pads the last 1 dim circularly: the input wraps around (the left pad comes from the right end).

    Shapes: (N, C, W) or (C, W) -> the same with W_out = W + left + right.
    ``padding``: an int (every side) or 2 sides (left, right); negative ones crop.

    >>> nn.CircularPad1d((1, 2))(minigrad.arange(3.0).reshape(1, 3))
    tensor([[2., 0., 1., 2., 0., 1.]])
    """

    _mode, _n = "circular", 1


class CircularPad2d(_ModePad):
    """Pads the last 2 dims circularly: the input wraps around (the left pad comes from the right end).

    Shapes: (N, C, H, W) or (C, H, W) -> the same with H_out = H + top + bottom, W_out = W + left + right.
    ``padding``: an int (every side) or 4 sides (left, right, top, bottom); negative ones crop.

    >>> nn.CircularPad2d(1)(minigrad.ones(1, 2, 3)).shape
    minigrad.Size([1, 4, 5])
    >>> nn.CircularPad2d((1, 0, 0, 0))(minigrad.arange(2.0).reshape(1, 1, 2))
    tensor([[[1., 0., 1.]]])
    """

    _mode, _n = "circular", 2


class CircularPad3d(_ModePad):
    """Pads the last 3 dims circularly: the input wraps around (the left pad comes from the right end).

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> the same with D_out = D + front + back, and H, W as for 2-D.
    ``padding``: an int (every side) or 6 sides (left, right, top, bottom, front, back); negative ones crop.

    >>> nn.CircularPad3d(1)(minigrad.ones(1, 2, 2, 3)).shape
    minigrad.Size([1, 4, 4, 5])
    """

    _mode, _n = "circular", 3
