"""More reductions and scans: cumprod, cummax/cummin, logcumsumexp, median, quantile and
nanquantile, nansum/nanmean, var_mean/std_mean, aminmax, count_nonzero.

cumprod is an op (numpy's forward, PyTorch's derivative for inputs without zeros); the rest
compose existing ops: cummax picks with ``gather`` at the indices numpy finds, quantile
interpolates between sorted values, so their gradients come from those. median is two ops:
median() spreads its gradient over the elements equal to it as max() does, median(dim) picks
the lower middle (or the first NaN) as kthvalue does, both PyTorch's rules.
"""

import collections

import numpy as np

from .. import _batched, _tape
from .._batched import BatchedTensor
from .._tape import apply
from . import _batching as B
from ._core import _dim1, _dims, _is_raw, defop, export, numpy_keywords, quiet
from .elementwise import add, div, mul, where
from .indexing import gather
from .pointwise import isnan
from .reduce import _cumsum, _named, _spread_grad, amax, amin, cumsum, mean, std, sum, var
from .shape import flip, reshape
from .sorting import _fwd_pick, _order, _pick_grad, _values_indices, sort
from .special import lerp


def _fwd_cumprod(x, dim):
    return np.cumprod(x, axis=dim) if x.ndim else x.copy()


def _cumprod_grad(g, x, out, dim):
    # sum_{j >= k} g_j out_j / x_k: a reversed cumsum (PyTorch's formula where x has no zeros)
    if not x.shape:
        return g
    if _is_raw(g) and _is_raw(x) and x.size and not np.all(x):
        return _cumprod_grad_zeros(np.asarray(g), x, out, dim)
    return div(flip(_cumsum(flip(mul(g, out), dim), dim), dim), x)


def _cumprod_grad_zeros(g, x, out, dim):
    """The same where a row has a zero, as PyTorch gives it: before the row's first zero z the
    formula above (x_k is not 0 there); at z, P * sum_{j >= z} g_j prod_{z < i <= j} x_i with P
    the product before z; after z, 0 (every product there has the factor x_z = 0)."""
    moved = np.moveaxis(x, dim, -1).shape
    gm, xm, om = (np.moveaxis(a, dim, -1).reshape(-1, moved[-1]) for a in (g, x, out))
    with quiet():
        grad = np.flip(np.cumsum(np.flip(gm * om, -1), -1), -1) / xm
    zero = xm == 0
    first = np.argmax(zero, -1)
    has = zero.any(-1)
    after = np.arange(xm.shape[-1]) > first[:, None]
    grad[has[:, None] & (after | zero)] = 0
    for row in np.flatnonzero(has):
        z = first[row]
        xs, gs = xm[row], gm[row]
        tail = np.cumprod(np.concatenate(([1], xs[z + 1 :])).astype(xs.dtype))
        grad[row, z] = np.prod(xs[:z]) * np.dot(gs[z:], tail)
    grad = grad.reshape(moved)
    return np.moveaxis(grad, -1, dim).astype(x.dtype, copy=False)


# fmt: off
CUMPROD = defop("cumprod", _fwd_cumprod, _cumprod_grad, batch=B.shifted(0))
# fmt: on


@export
@numpy_keywords
def cumprod(input, dim, *, dtype=None):
    """The running product along ``dim``.

    ``input``: the tensor; ``dim``: the dim multiplied along; ``dtype``: convert to it first;
    ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).cumprod(0)
    tensor([1., 2., 6.])
    """
    if dtype is not None:
        input = input.to(dtype)
    d = _dim1("cumprod", dim, input.ndim)
    if input._data.dtype.kind in "biu":
        return _tape._from_array(
            np.cumprod(input._data.astype(np.int64), axis=d) if input.ndim else input._data
        )
    return apply(CUMPROD, (input,), (d,))


