"""Pooling: MaxPool2d (a primitive with argmax indices, in ``minigrad/ops/nn.py``),
AvgPool2d and AdaptiveAvgPool2d (compositions).

avg_pool2d sums the im2col patches of every channel plane and divides by a constant
(kernel area, or the count of non-padding entries when ``count_include_pad=False``).
adaptive_avg_pool2d is linear and separable: ``A_h @ x @ A_w^T`` with averaging matrices
whose rows cover PyTorch's bins [floor(i*H/oh), ceil((i+1)*H/oh)).
"""

import math

import numpy as np

import minigrad
from minigrad._internal import check_alloc as _check_alloc
from minigrad.ops.nn import im2col, max_pool2d, pool_geometry

from ._checks import bad_input
from .module import Module


def _divisor(size, k, s, p, out, include_pad):
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Mean over sliding windows of (N, C, H, W) or (C, H, W) ``input``.

    ``kernel_size``: the window (an int or one per dim); ``stride``: its step (default
    ``kernel_size``); ``padding``: implicit zeros on every side; ``ceil_mode``: round the output
    size up, not down; ``count_include_pad``: count the padding zeros in each divisor
    (default True); ``divisor_override``: divide every window's sum by this instead.

    >>> x = minigrad.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.avg_pool2d(x, 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    >>> F.avg_pool2d(x, 2, divisor_override=1)
    tensor([[[[10., 18.],
              [42., 50.]]]])
    """
    kh, kw, sh, sw, ph, pw, _, _, oh, ow = geo = pool_geometry(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode, im2col=True
    )
    if not input.is_floating_point():
        raise RuntimeError(f"avg_pool2d: not implemented for {input.dtype}; convert with .float()")
    shape = tuple(input.shape)
    planes = math.prod(shape[:-2])
    sums = im2col(input.reshape(planes, 1, *shape[-2:]), geo).sum(1).reshape(shape[:-2] + (oh, ow))
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(
                "avg_pool2d: divisor must be not zero (divisor_override must be a nonzero "
                "int, or None to divide by the window size)"
            )
        return sums / float(divisor_override)
    div = np.outer(
        _divisor(shape[-2], kh, sh, ph, oh, count_include_pad),
        _divisor(shape[-1], kw, sw, pw, ow, count_include_pad),
    )
    return sums / minigrad.from_numpy(div.astype(input.dtype.numpy))


def _bin_index(size, out):
    """PyTorch's adaptive bins [floor(i*size/out), ceil((i+1)*size/out)) as an (out, k) index
    array (k: the widest bin; short bins repeat their first position), the (out, k) mask of
    real entries, and the bin lengths."""
    i = np.arange(out)
    lo, hi = (i * size) // out, -(-((i + 1) * size) // out)
    idx = lo[:, None] + np.arange(int((hi - lo).max(initial=1)))
    valid = idx < hi[:, None]
    return np.where(valid, idx, lo[:, None]), valid, hi - lo


def adaptive_avg_pool2d(input, output_size):
    """Average-pool (N, C, H, W) or (C, H, W) ``input`` to ``output_size`` (None keeps a size).

    Each bin's entries are gathered (the padding of a short bin masked out, so a NaN stays in
    the bins that hold it, as in PyTorch) and averaged.

    >>> F.adaptive_avg_pool2d(minigrad.arange(16.0).reshape(1, 1, 4, 4), (1, 2))
    tensor([[[[6.5000, 8.5000]]]])
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    h, w = input.shape[-2:]
    size = (output_size, output_size) if output_size is None or isinstance(output_size, int) else output_size
    size = tuple(size)
    if len(size) != 2 or not all(s is None or isinstance(s, (int, np.integer)) for s in size):
        raise TypeError(
            f"adaptive_avg_pool2d(): output_size must be an int or a pair of ints, got {output_size!r}"
        )
    oh, ow = (h if size[0] is None else int(size[0])), (w if size[1] is None else int(size[1]))
    if oh < 0 or ow < 0:
        raise RuntimeError(
            "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
            f"but received {size}"
        )
    if (oh, ow) == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    planes = math.prod(tuple(input.shape)[:-2])
    widest = (-(-h // max(oh, 1)) + 1) * (-(-w // max(ow, 1)) + 1)
    _check_alloc(
        "adaptive_avg_pool2d",
        planes * oh * ow * widest,
        input.dtype.itemsize,
        "gathered bins",
        f"output_size=({oh}, {ow})",
    )
    rows, row_ok, row_n = _bin_index(h, oh)
    cols, col_ok, col_n = _bin_index(w, ow)
    patches = input[..., rows[:, :, None, None], cols[None, None]]  # (*, oh, kh, ow, kw)
    keep = minigrad.from_numpy(row_ok[:, :, None, None] & col_ok[None, None])
    sums = minigrad.where(keep, patches, 0.0).sum((-3, -1))
    return sums / minigrad.from_numpy(np.outer(row_n, col_n).astype(input.dtype.numpy))


def _check_image(layer, input):
    shape = tuple(input.shape)
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise bad_input(
            layer,
            input.shape,
            "(N, C, H, W) or (C, H, W)",
            "3D or 4D (batch mode) tensor with optional 0 dim batch size expected for input",
        )


class MaxPool2d(Module):
    """Max over ``kernel_size`` windows (stride defaults to the kernel size).

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    H_out = floor((H + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1 (W alike).

    ``kernel_size``: the window (an int or a pair); ``stride``: its step (default
    ``kernel_size``); ``padding``: implicit -inf on every side; ``dilation``: the spacing of a
    window's entries; ``return_indices``: also return each maximum's flat position in its plane
    (for MaxUnpool2d); ``ceil_mode``: round the output size up, not down.

    >>> nn.MaxPool2d(2)(minigrad.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> nn.MaxPool2d(3, stride=2, padding=1)(minigrad.zeros(1, 3, 8, 8)).shape
    minigrad.Size([1, 3, 4, 4])
    """

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        _check_image(f"MaxPool2d(kernel_size={self.kernel_size})", input)
        return max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows (stride defaults to the kernel size).

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    H_out = floor((H + 2 * padding - kernel_size) / stride) + 1 (W alike).

    ``kernel_size``: the window (an int or one per dim); ``stride``: its step (default
    ``kernel_size``); ``padding``: implicit zeros on every side; ``ceil_mode``: round the output
    size up, not down; ``count_include_pad``: count the padding zeros in each divisor
    (default True); ``divisor_override``: divide every window's sum by this instead.

    >>> nn.AvgPool2d(2)(minigrad.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
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
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        _check_image(f"AvgPool2d(kernel_size={self.kernel_size})", input)
        return avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed ``output_size`` whatever the input size (1: global average).

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, *output_size); an int gives a square output,
    None keeps that size.

    >>> nn.AdaptiveAvgPool2d(1)(minigrad.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[1.5000]],
    <BLANKLINE>
             [[5.5000]]]])
    >>> nn.AdaptiveAvgPool2d((5, None))(minigrad.zeros(1, 3, 10, 7)).shape
    minigrad.Size([1, 3, 5, 7])
    """

    def __init__(self, output_size):
        super().__init__()
        single = output_size is None or isinstance(output_size, int)
        self.output_size = output_size if single else tuple(output_size)

    def forward(self, input):
        _check_image(f"AdaptiveAvgPool2d(output_size={self.output_size})", input)
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
