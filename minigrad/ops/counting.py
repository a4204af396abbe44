"""Counting: histc, histogram, bincount. None is differentiable (in PyTorch neither).

Bin membership follows PyTorch to the last bit, since a learner compares counts by eye:
``histc`` places an element by linear interpolation in the input's dtype,
``int((x - min) * bins / (max - min))``, the right edge counting in the last bin;
``histogram`` takes PyTorch's bin edges (its ``linspace``, computed from both ends) and puts
each element in ``[edge_i, edge_i+1)`` by search. NaN and elements outside the range are not
counted.
"""

import operator

import numpy as np

from .. import _tape
from .._tape import Tensor
from ._core import export, refuse_batched
from .pointwise import _scalar_name


def _float_input(op, kernel, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    data = input._data
    if data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_scalar_name(data.dtype)}': {op}() "
            "counts floating point tensors; convert with .float()"
        )
    return data.reshape(-1)


def _bins(op, bins):
    try:
        bins = operator.index(bins)
    except TypeError:
        raise TypeError(f"{op}(): argument 'bins' must be int, not {type(bins).__name__}") from None
    if bins <= 0:
        raise RuntimeError(f"{op}(): bins must be > 0, but got {bins} for dimension 0")
    return bins


def _zeros(op, n, dtype):
    try:
        return np.zeros(n, dtype)
    except (MemoryError, ValueError):
        raise RuntimeError(f"{op}(): a result of {n} bins is too large to allocate") from None


def _linspace(lo, hi, bins, dtype):
    """PyTorch's linspace(lo, hi, bins + 1) in ``dtype``: the first half counted up from lo, the
    second down from hi, each point one fused multiply-add (as its vectorised kernel), which
    long double arithmetic reproduces (but for a rare double rounding)."""
    lo, hi = dtype.type(lo), dtype.type(hi)
    step = np.longdouble((hi - lo) / dtype.type(bins))
    i = np.arange(bins + 1).astype(np.longdouble)
    up, down = np.longdouble(lo) + step * i, np.longdouble(hi) - step * (bins - i)
    return np.where(i < (bins + 1) // 2, up, down).astype(dtype)


def _outer_edges(op, data, lo, hi, widen):
    """The range to count over: (lo, hi), or the data's own when lo == hi; a range still of zero
    width grows by ``widen`` at each end (histc: 1, histogram: 0.5, as numpy's)."""
    if lo == hi and data.size:
        lo, hi = data.min(), data.max()
    if lo == hi:
        lo, hi = lo - widen, hi + widen
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"{op}(): range of [{lo}, {hi}] is not finite")
    return lo, hi


