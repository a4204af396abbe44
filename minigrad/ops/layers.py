"""A transformer block's layer norm and exact GELU, each one node (kernels: ``_layer_kernels``),
and batch norm's closing ``x * scale + shift``.

NOTE: both are primitives for speed. Composed, layer norm records eight nodes (mean, sub,
mul, mean, add, sqrt, div, then the affine mul and add), each keeping a (rows, C) temporary
for backward; the exact GELU records five (mul, erf, add, mul, mul). Measured with
``benchmarks/bench_rowwise.py`` (N4, fwd+bwd, float32, one thread, load ~5): on (1024, 128)
composed layer norm took 7.2 ms against PyTorch's 0.83 ms and GELU 4.3 ms against 1.1 ms;
the fused figures are in the README's benchmark table.

Layer norm normalises the trailing ``c = prod(normalized_shape)`` values of each row. The
forward keeps each row's mean and ``rstd = 1 / sqrt(var + eps)`` in a ``_RowStats`` passed
as the op's last attribute. The backward kernel computes the input's, the weight's and the
bias's gradients in one pass, so the three derivative formulas share one call: the first
to run makes it (keyed by the incoming gradient) and each takes its part. With
``create_graph=True`` the formulas are composed from differentiable ops instead, so
gradients of gradients work too (slower; nothing fast needs it). Only float32/float64
inputs reach these ops (``nn`` composes the others).
"""

import math

import numpy as np

from .. import _layer_kernels as LK
from .._tape import apply
from ._core import _is_raw, defop
from .elementwise import exp, mul
from .nn import erf

_SQRT_HALF = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


class _RowStats:
    """A layer norm's row statistics (forward), and the gradients its backward shares."""

    __slots__ = ("mean", "rstd", "g", "grads")

    def __init__(self):
        self.mean = self.rstd = self.g = self.grads = None


def _flat(a):
    return None if a is None else a.reshape(-1)


def _fwd_layer_norm(x, w, b, c, eps, st):
    y, st.mean, st.rstd = LK.layer_norm(x.reshape(-1, c), _flat(w), _flat(b), eps)
    return y.reshape(x.shape)


def _ln_grad(which, g, x, w, b, c, eps, st):
    """Gradient ``which`` (0: input, 1: weight, 2: bias) of a layer norm."""
    if not _is_raw(g):
        return _ln_grad_composed(which, g, x, w, c, eps)
    if st.g is not g:
        dx, dw, db = LK.layer_norm_backward(
            g.reshape(-1, c), x.reshape(-1, c), _flat(w), st.mean, st.rstd, w is not None, b is not None
        )
        st.g, st.grads = g, [dx.reshape(x.shape), dw, db]
    part, st.grads[which] = st.grads[which], None
    return part if which == 0 else part.reshape((w if which == 1 else b).shape)


def _ln_grad_composed(which, g, x, w, c, eps):
    x2, g2 = x.reshape(-1, c), g.reshape(-1, c)
    centred = x2 - x2.mean(1, keepdim=True)
    rstd = ((centred * centred).mean(1, keepdim=True) + eps) ** -0.5
    xhat = centred * rstd
    if which == 1:
        return (g2 * xhat).reshape(x.shape)  # summed over the rows by the engine
    if which == 2:
        return g
    gw = g2 if w is None else g2 * w.reshape(c)
    dx = rstd * (gw - gw.mean(1, keepdim=True) - xhat * (gw * xhat).mean(1, keepdim=True))
    return dx.reshape(x.shape)


def _fwd_gelu(x):
    return LK.gelu(x)


def _gelu_backward(g, x):
    if _is_raw(g):
        return LK.gelu_backward(g.astype(x.dtype, copy=False), x)
    cdf = (erf(x * _SQRT_HALF) + 1) * 0.5
    return mul(g, cdf + x * exp(x * x * -0.5) * _INV_SQRT_2PI)


