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
    """Mean over sliding windows of (N, C, H, W) or (C, H, W) ``input``."""
    kh, kw, sh, sw, ph, pw, _, _, oh, ow = geo = pool_geometry(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode
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


def _bins(size, out):
    """(out, size) matrix averaging the input positions of each adaptive bin."""
    m = np.zeros((out, size))
    for i in range(out):
        lo, hi = (i * size) // out, -(-((i + 1) * size) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average-pool (N, C, H, W) or (C, H, W) ``input`` to ``output_size`` (None keeps a size)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    h, w = input.shape[-2:]
    size = (output_size, output_size) if output_size is None or isinstance(output_size, int) else output_size
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    if (oh, ow) == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    dt = input.dtype.numpy
    a_h, a_w = minigrad.from_numpy(_bins(h, oh).astype(dt)), minigrad.from_numpy(_bins(w, ow).T.astype(dt))
    return minigrad.matmul(minigrad.matmul(a_h, input), a_w)


def _check_image(layer, input):
    if input.ndim not in (3, 4) or input.numel() == 0:
        raise bad_input(
            layer,
            input.shape,
            "(N, C, H, W) or (C, H, W)",
            "non-empty 3D or 4D (batch mode) tensor expected for input",
        )


class MaxPool2d(Module):
    """Max over ``kernel_size`` windows (stride defaults to the kernel size)."""

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
    """Mean over ``kernel_size`` windows (stride defaults to the kernel size)."""

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
    """Average-pool to a fixed ``output_size`` whatever the input size (1: global average)."""

    def __init__(self, output_size):
        super().__init__()
        single = output_size is None or isinstance(output_size, int)
        self.output_size = output_size if single else tuple(output_size)

    def forward(self, input):
        _check_image(f"AdaptiveAvgPool2d(output_size={self.output_size})", input)
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