@export
def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Counts of the elements in ``bins`` equal-width bins over [min, max] (the data's range
    if min == max); elements outside are ignored.

    ``input``: a floating tensor (flattened); ``bins``: how many bins; ``min``, ``max``: the
    range covered (the last bin includes ``max``).

    >>> minigrad.histc(minigrad.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    refuse_batched("histc", input)
    data = _float_input("histc", "histogram_cpu", input)
    bins = _bins("histc", bins)
    if min > max:
        raise RuntimeError(f"histc(): max must be larger than min (got min={min}, max={max})")
    dt = data.dtype
    lo, hi = _outer_edges("histc", data, dt.type(min), dt.type(max), 1)
    out = _zeros("histc", bins, dt)
    with np.errstate(invalid="ignore"):
        inside = data[(data >= lo) & (data <= hi)]
        pos = ((inside - lo) * dt.type(bins) / (hi - lo)).astype(np.int64)
    np.add.at(out, np.minimum(pos, bins - 1), 1)
    return _tape._from_array(out)


class _Histogram(tuple):
    """(hist, bin_edges), as PyTorch's torch.return_types.histogram."""

    hist = property(lambda self: self[0])
    bin_edges = property(lambda self: self[1])

    def __repr__(self):
        return f"minigrad.return_types.histogram(\nhist={self[0]!r},\nbin_edges={self[1]!r})"


@export
def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """A histogram: ``bins`` equal bins over ``range`` (the data's by default), or the bin edges
    given as a 1-D tensor; returns (hist, bin_edges). ``weight`` weighs each element;
    ``density`` scales hist to integrate to 1.

    ``input``: a floating tensor (flattened); ``bins``: an int or the edges; ``range``: (min,
    max); ``weight``: a tensor of ``input``'s shape; ``density``: normalise.

    >>> minigrad.histogram(minigrad.tensor([1.0, 2.0, 1.0]), bins=2).hist
    tensor([2., 1.])
    """
    data = _float_input("histogram", "histogramdd", input)
    dt = data.dtype
    if isinstance(bins, Tensor):
        if bins._data.ndim != 1 or bins._data.size < 1:
            raise RuntimeError(
                f"histogram(): bins must be a 1-d tensor of edges, got shape {tuple(bins.shape)}"
            )
        edges = bins._data.astype(dt)
    else:
        n = _bins("histogram", bins)
        if range is None:
            lo, hi = (dt.type(0), dt.type(1)) if data.size == 0 else (data.min(), data.max())
        else:
            lo, hi = (dt.type(v) for v in range)
            if lo > hi:
                raise RuntimeError(
                    f"histogram(): min should not exceed max, but got min {lo} max {hi} for dimension 0"
                )
        lo, hi = _outer_edges("histogram", data[:0], lo, hi, 0.5)
        _zeros("histogram", n + 1, dt)  # a clear error for an absurd bin count
        edges = _linspace(lo, hi, n, dt)
    w = None
    if weight is not None:
        if not isinstance(weight, Tensor) or weight.shape != input.shape:
            raise RuntimeError(
                "histogram(): if weight tensor is provided it should have the same shape as "
                f"the input tensor, but got input with shape {tuple(input.shape)} and weight "
                f"with shape {tuple(getattr(weight, 'shape', ()))}"
            )
        w = weight._data.reshape(-1).astype(dt)
    nb = edges.size - 1
    hist = np.zeros(nb, dt)
    if nb > 0:
        with np.errstate(invalid="ignore"):
            keep = (data >= edges[0]) & (data <= edges[-1])
        pos = np.minimum(np.searchsorted(edges, data[keep], side="right") - 1, nb - 1)
        np.add.at(hist, pos, 1 if w is None else w[keep])
        if density:
            with np.errstate(all="ignore"):
                hist = (hist / (hist.sum() * np.diff(edges))).astype(dt)
    return _Histogram((_tape._from_array(hist), _tape._from_array(np.ascontiguousarray(edges))))


@export
def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``input`` (the sum of
    ``weights`` at those places, if given); at least ``minlength`` bins.

    >>> minigrad.bincount(minigrad.tensor([0, 2, 2]))
    tensor([1, 0, 2])
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"bincount(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    data = input._data
    if data.dtype.kind not in "iu":
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{_scalar_name(data.dtype)}': "
            "bincount() counts integer tensors"
        )
    if data.ndim != 1 or (data.size and data.min() < 0):
        what = " with negative values" if data.ndim == 1 else ""
        raise RuntimeError(
            f"bincount only supports 1-d non-negative integral inputs (got shape {tuple(data.shape)}{what})."
        )
    try:
        minlength = operator.index(minlength)
    except TypeError:
        raise TypeError(
            f"bincount(): argument 'minlength' must be int, not {type(minlength).__name__}"
        ) from None
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0 (bincount got {minlength})")
    w = None
    if weights is not None:
        if not isinstance(weights, Tensor) or weights._data.ndim != 1 or weights._data.shape != data.shape:
            raise RuntimeError(
                "weights should be 1-d and have the same length as input (bincount got "
                f"input of shape {tuple(data.shape)}, weights of shape "
                f"{tuple(getattr(weights, 'shape', ()))})"
            )
        w = weights._data
    n = max(int(data.max()) + 1 if data.size else 0, minlength)
    out = _zeros("bincount", n, np.int64 if w is None else (w.dtype if w.dtype.kind == "f" else np.float64))
    np.add.at(out, data, 1 if w is None else w.astype(out.dtype))
    return _tape._from_array(out)