class _ChannelStats:
    """A training batch norm's normalised input and per-channel statistics (forward), and
    the per-channel gradient sums its three derivatives share (backward); ``order`` is the
    transpose that made the input (M, C) rows (None: it was used as it is)."""

    __slots__ = ("xhat", "rstd", "mean", "var", "g", "sums", "order")

    def __init__(self):
        self.xhat = self.rstd = self.mean = self.var = self.g = self.sums = self.order = None


def _channels(x):
    """(axes reduced over, the per-channel view shape, values per channel) of an (N, C, ...)."""
    c = x.shape[1]
    return (0,) + tuple(range(2, x.ndim)), (1, c) + (1,) * (x.ndim - 2), math.prod(x.shape) // max(c, 1)


def _channels_last(x):
    """The (N, ..., C) transpose of an (N, C, ...) array, or None if that is not C-contiguous.
    A (B, T, C) activation normalised as ``bn(h.transpose(1, 2))`` (makemore, channels last)
    is contiguous so, and its statistics are then column sums of (M, C) rows, where numpy's
    reductions over the strided (N, C, L) view took most of the layer's time (measured)."""
    order = (0,) + tuple(range(2, x.ndim)) + (1,)
    t = x.transpose(order)
    return (t, order) if t.flags.c_contiguous else (None, None)


def _rows(a, order):
    """``a`` (N, C, ...) as the (M, C) rows of its channels-last transpose (a copy if needed)."""
    t = a.transpose(order)
    return np.ascontiguousarray(t).reshape(-1, a.shape[1])


def _unrows(r, like, order):
    """(M, C) rows back to an (N, C, ...) array (a view of them) of ``like``'s shape."""
    back = np.argsort(order)
    return r.reshape(tuple(like.shape[i] for i in order)).transpose(back)


def _fwd_batch_norm(x, w, b, eps, st):
    axes, view, count = _channels(x)
    t, order = _channels_last(x) if x.ndim > 2 else (x, None)
    if t is not None:  # (M, C) rows: the statistics are column sums
        xr, axes, view = t.reshape(-1, x.shape[1]), (0,), (x.shape[1],)
    else:
        xr = x
    mean = np.add.reduce(xr, axis=axes, keepdims=True)
    mean /= count
    xhat = xr - mean
    var = np.add.reduce(xhat * xhat, axis=axes, keepdims=True)
    var /= count
    rstd = var + eps
    np.sqrt(rstd, out=rstd)
    np.divide(1, rstd, out=rstd)
    xhat *= rstd
    out = xhat * w.reshape(view) if w is not None else xhat.copy()
    if b is not None:
        out += b.reshape(view)
    st.xhat, st.rstd, st.mean, st.var, st.order = xhat, rstd, mean, var, order
    return out if order is None else _unrows(out, x, order)


def _bn_grad(which, g, x, w, b, eps, st):
    """Gradient ``which`` (0: input, 1: weight, 2: bias) of a training batch norm:
    db = sum g, dw = sum g * xhat, dx = rstd * w * (g - db / n - xhat * dw / n)."""
    if not _is_raw(g):
        return _bn_grad_composed(which, g, x, w, eps)
    axes, view, count = _channels(x)
    if st.order is not None:
        axes, view = (0,), (x.shape[1],)
    if st.g is not g:  # the first of the three derivatives to run makes the sums
        gr = g if st.order is None else _rows(g, st.order)
        st.g, st.sums = g, (gr, np.add.reduce(gr, axis=axes), np.add.reduce(gr * st.xhat, axis=axes))
    gr, db, dw = st.sums
    if which == 2:
        return db.astype(b.dtype, copy=False)
    if which == 1:
        return dw.astype(w.dtype, copy=False)
    dx = gr - (db / count).reshape(view)
    dx -= st.xhat * (dw / count).reshape(view)
    dx *= st.rstd if w is None else st.rstd * w.reshape(view)
    return dx if st.order is None else _unrows(dx, x, st.order)


