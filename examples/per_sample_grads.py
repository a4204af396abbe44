"""Per-sample gradients with minigrad.func: vmap(grad(loss)) over a batch, the DP-SGD building block.

    python examples/per_sample_grads.py
    python examples/per_sample_grads.py --epochs 0     # just the check and the timing

``loss.backward()`` gives the gradient of the batch's mean loss; differentially private
training (DP-SGD) needs each sample's own gradient, to clip its norm before averaging. Written
as a function of the parameters (``func.functional_call`` runs the model on parameters passed
in), the loss of one sample is differentiated by ``func.grad`` and mapped over the batch by
``func.vmap``, the PyTorch idiom:

    def loss_fn(params, x, y):  # one sample, made a batch of one
        logits = functional_call(model, params, (x.unsqueeze(0),))
        return F.cross_entropy(logits, y.unsqueeze(0))

    per_sample = vmap(grad(loss_fn), in_dims=(None, 0, 0))(params, x, y)  # params shared

One call over a --batch-size batch of 8x8 digits, checked against a loop of one backward per
sample (max difference printed) and timed against it. Then --epochs of DP-SGD on the digits:
each step clips every per-sample gradient to norm --clip, sums them, adds Gaussian noise of
standard deviation --noise * --clip and averages. Writes per_sample_grads_norms.png (the
histogram of per-sample gradient norms, with the clipping threshold) and per_sample_grads_loss.png.
"""

import time

import numpy as np
from _common import batches, log_epoch, make_parser, out_path
from minigrad.nn import functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import minigrad as torch
from minigrad import nn, viz
from minigrad.func import functional_call, grad, vmap


def load_data():
    """(train, test) as (standardized N x 64 images, labels); 20% stratified test split."""
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.2, stratify=digits.target, random_state=0
    )
    mean, std = x_train.mean(), x_train.std()
    return [
        (torch.tensor((a - mean) / std, dtype=torch.float32), torch.tensor(b))
        for a, b in [(x_train, y_train), (x_test, y_test)]
    ]


def per_sample_loop(model, x, y):
    """The slow way: one forward and one backward per sample; {name: (B, *shape)}."""
    grads = {name: [] for name, _ in model.named_parameters()}
    for i in range(len(x)):
        model.zero_grad()
        F.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
        for name, p in model.named_parameters():
            grads[name].append(p.grad.clone())
    return {name: torch.stack(g) for name, g in grads.items()}


def norms(grads):
    """Each sample's gradient norm over all parameters: a (B,) tensor."""
    return sum((g.flatten(1) ** 2).sum(1) for g in grads.values()).sqrt()


def best_time(fn, repeat):
    """The fastest of ``repeat`` runs of fn() in seconds (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def dp_sgd_step(params, per_sample, clip, noise, lr):
    """Clip each sample's gradient to norm ``clip``, sum, add N(0, (noise * clip)^2), average."""
    scale = (clip / (norms(per_sample) + 1e-6)).clamp(max=1.0)  # (B,): 1 for the small ones
    for name, p in params.items():
        g = per_sample[name]
        clipped = (g * scale.reshape(-1, *([1] * (g.dim() - 1)))).sum(0)
        p -= lr * (clipped + noise * clip * torch.randn_like(clipped)) / len(g)


def main(argv=None):
    p = make_parser(__doc__, epochs=30, batch_size=256, lr=1.0)
    p.add_argument(
        "--clip", type=float, default=1.0, help="per-sample gradient norm bound (default: %(default)s)"
    )
    p.add_argument("--noise", type=float, default=0.5, help="noise multiplier (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=3, help="timing runs, the best kept (default: %(default)s)")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data()
    model = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 10))
    params = {name: q.detach() for name, q in model.named_parameters()}

    def loss_fn(params, x, y):
        logits = functional_call(model, params, (x.unsqueeze(0),))  # one sample, a batch of one
        return F.cross_entropy(logits, y.unsqueeze(0))

    per_sample_grads = vmap(grad(loss_fn), in_dims=(None, 0, 0))  # params shared, x and y mapped
    x, y = x_train[: args.batch_size], y_train[: args.batch_size]
    shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in per_sample_grads(params, x, y).items())
    print(f"vmap(grad(loss_fn)) over {len(x)} digits: {shapes}")

    fast = per_sample_grads(params, x, y)
    slow = per_sample_loop(model, x, y)
    diff = max((fast[k] - slow[k]).abs().max().item() for k in fast)
    scale = max(slow[k].abs().max().item() for k in slow)
    print(f"max |vmap - loop of {len(x)} backwards| = {diff:.2e} (the largest gradient entry is {scale:.2f})")
    t_vmap = best_time(lambda: per_sample_grads(params, x, y), args.repeat)
    t_loop = best_time(lambda: per_sample_loop(model, x, y), args.repeat)
    print(
        f"time (best of {args.repeat}): vmap {1000 * t_vmap:.1f} ms, loop {1000 * t_loop:.1f} ms, "
        f"vmap is {t_loop / t_vmap:.1f}x faster"
    )
    start_norms = norms(fast).numpy()

    print(f"\nDP-SGD: clip {args.clip}, noise multiplier {args.noise}, lr {args.lr}, batch {args.batch_size}")
    losses, start = [], time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for idx in batches(len(x_train), args.batch_size):
            with torch.no_grad():
                total += F.cross_entropy(
                    functional_call(model, params, (x_train[idx],)), y_train[idx]
                ).item() * len(idx)
            g = per_sample_grads(params, x_train[idx], y_train[idx])
            with torch.no_grad():
                dp_sgd_step(params, g, args.clip, args.noise, args.lr)
        losses.append(total / len(x_train))
        log_epoch(epoch, args.epochs, loss=losses[-1])
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        acc = (functional_call(model, params, (x_test,)).argmax(1) == y_test).float().mean().item()
        end_norms = norms(per_sample_grads(params, x, y)).numpy()
    summary = f"test accuracy {100 * acc:.2f}% after {args.epochs} epochs ({elapsed:.1f} s)"
    print(
        f"done: per-sample gradients match the loop to {diff:.1e}, vmap {t_loop / t_vmap:.1f}x faster; "
        f"DP-SGD {summary if args.epochs else 'not run (--epochs 0)'}"
    )

    paths = [out_path(args, f"per_sample_grads_{name}.png") for name in ("norms", "loss")]
    with viz.figure(
        paths[0],
        title=f"per-sample gradient norms, {len(x)} digits",
        xlabel="||gradient of one sample's loss||",
        ylabel="samples",
    ) as ax:
        bins = np.linspace(0, max(start_norms.max(), end_norms.max()) * 1.02, 40)
        ax.hist(start_norms, bins=bins, alpha=0.6, label="at initialisation")
        if args.epochs:
            ax.hist(end_norms, bins=bins, alpha=0.6, label=f"after {args.epochs} epochs of DP-SGD")
        ax.axvline(args.clip, color="tab:red", ls="--", label=f"clip = {args.clip}")
    if losses:
        viz.plot_losses(
            {"DP-SGD": losses},
            paths[1],
            title="DP-SGD on the digits (per-sample clipping + noise)",
            xlabel="epoch",
            ylabel="cross-entropy",
        )
    else:
        paths.pop()
    print("wrote " + ", ".join(paths))
    return diff


if __name__ == "__main__":
    main()
