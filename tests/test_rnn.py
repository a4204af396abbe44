"""Tests of the recurrent layers (nn.RNN, nn.LSTM, nn.GRU, the cells) and nn.utils.rnn.

* Parity with PyTorch over the option grid: kind (RNN tanh/relu, LSTM, LSTM with
  proj_size, GRU) x layers {1, 2} x bidirectional x batch_first x input form (padded
  batch, unbatched, packed from an unsorted batch) x initial state given or not. Both
  modules hold the same weights (ours loaded into the twin); outputs, h_n / c_n, every
  parameter's gradient and the gradients of the input and the initial state must agree,
  in float64 tightly and in float32 to float32 rounding.
* State dicts: same keys, shapes and order as PyTorch; a PyTorch state dict loads here and
  gives PyTorch's outputs, and ours loads there.
* Gradients through time against finite differences (gradcheck, float64), first and
  second order (the second through the composed path of ``create_graph=True``).
* Bad inputs: PyTorch's exception type and first sentence, naming the layer and shapes.
"""

import math

import numpy as np
import pytest
from minigrad.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
)
from nn_helpers import to_torch_state

import minigrad
from minigrad import nn
from minigrad.ops.rnn import recurrent_layer

# the oracle's own notice (PyTorch's oneDNN path has no projections), not ours
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")

I, H, P, T, B = 3, 5, 2, 4, 3
LENGTHS = [3, 4, 1]  # unsorted on purpose: packed inputs use enforce_sorted=False

KINDS = {
    "rnn_tanh": lambda nn, **kw: nn.RNN(I, H, **kw),
    "rnn_relu": lambda nn, **kw: nn.RNN(I, H, nonlinearity="relu", **kw),
    "lstm": lambda nn, **kw: nn.LSTM(I, H, **kw),
    "lstm_proj": lambda nn, **kw: nn.LSTM(I, H, proj_size=P, **kw),
    "gru": lambda nn, **kw: nn.GRU(I, H, **kw),
}


def _torch():
    return pytest.importorskip("torch")


def _mg(a):
    return minigrad.tensor(np.array(a), requires_grad=True)


def _th(torch, a):
    return torch.tensor(np.array(a), requires_grad=True)


def _state_shapes(kind, layers, bidirectional, batch):
    dirs = 2 if bidirectional else 1
    h_width = P if kind == "lstm_proj" else H
    shapes = [(layers * dirs,) + batch + (h_width,)]
    if kind.startswith("lstm"):
        shapes.append((layers * dirs,) + batch + (H,))
    return shapes


def _run(L, module, kind, form, batch_first, x, states, lengths=None):
    """Run ``module`` (library L) on array ``x`` and initial states; returns (leaves, outputs):
    the leaf tensors whose gradients are compared, and the output, h_n (and c_n)."""
    make = _mg if L is minigrad else (lambda a: _th(L, a))
    xt = make(x)
    hx = [make(s) for s in states]
    inp = xt
    if form == "packed":
        inp = L.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first=batch_first, enforce_sorted=False)
    if not hx:
        out, state = module(inp)
    else:
        out, state = module(inp, tuple(hx) if len(hx) == 2 else hx[0])
    if form == "packed":
        packed_data = out.data
        out, _ = L.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first)
        out = (out, packed_data)
    else:
        out = (out,)
    state = state if isinstance(state, tuple) else (state,)
    return [xt] + hx, list(out) + list(state)


