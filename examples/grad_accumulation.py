"""Gradient accumulation, and what happens when zero_grad() is forgotten.

    python examples/grad_accumulation.py --epochs 20 --batch-size 64 --micro-batches 4

backward() *adds* into .grad. Three copies of one model see the same data in the same order:
  big batch    one batch of 64 per step: zero_grad, backward, step;
  accumulated  4 micro-batches of 16 per step, each loss divided by 4 and backpropagated,
               with one zero_grad() and one step() per 64 examples: the same gradients,
               so the same weights, up to float rounding;
  no zero_grad like "big batch" without zero_grad(): every step also re-applies all the
               old gradients, which act like a momentum that never decays.
Writes grad_accumulation_loss.png with the three loss curves.
"""

import time

from _common import log_epoch, make_parser, out_path

import minigrad as torch
from minigrad import nn, viz


def make_data(n=1024, features=8):
    """Inputs and targets of a fixed random 'teacher' network (a learnable regression)."""
    teacher = nn.Sequential(nn.Linear(features, 16), nn.Tanh(), nn.Linear(16, 1))
    x = torch.randn(n, features)
    with torch.no_grad():
        return x, teacher(x) + 0.05 * torch.randn(n, 1)


def train_step(model, optimizer, x, y, micro_batches, zero_grad):
    """One optimizer step on (x, y), split into ``micro_batches`` backward passes."""
    if zero_grad:
        optimizer.zero_grad()
    step_loss = 0.0
    for xm, ym in zip(x.chunk(micro_batches), y.chunk(micro_batches)):
        loss = nn.functional.mse_loss(model(xm), ym) / micro_batches  # mean over the big batch
        loss.backward()  # .grad += d loss / d w
        step_loss += loss.item()
    optimizer.step()
    return step_loss


def main(argv=None):
    p = make_parser(__doc__, epochs=20, batch_size=64, lr=0.05)
    p.add_argument(
        "--micro-batches",
        type=int,
        default=4,
        help="backward passes per step of the accumulated run (default: %(default)s)",
    )
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    x, y = make_data()

    k, n = args.micro_batches, args.batch_size
    runs = {  # name: (label, backward passes per step, zero_grad() each step)
        "big_batch": (f"big batch ({n} per step)", 1, True),
        "accumulated": (f"accumulated ({k} x {n // k} per step)", k, True),
        "no_zero_grad": ("big batch, zero_grad() forgotten", 1, False),
    }
    first = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    models = {name: nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1)) for name in runs}
    for model in models.values():
        model.load_state_dict(first.state_dict())  # same starting weights
    optimizers = {name: torch.optim.SGD(m.parameters(), lr=args.lr) for name, m in models.items()}
    losses = {name: [] for name in runs}

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(x))  # one order for all three
        for i in range(0, len(x) - args.batch_size + 1, args.batch_size):
            idx = perm[i : i + args.batch_size]
            for name, (_, micro, zero) in runs.items():
                losses[name].append(train_step(models[name], optimizers[name], x[idx], y[idx], micro, zero))
        log_epoch(epoch, args.epochs, **{name: values[-1] for name, values in losses.items()})
    elapsed = time.perf_counter() - start

    big, accumulated, forgot = (list(models[name].parameters()) for name in runs)
    diff = max((a - b).abs().max().item() for a, b in zip(big, accumulated))
    print(
        "done: final loss "
        + ", ".join(f"{n} {v[-1]:.4g}" for n, v in losses.items())
        + f"; trained in {elapsed:.1f} s"
    )
    print(f"max |big batch - accumulated| over all parameters: {diff:.3g} (float32 rounding)")
    path = out_path(args, "grad_accumulation_loss.png")
    viz.plot_losses(
        {runs[name][0]: v for name, v in losses.items()},
        path,
        log_scale=True,
        smooth=8,
        xlabel="optimizer step",
        ylabel="mean squared error",
        title="Same data, same steps: accumulate, or forget zero_grad()",
    )
    print(f"wrote {path}")
    return diff


if __name__ == "__main__":
    main()
