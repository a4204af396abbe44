"""Reductions: sum, mean, prod, max/min (values and indices), amax/amin, argmax/argmin,
var/std, logsumexp, norm, cumsum, all/any.
Those PyTorch lets take numpy's ``axis=``/``keepdims=`` do so (``_core.numpy_keywords``).

Gradients of extreme values follow PyTorch: ``max(dim)`` sends the gradient to the index it
returns; ``max()``/``amax`` share it equally among tied elements.
"""

import builtins

import numpy as np

from .. import _batched, _tape
from .._batched import BatchedTensor
from .._tape import Tensor, apply
from . import _batching as B
from ._core import (  # noqa: F401
    LINEAR,
    _dim1,
    _dims,
    _dtype_of,
    _is_raw,
    _numel,
    defop,
    export,
    numpy_keywords,
    quiet,
    sum_to,
)
from .elementwise import div, eq, exp, logical_and, mul, ne, sub, where
from .shape import expand, flip


def _keepdim(g, dims, keepdim, shape):
    """Put back the reduced axes of ``g`` (as size 1) so it broadcasts against ``shape``."""
    if keepdim or not shape:
        return g
    if dims is None:
        return g.reshape((1,) * len(shape))
    return g.reshape(tuple(1 if i in dims else s for i, s in enumerate(shape)))


def _count(shape, dims):
    """How many elements a reduction over ``dims`` (None: all) combines (at least 1)."""
    n = _numel(shape) if dims is None else _numel(shape[d] for d in dims)
    return builtins.max(n, 1)


def _fwd_sum(x, dims=None, keepdim=False):
    if x.dtype.kind in "biu":
        x = x.astype(np.int64)
    with quiet():  # inf + -inf is nan, silently (np.add.reduce: np.sum without its wrapper)
        return np.add.reduce(x, axis=dims, keepdims=keepdim)


def _fwd_mean(x, dims=None, keepdim=False):
    if x.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_dtype_of(x.dtype)}. Convert first: x.float().mean()."
        )
    count = _numel(x.shape) if dims is None else _numel(x.shape[d] for d in dims)
    with quiet():
        s = np.add.reduce(x, axis=dims, keepdims=keepdim)
        return s / x.dtype.type(count) if count else s * np.nan


# ----------------------------------------------------------------------------- the table
# fmt: off
SUM      = defop("sum", _fwd_sum,            lambda g, x, out: expand(g, x.shape), kind=LINEAR, batch=B.reduce_all("SUM_DIM"))
SUM_DIM  = defop("sum", _fwd_sum,            lambda g, x, out, dims, keepdim: expand(_keepdim(g, dims, keepdim, x.shape), x.shape),
                                                                                grad_name="SumBackward1", kind=LINEAR, batch=B.shifted(0))
MEAN     = defop("mean", _fwd_mean,          lambda g, x, out: expand(div(g, _count(x.shape, None)), x.shape), kind=LINEAR, batch=B.reduce_all("MEAN_DIM"))
MEAN_DIM = defop("mean", _fwd_mean,          lambda g, x, out, dims, keepdim: expand(
                                                 div(_keepdim(g, dims, keepdim, x.shape), _count(x.shape, dims)), x.shape),
                                                                                grad_name="MeanBackward1", kind=LINEAR, batch=B.shifted(0))
# fmt: on


def _reduce(name, forward, full_op, dim_op, input, dim, keepdim, dtype):
    """sum/mean: over everything (``full_op``) or over ``dim`` (``dim_op``); raw arrays
    (inside derivative formulas) go straight to ``forward``."""
    if dtype is not None:
        input = input.to(dtype)
    dims = None if dim is None else _dims(name, dim, input.ndim)
    if _is_raw(input):
        return forward(input, dims, keepdim)
    if dims is None:
        return apply(full_op, (input,))
    return apply(dim_op, (input,), (dims, bool(keepdim)))


