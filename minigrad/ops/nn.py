"""nn primitives: softmax, log_softmax, cross-entropy on class indices, convolution,
max-pool, plus the helpers (im2col/col2im, plane gather/scatter, erf, softplus) they need.

Everything else nn offers (linear, dropout, the norms, most activations and losses, average
pooling) is composed from ops in ``nn/`` and has no derivative of its own. An op lives here
only for numerical stability or a measured speedup; each entry's NOTE says which.

Adjoint pairs: ``im2col``/``col2im`` and ``gather_planes``/``scatter_planes`` are each
other's derivative, as ``index``/``index_put`` are. The derivatives of convolution and
max-pool are written with them (and ``matmul``, ``permute``), so the same formula runs on
ndarrays (first order) and on Tensors (``create_graph=True``).

Convolution as a GEMM: the patches of the input become the columns of a matrix (im2col:
rows (c, kh, kw), one column per output pixel of every image, ``_conv_kernels``' batch-major
layout); the weight seen as (O, C*KH*KW) times that matrix is the output of the whole batch,
(O, N*OH*OW), copied once into (N, O, OH, OW) with the bias added. The backward is one GEMM
for the weight (``g (O, N*OH*OW) @ cols.T``, the transposed view straight into BLAS) and one
for the input's columns, then col2im. On Tensors (``create_graph=True``) the same formulas
run per image through the ``im2col``/``col2im`` ops. 1-D convolutions are 2-D ones of height 1.
The kernels need float32/float64; float16 tensors of softmax go through float32.
"""

import math

import numpy as np

from .. import _conv_kernels as CK
from .. import _nn_kernels as NK
from .. import _threads as gemm  # np.matmul/np.dot, on one BLAS thread when small
from .._tape import Tensor, _from_array, apply
from . import _batching as B
from ._core import _INT64_MAX, ELEMENTWISE, MULTILINEAR, _check_alloc, _dims, _is_raw, defop, export, quiet
from .elementwise import add, div, exp, ge, gt, le, logical_and, mul, neg, sigmoid, sub, where, zero_grad
from .indexing import index_select
from .join import cat
from .linalg import matmul
from .shape import transpose

_SQRT_2_OVER_PI = 2.0 / math.sqrt(math.pi)


def _floats(op, *arrays):
    """Check that the float arrays share a float32/float64 dtype (RuntimeError otherwise)."""
    dtypes = {a.dtype for a in arrays if a is not None}
    if len(dtypes) > 1:
        names = " and ".join(sorted(str(d) for d in dtypes))
        raise RuntimeError(
            f"{op}: expected all tensors to have the same dtype, but got {names}; "
            "convert them with .float() or .double() first"
        )
    dt = dtypes.pop()
    if dt not in (np.float32, np.float64):
        raise RuntimeError(f"{op}: not implemented for dtype {dt}; use float32 or float64 tensors")


# ----------------------------------------------------------------------------- forwards


def _fwd_softmax(x, dim, take_log=False):
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"{'log_softmax' if take_log else 'softmax'}: not implemented for integer or bool "
            f"tensors (got {x.dtype}); convert with .float() or pass dtype=minigrad.float32"
        )
    if x.dtype == np.float16:
        return NK.softmax(x.astype(np.float32), dim, take_log).astype(np.float16)
    return NK.softmax(x, dim, take_log)


def _fwd_log_softmax(x, dim):
    return _fwd_softmax(x, dim, True)


def _fwd_cross_entropy(x, target, weight, ignore_index):
    _floats("cross_entropy", x, weight)
    return NK.cross_entropy(x, target, weight, ignore_index).reshape(target.shape)


def _fwd_cross_entropy_reduced(x, target, ignore_index, denominator):
    per_sample = _fwd_cross_entropy(x, target, None, ignore_index)
    with quiet():  # every target ignored: 0 / 0 is nan, as in PyTorch
        return np.asarray(per_sample.sum() / denominator, dtype=x.dtype)


def _cross_entropy_reduced_backward(g, x, target, ignore_index, denominator):
    if _is_raw(g):
        with quiet():  # no targets (an empty batch): 0 / 0, as the forward
            lanes = np.full(target.shape, np.float64(np.asarray(g).item()) / denominator, dtype=x.dtype)
    else:
        lanes = div(g, denominator).expand(target.shape)
    return _cross_entropy_backward(lanes, x, target, None, ignore_index)


def _as4(shape):
    """A 1-D convolution's (N, C, L) shapes seen as (N, C, 1, L)."""
    return shape if len(shape) == 4 else shape[:2] + (1,) + shape[2:]


def _grouped_dot(a, b, groups):
    """``a @ b`` block by block: a (G*P, Q) times b (G*Q, R) -> (G*P, R), group g's rows of
    ``a`` times group g's rows of ``b`` (one GEMM when ``groups`` is 1)."""
    if groups == 1:
        return gemm.dot(a, b)
    p, q, r = a.shape[0] // groups, a.shape[1], b.shape[1]  # not -1: R may be 0 (an empty batch)
    return _stacked_matmul(a.reshape(groups, p, q), b.reshape(groups, q, r)).reshape(groups * p, r)


def _stacked_matmul(a, b):
    # NOTE: numpy's stacked matmul is ~10x slower than a broadcast product when the contracted
    # dim is 1 (a depthwise convolution's input gradient: 5.6 ms vs 0.5 ms, measured)
    return a * b if a.shape[2] == 1 else gemm.matmul(a, b)


