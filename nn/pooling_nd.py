"""Pooling in 1, 2 and 3 dims beyond MaxPool2d/AvgPool2d (``pooling.py``): max_pool1d/3d,
avg_pool1d/3d, adaptive_max_pool1d/2d/3d, adaptive_avg_pool1d/3d, max_unpool1d/2d/3d,
lp_pool1d/2d, and their layers.

Max pooling, fixed or adaptive, is one ``gather_planes`` node (the max_pool2d primitive of
``minigrad/ops/nn.py``): numpy finds, for every output, the flat position of the maximum in
its input plane (each dim's windows as an (out, k) table of positions, -1 for padding), and
the node gathers those entries; its derivative scatters the gradient back to them, so ties
and the indices returned are PyTorch's. max_unpool is the adjoint, ``scatter_planes``.

Average pooling is linear and separable: along each pooled dim a matrix (out, size) whose
row o holds 1 / divisor on the window of o, applied with ``matmul``; the per-dim divisors
multiply to PyTorch's window area (or count of non-padding entries).
"""

import math

import numpy as np

import minigrad
from minigrad._internal import int_tuple as _tuple
from minigrad._internal import pool_out as _pool_out
from minigrad.ops.nn import gather_planes, scatter_planes

from .module import Module
from .pooling import avg_pool2d


def _check_input(op, input, nd):
    if input.ndim not in (nd + 1, nd + 2) or input.numel() == 0:
        raise RuntimeError(
            f"{op}: non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input, "
            f"got shape {tuple(input.shape)}"
        )
    if not input.is_floating_point():
        raise RuntimeError(f"{op}: not implemented for {input.dtype}; convert with .float()")


def _geometry(op, input, nd, kernel_size, stride, padding, dilation, ceil_mode):
    """Per dim (size, k, s, p, d, out), validated like PyTorch's pooling."""
    _check_input(op, input, nd)
    k = _tuple(kernel_size, nd, "kernel_size", op)
    default = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    s = k if default else _tuple(stride, nd, "stride", op)
    p, d = _tuple(padding, nd, "padding", op), _tuple(dilation, nd, "dilation", op)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise RuntimeError(f"{op}: kernel_size, stride and dilation must be positive, got {k}, {s}, {d}")
    for ki, pi, di in zip(k, p, d):
        if not 0 <= pi <= (di * (ki - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pi}, "
                f"kernel_size={ki} and dilation={di}"
            )
    size = tuple(input.shape[-nd:])
    out = tuple(_pool_out(*args, ceil_mode) for args in zip(size, k, s, p, d))
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: given input size {size}, the calculated output size {out} is too small "
            f"(kernel_size={k}, stride={s}, padding={p}, dilation={d})"
        )
    return tuple(zip(size, k, s, p, d, out))


def _windows(size, k, s, p, d, out):
    """(out, k): the input position of each window entry, -1 where it lies in the padding."""
    pos = np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d
    return np.where((pos >= 0) & (pos < size), pos, -1)


def _adaptive_windows(size, out):
    """(out, longest bin): PyTorch's bins [floor(o*size/out), ceil((o+1)*size/out)), -1 past a bin's end."""
    o = np.arange(out)
    lo, hi = (o * size) // out, -(-((o + 1) * size) // out)
    pos = lo[:, None] + np.arange((hi - lo).max())[None, :]
    return np.where(pos < hi[:, None], pos, -1)


def _argmax(x, windows):
    """Flat positions (P, *out) of each window's maximum in the planes of x (P, *size)."""
    nd = len(windows)
    # index -1 reads the -inf appended at the end of every dim: padding never wins
    padded = np.pad(x, [(0, 0)] + [(0, 1)] * nd, constant_values=-np.inf)
    grids = []
    for i, w in enumerate(windows):  # dim i's table spread over axes i (outputs) and nd + i (entries)
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = w.shape
        grids.append(w.reshape(shape))
    vals = padded[(slice(None),) + tuple(grids)]  # (P, *out, *k)
    outs, ks = vals.shape[1 : 1 + nd], vals.shape[1 + nd :]
    best = np.unravel_index(np.argmax(vals.reshape(vals.shape[0], *outs, -1), -1), ks)
    flat = np.zeros((x.shape[0],) + outs, dtype=np.int64)
    stride = 1
    for i in reversed(range(nd)):
        o = np.arange(outs[i]).reshape((1,) * (i + 1) + (-1,) + (1,) * (nd - 1 - i))
        pos = windows[i][o, best[i]]
        if (pos < 0).any():
            raise RuntimeError(
                "max_pool: a window lies entirely in the padding; use less padding or dilation"
            )
        flat += pos * stride
        stride *= x.shape[1 + i]
    return flat


