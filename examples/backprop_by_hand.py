"""Backpropagation by hand: every gradient of a two-layer MLP with BatchNorm, checked against autograd.

    python examples/backprop_by_hand.py                # float32, as a learner's first try
    python examples/backprop_by_hand.py --dtype float64

The model is x -> Linear(64, 64) -> BatchNorm (batch statistics) -> tanh -> Linear(64, 10) ->
cross-entropy, on a batch of scikit-learn's 8x8 digits. Its forward is written out one small
op per line, so that each intermediate has a name; then the backward is written out by hand,
one line per intermediate, in the reverse order, each line the chain rule for one op:

    forward                                  backward (d<name> = dloss/d<name>)
    loss = cross_entropy(logits, y)          dlogits = (softmax(logits) - onehot(y)) / n
    logits = h @ W2 + b2                     dh = dlogits @ W2.T, dW2 = h.T @ dlogits, db2 = sum
    h = tanh(hpreact)                        dhpreact = (1 - h**2) * dh
    ...                                      ...

The table "tensor | exact | approximate | max diff" compares each hand gradient with the
``.grad`` autograd left (``retain_grad()`` keeps it on intermediates): exact means bitwise
equal, approximate means ``allclose``. The same check follows for the BatchNorm backward
collapsed into one formula, against ``nn.BatchNorm1d``. Then ``autograd.explain`` runs the
engine on the same loss and prints each of its steps: the same chain, one op at a time.
Last, --epochs of SGD that use only the hand gradients (no ``backward()``), with the loss
curve in backprop_by_hand_loss.png and hand vs autograd gradients in backprop_by_hand_check.png.
"""

import time

import numpy as np
from _common import batches, log_epoch, make_parser, out_path
from minigrad.nn import functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import minigrad as torch
from minigrad import nn, viz

EPS = 1e-5  # BatchNorm's epsilon, as nn.BatchNorm1d


def load_data(dtype):
    """(train, test) as (standardized N x 64 images, labels); 20% stratified test split."""
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.2, stratify=digits.target, random_state=0
    )
    mean, std = x_train.mean(0), x_train.std(0) + 1e-2  # some border pixels are always 0
    return [
        (torch.tensor((a - mean) / std, dtype=dtype), torch.tensor(b))
        for a, b in [(x_train, y_train), (x_test, y_test)]
    ]


def init_params(hidden, dtype):
    """W1, b1, bngain, bnbias, W2, b2 (small last layer: the first loss is near log(10))."""
    g = lambda *shape: torch.randn(*shape, dtype=dtype)  # noqa: E731
    params = [
        g(64, hidden) / 64**0.5,  # W1: Kaiming-like scale for tanh
        g(hidden) * 0.1,  # b1: useless before BatchNorm (its gradient is ~0), kept to check it
        1.0 + 0.1 * g(hidden),  # bngain, not exactly 1 so that mistakes show
        0.1 * g(hidden),  # bnbias
        g(hidden, 10) * 0.1 / hidden**0.5,  # W2
        g(10) * 0.1,  # b2
    ]
    for p in params:
        p.requires_grad_(True)
    return params


def forward(params, x, y):
    """The forward pass, one op per line; returns (loss, the intermediates by name)."""
    W1, b1, bngain, bnbias, W2, b2 = params
    n = x.shape[0]
    hprebn = x @ W1 + b1  # (n, hidden): the hidden layer before BatchNorm
    bnmeani = hprebn.sum(0, keepdim=True) / n  # (1, hidden): the batch mean
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = bndiff2.sum(0, keepdim=True) / n  # biased variance: what BatchNorm1d normalises with
    bnvar_inv = (bnvar + EPS) ** -0.5
    bnraw = bndiff * bnvar_inv  # zero mean, unit variance per feature
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    names = dict(
        hprebn=hprebn, bnmeani=bnmeani, bndiff=bndiff, bndiff2=bndiff2, bnvar=bnvar,
        bnvar_inv=bnvar_inv, bnraw=bnraw, hpreact=hpreact, h=h, logits=logits,
    )  # fmt: skip
    return loss, names