@export
@numpy_keywords
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    """Sum of all elements, or over ``dim`` (int or tuple), keeping it if ``keepdim``.

    ``input``: the tensor; ``dim``: an int or a tuple (None: all); ``keepdim``: keep reduced
    dims as size 1; ``dtype``: convert to it first (integers and bools sum as int64);
    ``axis``, ``keepdims``: numpy's spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    return _reduce("sum", _fwd_sum, SUM, SUM_DIM, input, dim, keepdim, dtype)


@export
@numpy_keywords
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or over ``dim`` (int or tuple), keeping it if ``keepdim``.

    ``input``: a floating tensor; ``dim``: an int or a tuple (None: all); ``keepdim``: keep
    reduced dims as size 1; ``dtype``: convert to it first (needed for integer input);
    ``axis``, ``keepdims``: numpy's spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).mean()
    tensor(2.)
    >>> minigrad.tensor([[1, 2], [3, 4]]).mean(1, dtype=minigrad.float32)
    tensor([1.5000, 3.5000])
    """
    return _reduce("mean", _fwd_mean, MEAN, MEAN_DIM, input, dim, keepdim, dtype)


# ----------------------------------------------------------------------------- more reductions


def _fwd_prod(x, dims=None, keepdim=False):
    if x.dtype.kind in "biu":
        x = x.astype(np.int64)
    with quiet():
        return np.prod(x, axis=dims, keepdims=keepdim)


def _prod_grad(g, x, out, dims, keepdim):
    """d prod / d x_i = product of the other elements (exact with zeros on arrays)."""
    gk = expand(_keepdim(g, dims, keepdim, x.shape), x.shape)
    if not (_raw_data(x) == 0).any():
        # PyTorch's rule: out / x when no factor is 0 (so an inf or NaN factor gives NaN for
        # itself, inf/inf), the products of the others otherwise
        return mul(gk, div(expand(_keepdim(out, dims, keepdim, x.shape), x.shape), x))
    if not _is_raw(x):  # create_graph: the products of the others, differentiable at the zeros
        return mul(gk, _others_recorded(x, dims))
    if dims is None and np.count_nonzero(x == 0) > 1:
        return np.zeros_like(gk)  # two zeros: every product of the others is 0 (PyTorch's shortcut)
    # the reduced axes (all of them, or every one of a tuple: issue 8) moved last and merged
    # into one, so each lane's products of the elements before and after are two cumprods
    dims = tuple(range(x.ndim)) if dims is None else tuple(dims)
    last = tuple(range(x.ndim - len(dims), x.ndim))
    moved = np.moveaxis(x, dims, last)
    flat = moved.reshape(moved.shape[: x.ndim - len(dims)] + (_numel(moved.shape[x.ndim - len(dims) :]),))
    ones = np.ones_like(flat[..., :1])
    with quiet():
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = np.moveaxis((left * right).reshape(moved.shape), last, dims)
    return gk * others


def _raw_data(x):
    return x if _is_raw(x) else x._data


def _others_recorded(x, dims):
    """prod_{j != i} x_j over each lane of ``dims`` (None: all), recorded from multiplications
    only, so its own derivatives are exact where x has zeros (issue 16: out / x there is 0 / 0,
    and prod's second derivative was NaN). The products before and after each element are
    exclusive scans; a doubling scan takes log2(n) products of the lane (PyTorch records
    cumprods, whose backward it makes zero-safe)."""
    dims = tuple(range(x.ndim)) if dims is None else tuple(dims)
    kept = tuple(d for d in range(x.ndim) if d not in dims)
    moved = x.permute(kept + dims)
    lanes = moved.reshape(moved.shape[: len(kept)] + (_numel(moved.shape[len(kept) :]),))
    others = _before(lanes) * flip(_before(flip(lanes, (-1,))), (-1,))
    return others.reshape(moved.shape).permute(tuple(np.argsort(kept + dims)))


