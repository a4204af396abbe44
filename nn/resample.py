"""interpolate (F.interpolate, nn.Upsample) and unfold/fold (nn.Unfold, nn.Fold).

Every interpolation mode is linear in the input and separable: along each spatial dim the
output is a (out, in) matrix times the input, the matrix holding PyTorch's source positions
and weights (nearest: one 1 per row; linear: two taps; bicubic: four taps of the cubic
convolution kernel with A = -0.75, edges clamped; area: adaptive average bins). The
matrices are built in numpy and applied with ``matmul`` along each dim, so gradients come
from matmul. unfold and fold are the ``im2col``/``col2im`` pair of ``minigrad/ops/nn.py``.
"""

import math

import numpy as np

from minigrad._internal import conv_geometry as _conv_geometry
from minigrad.ops.nn import col2im, im2col

from .module import Module
from .pooling_nd import _along, _bins

_NDIM = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_A = -0.75


def _source(dst, size, out, scale, align_corners, cubic):
    """PyTorch's area_pixel_compute_source_index for output positions ``dst``."""
    if align_corners:
        return dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    src = (dst + 0.5) * scale - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _cubic(x):
    x = np.abs(x)
    near = ((_A + 2) * x - (_A + 3)) * x * x + 1
    far = ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return np.where(x <= 1, near, far)


def _matrix(mode, size, out, scale, align_corners):
    """(out, size) interpolation matrix of one dim; ``scale`` maps output to input positions."""
    m = np.zeros((out, size))
    dst = np.arange(out, dtype=np.float64)
    rows = np.arange(out)
    if mode in ("nearest", "nearest-exact"):
        shift = 0.5 if mode == "nearest-exact" else 0.0
        np.add.at(m, (rows, np.minimum(np.floor((dst + shift) * scale).astype(np.int64), size - 1)), 1.0)
    elif mode == "area":
        m = _bins(size, out)
    elif mode == "bicubic":
        src = _source(dst, size, out, scale, align_corners, True)
        i0 = np.floor(src).astype(np.int64)
        t = src - i0
        for k, w in zip(range(-1, 3), (_cubic(t + 1), _cubic(t), _cubic(1 - t), _cubic(2 - t))):
            np.add.at(m, (rows, np.clip(i0 + k, 0, size - 1)), w)
    else:
        src = _source(dst, size, out, scale, align_corners, False)
        i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
        lam = src - i0
        np.add.at(m, (rows, i0), 1 - lam)
        np.add.at(m, (rows, np.minimum(i0 + 1, size - 1)), lam)
    return m