def _loss(L, outputs, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    total = 0
    for o in outputs:
        w = rng.normal(size=tuple(o.shape))
        total = (
            total
            + (o * (minigrad.tensor(w, dtype=o.dtype) if L is minigrad else L.tensor(w, dtype=o.dtype))).sum()
        )
    return total


def _compare(kind, layers, bidirectional, batch_first, form, given, dtype, rtol, atol):
    torch = _torch()
    minigrad.manual_seed(7)
    opts = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    module = KINDS[kind](nn, **opts)
    twin = KINDS[kind](torch.nn, **opts)
    if dtype == "float64":
        module, twin = module.double(), twin.double()
    twin.load_state_dict(to_torch_state(torch, module))
    rng = np.random.default_rng(3)
    np_dtype = np.float64 if dtype == "float64" else np.float32
    if form == "unbatched":
        x, batch = rng.normal(size=(T, I)), ()
    else:
        x, batch = rng.normal(size=(B, T, I) if batch_first else (T, B, I)), (B,)
    x = x.astype(np_dtype)
    states = [rng.normal(size=s).astype(np_dtype) for s in _state_shapes(kind, layers, bidirectional, batch)]
    states = states if given else []
    ours_in, ours = _run(minigrad, module, kind, form, batch_first, x, states, LENGTHS)
    theirs_in, theirs = _run(torch, twin, kind, form, batch_first, x, states, LENGTHS)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    _loss(minigrad, ours).backward()
    _loss(torch, theirs).backward()
    for a, b in zip(ours_in, theirs_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)
    theirs_params = dict(twin.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )


@pytest.mark.parametrize("given", [False, True], ids=["no_hx", "hx"])
@pytest.mark.parametrize("form", ["padded", "unbatched", "packed"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind", list(KINDS))
def test_recurrent_layer_matches_pytorch_float64(kind, layers, bidirectional, batch_first, form, given):
    _compare(kind, layers, bidirectional, batch_first, form, given, "float64", 1e-9, 1e-11)


@pytest.mark.parametrize("form", ["padded", "packed"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_recurrent_layer_matches_pytorch_float32(kind, form):
    _compare(kind, 2, True, False, form, True, "float32", 1e-4, 1e-5)


@pytest.mark.parametrize("kind", list(KINDS))
def test_recurrent_layer_without_bias_matches_pytorch(kind):
    torch = _torch()
    module = KINDS[kind](nn, bias=False).double()
    twin = KINDS[kind](torch.nn, bias=False).double()
    assert [n for n, _ in module.named_parameters()] == [n for n, _ in twin.named_parameters()]
    twin.load_state_dict(to_torch_state(torch, module))
    x = np.random.default_rng(0).normal(size=(T, B, I))
    ours, theirs = module(_mg(x))[0], twin(_th(torch, x))[0]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- cells

CELLS = {
    "rnn_cell_tanh": lambda nn, **kw: nn.RNNCell(I, H, **kw),
    "rnn_cell_relu": lambda nn, **kw: nn.RNNCell(I, H, nonlinearity="relu", **kw),
    "lstm_cell": lambda nn, **kw: nn.LSTMCell(I, H, **kw),
    "gru_cell": lambda nn, **kw: nn.GRUCell(I, H, **kw),
}


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("given", [False, True], ids=["no_hx", "hx"])
@pytest.mark.parametrize("unbatched", [False, True], ids=["batched", "unbatched"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_cell_matches_pytorch(cell, unbatched, given, bias):
    torch = _torch()
    module = CELLS[cell](nn, bias=bias).double()
    twin = CELLS[cell](torch.nn, bias=bias).double()
    twin.load_state_dict(to_torch_state(torch, module))
    rng = np.random.default_rng(1)
    batch = () if unbatched else (B,)
    x = rng.normal(size=batch + (I,))
    states = [rng.normal(size=batch + (H,)) for _ in range(2 if cell == "lstm_cell" else 1)] if given else []
    results = []
    for L, m, make in ((minigrad, module, _mg), (torch, twin, lambda a: _th(torch, a))):
        leaves = [make(x)] + [make(s) for s in states]
        hx = None if not given else (tuple(leaves[1:]) if cell == "lstm_cell" else leaves[1])
        out = m(leaves[0], hx)
        out = list(out) if isinstance(out, tuple) else [out]
        _loss(L, out).backward()
        results.append((out, leaves, {n: p.grad for n, p in m.named_parameters()}))
    (o1, l1, g1), (o2, l2, g2) = results
    ours = o1 + [t.grad for t in l1] + list(g1.values())
    for a, b in zip(ours, o2 + [t.grad for t in l2] + list(g2.values())):
        np.testing.assert_allclose(np.asarray(a.detach().numpy()), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_cell_is_one_node_per_step():
    h, c = nn.LSTMCell(I, H)(minigrad.randn(B, I))
    assert h.grad_fn.next_functions[0][0] is c.grad_fn.next_functions[0][0]


# ----------------------------------------------------------------------------- state dicts


@pytest.mark.parametrize("kind", list(KINDS))
def test_parameters_have_pytorch_names_shapes_and_order(kind):
    torch = _torch()
    opts = dict(num_layers=2, bidirectional=True)
    ours = [(n, tuple(p.shape)) for n, p in KINDS[kind](nn, **opts).named_parameters()]
    theirs = [(n, tuple(p.shape)) for n, p in KINDS[kind](torch.nn, **opts).named_parameters()]
    assert ours == theirs


@pytest.mark.parametrize("kind", list(KINDS))
def test_pytorch_state_dict_loads_and_gives_pytorch_outputs(kind):
    torch = _torch()
    opts = dict(num_layers=2, bidirectional=True, batch_first=True)
    twin = KINDS[kind](torch.nn, **opts)
    module = KINDS[kind](nn, **opts)
    state = {k: minigrad.tensor(v.detach().numpy()) for k, v in twin.state_dict().items()}
    result = module.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys
    x = np.random.default_rng(0).normal(size=(B, T, I)).astype(np.float32)
    ours, theirs = module(minigrad.tensor(x)), twin(torch.tensor(x))
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    # and back: our state dict into a fresh PyTorch module
    fresh = KINDS[kind](torch.nn, **opts)
    fresh.load_state_dict(to_torch_state(torch, module))
    np.testing.assert_allclose(
        fresh(torch.tensor(x))[0].detach().numpy(), theirs[0].detach().numpy(), rtol=0, atol=0
    )


@pytest.mark.parametrize("kind", list(KINDS) + list(CELLS))
def test_parameters_start_uniform_within_one_over_sqrt_hidden(kind):
    build = {**KINDS, **CELLS}[kind]
    minigrad.manual_seed(0)
    module = build(nn)
    bound = 1 / math.sqrt(H)
    values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.8 * bound and values.max() > 0.8 * bound
    assert abs(values.mean()) < 0.1 * bound


def test_repr_matches_pytorch():
    torch = _torch()
    builds = [
        lambda nn: nn.LSTM(3, 5, proj_size=2, num_layers=2, bidirectional=True),
        lambda nn: nn.GRU(3, 4, batch_first=True, bias=False),
        lambda nn: nn.RNN(3, 4, nonlinearity="relu"),
        lambda nn: nn.LSTMCell(3, 4),
        lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"),
        lambda nn: nn.GRUCell(3, 4, bias=False),
    ]
    for build in builds:
        assert repr(build(nn)) == repr(build(torch.nn))


# ----------------------------------------------------------------------------- gradcheck


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("sizes", [(2, 2, 2), (3, 2, 1)], ids=["padded", "packed"])
@pytest.mark.parametrize("mode", ["LSTM", "LSTM_PROJ", "GRU", "RNN_TANH", "RNN_RELU"])
def test_recurrent_layer_gradcheck(mode, sizes, reverse):
    rng = np.random.default_rng(5)
    hidden, proj, inp = 3, (2 if mode == "LSTM_PROJ" else 0), 2
    real = proj or hidden
    kind = "LSTM" if mode == "LSTM_PROJ" else mode
    gates = {"LSTM": 4, "GRU": 3}.get(kind, 1) * hidden

    def t(*shape):
        return minigrad.tensor(rng.normal(size=shape), requires_grad=True)

    x, h0 = t(sum(sizes), inp), t(sizes[0], real)
    c0 = t(sizes[0], hidden) if kind == "LSTM" else None
    w_ih, w_hh, b_ih, b_hh = t(gates, inp), t(gates, real), t(gates), t(gates)
    w_hr = t(proj, hidden) if proj else None
    inputs = [a for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) if a is not None]

    def fn(*args):
        it = iter(args)
        vals = [next(it) if a is not None else None for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)]
        out, h, c = recurrent_layer(kind, *vals, sizes, reverse)
        return (out, h) if c is None else (out, h, c)

    if mode == "RNN_RELU":  # keep pre-activations away from relu's kink
        with minigrad.no_grad():
            b_ih += 1.0
    assert minigrad.autograd.gradcheck(fn, inputs)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_recurrent_layer_second_derivatives(mode):
    rng = np.random.default_rng(6)
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1) * 2
    x = minigrad.tensor(rng.normal(size=(3, 2)), requires_grad=True)
    h0 = minigrad.tensor(rng.normal(size=(2, 2)), requires_grad=True)
    c0 = minigrad.tensor(rng.normal(size=(2, 2))) if mode == "LSTM" else None
    w = minigrad.tensor(rng.normal(size=(gates, 2)), requires_grad=True)
    u = minigrad.tensor(rng.normal(size=(gates, 2)), requires_grad=True)

    def fn(x, h0, w, u):
        return recurrent_layer(mode, x, h0, c0, w, u, None, None, None, (2, 1))[0]

    assert minigrad.autograd.gradgradcheck(fn, (x, h0, w, u))


def test_module_gradcheck_through_packed_bidirectional_lstm():
    minigrad.manual_seed(1)
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=1).double()
    x = minigrad.tensor(np.random.default_rng(2).normal(size=(3, 2, 2)), requires_grad=True)

    def fn(x):
        out, (h, c) = lstm(pack_padded_sequence(x, [3, 2]))
        return out.data, h, c

    assert minigrad.autograd.gradcheck(fn, (x,))


# ----------------------------------------------------------------------------- one node per layer


def test_lstm_layer_is_one_node_per_direction():
    lstm = nn.LSTM(I, H)
    out, (h, c) = lstm(minigrad.randn(50, B, I))
    nodes = _graph(out.grad_fn)
    assert sum(isinstance(n, minigrad._tape.FunctionNode) for n in nodes) == 1
    assert len(nodes) < 12  # not 50 steps of a dozen nodes


def _graph(root):
    seen, stack, order = set(), [root], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(n for n, _ in node.next_functions)
    return order


# ----------------------------------------------------------------------------- dropout, training


def test_dropout_between_layers_only_in_training():
    minigrad.manual_seed(0)
    lstm = nn.LSTM(I, H, num_layers=2, dropout=0.5)
    x = minigrad.randn(T, B, I)
    lstm.eval()
    a, b = lstm(x)[0].detach(), lstm(x)[0].detach()
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    lstm.train()
    minigrad.manual_seed(1)
    c = lstm(x)[0].detach()
    minigrad.manual_seed(1)
    d = lstm(x)[0].detach()
    np.testing.assert_array_equal(c.numpy(), d.numpy())
    assert not np.allclose(c.numpy(), a.numpy())


def test_dropout_with_one_layer_warns_like_pytorch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(I, H, dropout=0.2)


def test_clip_grad_norm_on_lstm_matches_pytorch():
    torch = _torch()
    module = nn.LSTM(I, H, num_layers=2).double()
    twin = nn_twin(torch, module, lambda nn: nn.LSTM(I, H, num_layers=2))
    x = np.random.default_rng(0).normal(size=(T, B, I))
    module(_mg(x))[0].pow(2).sum().backward()
    twin(_th(torch, x))[0].pow(2).sum().backward()
    ours = nn.utils.clip_grad_norm_(module.parameters(), 0.1)
    theirs = torch.nn.utils.clip_grad_norm_(twin.parameters(), 0.1)
    assert float(ours) == pytest.approx(float(theirs), rel=1e-10)
    for (name, p), q in zip(module.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, err_msg=name)


def nn_twin(torch, module, build):
    twin = build(torch.nn).double()
    twin.load_state_dict(to_torch_state(torch, module))
    return twin


def test_char_lstm_trains_like_pytorch():
    """A few Adam steps of embedding -> LSTM -> linear, from the same weights: same losses."""
    torch = _torch()
    vocab, emb, hidden = 11, 6, 8
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, vocab, size=(4, 9))

    def build(L):
        class CharLSTM(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = L.nn.Embedding(vocab, emb)
                self.lstm = L.nn.LSTM(emb, hidden, batch_first=True)
                self.head = L.nn.Linear(hidden, vocab)

            def forward(self, idx):
                out, _ = self.lstm(self.emb(idx))
                return self.head(out)

        return CharLSTM()

    ours, theirs = build(minigrad), build(torch)
    theirs.load_state_dict(to_torch_state(torch, ours))
    losses = []
    for L, model in ((minigrad, ours), (torch, theirs)):
        opt = L.optim.Adam(model.parameters(), lr=1e-2)
        idx = L.tensor(tokens[:, :-1])
        target = L.tensor(tokens[:, 1:])
        run = []
        for _ in range(5):
            opt.zero_grad()
            loss = L.nn.functional.cross_entropy(model(idx).reshape(-1, vocab), target.reshape(-1))
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)


# ----------------------------------------------------------------------------- nn.utils.rnn


def test_pad_sequence_matches_pytorch():
    torch = _torch()
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 2)) for n in (2, 4, 1)]
    for batch_first in (False, True):
        for side in ("right", "left"):
            ours = pad_sequence([_mg(s) for s in seqs], batch_first, -1.0, side)
            theirs = torch.nn.utils.rnn.pad_sequence([_th(torch, s) for s in seqs], batch_first, -1.0, side)
            np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_match_pytorch(batch_first, enforce_sorted):
    torch = _torch()
    lengths = [4, 3, 1] if enforce_sorted else [1, 4, 3]
    x = np.random.default_rng(0).normal(size=(3, 4, 2) if batch_first else (4, 3, 2))
    ours = pack_padded_sequence(_mg(x), lengths, batch_first, enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(_th(torch, x), lengths, batch_first, enforce_sorted)
    np.testing.assert_array_equal(ours.data.detach().numpy(), theirs.data.detach().numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for a, b in zip(ours[2:], theirs[2:]):  # sorted_indices, unsorted_indices
        assert (a is None and b is None) or a.tolist() == b.tolist()
    padded, lens = pad_packed_sequence(ours, batch_first, padding_value=9.0, total_length=6)
    tpadded, tlens = torch.nn.utils.rnn.pad_packed_sequence(
        theirs, batch_first, padding_value=9.0, total_length=6
    )
    np.testing.assert_array_equal(padded.detach().numpy(), tpadded.detach().numpy())
    assert lens.tolist() == tlens.tolist()


def test_pack_sequence_round_trip_and_gradient():
    seqs = [minigrad.randn(n, 2, requires_grad=True) for n in (2, 5, 3)]
    packed = pack_sequence(seqs, enforce_sorted=False)
    assert isinstance(packed, PackedSequence)
    back = unpack_sequence(packed)
    for s, b in zip(seqs, back):
        np.testing.assert_array_equal(s.detach().numpy(), b.detach().numpy())
    (packed.data * 2).sum().backward()
    for s in seqs:
        np.testing.assert_array_equal(s.grad.numpy(), np.full((s.shape[0], 2), 2.0, np.float32))


# ----------------------------------------------------------------------------- bad inputs

BAD = [
    (
        "input_size",
        lambda nn: nn.LSTM(3, 5),
        lambda L: (L.zeros(4, 2, 7),),
        RuntimeError,
        "input.size(-1) must be equal to input_size. Expected 3, got 7",
    ),
    (
        "input_4d",
        lambda nn: nn.LSTM(3, 5),
        lambda L: (L.zeros(4, 2, 3, 1),),
        ValueError,
        "LSTM: Expected input to be 2D or 3D, got 4D instead",
    ),
    (
        "rnn_input_4d",
        lambda nn: nn.RNN(3, 5),
        lambda L: (L.zeros(4, 2, 3, 1),),
        ValueError,
        "RNN: Expected input to be 2D or 3D, got 4D tensor instead",
    ),
    (
        "hidden_shape",
        lambda nn: nn.GRU(3, 4),
        lambda L: (L.zeros(2, 2, 3), L.zeros(1, 3, 4)),
        RuntimeError,
        "Expected hidden size (1, 2, 4), got [1, 3, 4]",
    ),
    (
        "lstm_h_shape",
        lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2),
        lambda L: (L.zeros(4, 2, 3), (L.zeros(1, 2, 2), L.zeros(4, 2, 5))),
        RuntimeError,
        "Expected hidden[0] size (4, 2, 2), got [1, 2, 2]",
    ),
    (
        "lstm_c_shape",
        lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2),
        lambda L: (L.zeros(4, 2, 3), (L.zeros(4, 2, 2), L.zeros(4, 3, 5))),
        RuntimeError,
        "Expected hidden[1] size (4, 2, 5), got [4, 3, 5]",
    ),
    (
        "unbatched_3d_hx",
        lambda nn: nn.GRU(3, 4),
        lambda L: (L.zeros(2, 3), L.zeros(1, 2, 4)),
        RuntimeError,
        "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor",
    ),
    (
        "batched_2d_hx",
        lambda nn: nn.GRU(3, 4),
        lambda L: (L.zeros(2, 2, 3), L.zeros(2, 4)),
        RuntimeError,
        "For batched 3-D input, hx should also be 3-D but got 2-D tensor",
    ),
    (
        "unbatched_lstm_hx",
        lambda nn: nn.LSTM(3, 5),
        lambda L: (L.zeros(4, 3), (L.zeros(1, 2, 5), L.zeros(1, 2, 5))),
        RuntimeError,
        "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors",
    ),
    (
        "dtype",
        lambda nn: nn.LSTM(3, 5),
        lambda L: (L.zeros(2, 2, 3, dtype=L.float64),),
        ValueError,
        "input dtype",
    ),
    (
        "cell_input_size",
        lambda nn: nn.LSTMCell(3, 4),
        lambda L: (L.zeros(2, 5),),
        RuntimeError,
        "input has inconsistent input_size: got 5 expected 3",
    ),
    (
        "cell_hidden_size",
        lambda nn: nn.LSTMCell(3, 4),
        lambda L: (L.zeros(2, 3), (L.zeros(2, 5), L.zeros(2, 4))),
        RuntimeError,
        "hidden0 has inconsistent hidden_size: got 5, expected 4",
    ),
    (
        "cell_3d",
        lambda nn: nn.GRUCell(3, 4),
        lambda L: (L.zeros(2, 3, 1),),
        ValueError,
        "GRUCell: Expected input to be 1D or 2D, got 3D instead",
    ),
    (
        "cell_batch",
        lambda nn: nn.GRUCell(3, 4),
        lambda L: (L.zeros(2, 3), L.zeros(3, 4)),
        RuntimeError,
        "Input batch size 2 doesn't match hidden0 batch size 3",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_pytorch_error_naming_the_layer(case):
    _, build, args, exc, first = case
    module = build(nn)
    with pytest.raises(exc) as info:
        module(*args(minigrad))
    assert first in str(info.value)
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(exc) as theirs:
        build(torch.nn)(*args(torch))
    assert first in str(theirs.value).replace("torch.float64", "float64")


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda nn: nn.RNN(3, 4, proj_size=2), "proj_size argument is only supported for LSTM"),
        (lambda nn: nn.LSTM(3, 4, proj_size=4), "proj_size has to be smaller than hidden_size"),
        (lambda nn: nn.LSTM(3, 4, proj_size=-1), "proj_size should be a positive integer or zero"),
        (lambda nn: nn.RNN(3, 4, nonlinearity="gelu"), "Unknown nonlinearity 'gelu'"),
        (lambda nn: nn.LSTM(3, 4, dropout=1.5), "dropout should be a number in range [0, 1]"),
    ],
)
def test_bad_constructor_arguments_raise_value_error(build, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build(nn)


def test_shape_errors_name_the_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"LSTM\(3, 5\) got input of shape \(4, 2, 7\)"):
        nn.LSTM(3, 5)(minigrad.zeros(4, 2, 7))
    with pytest.raises(RuntimeError, match=r"GRU\(3, 4\) got a hidden state of shape \(1, 3, 4\)"):
        nn.GRU(3, 4)(minigrad.zeros(2, 2, 3), minigrad.zeros(1, 3, 4))