def _before(lanes):
    """The product of the elements before each one along the last axis (1 for the first)."""
    from .join import cat

    n = lanes.shape[-1]

    def ones(k):
        return _tape._from_array(np.ones(lanes.shape[:-1] + (k,), lanes._data.dtype))

    y = cat([ones(1), lanes[..., : n - 1]], -1)
    step = 1
    while step < n:  # Hillis-Steele: y[k] *= y[k - step], from the old y
        y = y * cat([ones(step), y[..., : n - step]], -1)
        step *= 2
    return y


def _fwd_extreme(fn, name):
    def forward(x, dims=None, keepdim=False):
        if x.size == 0:
            if dims is None:
                raise RuntimeError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument."
                )
            for d in dims:
                if x.shape[d] == 0:
                    raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
            shape = tuple(1 if i in dims else n for i, n in enumerate(x.shape) if keepdim or i not in dims)
            return np.zeros(shape, dtype=x.dtype)  # reducing a non-empty dim of an empty tensor
        with quiet():
            return fn(x, axis=dims, keepdims=keepdim)

    forward.__name__ = f"_fwd_{fn.__name__}"
    return forward


def _spread_grad(g, x, out, dims, keepdim, nan_wins=False):
    """Gradient of max/min/amax/amin over dims: shared equally by the tied extremes. With
    ``nan_wins`` (max()/min(), PyTorch's rule) a NaN result's gradient is shared by the NaNs;
    amax/amin give NaN there, as PyTorch does."""
    ok = expand(_keepdim(out, dims, keepdim, x.shape), x.shape)
    mask = eq(x, ok)
    if nan_wins:
        from .pointwise import logical_or

        mask = logical_or(mask, logical_and(ne(x, x), ne(ok, ok)))
    if _is_raw(x):
        mask = mask.astype(x.dtype)
        count = np.sum(mask, axis=dims, keepdims=True)
    else:
        mask = mask.to(x.dtype)
        count = mask.sum(dim=dims if dims is not None else tuple(range(x.ndim)), keepdim=True)
    return div(mul(expand(_keepdim(g, dims, keepdim, x.shape), x.shape), mask), count)


def _fwd_take(x, dim, keepdim, index):
    out = np.take_along_axis(x, index, axis=dim)
    return out if keepdim else np.squeeze(out, axis=dim)


def _take_grad(g, x, dim, keepdim, index):
    """Gradient of the values of max(dim)/min(dim): g goes to the chosen index."""
    from .indexing import _along, _unindex

    gk = g if keepdim else (g.reshape(g.shape[:dim] + (1,) + g.shape[dim:]))
    return _unindex(gk, x.shape, _along(index, dim))


def _fwd_var(x, dims, correction, keepdim):
    _float_only("var", x)
    n = _numel(x.shape) if dims is None else _numel(x.shape[d] for d in dims)
    if x.size == 0:  # 0 / 0 elements: NaN, as PyTorch
        var_ = np.full(
            tuple(1 if dims is None or d in dims else s for d, s in enumerate(x.shape)), np.nan, x.dtype
        )
    else:
        with quiet():
            eps2 = _EPS2.get(x.dtype.type)
            # np.mean's own sum and division for float32/64, without its per-call overhead
            mean_ = (
                np.add.reduce(x, axis=dims, keepdims=True) / x.dtype.type(n)
                if eps2
                else np.mean(x, dims, keepdims=True)
            )
            ss = _sum_sq_dev(x, dims, mean_)
            # NOTE: numpy's pairwise mean of n equal values can round off them, leaving a
            # 1e-16 std on a constant slice whose gradient is then noise/noise (PyTorch's std
            # is exactly 0 there, its gradient 0). A spread within the mean's rounding error
            # is recomputed about each slice's first element, exact for a constant slice; the
            # test reads only the (small) output, so the usual case costs no extra pass.
            # (n eps |mean|)^2 per element bounds it; `<` skips an all-zero slice (mean 0)
            if (ss < (n**3 * (eps2 or 1e-6)) * (mean_ * mean_)).any():
                first = x[
                    tuple(slice(0, 1) if dims is None or i in dims else slice(None) for i in range(x.ndim))
                ]
                d = x - first
                ss = _sum_sq_dev(d, dims, np.mean(d, axis=dims, keepdims=True))
            var_ = ss / x.dtype.type(n - correction)
    return var_ if keepdim else _squeeze(var_, dims)


