"""scaled_dot_product_attention and nn.MultiheadAttention (issue 13, items 2 and 5).

PyTorch is the oracle (imported inside the tests, skipped without it): outputs, attention
weights and every gradient in float64 over an option grid, state dicts both ways, float32
forwards. Gradients are also checked against finite differences (minigrad.autograd.gradcheck,
float64, small sizes), which needs no oracle. Dropout is 0 wherever values are compared.
"""

import itertools

import minigrad.nn.functional as F
import numpy as np
import pytest
from nn_helpers import to_torch_state

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(13)


def _arr(*shape):
    return RNG.standard_normal(shape)


def _both(torch, arrays, grad=True):
    """The same float64 arrays as minigrad and torch leaves."""
    mg = [minigrad.tensor(a, requires_grad=grad) for a in arrays]
    th = [torch.tensor(a, requires_grad=grad) for a in arrays]
    return mg, th


def _close(a, b, tol=1e-10):
    a = a.detach().numpy() if hasattr(a, "detach") else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _causal_keep(lq, s):
    """Boolean (L, S): True where query i may see key j (j <= i), PyTorch's top-left alignment."""
    return np.tril(np.ones((lq, s), dtype=bool))


# ----------------------------------------------------------------------------- SDPA

# (query, key, value) shapes and the options; every row runs with no mask, a boolean and a
# float mask (when not causal)
SDPA_SHAPES = {
    "4d": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    "self": ((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4)),
    "longer_query": ((1, 2, 6, 3), (1, 2, 4, 3), (1, 2, 4, 3)),
    "3d": ((3, 4, 5), (3, 6, 5), (3, 6, 2)),
    "2d": ((4, 5), (6, 5), (6, 7)),
    "5d": ((2, 2, 3, 4, 5), (2, 2, 3, 6, 5), (2, 2, 3, 6, 7)),
    "broadcast_batch": ((2, 3, 4, 5), (3, 6, 5), (1, 3, 6, 7)),
}


def _mask(kind, lq, s, shape=None):
    shape = shape or (lq, s)
    if kind == "bool":
        keep = RNG.random(shape) > 0.3
        keep[..., 0] = True  # at least one key per row (fully masked rows: below)
        return keep
    if kind == "float":
        return RNG.standard_normal(shape)
    return None


@pytest.mark.parametrize("shapes", SDPA_SHAPES, ids=str)
@pytest.mark.parametrize("mask", [None, "bool", "float", "float_grad", "causal"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_matches_torch_values_and_gradients(shapes, mask, scale):
    torch = pytest.importorskip("torch")
    qs, ks, vs = SDPA_SHAPES[shapes]
    (q, k, v), (tq, tk, tv) = _both(torch, [_arr(*qs), _arr(*ks), _arr(*vs)])
    m = tm = None
    if mask in ("bool", "float", "float_grad"):
        a = _mask(mask[:5], qs[-2], ks[-2])
        m = minigrad.tensor(a, requires_grad=mask == "float_grad")
        tm = torch.tensor(a, requires_grad=mask == "float_grad")
    causal = mask == "causal"
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal, scale=scale)
    ref = torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=tm, is_causal=causal, scale=scale
    )
    _close(out, ref)
    assert type(out.grad_fn).__name__ == "ScaledDotProductAttentionBackward0"
    w = _arr(*ref.shape)
    (out * minigrad.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for a, b in zip((q, k, v), (tq, tk, tv)):
        _close(a.grad, b.grad)
    if mask == "float_grad":
        _close(m.grad, tm.grad)


@pytest.mark.parametrize("mask_shape", [(2, 1, 4, 6), (1, 3, 1, 6), (4, 6), (1, 6), (3, 4, 6)])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_masks_broadcast_as_in_torch(mask_shape, kind):
    torch = pytest.importorskip("torch")
    (q, k, v), (tq, tk, tv) = _both(torch, [_arr(2, 3, 4, 5), _arr(2, 3, 6, 5), _arr(2, 3, 6, 7)])
    a = _mask(kind, 4, 6, mask_shape)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=minigrad.tensor(a))
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(a))
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    for x, y in zip((q, k, v), (tq, tk, tv)):
        _close(x.grad, y.grad)


