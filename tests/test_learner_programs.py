"""Small programs written the way learner code is written (issue 12), run under both libraries.

Each program below is our own, in the idioms of the lecture and example code people go on to
after the tutorials: ``device = "cuda" if torch.cuda.is_available() else "cpu"``, a
``get_batch`` with random offsets, a bigram model sampled with ``multinomial`` and a
``Generator``, a makemore-style MLP trained by hand, a ``DataLoader`` over a
``TensorDataset``, a causal self-attention head masked with ``tril``, top-k sampling, and the
classic two-layer net with a hand-written backward. Each takes the library as its ``torch``
argument; where randomness does not enter (same initial weights, same batches), minigrad must
give PyTorch's numbers, and where it does, the results must be well-formed and reproducible.
"""

import numpy as np
import pytest

import minigrad

TEXT = "the quick brown fox jumps over the lazy dog. " * 8 + "pack my box with five dozen liquor jugs. " * 8
NAMES = [
    "emma",
    "olivia",
    "ava",
    "isabella",
    "sophia",
    "mia",
    "amelia",
    "harper",
    "evelyn",
    "abigail",
    "emily",
    "ella",
    "luna",
    "chloe",
    "aria",
    "nora",
    "zoe",
    "lily",
    "hannah",
    "layla",
]


def _torch():
    return pytest.importorskip("torch")


def _weights(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) * 0.2 for s in shapes]


# ----------------------------------------------------------------------------- programs


