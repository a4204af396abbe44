"""The optimizers of issue 19 (Adamax, NAdam, RAdam, ASGD, Rprop), tested as ``test_optim.py``
tests the others: a 20-step trajectory against a plain NumPy transcription of each
pseudo-code (float64 and float32) and against PyTorch (float64 to 1e-6, float32), state keys
equal to PyTorch's, and training resumed from a PyTorch optimizer's state dict."""

import math

import numpy as np
import pytest
from test_optim import assert_paths_close, gradient, initial_values, run

import minigrad

STEPS = 20


def ref_adamax(p, g, s, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    s["t"] = t = s.get("t", 0) + 1
    s["m"] = m = betas[0] * s.get("m", 0) + (1 - betas[0]) * g
    s["u"] = u = np.maximum(betas[1] * s.get("u", 0), np.abs(g) + eps)
    return p - lr / (1 - betas[0] ** t) * m / u


def ref_nadam(
    p, g, s, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, maximize=False,
):  # fmt: skip
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled_weight_decay:
        p = p * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * p
    s["t"] = t = s.get("t", 0) + 1
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    s["prod"] = prod = float(np.float32(s.get("prod", 1.0)) * np.float32(mu))  # a float32 tensor in PyTorch
    s["m"] = m = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = v = b2 * s.get("v", 0) + (1 - b2) * g * g
    denom = np.sqrt(v / (1 - b2**t)) + eps
    return p - lr * (1 - mu) / (1 - prod) * g / denom - lr * mu_next / (1 - prod * mu_next) * m / denom


def ref_radam(
    p,
    g,
    s,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0,
    decoupled_weight_decay=False,
    maximize=False,
):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled_weight_decay:
        p = p * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * p
    s["t"] = t = s.get("t", 0) + 1
    s["m"] = m = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = v = b2 * s.get("v", 0) + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    if rho_t <= 5:
        return p - m_hat * lr
    r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    return p - m_hat * lr * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps) * r


def ref_asgd(p, g, s, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    s["t"] = t = s.get("t", 0) + 1
    eta, mu = s.get("eta", np.float32(lr)), s.get("mu", np.float32(1.0))  # float32 tensors in PyTorch
    p = p * (1 - lambd * float(eta)) - float(eta) * g
    s["ax"] = p if mu == 1 else s["ax"] + (p - s["ax"]) * float(mu)
    s["eta"] = np.float32(lr / (1 + lambd * lr * t) ** alpha)
    s["mu"] = np.float32(1 / max(1, t - t0))
    return p


def ref_rprop(p, g, s, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    g = -g if maximize else g
    prev, size = s.get("prev", np.zeros_like(p)), s.get("size", np.full_like(p, lr))
    f = np.where(g * prev > 0, etas[1], np.where(g * prev < 0, etas[0], 1.0))
    s["size"] = size = np.clip(size * f, *step_sizes)
    g = np.where(f == etas[0], 0.0, g)
    s["prev"] = g
    return p - np.sign(g) * size


REFERENCE = {
    "Adamax": ref_adamax,
    "NAdam": ref_nadam,
    "RAdam": ref_radam,
    "ASGD": ref_asgd,
    "Rprop": ref_rprop,
}

CASES = [
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.1, betas=(0.5, 0.9), eps=1e-3)),
    ("Adamax", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.1, weight_decay=0.1)),
    ("NAdam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.1, betas=(0.8, 0.9))),
    ("RAdam", dict(lr=0.1, weight_decay=0.1)),
    ("RAdam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5)),
    ("ASGD", dict(lr=0.05, weight_decay=0.1, maximize=True, t0=3)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.02, maximize=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CASES]


def reference_trajectory(name, kw, dtype):
    params = [p.astype(dtype) for p in initial_values()]
    states = [{} for _ in params]
    path = []
    for t in range(STEPS):
        grads = [gradient(p, t, i).astype(dtype) for i, p in enumerate(params)]
        params = [REFERENCE[name](p, g, s, **kw).astype(dtype) for p, g, s in zip(params, grads, states)]
        path.append([p.copy() for p in params])
    return path


@pytest.mark.parametrize("name,kw", CASES, ids=CASE_IDS)
def test_trajectory_matches_numpy_reference_float64(name, kw):
    path, _, _ = run(minigrad, name, kw, minigrad.float64)
    assert_paths_close(path, reference_trajectory(name, kw, np.float64), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,kw", CASES, ids=CASE_IDS)
def test_trajectory_matches_numpy_reference_float32(name, kw):
    path, params, _ = run(minigrad, name, kw, minigrad.float32)
    assert all(p.dtype == minigrad.float32 for p in params)
    assert_paths_close(path, reference_trajectory(name, kw, np.float32), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,kw", CASES, ids=CASE_IDS)
def test_trajectory_matches_pytorch_float64(name, kw):
    torch = pytest.importorskip("torch")
    path, _, _ = run(minigrad, name, kw, minigrad.float64)
    expected, _, _ = run(torch, name, kw, torch.float64)
    assert_paths_close(path, expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name,kw", CASES, ids=CASE_IDS)
def test_trajectory_matches_pytorch_float32(name, kw):
    torch = pytest.importorskip("torch")
    path, _, _ = run(minigrad, name, kw, minigrad.float32)
    expected, _, _ = run(torch, name, kw, torch.float32)
    assert_paths_close(path, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_state_keys_and_values_match_pytorch(name):
    torch = pytest.importorskip("torch")
    _, _, opt = run(minigrad, name, {}, minigrad.float64, steps=3)
    _, _, topt = run(torch, name, {}, torch.float64, steps=3)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    for i in theirs["state"]:
        assert ours["state"][i].keys() == theirs["state"][i].keys()
        for key, value in theirs["state"][i].items():
            np.testing.assert_allclose(ours["state"][i][key], value.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_load_state_dict_from_pytorch_continues_like_pytorch(name):
    torch = pytest.importorskip("torch")
    _, tparams, topt = run(torch, name, {}, torch.float64, steps=5)
    params = [minigrad.tensor(p.detach().numpy(), requires_grad=True) for p in tparams]
    opt = getattr(minigrad.optim, name)(params)
    opt.load_state_dict(topt.state_dict())
    ours, _, _ = run(minigrad, name, {}, minigrad.float64, steps=5, params=params, opt=opt, start=5)
    theirs, _, _ = run(torch, name, {}, torch.float64, steps=5, params=tparams, opt=topt, start=5)
    assert_paths_close(ours, theirs, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda p: minigrad.optim.Adamax(p, lr=-1.0), "Invalid learning rate: -1.0"),
        (lambda p: minigrad.optim.NAdam(p, momentum_decay=-0.1), "Invalid momentum_decay value"),
        (lambda p: minigrad.optim.RAdam(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
        (lambda p: minigrad.optim.ASGD(p, weight_decay=-1), "Invalid weight_decay value"),
        (lambda p: minigrad.optim.Rprop(p, etas=(1.5, 1.2)), "Invalid eta values"),
    ],
)
def test_bad_hyperparameters_raise_value_error_naming_them(build, message):
    with pytest.raises(ValueError, match=message):
        build([minigrad.ones(2, requires_grad=True)])