def test_sdpa_fully_masked_row_gives_zeros_and_zero_gradients_as_torch():
    torch = pytest.importorskip("torch")
    (q, k, v), (tq, tk, tv) = _both(torch, [_arr(1, 2, 3, 4), _arr(1, 2, 5, 4), _arr(1, 2, 5, 4)])
    keep = RNG.random((3, 5)) > 0.3
    keep[0] = True
    keep[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=minigrad.tensor(keep))
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(keep))
    assert not np.isnan(out.detach().numpy()).any()
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    for x, y in zip((q, k, v), (tq, tk, tv)):
        _close(x.grad, y.grad)


@pytest.mark.parametrize("heads", [(4, 2), (6, 1), (3, 3)])
def test_sdpa_grouped_query_attention_matches_torch(heads):
    torch = pytest.importorskip("torch")
    hq, hk = heads
    (q, k, v), (tq, tk, tv) = _both(torch, [_arr(2, hq, 4, 5), _arr(2, hk, 6, 5), _arr(2, hk, 6, 3)])
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True, enable_gqa=True)
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    for x, y in zip((q, k, v), (tq, tk, tv)):
        _close(x.grad, y.grad)


def test_sdpa_float32_matches_torch():
    torch = pytest.importorskip("torch")
    arrays = [_arr(2, 4, 16, 8).astype(np.float32) for _ in range(3)]
    (q, k, v), (tq, tk, tv) = _both(torch, arrays)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    assert out.dtype == minigrad.float32
    _close(out, ref, 1e-5)
    out.sum().backward()
    ref.sum().backward()
    for x, y in zip((q, k, v), (tq, tk, tv)):
        _close(x.grad, y.grad, 1e-4)


def _sdpa_inputs(qs=(2, 2, 3, 4), ks=(2, 2, 5, 4), vs=(2, 2, 5, 3)):
    return [minigrad.tensor(_arr(*s), requires_grad=True) for s in (qs, ks, vs)]


@pytest.mark.parametrize("case", ["plain", "causal", "bool_mask", "float_mask", "gqa", "scale", "broadcast"])
def test_sdpa_gradients_match_finite_differences(case):
    inputs = _sdpa_inputs()
    kw = {}
    if case == "causal":
        kw["is_causal"] = True
    elif case == "bool_mask":
        kw["attn_mask"] = minigrad.tensor(_mask("bool", 3, 5))
    elif case == "float_mask":
        inputs.append(minigrad.tensor(_arr(2, 1, 3, 5), requires_grad=True))
    elif case == "gqa":
        inputs = _sdpa_inputs((2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3))
        kw["enable_gqa"] = True
    elif case == "scale":
        kw["scale"] = 0.7
    elif case == "broadcast":
        inputs = _sdpa_inputs((2, 2, 3, 4), (2, 1, 5, 4), (5, 3))

    def f(q, k, v, *mask):
        return F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=mask[0] if mask else kw.get("attn_mask"),
            **{n: a for n, a in kw.items() if n != "attn_mask"},
        )

    assert gradcheck(f, tuple(inputs))


@pytest.mark.parametrize("case", ["causal", "float_mask"])
def test_sdpa_second_order_gradients_match_finite_differences(case):
    inputs = _sdpa_inputs((1, 2, 3, 2), (1, 2, 4, 2), (1, 2, 4, 2))
    if case == "float_mask":
        inputs.append(minigrad.tensor(_arr(3, 4), requires_grad=True))
        assert gradgradcheck(
            lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), tuple(inputs)
        )
    else:
        assert gradgradcheck(
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), tuple(inputs)
        )


def test_sdpa_is_one_node():
    q, k, v = _sdpa_inputs()
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    edges = [type(fn).__name__ for fn, _ in out.grad_fn.next_functions if fn is not None]
    assert edges == ["AccumulateGrad"] * 3


