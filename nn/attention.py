"""MultiheadAttention: PyTorch's layer, its parameter layout, masks and outputs.

Parameters as PyTorch lays them out, so state dicts load both ways: ``in_proj_weight``
(3E, E) and ``in_proj_bias`` (3E,) holding the q, k, v projections stacked, or, when
``kdim``/``vdim`` differ from ``embed_dim``, ``q_proj_weight`` (E, E), ``k_proj_weight``
(E, kdim), ``v_proj_weight`` (E, vdim) with ``in_proj_weight`` None; ``out_proj`` a Linear;
``bias_k``/``bias_v`` (1, 1, E) with ``add_bias_kv``. Init as PyTorch's: xavier-uniform
projections, zero biases, xavier-normal ``bias_k``/``bias_v``.

The computation is PyTorch's ``multi_head_attention_forward`` with one difference in
form: both of its paths (``need_weights`` with explicit bmm/softmax, and the fused SDPA
otherwise) are the one fused node of ``minigrad.ops.attention``, which returns the
(dropped) probabilities too when the weights are asked for. Masks follow PyTorch's
conventions for this layer, which are the opposite of SDPA's for booleans: a True in
``attn_mask`` or ``key_padding_mask`` means "do not attend". Boolean and float masks are
turned into one additive float mask (-inf where masked) before the node.

Sequences are (L, N, E), or (N, L, E) with ``batch_first``, or unbatched (L, E).
"""

import math

import minigrad
from minigrad.ops.attention import attention_with_weights, scaled_dot_product_attention

from . import init
from .linear import Linear, linear
from .module import Module
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """PyTorch's name for ``out_proj`` (a plain Linear), so the repr reads the same."""


class ShapeAssertionError(AssertionError, RuntimeError):
    """PyTorch checks the shapes of attention inputs with ``assert`` (an AssertionError);
    this is that type and a RuntimeError at once, so code catching either works."""


def _shape(t):
    return tuple(t.shape)


def _float_mask(mask, name, dtype, layer):
    """A bool (True: masked) or float mask as an additive float mask of ``dtype``."""
    if mask is None:
        return None
    if not isinstance(mask, minigrad.Tensor):
        raise TypeError(f"{layer}: {name} must be a Tensor or None, got {type(mask).__name__}")
    if mask.dtype == minigrad.bool:
        return minigrad.zeros(_shape(mask), dtype=dtype).masked_fill(mask, -math.inf)
    if not mask.dtype.is_floating_point:
        raise ShapeAssertionError(
            f"only bool and floating types of {name} are supported: {layer} "
            f"got {name} of dtype {mask.dtype}; convert it with .bool()"
        )
    if mask.dtype != dtype:
        raise RuntimeError(
            f"{layer}: {name} of dtype {mask.dtype} for a query of dtype {dtype}; "
            f"convert it with .to({dtype})"
        )
    return mask


