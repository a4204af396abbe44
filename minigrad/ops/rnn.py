"""Recurrent primitives: one layer of one direction of an LSTM, GRU or Elman RNN over a whole
sequence, recorded as one node.

NOTE: these are primitives for speed. Composed from ops, an LSTM step is about fifteen
recorded nodes (two linears, a chunk, four activations, products, sums); here a layer is
one ``autograd.Function`` whose forward makes one GEMM for every step's input projection
(``x W_ih^T + b`` over all rows at once), then per step one small GEMM for the recurrence
and one pass of a ``_rnn_kernels`` loop for the gate math. Backward walks the steps in
reverse with one kernel pass and one GEMM each, and finishes with three GEMMs over all
steps (dW_ih, dW_hh, dx) and a column sum (the biases). Timed against torch.nn.LSTM/GRU in
``benchmarks/bench_rnn.py``.

Layout. A sequence is given *packed*: ``x`` is (N, I), rows in time-major order, step t
owning rows ``off[t] : off[t] + batch_sizes[t]``, with non-increasing batch sizes (the
rows of the sequences still running at t, longest first). A padded (T, B, I) input is the
case ``batch_sizes = (B,) * T``. At step t only the first ``batch_sizes[t]`` rows of the
hidden state change, so a finished sequence keeps its last state (its h_n), and in the
reverse direction a sequence starts from h0 at its own last step: PyTorch's semantics of
packed sequences, with one code path for both layouts.

Higher order. Backward runs on ndarrays; under ``create_graph=True`` it instead rebuilds
the layer from ops (``_composed``, the reference the tests compare against) and
differentiates that, so second derivatives are exact too.
"""

import numpy as np

from .. import _rnn_kernels as RK
from .. import _threads as gemm  # np.matmul/np.dot, on one BLAS thread when small
from .._function import Function
from .._grad_mode import enable_grad, is_grad_enabled
from .._tape import Tensor, _from_array
from . import elementwise as E
from .join import cat
from .nn import linear

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _steps(batch_sizes, reverse):
    """(offset, n) of every step, in the order the layer visits them."""
    offsets = np.concatenate(([0], np.cumsum(batch_sizes)[:-1])).tolist()
    steps = list(zip(offsets, batch_sizes))
    return steps[::-1] if reverse else steps


def _raw(t):
    return None if t is None else np.ascontiguousarray(t._data)


def _t(w):
    # the transposed weight copied once per sequence: OpenBLAS runs (32, 128) @ (128, 512) with a
    # contiguous right operand ~1.6x faster than through the transposed view (measured here)
    return np.ascontiguousarray(w.T)


# ----------------------------------------------------------------------------- forwards


def _lstm_forward(x, h0, c0, w_ih, w_hh, bias, w_hr, steps):
    w_hhT = _t(w_hh)
    w_hrT = None if w_hr is None else _t(w_hr)
    N, H = x.shape[0], w_hh.shape[1] if w_hr is None else w_hr.shape[1]
    gates = gemm.matmul(x, _t(w_ih))  # every step's input projection at once
    if bias is not None:
        gates += bias
    hg = np.empty((h0.shape[0], 4 * H), x.dtype)
    h, c = h0.copy(), c0.copy()
    h_prev = np.empty((N, h0.shape[1]), x.dtype)
    c_prev, tanh_c = np.empty((N, H), x.dtype), np.empty((N, H), x.dtype)
    out = np.empty((N, h0.shape[1]), x.dtype)
    h_pre = out if w_hr is None else np.empty((N, H), x.dtype)
    for off, n in steps:
        rows = slice(off, off + n)
        h_prev[rows] = h[:n]
        gemm.matmul(h[:n], w_hhT, out=hg[:n])
        RK.lstm_forward(gates[rows], hg[:n], c[:n], c_prev[rows], tanh_c[rows], h_pre[rows])
        if w_hr is not None:
            gemm.matmul(h_pre[rows], w_hrT, out=out[rows])
        h[:n] = out[rows]
    return out, h, c, (gates, h_prev, c_prev, tanh_c, h_pre)


def _lstm_backward(dout, dh_n, dc_n, x, w_ih, w_hh, w_hr, steps, saved):
    gates, h_prev, c_prev, tanh_c, h_pre = saved
    H = c_prev.shape[1]
    dgates = np.empty_like(gates)
    dh, dc = dh_n.copy(), dc_n.copy()
    dh_pre = dh if w_hr is None else np.empty((dh.shape[0], H), x.dtype)
    dh_proj = None if w_hr is None else np.empty_like(dout)
    for off, n in reversed(steps):
        rows = slice(off, off + n)
        dh[:n] += dout[rows]
        if w_hr is not None:
            dh_proj[rows] = dh[:n]
            gemm.matmul(dh[:n], w_hr, out=dh_pre[:n])
        RK.lstm_backward(dh_pre[:n], dc[:n], gates[rows], c_prev[rows], tanh_c[rows], dgates[rows])
        gemm.matmul(dgates[rows], w_hh, out=dh[:n])
    dw_hr = None if w_hr is None else gemm.matmul(dh_proj.T, h_pre)
    return dgates, dgates, h_prev, dh, dc, dw_hr


