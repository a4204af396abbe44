"""Fit a noisy sine wave with a small MLP (regression with nn and optim).

    python examples/fit_sine.py --epochs 200

256 noisy samples of sin(x) on [-pi, pi]; a 1-32-32-1 tanh network trained with Adam on
the mean squared error. Writes fit_sine_fit.png (data, truth, fit) and fit_sine_loss.png.
"""

import math

from _common import fit, make_parser, out_path

import minigrad as torch
from minigrad import nn, viz


def main(argv=None):
    args = make_parser(__doc__, epochs=200, batch_size=32, lr=1e-2).parse_args(argv)
    torch.manual_seed(args.seed)
    x = torch.rand(256, 1) * 2 * math.pi - math.pi
    y = torch.sin(x) + 0.1 * torch.randn(256, 1)

    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()

    losses, elapsed = fit(model, loss_fn, optimizer, x, y, args)  # the loop: _common.train_epoch

    grid = torch.linspace(-math.pi, math.pi, 200).reshape(-1, 1)
    with torch.no_grad():
        prediction = model(grid)
    error = ((prediction - torch.sin(grid)) ** 2).mean().item()
    print(
        f"done: final train loss {losses[-1]:.4f} (noise alone gives 0.0100), "
        f"distance to the true sine {error:.4f} (MSE on a grid), trained in {elapsed:.1f} s"
    )

    with viz.figure(
        out_path(args, "fit_sine_fit.png"), title="fit_sine: MLP fit of a noisy sine", xlabel="x", ylabel="y"
    ) as ax:
        ax.scatter(x.numpy(), y.numpy(), s=8, alpha=0.5, color="gray", label="noisy samples")
        ax.plot(grid.numpy(), torch.sin(grid).numpy(), "--", color="black", label="sin(x)")
        ax.plot(grid.numpy(), prediction.numpy(), color="tab:red", linewidth=2, label="MLP")
    viz.plot_losses(
        losses,
        out_path(args, "fit_sine_loss.png"),
        log_scale=True,
        xlabel="epoch",
        ylabel="mean squared error",
        title="fit_sine: training loss",
    )
    print(f"wrote {out_path(args, 'fit_sine_fit.png')} and fit_sine_loss.png")


if __name__ == "__main__":
    main()