def test_sdpa_dropout_uses_the_default_generator():
    q, k, v = (minigrad.tensor(_arr(1, 1, 8, 4)) for _ in range(3))
    minigrad.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    minigrad.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    c = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(b.numpy(), c.numpy())
    assert not np.allclose(a.numpy(), F.scaled_dot_product_attention(q, k, v).numpy())


def test_sdpa_dropout_gradient_uses_the_same_mask():
    """With dropout the output is (P * keep / (1 - p)) @ v for one drawn keep-mask; the
    gradients must be those of that function (checked against the composition rebuilt from
    the same draw)."""
    q, k, v = _sdpa_inputs((1, 2, 4, 3), (1, 2, 5, 3), (1, 2, 5, 3))
    minigrad.manual_seed(5)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    minigrad.manual_seed(5)
    keep = minigrad.random._rng().random((2, 4, 5)) >= 0.4
    drop = minigrad.tensor(keep.reshape(1, 2, 4, 5) / 0.6)
    q2, k2, v2 = (minigrad.tensor(t.detach().numpy(), requires_grad=True) for t in (q, k, v))
    ref = ((q2 @ k2.transpose(-2, -1)) / np.sqrt(3)).softmax(-1) * drop @ v2
    _close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    for a, b in zip((q, k, v), (q2, k2, v2)):
        _close(a.grad, b.grad)


BAD_SDPA = {
    "mask_wrong_shape": (dict(attn_mask=np.ones((4, 6), bool)), RuntimeError, "attn_mask of shape (4, 6)"),
    "mask_int": (
        dict(attn_mask=np.ones((3, 6), np.int64)),
        RuntimeError,
        "Expected attn_mask dtype to be bool",
    ),
    "mask_float32": (dict(attn_mask=np.ones((3, 6), np.float32)), RuntimeError, "Expected attn_mask dtype"),
    "mask_and_causal": (
        dict(attn_mask=np.ones((3, 6), bool), is_causal=True),
        RuntimeError,
        "Explicit attn_mask should not be set when is_causal=True",
    ),
    "mask_not_a_tensor": (dict(attn_mask="causal"), TypeError, "attn_mask"),
    "mask_1d": (dict(attn_mask=np.ones(6, bool)), IndexError, "attn_mask of at least 2 dimensions"),
    "dropout_above_one": (dict(dropout_p=1.5), ValueError, "dropout probability"),
}


@pytest.mark.parametrize("case", BAD_SDPA)
def test_sdpa_bad_masks_raise_pytorch_errors_naming_the_shapes(case):
    kw, exc, text = BAD_SDPA[case]
    if isinstance(kw.get("attn_mask"), np.ndarray):
        kw = dict(kw, attn_mask=minigrad.tensor(kw["attn_mask"]))
    q, k, v = (minigrad.tensor(_arr(*s)) for s in ((2, 2, 3, 4), (2, 2, 6, 4), (2, 2, 6, 5)))
    with pytest.raises(exc, match=text.replace("(", r"\(").replace(")", r"\)")) as info:
        F.scaled_dot_product_attention(q, k, v, **kw)
    if exc is RuntimeError and "mask" in case and "causal" not in case:
        assert (
            "(2, 2, 3, 4)" in str(info.value) or "float64" in str(info.value) or "double" in str(info.value)
        )


@pytest.mark.parametrize(
    "shapes",
    [
        ((2, 3, 4), (2, 3, 5), (2, 3, 5)),
        ((2, 3, 4), (2, 4, 4), (2, 3, 4)),
        ((2, 4, 3, 4), (2, 3, 5, 4), (2, 3, 5, 4)),
        ((4,), (4,), (4,)),
    ],
)
def test_sdpa_bad_shapes_raise_runtime_error_naming_the_shapes(shapes):
    q, k, v = (minigrad.ones(*s, dtype=minigrad.float64) for s in shapes)
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention"):
        F.scaled_dot_product_attention(q, k, v)


def test_sdpa_dtype_mismatch_raises_pytorchs_error():
    q = minigrad.ones(2, 3, 4)
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)


