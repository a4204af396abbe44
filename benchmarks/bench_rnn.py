"""N5, P11: recurrent layers against PyTorch.

N5: nn.LSTM and nn.GRU, forward + backward: one layer, input 64, hidden 128, sequence 64,
batch 32 (time-major), float32; the input requires grad (as behind an embedding) and
backward gets a gradient of ones for the output. Both libraries start from the same weights.
minigrad runs each layer as one node (``minigrad/ops/rnn.py``: one GEMM for the input
projection of all steps, then per step a GEMM and one pass of the Cython gate kernel); the
third column ("composed") is the same layer written from minigrad ops step by step
(``ops.rnn._composed``, about fifteen nodes per step), which is what the fused node
replaces.

P11 (the performance issue's row): one training step of a character model, Embedding(65,
64) -> LSTM (or GRU)(64, 256, batch_first) -> Linear(256, 65), cross-entropy over all 64
positions of a batch of 32, Adam(lr=1e-3); both libraries from the same weights, batches
of random tokens taken in turn from a fixed pool (see ``_models.py`` on why a pool).

    python benchmarks/run.py --only N5,P11 [--quick] [--threads 2]

Goal (P11, and N5's fwd+bwd rows): minigrad <= 1.0x PyTorch.
"""

import sys
from functools import partial
from time import perf_counter

import numpy as np

from ._models import initial_weights, model_with, train_step
from ._timing import Row, at_most, compare, optional_torch, per_call, print_table, ratio

BATCH, STEPS, INPUT, HIDDEN = 32, 64, 64, 128


def _weights(kind):
    rng = np.random.default_rng(0)
    gates = (4 if kind == "LSTM" else 3) * HIDDEN
    bound = 1 / np.sqrt(HIDDEN)
    shapes = {
        "weight_ih_l0": (gates, INPUT),
        "weight_hh_l0": (gates, HIDDEN),
        "bias_ih_l0": (gates,),
        "bias_hh_l0": (gates,),
    }
    return {k: rng.uniform(-bound, bound, s).astype(np.float32) for k, s in shapes.items()}


def _layer(lib, kind, weights):
    layer = getattr(lib.nn, kind)(INPUT, HIDDEN)
    layer.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    return layer


def _timed(fwd, x, g, params):
    def step():
        for p in params:
            p.grad = None
        x.grad = None
        t0 = perf_counter()
        out = fwd(x)
        t1 = perf_counter()
        out.backward(gradient=g)
        t2 = perf_counter()
        return t1 - t0, t2 - t1, t2 - t0

    return step


def _inputs(lib, steps, batch):
    x = np.random.default_rng(1).standard_normal((steps, batch, INPUT)).astype(np.float32)
    return lib.tensor(x, requires_grad=True), lib.ones(steps, batch, HIDDEN)


def _step(lib, kind, weights, steps, batch):
    layer = _layer(lib, kind, weights)
    x, g = _inputs(lib, steps, batch)
    return _timed(lambda a: layer(a)[0], x, g, list(layer.parameters()))


def _composed_step(kind, weights, steps, batch):
    import minigrad
    from minigrad.ops.rnn import _composed

    layer = _layer(minigrad, kind, weights)
    x, g = _inputs(minigrad, steps, batch)
    w = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
    h0 = minigrad.zeros(batch, HIDDEN)
    c0 = h0 if kind == "LSTM" else None

    def fwd(a):
        out = _composed(kind, a.reshape(steps * batch, INPUT), h0, c0, *w, None, (batch,) * steps, False)[0]
        return out.reshape(steps, batch, HIDDEN)

    return _timed(fwd, x, g, w)


def run(quick=False):
    import minigrad

    torch = optional_torch()
    steps, batch = (16, 8) if quick else (STEPS, BATCH)
    rows = []
    for kind in ("LSTM", "GRU"):
        weights = _weights(kind)
        med = compare(
            {
                "minigrad": _step(minigrad, kind, weights, steps, batch),
                "torch": _step(torch, kind, weights, steps, batch) if torch else None,
                "composed": _composed_step(kind, weights, steps, batch),
            },
            repeats=2 if quick else 15,
        )
        what = f"nn.{kind}({INPUT}, {HIDDEN}) seq {steps} batch {batch} [numpy col: composed]"
        for i, part in enumerate(("fwd", "bwd", "fwd+bwd")):
            figs = [med[k][i] * 1e3 if k in med else None for k in ("minigrad", "torch", "composed")]
            row = Row("N5", f"{what} {part}", "ms", *figs)
            if part == "fwd+bwd":
                row.goal = "≤ 1.0× PyTorch"
                row.met = at_most(ratio(row.minigrad, row.torch), 1.0)
            rows.append(row)
    return rows


VOCAB, EMBED, CHAR_HIDDEN = 65, 64, 256
CALLS = 5  # steps per sample


def char_model(M, kind, emb=EMBED, hidden=CHAR_HIDDEN):
    """Embedding -> one recurrent layer -> Linear, logits for every position as (B*T, vocab)."""
    nn = M.nn

    class CharModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(VOCAB, emb)
            self.rnn = getattr(nn, kind)(emb, hidden, batch_first=True)
            self.head = nn.Linear(hidden, VOCAB)

        def forward(self, idx):
            out, _ = self.rnn(self.emb(idx))
            return self.head(out).reshape(-1, VOCAB)

    return CharModel()


def _token_batches(M, steps, batch, n):
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, (n, batch, steps))
    y = rng.integers(0, VOCAB, (n, batch * steps))
    return [(M.from_numpy(a), M.from_numpy(b)) for a, b in zip(x, y)]


def _char_step(M, build, weights, steps, batch, calls):
    model = model_with(M, build, weights)
    step = train_step(M, model, M.optim.Adam(model.parameters(), lr=1e-3))
    batches = iter(_token_batches(M, steps, batch, calls))
    return lambda: step(*next(batches))


def run_char(quick=False):
    import minigrad

    torch = optional_torch()
    steps, batch = (16, 8) if quick else (STEPS, BATCH)
    rows = []
    for kind in ("LSTM", "GRU"):
        build = partial(char_model, kind=kind)
        weights = initial_weights(build)
        med = compare(
            {
                lib: per_call(partial(_char_step, M, build, weights, steps, batch, CALLS), CALLS)
                for lib, M in (("minigrad", minigrad), ("torch", torch))
                if M is not None
            },
            repeats=2 if quick else 7,
        )
        figs = [med[k][0] * 1e3 if k in med else None for k in ("minigrad", "torch")]
        row = Row(
            "P11",
            f"char-{kind} train step (emb {EMBED}, hidden {CHAR_HIDDEN}, seq {steps}, batch {batch})",
            "ms",
            *figs,
            None,
        )
        row.goal = "≤ 1.0× PyTorch"
        row.met = at_most(ratio(row.minigrad, row.torch), 1.0)
        rows.append(row)
    return rows


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv) + run_char(quick="--quick" in sys.argv))
