"""affine_grid and grid_sample: spatial transformers (sampling an image at arbitrary points).

Both are composed, so their gradients (w.r.t. theta, the input and the grid) come from the
ops they are made of. ``affine_grid`` is one matmul of the normalised pixel-centre
coordinates with theta. ``grid_sample`` maps the grid's [-1, 1] coordinates to pixel
coordinates (per ``align_corners``), folds them into the image (``padding_mode``: clamp for
border, a reflection then a clamp for reflection), and, per dim, splits each coordinate into
its floor (a constant: numpy on the values) and the fraction above it (a Tensor, which
carries the gradient w.r.t. the grid). Each of the 2**nd corners is one ``gather`` from the
flattened input (whose backward scatter-adds into the input), weighted by the product of the
per-dim fractions; corners outside the image get weight 0 (zeros padding, as PyTorch).
``mode="nearest"`` rounds half to even, as PyTorch's nearbyint, and has no grid gradient.
4-D inputs sample (H, W) with (x, y) grids; 5-D ones (D, H, W) with (x, y, z).
"""

import itertools
import math
import warnings

import numpy as np

import minigrad

_MODES = ("bilinear", "nearest", "bicubic")
_PADDING = ("zeros", "border", "reflection")


def _align_default(align_corners, op):
    if align_corners is None:
        warnings.warn(
            "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
            "Please specify align_corners=True if the old behavior is desired. See the documentation of "
            f"grid_sample for details. ({op})",
            UserWarning,
            stacklevel=3,
        )
        return False
    return bool(align_corners)


def _base(n, align_corners):
    """The normalised coordinates of n pixel centres along a dim (0 for a single one)."""
    if n <= 1:
        return np.zeros(max(n, 0))
    line = np.linspace(-1.0, 1.0, n)
    return line if align_corners else line * (n - 1) / n


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of the affine maps ``theta`` (N, 2, 3) for an output of ``size``
    (N, C, H, W), as (N, H, W, 2) (x, y) coordinates in [-1, 1]; (N, 3, 4) and
    (N, C, D, H, W) give (N, D, H, W, 3). Differentiable in theta.

    >>> F.affine_grid(minigrad.eye(2, 3)[None], (1, 1, 1, 2), align_corners=False).tolist()
    [[[[-0.5, 0.0], [0.5, 0.0]]]]
    """
    op = "affine_grid"
    align_corners = _align_default(align_corners, op)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype} ({op})")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}."
        )
    nd = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (nd, nd + 1):
        raise ValueError(
            f"Expected a batch of {nd}D affine matrices of shape Nx{nd}x{nd + 1} for size {size}. "
            f"Got {tuple(theta.shape)}. ({op})"
        )
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size} ({op})")
    if theta.shape[0] != size[0]:
        raise RuntimeError(
            f"{op}: theta holds {theta.shape[0]} matrices but size asks for a batch of {size[0]}"
        )
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
            "of affine_grid for details.",
            UserWarning,
            stacklevel=2,
        )
    axes = np.meshgrid(*[_base(n, align_corners) for n in spatial], indexing="ij")  # (D,) H, W order
    cols = [a.reshape(-1) for a in reversed(axes)] + [np.ones(math.prod(spatial))]  # x, y, (z), 1
    base = minigrad.tensor(np.stack(cols, 1), dtype=theta.dtype)  # (P, nd + 1)
    grid = minigrad.matmul(base, theta.transpose(1, 2))  # (N, P, nd)
    return grid.reshape((size[0],) + spatial + (nd,))


def _reflect(x, low2, high2):
    """Coordinates reflected into [low2 / 2, high2 / 2] (PyTorch's reflect_coordinates)."""
    if low2 == high2:
        return x * 0
    lo, span = low2 / 2, (high2 - low2) / 2
    a = (x - lo).abs()
    flips = np.floor(a.detach().numpy() / span)  # constant: the fold number only picks the branch
    extra = a - minigrad.from_numpy(flips * span)
    even = minigrad.from_numpy(flips % 2 == 0)
    return minigrad.where(even, extra + lo, (extra * -1 + span) + lo)


def _source(coord, n, padding_mode, align_corners):
    """Grid coordinates in [-1, 1] as pixel coordinates of a dim of size n, padded."""
    x = (coord + 1) * ((n - 1) / 2) if align_corners else ((coord + 1) * n - 1) / 2
    if padding_mode == "border":
        x = x.clamp(0, n - 1)
    elif padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (n - 1)) if align_corners else _reflect(x, -1, 2 * n - 1)
        x = x.clamp(0, n - 1)
    return x