def _fwd_conv(x, w, b, geometry, groups):
    _floats("conv", x, w, b)
    n, o, oh, ow = x.shape[0], w.shape[0], geometry[8], geometry[9]
    cols = CK.im2col(x.reshape(_as4(x.shape)), geometry, True)  # (C*KH*KW, N*OH*OW)
    out = _grouped_dot(w.reshape(o, -1), cols, groups).reshape(o, n, oh * ow)  # one GEMM per group
    res = np.empty((n, o, oh * ow), x.dtype)
    if b is None:
        np.copyto(res, out.transpose(1, 0, 2))
    else:  # the bias added in the same pass that reorders the output
        np.add(out.transpose(1, 0, 2), b.reshape(o, 1), out=res)
    return res.reshape((n, o) + ((oh, ow) if x.ndim == 4 else (ow,)))


def _fwd_conv_transpose(x, w, b, geometry, groups, shape):
    # the convolution's input gradient, with x in the role of the output gradient
    _floats("conv_transpose", x, w, b)
    out = _conv_dx(x, w, shape, geometry, groups)
    if b is not None:
        out += b.reshape((-1,) + (1,) * (out.ndim - 2))
    return out


def _fwd_im2col(x, geometry):
    return CK.im2col(x, geometry)


def _fwd_col2im(cols, shape, geometry):
    return CK.col2im(cols, shape, geometry)


def _fwd_gather_planes(x, idx):
    p = idx.shape[0] * idx.shape[1]  # sizes spelled out: -1 cannot be inferred for an empty batch
    return CK.gather_planes(
        x.reshape(p, x.shape[2] * x.shape[3]), idx.reshape(p, idx.shape[2] * idx.shape[3])
    ).reshape(idx.shape)


def _fwd_scatter_planes(g, idx, shape):
    p = shape[0] * shape[1]
    per_plane = idx.shape[2] * idx.shape[3]
    flat = CK.scatter_add_planes(
        np.ascontiguousarray(g).reshape(p, per_plane), idx.reshape(p, per_plane), shape[2] * shape[3]
    )
    return flat.reshape(shape)


def _fwd_erf(x):
    return NK.erf(x if x.dtype.kind == "f" else x.astype(np.float32))


def _fwd_softplus(x, beta, threshold):
    bx = x * beta
    with np.errstate(over="ignore"):
        return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)


def _fwd_leaky_relu(x, slope):
    return np.where(x > 0, x, x * slope).astype(x.dtype, copy=False)


def _fwd_prelu(x, weight):
    return np.where(x > 0, x, x * weight).astype(x.dtype, copy=False)


def _fwd_hardtanh(x, min_val, max_val):
    return np.where(x <= min_val, min_val, np.where(x >= max_val, max_val, x)).astype(x.dtype, copy=False)


def _fwd_threshold(x, threshold, value):
    return np.where(x <= threshold, value, x).astype(x.dtype, copy=False)  # NaN stays NaN


def _fwd_hardshrink(x, lambd):
    return np.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)


def _fwd_softshrink(x, lambd):
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0)).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- the table
def _fwd_linear(x, w, b=None):
    # x (*, in) @ w.T (in, out) [+ b]: one BLAS call (np.dot on the 2-D view) and an in-place add
    if x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
        raise RuntimeError(
            f"linear: expected input, weight and bias of one dtype, got {x.dtype}, {w.dtype}"
            + ("" if b is None else f", {b.dtype}")
            + "; convert with .to(weight.dtype)"
        )
    out = gemm.dot(x.reshape(-1, x.shape[-1]), w.T)
    if b is not None:
        out += b
    return out.reshape(x.shape[:-1] + (w.shape[0],))


def _fwd_per_sample_linear(x, w, b):
    # x (B, in), w (B, out, in), b (B, out): sample i computes w[i] @ x[i] + b[i]
    if w.strides[0] == 0:  # one weight broadcast over the batch: one GEMM
        return gemm.dot(x, w[0].T) + b
    return gemm.matmul(w, x[:, :, None])[:, :, 0] + b


def _per_sample_dx(g, w):
    if not isinstance(w, Tensor) and w.strides[0] == 0:
        return gemm.dot(g, w[0])
    return matmul(g.reshape((g.shape[0], 1, g.shape[1])), w).reshape((g.shape[0], w.shape[2]))


def _per_sample_dw(g, x):
    # the batch of outer products g[i] x[i]^T: the per-sample gradients themselves
    return mul(g.reshape(g.shape + (1,)), x.reshape((x.shape[0], 1, x.shape[1])))


def _linear_dw(g, x):
    """d(x @ w.T)/dw = g.T @ x over all leading dimensions folded into one."""
    g2 = g.reshape((-1, g.shape[-1]))
    return matmul(transpose(g2, 0, 1), x.reshape((-1, x.shape[-1])))


def _linear_name(x_ndim, has_bias):
    return "ViewBackward0" if x_ndim != 2 else ("AddmmBackward0" if has_bias else "MmBackward0")


# fmt: off
# NOTE: softmax and log_softmax are primitives for stability and speed: per row a max, the
# exps and their sum, a write (vectorised C loops for float32) instead of five numpy
# temporaries; log_softmax never takes the log of an underflowed 0.
SOFTMAX       = defop("softmax", _fwd_softmax,
                      lambda g, x, out, dim: _softmax_backward(g, out, dim),
                      grad_name="SoftmaxBackward0", batch=B.shifted(0))
LOG_SOFTMAX   = defop("log_softmax", _fwd_log_softmax,
                      lambda g, x, out, dim: _log_softmax_backward(g, out, dim), batch=B.shifted(0))
# NOTE: cross-entropy on class indices fuses log-softmax and the pick: per row one pass
# forward, and the backward writes softmax - one_hot from the logits (no (N, C) temporaries).
CROSS_ENTROPY = defop("cross_entropy", _fwd_cross_entropy,
                      lambda g, x, out, t, w, ignore: _cross_entropy_backward(g, x, t, w, ignore))
# the common loss, F.cross_entropy(logits, classes) with mean or sum: one node, named as
# PyTorch names it, instead of per-sample losses, a sum and a division
CROSS_ENTROPY_REDUCED = defop("cross_entropy_reduced", _fwd_cross_entropy_reduced,
                              lambda g, x, out, t, ignore, d: _cross_entropy_reduced_backward(g, x, t, ignore, d),
                              grad_name="NllLossBackward0", batch=B.cross_entropy_reduced)
