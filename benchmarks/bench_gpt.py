"""P10, P10s: one training step of a character-level GPT against PyTorch.

The model is nanoGPT's, written once for both libraries (``M`` is ``minigrad`` or
``torch``): token and position embeddings, ``layers`` pre-norm blocks (LayerNorm, causal
self-attention through ``F.scaled_dot_product_attention`` with one Linear for q, k, v and
one for the output projection, LayerNorm, Linear -> GELU -> Linear, residual adds), a final
LayerNorm and a head whose weight is the token embedding's (weight tying); no dropout, no
biases dropped. One step: ``zero_grad``, forward, cross-entropy over every position,
backward, ``AdamW(lr=1e-3, weight_decay=0.1)``, on batches of random tokens taken in turn
from a fixed pool; both libraries start from the same weights (``_models.py``).

P10:  vocab 65, 4 layers, 4 heads, n_embd 128, block 64, batch 16 (GEMM- and kernel-bound)
P10s: vocab 65, 2 layers, 4 heads, n_embd 32, block 16, batch 8 (overhead-bound: ~60 nodes)

The numpy column is the step's GEMM floor: the same matrix products in bare numpy (per
linear layer one forward and two backward GEMMs, per attention six batched GEMMs, the tied
head's three), without anything else; "mg/np" - 1 is then what all the rest costs.

    python benchmarks/run.py --only P10,P10s [--quick] [--threads 2]

Goals: P10 ≤ 0.8× PyTorch, P10s ≤ 0.4×.
"""

import sys
from functools import partial

import numpy as np

from ._models import initial_weights, model_with, train_step
from ._timing import Row, at_most, compare, optional_torch, per_call, print_table, ratio

VOCAB = 65
SIZES = {  # id: (layers, heads, n_embd, block, batch, steps per sample, goal)
    "P10": (4, 4, 128, 64, 16, 3, 0.8),
    "P10s": (2, 4, 32, 16, 8, 20, 0.4),
}
QUICK = {"P10": (1, 2, 32, 16, 4, 2, 0.8), "P10s": (1, 2, 16, 8, 2, 2, 0.4)}


def gpt(M, layers, heads, n_embd, block):
    """nanoGPT's model for ``M``: ``model(idx)`` gives (B*T, VOCAB) logits."""
    nn, F = M.nn, M.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.c_fc = nn.Linear(n_embd, 4 * n_embd)
            self.gelu = nn.GELU()
            self.mlp_proj = nn.Linear(4 * n_embd, n_embd)

        def attn(self, x):
            b, t, c = x.shape
            q, k, v = self.c_attn(x).split(n_embd, dim=2)
            q, k, v = (a.view(b, t, heads, c // heads).transpose(1, 2) for a in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp_proj(self.gelu(self.c_fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(VOCAB, n_embd)
            self.wpe = nn.Embedding(block, n_embd)
            self.h = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, VOCAB, bias=False)
            self.lm_head.weight = self.wte.weight  # tied: one parameter, two uses

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(M.arange(idx.shape[1]))
            for blk in self.h:
                x = blk(x)
            return self.lm_head(self.ln_f(x)).view(-1, VOCAB)

    return GPT()


def _token_batches(M, block, batch, n):
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, (n, batch, block))
    y = rng.integers(0, VOCAB, (n, batch * block))
    return [(M.from_numpy(a), M.from_numpy(b)) for a, b in zip(x, y)]


def _lib_step(M, build, weights, block, batch, calls):
    model = model_with(M, build, weights)
    step = train_step(M, model, M.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1))
    batches = iter(_token_batches(M, block, batch, calls))
    return lambda: step(*next(batches))


def _gemm_floor(layers, heads, n_embd, block, batch, calls):
    """The step's matrix products in bare numpy (see the module docstring)."""
    rng = np.random.default_rng(0)
    rows, d = batch * block, n_embd // heads
    linears = [(n_embd, 3 * n_embd), (n_embd, n_embd), (n_embd, 4 * n_embd), (4 * n_embd, n_embd)]
    linears = linears * layers + [(n_embd, VOCAB)]
    mats = [
        tuple(rng.standard_normal(s, np.float32) for s in ((rows, i), (i, o), (rows, o))) for i, o in linears
    ]
    q = rng.standard_normal((batch * heads, block, d), np.float32)

    def step():
        for x, w, g in mats:
            x @ w, g @ w.T, x.T @ g
        for _ in range(layers):
            p = q @ q.transpose(0, 2, 1)
            p @ q, p @ q, p.transpose(0, 2, 1) @ q, p @ q, p.transpose(0, 2, 1) @ q

    return per_call(lambda: step, calls)


def _run(rid, quick):
    import minigrad

    torch = optional_torch()
    layers, heads, n_embd, block, batch, calls, goal = (QUICK if quick else SIZES)[rid]
    build = partial(gpt, layers=layers, heads=heads, n_embd=n_embd, block=block)
    weights = initial_weights(build)
    med = compare(
        {
            lib: per_call(partial(_lib_step, M, build, weights, block, batch, calls), calls)
            for lib, M in (("minigrad", minigrad), ("torch", torch))
            if M is not None
        }
        | {"numpy": _gemm_floor(layers, heads, n_embd, block, batch, calls)},
        repeats=2 if quick else 9,
    )
    figs = [med[k][0] * 1e3 if k in med else None for k in ("minigrad", "torch", "numpy")]
    what = f"char GPT step ({layers} layers, {heads} heads, n_embd {n_embd}, block {block}, batch {batch})"
    row = Row(rid, what + " [numpy col: its GEMMs]", "ms", *figs, goal=f"≤ {goal}× PyTorch")
    row.met = at_most(ratio(row.minigrad, row.torch), goal)
    return [row]


def run(quick=False):
    return _run("P10", quick)


def run_small(quick=False):
    return _run("P10s", quick)


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv) + run_small(quick="--quick" in sys.argv))
