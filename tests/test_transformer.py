"""Transformer layers and the layers around them (issue 13, items 3, 4 and 5).

PyTorch is the oracle (imported inside the tests, skipped without it): each layer is built in
both libraries, the minigrad state dict is loaded into the PyTorch twin, and outputs and every
parameter's gradient are compared in float64 (dropout 0) over masks x causal x batch_first x
norm_first. A tiny GPT (2 layers, causal attention, weight tying, AdamW) trained a few steps
from the same initial weights gives the same losses in both. Finite differences
(minigrad.autograd.gradcheck) check a small encoder layer without any oracle.
"""

import itertools
import warnings

import numpy as np
import pytest
from nn_helpers import to_torch_state

import minigrad
from minigrad.autograd import gradcheck

RNG = np.random.default_rng(7)


def _close(a, b, tol=1e-9):
    a = a.detach().numpy() if hasattr(a, "detach") else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _twin(torch, build, m):
    with warnings.catch_warnings():
        # PyTorch warns that nested tensors (its eval fast path) are off with norm_first
        warnings.filterwarnings("ignore", message="enable_nested_tensor is True")
        t = build(torch.nn).double()
    t.load_state_dict(to_torch_state(torch, m))
    return t


def _build_pair(torch, build):
    minigrad.manual_seed(0)
    m = build(minigrad.nn).double()
    return m, _twin(torch, build, m)


def _compare_grads(m, t, tol=1e-9):
    tgrads = dict(t.named_parameters())
    names = [n for n, _ in m.named_parameters()]
    assert names == list(tgrads)
    for name, p in m.named_parameters():
        assert p.grad is not None, name
        _close(p.grad, tgrads[name].grad, tol)


def _masks(torch, kind, causal, length, n):
    """(attention mask, key padding mask) for both libraries, of one kind (bool or float)."""
    if kind is None:
        return (None, None), (None, None)
    blocked = (
        ~np.tril(np.ones((length, length), dtype=bool)) if causal else RNG.random((length, length)) > 0.8
    )
    np.fill_diagonal(blocked, False)  # every query keeps one key
    pad = np.zeros((n, length), dtype=bool)
    pad[0, -1] = True
    if kind == "float":
        blocked, pad = np.where(blocked, -np.inf, 0.0), np.where(pad, -np.inf, 0.0)
    return ((minigrad.tensor(blocked), minigrad.tensor(pad)), (torch.tensor(blocked), torch.tensor(pad)))


def _seq(n, length, d, batch_first):
    return RNG.standard_normal((n, length, d) if batch_first else (length, n, d))


GRID = [
    (k, c, bf, nf)
    for k, c, bf, nf in itertools.product(
        [None, "bool", "float"], [False, True], [False, True], [False, True]
    )
    if not (k is None and c)
]  # is_causal is a hint: it needs the mask too


def _layer_kw(batch_first, norm_first, activation="relu"):
    return dict(
        dim_feedforward=12, dropout=0.0, batch_first=batch_first, norm_first=norm_first, activation=activation
    )


