"""Make more names, three ways: a bigram count table, the same model learned, an MLP.

    python examples/names.py                 # all three parts, about a minute
    python examples/names.py --steps 200 --gd-steps 20     # a smoke test

The names are the ones every Python installation has: the public function and method names
of the standard library (examples/_text.py: ``def name(``, lower-cased, only a-z, sorted and
deduplicated; 2310 on Python 3.11), shuffled once with a seeded generator, 90% for training
and 10% for validation. "." marks both the start and the end of a name, so a name is a
sequence of 27 possible characters. Every model is scored by the negative log-likelihood
(NLL) per character of the validation names, in nats: uniform guessing scores ln 27 = 3.30.

(a) bigram counts: N[i, j] counts character j following i in the training names; add one
    to every count (smoothing: no bigram gets probability 0) and normalise each row to get
    P(next | current); sample names with ``torch.multinomial`` and a seeded Generator.
(b) the same model by gradient descent: logits = one_hot(current) @ W, cross-entropy, full
    batch; exp(W) row-normalised is a learned table, and its NLL approaches (a)'s.
(c) an MLP over the last --block-size characters: an embedding per character, then
    [Linear, BatchNorm1d, tanh] x --layers, then a Linear to 27 logits, trained with SGD on
    minibatches (learning rate divided by 10 for the last quarter).

Writes names_bigram.png (the 27 x 27 count table, each cell annotated with its bigram and
count) and names_tanh.png (per tanh layer: the histogram of its outputs and of the gradients
arriving at them, at the first step and at the last: saturated units pile up at -1 and 1).
"""

import argparse
import time

import minigrad.nn.functional as F
from _common import make_parser, out_path, progress, say
from _text import stdlib_names

import minigrad as torch
from minigrad import nn, viz

CHARS = "." + "abcdefghijklmnopqrstuvwxyz"
STOI = {c: i for i, c in enumerate(CHARS)}


def bigrams(words):
    """(current, next) character index tensors over every bigram of the names."""
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for a, b in zip(chs, chs[1:]):
            xs.append(STOI[a])
            ys.append(STOI[b])
    return torch.tensor(xs), torch.tensor(ys)


def contexts(words, block_size):
    """(the last ``block_size`` characters, the next one) for every position of the names."""
    xs, ys = [], []
    for w in words:
        context = [0] * block_size  # padded with "." before the start
        for c in w + ".":
            xs.append(context)
            ys.append(STOI[c])
            context = context[1:] + [STOI[c]]
    return torch.tensor(xs), torch.tensor(ys)


def sample_names(next_probs, count, block_size, generator):
    """``count`` names drawn a character at a time; ``next_probs(context)`` gives (27,)."""
    names = []
    for _ in range(count):
        context, out = [0] * block_size, []
        while True:
            ix = torch.multinomial(next_probs(context), num_samples=1, generator=generator).item()
            if ix == 0 or len(out) == 30:
                break
            out.append(CHARS[ix])
            context = context[1:] + [ix]
        names.append("".join(out))
    return names


def part_a(train, val, args):
    N = torch.zeros((27, 27), dtype=torch.int32)
    for w in train:  # the count table, one bigram at a time
        chs = ["."] + list(w) + ["."]
        for a, b in zip(chs, chs[1:]):
            N[STOI[a], STOI[b]] += 1
    P = (N + 1).float()  # add-one smoothing
    P /= P.sum(1, keepdim=True)  # rows sum to 1: P[i] = P(next | i)
    g = torch.Generator().manual_seed(args.seed)
    names = sample_names(lambda context: P[context[-1]], 8, 1, g)
    nll = {}
    for split, words in (("train", train), ("val", val)):
        xs, ys = bigrams(words)
        nll[split] = -P[xs, ys].log().mean().item()
    print(f"(a) bigram counts: NLL train {nll['train']:.4f}  val {nll['val']:.4f}")
    print(f"    samples: {' '.join(names)}")
    return N, nll