def backward_by_hand(params, x, y, t):
    """Every gradient, from the loss down to the weights; ``t`` are forward's intermediates.

    Each line is the chain rule through one forward line: d(input) = d(output) * (local
    derivative), summed over the dims the forward broadcast, and added up (+=) where an
    intermediate feeds two later lines (bndiff feeds bndiff2 and bnraw).
    """
    W1, b1, bngain, bnbias, W2, b2 = params
    n = x.shape[0]
    with torch.no_grad():
        # loss = mean_i(-log softmax(logits_i)[y_i]): d/dlogits_i = (softmax_i - onehot_i) / n
        dlogits = (F.softmax(t["logits"], 1) - F.one_hot(y, 10).to(x.dtype)) / n
        # logits = h @ W2 + b2
        dh = dlogits @ W2.T
        dW2 = t["h"].T @ dlogits
        db2 = dlogits.sum(0)  # b2 was broadcast over the batch: sum over it
        # h = tanh(hpreact): tanh' = 1 - tanh**2, and tanh is h
        dhpreact = (1.0 - t["h"] ** 2) * dh
        # hpreact = bngain * bnraw + bnbias  (bngain, bnbias broadcast over the batch)
        dbngain = (t["bnraw"] * dhpreact).sum(0)
        dbnbias = dhpreact.sum(0)
        dbnraw = bngain * dhpreact
        # bnraw = bndiff * bnvar_inv  (bnvar_inv broadcast over the batch)
        dbnvar_inv = (t["bndiff"] * dbnraw).sum(0, keepdim=True)
        dbndiff = t["bnvar_inv"] * dbnraw  # the first of bndiff's two uses
        # bnvar_inv = (bnvar + eps) ** -0.5
        dbnvar = -0.5 * (t["bnvar"] + EPS) ** -1.5 * dbnvar_inv
        # bnvar = bndiff2.sum(0, keepdim=True) / n: each row gets the same share
        dbndiff2 = torch.ones_like(t["bndiff2"]) / n * dbnvar
        # bndiff2 = bndiff ** 2: bndiff's second use, added to the first
        dbndiff = dbndiff + 2 * t["bndiff"] * dbndiff2
        # bndiff = hprebn - bnmeani  (bnmeani broadcast over the batch)
        dbnmeani = -dbndiff.sum(0, keepdim=True)
        dhprebn = dbndiff.clone()
        # bnmeani = hprebn.sum(0, keepdim=True) / n: hprebn's second use
        dhprebn = dhprebn + torch.ones_like(t["hprebn"]) / n * dbnmeani
        # hprebn = x @ W1 + b1
        dW1 = x.T @ dhprebn
        db1 = dhprebn.sum(0)
    grads = dict(
        logits=dlogits, h=dh, W2=dW2, b2=db2, hpreact=dhpreact, bngain=dbngain, bnbias=dbnbias,
        bnraw=dbnraw, bnvar_inv=dbnvar_inv, bnvar=dbnvar, bndiff2=dbndiff2, bndiff=dbndiff,
        bnmeani=dbnmeani, hprebn=dhprebn, W1=dW1, b1=db1,
    )  # fmt: skip
    return grads


def batchnorm_backward(dout, bnraw, gain, var_inv):
    """The BatchNorm backward of the lines above in one formula (the gradient of the input).

    With xhat = bnraw and dxhat = gain * dout, the three paths from an input row to the loss
    (directly, through the mean, through the variance) sum to
        dx = var_inv / n * (n * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)).
    """
    n = dout.shape[0]
    dxhat = gain * dout
    return var_inv / n * (n * dxhat - dxhat.sum(0) - bnraw * (dxhat * bnraw).sum(0))