@pytest.mark.parametrize("mask, causal, batch_first, norm_first", GRID)
def test_encoder_layer_matches_torch(mask, causal, batch_first, norm_first):
    torch = pytest.importorskip("torch")
    m, t = _build_pair(
        torch, lambda nn: nn.TransformerEncoderLayer(8, 2, **_layer_kw(batch_first, norm_first))
    )
    x = _seq(3, 5, 8, batch_first)
    (am, pad), (tam, tpad) = _masks(torch, mask, causal, 5, 3)
    mx, tx = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = m(mx, src_mask=am, src_key_padding_mask=pad, is_causal=causal)
    ref = t(tx, src_mask=tam, src_key_padding_mask=tpad, is_causal=causal)
    _close(out, ref)
    g = RNG.standard_normal(ref.shape)
    (out * minigrad.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    _close(mx.grad, tx.grad)
    _compare_grads(m, t)


@pytest.mark.parametrize("mask, causal, batch_first, norm_first", GRID)
def test_decoder_layer_matches_torch(mask, causal, batch_first, norm_first):
    torch = pytest.importorskip("torch")
    m, t = _build_pair(
        torch, lambda nn: nn.TransformerDecoderLayer(8, 2, **_layer_kw(batch_first, norm_first))
    )
    x, mem = _seq(3, 5, 8, batch_first), _seq(3, 4, 8, batch_first)
    (am, pad), (tam, tpad) = _masks(torch, mask, causal, 5, 3)
    mpad = tmpad = None
    if mask is not None:
        p = np.zeros((3, 4), dtype=bool)
        p[1, 0] = True
        p = p if mask == "bool" else np.where(p, -np.inf, 0.0)
        mpad, tmpad = minigrad.tensor(p), torch.tensor(p)
    mx, tx = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mm, tm = minigrad.tensor(mem, requires_grad=True), torch.tensor(mem, requires_grad=True)
    out = m(mx, mm, tgt_mask=am, tgt_key_padding_mask=pad, memory_key_padding_mask=mpad, tgt_is_causal=causal)
    ref = t(
        tx, tm, tgt_mask=tam, tgt_key_padding_mask=tpad, memory_key_padding_mask=tmpad, tgt_is_causal=causal
    )
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    _close(mx.grad, tx.grad)
    _close(mm.grad, tm.grad)
    _compare_grads(m, t)


@pytest.mark.parametrize("activation", ["gelu", "callable", "module"])
@pytest.mark.parametrize("bias", [True, False])
def test_encoder_layer_activations_and_bias_match_torch(activation, bias):
    torch = pytest.importorskip("torch")

    def build(nn):
        act = {"gelu": "gelu", "callable": nn.functional.silu, "module": nn.GELU(approximate="tanh")}[
            activation
        ]
        return nn.TransformerEncoderLayer(
            8, 2, 12, 0.0, act, batch_first=True, bias=bias, layer_norm_eps=1e-3
        )

    m, t = _build_pair(torch, build)
    x = _seq(2, 4, 8, True)
    mx, tx = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = m(mx), t(tx)
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    _close(mx.grad, tx.grad)
    _compare_grads(m, t)


@pytest.mark.parametrize("batch_first, norm_first", list(itertools.product([False, True], [False, True])))
def test_transformer_matches_torch(batch_first, norm_first):
    torch = pytest.importorskip("torch")

    def build(nn):
        return nn.Transformer(8, 2, 2, 2, **_layer_kw(batch_first, norm_first))

    m, t = _build_pair(torch, build)
    src, tgt = _seq(3, 5, 8, batch_first), _seq(3, 4, 8, batch_first)
    mask = minigrad.nn.Transformer.generate_square_subsequent_mask(4, dtype=minigrad.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(mask.numpy(), tmask.numpy())
    pad = np.zeros((3, 5), dtype=bool)
    pad[2, 1] = True
    ms, ts = minigrad.tensor(src, requires_grad=True), torch.tensor(src, requires_grad=True)
    out = m(
        ms,
        minigrad.tensor(tgt),
        tgt_mask=mask,
        src_key_padding_mask=minigrad.tensor(pad),
        memory_key_padding_mask=minigrad.tensor(pad),
    )
    ref = t(
        ts,
        torch.tensor(tgt),
        tgt_mask=tmask,
        src_key_padding_mask=torch.tensor(pad),
        memory_key_padding_mask=torch.tensor(pad),
    )
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    _close(ms.grad, ts.grad)
    _compare_grads(m, t)


def test_encoder_and_decoder_stacks_with_final_norm_match_torch():
    torch = pytest.importorskip("torch")

    def build(nn):
        enc = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, 12, 0.0), 3, nn.LayerNorm(8), enable_nested_tensor=False
        )
        dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 12, 0.0), 2, nn.LayerNorm(8))
        return nn.ModuleDict({"enc": enc, "dec": dec})

    m, t = _build_pair(torch, build)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    src, tgt = _seq(2, 5, 8, False), _seq(2, 3, 8, False)
    causal = minigrad.nn.Transformer.generate_square_subsequent_mask(5).double()
    mem = m["enc"](minigrad.tensor(src), mask=causal)
    tmem = t["enc"](torch.tensor(src), mask=torch.tensor(causal.numpy()))
    _close(mem, tmem)
    out, ref = m["dec"](minigrad.tensor(tgt), mem), t["dec"](torch.tensor(tgt), tmem)
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    _compare_grads(m, t)


