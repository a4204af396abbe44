"""Classify scikit-learn's 8x8 handwritten digits with an MLP or a small CNN.

    python examples/digits.py                 # MLP: about 98% test accuracy in seconds
    python examples/digits.py --model cnn     # CNN: about 99% (99.17% with seed 0)

The 1797 images ship with scikit-learn (no download). A fixed, stratified 20% is the test
set, scored once at the end; 10% more is the validation set, scored every epoch. Writes
digits_<model>_loss.png and digits_<model>_accuracy.png (train and validation curves).
"""

import time

import numpy as np
from _common import batches, log_epoch, make_parser, out_path
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import minigrad as torch
from minigrad import nn, viz

# Per-model defaults, found by trying a few seeds: both stay above 97% on the test set.
DEFAULTS = {"mlp": dict(epochs=40, lr=1e-2), "cnn": dict(epochs=15, lr=3e-3)}


def make_model(kind):
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    return nn.Sequential(  # 1x8x8 -> 16x8x8 -> 32x8x8
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.2),  # -> 32x4x4 = 512
        nn.Linear(512, 10),
    )


def load_data():
    """(train, validation, test) as (images N x 1 x 8 x 8, labels) tensor pairs, standardized."""
    digits = load_digits()
    x, y = digits.images.astype(np.float32)[:, None], digits.target
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=0.125, stratify=y_rest, random_state=0
    )
    mean, std = x_train.mean(), x_train.std()  # training statistics only
    return [
        (torch.tensor((a - mean) / std), torch.tensor(b))
        for a, b in [(x_train, y_train), (x_val, y_val), (x_test, y_test)]
    ]


def shift(images, rng):
    """Move each image by up to one pixel in x and y (data augmentation for the CNN)."""
    a = images.numpy()
    padded = np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
    dy, dx = rng.integers(0, 3, size=(2, len(a)))
    return torch.tensor(np.stack([p[:, i : i + 8, j : j + 8] for p, i, j in zip(padded, dy, dx)]))


def evaluate(model, x, y, loss_fn):
    """(loss, accuracy) on a whole set, in eval mode and without recording a graph."""
    model.eval()
    with torch.no_grad():
        logits = model(x)
        return loss_fn(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def main(argv=None):
    p = make_parser(__doc__, epochs=None, batch_size=32, lr=None)
    p.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    args = p.parse_args(argv)
    for key, value in DEFAULTS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = load_data()
    model = make_model(args.model)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)  # softer targets: ~0.5% better here
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * ((len(x_train) + args.batch_size - 1) // args.batch_size)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    print(
        f"{args.model}: {sum(q.numel() for q in model.parameters())} parameters, "
        f"{len(x_train)} train / {len(x_val)} validation / {len(x_test)} test images"
    )

    train = "train (running, dropout on)"  # measured during the epoch
    losses, accuracies = {train: [], "validation": []}, {train: [], "validation": []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, correct = 0.0, 0
        for idx in batches(len(x_train), args.batch_size):
            x, y = x_train[idx], y_train[idx]
            if args.model == "cnn":
                x = shift(x, rng)
            logits = model(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        val_loss, val_acc = evaluate(model, x_val, y_val, loss_fn)
        losses[train].append(total / len(x_train))
        accuracies[train].append(correct / len(x_train))
        losses["validation"].append(val_loss)
        accuracies["validation"].append(val_acc)
        log_epoch(epoch, args.epochs, loss=losses[train][-1], val_loss=val_loss, val_acc=val_acc)
    elapsed = time.perf_counter() - start

    test_loss, test_acc = evaluate(model, x_test, y_test, loss_fn)
    print(
        f"done: {args.model}, final train loss {losses[train][-1]:.4f}, test loss {test_loss:.4f}, "
        f"test accuracy {100 * test_acc:.2f}% ({round(test_acc * len(y_test))}/{len(y_test)}), "
        f"trained in {elapsed:.1f} s"
    )
    for what, history, ylabel in (
        ("loss", losses, "cross-entropy (label smoothing 0.1)"),
        ("accuracy", accuracies, "accuracy"),
    ):
        path = out_path(args, f"digits_{args.model}_{what}.png")
        viz.plot_losses(
            history, path, title=f"digits, {args.model}: {what} per epoch", xlabel="epoch", ylabel=ylabel
        )
        print(f"wrote {path}")
    return test_acc


if __name__ == "__main__":
    main()