def _gather_max(input, nd, windows, return_indices):
    lead, size = tuple(input.shape[:-nd]), tuple(input.shape[-nd:])
    planes = math.prod(lead)
    idx = _argmax(input.detach().numpy().reshape((planes,) + size), windows)
    outs = idx.shape[1:]
    out = gather_planes(input.reshape(planes, 1, 1, -1), idx.reshape(planes, 1, 1, -1)).reshape(lead + outs)
    if return_indices:
        return out, minigrad.from_numpy(idx.reshape(lead + outs))
    return out


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geo = _geometry(op, input, nd, kernel_size, stride, padding, dilation, ceil_mode)
    return _gather_max(input, nd, [_windows(*g) for g in geo], return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over sliding windows of (N, C, L) or (C, L) ``input``.

    ``kernel_size``: the window (an int or one per dim); ``stride``: its step (default
    ``kernel_size``); ``padding``: implicit -inf on every side; ``dilation``: the spacing of a
    window's entries; ``ceil_mode``: round the output size up, not down; ``return_indices``:
    also return each maximum's flat position in its plane (for max_unpool).

    >>> F.max_pool1d(minigrad.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]), 2)
    tensor([[3., 2.]])
    >>> F.max_pool1d(minigrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2, return_indices=True)
    (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over sliding windows of (N, C, D, H, W) or (C, D, H, W) ``input``.

    ``kernel_size``: the window (an int or one per dim); ``stride``: its step (default
    ``kernel_size``); ``padding``: implicit -inf on every side; ``dilation``: the spacing of a
    window's entries; ``ceil_mode``: round the output size up, not down; ``return_indices``:
    also return each maximum's flat position in its plane (for max_unpool).

    >>> F.max_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[7.]]]]])
    >>> F.max_pool3d(minigrad.zeros(1, 2, 5, 6, 7), 2).shape
    minigrad.Size([1, 2, 2, 3, 3])
    """
    return _max_pool(
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def _adaptive_size(op, input, nd, output_size):
    _check_input(op, input, nd)
    size = (output_size,) * nd if output_size is None or isinstance(output_size, int) else tuple(output_size)
    if len(size) != nd:
        raise ValueError(f"{op}: output_size must be an int or {nd} ints, got {output_size!r}")
    return tuple(n if o is None else int(o) for n, o in zip(input.shape[-nd:], size))


def _adaptive_max(op, nd, input, output_size, return_indices):
    outs = _adaptive_size(op, input, nd, output_size)
    windows = [_adaptive_windows(n, o) for n, o in zip(input.shape[-nd:], outs)]
    return _gather_max(input, nd, windows, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max-pool (N, C, L) or (C, L) ``input`` to ``output_size`` bins.

    ``return_indices``: also return each maximum's flat position in its plane.

    >>> F.adaptive_max_pool1d(minigrad.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]), 2)
    tensor([[3., 5.]])
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max-pool (N, C, H, W) or (C, H, W) ``input`` to ``output_size`` (None keeps a size).

    ``return_indices``: also return each maximum's flat position in its plane.

    >>> F.adaptive_max_pool2d(minigrad.arange(16.0).reshape(1, 1, 4, 4), (2, 1))
    tensor([[[[ 7.],
              [15.]]]])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max-pool (N, C, D, H, W) or (C, D, H, W) ``input`` to ``output_size``.

    ``return_indices``: also return each maximum's flat position in its plane.

    >>> F.adaptive_max_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 1, return_indices=True)
    (tensor([[[[[7.]]]]]), tensor([[[[[7]]]]]))
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def _along(x, dim, matrix):
    """``matrix`` (out, size) applied along ``dim`` of ``x``."""
    m = minigrad.from_numpy(np.ascontiguousarray(matrix.T).astype(x.dtype.numpy))
    return minigrad.matmul(x.transpose(dim, -1), m).transpose(dim, -1)


def _average(input, nd, matrices):
    out = input
    for i, m in enumerate(matrices):
        out = _along(out, input.ndim - nd + i, m)
    return out


def _window_matrix(size, k, s, p, out, include_pad):
    """(out, size) 0/1 matrix of each window's input positions, and each window's divisor."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    count = end - start if include_pad else np.minimum(end, size) - np.maximum(start, 0)
    pos = np.arange(size)[None, :]
    return (pos >= start[:, None]) & (pos < end[:, None]), count


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    geo = _geometry(op, input, nd, kernel_size, stride, padding, 1, ceil_mode)
    windows = [_window_matrix(n, k, s, p, o, count_include_pad) for n, k, s, p, _, o in geo]
    if divisor_override is None:
        return _average(input, nd, [inside / count[:, None] for inside, count in windows])
    if divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero (divisor_override must be a nonzero int or None)")
    return _average(input, nd, [inside * 1.0 for inside, _ in windows]) / float(divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over sliding windows of (N, C, L) or (C, L) ``input``.

    ``kernel_size``: the window (an int or one per dim); ``stride``: its step (default
    ``kernel_size``); ``padding``: implicit zeros on every side; ``ceil_mode``: round the output
    size up, not down; ``count_include_pad``: count the padding zeros in each divisor
    (default True).

    >>> F.avg_pool1d(minigrad.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]), 2)
    tensor([[2., 1.]])
    >>> F.avg_pool1d(minigrad.tensor([[3.0, 3.0, 3.0]]), 3, stride=1, padding=1, count_include_pad=False)
    tensor([[3., 3., 3.]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool3d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Mean over sliding windows of (N, C, D, H, W) or (C, D, H, W) ``input``.

    ``kernel_size``: the window (an int or one per dim); ``stride``: its step (default
    ``kernel_size``); ``padding``: implicit zeros on every side; ``ceil_mode``: round the output
    size up, not down; ``count_include_pad``: count the padding zeros in each divisor
    (default True); ``divisor_override``: divide every window's sum by this instead.

    >>> F.avg_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[3.5000]]]]])
    """
    return _avg_pool(
        "avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _bins(size, out):
    windows = _adaptive_windows(size, out)
    m = np.zeros((out, size))
    for o, w in enumerate(windows):
        w = w[w >= 0]
        m[o, w] = 1.0 / len(w)
    return m


def adaptive_avg_pool1d(input, output_size):
    """Average-pool (N, C, L) or (C, L) ``input`` to ``output_size`` bins.

    >>> F.adaptive_avg_pool1d(minigrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[2., 1.]])
    """
    (out,) = _adaptive_size("adaptive_avg_pool1d", input, 1, output_size)
    return _average(input, 1, [_bins(input.shape[-1], out)])


def adaptive_avg_pool3d(input, output_size):
    """Average-pool (N, C, D, H, W) or (C, D, H, W) ``input`` to ``output_size``.

    >>> F.adaptive_avg_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
    tensor([[[[[3.5000]]]]])
    """
    outs = _adaptive_size("adaptive_avg_pool3d", input, 3, output_size)
    return _average(input, 3, [_bins(n, o) for n, o in zip(input.shape[-3:], outs)])


def _max_unpool(op, nd, input, indices, kernel_size, stride, padding, output_size):
    k = _tuple(kernel_size, nd, "kernel_size", op)
    s = k if stride is None else _tuple(stride, nd, "stride", op)
    p = _tuple(padding, nd, "padding", op)
    if tuple(indices.shape) != tuple(input.shape) or input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}: expected indices of the input's shape and a {nd + 1}D or {nd + 2}D input, got input "
            f"{tuple(input.shape)} and indices {tuple(indices.shape)}"
        )
    default = tuple((n - 1) * si - 2 * pi + ki for n, ki, si, pi in zip(input.shape[-nd:], k, s, p))
    size = default if output_size is None else tuple(output_size)[-nd:]
    lead = tuple(input.shape[:-nd])
    planes, area = math.prod(lead), math.prod(size)
    idx = np.ascontiguousarray(indices.numpy(), dtype=np.int64).reshape(planes, 1, 1, -1)
    if idx.size and (idx.min() < 0 or idx.max() >= area):
        raise RuntimeError(
            f"{op}: Found an invalid max index: {int(idx.max() if idx.max() >= area else idx.min())} "
            f"(output volumes are of size {'x'.join(map(str, size))})"
        )
    out = scatter_planes(input.reshape(planes, 1, 1, -1), idx, (planes, 1, 1, area))
    return out.reshape(lead + size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: each value put back at its index, zeros elsewhere.

    ``input``: the pooled values; ``indices``: their positions, from the max pool's
    ``return_indices=True``; ``kernel_size``, ``stride``, ``padding``: the pool's (``stride``
    defaults to ``kernel_size``); ``output_size``: the size to restore, when the default
    (n - 1) * stride - 2 * padding + kernel_size is not the original.

    >>> y, i = F.max_pool1d(minigrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2, return_indices=True)
    >>> F.max_unpool1d(y, i, 2)
    tensor([[0., 3., 2., 0.]])
    """
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d (with ``return_indices=True``).

    ``input``: the pooled values; ``indices``: their positions, from the max pool's
    ``return_indices=True``; ``kernel_size``, ``stride``, ``padding``: the pool's (``stride``
    defaults to ``kernel_size``); ``output_size``: the size to restore, when the default
    (n - 1) * stride - 2 * padding + kernel_size is not the original.

    >>> y, i = F.max_pool2d(minigrad.arange(4.0).reshape(1, 1, 2, 2), 2, return_indices=True)
    >>> F.max_unpool2d(y, i, 2)
    tensor([[[[0., 0.],
              [0., 3.]]]])
    """
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d.

    ``input``: the pooled values; ``indices``: their positions, from the max pool's
    ``return_indices=True``; ``kernel_size``, ``stride``, ``padding``: the pool's (``stride``
    defaults to ``kernel_size``); ``output_size``: the size to restore, when the default
    (n - 1) * stride - 2 * padding + kernel_size is not the original.

    >>> y, i = F.max_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
    >>> F.max_unpool3d(y, i, 2).flatten()
    tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window) ** (1/p).

    ``input``: (N, C, L) or (C, L); ``norm_type``: p (p = 1 is sum pooling; large p nears max pooling);
    ``kernel_size``: the window; ``stride``: its step (default ``kernel_size``); ``ceil_mode``:
    round the output size up, not down.

    >>> F.lp_pool1d(minigrad.tensor([[3.0, 4.0, 1.0, 1.0]]), 2, 2)
    tensor([[5.0000, 1.4142]])
    """
    out = avg_pool1d(input**norm_type, kernel_size, stride, 0, ceil_mode)
    return (out * _tuple(kernel_size, 1, "kernel_size", "lp_pool1d")[0]) ** (1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window) ** (1/p).

    ``input``: (N, C, H, W) or (C, H, W); ``norm_type``: p (p = 1 is sum pooling; large p nears max pooling);
    ``kernel_size``: the window; ``stride``: its step (default ``kernel_size``); ``ceil_mode``:
    round the output size up, not down.

    >>> F.lp_pool2d(minigrad.ones(1, 1, 2, 2), 1, 2)
    tensor([[[[4.]]]])
    """
    out = avg_pool2d(input**norm_type, kernel_size, stride, 0, ceil_mode)
    return (out * math.prod(_tuple(kernel_size, 2, "kernel_size", "lp_pool2d"))) ** (1.0 / norm_type)


# ----------------------------------------------------------------------------- layers


class _MaxPool(Module):
    _fn = None

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        args = (
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )
        return type(self)._fn(input, *args)

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPool):
    """The maximum over sliding windows of length ``kernel_size``.

    Shapes: (N, C, L) or (C, L) -> (N, C, L_out),
    L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1.

    ``kernel_size``: the window; ``stride``: its step (default ``kernel_size``); ``padding``:
    implicit -inf on every side; ``dilation``: the spacing of a window's entries;
    ``return_indices``: also return each maximum's flat position in its plane (for MaxUnpool1d);
    ``ceil_mode``: round the output size up, not down.

    >>> nn.MaxPool1d(2)(minigrad.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]))
    tensor([[3., 2.]])
    >>> nn.MaxPool1d(2, return_indices=True)(minigrad.tensor([[1.0, 3.0, 2.0, 0.0]]))
    (tensor([[3., 2.]]), tensor([[1, 2]]))
    """

    _fn = max_pool1d


class MaxPool3d(_MaxPool):
    """The maximum over sliding (kD, kH, kW) windows.

    Shapes: (N, C, D, H, W) or (C, D, H, W) ->
    (N, C, D_out, H_out, W_out), each size as MaxPool1d's L_out.

    ``kernel_size``: the window; ``stride``: its step (default ``kernel_size``); ``padding``:
    implicit -inf on every side; ``dilation``: the spacing of a window's entries;
    ``return_indices``: also return each maximum's flat position in its plane (for MaxUnpool3d);
    ``ceil_mode``: round the output size up, not down. Each of these is an int or a triple (d, h, w).

    >>> nn.MaxPool3d(2)(minigrad.randn(1, 3, 4, 4, 4)).shape
    minigrad.Size([1, 3, 2, 2, 2])
    >>> nn.MaxPool3d(2)(minigrad.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[7.]]]])
    """

    _fn = max_pool3d


class AvgPool1d(Module):
    """The mean over sliding windows of length ``kernel_size``.

    Shapes: (N, C, L) or (C, L) -> (N, C, L_out),
    L_out = floor((L + 2 * padding - kernel_size) / stride) + 1.

    ``kernel_size``: the window; ``stride``: its step (default ``kernel_size``); ``padding``:
    implicit zeros on every side; ``ceil_mode``: round the output size up, not down;
    ``count_include_pad``: count the padding zeros in each divisor.

    >>> nn.AvgPool1d(2)(minigrad.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]))
    tensor([[2., 1.]])
    >>> nn.AvgPool1d(3, stride=1, padding=1)(minigrad.tensor([[3.0, 3.0, 3.0]]))
    tensor([[2., 3., 2.]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad

    def forward(self, input):
        return avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool1d):
    """The mean over sliding (kD, kH, kW) windows.

    Shapes: (N, C, D, H, W) or (C, D, H, W) ->
    (N, C, D_out, H_out, W_out), each size as AvgPool1d's L_out.

    ``kernel_size``: the window; ``stride``: its step (default ``kernel_size``); ``padding``:
    implicit zeros on every side; ``ceil_mode``: round the output size up, not down;
    ``count_include_pad``: count the padding zeros in each divisor;
    ``divisor_override``: divide every window's sum by this instead.
    Each size is an int or a triple (d, h, w).

    >>> nn.AvgPool3d(2)(minigrad.randn(1, 3, 4, 4, 4)).shape
    minigrad.Size([1, 3, 2, 2, 2])
    >>> nn.AvgPool3d(2)(minigrad.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[3.5000]]]])
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        return avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class _Adaptive(Module):
    _fn = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        single = output_size is None or isinstance(output_size, int)
        self.output_size = output_size if single else tuple(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        if self.return_indices:
            return type(self)._fn(input, self.output_size, True)
        return type(self)._fn(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_Adaptive):
    """The maximum over ``output_size`` bins of (nearly) equal length.

    Shapes: (N, C, L) or (C, L) ->
    (N, C, output_size); bin i covers [floor(i * L / out), ceil((i + 1) * L / out)).

    ``output_size``: the number of bins; ``return_indices``: also return each maximum's position.

    >>> nn.AdaptiveMaxPool1d(2)(minigrad.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]))
    tensor([[3., 5.]])
    """

    _fn = adaptive_max_pool1d


class AdaptiveMaxPool2d(_Adaptive):
    """The maximum over an ``output_size`` grid of bins.

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out).

    ``output_size``: an int (square), or (H_out, W_out) where None keeps that input size;
    ``return_indices``: also return each maximum's flat position in its plane.

    >>> nn.AdaptiveMaxPool2d((1, None))(minigrad.randn(1, 3, 5, 7)).shape
    minigrad.Size([1, 3, 1, 7])
    >>> nn.AdaptiveMaxPool2d(1)(minigrad.arange(6.0).reshape(1, 2, 3))
    tensor([[[5.]]])
    """

    _fn = adaptive_max_pool2d


class AdaptiveMaxPool3d(_Adaptive):
    """The maximum over an ``output_size`` grid of bins.

    Shapes: (N, C, D, H, W) or (C, D, H, W) ->
    (N, C, D_out, H_out, W_out).

    ``output_size``: an int or (D_out, H_out, W_out), None keeping that size; ``return_indices``:
    also return each maximum's flat position in its volume.

    >>> nn.AdaptiveMaxPool3d(2)(minigrad.randn(1, 3, 5, 6, 7)).shape
    minigrad.Size([1, 3, 2, 2, 2])
    """

    _fn = adaptive_max_pool3d


class AdaptiveAvgPool1d(_Adaptive):
    """The mean over ``output_size`` bins of (nearly) equal length.

    Shapes: (N, C, L) or (C, L) ->
    (N, C, output_size); bin i covers [floor(i * L / out), ceil((i + 1) * L / out)).

    ``output_size``: the number of bins.

    >>> nn.AdaptiveAvgPool1d(2)(minigrad.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[2., 1.]])
    """

    _fn = adaptive_avg_pool1d

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveAvgPool3d(AdaptiveAvgPool1d):
    """The mean over an ``output_size`` grid of bins.

    Shapes: (N, C, D, H, W) or (C, D, H, W) ->
    (N, C, D_out, H_out, W_out).

    ``output_size``: an int or (D_out, H_out, W_out), None keeping that size.

    >>> nn.AdaptiveAvgPool3d(1)(minigrad.randn(2, 3, 4, 4, 4)).shape
    minigrad.Size([2, 3, 1, 1, 1])
    """

    _fn = adaptive_avg_pool3d


class _MaxUnpool(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, input, indices, output_size=None):
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpool):
    """The partial inverse of MaxPool1d: each value put back at its index, zeros elsewhere.

    Shapes: (N, C, L_in) -> (N, C, L), L = (L_in - 1) * stride - 2 * padding + kernel_size.

    ``kernel_size``, ``stride`` (default ``kernel_size``), ``padding``: those of the pooling;
    the forward takes ``(input, indices, output_size=None)``, ``output_size`` resolving an
    ambiguous size.

    >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
    >>> out, indices = pool(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    >>> unpool(out, indices)
    tensor([[[0., 3., 2., 0.]]])
    """

    _fn = max_unpool1d


class MaxUnpool2d(_MaxUnpool):
    """The partial inverse of MaxPool2d: each value put back at its index, zeros elsewhere.

    Shapes: (N, C, H_in, W_in) -> (N, C, H, W), H = (H_in - 1) * stride - 2 * padding + kernel_size (W alike).

    ``kernel_size``, ``stride`` (default ``kernel_size``), ``padding``: those of the pooling;
    the forward takes ``(input, indices, output_size=None)``, ``output_size`` resolving an
    ambiguous size.

    >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    >>> out, indices = pool(minigrad.arange(16.0).reshape(1, 1, 4, 4))
    >>> unpool(out, indices)
    tensor([[[[ 0.,  0.,  0.,  0.],
              [ 0.,  5.,  0.,  7.],
              [ 0.,  0.,  0.,  0.],
              [ 0., 13.,  0., 15.]]]])
    """

    _fn = max_unpool2d


class MaxUnpool3d(_MaxUnpool):
    """The partial inverse of MaxPool3d: each value put back at its index, zeros elsewhere.

    Shapes: (N, C, D_in, H_in, W_in) -> (N, C, D, H, W), each size as MaxUnpool1d's L.

    ``kernel_size``, ``stride`` (default ``kernel_size``), ``padding``: those of the pooling;
    the forward takes ``(input, indices, output_size=None)``, ``output_size`` resolving an
    ambiguous size.

    >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
    >>> out, indices = pool(minigrad.randn(1, 1, 4, 4, 4))
    >>> unpool(out, indices).shape
    minigrad.Size([1, 1, 4, 4, 4])
    """

    _fn = max_unpool3d


class _LPPool(Module):
    _fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = (
            norm_type,
            kernel_size,
            stride,
            ceil_mode,
        )

    def forward(self, input):
        return type(self)._fn(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPool):
    """The p-norm over sliding windows, (sum of x^p) ** (1 / p).

    Shapes: (N, C, L) or (C, L) -> (N, C, L_out),
    L_out = floor((L - kernel_size) / stride) + 1.

    ``norm_type``: p; ``kernel_size``: the window; ``stride``: its step (default ``kernel_size``);
    ``ceil_mode``: round the output size up, not down.

    >>> nn.LPPool1d(2, 2)(minigrad.tensor([[3.0, 4.0, 1.0, 0.0]]))
    tensor([[5., 1.]])
    """

    _fn = lp_pool1d


class LPPool2d(_LPPool):
    """The p-norm over sliding (kH, kW) windows, (sum of x^p) ** (1 / p).

    Shapes: (N, C, H, W) or (C, H, W)
    -> (N, C, H_out, W_out), each size as LPPool1d's L_out.

    ``norm_type``: p; ``kernel_size``: the window (an int or (kH, kW)); ``stride``: its step
    (default ``kernel_size``); ``ceil_mode``: round the output size up, not down.

    >>> nn.LPPool2d(1, 2)(minigrad.ones(1, 4, 4))
    tensor([[[4., 4.],
             [4., 4.]]])
    """

    _fn = lp_pool2d