def test_transformer_eval_mode_matches_torch():
    torch = pytest.importorskip("torch")
    m, t = _build_pair(torch, lambda nn: nn.Transformer(8, 2, 1, 1, 12, dropout=0.3, batch_first=True))
    m.eval()
    t.eval()
    src, tgt = _seq(2, 5, 8, True), _seq(2, 3, 8, True)
    with minigrad.no_grad(), torch.no_grad():
        _close(m(minigrad.tensor(src), minigrad.tensor(tgt)), t(torch.tensor(src), torch.tensor(tgt)))


def test_transformer_state_dict_round_trips_both_ways():
    torch = pytest.importorskip("torch")

    def build(nn):
        return nn.Transformer(8, 2, 1, 2, 12, norm_first=True, bias=False)

    m = build(minigrad.nn)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="enable_nested_tensor is True")
        t = build(torch.nn)
    assert list(m.state_dict()) == list(t.state_dict())
    t.load_state_dict(to_torch_state(torch, m))
    m2 = build(minigrad.nn)
    m2.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    for (name, a), b in zip(m.state_dict().items(), m2.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_transformer_init_is_xavier_uniform_for_matrices():
    m = minigrad.nn.Transformer(16, 2, 1, 1, 32)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.encoder.layers[0].self_attn.in_proj_bias.detach().numpy().any()


def test_encoder_layer_gradients_match_finite_differences():
    minigrad.manual_seed(3)
    layer = minigrad.nn.TransformerEncoderLayer(
        4, 2, 6, dropout=0.0, activation="gelu", norm_first=True
    ).double()
    x = minigrad.tensor(RNG.standard_normal((3, 2, 4)), requires_grad=True)
    mask = minigrad.nn.Transformer.generate_square_subsequent_mask(3).double()
    params = [p for _, p in layer.named_parameters()]
    assert gradcheck(lambda x, *ps: layer(x, src_mask=mask, is_causal=True), (x, *params))


def test_decoder_layer_gradients_match_finite_differences():
    minigrad.manual_seed(4)
    layer = minigrad.nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0).double()
    x = minigrad.tensor(RNG.standard_normal((3, 1, 4)), requires_grad=True)
    mem = minigrad.tensor(RNG.standard_normal((2, 1, 4)), requires_grad=True)
    params = [p for _, p in layer.named_parameters()]
    assert gradcheck(lambda x, mem, *ps: layer(x, mem), (x, mem, *params))