_EPS2 = {np.float32: float(np.finfo(np.float32).eps) ** 2, np.float64: float(np.finfo(np.float64).eps) ** 2}


def _sum_sq_dev(x, dims, mean_):
    d = x - mean_
    d *= d
    return np.sum(d, axis=dims, keepdims=True)


def _fwd_std(x, dims, correction, keepdim):
    _float_only("std", x)
    with quiet():
        return np.sqrt(_fwd_var(x, dims, correction, keepdim))


def _squeeze(a, dims):
    return a.reshape(()) if dims is None else np.squeeze(a, axis=dims)


def _float_only(op, x):
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_dtype_of(x.dtype)}. Convert first: x.float().{op}()."
        )


def _centered(x, dims):
    """x - mean(x over dims), shaped like x (dual)."""
    return sub(x, mean(x, dims if dims is not None else tuple(range(x.ndim)), keepdim=True))


def _var_grad(g, x, out, dims, correction, keepdim):
    n = _count(x.shape, dims)
    gk = expand(_keepdim(g, dims, keepdim, x.shape), x.shape)
    return mul(gk, div(mul(_centered(x, dims), 2), builtins.max(n - correction, 0)))


def _std_grad(g, x, out, dims, correction, keepdim):
    n = _count(x.shape, dims)
    gk = expand(_keepdim(g, dims, keepdim, x.shape), x.shape)
    ok = expand(_keepdim(out, dims, keepdim, x.shape), x.shape)
    # 0 where the std is 0 (a constant slice), not 0 / 0: PyTorch's masked_fill
    return where(eq(ok, 0), 0.0, div(mul(gk, _centered(x, dims)), mul(ok, builtins.max(n - correction, 0))))


