"""F1: forward mode through an elementwise chain; F2: per-sample gradients with vmap(grad).

F1 runs ITERS × ``y = tanh(y * 1.0001 + 0.0001)`` on a float32 vector, once plainly and
once as a jvp (``forward_ad``: a dual input, the tangent unpacked at the end). Goal: the
jvp costs ≤ 2.5× the plain forward of the same library. On a big vector (10^5 elements)
that measures the tangent arithmetic (one more pass per op: the backward formula fed the
tangent); the 64-element row shows the per-op cost of the forward-mode door, no goal.

F2 is the per-sample-gradient recipe on a small MLP (32 -> 64 -> tanh -> 10, cross-entropy),
batch 256: ``vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)`` against one batched
forward+backward of the mean loss. Goal: ≤ 3× the batched step of the same library (the
per-sample gradients are 256 copies of the weights' size: writing them is the floor).
"""

import warnings
from time import perf_counter

import numpy as np

from ._timing import Row, at_most, compare, optional_torch, ratio

A, B = 1.0001, 0.0001


def _chain(lib, fw, n, iters, dual):
    x0 = np.full(n, 0.5, np.float32)
    t0 = np.ones(n, np.float32)

    def step():
        x = lib.tensor(x0)
        start = perf_counter()
        if dual:
            with fw.dual_level():
                y = fw.make_dual(x, lib.tensor(t0))
                for _ in range(iters):
                    y = lib.tanh(y * A + B)
                fw.unpack_dual(y).tangent
        else:
            y = x
            for _ in range(iters):
                y = lib.tanh(y * A + B)
        return (perf_counter() - start,)

    return step


def _torch_fw(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import torch.autograd.forward_ad as fw

        with fw.dual_level():  # the first make_dual loads (and scripts) decompositions
            fw.make_dual(torch.zeros(1), torch.zeros(1))
    return fw


def run_jvp(quick=False):
    import minigrad
    import minigrad.autograd.forward_ad as mfw

    torch = optional_torch()
    tfw = _torch_fw(torch) if torch else None
    rows = []
    for n, iters, goal in (((100_000,), 20 if quick else 100, True), ((64,), 100 if quick else 1000, False)):
        med = compare(
            {
                "mg": _chain(minigrad, mfw, n, iters, False),
                "mg_jvp": _chain(minigrad, mfw, n, iters, True),
                "th": _chain(torch, tfw, n, iters, False) if torch else None,
                "th_jvp": _chain(torch, tfw, n, iters, True) if torch else None,
            },
            repeats=2 if quick else 7,
        )
        us = {k: v[0] / (2 * iters) * 1e6 for k, v in med.items()}  # per op (mul+add, tanh)
        label = f"tanh chain {n}"
        rows.append(Row("F1", f"{label} forward", "µs/op", us["mg"], us.get("th"), None))
        jvp = Row("F1", f"{label} jvp (forward_ad)", "µs/op", us["mg_jvp"], us.get("th_jvp"), None)
        r = ratio(us["mg_jvp"], us["mg"])
        jvp.note = f"jvp / forward: minigrad {r:.2f}x" + (
            f", PyTorch {ratio(us['th_jvp'], us['th']):.2f}x" if torch else ""
        )
        if goal:
            jvp.goal = "≤ 2.5x own forward"
            jvp.met = at_most(r, 2.5)
        rows.append(jvp)
    return rows


def _mlp_case(lib, func, batch):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(32, 64), nn.Tanh(), nn.Linear(64, 10))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = lib.randn(batch, 32)
    y = lib.randint(0, 10, (batch,))

    def loss(p, xi, yi):
        return nn.functional.cross_entropy(func.functional_call(model, p, (xi,)), yi)

    per_sample = func.vmap(func.grad(loss), in_dims=(None, 0, 0))

    def batched():
        start = perf_counter()
        model.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        return (perf_counter() - start,)

    def vmapped():
        start = perf_counter()
        per_sample(params, x, y)
        return (perf_counter() - start,)

    return model, params, x, y, loss, batched, vmapped


def run_per_sample(quick=False):
    import minigrad
    import minigrad.func

    torch = optional_torch()
    batch = 256
    mg = _mlp_case(minigrad, minigrad.func, batch)
    th = _mlp_case(torch, __import__("torch.func").func, batch) if torch else None
    steps = {"mg": mg[5], "mg_vmap": mg[6]}
    if th:
        steps.update(th=th[5], th_vmap=th[6])
    med = compare(steps, repeats=3 if quick else 15, warmup=2)
    ms = {k: v[0] * 1e3 for k, v in med.items()}
    rows = [Row("F2", f"MLP batch {batch}: batched fwd+bwd", "ms", ms["mg"], ms.get("th"), None)]
    row = Row("F2", f"MLP batch {batch}: vmap(grad) per-sample", "ms", ms["mg_vmap"], ms.get("th_vmap"), None)
    r = ratio(ms["mg_vmap"], ms["mg"])
    row.goal = "≤ 3x own batched fwd+bwd"
    row.met = at_most(r, 3.0)
    row.note = f"per-sample / batched: minigrad {r:.2f}x" + (
        f", PyTorch {ratio(ms['th_vmap'], ms['th']):.2f}x" if torch else ""
    )
    rows.append(row)
    return rows