@pytest.mark.parametrize(
    "call, exc, message",
    [
        (
            lambda: pack_padded_sequence(minigrad.zeros(3, 2, 1), [2, 3]),
            RuntimeError,
            "`lengths` array must be sorted in decreasing order",
        ),
        (
            lambda: pack_padded_sequence(minigrad.zeros(3, 2, 1), [0, 3], enforce_sorted=False),
            RuntimeError,
            "Length of all samples has to be greater than 0",
        ),
        (
            lambda: pad_packed_sequence(
                pack_padded_sequence(minigrad.zeros(3, 2, 1), [3, 2]), total_length=2
            ),
            ValueError,
            "Expected total_length to be at least the length of the longest sequence",
        ),
    ],
)
def test_bad_packing_raises_like_pytorch(call, exc, message):
    with pytest.raises(exc, match=message.replace("(", r"\(")):
        call()


@pytest.mark.parametrize("kind", list(KINDS))
def test_gradients_accumulate_over_two_backward_calls(kind):
    """Each parameter's gradient is its own array: the biases share one gate gradient in
    the kernel, and accumulating into one must not change the other."""
    module = KINDS[kind](nn).double()
    x = minigrad.tensor(np.random.default_rng(0).normal(size=(T, B, I)))
    module(x)[0].sum().backward()
    once = {n: p.grad.numpy().copy() for n, p in module.named_parameters()}
    module(x)[0].sum().backward()
    for n, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), 2 * once[n], rtol=1e-12, err_msg=n)