def _fwd_logsumexp(x, dims, keepdim):
    x = x if x.dtype.kind == "f" else x.astype(np.float32)
    m = np.max(x, axis=dims, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    with quiet():
        out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    return out if keepdim else _squeeze(out, dims)


def _fwd_norm(x, p, dims, keepdim):
    _float_only("norm", x)
    a = np.abs(x)
    with quiet():
        if abs(p) == float("inf"):
            _no_identity(p, x.shape, dims)
            r = (np.max if p > 0 else np.min)(a, axis=dims, keepdims=keepdim)
        elif p == 2:
            r = np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
        elif p == 1:
            r = np.sum(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            r = np.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        else:
            r = np.sum(a**p, axis=dims, keepdims=keepdim) ** (1.0 / p)
    return np.asarray(r, dtype=x.dtype)


def _no_identity(p, shape, dims):
    """The +-inf norm (a max or min) of no elements has no value: PyTorch's error."""
    for d in range(len(shape)) if dims is None else dims:
        if shape[d] == 0:
            where = (
                "an empty tensor"
                if dims is None
                else f"the dimension {d} because this dimension is empty and"
            )
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {p:g} norm on {where}"
                f"{' because' if dims is None else ''} the operation does not have an identity"
            )


def _norm_grad(g, x, out, p, dims, keepdim):
    from .elementwise import abs as abs_
    from .elementwise import pow as pow_
    from .elementwise import sign

    gk = expand(_keepdim(g, dims, keepdim, x.shape), x.shape)
    ok = expand(_keepdim(out, dims, keepdim, x.shape), x.shape)
    if p == 0:
        return mul(gk, 0)
    if p == 1:
        return mul(gk, sign(x))
    if abs(p) == float("inf"):
        # a NaN norm sends no gradient anywhere (PyTorch's), rather than 0 / 0
        return where(ne(ok, ok), 0.0, mul(_spread_grad(g, abs_(x), out, dims, keepdim), sign(x)))
    # d||x||_p / dx = x |x|^(p-2) / ||x||^(p-1), taken as 0 where the norm is 0
    num = mul(x, pow_(abs_(x), p - 2)) if p != 2 else x
    den = pow_(ok, p - 1) if p != 2 else ok
    return where(eq(ok, 0), 0.0, div(mul(gk, num), den))


def _fwd_cumsum(x, dim):
    if x.dtype.kind in "biu":
        x = x.astype(np.int64)
    return np.cumsum(x, axis=dim) if x.ndim else x.copy()  # numpy would make a 0-d input 1-d


def _cumsum(g, dim):
    return _fwd_cumsum(g, dim) if _is_raw(g) else apply(CUMSUM, (g,), (dim,))


# fmt: off
PROD     = defop("prod", _fwd_prod,          lambda g, x, out: _prod_grad(g, x, out, None, False), batch=B.reduce_all("PROD_DIM"))
PROD_DIM = defop("prod", _fwd_prod,          lambda g, x, out, dims, keepdim: _prod_grad(g, x, out, dims, keepdim),
                                                                                grad_name="ProdBackward1", batch=B.over(0))
MAX      = defop("max", _fwd_extreme(np.max, "max"), lambda g, x, out: _spread_grad(g, x, out, None, False, True),
                                                                                grad_name="MaxBackward1", batch=B.reduce_all("MAX_ALL"))
MIN      = defop("min", _fwd_extreme(np.min, "min"), lambda g, x, out: _spread_grad(g, x, out, None, False, True),
                                                                                grad_name="MinBackward1", batch=B.reduce_all("MIN_ALL"))
# max()/min() of each sample inside vmap: the full reduction over given dims (NaN wins, as max())
MAX_ALL  = defop("max", _fwd_extreme(np.max, "max"), lambda g, x, out, dims, keepdim: _spread_grad(g, x, out, dims, keepdim, True),
                                                                                grad_name="MaxBackward1")
MIN_ALL  = defop("min", _fwd_extreme(np.min, "min"), lambda g, x, out, dims, keepdim: _spread_grad(g, x, out, dims, keepdim, True),
                                                                                grad_name="MinBackward1")
AMAX     = defop("amax", _fwd_extreme(np.max, "amax"), lambda g, x, out, dims, keepdim: _spread_grad(g, x, out, dims, keepdim),
                                                                                batch=B.over(0))
AMIN     = defop("amin", _fwd_extreme(np.min, "amin"), lambda g, x, out, dims, keepdim: _spread_grad(g, x, out, dims, keepdim),
                                                                                batch=B.over(0))
MAX_DIM  = defop("max", _fwd_take,           lambda g, x, out, dim, keepdim, index: _take_grad(g, x, dim, keepdim, index),
                                                                                batch=B.physical)
MIN_DIM  = defop("min", _fwd_take,           lambda g, x, out, dim, keepdim, index: _take_grad(g, x, dim, keepdim, index),
                                                                                batch=B.physical)
VAR      = defop("var", _fwd_var,            _var_grad, batch=B.over(0))
STD      = defop("std", _fwd_std,            _std_grad, batch=B.over(0))
LOGSUMEXP = defop("logsumexp", _fwd_logsumexp, lambda g, x, out, dims, keepdim: mul(
                                                 expand(_keepdim(g, dims, keepdim, x.shape), x.shape),
                                                 exp(sub(x, expand(_keepdim(out, dims, keepdim, x.shape), x.shape)))), batch=B.over(0))
NORM     = defop("norm", _fwd_norm,          _norm_grad,                       grad_name="LinalgVectorNormBackward0",
                                                                                batch=B.over(1))
CUMSUM   = defop("cumsum", _fwd_cumsum,      lambda g, x, out, dim: flip(_cumsum(flip(g, dim), dim), dim), kind=LINEAR, batch=B.shifted(0))
# fmt: on


def _reduce_dims(op, dim, input):
    return None if dim is None else _dims(op, dim, input.ndim)


@export
@numpy_keywords
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or along ``dim``.

    ``input``: the tensor; ``dim``: an int (a tuple too here; PyTorch takes one int) or None for
    all; ``keepdim``: keep the reduced dim as size 1; ``dtype``: convert to it first (integers
    and bools multiply as int64); ``axis``, ``keepdims``: numpy's spellings of ``dim`` and
    ``keepdim``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).prod()
    tensor(6.)
    >>> minigrad.tensor([[1, 2], [3, 4]]).prod(1, keepdim=True)
    tensor([[ 2],
            [12]])
    """
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(PROD, (input,))
    return apply(PROD_DIM, (input,), (_dims("prod", dim, input.ndim), bool(keepdim)))


class _ValuesIndices(tuple):
    """(values, indices), as PyTorch's torch.return_types.max."""

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _extreme(name, full_op, dim_op, arg_fn, binary):
    @numpy_keywords
    def fn(input, dim=None, keepdim=False, *, other=None):
        if isinstance(dim, Tensor):
            return binary(input, dim)
        if dim is None:
            return apply(full_op, (input,))
        d = _dim1(name, dim, input.ndim)
        if input.shape and input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        data = input._data
        if not input.ndim:
            index = np.zeros(data.shape, np.int64)
            return _named(name, input.clone(), _batched.result_like(input, index))
        d = _batched.phys_dim(input, d)  # inside vmap: along the same dim of every sample
        index = np.expand_dims(arg_fn(data, axis=d), d)
        values = apply(dim_op, (input,), (d, bool(keepdim), index))
        idx = index if keepdim else np.squeeze(index, axis=d)
        return _named(name, values, _batched.result_like(input, idx.astype(np.int64)))

    fn.__name__ = name
    return fn


