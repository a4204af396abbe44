"""P7: train an MLP on scikit-learn's handwritten digits, end to end.

``load_digits`` (1797 8×8 images, shipped with scikit-learn: no download), a fixed
stratified split (``train_test_split(test_size=0.2, random_state=0)``: 1437 training and
360 test images), pixels standardised with the training set's mean and standard deviation.
MLP 64→128→10 with ReLU, ``CrossEntropyLoss``, ``Adam(lr=1e-3)``, batch 32, 30 epochs.
Both libraries build the model with the same code, start from the same weights
(``_models.py``) and visit the training set in the same order: one permutation per epoch,
drawn once from a fixed seed, each cut into batches of 32 (the last one shorter) and kept as
index tensors.

Timed: the whole training loop, i.e. per batch ``x_train[idx]``, ``y_train[idx]`` and the
step (``zero_grad``, forward, loss, backward, ``step``), as a user would write it. Then,
untimed, the accuracy on the 360 test images. Each repeat trains from scratch.

Goal: minigrad's training time ≤ 0.5 × PyTorch's, and test accuracy ≥ 97%.
``--quick`` trains for 3 epochs, where the accuracy goal is not judged. Without
scikit-learn the rows read n/a.
"""

from time import perf_counter

import numpy as np

from ._models import initial_weights, mlp, model_with, train_step
from ._timing import Row, at_least, at_most, compare, optional_torch, ratio

SIZES = (64, 128, 10)
LR, BATCH, EPOCHS, QUICK_EPOCHS = 1e-3, 32, 30, 3
MIN_ACCURACY = 97.0


def _build(M):
    return mlp(M, *SIZES)


def load():
    """(x_train, y_train, x_test, y_test) as numpy arrays, or None without scikit-learn."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        return None
    digits = load_digits()
    x, y = digits.data.astype(np.float32), digits.target
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    mean, std = x_train.mean(), x_train.std()
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def _orders(n, epochs):
    """Per epoch, the training set's batches as index arrays: the same for every library."""
    rng = np.random.default_rng(0)
    return [
        np.array_split(perm, range(BATCH, n, BATCH)) for perm in (rng.permutation(n) for _ in range(epochs))
    ]


def _lib_train(M, weights, data, epochs):
    """A step for ``compare``: train from ``weights``, return (seconds, test accuracy in %)."""
    x_train, y_train = M.from_numpy(data[0]), M.from_numpy(data[1])
    x_test, y_test = M.from_numpy(data[2]), data[3]
    orders = [[M.from_numpy(idx) for idx in epoch] for epoch in _orders(len(data[0]), epochs)]

    def train():
        model = model_with(M, _build, weights)
        step = train_step(M, model, M.optim.Adam(model.parameters(), lr=LR))
        t0 = perf_counter()
        for epoch in orders:
            for idx in epoch:
                step(x_train[idx], y_train[idx])
        seconds = perf_counter() - t0
        with M.no_grad():
            predicted = model(x_test).argmax(1).numpy()
        return seconds, 100.0 * float(np.mean(predicted == y_test))

    return train


def run(quick=False):
    import minigrad

    torch = optional_torch()
    epochs = QUICK_EPOCHS if quick else EPOCHS
    what = f"digits MLP, {epochs} epochs"
    time_row = Row("P7", f"{what}: train time", "s", None, None, None, goal="≤ 0.5× PyTorch")
    acc_row = Row(
        "P7", f"{what}: test accuracy", "%", None, None, None, goal=f"≥ {MIN_ACCURACY:g}%", ratios=False
    )
    data = load()
    if data is None:
        time_row.note = "scikit-learn is not installed: no digits data"
        return [time_row, acc_row]
    weights = initial_weights(_build)
    med = compare(
        {
            "minigrad": _lib_train(minigrad, weights, data, epochs),
            "torch": _lib_train(torch, weights, data, epochs) if torch else None,
        },
        repeats=2 if quick else 7,
    )
    time_row.minigrad, acc_row.minigrad = med["minigrad"]
    if "torch" in med:
        time_row.torch, acc_row.torch = med["torch"]
    time_row.met = at_most(ratio(time_row.minigrad, time_row.torch), 0.5)
    if quick:
        acc_row.note = f"--quick trains {epochs} epochs: the accuracy goal is judged on full runs only"
    else:
        acc_row.met = at_least(acc_row.minigrad, MIN_ACCURACY)
    n_train, n_test = len(data[0]), len(data[2])
    time_row.note = (
        f"{n_train} training / {n_test} test images; figures are medians of "
        "complete training runs from the same initial weights"
    )
    return [time_row, acc_row]