def test_packed_input_with_a_hidden_state_of_the_wrong_batch_names_the_shapes():
    packed = pack_padded_sequence(minigrad.zeros(4, 3, I), [2, 4, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 5\), got \[1, 2, 5\]"):
        nn.GRU(I, H)(packed, minigrad.zeros(1, 2, H))


# ----------------------------------------------------------------------------- kernels


def _lstm_step_reference(gates, hg, c):
    a = gates + hg
    i, f, g, o = np.split(a, 4, axis=1)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    cn = sig(f) * c + sig(i) * np.tanh(g)
    return np.concatenate([sig(i), sig(f), np.tanh(g), sig(o)], 1), cn, sig(o) * np.tanh(cn)


@pytest.mark.parametrize("rows", [0, 1, 7])
@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
def test_float32_gate_kernels_match_a_float64_reference(rows, scale):
    """The float32 kernels use their own vectorised exp/sigmoid/tanh: within float32 rounding."""
    from minigrad import _rnn_kernels as RK

    rng = np.random.default_rng(0)
    hidden = 9  # not a multiple of the vector width
    gates, hg = (rng.normal(size=(rows, 4 * hidden)) * scale for _ in range(2))
    c = rng.normal(size=(rows, hidden)) * scale
    ref_gates, ref_c, ref_h = _lstm_step_reference(gates, hg, c)
    g32, c32 = gates.astype(np.float32), c.astype(np.float32)
    c_prev, tanh_c, h = (np.empty((rows, hidden), np.float32) for _ in range(3))
    RK.lstm_forward(g32, hg.astype(np.float32), c32, c_prev, tanh_c, h)
    tol = dict(rtol=1e-5, atol=1e-6 * max(scale, 1))
    np.testing.assert_allclose(g32, ref_gates, **tol)
    np.testing.assert_allclose(c32, ref_c, **tol)
    np.testing.assert_allclose(h, ref_h, **tol)
    x = (rng.normal(size=(rows, hidden)) * scale).astype(np.float32)
    out = np.zeros_like(x)
    RK.rnn_forward(x, out, False)
    np.testing.assert_allclose(out, np.tanh(x.astype(np.float64)), rtol=1e-6, atol=1e-7)


def test_float32_tanh_kernel_at_the_edges():
    from minigrad import _rnn_kernels as RK

    x = np.array([[np.nan, np.inf, -np.inf, 0.0, 1e-30, 100.0, -100.0, 0.0624, 0.0626]], np.float32)
    out = np.zeros_like(x)
    RK.rnn_forward(x, out, False)
    np.testing.assert_allclose(out, np.tanh(x), rtol=1e-6, atol=0)


def test_kernels_refuse_mismatched_arrays():
    from minigrad import _rnn_kernels as RK

    a = np.zeros((2, 8), np.float32)
    with pytest.raises(ValueError, match="lstm_forward"):
        RK.lstm_forward(a, a, np.zeros((2, 3), np.float32), *(np.zeros((2, 2), np.float32) for _ in range(3)))
    with pytest.raises(TypeError, match="gru_forward"):
        RK.gru_forward(np.zeros((2, 6)), np.zeros((2, 6), np.float32), np.zeros((2, 2)), np.zeros((2, 2)))