def compare(name, hand, auto):
    """One row of the table; returns the max |hand - autograd|."""
    exact = bool((hand == auto).all())
    approx = bool(torch.allclose(hand, auto, rtol=1e-4, atol=1e-6))
    diff = (hand - auto).abs().max().item()
    print(f"{name:<10} | {str(exact):<5} | {str(approx):<11} | {diff:.3e}")
    return diff


def table(rows):
    """Print "tensor | exact | approximate | max diff" for (name, hand, autograd) rows."""
    print(f"{'tensor':<10} | exact | approximate | max diff")
    print(f"{'-' * 10}-+-------+-------------+----------")
    return {name: compare(name, hand, auto) for name, hand, auto in rows}


def check_modules(x, y, params):
    """The same network from nn modules; the one-formula BatchNorm backward against theirs."""
    W1, b1, bngain, bnbias, W2, b2 = params
    hidden = W1.shape[1]
    lin1, bn, lin2 = nn.Linear(64, hidden), nn.BatchNorm1d(hidden), nn.Linear(hidden, 10)
    for m in (lin1, bn, lin2):
        m.to(x.dtype)
    with torch.no_grad():  # the same weights (nn.Linear stores W transposed: out x in)
        for dst, src in [(lin1.weight, W1.T), (lin1.bias, b1), (bn.weight, bngain), (bn.bias, bnbias)]:
            dst.copy_(src)
        lin2.weight.copy_(W2.T)
        lin2.bias.copy_(b2)
    hprebn = lin1(x)
    hprebn.retain_grad()
    hpreact = bn(hprebn)
    hpreact.retain_grad()
    loss = F.cross_entropy(lin2(torch.tanh(hpreact)), y)
    loss.backward()
    with torch.no_grad():
        bnraw = (hprebn - hprebn.mean(0)) / (hprebn.var(0, unbiased=False) + EPS) ** 0.5
        var_inv = (hprebn.var(0, unbiased=False) + EPS) ** -0.5
        dhprebn = batchnorm_backward(hpreact.grad, bnraw, bn.weight, var_inv)
        dgain = (bnraw * hpreact.grad).sum(0)
    return loss, table(
        [
            ("hprebn", dhprebn, hprebn.grad),
            ("bn.weight", dgain, bn.weight.grad),
            ("bn.bias", hpreact.grad.sum(0), bn.bias.grad),
        ]
    )


@torch.no_grad()
def accuracy(params, x, y, stats):
    """Test accuracy with BatchNorm normalising by the training set's statistics."""
    W1, b1, bngain, bnbias, W2, b2 = params
    mean, var = stats
    h = torch.tanh(bngain * (x @ W1 + b1 - mean) * (var + EPS) ** -0.5 + bnbias)
    return ((h @ W2 + b2).argmax(1) == y).float().mean().item()


def draw_check(rows, path):
    """Per tensor, the largest |hand - autograd| relative to the gradient's size (log scale);
    bitwise-equal gradients have no bar and say so."""
    names, rel = [], []
    for name, hand, auto in rows:
        scale = auto.abs().max().item() or 1.0
        names.append(name + (" (truly 0: noise)" if name == "b1" else ""))
        rel.append((hand - auto).abs().max().item() / scale)
    eps = np.finfo(np.float32 if rows[0][1].dtype == torch.float32 else np.float64).eps
    with viz.figure(
        path,
        title="hand vs autograd: max |difference| / max |gradient|",
        xlabel="relative difference (log scale)",
        figsize=(6.4, 5.2),
    ) as ax:
        ys = np.arange(len(names))[::-1]
        nonzero = [r for r in rel if r > 0]
        floor = min(nonzero + [eps]) / 10
        ax.barh(ys, [r if r > 0 else np.nan for r in rel], left=floor, color="tab:blue")
        for y, r in zip(ys, rel):
            if r == 0:
                ax.text(eps * 2, y, "bitwise equal", va="center", fontsize=8, color="tab:green")
        ax.axvline(eps, color="tab:red", ls="--", lw=1, label=f"machine epsilon ({eps:.1e})")
        ax.set_xscale("log")
        ax.set_xlim(floor, max(rel + [eps]) * 10)
        ax.set_yticks(ys, names)
        ax.legend(loc="upper right")