def bigram_program(torch, steps=30, offsets=None):
    """A bigram character model: nn.Embedding as the logit table, get_batch, AdamW, sampling."""
    import_nn = torch.nn
    F = torch.nn.functional
    device = "cuda" if torch.cuda.is_available() else "cpu"
    chars = sorted(set(TEXT))
    vocab_size = len(chars)
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731
    decode = lambda l: "".join(itos[i] for i in l)  # noqa: E731
    data = torch.tensor(encode(TEXT), dtype=torch.long)
    n = int(0.9 * len(data))
    train_data, val_data = data[:n], data[n:]
    block_size, batch_size = 8, 4

    def get_batch(split, step):
        d = train_data if split == "train" else val_data
        if offsets is None:
            ix = torch.randint(len(d) - block_size, (batch_size,))
        else:
            ix = torch.tensor(offsets[step % len(offsets)]) % (len(d) - block_size)
        x = torch.stack([d[i : i + block_size] for i in ix])
        y = torch.stack([d[i + 1 : i + block_size + 1] for i in ix])
        return x.to(device), y.to(device)

    class Bigram(import_nn.Module):
        def __init__(self):
            super().__init__()
            self.table = import_nn.Embedding(vocab_size, vocab_size)

        def forward(self, idx, targets=None):
            logits = self.table(idx)
            if targets is None:
                return logits, None
            B, T, C = logits.shape
            loss = F.cross_entropy(logits.view(B * T, C), targets.view(B * T))
            return logits, loss

        def generate(self, idx, max_new_tokens, generator=None):
            for _ in range(max_new_tokens):
                logits, _ = self(idx)
                probs = F.softmax(logits[:, -1, :], dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1, generator=generator)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    torch.manual_seed(1337)
    model = Bigram()
    with torch.no_grad():
        model.table.weight.copy_(torch.tensor(_weights(0, (vocab_size, vocab_size))[0], dtype=torch.float32))
    m = model.to(device)
    optimizer = torch.optim.AdamW(m.parameters(), lr=1e-2)

    @torch.no_grad()
    def estimate_loss():
        m.eval()
        out = {}
        for split in ("train", "val"):
            losses = torch.zeros(3)
            for k in range(3):
                X, Y = get_batch(split, k)
                _, loss = m(X, Y)
                losses[k] = loss.item()
            out[split] = losses.mean()
        m.train()
        return out

    losses = []
    for step in range(steps):
        xb, yb = get_batch("train", step)
        _, loss = m(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    est = estimate_loss()
    g = torch.Generator(device=device).manual_seed(42)
    context = torch.zeros((1, 1), dtype=torch.long, device=device)
    text = decode(m.generate(context, max_new_tokens=40, generator=g)[0].tolist())
    return losses, float(est["train"]), text


def makemore_program(torch, steps=40):
    """A makemore-style MLP over 3-character contexts, parameters as plain tensors, the
    update written by hand (p.data += -lr * p.grad), sampling names with a Generator."""
    F = torch.nn.functional
    chars = sorted(set("".join(NAMES)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    block = 3

    def build_dataset(words):
        X, Y = [], []
        for w in words:
            context = [0] * block
            for ch in w + ".":
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
        return torch.tensor(X), torch.tensor(Y)

    Xtr, Ytr = build_dataset(NAMES)
    V = len(stoi)
    c0, w10, b10, w20, b20 = _weights(1, (V, 4), (block * 4, 32), (32,), (32, V), (V,))
    C = torch.tensor(c0, dtype=torch.float32)
    W1, b1 = torch.tensor(w10, dtype=torch.float32), torch.tensor(b10, dtype=torch.float32)
    W2, b2 = torch.tensor(w20, dtype=torch.float32), torch.tensor(b20, dtype=torch.float32)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    n_params = sum(p.nelement() for p in parameters)
    losses = []
    for i in range(steps):
        ix = torch.arange(i * 8, i * 8 + 16) % Xtr.shape[0]  # deterministic minibatch
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, block * 4) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 30 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.log10().item())
    g = torch.Generator().manual_seed(2147483647)
    names = []
    for _ in range(5):
        out, context = [], [0] * block
        while True:
            emb = C[torch.tensor([context])]
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            probs = F.softmax(h @ W2 + b2, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            if ix == 0 or len(out) > 20:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return losses, n_params, names


def dataloader_program(torch, epochs=3):
    """Regression with a DataLoader over a TensorDataset and a model moved to the device."""
    nn = torch.nn
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    xs = np.linspace(-2, 2, 64, dtype=np.float32).reshape(-1, 1)
    X = torch.from_numpy(xs)
    y = torch.from_numpy((np.sin(2 * xs) + 0.1 * xs**2).astype(np.float32))
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=False)
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1)).to(device)
    w1, b1, w2, b2 = _weights(2, (16, 1), (16,), (1, 16), (1,))
    model.load_state_dict(
        {
            "0.weight": torch.tensor(w1, dtype=torch.float32),
            "0.bias": torch.tensor(b1, dtype=torch.float32),
            "2.weight": torch.tensor(w2, dtype=torch.float32),
            "2.bias": torch.tensor(b2, dtype=torch.float32),
        }
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.MSELoss()
    history = []
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            pred = model(xb)
            loss = loss_fn(pred, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * xb.size(0)
        history.append(total / len(loader.dataset))
    return history, len(loader)


def attention_head_program(torch):
    """One causal self-attention head masked with a tril buffer; loss and gradients."""
    nn, F = torch.nn, torch.nn.functional
    B, T, C, H = 2, 5, 8, 4

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.key = nn.Linear(C, H, bias=False)
            self.query = nn.Linear(C, H, bias=False)
            self.value = nn.Linear(C, H, bias=False)
            self.register_buffer("tril", torch.tril(torch.ones(T, T)))

        def forward(self, x):
            b, t, c = x.shape
            k, q = self.key(x), self.query(x)
            wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
            wei = wei.masked_fill(self.tril[:t, :t] == 0, float("-inf"))
            wei = F.softmax(wei, dim=-1)
            return wei @ self.value(x), wei

    head = Head()
    wk, wq, wv, x0 = _weights(3, (H, C), (H, C), (H, C), (B, T, C))
    with torch.no_grad():
        for lin, w in ((head.key, wk), (head.query, wq), (head.value, wv)):
            lin.weight.copy_(torch.tensor(w, dtype=torch.float32))
    x = torch.tensor(x0, dtype=torch.float32, requires_grad=True)
    out, wei = head(x)
    loss = (out**2).sum()
    loss.backward()
    return (
        loss.item(),
        wei.detach().numpy().copy(),
        x.grad.numpy().copy(),
        head.key.weight.grad.numpy().copy(),
    )


def top_k_sampling_program(torch, k=3):
    """Keep the k largest logits, renormalise, sample: the GPT generate() idiom."""
    F = torch.nn.functional
    logits = torch.tensor(_weights(4, (4, 10))[0], dtype=torch.float32) * 5
    v, _ = torch.topk(logits, min(k, logits.size(-1)))
    logits[logits < v[:, [-1]]] = -float("Inf")
    probs = F.softmax(logits, dim=-1)
    g = torch.Generator().manual_seed(0)
    idx = torch.multinomial(probs, num_samples=50, replacement=True, generator=g)
    return v.numpy().copy(), probs.numpy().copy(), idx.numpy().copy()


def two_layer_net_program(torch, steps=25):
    """The classic two-layer net on tensors with a hand-written backward (clamp, mm, t)."""
    dtype = torch.float
    device = torch.device("cpu")
    N, D_in, Hd, D_out = 16, 10, 20, 3
    x0, y0, a, b = _weights(5, (N, D_in), (N, D_out), (D_in, Hd), (Hd, D_out))
    x = torch.tensor(x0, device=device, dtype=dtype)
    y = torch.tensor(y0, device=device, dtype=dtype)
    w1 = torch.tensor(a, device=device, dtype=dtype)
    w2 = torch.tensor(b, device=device, dtype=dtype)
    learning_rate = 1e-2
    losses = []
    for _ in range(steps):
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum().item()
        losses.append(loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return losses


# ----------------------------------------------------------------------------- tests

OFFSETS = [[3, 17, 40, 99], [5, 8, 13, 21], [0, 60, 120, 200]]


def test_bigram_trains_and_generates():
    losses, est, text = bigram_program(minigrad)
    assert losses[-1] < losses[0]
    assert len(text) == 41 and set(text) <= set(TEXT)
    assert np.isfinite(est)
    # reproducible: torch.manual_seed + the Generator fix every draw
    assert bigram_program(minigrad) == (losses, est, text)


def test_bigram_matches_pytorch_on_the_same_batches():
    torch = _torch()
    ours, _, _ = bigram_program(minigrad, offsets=OFFSETS)
    theirs, _, _ = bigram_program(torch, offsets=OFFSETS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_makemore_matches_pytorch():
    torch = _torch()
    ours, n, names = makemore_program(minigrad)
    theirs, tn, _ = makemore_program(torch)
    assert n == tn
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours[-1] < ours[0]
    assert len(names) == 5 and all(set(w) <= set("".join(NAMES)) for w in names)


def test_dataloader_regression_matches_pytorch():
    torch = _torch()
    ours, nb = dataloader_program(minigrad)
    theirs, tnb = dataloader_program(torch)
    assert nb == tnb == 4
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_causal_attention_head_matches_pytorch():
    torch = _torch()
    ours, theirs = attention_head_program(minigrad), attention_head_program(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert np.all(np.triu(ours[1][0], 1) == 0)  # nothing attends to the future


def test_top_k_sampling_keeps_to_the_top_k():
    torch = _torch()
    v, probs, idx = top_k_sampling_program(minigrad)
    tv, tprobs, _ = top_k_sampling_program(torch)
    np.testing.assert_allclose(v, tv, rtol=1e-6)
    np.testing.assert_allclose(probs, tprobs, rtol=1e-5, atol=1e-7)
    for row, choices in zip(probs, idx):
        assert set(choices.tolist()) <= set(np.flatnonzero(row > 0).tolist())
        assert (row > 0).sum() == 3


def test_two_layer_net_matches_pytorch():
    torch = _torch()
    ours, theirs = two_layer_net_program(minigrad), two_layer_net_program(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours[-1] < ours[0]
