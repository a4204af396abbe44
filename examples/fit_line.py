"""Fit y = 3x - 1 with plain autograd (no nn, no optim) and plot the loss curve.

    python examples/fit_line.py --steps 200 --lr 0.1 --out examples/out

Shows the whole training loop a tutorial teaches: requires_grad leaves, a forward pass,
loss.backward(), an update under no_grad(), and zeroing the gradients.
"""

import argparse
import os
import time

import minigrad as torch
from minigrad import viz


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", "--epochs", type=int, default=200, help="full-batch gradient steps")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = p.parse_args(argv)

    torch.manual_seed(args.seed)
    x = torch.rand(256, 1) * 2 - 1
    y = 3 * x - 1 + 0.1 * torch.randn(256, 1)
    w = torch.zeros(1, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    losses = []
    start = time.perf_counter()
    for step in range(args.steps):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= args.lr * w.grad
            b -= args.lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        losses.append(loss.item())
        if step % max(1, args.steps // 10) == 0 or step == args.steps - 1:
            print(f"step {step:4d}  loss {loss.item():.5f}")
    elapsed = time.perf_counter() - start
    print(
        f"done: w = {w.item():.3f} (true 3), b = {b.item():.3f} (true -1), "
        f"final loss {losses[-1]:.5f}, {elapsed:.2f} s"
    )

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "fit_line_loss.png")
    viz.plot_losses(
        losses,
        path,
        log_scale=True,
        ylabel="mean squared error",
        title="fit_line: y = 3x - 1 with plain autograd",
    )
    print(f"loss curve written to {path}")


if __name__ == "__main__":
    main()
