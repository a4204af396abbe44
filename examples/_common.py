"""What the examples share: the command line, the training loop, a progress line per epoch.

Not an example itself: open ``fit_sine.py``, ``spirals.py`` or ``digits.py`` first.
"""

import argparse
import os
import sys
import time

import minigrad as torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def make_parser(doc, *, batch_size, lr, epochs=None, steps=None):
    """The flags every training example takes: --epochs (or --steps) --batch-size --lr --seed --out."""
    p = argparse.ArgumentParser(
        description=doc.strip().splitlines()[0],
        epilog=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if steps is None:
        p.add_argument(
            "--epochs", type=int, default=epochs, help="passes over the training set (default: %(default)s)"
        )
    else:  # models trained on random batches count optimizer steps, not passes
        p.add_argument("--steps", type=int, default=steps, help="optimizer steps (default: %(default)s)")
    p.add_argument(
        "--batch-size", type=int, default=batch_size, help="examples per step (default: %(default)s)"
    )
    p.add_argument("--lr", type=float, default=lr, help="learning rate (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--out", default=OUT, help="folder for the figures (default: examples/out)")
    return p


def out_path(args, name):
    """``args.out/name``, creating the folder."""
    os.makedirs(args.out, exist_ok=True)
    return os.path.join(args.out, name)


def progress(steps):
    """``range(steps)``; on a terminal, with 20 steps or more, a one-line live status on stderr
    (bar, steps per second, time left), cleared at the end and by ``say``."""
    bar = sys.stderr.isatty() and steps >= 20
    start = time.perf_counter()
    for k in range(steps):
        if bar:
            done = 30 * k // steps
            rate = k / max(time.perf_counter() - start, 1e-9)
            eta = f"ETA {(steps - k) / rate:4.1f} s" if k else "ETA  ..."
            sys.stderr.write(f"\r  [{'#' * done}{'.' * (30 - done)}] {k}/{steps}  {rate:6.1f} it/s  {eta}")
        yield k
    if bar:
        sys.stderr.write("\r" + " " * 70 + "\r")


def say(line):
    """``print(line)``, first clearing a live status line of ``progress`` on a terminal."""
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 70 + "\r")
    print(line, flush=True)


def batches(n, batch_size):
    """Index tensors of one shuffled pass over range(n), ``batch_size`` at a time.

    On a terminal, long passes draw a one-line live status on stderr (``progress``) that the
    epoch line overwrites.
    """
    perm = torch.randperm(n)
    for k in progress((n + batch_size - 1) // batch_size):
        yield perm[k * batch_size : (k + 1) * batch_size]


def train_epoch(model, loss_fn, optimizer, x, y, batch_size):
    """One shuffled pass over (x, y) in batches; returns the mean training loss."""
    total = 0.0
    for idx in batches(len(x), batch_size):
        loss = loss_fn(model(x[idx]), y[idx])  # forward: records the graph on the tape
        optimizer.zero_grad()  # .grad accumulates: clear last step's
        loss.backward()  # fill .grad of every parameter
        optimizer.step()  # update the parameters from their .grad
        total += loss.item() * len(idx)
    return total / len(x)


def fit(model, loss_fn, optimizer, x, y, args):
    """``args.epochs`` passes with a progress line each; returns (losses per epoch, seconds)."""
    losses, start = [], time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        losses.append(train_epoch(model, loss_fn, optimizer, x, y, args.batch_size))
        log_epoch(epoch, args.epochs, loss=losses[-1])
    return losses, time.perf_counter() - start


def log_epoch(epoch, epochs, **metrics):
    """Print ``epoch  3/40  loss 0.1234  val_acc 97.22%`` (names ending in acc are percents).

    With more than 40 epochs only every tenth of the run stays on screen: the lines in
    between overwrite each other on a terminal and are left out of logs.
    """
    parts = [f"epoch {epoch:{len(str(epochs))}d}/{epochs}"]
    for name, value in metrics.items():
        parts.append(f"{name} {100 * value:6.2f}%" if name.endswith("acc") else f"{name} {value:.4f}")
    line = "  ".join(parts)
    keep = epochs <= 40 or epoch == 1 or epoch % (epochs // 10) == 0
    if keep or sys.stdout.isatty():
        prefix = "\r" if sys.stdout.isatty() else ""
        print(prefix + line, end="\n" if keep else "", flush=True)