def _running(name, accumulate):
    def fn(input, dim):
        d = _dim1(name, dim, input.ndim)
        x = input._data
        if not input.ndim:
            return _named(name, input.clone(), _batched.result_like(input, np.zeros(x.shape, np.int64)))
        p = _batched.phys_dim(input, d)  # inside vmap: along the same dim of every sample
        run = accumulate(x, axis=p)
        pos = np.arange(x.shape[p]).reshape((-1,) + (1,) * (x.ndim - p - 1))
        # the index of the latest element equal to the running extreme (PyTorch's choice at ties)
        idx = np.maximum.accumulate(np.where(x == run, pos, 0), axis=p).astype(np.int64)
        index = _batched.result_like(input, idx)
        return _named(name, gather(input, d, index), index)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""The running {name[3:]} along ``dim`` and where it was found: (values, indices).

    ``input``: the tensor; ``dim``: the dim accumulated along (at ties the later index is kept).

    >>> minigrad.tensor([1, 3, 2, 5]).{name}(0).values
    tensor({_RUNNING_EXAMPLE[name]})
    """
    return fn


_RUNNING_EXAMPLE = {"cummax": "[1, 3, 3, 5]", "cummin": "[1, 1, 1, 1]"}
cummax = export(_running("cummax", np.maximum.accumulate))
cummin = export(_running("cummin", np.minimum.accumulate))


@export
def logcumsumexp(input, dim):
    """log(cumsum(exp(x))) along ``dim``, shifted by the max so exp never overflows.

    ``input``: a floating tensor; ``dim``: the dim accumulated along.

    >>> minigrad.tensor([0.0, 0.0, 0.0]).logcumsumexp(0)
    tensor([0.0000, 0.6931, 1.0986])
    """
    d = _dim1("logcumsumexp", dim, input.ndim)
    with np.errstate(all="ignore"):  # inside vmap: each sample's own max (the dim past the batch)
        c = (
            np.max(input._data, axis=_batched.phys_dim(input, d), keepdims=True)
            if input.ndim
            else input._data
        )
        c = _batched.result_like(input, np.where(np.isfinite(c), c, 0))  # a constant: its gradient cancels
    return add(cumsum((input - c).exp(), d).log(), c)


def _fwd_median(x):
    """The lower median of all elements; NaN where one is NaN or there are none (PyTorch)."""
    flat = x.reshape(-1)
    if x.dtype.kind == "f" and (flat.size == 0 or np.isnan(flat).any()):
        return np.full((), np.nan, x.dtype)
    if flat.size == 0:
        raise IndexError("median(): Expected reduction dim to have non-zero size (an empty integer tensor)")
    k = (flat.size - 1) // 2
    return np.asarray(np.partition(flat, k)[k])


# fmt: off
# median() shares its gradient among the elements equal to it (NaNs where it is NaN), as
# max() does; median(dim) sends it to the one index it returns
MEDIAN     = defop("median", _fwd_median,  lambda g, x, out: _spread_grad(g, x, out, None, False, nan_wins=True))
MEDIAN_DIM = defop("median", _fwd_pick,    _pick_grad, grad_name="MedianBackward1", batch=B.physical)
# fmt: on


@export
@numpy_keywords
def median(input, dim=None, keepdim=False):
    """The lower median (the middle element, or the smaller of the two middle ones).

    NaN where a NaN is among them; with ``dim``, (values, indices) along it.

    ``input``: the tensor; ``dim``: one int (None: all elements, a 0-d result); ``keepdim``:
    keep the reduced dim as size 1; ``axis``, ``keepdims``: numpy's spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([3.0, 1.0, 4.0, 2.0]).median()
    tensor(2.)
    >>> minigrad.tensor([[3.0, 1.0, 4.0]]).median(dim=1).indices
    tensor([0])
    """
    if dim is None:
        return apply(MEDIAN, (input,))
    d = _dim1("median", dim, input.ndim)
    x = input._data
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    d = _batched.phys_dim(input, d) if input.ndim else 0  # inside vmap: the dim past the batch
    order = _order(x, d, False)
    index = order if order.ndim == 0 else np.take(order, [(x.shape[d] - 1) // 2], axis=d)
    if x.ndim and x.dtype.kind == "f":
        nan = np.isnan(x)
        if nan.any():  # the first NaN of a slice that has one, as PyTorch
            index = np.where(nan.any(axis=d, keepdims=True), np.argmax(nan, axis=d, keepdims=True), index)
    return _values_indices("median", MEDIAN_DIM, input, d, bool(keepdim), index)


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    _batched.refuse(name, input, q, why="its positions are computed on the whole array")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    qs = q._data if isinstance(q, _tape.Tensor) else np.asarray(q, dtype=np.float64)
    if np.any((qs < 0) | (qs > 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                           f"Got {interpolation!r}")  # fmt: skip
    x = reshape(input, (-1,)) if dim is None else input
    d = 0 if dim is None else _dim1(name, dim, input.ndim)
    if x.ndim == 0:
        x = reshape(x, (1,))
    srt = sort(x, d).values  # NaN sorts last
    nan = np.isnan(x._data)
    count = (
        (x.shape[d] - nan.sum(axis=d, keepdims=True))
        if ignore_nan
        else np.full(nan.sum(axis=d, keepdims=True).shape, x.shape[d])
    )
    # PyTorch's ranks: a slice with a NaN takes its last (a NaN), an all-NaN one for
    # nanquantile its first, so the value is NaN and the gradient goes to that element
    has_nan = None if ignore_nan else nan.any(axis=d, keepdims=True)
    outs = []
    for qv in np.atleast_1d(qs).reshape(-1):
        pos = (
            np.maximum(qv * (count - 1), 0) if ignore_nan else np.where(has_nan, count - 1, qv * (count - 1))
        )
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        frac = (pos - lo).astype(x._data.dtype)
        if interpolation == "lower":
            hi, frac = lo, frac * 0
        elif interpolation == "higher":
            lo, frac = hi, frac * 0
        elif interpolation == "nearest":
            lo = hi = np.round(pos).astype(np.int64)
            frac = frac * 0
        elif interpolation == "midpoint":
            frac = np.where(hi > lo, 0.5, 0.0).astype(x._data.dtype)
        v = gather(srt, d, _tape._from_array(np.clip(lo, 0, None)))
        if interpolation in ("linear", "midpoint"):  # the others pick (no -inf + 0 * nan)
            v = lerp(v, gather(srt, d, _tape._from_array(np.clip(hi, 0, None))), _tape._from_array(frac))
        if not keepdim:
            v = v.squeeze(d)
        elif dim is None:
            v = reshape(v, (1,) * input.ndim)
        outs.append(v)
    if np.ndim(qs) == 0:
        return outs[0]
    from .join import stack

    return stack(outs, 0)


@export
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles (a number or 1-D tensor in [0, 1]) over all elements or along ``dim``;
    NaN where a NaN is among them.

    ``input``: a floating tensor; ``q``: the probabilities (a 1-D ``q`` adds a first dim of
    that length); ``dim``: one int (None: all elements); ``keepdim``: keep the reduced dim as
    size 1; ``interpolation``: between the two nearest ranks, ``"linear"``, ``"lower"``,
    ``"higher"``, ``"midpoint"`` or ``"nearest"``.

    >>> x = minigrad.tensor([1.0, 2.0, 3.0, 4.0])
    >>> x.quantile(0.5), x.quantile(0.5, interpolation="lower")
    (tensor(2.5000), tensor(2.))
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


@export
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaNs (NaN only where every element is NaN).

    ``input``: a floating tensor; ``q``: the probabilities (a number or a 1-D tensor in
    [0, 1]); ``dim``: one int (None: all elements); ``keepdim``: keep the reduced dim as
    size 1; ``interpolation``: as in ``quantile``.

    >>> minigrad.tensor([1.0, float("nan"), 3.0]).nanquantile(0.5)
    tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


@export
@numpy_keywords
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum treating NaN as 0.

    ``input``: the tensor; ``dim``: an int or a tuple (None: all); ``keepdim``: keep reduced
    dims as size 1; ``dtype``: convert to it first; ``axis``, ``keepdims``: numpy's spellings of
    ``dim`` and ``keepdim``.

    >>> minigrad.tensor([1.0, float("nan"), 2.0]).nansum()
    tensor(3.)
    """
    clean = where(isnan(input), 0.0, input)
    return sum(clean, dim, keepdim, dtype=dtype) if dim is not None else sum(clean, dtype=dtype)