# NOTE: convolution is a primitive for speed: im2col + one GEMM over the batch each way, the
# transposed operands passed to BLAS as views (timed against PyTorch in benchmarks/bench_conv.py).
# conv_transpose is the convolution's adjoint in x: each is the other's input derivative.
CONVOLUTION   = defop("convolution", _fwd_conv,
                      lambda g, x, w, b, out, geo, groups: _conv_dx(g, w, x.shape, geo, groups),
                      lambda g, x, w, b, out, geo, groups: _conv_dw(g, x, w.shape, geo, groups),
                      lambda g, x, w, b, out, geo, groups: _conv_db(g))
CONV_TRANSPOSE = defop("convolution_transpose", _fwd_conv_transpose,
                      lambda g, x, w, b, out, geo, groups, shape: _convolve(g, w, geo, groups),
                      lambda g, x, w, b, out, geo, groups, shape: _conv_dw(x, g, w.shape, geo, groups),
                      lambda g, x, w, b, out, geo, groups, shape: _conv_db(g), grad_name="ConvolutionBackward0")
IM2COL        = defop("im2col", _fwd_im2col,
                      lambda g, x, out, geo: col2im(g, x.shape, geo))
COL2IM        = defop("col2im", _fwd_col2im,
                      lambda g, cols, out, shape, geo: im2col(g, geo))
MAX_POOL      = defop("max_pool2d", _fwd_gather_planes,
                      lambda g, x, out, idx: scatter_planes(g, idx, x.shape),
                      grad_name="MaxPool2DWithIndicesBackward0")
UNPOOL        = defop("max_pool2d_backward", _fwd_scatter_planes,
                      lambda g, gy, out, idx, shape: gather_planes(g, idx))
ERF           = defop("erf", _fwd_erf,
                      lambda g, x, out: mul(g, _erf_slope(x)), kind=ELEMENTWISE)
# NOTE: softplus is a primitive for stability: log(1 + exp(x)) overflows, and a guarded
# composition gives 0 * inf = nan gradients in the branch it does not take.
SOFTPLUS      = defop("softplus", _fwd_softplus,
                      lambda g, x, out, beta, threshold: _softplus_backward(g, x, beta, threshold), kind=ELEMENTWISE)
# NOTE: the piecewise-linear activations are primitives for their second derivative: composed
# from where, the gradient does not read x, so after create_graph a second backward (the
# gradient penalty of WGAN-GP) gave x no gradient where PyTorch gives zeros (issue 14).
# Their derivatives read x through ``_reading``, as relu's does through ``_relu_backward``.
LEAKY_RELU    = defop("leaky_relu", _fwd_leaky_relu,
                      lambda g, x, out, slope: _reading(where(gt(x, 0), g, mul(g, slope)), x), kind=ELEMENTWISE)
PRELU         = defop("prelu", _fwd_prelu,
                      lambda g, x, w, out: _reading(where(gt(x, 0), g, mul(g, w)), x),
                      lambda g, x, w, out: where(gt(x, 0), 0.0, mul(g, x)),
                      grad_name="PreluKernelBackward0", kind=ELEMENTWISE)
HARDTANH      = defop("hardtanh", _fwd_hardtanh,
                      lambda g, x, out, lo, hi: _reading(where(le(x, lo), 0.0, where(ge(x, hi), 0.0, g)), x),
                      kind=ELEMENTWISE)
THRESHOLD     = defop("threshold", _fwd_threshold,
                      lambda g, x, out, threshold, value: _reading(where(le(x, threshold), 0.0, g), x), kind=ELEMENTWISE)
HARDSHRINK    = defop("hardshrink", _fwd_hardshrink,
                      lambda g, x, out, lambd: _reading(where(_shrunk(x, lambd), 0.0, g), x), kind=ELEMENTWISE)
SOFTSHRINK    = defop("softshrink", _fwd_softshrink,
                      lambda g, x, out, lambd: _reading(where(_shrunk(x, lambd), 0.0, g), x), kind=ELEMENTWISE)
# zeros shaped like x, recorded from x (``_reading``'s tie; its own derivative is zero)
ZEROS_OF      = defop("zeros_like", np.zeros_like, lambda g, x, out: zero_grad(g), kind=ELEMENTWISE)
# NOTE: a primitive for speed: one node (PyTorch's addmm) instead of t, matmul and add
LINEAR        = defop("linear", _fwd_linear,   lambda g, x, w, b, out: matmul(g, w),
                                                lambda g, x, w, b, out: _linear_dw(g, x),
                                                lambda g, x, w, b, out: g,              grad_name="AddmmBackward0", batch=B.linear)
LINEAR_NOBIAS = defop("linear", _fwd_linear,   lambda g, x, w, out: matmul(g, w),
                                                lambda g, x, w, out: _linear_dw(g, x), grad_name="MmBackward0", kind=MULTILINEAR, batch=B.linear)
# NOTE: a primitive for speed, the batching rule of linear with a per-sample weight (func.grad
# inside func.vmap): one GEMM forward, and the backward writes the batch of outer products
# once (benchmarks/bench_func.py), instead of a loop of B small matmuls each way.
PER_SAMPLE_LINEAR = defop("per_sample_linear", _fwd_per_sample_linear,
                                                lambda g, x, w, b, out: _per_sample_dx(g, w),
                                                lambda g, x, w, b, out: _per_sample_dw(g, x),
                                                lambda g, x, w, b, out: g)
LINEAR_ND     = defop("linear", _fwd_linear,   *LINEAR.derivs,                          grad_name="ViewBackward0", batch=B.linear)
LINEAR_ND_NOBIAS = defop("linear", _fwd_linear, *LINEAR_NOBIAS.derivs,                  grad_name="ViewBackward0", kind=MULTILINEAR, batch=B.linear)
# fmt: on