def _named(name, values, indices):
    r = _ValuesIndices((values, indices))
    r._name = f"minigrad.return_types.{name}"
    return r


def _minmax_binary(name):
    def fn(input, other):
        from . import pointwise

        return getattr(pointwise, name)(input, other)

    return fn


max = _extreme("max", MAX, MAX_DIM, np.argmax, _minmax_binary("maximum"))  # noqa: A001
max.__doc__ = """The largest element; with ``dim``, (values, indices) along it; with a tensor,
the elementwise maximum.

``input``: the tensor; ``dim``: one int (the indices are of the first maximum), or a tensor
(then as ``maximum(input, dim)``); ``keepdim``: keep the reduced dim as size 1; ``other``:
the tensor of the elementwise form, by keyword; ``axis``, ``keepdims``: numpy's spellings of
``dim`` and ``keepdim``.

>>> minigrad.tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1).values
tensor([5., 3.])
"""
min = _extreme("min", MIN, MIN_DIM, np.argmin, _minmax_binary("minimum"))  # noqa: A001
min.__doc__ = """The smallest element; with ``dim``, (values, indices) along it; with a tensor,
the elementwise minimum.

``input``: the tensor; ``dim``: one int (the indices are of the first minimum), or a tensor
(then as ``minimum(input, dim)``); ``keepdim``: keep the reduced dim as size 1; ``other``:
the tensor of the elementwise form, by keyword; ``axis``, ``keepdims``: numpy's spellings of
``dim`` and ``keepdim``.

>>> minigrad.tensor([[1.0, 5.0], [3.0, 2.0]]).min(dim=1)
minigrad.return_types.min(
values=tensor([1., 2.]),
indices=tensor([0, 1]))
>>> minigrad.tensor([1.0, 5.0]).min(minigrad.tensor([2.0, 4.0]))
tensor([1., 4.])
"""
export(max)
export(min)