def part_b(train, val, args):
    xs, ys = bigrams(train)
    xv, yv = bigrams(val)
    g = torch.Generator().manual_seed(args.seed)
    W = torch.randn((27, 27), generator=g, requires_grad=True)
    xenc = F.one_hot(xs, num_classes=27).float()  # row i of W holds the logits after char i
    for k in range(args.gd_steps):
        loss = F.cross_entropy(xenc @ W, ys)
        (loss + 0.01 * (W**2).mean()).backward()  # a little like the counts' smoothing
        with torch.no_grad():
            W -= args.gd_lr * W.grad
        W.grad = None
        if k % (args.gd_steps // 5 or 1) == 0 or k == args.gd_steps - 1:
            width = len(str(args.gd_steps))
            print(f"(b) gradient descent {k + 1:{width}d}/{args.gd_steps}  NLL train {loss.item():.4f}")
    with torch.no_grad():
        nll = {"train": F.cross_entropy(xenc @ W, ys).item(), "val": F.cross_entropy(W[xv], yv).item()}
        P = F.softmax(W, dim=1)
    names = sample_names(lambda context: P[context[-1]], 8, 1, g)
    print(f"(b) learned bigram: NLL train {nll['train']:.4f}  val {nll['val']:.4f}")
    print(f"    samples: {' '.join(names)}")
    return nll


def make_mlp(args):
    layers = [nn.Embedding(27, args.emb), nn.Flatten()]
    width = args.emb * args.block_size
    for _ in range(args.layers):
        # no bias before a BatchNorm: its shift (beta) does that job
        layers += [nn.Linear(width, args.hidden, bias=False), nn.BatchNorm1d(args.hidden), nn.Tanh()]
        width = args.hidden
    layers.append(nn.Linear(width, 27))
    model = nn.Sequential(*layers)
    with torch.no_grad():
        model[-1].weight *= 0.1  # a confident-but-wrong start costs a loss spike: start near uniform
    return model


def tap_tanh(model):
    """Keep the output of every tanh of the next forward pass, and its gradient after backward."""
    kept = []

    def keep(module, inputs, output):
        output.retain_grad()
        kept.append(output)

    handles = [m.register_forward_hook(keep) for m in model if isinstance(m, nn.Tanh)]
    return kept, handles


def part_c(train, val, args):
    xs, ys = contexts(train, args.block_size)
    xv, yv = contexts(val, args.block_size)
    model = make_mlp(args)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    print(
        f"(c) MLP: context {args.block_size}, embedding {args.emb}, {args.layers} x "
        f"[Linear {args.hidden}, BatchNorm1d, tanh]: {sum(q.numel() for q in model.parameters())} "
        f"parameters, {len(xs)} train / {len(xv)} val examples"
    )
    snapshots, start = {}, time.perf_counter()
    for step in progress(args.steps):
        if step == 3 * args.steps // 4:
            for group in optimizer.param_groups:
                group["lr"] = args.lr / 10
        idx = torch.randint(len(xs), (args.batch_size,))
        tap = step in (0, args.steps - 1)
        if tap:
            kept, handles = tap_tanh(model)
        loss = F.cross_entropy(model(xs[idx]), ys[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if tap:
            snapshots[step + 1] = [(t.detach(), t.grad) for t in kept]
            for h in handles:
                h.remove()
        if (step + 1) % (args.steps // 5 or 1) == 0 or step + 1 == args.steps:
            nll = evaluate(model, (xs, ys), (xv, yv))
            say(
                f"(c) step {step + 1:{len(str(args.steps))}d}/{args.steps}  batch loss {loss.item():.4f}  "
                f"NLL train {nll['train']:.4f}  val {nll['val']:.4f}  {time.perf_counter() - start:5.1f} s"
            )
    model.eval()  # BatchNorm1d: running statistics, so a single context can be fed
    g = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        names = sample_names(lambda c: F.softmax(model(torch.tensor([c])), dim=1)[0], 12, args.block_size, g)
    elapsed = time.perf_counter() - start
    print(f"(c) MLP: NLL train {nll['train']:.4f}  val {nll['val']:.4f}, trained in {elapsed:.1f} s")
    print(f"    samples: {' '.join(names)}")
    return nll, snapshots


@torch.no_grad()
def evaluate(model, *splits):
    model.eval()
    out = {name: F.cross_entropy(model(x), y).item() for name, (x, y) in zip(("train", "val"), splits)}
    model.train()
    return out


def plot_bigrams(N, path, labels):
    with viz.figure(path, title="bigram counts in the training names", figsize=(13, 13)) as ax:
        ax.imshow(N.numpy(), cmap="Blues")
        if labels:
            label_cells(ax, N.tolist(), N.max().item())
        ax.set_xticks(range(27), list(CHARS))
        ax.set_yticks(range(27), list(CHARS))
        ax.set_xlabel("next character")
        ax.set_ylabel("current character")


def label_cells(ax, counts, high):
    """Write the bigram and its count in each cell, as in the well-known course picture."""
    for i in range(27):
        for j in range(27):
            color = "white" if counts[i][j] > high / 2 else "gray"
            text = ax.text(j, i, f"{CHARS[i]}{CHARS[j]}\n{counts[i][j]}", ha="center", va="center")
            text.set(color=color, fontsize=7, linespacing=1.1, in_layout=False)  # layout skips 729 labels


def histogram(values, low, high, bins=60):
    """(bin centres, counts) of ``values`` over [low, high], as numpy arrays for plotting."""
    counts = torch.histc(values, bins=bins, min=low, max=high)
    centres = torch.linspace(low, high, bins + 1)[:-1] + (high - low) / (2 * bins)
    return centres.numpy(), counts.numpy()


def plot_tanh(snapshots, path):
    steps = sorted(snapshots)
    with viz.figure(path, figsize=(11, 7.5)) as ax:
        fig = ax.figure
        fig.delaxes(ax)
        axes = fig.subplots(2, len(steps), squeeze=False)
        for col, step in enumerate(steps):
            reach = max(grad.abs().max().item() for _, grad in snapshots[step])  # one range per column
            for k, (out, grad) in enumerate(snapshots[step]):
                out, grad = out.reshape(-1), grad.reshape(-1)
                saturated = (out.abs() > 0.97).float().mean().item()
                label = f"tanh {k + 1}: {100 * saturated:.1f}% |t| > 0.97"
                axes[0, col].plot(*histogram(out, -1.0, 1.0), label=label)
                label = f"tanh {k + 1}: std {grad.std().item():.2e}"
                axes[1, col].plot(*histogram(grad, -reach, reach), label=label)
            axes[0, col].set_title(f"tanh outputs at step {step}")
            axes[1, col].set_title(f"gradients at the tanh outputs, step {step}")
            for row in (0, 1):
                axes[row, col].legend(fontsize=8)
                axes[row, col].grid(alpha=0.3)


def main(argv=None):
    p = make_parser(__doc__, steps=6000, batch_size=64, lr=0.1)
    p.add_argument("--block-size", type=int, default=3, help="(c): context characters (default: %(default)s)")
    p.add_argument("--emb", type=int, default=10, help="(c): embedding width (default: %(default)s)")
    p.add_argument("--hidden", type=int, default=100, help="(c): tanh units per layer (default: %(default)s)")
    p.add_argument("--layers", type=int, default=2, help="(c): tanh layers (default: %(default)s)")
    p.add_argument("--gd-steps", type=int, default=200, help="(b): full-batch steps (default: %(default)s)")
    p.add_argument("--gd-lr", type=float, default=50.0, help="(b): learning rate (default: %(default)s)")
    p.add_argument(
        "--bigram-labels",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write each bigram and its count in its cell of names_bigram.png (default: on; slow to draw)",
    )
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)

    words = stdlib_names()
    perm = torch.randperm(len(words), generator=torch.Generator().manual_seed(args.seed)).tolist()
    words = [words[i] for i in perm]
    n = int(0.9 * len(words))
    train, val = words[:n], words[n:]
    print(
        f"names: {len(words)} standard library function names ({', '.join(train[:4])}, ...), "
        f"{len(train)} train / {len(val)} val"
    )

    N, nll_a = part_a(train, val, args)
    nll_b = part_b(train, val, args)
    nll_c, snapshots = part_c(train, val, args)
    print(
        f"done: val NLL (a) counts {nll_a['val']:.4f}, (b) gradient descent {nll_b['val']:.4f}, "
        f"(c) MLP {nll_c['val']:.4f} (uniform 3.2958)"
    )
    path = out_path(args, "names_bigram.png")
    plot_bigrams(N, path, args.bigram_labels)
    print(f"wrote {path}")
    path = out_path(args, "names_tanh.png")
    plot_tanh(snapshots, path)
    print(f"wrote {path}")
    return nll_c["val"]


if __name__ == "__main__":
    main()