def _sizes(input, nd, size, scale_factor, recompute_scale_factor):
    """Output sizes and the output->input scale per dim, as PyTorch computes them."""
    spatial = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("either size or scale_factor should be defined, and not both")
    if size is not None:
        out = (size,) * nd if isinstance(size, int) else tuple(size)
        if len(out) != nd:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(spatial)} and output size of {list(out)}. Please provide input "
                "tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        return out, [n / o for n, o in zip(spatial, out)]
    factors = (scale_factor,) * nd if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(factors) != nd:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
            f"spatial dimensions of {list(spatial)} and scale_factor of shape {list(factors)}."
        )
    out = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
    if recompute_scale_factor:
        return out, [n / o for n, o in zip(spatial, out)]
    return out, [1.0 / f for f in factors]


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """Resize the spatial dims of (N, C, *spatial) ``input`` to ``size`` or by ``scale_factor``.

    ``size``: the output's spatial size (an int or one per dim); ``scale_factor``: a multiplier
    instead (give one of the two); ``mode``: ``'nearest'`` (default), ``'nearest-exact'``,
    ``'linear'`` (3-D input), ``'bilinear'`` / ``'bicubic'`` (4-D), ``'trilinear'`` (5-D) or
    ``'area'``; ``align_corners``: for the interpolating modes, map the corner pixels' centres
    onto each other (default False); ``recompute_scale_factor``: compute the scale used from the
    output size (default False: use ``scale_factor`` as given); ``antialias``: not supported
    (True raises NotImplementedError).

    >>> F.interpolate(minigrad.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear").tolist()
    [[[1.0, 1.25, 1.75, 2.0]]]
    >>> F.interpolate(minigrad.tensor([[[1.0, 2.0]]]), size=3, mode="linear", align_corners=True)
    tensor([[[1.0000, 1.5000, 2.0000]]])
    """
    if mode not in _MODES:
        raise NotImplementedError(
            f"Input Error: unsupported interpolation mode {mode!r}; expected one of {_MODES}"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    nd = input.ndim - 2
    if nd < 1 or nd > 3:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: "
            f"nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})"
        )
    if mode in _NDIM and _NDIM[mode] != nd:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_NDIM[mode] + 2}D input")
    if align_corners is not None and mode not in _NDIM:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if not input.is_floating_point():
        raise RuntimeError(f"interpolate: not implemented for {input.dtype}; convert with .float()")
    out, scales = _sizes(input, nd, size, scale_factor, recompute_scale_factor)
    if min(out) < 1:
        raise RuntimeError(
            f"interpolate: the output size {out} of input {tuple(input.shape)} must be positive"
        )
    result = input
    for i, (n, o, s) in enumerate(zip(input.shape[2:], out, scales)):
        result = _along(result, 2 + i, _matrix(mode, n, o, s, bool(align_corners)))
    return result


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The deprecated name of :func:`interpolate` (without its last two arguments).

    ``input``: (N, C, *spatial); ``size``, ``scale_factor``: the output size, or a multiplier;
    ``mode``: the interpolation (default ``'nearest'``); ``align_corners``: as in interpolate.

    >>> F.upsample(minigrad.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def _fold_geometry(op, shape, channels, kernel_size, dilation, padding, stride):
    nd = 2
    kernel = (kernel_size,) * nd if isinstance(kernel_size, int) else tuple(kernel_size)
    return _conv_geometry(op, shape, (1, channels) + kernel, stride, padding, dilation)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding (C, kh, kw) patches of (N, C, H, W) ``input`` as columns: (N, C*kh*kw, L).

    ``kernel_size``: the patch size (an int or a pair); ``dilation``: the spacing of a patch's
    entries (default 1); ``padding``: implicit zeros on every side (default 0); ``stride``: the
    patches' step (default 1).

    >>> F.unfold(minigrad.arange(9.0).reshape(1, 1, 3, 3), kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D) for unfold"
        )
    x = input.unsqueeze(0) if input.ndim == 3 else input
    geo = _fold_geometry("unfold", tuple(x.shape), x.shape[1], kernel_size, dilation, padding, stride)
    cols = im2col(x, geo)
    return cols.squeeze(0) if input.ndim == 3 else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum (N, C*kh*kw, L) columns back into an (N, C, *output_size) image: unfold's adjoint.

    ``input``: the columns, (N, C*kh*kw, L) or (C*kh*kw, L); ``output_size``: the image's
    (H, W); ``kernel_size``: the patch size (an int or a pair); ``dilation``: the spacing of a patch's
    entries (default 1); ``padding``: implicit zeros on every side (default 0); ``stride``: the
    patches' step (default 1).

    >>> cols = F.unfold(minigrad.ones(1, 1, 3, 3), kernel_size=2)
    >>> F.fold(cols, (3, 3), kernel_size=2)     # how many patches cover each pixel
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    if input.ndim not in (2, 3):
        raise NotImplementedError(
            "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D) for fold"
        )
    x = input.unsqueeze(0) if input.ndim == 2 else input
    kernel = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    area = kernel[0] * kernel[1]
    if x.shape[1] % area:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={x.shape[1]} and kernel_size={kernel}"
        )
    out = (output_size,) * 2 if isinstance(output_size, int) else tuple(output_size)
    shape = (x.shape[0], x.shape[1] // area) + out
    geo = _fold_geometry("fold", shape, shape[1], kernel, dilation, padding, stride)
    if geo[8] * geo[9] != x.shape[2]:
        raise RuntimeError(
            f"Given output_size={out}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
            f"stride={stride}, expected size of input's dimension 2 to match the calculated number of "
            f"sliding blocks {geo[8]} * {geo[9]} = {geo[8] * geo[9]}, but got input.size(2)={x.shape[2]}."
        )
    image = col2im(x.contiguous(), shape, geo)
    return image.squeeze(0) if input.ndim == 2 else image


class Upsample(Module):
    """Resizes the last 1, 2 or 3 dims to ``size``, or by ``scale_factor`` (F.interpolate as a layer).

    Shapes: (N, C, W), (N, C, H, W) or (N, C, D, H, W) -> the same N, C with the new sizes.
    ``size``: the output sizes (an int or one per dim); ``scale_factor``: a multiplier (an int,
    float or one per dim), instead of ``size``; ``mode``: ``'nearest'`` (default), ``'linear'``,
    ``'bilinear'``, ``'bicubic'``, ``'trilinear'``, ``'area'`` or ``'nearest-exact'``;
    ``align_corners``: for the linear modes, map the corner pixels' centres onto each other;
    ``recompute_scale_factor``: compute the interpolation from the output size rather than
    ``scale_factor``.

    >>> nn.Upsample(scale_factor=2)(minigrad.tensor([[[1.0, 2.0]]]))
    tensor([[[1., 1., 2., 2.]]])
    >>> nn.Upsample(size=3, mode="linear", align_corners=True)(minigrad.tensor([[[1.0, 2.0]]]))
    tensor([[[1.0000, 1.5000, 2.0000]]])
    """

    def __init__(
        self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None
    ):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input):
        return interpolate(
            input, self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor
        )

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={float(self.scale_factor)}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample(size, scale_factor, mode='nearest') on (N, C, H, W) input.

    ``size``: (H_out, W_out) or an int; ``scale_factor``: a multiplier instead of ``size``.

    >>> nn.UpsamplingNearest2d(scale_factor=2)(minigrad.ones(1, 3, 4, 5)).shape
    minigrad.Size([1, 3, 8, 10])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(size, scale_factor, mode='bilinear', align_corners=True) on (N, C, H, W) input.

    ``size``: (H_out, W_out) or an int; ``scale_factor``: a multiplier instead of ``size``.

    >>> nn.UpsamplingBilinear2d(size=(1, 3))(minigrad.tensor([[[[0.0, 2.0]]]]))
    tensor([[[[0., 1., 2.]]]])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "bilinear", align_corners=True)


class Unfold(Module):
    """Extracts sliding blocks (im2col): each window's C * kH * kW values become a column.

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C * kH * kW, L), L the number of windows.
    ``kernel_size``: the block (an int or (kH, kW)); ``dilation``: the spacing of its entries;
    ``padding``: zeros on every side; ``stride``: the step between blocks.

    >>> nn.Unfold(kernel_size=2)(minigrad.ones(1, 3, 4, 4)).shape
    minigrad.Size([1, 12, 9])
    >>> nn.Unfold(2)(minigrad.arange(9.0).reshape(1, 1, 3, 3))
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """Sums sliding blocks back into an image (col2im), the adjoint of Unfold: overlaps add up.

    Shapes: (N, C * kH * kW, L) or (C * kH * kW, L) -> (N, C, *output_size).
    ``output_size``: (H, W) of the image; ``kernel_size``, ``dilation``, ``padding``, ``stride``:
    those of the Unfold that made the blocks.

    >>> fold, unfold = nn.Fold((3, 3), 2), nn.Unfold(2)
    >>> fold(unfold(minigrad.ones(1, 1, 3, 3)))
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
