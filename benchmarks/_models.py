"""Shared by P3, P7 and P8: each model written once, for minigrad and PyTorch alike.

``M`` is the library module (``minigrad`` or ``torch``): the same lines build both models,
and both start from the same weights (minigrad's initialisation, copied in through numpy),
so the two libraries run the same arithmetic on the same numbers and differ only in how
they run it. The training step is the usual one: ``zero_grad``, forward, loss, backward,
``step``, on batches taken in turn from a fixed pool of random inputs with random labels:
one batch seen over and over would be learnt within a few dozen steps, after which the
gradients and optimizer buffers decay into subnormal floats, which x86 handles many times
slower, and the benchmark would time that instead.
"""

import functools
import itertools

import numpy as np

POOL = 4096  # samples the batches are taken from


def mlp(M, *sizes):
    """Linear layers of the given sizes with ReLU between them, e.g. ``mlp(M, 64, 128, 10)``."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        if i:
            layers.append(M.nn.ReLU())
        layers.append(M.nn.Linear(n_in, n_out))
    return M.nn.Sequential(*layers)


def digits_cnn(M):
    """P8's network for 1x8x8 images: 16 3x3 filters, 2x2 max-pool, one linear layer."""
    nn = M.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 10)
    )


def initial_weights(build, seed=0):
    """The parameters of ``build(minigrad)`` after ``manual_seed(seed)``, as numpy arrays."""
    import minigrad

    minigrad.manual_seed(seed)
    return [p.detach().numpy().copy() for p in build(minigrad).parameters()]


def model_with(M, build, weights):
    """``build(M)`` with its parameters set to ``weights`` (from ``initial_weights``)."""
    model = build(M)
    params = list(model.parameters())
    assert [tuple(p.shape) for p in params] == [w.shape for w in weights], "layouts differ"
    with M.no_grad():
        for p, w in zip(params, weights):
            p.copy_(M.from_numpy(w))
    return model


def train_step(M, model, optimizer):
    """``step(x, y)``: one cross-entropy training step of ``model``; returns the loss."""
    loss_fn = M.nn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


@functools.lru_cache(maxsize=None)
def batch_pool(batch, shape, classes, pool=POOL):
    """``pool`` random float32 inputs of ``shape`` with labels in ``range(classes)``, as a
    tuple of (inputs, labels) numpy batches of ``batch`` rows: the same for every library."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((pool, *shape), np.float32)
    y = rng.integers(0, classes, pool)
    return tuple((x[i : i + batch], y[i : i + batch]) for i in range(0, pool, batch))


def cycled(M, batches, n):
    """An endless iterator over the first ``n`` of ``batches`` as ``M`` tensors, converted
    up front (a run of ``n`` steps sees each once)."""
    return itertools.cycle([(M.from_numpy(x), M.from_numpy(y)) for x, y in batches[:n]])