def _check(op, input, grid, mode, padding_mode):
    if mode not in _MODES:
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
            f"but got: '{mode}'"
        )
    if padding_mode not in _PADDING:
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    sizes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(
            f"{op}(): expected 4D or 5D input and grid with same number of dimensions, but got {sizes}"
        )
    nd = input.ndim - 2
    if grid.shape[-1] != nd:
        raise RuntimeError(
            f"{op}(): expected grid to have size {nd} in last dimension, but got grid with sizes "
            f"{list(grid.shape)}"
        )
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"{op}(): expected grid and input to have same batch size, but got {sizes}")
    if not input.is_floating_point() or input.dtype != grid.dtype:
        raise RuntimeError(
            f"{op}(): expected input and grid to be floating point tensors of one dtype, got {input.dtype} "
            f"and {grid.dtype}; convert with .to(input.dtype)"
        )
    if 0 in tuple(input.shape)[2:]:
        raise RuntimeError(f"{op}(): expected input to have non-empty spatial dimensions, but got {sizes}")
    if mode == "bicubic":
        raise NotImplementedError(f"{op}(): mode='bicubic' is not supported by minigrad (use 'bilinear')")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at the [-1, 1] (x, y) points of ``grid`` (N, Ho, Wo, 2),
    bilinearly or at the nearest pixel: (N, C, Ho, Wo). 5-D inputs take (x, y, z) grids.
    Differentiable in the input and (bilinear) in the grid.

    ``mode``: ``'bilinear'`` (default) or ``'nearest'``; ``padding_mode``: what points outside
    read: ``'zeros'`` (default), ``'border'`` or ``'reflection'``; ``align_corners``: -1 and 1
    are the corner pixels' centres (True) or their outer edges (False, the default, with
    PyTorch's warning when not given).

    >>> img = minigrad.arange(4.0).reshape(1, 1, 2, 2)
    >>> F.grid_sample(img, minigrad.zeros(1, 1, 1, 2), align_corners=True).item()
    1.5
    >>> F.grid_sample(img, minigrad.full((1, 1, 1, 2), 1.0), mode="nearest", align_corners=True).item()
    3.0
    """
    op = "grid_sampler"
    _check(op, input, grid, mode, padding_mode)
    align_corners = _align_default(align_corners, "grid_sample")
    n, c, spatial = input.shape[0], input.shape[1], tuple(input.shape[2:])
    nd, out = len(spatial), tuple(grid.shape[1:-1])
    q = math.prod(out)
    flat = input.reshape((n, c, math.prod(spatial)))
    g = grid.reshape((n, q, nd))
    # per input dim (slowest first: D, H, W), its coordinate, the grid's last entries reversed
    coords = [_source(g[:, :, nd - 1 - k], spatial[k], padding_mode, align_corners) for k in range(nd)]
    strides = [math.prod(spatial[k + 1 :]) for k in range(nd)]

    def corner(positions, weight):
        # the input at integer ``positions`` (per dim, (N, Q)) times ``weight``; 0 outside
        inside = np.ones((n, q), bool)
        index = np.zeros((n, q), np.int64)
        for pos, size, stride in zip(positions, spatial, strides):
            inside &= (pos >= 0) & (pos < size)
            index += np.clip(pos, 0, size - 1).astype(np.int64) * stride
        picked = minigrad.gather(
            flat, 2, minigrad.from_numpy(np.ascontiguousarray(np.broadcast_to(index[:, None], (n, c, q))))
        )
        mask = minigrad.from_numpy(inside.astype(flat.detach().numpy().dtype))
        return picked * (weight * mask).reshape((n, 1, q))

    if mode == "nearest":
        # the weight 0 * x + 1 links the grid with a zero gradient, as PyTorch's
        result = corner([np.rint(x.detach().numpy()) for x in coords], coords[0] * 0 + 1)
    else:
        lows = [np.floor(x.detach().numpy()) for x in coords]
        fracs = [x - minigrad.from_numpy(lo) for x, lo in zip(coords, lows)]
        result = None
        for bits in itertools.product((0, 1), repeat=nd):
            weight = None
            for b, f in zip(bits, fracs):
                factor = f if b else (f * -1 + 1)
                weight = factor if weight is None else weight * factor
            term = corner([lo + b for lo, b in zip(lows, bits)], weight)
            result = term if result is None else result + term
    return result.reshape((n, c) + out)