@export
@numpy_keywords
def amax(input, dim=(), keepdim=False):
    """The largest values over ``dim`` (all dims by default); ties share the gradient.

    ``input``: the tensor; ``dim``: an int or a tuple (the default (), or None: all dims);
    ``keepdim``: keep reduced dims as size 1; ``axis``, ``keepdims``: numpy's spellings of
    ``dim`` and ``keepdim``.

    >>> minigrad.tensor([[1, 5], [3, 2]]).amax(dim=0)
    tensor([3, 5])
    """
    dims = _dims("amax", dim, input.ndim) if dim is not None and dim != () else None
    return apply(AMAX, (input,), (dims, bool(keepdim)))


@export
@numpy_keywords
def amin(input, dim=(), keepdim=False):
    """The smallest values over ``dim`` (all dims by default); ties share the gradient.

    ``input``: the tensor; ``dim``: an int or a tuple (the default (), or None: all dims);
    ``keepdim``: keep reduced dims as size 1; ``axis``, ``keepdims``: numpy's spellings of
    ``dim`` and ``keepdim``.

    >>> minigrad.tensor([[1, 5], [3, 2]]).amin(dim=0)
    tensor([1, 2])
    """
    dims = _dims("amin", dim, input.ndim) if dim is not None and dim != () else None
    return apply(AMIN, (input,), (dims, bool(keepdim)))


def _arg(name, fn, printed):
    @numpy_keywords
    def arg(input, dim=None, keepdim=False):
        data = input._data
        if type(input) is BatchedTensor:  # inside vmap: per sample
            if data[0].size == 0:
                raise RuntimeError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
                )
            dims = None if dim is None else (_dim1(name, dim, data.ndim - 1),)
            return _batched.raw_reduce(
                lambda a, ax, kd: fn(a, axis=ax, keepdims=kd).astype(np.int64), input, dims, keepdim
            )
        if data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        if dim is None:
            r = fn(data.reshape(-1))
            r = np.full((1,) * data.ndim, r) if keepdim else np.asarray(r)
        else:
            d = _dim1(name, dim, data.ndim)
            r = fn(data, axis=d, keepdims=keepdim) if data.ndim else np.asarray(0)
        return _tape._from_array(np.asarray(r, dtype=np.int64))

    arg.__name__ = name
    arg.__doc__ = (
        f"Indices of the {name[3:]} values (int64, not differentiable).\n\n"
        "    ``input``: the tensor; ``dim``: the dimension searched (None: the flattened input);\n"
        "    ``keepdim``: keep it as size 1; ``axis``, ``keepdims``: numpy's spellings of ``dim`` and\n"
        "    ``keepdim``.\n\n"
        "    >>> x = minigrad.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])\n"
        f"    >>> minigrad.{name}(x), x.{name}(dim=1)\n    {printed}\n"
    )
    return arg


argmax = export(_arg("argmax", np.argmax, "(tensor(3), tensor([1, 0]))"))
argmin = export(_arg("argmin", np.argmin, "(tensor(4), tensor([0, 1]))"))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