def test_transformer_bad_inputs_raise_pytorch_errors():
    m = minigrad.nn.Transformer(8, 2, 1, 1, 12)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(minigrad.ones(5, 3, 8), minigrad.ones(4, 2, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        m(minigrad.ones(5, 3, 8), minigrad.ones(4, 3, 6))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        minigrad.nn.TransformerEncoderLayer(8, 2, activation="tanh")
    layer = minigrad.nn.TransformerEncoderLayer(8, 2, 12)
    with pytest.raises(RuntimeError, match="The shape of the 2D attn_mask"):
        layer(minigrad.ones(5, 3, 8), src_mask=minigrad.zeros(4, 4))
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        layer(minigrad.ones(5, 3, 8), is_causal=True)


# ----------------------------------------------------------------------------- a tiny GPT


def _gpt(L, attention, vocab=11, d=16, heads=2, n_layers=2, block=8):
    """A GPT written once against a PyTorch-shaped namespace L (torch or minigrad)."""
    nn, F = L.nn, L.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            if attention == "sdpa":
                self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            else:
                self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))
            self.register_buffer(
                "causal", nn.Transformer.generate_square_subsequent_mask(block), persistent=False
            )

        def forward(self, x):
            b, t, _ = x.shape
            h = self.ln1(x)
            if attention == "sdpa":
                q, k, v = self.c_attn(h).split(d, dim=2)
                q, k, v = (z.view(b, t, heads, d // heads).transpose(1, 2) for z in (q, k, v))
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                y = self.c_proj(y.transpose(1, 2).contiguous().view(b, t, d))
            else:
                y = self.attn(h, h, h, attn_mask=self.causal[:t, :t], need_weights=False, is_causal=True)[0]
            x = x + y
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block, d)
            self.blocks = nn.ModuleList([Block() for _ in range(n_layers)])
            self.ln_f = nn.LayerNorm(d)
            self.lm_head = nn.Linear(d, vocab, bias=False)
            self.lm_head.weight = self.wte.weight  # weight tying

        def forward(self, idx, targets):
            x = self.wte(idx) + self.wpe(L.arange(idx.shape[1]))
            for blk in self.blocks:
                x = blk(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, vocab), targets.view(-1))

    return GPT()


