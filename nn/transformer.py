"""Transformer layers as PyTorch writes them: encoder and decoder layers (post-norm, or
pre-norm with ``norm_first``), their stacks, and ``Transformer``.

Every name and submodule matches PyTorch's (``self_attn``, ``multihead_attn``, ``linear1``,
``linear2``, ``norm1``..``norm3``, ``dropout``, ``dropout1``..``dropout3``, ``layers.0``,
``encoder.norm``), so a state dict moves between the two libraries unchanged. A stack holds
deep copies of the layer it is given, as PyTorch's does. PyTorch's eval-mode "fast path"
(nested tensors, a fused encoder kernel) computes the same function; here there is only the
one path, whose attention is the fused node of ``minigrad.ops.attention``.

Masks are the ones ``nn.MultiheadAttention`` takes (True or -inf: do not attend);
``Transformer.generate_square_subsequent_mask(n)`` is the causal one: -inf above the
diagonal, 0 elsewhere. ``is_causal`` is a hint, as in PyTorch: it needs the mask as well.
"""

import copy

import numpy as np

import minigrad

from . import init
from .activation import gelu, relu
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """(sz, sz) float mask: -inf above the diagonal (the future), 0 on and below it."""
    dtype = minigrad.float32 if dtype is None else dtype
    mask = np.triu(np.full((sz, sz), -np.inf), 1)
    return minigrad.tensor(mask, dtype=dtype)


def _activation(activation):
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    if isinstance(activation, str) or not callable(activation):
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


def _detect_is_causal(mask, is_causal, size):
    """PyTorch's rule: True if asked, or (when not said) if ``mask`` is the causal mask."""
    if is_causal is None and mask is not None and size is not None and tuple(mask.shape[-2:]) == (size, size):
        causal = _generate_square_subsequent_mask(size, dtype=mask.dtype).numpy()
        m = mask.detach().numpy()
        return bool((~m == np.isinf(causal)).all()) if m.dtype == np.bool_ else bool((m == causal).all())
    return bool(is_causal)


def _seq_len(x, batch_first):
    if x.ndim == 2:
        return x.shape[0]
    return x.shape[1] if batch_first else x.shape[0]


class _Layer(Module):
    """What encoder and decoder layers share: the feed-forward block and the activation."""

    def _init_feedforward(self, d_model, dim_feedforward, dropout, activation, bias, dtype):
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.activation = _activation(activation)

    def _ff_block(self, x, out_dropout):
        return out_dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _attend(self, attn, x, mem, mask, padding, is_causal, out_dropout):
        return out_dropout(
            attn(
                x, mem, mem, attn_mask=mask, key_padding_mask=padding, need_weights=False, is_causal=is_causal
            )[0]
        )