@export
@numpy_keywords
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean over the elements that are not NaN.

    ``input``: a floating tensor; ``dim``: an int or a tuple (None: all); ``keepdim``: keep
    reduced dims as size 1; ``dtype``: convert to it first; ``axis``, ``keepdims``: numpy's
    spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([1.0, float("nan"), 2.0]).nanmean()
    tensor(1.5000)
    """
    keep = (~isnan(input)).to(input.dtype)
    total = nansum(input, dim, keepdim, dtype=dtype)
    return div(total, keep.sum(dim=dim, keepdim=keepdim) if dim is not None else keep.sum())


@export(method=False)
def var_mean(input, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """(var, mean) in one call.

    ``input``: a floating tensor; ``dim``: an int or a tuple (None: all); ``correction``: the
    variance's divisor is N - correction (default 1); ``keepdim``: keep reduced dims as size 1;
    ``unbiased``: the older spelling (False means correction=0).

    >>> minigrad.var_mean(minigrad.tensor([1.0, 2.0, 3.0, 4.0]))
    (tensor(1.6667), tensor(2.5000))
    """
    return tuple((var(input, dim, unbiased, keepdim, correction=correction), _mean(input, dim, keepdim)))


@export(method=False)
def std_mean(input, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """(std, mean) in one call.

    ``input``: a floating tensor; ``dim``: an int or a tuple (None: all); ``correction``: the
    divisor is N - correction (default 1); ``keepdim``: keep reduced dims as size 1;
    ``unbiased``: the older spelling (False means correction=0).

    >>> minigrad.std_mean(minigrad.tensor([1.0, 3.0]), correction=0)
    (tensor(1.), tensor(2.))
    """
    return tuple((std(input, dim, unbiased, keepdim, correction=correction), _mean(input, dim, keepdim)))


def _mean(input, dim, keepdim):
    return mean(input) if dim is None else mean(input, dim, keepdim)


_AMINMAX = collections.namedtuple("aminmax", "min max")


@export
def aminmax(input, *, dim=None, keepdim=False):
    """(amin, amax) over all elements or along ``dim``, as a named tuple (``min``, ``max``).

    ``input``: a non-empty tensor; ``dim``: one int, by keyword (None: all elements);
    ``keepdim``: keep the reduced dim as size 1.

    >>> r = minigrad.tensor([[1, 5], [3, 2]]).aminmax(dim=1)
    >>> r.min, r.max
    (tensor([1, 2]), tensor([5, 3]))
    """
    dims = () if dim is None else dim
    return _AMINMAX(amin(input, dims, keepdim), amax(input, dims, keepdim))


@export
def count_nonzero(input, dim=None):
    """How many elements are not zero (int64), over all or along ``dim``.

    ``input``: the tensor; ``dim``: an int or a tuple (None: all).

    >>> minigrad.tensor([[0, 1], [2, 3]]).count_nonzero(dim=0)
    tensor([1, 2])
    """
    dims = None if dim is None else _dims("count_nonzero", dim, input.ndim)
    if type(input) is BatchedTensor:  # inside vmap: per sample
        count = lambda a, ax, kd: np.asarray(np.count_nonzero(a, axis=ax), dtype=np.int64)  # noqa: E731
        return _batched.raw_reduce(count, input, None if dims is None else tuple(sorted(dims)), False)
    return _tape._from_array(np.asarray(np.count_nonzero(input._data, axis=dims), dtype=np.int64))