def _gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, steps):
    w_hhT = _t(w_hh)
    N, H = x.shape[0], w_hh.shape[1]
    gates = gemm.matmul(x, _t(w_ih))
    if b_ih is not None:
        gates += b_ih
    hg = np.empty((N, 3 * H), x.dtype)  # kept: the n-gate's recurrent part is needed later
    h = h0.copy()
    h_prev, out = np.empty((N, H), x.dtype), np.empty((N, H), x.dtype)
    for off, n in steps:
        rows = slice(off, off + n)
        h_prev[rows] = h[:n]
        gemm.matmul(h[:n], w_hhT, out=hg[rows])
        if b_hh is not None:
            hg[rows] += b_hh
        RK.gru_forward(gates[rows], hg[rows], h_prev[rows], out[rows])
        h[:n] = out[rows]
    return out, h, (gates, hg, h_prev)


def _gru_backward(dout, dh_n, x, w_ih, w_hh, steps, saved):
    gates, hg, h_prev = saved
    dxg, dhg = np.empty_like(gates), np.empty_like(gates)
    dh = dh_n.copy()
    tmp = np.empty_like(dh)
    for off, n in reversed(steps):
        rows = slice(off, off + n)
        dh[:n] += dout[rows]
        RK.gru_backward(dh[:n], gates[rows], hg[rows], h_prev[rows], dxg[rows], dhg[rows])
        dh[:n] += gemm.matmul(dhg[rows], w_hh, out=tmp[:n])
    return dxg, dhg, h_prev, dh


def _rnn_forward(x, h0, w_ih, w_hh, bias, relu, steps):
    w_hhT = _t(w_hh)
    N, H = x.shape[0], w_hh.shape[1]
    xg = gemm.matmul(x, _t(w_ih))
    if bias is not None:
        xg += bias
    h = h0.copy()
    h_prev, out = np.empty((N, H), x.dtype), np.empty((N, H), x.dtype)
    for off, n in steps:
        rows = slice(off, off + n)
        h_prev[rows] = h[:n]
        gemm.matmul(h[:n], w_hhT, out=out[rows])
        RK.rnn_forward(xg[rows], out[rows], relu)
        h[:n] = out[rows]
    return out, h, (out, h_prev)


def _rnn_backward(dout, dh_n, w_hh, relu, steps, saved):
    out, h_prev = saved
    da = np.empty_like(out)
    dh = dh_n.copy()
    for off, n in reversed(steps):
        rows = slice(off, off + n)
        dh[:n] += dout[rows]
        RK.rnn_backward(dh[:n], out[rows], da[rows], relu)
        gemm.matmul(da[rows], w_hh, out=dh[:n])
    return da, da, h_prev, dh


# ----------------------------------------------------------------------------- composed


def _composed(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse):
    """The same layer written with recorded ops, step by step: the reference for tests and
    the path of ``create_graph=True``. Returns (out, h_n, c_n or None)."""
    xg = linear(x, w_ih, b_ih)
    h, c = h0, c0
    outs = {}
    for off, n in _steps(batch_sizes, reverse):
        hp = h[:n]
        hg = linear(hp, w_hh, b_hh)
        a = xg[off : off + n]
        if mode == "LSTM":
            i, f, g, o = (a + hg).chunk(4, 1)
            cn = E.sigmoid(f) * c[:n] + E.sigmoid(i) * E.tanh(g)
            hn = E.sigmoid(o) * E.tanh(cn)
            if w_hr is not None:
                hn = linear(hn, w_hr)
            c = cn if n == c.shape[0] else cat([cn, c[n:]], 0)
        elif mode == "GRU":
            ar, az, an = a.chunk(3, 1)
            hr, hz, hn_ = hg.chunk(3, 1)
            r, z = E.sigmoid(ar + hr), E.sigmoid(az + hz)
            nn = E.tanh(an + r * hn_)
            hn = (1 - z) * nn + z * hp
        else:
            pre = a + hg
            hn = E.tanh(pre) if mode == "RNN_TANH" else E.relu(pre)
        outs[off] = hn
        h = hn if n == h.shape[0] else cat([hn, h[n:]], 0)
    out = cat([outs[k] for k in sorted(outs)], 0)
    return out, h, c


# ----------------------------------------------------------------------------- the node