class TransformerEncoderLayer(_Layer):
    """Self-attention and a feed-forward block, each with a residual and a LayerNorm.

    ``d_model``: the features of each position; ``nhead``: the attention heads (dividing
    ``d_model``); ``dim_feedforward``: the feed-forward block's hidden size (default 2048);
    ``dropout``: in train mode, after attention, in the feed-forward block and before each
    residual sum (default 0.1); ``activation``: of the feed-forward block, ``'relu'``
    (default), ``'gelu'`` or a callable; ``layer_norm_eps``: the LayerNorms' eps (default 1e-5);
    ``batch_first``: (N, L, E) inputs rather than (L, N, E); ``norm_first``: normalise before
    each block (pre-norm) rather than after; ``bias``: learn the linear layers' and LayerNorms'
    biases (default True); ``device``, ``dtype``: of the parameters.

    >>> layer = minigrad.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    >>> tuple(layer(minigrad.ones(3, 5, 8)).shape)
    (3, 5, 8)
    >>> layer.linear1.weight.shape, layer.self_attn.in_proj_weight.shape
    (minigrad.Size([16, 8]), minigrad.Size([24, 8]))
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self._init_feedforward(d_model, dim_feedforward, dropout, activation, bias, dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            h = self.norm1(x)
            x = x + self._attend(
                self.self_attn, h, h, src_mask, src_key_padding_mask, is_causal, self.dropout1
            )
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(
            x + self._attend(self.self_attn, x, x, src_mask, src_key_padding_mask, is_causal, self.dropout1)
        )
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention over the encoder's ``memory``, and a feed-forward block.

    ``d_model``: the features of each position; ``nhead``: the attention heads (dividing
    ``d_model``); ``dim_feedforward``: the feed-forward block's hidden size (default 2048);
    ``dropout``: in train mode, after attention, in the feed-forward block and before each
    residual sum (default 0.1); ``activation``: of the feed-forward block, ``'relu'`` (default),
    ``'gelu'`` or a callable; ``layer_norm_eps``: the LayerNorms' eps (default 1e-5);
    ``batch_first``: (N, L, E) inputs rather than (L, N, E); ``norm_first``: normalise before
    each block (pre-norm) rather than after; ``bias``: learn the linear layers' and LayerNorms'
    biases (default True); ``device``, ``dtype``: of the parameters. ``forward(tgt, memory,
    tgt_mask=None, ...)``.

    >>> layer = minigrad.nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)
    >>> layer(minigrad.zeros(3, 4, 8), minigrad.zeros(3, 6, 8)).shape
    minigrad.Size([3, 4, 8])
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, dtype=dtype
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, dtype=dtype
        )
        self._init_feedforward(d_model, dim_feedforward, dropout, activation, bias, dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
        memory_is_causal=False,
    ):
        x = tgt
        if self.norm_first:
            h = self.norm1(x)
            x = x + self._attend(
                self.self_attn, h, h, tgt_mask, tgt_key_padding_mask, tgt_is_causal, self.dropout1
            )
            x = x + self._attend(
                self.multihead_attn,
                self.norm2(x),
                memory,
                memory_mask,
                memory_key_padding_mask,
                memory_is_causal,
                self.dropout2,
            )
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(
            x
            + self._attend(self.self_attn, x, x, tgt_mask, tgt_key_padding_mask, tgt_is_causal, self.dropout1)
        )
        x = self.norm2(
            x
            + self._attend(
                self.multihead_attn,
                x,
                memory,
                memory_mask,
                memory_key_padding_mask,
                memory_is_causal,
                self.dropout2,
            )
        )
        return self.norm3(x + self._ff_block(x, self.dropout3))


def _clones(layer, n):
    return ModuleList([copy.deepcopy(layer) for _ in range(n)])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` (if given).

    ``encoder_layer``: a TransformerEncoderLayer (deep-copied ``num_layers`` times); ``norm``: a
    final layer norm, or None; ``enable_nested_tensor``, ``mask_check``: accepted for PyTorch's
    signature.

    >>> layer = minigrad.nn.TransformerEncoderLayer(d_model=8, nhead=2, batch_first=True)
    >>> encoder = minigrad.nn.TransformerEncoder(layer, num_layers=2)
    >>> encoder(minigrad.zeros(3, 5, 8)).shape
    minigrad.Size([3, 5, 8])
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(
                f"TransformerEncoder: encoder_layer must be a Module, got {type(encoder_layer).__name__}"
            )
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(getattr(first, "self_attn", None), "batch_first", False)
        is_causal = _detect_is_causal(mask, is_causal, _seq_len(src, batch_first))
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        return out if self.norm is None else self.norm(out)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn, then ``norm`` (if given).

    ``decoder_layer``: a TransformerDecoderLayer (deep-copied ``num_layers`` times); ``norm``: a
    final layer norm, or None. ``forward(tgt, memory, tgt_mask=None, memory_mask=None, ...)``.

    >>> layer = minigrad.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> decoder = minigrad.nn.TransformerDecoder(layer, num_layers=2, norm=minigrad.nn.LayerNorm(8))
    >>> decoder(minigrad.zeros(4, 3, 8), minigrad.zeros(6, 3, 8)).shape, len(decoder.layers)
    (minigrad.Size([4, 3, 8]), 2)
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(
                f"TransformerDecoder: decoder_layer must be a Module, got {type(decoder_layer).__name__}"
            )
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(getattr(first, "self_attn", None), "batch_first", False)
        tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        out = tgt
        for layer in self.layers:
            out = layer(
                out,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        return out if self.norm is None else self.norm(out)


class Transformer(Module):
    """The encoder-decoder model of "Attention Is All You Need", PyTorch's layout.

    ``d_model``, ``nhead``, ``dim_feedforward``, ``dropout``, ``activation``, ``layer_norm_eps``,
    ``batch_first``, ``norm_first``, ``bias``: as in TransformerEncoderLayer (defaults 512, 8,
    2048, 0.1, relu, 1e-5); ``num_encoder_layers``, ``num_decoder_layers``: the stacks' depths
    (default 6 each); ``custom_encoder``, ``custom_decoder``: modules to use instead of the
    built stacks; ``device``, ``dtype``: of the parameters. ``forward(src, tgt, ...)`` returns
    the decoder's output, shaped like ``tgt``.

    >>> model = minigrad.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
    ...                        dim_feedforward=16, batch_first=True)
    >>> model(minigrad.zeros(3, 5, 8), minigrad.zeros(3, 4, 8)).shape
    minigrad.Size([3, 4, 8])
    >>> model.generate_square_subsequent_mask(3)
    tensor([[0., -inf, -inf],
            [0., 0., -inf],
            [0., 0., 0.]])
    """

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation=relu,
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        kw = dict(
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=activation,
            layer_norm_eps=layer_norm_eps,
            batch_first=batch_first,
            norm_first=norm_first,
            bias=bias,
            dtype=dtype,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **kw),
                num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
            )
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **kw),
                num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
            )
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        batched = src.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if batched and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError(
                f"the batch number of src and tgt must be equal: Transformer got src of shape "
                f"{tuple(src.shape)} and tgt of shape {tuple(tgt.shape)}"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"the feature number of src and tgt must be equal to d_model: Transformer(d_model="
                f"{self.d_model}) got src of shape {tuple(src.shape)} and tgt of shape "
                f"{tuple(tgt.shape)}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask for ``sz`` positions: -inf above the diagonal, 0 elsewhere."""
        return _generate_square_subsequent_mask(sz, device, dtype)