@export
@numpy_keywords
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` (all by default), with Bessel's correction unless told otherwise.

    ``input``: a floating tensor; ``dim``: an int or a tuple (None: all); ``correction``: the
    divisor is N - correction (default 1); ``unbiased``: the older spelling (False means
    correction=0); ``keepdim``: keep reduced dims as size 1; ``axis``, ``keepdims``: numpy's
    spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([1.0, 2.0, 3.0, 4.0]).var()
    tensor(1.6667)
    >>> minigrad.tensor([1.0, 2.0, 3.0, 4.0]).var(unbiased=False)
    tensor(1.2500)
    """
    if isinstance(unbiased, (int, tuple, list)) and not isinstance(unbiased, bool):
        dim, unbiased = unbiased, None  # var(x, 1) means dim=1
    return apply(
        VAR, (input,), (_reduce_dims("var", dim, input), _correction(unbiased, correction), bool(keepdim))
    )


@export
@numpy_keywords
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim`` (all by default).

    ``input``: a floating tensor; ``dim``: an int or a tuple (None: all); ``correction``: the
    divisor is N - correction (default 1, Bessel's); ``unbiased``: the older spelling (False
    means correction=0); ``keepdim``: keep reduced dims as size 1; ``axis``, ``keepdims``:
    numpy's spellings of ``dim`` and ``keepdim``.

    >>> x = minigrad.tensor([[1.0, 3.0], [5.0, 7.0]])
    >>> x.std(), x.std(dim=1, correction=0)
    (tensor(2.5820), tensor([1., 1.]))
    """
    if isinstance(unbiased, (int, tuple, list)) and not isinstance(unbiased, bool):
        dim, unbiased = unbiased, None
    return apply(
        STD, (input,), (_reduce_dims("std", dim, input), _correction(unbiased, correction), bool(keepdim))
    )


@export
@numpy_keywords
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over ``dim``, computed without overflow.

    ``input``: the tensor; ``dim``: an int or a tuple; ``keepdim``: keep reduced dims as
    size 1; ``axis``, ``keepdims``: numpy's spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([[0.0, 0.0], [100.0, 100.0]]).logsumexp(dim=1)
    tensor([  0.6931, 100.6931])
    """
    return apply(LOGSUMEXP, (input,), (_dims("logsumexp", dim, input.ndim), bool(keepdim)))


@export
def norm(input, p="fro", dim=None, keepdim=False):
    """The p-norm (2 by default; 1, inf, 0 and any p > 0) over ``dim`` (all by default).

    ``input``: a floating tensor; ``p``: the order (``'fro'`` is 2); ``dim``: an int or a
    tuple (None: all); ``keepdim``: keep reduced dims as size 1.

    >>> minigrad.tensor([3.0, -4.0]).norm(), minigrad.tensor([3.0, -4.0]).norm(p=1)
    (tensor(5.), tensor(7.))
    """
    if p in ("fro", None):
        p = 2
    return apply(NORM, (input,), (float(p), _reduce_dims("norm", dim, input), bool(keepdim)))


@export
@numpy_keywords
def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``.

    ``input``: the tensor; ``dim``: the dim summed along; ``dtype``: convert to it first;
    ``axis``: numpy's spelling of ``dim``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    if dtype is not None:
        input = input.to(dtype)
    return apply(CUMSUM, (input,), (_dim1("cumsum", dim, input.ndim),))


def _logical(name, fn, what):
    @numpy_keywords
    def reduce_(input, dim=None, keepdim=False):
        data = input._data
        if type(input) is BatchedTensor:  # inside vmap: per sample
            dims = None if dim is None else tuple(sorted(_dims(name, dim, data.ndim - 1)))
            kind = np.uint8 if data.dtype == np.uint8 else np.bool_
            return _batched.raw_reduce(
                lambda a, ax, kd: fn(a, axis=ax, keepdims=kd).astype(kind), input, dims, keepdim
            )
        dims = None if dim is None else _dims(name, dim, data.ndim)
        out = np.asarray(fn(data, axis=dims, keepdims=bool(keepdim)))
        # PyTorch keeps uint8 for uint8 input, and gives bool for every other dtype
        return _tape._from_array(out.astype(np.uint8 if data.dtype == np.uint8 else np.bool_, copy=False))

    reduce_.__name__ = reduce_.__qualname__ = name
    reduce_.__doc__ = f"""Whether {what} element is nonzero, over ``dim`` (all dims by default; an int or a
    tuple), as a bool tensor (uint8 for uint8 input, as in PyTorch).

    ``input``: the tensor; ``dim``: an int or a tuple (None: all); ``keepdim``: keep reduced
    dims as size 1; ``axis``, ``keepdims``: numpy's spellings of ``dim`` and ``keepdim``.

    >>> minigrad.tensor([[1, 0], [2, 3]]).{name}(dim=1)
    tensor({_LOGICAL_EXAMPLE[name]})
    """
    return reduce_


_LOGICAL_EXAMPLE = {"all": "[False,  True]", "any": "[True, True]"}
all = export(_logical("all", np.all, "every"))  # noqa: A001
any = export(_logical("any", np.any, "any"))  # noqa: A001