# ----------------------------------------------------------------------------- kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 4, 5), (1, 2, 7, 3), (1, 1, 0, 4), (2, 1, 3, 0)])
def test_attention_softmax_kernel_matches_numpy(dtype, causal, shape):
    from minigrad import _nn_kernels as NK

    s = RNG.standard_normal(shape).astype(dtype)
    mask = np.broadcast_to(RNG.standard_normal(shape[2:]).astype(dtype), shape)
    x = s * dtype(0.5) + mask
    if causal:
        x = np.where(_causal_keep(*shape[2:]), x, -np.inf)
    with np.errstate(invalid="ignore"):
        ref = np.exp(x - x.max(-1, keepdims=True, initial=-np.inf))
        ref = ref / ref.sum(-1, keepdims=True)
    got = NK.attention_softmax(s.copy(), mask, causal, 0.5)
    np.testing.assert_allclose(got, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)
    g = RNG.standard_normal(shape).astype(dtype)
    ds = NK.attention_softmax_backward(g.copy(), got, None, 0.5)
    ref_ds = 0.5 * got * (g - (g * got).sum(-1, keepdims=True))
    np.testing.assert_allclose(ds, ref_ds, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


def test_attention_kernels_refuse_bad_arrays():
    from minigrad import _nn_kernels as NK

    s = np.zeros((1, 1, 2, 3))
    with pytest.raises(ValueError):
        NK.attention_softmax(s[..., ::-1], None, False, 1.0)  # not contiguous: it works in place
    with pytest.raises(ValueError):
        NK.attention_softmax(s, np.zeros((1, 1, 2, 4)), False, 1.0)
    with pytest.raises(TypeError):
        NK.attention_softmax(s, np.zeros((1, 1, 2, 3), np.float32), False, 1.0)
    with pytest.raises(ValueError):
        NK.attention_softmax(s, np.zeros((1, 1, 2, 3))[..., ::-1], False, 1.0)  # negative strides
    with pytest.raises(ValueError):
        NK.attention_softmax_backward(np.zeros((1, 2, 3)), s, None, 1.0)
    with pytest.raises(TypeError):
        NK.attention_softmax_backward(s.astype(np.float32), s, None, 1.0)


# ----------------------------------------------------------------------------- MultiheadAttention


def _mha(nn, e=8, h=2, **kw):
    return nn.MultiheadAttention(e, h, **kw)


def _twin(torch, m, **kw):
    t = _mha(torch.nn, m.embed_dim, m.num_heads, **kw).double()
    t.load_state_dict(to_torch_state(torch, m))
    return t


def _seq(n, length, e, batch_first, unbatched=False):
    if unbatched:
        return _arr(length, e)
    return _arr(n, length, e) if batch_first else _arr(length, n, e)


MASKS = {
    None: lambda lq, s, n, h: None,
    "bool_2d": lambda lq, s, n, h: RNG.random((lq, s)) > 0.8,
    "float_2d": lambda lq, s, n, h: RNG.standard_normal((lq, s)),
    "float_3d": lambda lq, s, n, h: RNG.standard_normal((n * h, lq, s)),
}


def _padding(kind, n, s):
    if kind is None:
        return None
    pad = np.zeros((n, s), dtype=bool)
    pad[0, -1] = True
    pad[n - 1, 0] = True
    return pad if kind == "bool" else np.where(pad, -np.inf, 0.0)


GRID = list(
    itertools.product(
        [None, "bool_2d", "float_2d", "float_3d"],  # attn_mask
        [False, True],  # batch_first
        [None, (6, 5)],  # kdim, vdim
        [True, False],  # need_weights
    )
)


@pytest.mark.parametrize("mask, batch_first, kvdim, need_weights", GRID)
def test_mha_matches_torch_over_the_option_grid(mask, batch_first, kvdim, need_weights):
    torch = pytest.importorskip("torch")
    kdim, vdim = kvdim or (None, None)
    kw = dict(kdim=kdim, vdim=vdim, batch_first=batch_first)
    minigrad.manual_seed(0)
    m = _mha(minigrad.nn, **kw).double()
    t = _twin(torch, m, **kw)
    n, lq, s = 3, 4, 5
    arrays = [
        _seq(n, lq, 8, batch_first),
        _seq(n, s, kdim or 8, batch_first),
        _seq(n, s, vdim or 8, batch_first),
    ]
    (q, k, v), (tq, tk, tv) = _both(torch, arrays)
    am = MASKS[mask](lq, s, n, 2)
    padding = _padding(None if mask is None else mask.split("_")[0], n, s)
    mk = {"attn_mask": am, "key_padding_mask": padding}
    margs = {name: None if a is None else minigrad.tensor(a) for name, a in mk.items()}
    targs = {name: None if a is None else torch.tensor(a) for name, a in mk.items()}
    out, w = m(q, k, v, need_weights=need_weights, **margs)
    tout, tw = t(tq, tk, tv, need_weights=need_weights, **targs)
    _close(out, tout)
    g = _arr(*tout.shape)
    loss, tloss = (out * minigrad.tensor(g)).sum(), (tout * torch.tensor(g)).sum()
    if need_weights:
        _close(w, tw)
        gw = _arr(*tw.shape)
        loss = loss + (w * minigrad.tensor(gw)).sum()
        tloss = tloss + (tw * torch.tensor(gw)).sum()
    else:
        assert w is None and tw is None
    loss.backward()
    tloss.backward()
    for a, b in zip((q, k, v), (tq, tk, tv)):
        _close(a.grad, b.grad, 1e-9)
    tgrads = dict(t.named_parameters())
    for name, p in m.named_parameters():
        _close(p.grad, tgrads[name].grad, 1e-9)


@pytest.mark.parametrize(
    "options",
    [
        dict(add_bias_kv=True),
        dict(add_zero_attn=True),
        dict(bias=False),
        dict(add_bias_kv=True, add_zero_attn=True),
    ],
    ids=str,
)
@pytest.mark.parametrize("padding", [None, "bool"])
@pytest.mark.parametrize("average", [True, False])
def test_mha_bias_kv_zero_attn_and_per_head_weights_match_torch(options, padding, average):
    torch = pytest.importorskip("torch")
    minigrad.manual_seed(1)
    m = _mha(minigrad.nn, **options).double()
    t = _twin(torch, m, **options)
    x = _seq(3, 4, 8, False)
    (q,), (tq,) = _both(torch, [x])
    pad = _padding(padding, 3, 4)
    am = RNG.random((4, 4)) > 0.8
    out, w = m(
        q,
        q,
        q,
        key_padding_mask=None if pad is None else minigrad.tensor(pad),
        attn_mask=minigrad.tensor(am),
        average_attn_weights=average,
    )
    tout, tw = t(
        tq,
        tq,
        tq,
        key_padding_mask=None if pad is None else torch.tensor(pad),
        attn_mask=torch.tensor(am),
        average_attn_weights=average,
    )
    _close(out, tout)
    _close(w, tw)
    (out.sum() + (w * w).sum()).backward()
    (tout.sum() + (tw * tw).sum()).backward()
    _close(q.grad, tq.grad, 1e-9)
    tgrads = dict(t.named_parameters())
    for name, p in m.named_parameters():
        _close(p.grad, tgrads[name].grad, 1e-9)


@pytest.mark.parametrize("mask", [None, "bool", "float_3d"])
def test_mha_unbatched_input_matches_torch(mask):
    torch = pytest.importorskip("torch")
    minigrad.manual_seed(2)
    m = _mha(minigrad.nn).double()
    t = _twin(torch, m)
    (q, k), (tq, tk) = _both(torch, [_arr(4, 8), _arr(5, 8)])
    am = {None: None, "bool": RNG.random((4, 5)) > 0.8, "float_3d": _arr(2, 4, 5)}[mask]
    pad = None if mask is None else np.array([False, True, False, False, False])
    if mask == "float_3d":  # PyTorch warns when the two masks' types differ
        pad = np.where(pad, -np.inf, 0.0)
    out, w = m(
        q,
        k,
        k,
        attn_mask=None if am is None else minigrad.tensor(am),
        key_padding_mask=None if pad is None else minigrad.tensor(pad),
    )
    tout, tw = t(
        tq,
        tk,
        tk,
        attn_mask=None if am is None else torch.tensor(am),
        key_padding_mask=None if pad is None else torch.tensor(pad),
    )
    assert tuple(out.shape) == (4, 8) and tuple(w.shape) == (4, 5)
    _close(out, tout)
    _close(w, tw)
    out.sum().backward()
    tout.sum().backward()
    _close(q.grad, tq.grad, 1e-9)
    _close(k.grad, tk.grad, 1e-9)


def test_mha_causal_hint_matches_torch():
    torch = pytest.importorskip("torch")
    m = _mha(minigrad.nn, batch_first=True).double()
    t = _twin(torch, m, batch_first=True)
    (x,), (tx,) = _both(torch, [_arr(2, 5, 8)])
    mask = ~_causal_keep(5, 5)
    out, _ = m(x, x, x, attn_mask=minigrad.tensor(mask), is_causal=True, need_weights=False)
    tout, _ = t(tx, tx, tx, attn_mask=torch.tensor(mask), is_causal=True, need_weights=False)
    _close(out, tout)


def test_mha_state_dict_round_trips_both_ways():
    torch = pytest.importorskip("torch")
    for kw in (dict(), dict(kdim=3, vdim=5, add_bias_kv=True), dict(bias=False)):
        m = _mha(minigrad.nn, **kw)
        t = _mha(torch.nn, **kw)
        assert list(m.state_dict()) == list(t.state_dict())
        assert [tuple(v.shape) for v in m.state_dict().values()] == [
            tuple(v.shape) for v in t.state_dict().values()
        ]
        t.load_state_dict(to_torch_state(torch, m))  # ours into PyTorch
        m2 = _mha(minigrad.nn, **kw)
        m2.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})  # and back
        for (name, a), b in zip(m.state_dict().items(), m2.state_dict().values()):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_mha_parameter_layout_and_init_follow_pytorch():
    m = minigrad.nn.MultiheadAttention(16, 4, kdim=6, vdim=10, add_bias_kv=True)
    shapes = {name: tuple(p.shape) for name, p in m.named_parameters()}
    assert shapes == {
        "q_proj_weight": (16, 16),
        "k_proj_weight": (16, 6),
        "v_proj_weight": (16, 10),
        "in_proj_bias": (48,),
        "bias_k": (1, 1, 16),
        "bias_v": (1, 1, 16),
        "out_proj.weight": (16, 16),
        "out_proj.bias": (16,),
    }
    assert m.in_proj_weight is None
    m = minigrad.nn.MultiheadAttention(64, 4)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (64 + 192))  # xavier_uniform_ of the (192, 64) stack
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"