def main(argv=None):
    p = make_parser(__doc__, epochs=10, batch_size=32, lr=0.5)
    p.add_argument("--hidden", type=int, default=64, help="hidden units (default: %(default)s)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--no-explain", action="store_true", help="skip the autograd.explain listing")
    args = p.parse_args(argv)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(dtype)
    params = init_params(args.hidden, dtype)
    x, y = x_train[: args.batch_size], y_train[: args.batch_size]

    loss, t = forward(params, x, y)
    for v in t.values():
        v.retain_grad()  # keep .grad on the intermediates too, to compare each
    print(f"one batch of {len(x)} digits, {args.dtype}: loss {loss.item():.4f} (log(10) = {np.log(10):.4f})")
    leaves = dict(zip(["W1", "b1", "bngain", "bnbias", "W2", "b2"], params))
    explain = getattr(torch.autograd, "explain", None)  # minigrad's own; PyTorch has none
    if explain is not None:
        record = explain(loss, names={**leaves, **t, "loss": loss})  # runs backward, as loss.backward()
    else:
        loss.backward()
    grads = backward_by_hand(params, x, y, t)

    print("\nthe hand gradients against autograd's .grad:")
    rows = [(k, g, {**t, **leaves}[k].grad) for k, g in grads.items()]
    diffs = table(rows)
    print("(b1's true gradient is 0: BatchNorm subtracts the batch mean, so a bias before it cancels;")
    print(" both b1 gradients above are rounding noise, orders of magnitude below the others)")
    print("\nBatchNorm's backward in one formula, against nn.BatchNorm1d's:")
    module_loss, bn_diffs = check_modules(x, y, [q.detach() for q in params])
    print(f"(nn modules' loss {module_loss.item():.4f}, the hand-written forward's {loss.item():.4f})")

    if explain is not None and not args.no_explain:
        print("\nautograd.explain: the engine's own backward of the same loss, step by step")
        print(record)
    path = out_path(args, "backprop_by_hand_check.png")
    draw_check(rows, path)

    print(f"\ntraining with the hand gradients only (SGD, lr {args.lr}, no backward()):")
    for q in params:
        q.requires_grad_(False)
    losses, start = [], time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for idx in batches(len(x_train), args.batch_size):
            xb, yb = x_train[idx], y_train[idx]
            loss, t = forward(params, xb, yb)
            grads = backward_by_hand(params, xb, yb, t)
            with torch.no_grad():
                for q, k in zip(params, leaves):
                    q -= args.lr * grads[k]
            total += loss.item() * len(idx)
        losses.append(total / len(x_train))
        log_epoch(epoch, args.epochs, loss=losses[-1])
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        hprebn = x_train @ params[0] + params[1]
        stats = hprebn.mean(0), hprebn.var(0, unbiased=False)
    acc = accuracy(params, x_test, y_test, stats)
    worst = max([*diffs.values(), *bn_diffs.values()])
    exact = sum(bool((g == a).all()) for _, g, a in rows)
    print(
        f"done: {exact}/{len(rows)} hand gradients bitwise equal to autograd's, the largest difference "
        f"{worst:.2e} (with the BatchNorm formula's); trained {args.epochs} epochs on hand gradients in "
        f"{elapsed:.1f} s: final train loss {losses[-1]:.4f}, test accuracy {100 * acc:.2f}%"
    )
    loss_path = out_path(args, "backprop_by_hand_loss.png")
    viz.plot_losses(
        {"train (hand gradients)": losses},
        loss_path,
        title="SGD on hand-written gradients",
        xlabel="epoch",
        ylabel="cross-entropy",
    )
    print(f"wrote {path} and {loss_path}")
    return worst


if __name__ == "__main__":
    main()