# ----------------------------------------------------------------------------- derivatives
# Each runs a kernel on ndarrays and the composed formula on Tensors (create_graph).


def _softmax_backward(g, out, dim):
    if _is_raw(g) and out.dtype != np.float16:
        return NK.softmax_backward(np.asarray(g, dtype=out.dtype), out, dim, False)
    return mul(out, sub(g, (g * out).sum(dim, keepdim=True)))


def _log_softmax_backward(g, out, dim):
    if _is_raw(g) and out.dtype != np.float16:
        return NK.softmax_backward(np.asarray(g, dtype=out.dtype), out, dim, True)
    return sub(g, mul(exp(out), g.sum(dim, keepdim=True)))


def _cross_entropy_backward(g, x, target, weight, ignore_index):
    if _is_raw(g):
        return NK.cross_entropy_backward(np.asarray(g, dtype=x.dtype), x, target, weight, ignore_index)
    # on Tensors: (softmax(x) - one_hot(target)) * weight[target] * g, with the class axis 1
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    classes = np.arange(x.shape[1]).reshape((1, -1) + (1,) * (x.ndim - 2))
    one_hot = (classes == np.expand_dims(safe, 1)).astype(x._data.dtype)
    w = (valid if weight is None else weight[safe] * valid).astype(x._data.dtype)
    coef = (g * w).reshape(g.shape[:1] + (1,) + g.shape[1:])
    return mul(sub(softmax(x, 1), one_hot), coef)


def _channels_first(g):
    """(N, O, *spatial) ndarray -> (O, N*L): the gradient in the batch-major columns' order."""
    n, o = g.shape[:2]
    per = math.prod(g.shape[2:])  # not -1: N may be 0
    return np.ascontiguousarray(g.reshape(n, o, per).transpose(1, 0, 2)).reshape(o, n * per)