def _check_inputs(layer, query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's _mha_shape_check: is the input batched? (raises for bad combinations)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, minigrad.Tensor):
            raise TypeError(f"{layer}: {name} must be a Tensor, got {type(t).__name__}")
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise ShapeAssertionError(
                f"For batched (3-D) `query`, expected `key` and `value` to be 3-D but found {key.ndim}-D and "
                f"{value.ndim}-D tensors respectively ({layer})"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise ShapeAssertionError(
                f"For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found "
                f"{key_padding_mask.ndim}-D tensor instead ({layer})"
            )
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise ShapeAssertionError(
                f"For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.ndim}-D tensor instead ({layer})"
            )
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise ShapeAssertionError(
                f"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found {key.ndim}-D "
                f"and {value.ndim}-D tensors respectively ({layer})"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise ShapeAssertionError(
                f"For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found "
                f"{key_padding_mask.ndim}-D tensor instead ({layer})"
            )
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise ShapeAssertionError(
                    f"For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                    f"{attn_mask.ndim}-D tensor instead ({layer})"
                )
            want = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and _shape(attn_mask) != want:
                raise ShapeAssertionError(
                    f"Expected `attn_mask` shape to be {want} but got {_shape(attn_mask)} ({layer})"
                )
        return False
    raise ShapeAssertionError(
        f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D "
        f"query tensor ({layer} got query of shape {_shape(query)})"
    )


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of ``embed_dim // num_heads`` features each.

    ``embed_dim``: the query (and output) features, divisible by ``num_heads``; ``num_heads``: the
    parallel heads; ``dropout``: dropout on the attention weights, in train mode (default 0);
    ``bias``: learn the input and output projections' biases (default True); ``add_bias_kv``:
    append a learned key and value to the sequence; ``add_zero_attn``: append a zero key and value;
    ``kdim``, ``vdim``: the key and value features (default ``embed_dim``: then one stacked
    ``in_proj_weight``); ``batch_first``: (N, L, E) inputs rather than (L, N, E); ``device``,
    ``dtype``: of the parameters. ``forward(query, key, value, ...)`` returns the output and the
    weights averaged over the heads.

    >>> mha = minigrad.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = minigrad.ones(3, 5, 8)
    >>> out, weights = mha(x, x, x)
    >>> tuple(out.shape), tuple(weights.shape)
    ((3, 5, 8), (3, 5, 5))
    >>> mha.in_proj_weight.shape, minigrad.nn.MultiheadAttention(8, 2, kdim=3, vdim=4).k_proj_weight.shape
    (minigrad.Size([24, 8]), minigrad.Size([8, 3]))
    >>> weights[0, 0]           # equal keys: uniform weights
    tensor([0.2000, 0.2000, 0.2000, 0.2000, 0.2000], grad_fn=<SelectBackward0>)
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
    ):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ShapeAssertionError(
                f"embed_dim must be divisible by num_heads (MultiheadAttention got "
                f"embed_dim={embed_dim}, num_heads={num_heads})"
            )
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(minigrad.empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(minigrad.empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(minigrad.empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(minigrad.empty(3 * embed_dim, embed_dim, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(minigrad.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(minigrad.empty(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(minigrad.empty(1, 1, embed_dim, dtype=dtype))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projections(self, query, key, value):
        """q, k, v (each (L or S, N, E)) through the input projections."""
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one GEMM, as PyTorch does
                return linear(query, w, b).chunk(3, -1)
            wq, wk, wv = w[:e], w[e : 2 * e], w[2 * e :]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        layer = f"MultiheadAttention({self.embed_dim}, {self.num_heads})"
        batched = _check_inputs(layer, query, key, value, key_padding_mask, attn_mask, self.num_heads)
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                "module method `generate_square_subsequent_mask` to create this mask."
            )
        if batched and self.batch_first:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        if not batched:
            query, key, value = (x.unsqueeze(1) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        tgt, bsz, e = query.shape
        for name, t, want in (("query", query, e), ("key", key, self.kdim), ("value", value, self.vdim)):
            if t.shape[-1] != want or (name == "query" and e != self.embed_dim):
                raise ShapeAssertionError(
                    f"was expecting embedding dimension of {want if name != 'query' else self.embed_dim}, "
                    f"but got {t.shape[-1]}: {layer} got {name} of shape {_shape(t)}"
                )
        if key.shape[:2] != value.shape[:2]:
            raise ShapeAssertionError(
                f"key shape {_shape(key)} does not match value shape {_shape(value)} "
                f"({layer}); the sequence and batch dimensions must agree"
            )
        if key.shape[1] != bsz:
            raise ShapeAssertionError(
                f"{layer}: query of shape {_shape(query)} and key of shape {_shape(key)} "
                "have different batch sizes"
            )
        dtype = query.dtype
        kpm = _float_mask(key_padding_mask, "key_padding_mask", dtype, layer)
        mask = _float_mask(attn_mask, "attn_mask", dtype, layer)
        h, hd = self.num_heads, self.head_dim
        src = key.shape[0]
        if mask is not None:
            if mask.ndim == 2:
                if _shape(mask) != (tgt, src):
                    raise RuntimeError(
                        f"The shape of the 2D attn_mask is {mask.shape}, but should be "
                        f"{(tgt, src)}. ({layer})"
                    )
                mask = mask.unsqueeze(0)
            elif _shape(mask) != (bsz * h, tgt, src):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {mask.shape}, but should be "
                    f"{(bsz * h, tgt, src)}. ({layer})"
                )
        if kpm is not None and _shape(kpm) != (bsz, src):
            raise ShapeAssertionError(
                f"expecting key_padding_mask shape of {(bsz, src)}, but got {kpm.shape} ({layer})"
            )
        q, k, v = self._projections(query, key, value)
        if self.bias_k is not None:
            k = minigrad.cat([k, self.bias_k.expand(1, bsz, e)])
            v = minigrad.cat([v, self.bias_v.expand(1, bsz, e)])
            mask = None if mask is None else _pad_last(mask)
            kpm = None if kpm is None else _pad_last(kpm)
        # (S, N, E) -> (N, H, S, hd)
        q = q.reshape(tgt, bsz, h, hd).permute(1, 2, 0, 3)
        k = k.reshape(k.shape[0], bsz, h, hd).permute(1, 2, 0, 3)
        v = v.reshape(v.shape[0], bsz, h, hd).permute(1, 2, 0, 3)
        if self.add_zero_attn:
            k = minigrad.cat([k, minigrad.zeros(bsz, h, 1, hd, dtype=dtype)], dim=2)
            v = minigrad.cat([v, minigrad.zeros(bsz, h, 1, hd, dtype=dtype)], dim=2)
            mask = None if mask is None else _pad_last(mask)
            kpm = None if kpm is None else _pad_last(kpm)
        s = k.shape[2]
        if mask is not None:
            mask = mask.reshape(1 if mask.shape[0] == 1 else bsz, -1, tgt, s)
        if kpm is not None:
            kpm = kpm.reshape(bsz, 1, 1, s)
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            out, weights = attention_with_weights(q, k, v, mask, p)
            if average_attn_weights:
                weights = weights.mean(1)
            if not batched:
                weights = weights.squeeze(0)
        else:
            out = scaled_dot_product_attention(q, k, v, mask, p)
        out = linear(out.permute(2, 0, 1, 3).reshape(tgt, bsz, e), self.out_proj.weight, self.out_proj.bias)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(1, 0)
        return out, weights


def _pad_last(mask):
    """A zero column appended to the last dim (the key added by bias_k or add_zero_attn)."""
    return minigrad.cat([mask, minigrad.zeros(_shape(mask)[:-1] + (1,), dtype=mask.dtype)], -1)
