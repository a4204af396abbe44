"""Scaled dot-product attention: ``softmax(q @ k.T * scale + mask) @ v`` as one node.

NOTE: a primitive for speed and memory. Composed from matmul, mul, masked_fill, softmax and
matmul it records five or more nodes, each keeping its own (…, L, S) temporary alive until
backward; here the forward is two batched GEMMs (numpy's BLAS) with one pass over the score
matrix between them (``_nn_kernels.attention_softmax``: scale, mask, causal cut, softmax, in
place), and it keeps the probabilities only. The backward is four GEMMs and one pass
(``attention_softmax_backward``) for the softmax's derivative, with the dropout mask and the
scale folded in. Measured (one thread, a shared 2-core machine at load ~5, float32 scores of
(8, 4, 128, 128)): the forward pass 0.7 ms causal / 1.4 ms with an additive mask, against
1.8 ms for numpy's scale and mask plus the softmax kernel; the backward pass 0.45 ms against
1.0 ms in numpy. The whole fwd+bwd (``benchmarks/bench_attention.py``, A1; load ~1) is ~4x
faster than the composition: at one thread 4.3 ms against PyTorch's fused CPU kernel's 4.2 ms;
at two 4.6 against 3.4 ms, since numpy's batched matmul does not spread its small per-head
GEMMs over threads (PyTorch parallelises over batch and heads) and the passes here are serial.

It is a custom ``autograd.Function`` (as ``cat`` is) rather than a table entry because the
score gradient ``dS`` is shared by the gradients of ``q``, ``k`` and a float mask: the
table's one-derivative-per-input form would compute it once per input. With
``create_graph=True`` the backward re-runs the forward composed of differentiable ops and
differentiates that, so gradients of gradients work too (slower; nothing fast needs it).

Shapes follow PyTorch: q (*, L, E), k (*, S, E), v (*, S, Ev) -> (*, L, Ev); the leading
dims broadcast; with ``enable_gqa`` the heads (dim -3) of k and v may divide q's, each k/v
head serving ``Hq // Hk`` consecutive query heads. A boolean mask keeps True positions; a
float mask is added to the scores; either broadcasts to (*, L, S). A row whose keys are all
masked gives zeros (PyTorch's safe softmax), not NaN.
"""

import math

import numpy as np

from .. import _nn_kernels as NK
from .. import _threads as gemm  # np.matmul/np.dot, on one BLAS thread when small
from .._function import Function
from .._grad_mode import is_grad_enabled
from .._tape import Tensor, _from_array


def _shape(s):
    return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"


_TORCH_DTYPE = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "bool": "bool",
    "uint8": "unsigned char",
}


def _check(q, k, v, mask, dropout_p, is_causal, enable_gqa):
    """PyTorch's errors, then the op and the shapes; returns the batch shape and the GQA group."""
    for name, t in (("query", q), ("key", k), ("value", v)):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not {type(t).__name__}"
            )
        if t.ndim < 2:
            raise RuntimeError(
                f"scaled_dot_product_attention: {name} must have at least 2 dimensions "
                f"(*, L, E), got shape {_shape(t.shape)}"
            )
    dts = [t._data.dtype for t in (q, k, v)]
    if len(set(dts)) > 1:
        names = [_TORCH_DTYPE.get(str(d), str(d)) for d in dts]
        raise RuntimeError(
            f"Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{names[0]} key.dtype: {names[1]} and value.dtype: {names[2]} instead. "
            "Convert them with .to(query.dtype)."
        )
    if dts[0] not in (np.float32, np.float64):
        raise RuntimeError(
            f"scaled_dot_product_attention: not implemented for dtype {dts[0]}; use float32 "
            "or float64 tensors"
        )
    sizes = f"query {_shape(q.shape)}, key {_shape(k.shape)}, value {_shape(v.shape)}"
    if k.shape[-1] != q.shape[-1] or v.shape[-2] != k.shape[-2]:
        want, got = (q.shape[-1], k.shape[-1]) if k.shape[-1] != q.shape[-1] else (k.shape[-2], v.shape[-2])
        raise RuntimeError(
            f"scaled_dot_product_attention: expected key's last dimension to match query's "
            f"and value's second-to-last to match key's (got {want} and {got}): {sizes}"
        )
    if mask is not None and is_causal:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True (pass one or the other)"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    kb, vb, group = tuple(k.shape[:-2]), tuple(v.shape[:-2]), 1
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3 and v.ndim >= 3:
        hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
        if hk != hv or hk == 0 or hq % hk:
            raise RuntimeError(
                f"scaled_dot_product_attention: with enable_gqa the key and value heads "
                f"(dim -3) must be equal and divide the query heads: {sizes}"
            )
        group = hq // hk
        kb = vb = kb[:-1] + (hq,)
    try:
        batch = np.broadcast_shapes(tuple(q.shape[:-2]), kb, vb)
    except ValueError:
        raise RuntimeError(
            f"scaled_dot_product_attention: the batch dimensions of {sizes} do not broadcast"
        ) from None
    if mask is not None:
        if not isinstance(mask, Tensor):
            raise TypeError(
                f"scaled_dot_product_attention(): argument 'attn_mask' must be Tensor, not "
                f"{type(mask).__name__}"
            )
        md = mask._data.dtype
        if md != np.bool_ and md != dts[0]:
            raise RuntimeError(
                f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_TORCH_DTYPE.get(str(md), str(md))} and  query.dtype: "
                f"{_TORCH_DTYPE.get(str(dts[0]), str(dts[0]))} instead. Convert the mask with .bool() "
                "or .to(query.dtype)."
            )
        if mask.ndim < 2:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-max(mask.ndim, 1)}, "
                f"{max(mask.ndim, 1) - 1}], but got -2): scaled_dot_product_attention needs an attn_mask "
                f"of at least 2 dimensions (L, S), got shape {_shape(mask.shape)}"
            )
        full = tuple(batch) + (q.shape[-2], k.shape[-2])
        try:
            if np.broadcast_shapes(tuple(mask.shape), full) != full:
                raise ValueError
        except ValueError:
            raise RuntimeError(
                f"scaled_dot_product_attention: attn_mask of shape {_shape(mask.shape)} "
                f"does not broadcast to the attention scores' shape {_shape(full)} "
                f"({sizes})"
            ) from None
    return tuple(batch), group