class RecurrentLayer(Function):
    """``apply(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse)`` ->
    (out (N, H_out), h_n (B, H_out), c_n (B, H) for LSTM); see the module docstring."""

    grad_fn_name = "RecurrentLayerBackward"

    @staticmethod
    def forward(ctx, mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse):
        steps = _steps(batch_sizes, reverse)
        xa, h0a, w_iha, w_hha = _raw(x), _raw(h0), _raw(w_ih), _raw(w_hh)
        bias = None if b_ih is None else _raw(b_ih) + _raw(b_hh)
        if mode == "LSTM":
            out, h, c, saved = _lstm_forward(xa, h0a, _raw(c0), w_iha, w_hha, bias, _raw(w_hr), steps)
        elif mode == "GRU":
            out, h, saved = _gru_forward(xa, h0a, w_iha, w_hha, _raw(b_ih), _raw(b_hh), steps)
        else:
            out, h, saved = _rnn_forward(xa, h0a, w_iha, w_hha, bias, mode == "RNN_RELU", steps)
        # the step arrays are saved as tensors too, so they are freed with the node's other saved values
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, *(_from_array(a) for a in saved))
        ctx.mode, ctx.batch_sizes, ctx.reverse = mode, batch_sizes, reverse
        outs = (_from_array(out), _from_array(h))
        return outs + (_from_array(c),) if mode == "LSTM" else outs

    @staticmethod
    def backward(ctx, dout, dh_n, dc_n=None):
        tensors, arrays = ctx.saved_tensors[:8], tuple(t._data for t in ctx.saved_tensors[8:])
        needs = ctx.needs_input_grad[1:9]
        if is_grad_enabled():  # create_graph=True: differentiate the composition
            return (None,) + _composed_backward(ctx, tensors, needs, dout, dh_n, dc_n) + (None, None)
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = tensors
        mode, steps = ctx.mode, _steps(ctx.batch_sizes, ctx.reverse)
        xa, w_iha, w_hha = _raw(x), _raw(w_ih), _raw(w_hh)
        g_out, g_h = np.ascontiguousarray(dout._data), np.ascontiguousarray(dh_n._data)
        dc0 = dw_hr = None
        if mode == "LSTM":
            dxg, dhg, h_prev, dh0, dc0, dw_hr = _lstm_backward(
                g_out, g_h, np.ascontiguousarray(dc_n._data), xa, w_iha, w_hha, _raw(w_hr), steps, arrays
            )
        elif mode == "GRU":
            dxg, dhg, h_prev, dh0 = _gru_backward(g_out, g_h, xa, w_iha, w_hha, steps, arrays)
        else:
            dxg, dhg, h_prev, dh0 = _rnn_backward(g_out, g_h, w_hha, mode == "RNN_RELU", steps, arrays)
        # column sums as a GEMV (ndarray.sum(0) is several times slower on (N, 4H));
        # LSTM and RNN have one gate gradient for both biases: the second gets a copy
        ones = np.ones(dxg.shape[0], dxg.dtype)
        db_ih = gemm.matmul(ones, dxg) if needs[5] or needs[6] else None
        grads = (
            (lambda: gemm.matmul(dxg, w_iha)),
            (lambda: dh0),
            (lambda: dc0),
            (lambda: gemm.matmul(dxg.T, xa)),
            (lambda: gemm.matmul(dhg.T, h_prev)),
            (lambda: db_ih),
            (lambda: db_ih.copy() if dhg is dxg else gemm.matmul(ones, dhg)),
            (lambda: dw_hr),
        )
        out = tuple(_from_array(f()) if need else None for f, need in zip(grads, needs))
        return (None,) + out + (None, None)


def _composed_backward(ctx, tensors, needs, dout, dh_n, dc_n):
    from .._tape import grad as autograd_grad

    wanted = [t for t, need in zip(tensors, needs) if need]
    with enable_grad():
        outs = _composed(ctx.mode, *tensors, ctx.batch_sizes, ctx.reverse)
    pairs = [(o, g) for o, g in zip(outs, (dout, dh_n, dc_n)) if o is not None and g is not None]
    got = iter(
        autograd_grad(
            [o for o, _ in pairs], wanted, [g for _, g in pairs], create_graph=True, allow_unused=True
        )
    )
    return tuple(next(got) if need else None for need in needs)


def recurrent_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse=False):
    """One direction of one recurrent layer over a packed sequence (see the module docstring):
    ``x`` (N, I) with ``sum(batch_sizes) == N``, ``h0`` (B, H_out) and ``c0`` (B, H) for LSTM
    (None otherwise), weights as PyTorch lays them out (gates stacked i,f,g,o / r,z,n).
    Returns (out (N, H_out), h_n, c_n or None).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"recurrent_layer: x must be a minigrad.Tensor, got {type(x).__name__}")
    outs = RecurrentLayer.apply(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, tuple(batch_sizes), reverse)
    return outs if mode == "LSTM" else outs + (None,)