@pytest.mark.parametrize("attention", ["sdpa", "mha"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_tiny_gpt_trains_to_torchs_losses(attention, dtype):
    torch = pytest.importorskip("torch")
    minigrad.manual_seed(0)
    m = _gpt(minigrad, attention).to(getattr(minigrad, dtype))
    t = _gpt(torch, attention).to(getattr(torch, dtype))
    assert list(m.state_dict()) == list(t.state_dict())
    t.load_state_dict(to_torch_state(torch, m))
    assert len(list(m.parameters())) == len(list(t.parameters()))  # the tied weight counted once
    opt_m = minigrad.optim.AdamW(m.parameters(), lr=3e-3, weight_decay=0.1)
    opt_t = torch.optim.AdamW(t.parameters(), lr=3e-3, weight_decay=0.1)
    data = np.random.default_rng(1).integers(0, 11, size=(6, 4, 9))
    losses_m, losses_t = [], []
    for batch in data:
        x, y = batch[:, :-1], batch[:, 1:]
        for model, opt, lib, losses in ((m, opt_m, minigrad, losses_m), (t, opt_t, torch, losses_t)):
            opt.zero_grad()
            loss = model(lib.tensor(x), lib.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert m.lm_head.weight is m.wte.weight and m.wte.weight.grad is m.lm_head.weight.grad
    tol = 1e-9 if dtype == "float64" else 2e-5
    np.testing.assert_allclose(losses_m, losses_t, rtol=tol)
    assert losses_m[-1] < losses_m[0]


# ----------------------------------------------------------------------------- the layers around them


def test_weight_tying_shares_one_parameter_and_one_grad():
    nn = minigrad.nn
    model = nn.Module()
    model.wte = nn.Embedding(5, 3)
    model.lm_head = nn.Linear(3, 5, bias=False)
    model.lm_head.weight = model.wte.weight
    assert [n for n, _ in model.named_parameters()] == ["wte.weight"]
    assert list(model.state_dict()) == ["wte.weight", "lm_head.weight"]
    model.lm_head(model.wte(minigrad.tensor([1, 2]))).sum().backward()
    g = model.wte.weight.grad.numpy()
    assert g.shape == (5, 3) and model.lm_head.weight.grad is model.wte.weight.grad
    assert np.abs(g[[0, 3, 4]]).sum() > 0  # the head's share reaches rows the lookup skipped


@pytest.mark.parametrize(
    "name, shape",
    [
        ("Dropout1d", (4, 6, 50)),
        ("Dropout1d", (6, 50)),
        ("Dropout2d", (4, 6, 5, 5)),
        ("Dropout3d", (2, 6, 3, 3, 3)),
    ],
)
def test_channel_dropout_zeroes_whole_channels(name, shape):
    minigrad.manual_seed(0)
    layer = getattr(minigrad.nn, name)(0.5)
    x = minigrad.ones(*shape)
    y = layer(x).numpy()
    lead = 1 if len(shape) in (2, 4) and name != "Dropout2d" else 2
    per_channel = y.reshape(shape[:lead] + (-1,))
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # one draw per channel
    assert 0 < (per_channel[..., 0] == 0).mean() < 1
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_channel_dropout_errors_and_warnings_as_torch():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        minigrad.nn.Dropout1d()(minigrad.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        minigrad.nn.Dropout2d()(minigrad.ones(2, 3, 4))
    assert repr(minigrad.nn.Dropout1d(0.2)) == "Dropout1d(p=0.2, inplace=False)"


def test_parameter_list_and_dict_register_like_torch():
    torch = pytest.importorskip("torch")

    def build(L):
        m = L.nn.Module()
        m.plist = L.nn.ParameterList([L.nn.Parameter(L.ones(2, 3)), L.zeros(3)])
        m.plist.append(L.ones(1))
        m.pdict = L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(2))})
        m.pdict["b"] = L.zeros(4)
        return m

    m, t = build(minigrad), build(torch)
    assert (
        list(m.state_dict())
        == list(t.state_dict())
        == ["plist.0", "plist.1", "plist.2", "pdict.a", "pdict.b"]
    )
    assert all(isinstance(p, minigrad.nn.Parameter) for p in m.plist)
    assert len(m.plist) == 3 and len(m.plist[1:]) == 2 and list(m.pdict.keys()) == ["a", "b"]
    assert repr(m.plist).replace("minigrad", "torch") == repr(t.plist)
    t.load_state_dict(to_torch_state(torch, m))
    (m.plist[0].sum() * m.pdict["a"].sum()).backward()
    assert m.plist[0].grad.numpy().tolist() == [[2.0] * 3] * 2


def test_gelu_tanh_and_softmax_modules_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((3, 4))
    for build in (
        lambda nn: nn.GELU(approximate="tanh"),
        lambda nn: nn.Softmax(dim=0),
        lambda nn: nn.Softmax(-1),
    ):
        mx, tx = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = build(minigrad.nn)(mx), build(torch.nn)(tx)
        _close(out, ref, 1e-12)
        (out * out).sum().backward()
        (ref * ref).sum().backward()
        _close(mx.grad, tx.grad, 1e-12)
    assert repr(minigrad.nn.GELU(approximate="tanh")) == "GELU(approximate='tanh')"


def test_module_walking_helpers():
    nn = minigrad.nn
    layer = nn.TransformerEncoderLayer(8, 2, 12)
    names = [n for n, _ in layer.named_modules()]
    assert names[:3] == ["", "self_attn", "self_attn.out_proj"] and "linear2" in names
    assert layer.get_submodule("self_attn.out_proj") is layer.self_attn.out_proj
    seen = []
    layer.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "TransformerEncoderLayer" and "NonDynamicallyQuantizableLinear" in seen
    layer.register_buffer("scratch", minigrad.ones(2), persistent=False)
    assert "scratch" not in layer.state_dict() and "scratch" in dict(layer.named_buffers())


def test_torch_nn_modules_import_paths():
    import minigrad.nn.modules.transformer as transformer
    from minigrad.nn.modules.activation import MultiheadAttention
    from minigrad.nn.modules.linear import NonDynamicallyQuantizableLinear

    nn = minigrad.nn
    assert transformer.TransformerEncoderLayer is nn.TransformerEncoderLayer
    assert MultiheadAttention is nn.MultiheadAttention
    assert nn.modules.container.ParameterList is nn.ParameterList
    assert nn.modules.dropout.Dropout2d is nn.Dropout2d and nn.modules.sparse.Embedding is nn.Embedding
    assert nn.modules.module.Module is nn.Module and nn.modules.Linear is nn.Linear
    assert issubclass(NonDynamicallyQuantizableLinear, nn.Linear)
    assert isinstance(nn.BatchNorm1d(3), nn.modules.batchnorm._BatchNorm)