def test_mha_float32_forward_matches_torch():
    torch = pytest.importorskip("torch")
    m = _mha(minigrad.nn, batch_first=True)
    t = _mha(torch.nn, batch_first=True)
    t.load_state_dict(to_torch_state(torch, m))
    x = _arr(2, 6, 8).astype(np.float32)
    out, w = m(minigrad.tensor(x), minigrad.tensor(x), minigrad.tensor(x))
    tout, tw = t(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    _close(out, tout, 1e-5)
    _close(w, tw, 1e-5)


def test_mha_gradients_match_finite_differences():
    minigrad.manual_seed(4)
    m = minigrad.nn.MultiheadAttention(4, 2, kdim=3, vdim=2, add_bias_kv=True).double()
    q = minigrad.tensor(_arr(3, 2, 4), requires_grad=True)
    k = minigrad.tensor(_arr(5, 2, 3), requires_grad=True)
    v = minigrad.tensor(_arr(5, 2, 2), requires_grad=True)
    pad = minigrad.tensor(np.array([[False, False, True, False, False], [False] * 5]))
    params = [p for _, p in m.named_parameters()]

    def f(q, k, v, *ps):
        return m(q, k, v, key_padding_mask=pad)[0]

    assert gradcheck(f, (q, k, v, *params))


BAD_MHA = {
    "attn_mask_2d": (dict(attn_mask=np.zeros((4, 4))), RuntimeError, "The shape of the 2D attn_mask"),
    "attn_mask_3d": (dict(attn_mask=np.zeros((3, 4, 5))), RuntimeError, "The shape of the 3D attn_mask"),
    "attn_mask_int": (
        dict(attn_mask=np.zeros((4, 5), np.int64)),
        AssertionError,
        "only bool and floating types",
    ),
    "padding_shape": (
        dict(key_padding_mask=np.zeros((3, 4), bool)),
        AssertionError,
        "key_padding_mask shape",
    ),
    "causal_without_mask": (dict(is_causal=True), RuntimeError, "Need attn_mask"),
}


@pytest.mark.parametrize("case", BAD_MHA)
def test_mha_bad_masks_raise_pytorch_error_types(case):
    kw, exc, text = BAD_MHA[case]
    kw = {k: minigrad.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    m = _mha(minigrad.nn).double()
    q, k = minigrad.tensor(_arr(4, 3, 8)), minigrad.tensor(_arr(5, 3, 8))
    with pytest.raises(exc, match=text) as info:
        m(q, k, k, **kw)
    assert "MultiheadAttention(8, 2)" in str(info.value) or case == "causal_without_mask"


def test_mha_shape_errors_are_assertion_and_runtime_errors():
    m = _mha(minigrad.nn)
    with pytest.raises(AssertionError, match="embedding dimension"):
        m(minigrad.ones(4, 3, 7), minigrad.ones(4, 3, 7), minigrad.ones(4, 3, 7))
    with pytest.raises(RuntimeError, match="3-D"):
        m(minigrad.ones(4, 3, 8), minigrad.ones(4, 8), minigrad.ones(4, 8))
    with pytest.raises(AssertionError, match="divisible"):
        minigrad.nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        minigrad.nn.MultiheadAttention(0, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_kernels_give_exact_zeros_far_below_the_row_max(dtype):
    """Lanes more than 87.5 below the max (and -inf ones) are 0 (float32 flushes the subnormal
    results, hence atol = the smallest normal), NaN stays NaN (issue 13: the float32 lanes below
    -87.5 used to compute a subnormal product before being discarded, ~8x slower)."""
    from minigrad import _nn_kernels as NK

    row = np.array([[0.0, -87.0, -88.0, -1e30, -np.inf, 1.0]], dtype=dtype)
    ref = np.exp(row - 1.0) / np.exp(row - 1.0).sum()
    np.testing.assert_allclose(NK.softmax(row, 1, False), ref, rtol=1e-6, atol=np.finfo(dtype).tiny)
    assert (NK.softmax(row, 1, False)[0, 3:5] == 0).all()
    got = NK.attention_softmax(row.reshape(1, 1, 1, 6).copy(), None, False, 1.0)
    np.testing.assert_allclose(got.ravel(), ref.ravel(), rtol=1e-6, atol=np.finfo(dtype).tiny)
    nan_row = row.copy()
    nan_row[0, 2] = np.nan
    assert np.isnan(NK.softmax(nan_row, 1, False)).all()


@pytest.mark.parametrize(
    "module", ["minigrad.ops.attention", "minigrad.nn.attention", "minigrad.nn.transformer"]
)
def test_docstring_examples_run(module):
    import doctest
    import sys

    import minigrad.nn  # noqa: F401  (loads minigrad.nn.attention and minigrad.nn.transformer)

    result = doctest.testmod(sys.modules[module], globs={"minigrad": minigrad})
    assert result.failed == 0 and result.attempted > 0


def test_mha_weights_changed_in_place_do_not_change_the_gradient():
    minigrad.manual_seed(6)
    m = _mha(minigrad.nn).double()
    x = minigrad.tensor(_arr(4, 2, 8), requires_grad=True)
    out, _ = m(x, x, x)
    out.sum().backward()
    expected = x.grad.numpy().copy()
    x.grad = None
    out, w = m(x, x, x, average_attn_weights=False)
    w.detach().numpy()[...] = 0.0
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