def _conv_dx(g, w, xshape, geometry, groups):
    """The input gradient of a convolution: w's transpose times g's columns, then col2im."""
    if not _is_raw(g):
        return apply(CONV_TRANSPOSE, (g, w, None), (geometry, groups, tuple(xshape)))
    # one GEMM per group (the weight's transpose a view) and col2im, over the whole batch
    o, rows = w.shape[0], _channels_first(g)  # rows: (O, N*L)
    if groups == 1:
        cols = gemm.dot(w.reshape(o, -1).T, rows)  # (C*KH*KW, N*L)
    else:
        wt = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)  # (G, C/G*KH*KW, O/G), a view
        cols = _stacked_matmul(wt, rows.reshape(groups, o // groups, rows.shape[1]))
        cols = cols.reshape(groups * wt.shape[1], rows.shape[1])  # not -1: N*L may be 0
    return CK.col2im(cols, _as4(tuple(xshape)), geometry, True).reshape(xshape)


def _conv_dw(g, x, wshape, geometry, groups):
    """The weight gradient of a convolution of input x whose output gradient is g."""
    o, n = wshape[0], g.shape[0]
    per = math.prod(g.shape[2:])  # not -1: N may be 0
    if _is_raw(g):  # one GEMM per group over the batch: cols (C*KH*KW, N*L) @ g as (N*L, O)
        cols = CK.im2col(np.ascontiguousarray(x).reshape(_as4(x.shape)), geometry, True)
        # NOTE: this order runs ~1.3x faster in OpenBLAS than g (O, N*L) @ cols.T (measured)
        g_rows = np.ascontiguousarray(g.reshape(n, o, per).transpose(0, 2, 1)).reshape(n * per, o)
        if groups == 1:
            return np.ascontiguousarray(gemm.dot(cols, g_rows).T).reshape(wshape)
        gt = g_rows.reshape(n * per, groups, o // groups).transpose(1, 0, 2)  # (G, N*L, O/G)
        dw = gemm.matmul(cols.reshape(groups, cols.shape[0] // groups, n * per), gt)  # (G, C/G*KH*KW, O/G)
        return np.ascontiguousarray(dw.transpose(0, 2, 1)).reshape(wshape)
    cols = im2col(x.reshape(_as4(tuple(x.shape))), geometry)  # (N, C*KH*KW, L)
    cols = cols.reshape((n, groups, -1, per))
    gg = g.reshape((n, groups, o // groups, per))
    return matmul(gg, transpose(cols, 2, 3)).sum(0).reshape(wshape)


def _conv_db(g):
    return g.sum(axis=tuple(i for i in range(g.ndim) if i != 1))


def _erf_slope(x):
    # d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2)
    return mul(exp(neg(mul(x, x))), _SQRT_2_OVER_PI)


def _softplus_backward(g, x, beta, threshold):
    bx = x * beta
    return where(gt(bx, threshold), g, mul(g, sigmoid(bx)))


def _shrunk(x, lambd):
    # where hardshrink and softshrink give 0 (and pass no gradient): -lambd <= x <= lambd
    return logical_and(ge(x, -lambd), le(x, lambd))


def _reading(grad, x):
    """``grad``; on Tensors (create_graph) with a recorded zero of ``x`` added, so that a
    second backward reaches ``x`` (with a zero gradient) rather than leaving it out, as
    PyTorch's ``*_backward`` ops, which read their input, do. First-order gradients (arrays)
    and inputs that need no gradient skip the tie."""
    if _is_raw(grad) or not (isinstance(x, Tensor) and x.requires_grad):
        return grad
    return add(grad, apply(ZEROS_OF, (x,)))


# ----------------------------------------------------------------------------- dual helpers
# Raw forward on ndarrays, a recorded op on Tensors: what derivative formulas call.


def _convolve(x, w, geometry, groups):
    """A bias-free convolution of ``x`` with the validated ``geometry``: raw or recorded."""
    return (
        _fwd_conv(x, w, None, geometry, groups)
        if _is_raw(x)
        else apply(CONVOLUTION, (x, w, None), (geometry, groups))
    )


def im2col(x, geometry):
    """Patches of (N, C, H, W) ``x`` as columns (N, C*KH*KW, OH*OW); see ``_conv_kernels.im2col``."""
    return _fwd_im2col(x, geometry) if _is_raw(x) else apply(IM2COL, (x,), (geometry,))


def col2im(cols, shape, geometry):
    """The adjoint of ``im2col``: add the patch entries back into an array of ``shape``."""
    shape = tuple(shape)
    return _fwd_col2im(cols, shape, geometry) if _is_raw(cols) else apply(COL2IM, (cols,), (shape, geometry))


def gather_planes(x, idx):
    """``out[n, c, j] = x[n, c].flat[idx[n, c, j]]`` for (N, C, OH, OW) int64 ``idx``."""
    return _fwd_gather_planes(x, idx) if _is_raw(x) else apply(MAX_POOL, (x,), (idx,))


def scatter_planes(g, idx, shape):
    """The adjoint of ``gather_planes``: zeros of ``shape`` with ``g`` added at ``idx``."""
    shape = tuple(shape)
    return _fwd_scatter_planes(g, idx, shape) if _is_raw(g) else apply(UNPOOL, (g,), (idx, shape))


# ----------------------------------------------------------------------------- public


def _dim(op, dim, ndim):
    dims = _dims(op, dim, ndim)
    return dims[0] if dims else 0


def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed without overflow.

    ``input``: a floating tensor; ``dim``: the dim normalised over; ``dtype``: convert to it
    first; ``axis``: numpy's spelling of ``dim`` (``minigrad.softmax`` and the method take
    it, as PyTorch's do; ``F.softmax`` does not).

    >>> minigrad.softmax(minigrad.tensor([0.0, 0.0]), 0)
    tensor([0.5000, 0.5000])
    """
    if dtype is not None:
        input = input.to(dtype)
    return apply(SOFTMAX, (input,), (_dim("softmax", dim, input.ndim),))


def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) along ``dim``, as x - logsumexp(x): stable for any logits.

    ``input``: a floating tensor; ``dim``: the dim normalised over; ``dtype``: convert to it
    first; ``axis``: numpy's spelling of ``dim`` (``minigrad.log_softmax`` and the method
    take it; ``F.log_softmax`` does not).

    >>> minigrad.log_softmax(minigrad.tensor([0.0, 0.0]), 0)
    tensor([-0.6931, -0.6931])
    """
    if dtype is not None:
        input = input.to(dtype)
    return apply(LOG_SOFTMAX, (input,), (_dim("log_softmax", dim, input.ndim),))


def cross_entropy_indices(input, target, weight=None, ignore_index=-100):
    """Per-sample ``weight[t] * (logsumexp(x) - x[t])`` of (N, C, ...) logits and class
    indices ``target`` (N, ...); 0 where ``target == ignore_index``. nn's cross_entropy
    reduces it."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    w = weight._data if isinstance(weight, Tensor) else weight
    w = None if w is None else np.asarray(w, dtype=input._data.dtype)
    return apply(CROSS_ENTROPY, (input,), (t, w, int(ignore_index)))


def cross_entropy_reduced(input, target, ignore_index=-100, reduction="mean"):
    """``cross_entropy_indices`` summed (``reduction="sum"``) or averaged over the targets
    that are not ``ignore_index`` (``"mean"``), in one node."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    denominator = float(np.count_nonzero(t != ignore_index)) if reduction == "mean" else 1.0
    return apply(CROSS_ENTROPY_REDUCED, (input,), (t, int(ignore_index), denominator))


@export(inplace=True, inplace_example=("[0.0, 1.0]", "", "tensor([0.0000, 0.8427])"))
def erf(input):
    """The error function of each element (for the exact GELU).

    ``input``: a floating tensor.

    >>> minigrad.erf(minigrad.tensor([0.0, 1.0, -2.0]))
    tensor([ 0.0000,  0.8427, -0.9953])
    """
    return apply(ERF, (input,))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    return apply(SOFTPLUS, (input,), (beta, threshold))


def _scalar(op, name, position, v):
    """A number argument of an activation, as PyTorch checks it (its TypeError)."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be Number, not {type(v).__name__}"
        )
    return float(v)


def leaky_relu(input, negative_slope):
    """x where x > 0, ``negative_slope`` * x elsewhere (a float ``input``; nn.functional's form)."""
    return apply(LEAKY_RELU, (input,), (_scalar("leaky_relu", "negative_slope", 2, negative_slope),))


def prelu(input, weight):
    """x where x > 0, ``weight`` * x elsewhere (``weight`` broadcast against ``input``)."""
    return apply(PRELU, (input, weight))


def hardtanh(input, min_val, max_val):
    """``input`` clamped to [``min_val``, ``max_val``]; the gradient passes strictly inside."""
    lo, hi = _scalar("hardtanh", "min_val", 2, min_val), _scalar("hardtanh", "max_val", 3, max_val)
    return apply(HARDTANH, (input,), (lo, hi))


def threshold(input, threshold, value):
    """x where x > ``threshold``, ``value`` elsewhere."""
    t, v = _scalar("threshold", "threshold", 2, threshold), _scalar("threshold", "value", 3, value)
    return apply(THRESHOLD, (input,), (t, v))


def hardshrink(input, lambd):
    """x where |x| > ``lambd``, 0 elsewhere."""
    return apply(HARDSHRINK, (input,), (_scalar("hardshrink", "lambd", 2, lambd),))


def softshrink(input, lambd):
    """x - ``lambd`` above ``lambd``, x + ``lambd`` below -``lambd``, 0 between."""
    return apply(SOFTSHRINK, (input,), (_scalar("softshrink", "lambd", 2, lambd),))


_INT32_MAX = 2**31 - 1


def _tuple(v, n, name, op=None, limit=_INT64_MAX):
    """``v`` (an int, or one or ``n`` ints) as a tuple of ``n`` ints no larger in magnitude than
    ``limit``: int64 for convolution, int32 for pooling, the C types PyTorch converts them to.
    A sequence of another length is PyTorch's RuntimeError; a non-int, its TypeError."""
    t = (v,) * n if isinstance(v, (int, np.integer)) else tuple(v)
    if not all(isinstance(i, (int, np.integer)) for i in t):
        raise TypeError(f"{op or 'conv'}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    t = tuple(int(i) for i in t) * (n if len(t) == 1 else 1)
    if len(t) != n:
        what = "convolution" if op is None or "conv" in op else "window"
        raise RuntimeError(
            f"{op or 'conv'}: expected {name} to be a single integer value or a list of {n} values "
            f"to match the {what} dimensions, but got {name}={list(v)}"
        )
    if any(abs(i) > limit for i in t):
        kind = "int" if limit == _INT32_MAX else "int64"
        raise RuntimeError(
            f"{op or 'conv'}: {name}={t} is out of range: value cannot be converted to type {kind} "
            f"without overflow (each must be at most {limit})"
        )
    return t


def _check_window(op, xshape, geometry, rows, itemsize):
    """Every size a window kernel allocates or loops over, computed exactly before it runs
    (issue 16: C products of sizes that each pass their own check can wrap). ``rows`` is the
    number of im2col rows per image (C*KH*KW), or 0 for a kernel with no im2col buffer."""
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = geometry
    n, c, h, w = _as4(tuple(xshape))
    why = f"kernel_size=({kh}, {kw}), stride=({sh}, {sw}), padding=({ph}, {pw}), dilation=({dh}, {dw})"
    if h + 2 * ph > _INT64_MAX or w + 2 * pw > _INT64_MAX:
        raise RuntimeError(f"{op}: padding=({ph}, {pw}) is out of range: the padded input overflows int64")
    # each factor at least 1: the kernels take the per-image products in C too, which must not
    # wrap even when the batch or the channels are empty
    n, c = max(n, 1), max(c, 1)
    _check_alloc(op, n * c * oh * ow, 8, "an output", why)
    if rows:
        _check_alloc(op, n * max(rows, 1) * oh * ow, itemsize, "an im2col buffer", why)


def _same_padding(kernel, dilation, stride, op):
    if any(s != 1 for s in stride):
        raise ValueError(
            f"padding='same' is not supported for strided convolutions ({op} got stride {stride})"
        )
    return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))


def _conv_geometry(op, xshape, wshape, stride, padding, dilation):
    """(kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) of a convolution, validated like PyTorch; for a
    3-D one, ((kd, sd, pd, dd, od, right padding), that of the 2-D convolution over H, W)."""
    nd = len(wshape) - 2
    kernel = tuple(wshape[2:])
    stride, dilation = _tuple(stride, nd, "stride", op), _tuple(dilation, nd, "dilation", op)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
        pad = _same_padding(kernel, dilation, stride, op) if padding == "same" else (0,) * nd
        out = tuple(xshape[2:]) if padding == "same" else None
    else:
        pad, out = _tuple(padding, nd, "padding", op), None
    if min(stride) < 1 or min(dilation) < 1 or min(pad) < 0:
        raise RuntimeError(
            f"{op}: stride and dilation must be positive and padding non-negative, "
            f"got stride={stride}, padding={pad}, dilation={dilation}"
        )
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    total = tuple(e - 1 for e in eff) if padding == "same" else tuple(2 * p for p in pad)
    padded = tuple(s + t for s, t in zip(xshape[2:], total))
    if any(e > p for e, p in zip(eff, padded)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size"
        )
    if out is None:
        out = tuple((p - e) // s + 1 for p, e, s in zip(padded, eff, stride))
    if nd == 3:  # depth is stacked into the channels (conv3d), H and W stay a 2-D window
        n, c, depth, h, w = xshape
        why = f"kernel_size={kernel}, stride={stride}, padding={pad}, dilation={dilation}"
        _check_alloc(op, max(n, 1) * out[0] * c * kernel[0] * h * w, 8, "a depth-stacked input", why)
        depth_geo = (kernel[0], stride[0], pad[0], dilation[0], out[0], total[0] - pad[0])
        xshape, wshape = (n * out[0], c * kernel[0], h, w), (wshape[0], wshape[1] * kernel[0]) + kernel[1:]
        kernel, stride, pad, dilation, out = kernel[1:], stride[1:], pad[1:], dilation[1:], out[1:]
    two = lambda t, fill: t if len(t) == 2 else (fill,) + t  # noqa: E731
    geo = two(kernel, 1) + two(stride, 1) + two(pad, 0) + two(dilation, 1) + two(out, 1)
    _check_window(op, (xshape[0], wshape[0]) + tuple(xshape[2:]), geo, wshape[1] * math.prod(kernel), 8)
    return (depth_geo, geo) if nd == 3 else geo


def _conv_shapes(op, nd, input, weight, bias, groups, transposed=False):
    """Validate a convolution's tensors like PyTorch; returns (batched input, unbatched)."""
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    if groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported (got groups={groups})")
    unbatched = input.ndim == nd + 1
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got input of "
            f"size: {list(input.shape)}"
        )
    if weight.ndim != nd + 2:
        raise RuntimeError(
            f"{op}: weight must be {nd + 2}-D ({'in' if transposed else 'out'}_channels, "
            f"{'out' if transposed else 'in'}_channels / groups, *kernel), got shape {list(weight.shape)}"
        )
    if unbatched:
        input = input.reshape((1,) + tuple(input.shape))
    w = list(weight.shape)
    if w[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size [{w}] instead ({op})"
        )
    channels = w[0] if transposed else w[1] * groups
    if input.shape[1] != channels:
        given = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(
            f"Given {given}, weight of size {w}, expected input{list(input.shape)} to have {channels} "
            f"channels, but got {input.shape[1]} channels instead ({op})"
        )
    out_channels = w[1] * groups if transposed else w[0]
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"{op}: expected bias to be 1-dimensional with {out_channels} elements, but got bias of size "
            f"{list(bias.shape)} instead"
        )
    return input, unbatched


def _conv(op, nd, input, weight, bias, stride, padding, dilation, groups):
    input, unbatched = _conv_shapes(op, nd, input, weight, bias, groups)
    geo = _conv_geometry(op, tuple(input.shape), tuple(weight.shape), stride, padding, dilation)
    out = apply(CONVOLUTION, (input, weight, bias), (geo, int(groups)))
    return out.reshape(tuple(out.shape)[1:]) if unbatched else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of (N, C, H, W) ``input`` with (O, C/groups, KH, KW)
    ``weight``.

    ``input``: (N, C, H, W) or unbatched (C, H, W); ``weight``: the filters; ``bias``: (O,)
    or None; ``stride``: an int or a pair; ``padding`` may be an int, a pair, ``'valid'`` or
    ``'same'`` (stride 1); ``dilation``: the spacing of the kernel's taps (an int or a pair).
    With ``groups`` the channels split into that many blocks, each convolved with its block
    of O/groups filters (``groups=C`` is a depthwise convolution).

    >>> minigrad.conv2d(minigrad.ones(1, 1, 3, 3), minigrad.ones(1, 1, 2, 2)).shape
    minigrad.Size([1, 1, 2, 2])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C, L) ``input`` with (O, C/groups, K) ``weight``.

    ``input``: (N, C, L) or unbatched (C, L); ``weight``: the filters; ``bias``: (O,) or
    None; ``stride``, ``padding`` (or ``'valid'`` / ``'same'``), ``dilation``: ints (or
    one-element tuples); ``groups``: as in conv2d.

    >>> minigrad.conv1d(minigrad.ones(1, 1, 5), minigrad.ones(1, 1, 3), padding=1)
    tensor([[[2., 3., 3., 3., 2.]]])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of (N, C, D, H, W) ``input`` with (O, C/groups, KD, KH, KW) ``weight``.

    ``input``: (N, C, D, H, W) or unbatched (C, D, H, W); ``weight``: the filters; ``bias``:
    (O,) or None; ``stride``, ``padding`` (or ``'valid'`` / ``'same'``), ``dilation``: an int
    or a triple; ``groups``: as in conv2d.

    Composed (its gradient comes from the ops it is made of): the KD depth slices each output
    depth reads are stacked into the channels, (N*OD, C*KD, H, W), and one conv2d with the
    weight seen as (O, C/groups*KD, KH, KW) computes every output depth at once.

    >>> minigrad.conv3d(minigrad.ones(1, 1, 3, 3, 3), minigrad.ones(1, 1, 2, 2, 2)).shape
    minigrad.Size([1, 1, 2, 2, 2])
    """
    x, unbatched = _conv_shapes("conv3d", 3, input, weight, bias, groups)
    (kd, sd, pd, dd, od, right), geo = _conv_geometry(
        "conv3d", tuple(x.shape), tuple(weight.shape), stride, padding, dilation
    )
    n, c, _, h, w = x.shape
    if pd or right:
        x = cat([x.new_zeros((n, c, pd, h, w)), x, x.new_zeros((n, c, right, h, w))], 2)
    depths = (np.arange(kd)[:, None] * dd + np.arange(od)[None, :] * sd).reshape(-1)  # (kz, oz)
    stacked = index_select(x, 2, depths).reshape((n, c, kd, od, h, w)).permute(0, 3, 1, 2, 4, 5)
    stacked = stacked.reshape((n * od, c * kd, h, w))
    o = weight.shape[0]
    w2 = weight.reshape((o, weight.shape[1] * kd) + tuple(weight.shape[3:]))
    out = apply(CONVOLUTION, (stacked, w2, bias), (geo, int(groups)))
    out = out.reshape((n, od, o, geo[8], geo[9])).permute(0, 2, 1, 3, 4).contiguous()
    return out.reshape(tuple(out.shape)[1:]) if unbatched else out


def _conv_transpose_geometry(op, xshape, wshape, stride, padding, output_padding, dilation, groups, itemsize):
    """(geometry of the adjoint convolution, output shape) of a transposed convolution."""
    nd = len(wshape) - 2
    kernel, size = tuple(wshape[2:]), tuple(xshape[2:])
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    s, d = _tuple(stride, nd, "stride", op), _tuple(dilation, nd, "dilation", op)
    p, q = _tuple(padding, nd, "padding", op), _tuple(output_padding, nd, "output_padding", op)
    for bad, what in (
        (min(s) < 1, "non-positive stride"),
        (min(p) < 0, "negative padding"),
        (min(q) < 0, "negative output_padding"),
        (min(d) < 1, "non-positive dilation"),
    ):
        if bad:
            raise RuntimeError(
                f"{op}: {what} is not supported (stride={s}, padding={p}, output_padding={q}, dilation={d})"
            )
    if any(qi >= max(si, di) for qi, si, di in zip(q, s, d)):
        raise RuntimeError(
            f"{op}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding={q}, stride={s}, dilation={d}"
        )
    out = tuple(
        (i - 1) * si - 2 * pi + di * (k - 1) + qi + 1
        for i, k, si, pi, di, qi in zip(size, kernel, s, p, d, q)
    )
    if min(out) < 1:
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, size))}). Calculated output size per "
            f"channel: ({' x '.join(map(str, out))}). Output size is too small ({op})"
        )
    two = lambda t, fill: t if nd == 2 else (fill,) + t  # noqa: E731
    geo = two(kernel, 1) + two(s, 1) + two(p, 0) + two(d, 1) + two(size, 1)
    shape = (xshape[0], wshape[1] * groups) + out
    why = f"stride={s}, padding={p}, output_padding={q}, dilation={d}"
    _check_alloc(op, max(shape[0], 1) * max(shape[1], 1) * math.prod(out), itemsize, "an output", why)
    _check_window(op, shape, geo, shape[1] * math.prod(kernel), itemsize)
    return geo, shape


def _conv_transpose(op, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    input, unbatched = _conv_shapes(op, nd, input, weight, bias, groups, transposed=True)
    geo, shape = _conv_transpose_geometry(
        op,
        tuple(input.shape),
        tuple(weight.shape),
        stride,
        padding,
        output_padding,
        dilation,
        int(groups),
        input.dtype.itemsize,
    )
    out = apply(CONV_TRANSPOSE, (input, weight, bias), (geo, int(groups), shape))
    return out.reshape(tuple(out.shape)[1:]) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution ("deconvolution") of (N, C_in, H, W) ``input`` with
    (C_in, C_out/groups, KH, KW) ``weight``: the input gradient of the matching conv2d, so each
    size grows to (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1.

    ``input``: (N, C_in, H, W) or unbatched; ``weight``: the filters; ``bias``: (C_out,) or
    None; ``stride``, ``padding``, ``output_padding``, ``dilation``: ints or pairs, those of
    the conv2d it undoes (``output_padding`` picks among the sizes a strided conv2d maps to
    one); ``groups``: as in conv2d.

    >>> minigrad.conv_transpose2d(minigrad.ones(1, 1, 2, 2), minigrad.ones(1, 1, 2, 2), stride=2).shape
    minigrad.Size([1, 1, 4, 4])
    """
    return _conv_transpose(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution of (N, C_in, L) ``input`` with (C_in, C_out/groups, K) ``weight``.

    ``input``: (N, C_in, L) or unbatched; ``weight``: the filters; ``bias``: (C_out,) or None;
    ``stride``, ``padding``, ``output_padding``, ``dilation``: ints, as in conv_transpose2d;
    ``groups``: as in conv2d. The length grows to
    (L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1.

    >>> minigrad.conv_transpose1d(minigrad.ones(1, 1, 3), minigrad.ones(1, 2, 2)).shape
    minigrad.Size([1, 2, 4])
    """
    return _conv_transpose(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def _pool_out(size, k, s, p, d, ceil_mode):
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside
        out -= 1
    return out


def _check_image(op, input):
    """A 3-D (C, H, W) or 4-D (N, C, H, W) input with no empty dim but the batch (issue 16:
    PyTorch pools an empty batch into an empty result)."""
    shape = tuple(input.shape)
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise RuntimeError(
            f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got: {list(shape)}"
        )


def pool_geometry(op, input, kernel_size, stride, padding, dilation, ceil_mode, im2col=False):
    """Validated (kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) of a 2-D pooling window (whose
    im2col buffer, if the op builds one, fits in memory)."""
    _check_image(op, input)
    k = _tuple(kernel_size, 2, "kernel_size", op, _INT32_MAX)
    default = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    s = k if default else _tuple(stride, 2, "stride", op, _INT32_MAX)
    p, d = _tuple(padding, 2, "padding", op, _INT32_MAX), _tuple(dilation, 2, "dilation", op, _INT32_MAX)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise RuntimeError(f"{op}: kernel_size, stride and dilation must be positive, got {k}, {s}, {d}")
    for ki, pi, di in zip(k, p, d):
        if not 0 <= pi <= (di * (ki - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pi}, "
                f"kernel_size={ki} and dilation={di}"
            )
    size = tuple(input.shape[-2:])
    out = tuple(_pool_out(n, ki, si, pi, di, ceil_mode) for n, ki, si, pi, di in zip(size, k, s, p, d))
    if min(out) < 1:
        c = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({c}x{size[0]}x{size[1]}). Calculated output size: "
            f"({c}x{out[0]}x{out[1]}). Output size is too small"
        )
    geo = k + s + p + d + out
    planes = math.prod(tuple(input.shape)[:-2])
    _check_window(op, (planes, 1) + size, geo, k[0] * k[1] if im2col else 0, input.dtype.itemsize)
    return geo


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over sliding windows of (N, C, H, W) or (C, H, W) ``input``.

    ``kernel_size``: the window (an int or a pair); ``stride``: its step (default: the
    window); ``padding``: implicit -inf around the input (at most half the window);
    ``dilation``: the spacing of the window's taps; ``ceil_mode``: round the output size up
    (a last, partial window). With ``return_indices`` also returns the flat position (in
    each H*W plane) of every maximum, as PyTorch does.

    >>> minigrad.max_pool2d(minigrad.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    geo = pool_geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    unbatched = input.ndim == 3
    x = input.reshape((1,) + tuple(input.shape)) if unbatched else input
    _floats("max_pool2d", x._data)
    idx = CK.max_pool2d_indices(x._data, geo)
    if idx.size and idx.min() < 0:
        raise RuntimeError(
            f"max_pool2d: a window lies entirely in the padding (kernel {geo[:2]}, "
            f"padding {geo[4:6]}, dilation {geo[6:8]}); use less padding or dilation"
        )
    out = apply(MAX_POOL, (x,), (idx,))
    if unbatched:
        out, idx = out.reshape(tuple(out.shape)[1:]), idx[0]
    if return_indices:
        return out, _from_array(idx)
    return out


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` as one node; input (*, in), weight (out, in), bias (out,)."""
    if bias is None:
        op = LINEAR_NOBIAS if input.ndim == 2 else LINEAR_ND_NOBIAS
        return apply(op, (input, weight))
    return apply(LINEAR if input.ndim == 2 else LINEAR_ND, (input, weight, bias))