def _bn_grad_composed(which, g, x, w, eps):
    """The same, from differentiable ops (``create_graph=True``: gradients of gradients)."""
    axes, view, _ = _channels(x)
    centred = x - x.mean(axes, keepdim=True)
    rstd = ((centred * centred).mean(axes, keepdim=True) + eps) ** -0.5
    xhat = centred * rstd
    if which == 2:
        return g.sum(axes)
    if which == 1:
        return (g * xhat).sum(axes)
    gw = g if w is None else g * w.reshape(view)
    return rstd * (gw - gw.mean(axes, keepdim=True) - xhat * (gw * xhat).mean(axes, keepdim=True))


def _bn_composed(op, args, attrs):
    """Batching rule (vmap): the same normalisation from ops that have rules, per sample.
    The statistics stay unset: one running estimate cannot take a batch of them."""
    x, w, b = args
    axes, view, _ = _channels(x)
    centred = x - x.mean(axes, keepdim=True)
    out = centred * ((centred * centred).mean(axes, keepdim=True) + attrs[0]) ** -0.5
    if w is not None:
        out = out * w.reshape(view)
    return out if b is None else out + b.reshape(view)


def _fwd_affine(x, scale, shift):
    out = x * scale
    out += shift  # in place: one full-size array, not two (each is a page-faulted allocation)
    return out


# fmt: off
LAYER_NORM = defop("layer_norm", _fwd_layer_norm,
                   lambda g, x, w, b, out, c, eps, st: _ln_grad(0, g, x, w, b, c, eps, st),
                   lambda g, x, w, b, out, c, eps, st: _ln_grad(1, g, x, w, b, c, eps, st),
                   lambda g, x, w, b, out, c, eps, st: _ln_grad(2, g, x, w, b, c, eps, st),
                   grad_name="NativeLayerNormBackward0")
# NOTE: for speed (overhead): composed, a training batch norm recorded ten nodes (mean, sub,
# mul, mean, add, rsqrt, two reshapes, mul, affine), three of them full-size each way
BATCH_NORM = defop("batch_norm", _fwd_batch_norm,
                   lambda g, x, w, b, out, eps, st: _bn_grad(0, g, x, w, b, eps, st),
                   lambda g, x, w, b, out, eps, st: _bn_grad(1, g, x, w, b, eps, st),
                   lambda g, x, w, b, out, eps, st: _bn_grad(2, g, x, w, b, eps, st),
                   grad_name="NativeBatchNormBackward0", batch=_bn_composed)
GELU       = defop("gelu", _fwd_gelu, lambda g, x, out: _gelu_backward(g, x))
# NOTE: for speed (memory): batch norm's last step, x * scale + shift with per-channel factors
AFFINE     = defop("affine", _fwd_affine, lambda g, x, scale, shift, out: mul(g, scale),
                                          lambda g, x, scale, shift, out: mul(g, x),
                                          lambda g, x, scale, shift, out: g,
                   grad_name="NativeBatchNormBackward0")
# fmt: on


def layer_norm(input, c, weight=None, bias=None, eps=1e-5):
    """Layer norm over the trailing ``c`` values of ``input`` (float32/float64; ``weight``
    and ``bias`` None or of the normalised shape, the input's dtype), as one node."""
    return apply(LAYER_NORM, (input, weight, bias), (c, float(eps), _RowStats()))


def batch_norm_train(input, weight=None, bias=None, eps=1e-5):
    """Batch norm of an (N, C, ...) float32/float64 ``input`` with its own batch statistics
    (``weight`` and ``bias`` None or of shape (C,), the input's dtype), as one node. Returns
    (output, the batch's mean and biased variance per channel as (C,) arrays), the latter for
    the caller's running estimates; (output, None, None) inside vmap."""
    st = _ChannelStats()
    out = apply(BATCH_NORM, (input, weight, bias), (float(eps), st))
    if st.mean is None:
        return out, None, None
    c = input.shape[1]
    return out, st.mean.reshape(c), st.var.reshape(c)


def affine(input, scale, shift):
    """``input * scale + shift`` (float tensors of one dtype, the factors broadcasting to the
    input and not larger than it) as one node with one result array."""
    return apply(AFFINE, (input, scale, shift))


def gelu(input):
    """The exact GELU ``x * Phi(x)`` of a float32/float64 tensor, as one node."""
    return apply(GELU, (input,))
