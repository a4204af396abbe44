"""Separate three interleaved spirals: 2-D classification with an MLP.

    python examples/spirals.py --epochs 100

Each class is one arm of a spiral (a non-linear boundary no straight line can draw). A
2-64-64-3 ReLU network is trained with Adam and cross-entropy, then scored on freshly
drawn test points. Writes spirals_boundary.png (decision regions) and spirals_loss.png.
"""

from _common import fit, make_parser, out_path

import minigrad as torch
from minigrad import nn, viz

CLASSES = 3


def make_spirals(n_per_class, noise=0.2):
    """Points (N x 2) and labels (N): class k is an arm turning from angle 4k to 4k + 4."""
    xs, ys = [], []
    for k in range(CLASSES):
        r = torch.linspace(0.05, 1.0, n_per_class)
        t = torch.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + noise * torch.randn(n_per_class)
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1))
        ys.append(torch.full((n_per_class,), k, dtype=torch.int64))
    return torch.cat(xs), torch.cat(ys)


def main(argv=None):
    args = make_parser(__doc__, epochs=100, batch_size=32, lr=1e-2).parse_args(argv)
    torch.manual_seed(args.seed)
    x, y = make_spirals(200)
    x_test, y_test = make_spirals(200)

    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, CLASSES))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()

    losses, elapsed = fit(model, loss_fn, optimizer, x, y, args)  # the loop: _common.train_epoch

    with torch.no_grad():
        train_acc = (model(x).argmax(1) == y).float().mean().item()
        test_acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        side = torch.linspace(-1.2, 1.2, 200)  # the plane, as a 200 x 200 grid
        gx, gy = side.reshape(1, -1).expand(200, 200), side.reshape(-1, 1).expand(200, 200)
        grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
        regions = model(grid).argmax(1).reshape(200, 200)
    print(
        f"done: final loss {losses[-1]:.4f}, train accuracy {100 * train_acc:.2f}%, "
        f"test accuracy {100 * test_acc:.2f}%, trained in {elapsed:.1f} s"
    )

    path = out_path(args, "spirals_boundary.png")
    with viz.figure(
        path,
        title=f"spirals: decision regions (test accuracy {100 * test_acc:.1f}%)",
        xlabel="x1",
        ylabel="x2",
        figsize=(5.6, 5.2),
    ) as ax:
        ax.contourf(
            side.numpy(),
            side.numpy(),
            regions.numpy(),
            levels=[-0.5, 0.5, 1.5, 2.5],
            colors=["#c6dbef", "#fdd0a2", "#c7e9c0"],
        )
        for k, color in enumerate(["tab:blue", "tab:orange", "tab:green"]):
            points = x[y == k].numpy()
            ax.scatter(
                points[:, 0],
                points[:, 1],
                s=10,
                color=color,
                edgecolor="white",
                linewidth=0.3,
                label=f"class {k}",
            )
        ax.set_aspect("equal")
        ax.legend(loc="upper right", framealpha=0.9)
    viz.plot_losses(
        losses,
        out_path(args, "spirals_loss.png"),
        log_scale=True,
        xlabel="epoch",
        ylabel="cross-entropy",
        title="spirals: training loss",
    )
    print(f"wrote {path} and spirals_loss.png")
    return test_acc


if __name__ == "__main__":
    main()