def _fold(batch):
    """The batch dims as the kernel's two (B, H)."""
    return (1,) * (2 - len(batch)) + batch if len(batch) <= 2 else (math.prod(batch[:-1]), batch[-1])


def _as4(a, batch, rows, cols):
    """``a`` broadcast to (*batch, rows, cols), seen as (B, H, rows, cols): a view where the
    batch dims fold into two, else a copy."""
    a = np.broadcast_to(a, batch + (rows, cols))
    if len(batch) > 2:
        a = np.ascontiguousarray(a)
    return a.reshape(_fold(batch) + (rows, cols))


def _stack(a, batch):
    """``a`` (*, rows, cols) broadcast to ``batch`` + (rows, cols), as a contiguous (R, rows,
    cols) stack for the batched GEMMs (np.broadcast_to only where it broadcasts: it costs
    microseconds)."""
    if a.shape[:-2] != batch:
        a = np.broadcast_to(a, batch + a.shape[-2:])
    return np.ascontiguousarray(a).reshape((math.prod(batch),) + a.shape[-2:])


def _heads(a, batch, group):
    """k or v as a contiguous (R, S, E) stack for the batched GEMMs (GQA heads repeated)."""
    if group > 1:
        a = np.repeat(a, group, axis=-3)
    return _stack(a, batch)


def _ungroup(g, group):
    """The gradient of a GQA-repeated k or v: sum each group of query heads back to its head."""
    if group == 1:
        return g
    return g.reshape(g.shape[:-3] + (g.shape[-3] // group, group) + g.shape[-2:]).sum(-3)


class _Attention(Function):
    grad_fn_name = "ScaledDotProductAttentionBackward0"

    @staticmethod
    def forward(ctx, q, k, v, mask, batch, group, causal, scale, dropout_p, with_weights):
        qa, dt = q._data, q._data.dtype
        lq, s = qa.shape[-2], k._data.shape[-2]
        q3 = _stack(qa, batch)
        k3, v3 = _heads(k._data, batch, group), _heads(v._data, batch, group)
        ctx.stacks = (q3, k3, v3)  # backward's GEMM operands, not copied again there
        scores = gemm.matmul(q3, k3.transpose(0, 2, 1))  # (R, L, S), C-contiguous
        p4 = scores.reshape(_fold(batch) + (lq, s))
        m4 = None
        if mask is not None:
            m = mask._data
            if m.dtype == np.bool_:
                m = np.where(m, dt.type(0), dt.type(-np.inf))
            m4 = _as4(np.ascontiguousarray(m), batch, lq, s)
        NK.attention_softmax(p4, m4, causal, scale)
        probs, drop = scores, None
        if dropout_p > 0:
            from ..random import _rng

            keep = _rng().random(scores.shape) >= dropout_p
            drop = keep.astype(dt) * dt.type(1.0 / (1.0 - dropout_p)) if dropout_p < 1 else 0 * scores
            probs = scores * drop
        out = gemm.matmul(probs, v3).reshape(batch + (lq, v3.shape[-1]))
        ctx.meta = (batch, group, causal, scale, dropout_p)
        ctx.save_for_backward(q, k, v, mask, _from_array(scores), None if drop is None else _from_array(drop))
        if with_weights:
            # a copy when it would share memory with the saved probabilities (in place changes
            # to the weights must not change what backward reads)
            weights = probs.reshape(batch + (lq, s))
            return _from_array(out), _from_array(weights.copy() if drop is None else weights)
        return _from_array(out)

    @staticmethod
    def backward(ctx, g, g_weights=None):
        q, k, v, mask, p_t, drop_t = ctx.saved_tensors
        batch, group, causal, scale, dropout_p = ctx.meta
        need_q, need_k, need_v, need_m = ctx.needs_input_grad[:4]
        if is_grad_enabled():  # create_graph: differentiate the composed forward
            return _composed_backward(ctx, q, k, v, mask, g, g_weights)
        p, drop = p_t._data, None if drop_t is None else drop_t._data
        r, lq, s = p.shape
        ga = _stack(g._data, batch)
        q3, k3, v3 = ctx.stacks
        dq = dk = dv = dm = None
        if need_v:
            probs = p if drop is None else p * drop
            dv = _ungroup(gemm.matmul(probs.transpose(0, 2, 1), ga).reshape(batch + (s, ga.shape[-1])), group)
        if need_q or need_k or need_m:
            dp = gemm.matmul(ga, v3.transpose(0, 2, 1))  # (R, L, S)
            if g_weights is not None:
                dp += g_weights._data.reshape(dp.shape)
            # the kernel scales dS for q and k; a mask's gradient is dS itself
            NK.attention_softmax_backward(dp, p, drop, 1.0 if need_m else scale)
            if need_m:
                dm = dp.reshape(batch + (lq, s)).copy()
                dp *= scale
            if need_q:
                dq = gemm.matmul(dp, k3).reshape(batch + (lq, k3.shape[-1]))
            if need_k:
                dk = _ungroup(
                    gemm.matmul(dp.transpose(0, 2, 1), q3).reshape(batch + (s, q3.shape[-1])), group
                )
        wrap = [None if a is None else _from_array(a) for a in (dq, dk, dv, dm)]
        return (*wrap, None, None, None, None, None, None)


def _composed_backward(ctx, q, k, v, mask, g, g_weights):
    from .. import autograd, from_numpy
    from .elementwise import add, mul, where
    from .linalg import matmul
    from .nn import softmax
    from .shape import transpose

    batch, group, causal, scale, dropout_p = ctx.meta
    drop = ctx.saved_tensors[5]
    kk, vv = k, v
    if group > 1:
        kk = _repeat_heads(k, group)
        vv = _repeat_heads(v, group)
    scores = mul(matmul(q, transpose(kk, -2, -1)), scale)
    lq, s = q.shape[-2], k.shape[-2]
    keep = None
    if causal:
        keep = np.tril(np.ones((lq, s), dtype=bool))
    if mask is not None and mask._data.dtype == np.bool_:
        keep = mask._data
    elif mask is not None:
        scores = add(scores, mask)
    if keep is not None:
        scores = where(from_numpy(np.ascontiguousarray(keep)), scores, -math.inf)
    probs = softmax(scores, -1)
    if drop is not None:
        probs = mul(probs, drop.detach())
    out = matmul(probs, vv)
    outs, grads = [out], [g]
    if g_weights is not None:
        outs.append(probs)
        grads.append(g_weights)
    inputs = [t for t, need in zip((q, k, v, mask), ctx.needs_input_grad) if need]
    found = iter(autograd.grad(outs, inputs, grads, create_graph=True, allow_unused=True))
    res = [next(found) if need else None for need in ctx.needs_input_grad[:4]]
    return (*res, None, None, None, None, None, None)


def _repeat_heads(t, group):
    """Each head (dim -3) of ``t`` repeated ``group`` times in a row, differentiably."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(shape[:-2] + (group,) + shape[-2:])
    return expanded.reshape(shape[:-3] + (shape[-3] * group,) + shape[-2:])


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """``softmax(query @ key.transpose(-2, -1) * scale + mask) @ value`` as one node.

    ``scale`` defaults to ``1 / sqrt(E)``; ``attn_mask`` is boolean (True: attend) or additive;
    ``is_causal`` masks the keys after each query; ``dropout_p`` drops probabilities with
    minigrad's default generator. See the module docstring for the shapes.

    ``query`` (*, L, E), ``key`` (*, S, E), ``value`` (*, S, Ev); ``attn_mask``: broadcasting to
    (*, L, S); ``dropout_p``: the probability of dropping each attention weight (training);
    ``is_causal``: query i attends to keys 0..i only (no ``attn_mask`` then); ``scale``: the
    factor on the scores; ``enable_gqa``: let ``key``/``value`` have fewer heads (dim -3) than
    ``query``, each shared by a group of query heads (grouped-query attention).

    >>> q = minigrad.ones(1, 2, 3, 4)
    >>> minigrad.nn.functional.scaled_dot_product_attention(q, q, q).shape
    minigrad.Size([1, 2, 3, 4])
    """
    out, _ = _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa, False)
    return out


def attention_with_weights(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """``scaled_dot_product_attention`` that also returns the (dropped) attention
    probabilities (*, L, S), differentiable: what ``nn.MultiheadAttention`` returns with
    ``need_weights``."""
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, False, True)


def _attention(q, k, v, mask, dropout_p, is_causal, scale, enable_gqa, with_weights):
    batch, group = _check(q, k, v, mask, dropout_p, is_causal, enable_gqa)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    res = _Attention.apply(
        q, k, v, mask, batch, group, bool(is_causal), scale, float(dropout_p), with_weights
    )
    return res if with_weights else (res, None)
