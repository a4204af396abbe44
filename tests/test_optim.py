"""Tests of minigrad.optim: updates, state, zero_grad, gradient accumulation, state dicts.

The reference for every update is a plain NumPy transcription of the optimizer's
pseudo-code (``REFERENCE`` below). A 20-step trajectory, with gradients that depend on
the current parameters, must match it in float64 and float32, and must match PyTorch's
to 1e-6 relative in float64 when torch is installed, for every option combination in
``CASES``.
"""

import pickle
import sys

import minigrad.optim as optim
import numpy as np
import pytest

import minigrad

STEPS = 20
SHAPES = [(4, 3), (5,)]


# ----------------------------------------------------------------------------- NumPy reference


def ref_sgd(p, g, s, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        s["b"] = g.copy() if "b" not in s else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return p - lr * g


def ref_adam(
    p,
    g,
    s,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
):
    b1, b2 = betas
    t = s["t"] = s.get("t", 0) + 1
    m, v, vmax = (s.get(k, np.zeros_like(p)) for k in ("m", "v", "vmax"))
    g = -g if maximize else g
    if decoupled:
        p = p * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * p
    s["m"] = m = b1 * m + (1 - b1) * g
    s["v"] = v = b2 * v + (1 - b2) * g * g
    if amsgrad:
        s["vmax"] = v = np.maximum(vmax, v)
    return p - lr / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)


def ref_adamw(p, g, s, weight_decay=1e-2, **kw):
    return ref_adam(p, g, s, weight_decay=weight_decay, decoupled=True, **kw)


def ref_rmsprop(
    p, g, s, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False
):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    s["v"] = v = alpha * s.get("v", 0) + (1 - alpha) * g * g
    if centered:
        s["ga"] = ga = alpha * s.get("ga", 0) + (1 - alpha) * g
        v = v - ga * ga
    avg = np.sqrt(v) + eps
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0) + g / avg
        return p - lr * s["b"]
    return p - lr * g / avg


def ref_adagrad(
    p, g, s, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False
):
    t = s["t"] = s.get("t", 0) + 1
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s["sum"]) + eps)


def ref_adadelta(p, g, s, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    s["v"] = v = rho * s.get("v", 0) + (1 - rho) * g * g
    delta = np.sqrt(s.get("u", 0) + eps) / np.sqrt(v + eps) * g
    s["u"] = rho * s.get("u", 0) + (1 - rho) * delta * delta
    return p - lr * delta


REFERENCE = {
    "SGD": ref_sgd,
    "Adam": ref_adam,
    "AdamW": ref_adamw,
    "RMSprop": ref_rmsprop,
    "Adagrad": ref_adagrad,
    "Adadelta": ref_adadelta,
}

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.1, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, betas=(0.5, 0.9), eps=1e-3)),
    ("Adam", dict(lr=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.1, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.1, weight_decay=0.1)),
    ("AdamW", dict(lr=0.1, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.1, weight_decay=0)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-3)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.1, maximize=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CASES]


def _reference_kwargs(name, kw):
    kw = dict(kw)
    if kw.pop("decoupled_weight_decay", False):
        kw["decoupled"] = True
    return kw


# ----------------------------------------------------------------------------- trajectories


def initial_values(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in SHAPES]


def gradient(p, t, i):
    """A gradient that depends on the parameter (a quadratic bowl) plus fixed noise."""
    noise = np.random.default_rng(100 * t + i).standard_normal(p.shape)
    return 0.5 * (p - 0.3) + noise


def reference_trajectory(name, kw, dtype):
    params = [p.astype(dtype) for p in initial_values()]
    states = [{} for _ in params]
    path = []
    for t in range(STEPS):
        grads = [gradient(p, t, i).astype(dtype) for i, p in enumerate(params)]
        params = [
            REFERENCE[name](p, g, s, **_reference_kwargs(name, kw)).astype(dtype)
            for p, g, s in zip(params, grads, states)
        ]
        path.append([p.copy() for p in params])
    return path


def run(lib, name, kw, dtype, steps=STEPS, params=None, opt=None, start=0):
    """Train ``params`` (fresh ones by default) for ``steps`` steps with ``lib``'s optimizer."""
    if params is None:
        params = [lib.tensor(p, dtype=dtype, requires_grad=True) for p in initial_values()]
    opt = opt or getattr(lib.optim, name)(params, **kw)
    path = []
    for t in range(start, start + steps):
        for i, p in enumerate(params):
            p.grad = lib.tensor(gradient(p.detach().numpy(), t, i), dtype=dtype)
        opt.step()
        path.append([p.detach().numpy().copy() for p in params])
    return path, params, opt


def assert_paths_close(actual, expected, rtol, atol=0.0):
    for step, (ps, qs) in enumerate(zip(actual, expected)):
        for a, b in zip(ps, qs):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {step + 1}")


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


@pytest.mark.parametrize("name,kw", CASES[::3], ids=CASE_IDS[::3])
def test_trajectory_matches_pytorch_float32(name, kw):
    torch = pytest.importorskip("torch")
    path, _, _ = run(minigrad, name, kw, minigrad.float32)
    expected, _, _ = run(torch, name, kw, torch.float32)
    assert_paths_close(path, expected, rtol=1e-4, atol=1e-5)


def test_param_groups_with_their_own_options_match_pytorch():
    torch = pytest.importorskip("torch")

    def train(lib):
        a, b = (lib.tensor(p, dtype=lib.float64, requires_grad=True) for p in initial_values())
        opt = lib.optim.SGD(
            [{"params": [a]}, {"params": b, "lr": 0.01, "nesterov": True}], lr=0.1, momentum=0.9
        )
        for t in range(STEPS):
            for i, p in enumerate((a, b)):
                p.grad = lib.tensor(gradient(p.detach().numpy(), t, i), dtype=lib.float64)
            opt.step()
        return [p.detach().numpy() for p in (a, b)], opt

    (a, b), opt = train(minigrad)
    (ta, tb), topt = train(torch)
    np.testing.assert_allclose(a, ta, rtol=1e-12)
    np.testing.assert_allclose(b, tb, rtol=1e-12)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert [g["nesterov"] for g in opt.param_groups] == [False, True]


# ----------------------------------------------------------------------------- the step


def test_step_skips_parameters_without_gradient_and_keeps_no_state_for_them():
    a, b = (minigrad.tensor(p, requires_grad=True) for p in initial_values())
    before = b.detach().numpy().copy()
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = minigrad.ones(*a.shape, dtype=a.dtype)
    opt.step()
    np.testing.assert_array_equal(b.detach().numpy(), before)
    assert a in opt.state and b not in opt.state
    assert set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state[a]["step"].item() == 1.0


@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", dict(lr=0.1)),
        ("SGD", dict(lr=0.1, momentum=0.9)),
        ("Adam", dict(amsgrad=True)),
        ("RMSprop", dict(momentum=0.9, centered=True)),
        ("Adagrad", dict()),
    ],
)
def test_state_keys_match_pytorch(name, kw):
    torch = pytest.importorskip("torch")
    _, _, opt = run(minigrad, name, kw, minigrad.float64, steps=2)
    _, _, topt = run(torch, name, kw, torch.float64, steps=2)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert ours["state"].keys() == theirs["state"].keys()
    for i in theirs["state"]:
        assert ours["state"][i].keys() == theirs["state"][i].keys()
        for key, value in theirs["state"][i].items():
            np.testing.assert_allclose(ours["state"][i][key], value.numpy(), rtol=1e-12)


def test_step_updates_non_contiguous_parameters_in_their_storage():
    base = np.arange(6.0).reshape(2, 3)
    w = minigrad.from_numpy(base.T).requires_grad_()
    w.grad = minigrad.ones(3, 2, dtype=minigrad.float64)
    optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(base, np.arange(6.0).reshape(2, 3) - 0.5)


def test_step_rejects_a_read_only_parameter():
    arr = np.zeros(3)
    arr.flags.writeable = False
    w = minigrad.from_numpy(arr).requires_grad_()
    w.grad = minigrad.ones(3, dtype=minigrad.float64)
    with pytest.raises(ValueError, match="read-only"):
        optim.SGD([w], lr=0.1).step()


def test_step_bumps_the_version_so_a_stale_graph_refuses_backward():
    w = minigrad.randn(3, requires_grad=True)
    y = (w * w).sum()
    w.grad = minigrad.ones(3)
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_closure_runs_with_grad_enabled_and_its_loss_is_returned():
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with minigrad.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)


def test_lr_changed_in_param_groups_takes_effect_at_the_next_step():
    w = minigrad.zeros(2, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    for lr in (1.0, 0.25):
        opt.param_groups[0]["lr"] = lr
        w.grad = minigrad.ones(2)
        opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), [-1.25, -1.25])


def test_add_param_group_fills_in_the_defaults():
    a, b = minigrad.zeros(2, requires_grad=True), minigrad.zeros(3, requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "betas": (0.5, 0.6)})
    group = opt.param_groups[1]
    assert group["params"] == [b] and group["lr"] == 0.1 and group["betas"] == (0.5, 0.6)
    assert group.keys() == opt.param_groups[0].keys()


def test_named_parameters_keep_their_names_like_pytorch():
    torch = pytest.importorskip("torch")

    def build(lib):
        named = [("weight", lib.ones(2, 3, requires_grad=True)), ("bias", lib.ones(2, requires_grad=True))]
        return lib.optim.SGD(named, lr=0.1)

    opt, topt = build(minigrad), build(torch)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    assert repr(opt) == repr(topt)
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [minigrad.ones(1, requires_grad=True)]})


def test_adagrad_creates_its_state_at_construction_like_pytorch():
    w = minigrad.zeros(3, requires_grad=True)
    opt = optim.Adagrad([w], initial_accumulator_value=0.25)
    np.testing.assert_array_equal(opt.state[w]["sum"].numpy(), [0.25] * 3)
    assert opt.state[w]["step"].item() == 0.0


def test_optimizers_train_a_small_model_like_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 1))
    w1, w2 = rng.standard_normal((5, 8)) * 0.5, rng.standard_normal((8, 1)) * 0.5

    def train(lib):
        a = lib.tensor(w1, dtype=lib.float64, requires_grad=True)
        b = lib.tensor(w2, dtype=lib.float64, requires_grad=True)
        xs, ys = lib.tensor(x, dtype=lib.float64), lib.tensor(y, dtype=lib.float64)
        opt = lib.optim.Adam([a, b], lr=0.01)
        losses = []
        for _ in range(STEPS):
            opt.zero_grad()
            loss = (((xs @ a).relu() @ b - ys) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, a.detach().numpy()

    losses, a = train(minigrad)
    tlosses, ta = train(torch)
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(losses, tlosses, rtol=1e-10)
    np.testing.assert_allclose(a, ta, rtol=1e-10)


def test_optimizer_trains_an_nn_module():
    nn = minigrad.nn
    minigrad.manual_seed(0)
    model = nn.Linear(3, 1)
    x = minigrad.randn(32, 3)
    y = x @ minigrad.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    first = None
    for _ in range(50):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < first * 1e-2


# ----------------------------------------------------------------------------- zero_grad and accumulation


def test_zero_grad_sets_gradients_to_none_by_default():
    w = minigrad.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    opt = optim.SGD([w], lr=0.1)
    opt.zero_grad()
    assert w.grad is None


def test_zero_grad_set_to_none_false_zeroes_the_same_tensor_in_place():
    w = minigrad.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    g = w.grad
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad is g
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0, 0.0])
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0, 3.0])


def test_zero_grad_set_to_none_false_detaches_a_gradient_with_history():
    w = minigrad.ones(2, requires_grad=True)
    (w * w).sum().backward(create_graph=True)
    assert w.grad.grad_fn is not None
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and not w.grad.requires_grad
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])


def test_zero_grad_semantics_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (minigrad, torch):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        opt.zero_grad()
        assert w.grad is None
        (w * 2).sum().backward()
        opt.zero_grad(set_to_none=False)
        assert w.grad is not None and w.grad.sum().item() == 0.0
        opt.zero_grad()
        assert w.grad is None


def _regression_data(n=12, seed=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 5)), rng.standard_normal((n, 3)), rng.standard_normal((5, 3))


def _loss(w, x, y):
    return (((x @ w).tanh() - y) ** 2).mean()


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))])
def test_accumulating_k_scaled_micro_batches_equals_one_big_batch(k, name, kw):
    x, y, w0 = _regression_data()
    xs, ys = minigrad.tensor(x, dtype=minigrad.float64), minigrad.tensor(y, dtype=minigrad.float64)
    big = minigrad.tensor(w0, dtype=minigrad.float64, requires_grad=True)
    small = minigrad.tensor(w0, dtype=minigrad.float64, requires_grad=True)
    big_opt = getattr(optim, name)([big], **kw)
    small_opt = getattr(optim, name)([small], **kw)
    n = len(x) // k
    for _ in range(5):
        big_opt.zero_grad()
        _loss(big, xs, ys).backward()
        big_opt.step()
        small_opt.zero_grad()
        for j in range(k):
            (_loss(small, xs[j * n : (j + 1) * n], ys[j * n : (j + 1) * n]) / k).backward()
        small_opt.step()
        np.testing.assert_allclose(small.detach().numpy(), big.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_accumulation_in_float32_matches_to_float_tolerance():
    x, y, w0 = _regression_data(n=64)
    xs, ys = minigrad.tensor(x), minigrad.tensor(y)
    big, small = (minigrad.tensor(w0, requires_grad=True) for _ in range(2))
    big_opt, small_opt = optim.SGD([big], lr=0.1), optim.SGD([small], lr=0.1)
    _loss(big, xs, ys).backward()
    big_opt.step()
    for j in range(4):
        (_loss(small, xs[16 * j : 16 * (j + 1)], ys[16 * j : 16 * (j + 1)]) / 4).backward()
    small_opt.step()
    np.testing.assert_allclose(small.detach().numpy(), big.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_forgetting_zero_grad_sums_the_gradients():
    x, y, w0 = _regression_data()
    xs, ys = minigrad.tensor(x, dtype=minigrad.float64), minigrad.tensor(y, dtype=minigrad.float64)
    w = minigrad.tensor(w0, dtype=minigrad.float64, requires_grad=True)
    grads = []
    for half in (slice(0, 6), slice(6, 12)):
        probe = minigrad.tensor(w0, dtype=minigrad.float64, requires_grad=True)
        _loss(probe, xs[half], ys[half]).backward()
        grads.append(probe.grad.numpy())
        _loss(w, xs[half], ys[half]).backward()  # no zero_grad in between
    np.testing.assert_allclose(w.grad.numpy(), grads[0] + grads[1], rtol=1e-13)
    optim.SGD([w], lr=1.0).step()
    np.testing.assert_allclose(w.detach().numpy(), w0 - grads[0] - grads[1], rtol=1e-13)


# ----------------------------------------------------------------------------- state dicts


@pytest.mark.parametrize("name,kw", CASES[1::2], ids=CASE_IDS[1::2])
def test_state_dict_round_trip_resumes_bit_identically(name, kw):
    dtype = minigrad.float64 if "Adam" in name else minigrad.float32
    _, params, opt = run(minigrad, name, kw, dtype, steps=10)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    saved_params = [p.detach().numpy().copy() for p in params]
    straight, _, _ = run(minigrad, name, kw, dtype, steps=10, params=params, opt=opt, start=10)

    fresh = [minigrad.tensor(p, dtype=dtype, requires_grad=True) for p in saved_params]
    fresh_opt = getattr(optim, name)(fresh, lr=12345.0)  # lr comes back from the dict
    fresh_opt.load_state_dict(saved)
    resumed, _, _ = run(minigrad, name, kw, dtype, steps=10, params=fresh, opt=fresh_opt, start=10)
    for a, b in zip(straight[-1], resumed[-1]):
        np.testing.assert_array_equal(a, b)
    assert fresh_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_checkpoint_through_minigrad_save_resumes_optimizer_and_scheduler(tmp_path):
    if not hasattr(minigrad, "save"):
        pytest.skip("minigrad.save is not there yet")
    kw = dict(lr=0.05, amsgrad=True)
    _, params, opt = run(minigrad, "Adam", kw, minigrad.float32, steps=5)
    sched = optim.lr_scheduler.MultiStepLR(opt, milestones=[7, 9], gamma=0.5)
    path = tmp_path / "checkpoint.npz"
    minigrad.save(
        {
            "params": [p.detach() for p in params],
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
        },
        path,
    )

    def resume(params, opt, sched):
        for t in range(5, 12):
            for i, p in enumerate(params):
                p.grad = minigrad.tensor(gradient(p.detach().numpy(), t, i), dtype=p.dtype)
            opt.step()
            sched.step()
        return [p.detach().numpy() for p in params]

    straight = resume(params, opt, sched)
    ckpt = minigrad.load(path)
    fresh = [p.clone().requires_grad_() for p in ckpt["params"]]
    fresh_opt = optim.Adam(fresh)
    fresh_sched = optim.lr_scheduler.MultiStepLR(fresh_opt, milestones=[7, 9], gamma=0.5)
    fresh_opt.load_state_dict(ckpt["optimizer"])
    fresh_sched.load_state_dict(ckpt["scheduler"])
    for a, b in zip(straight, resume(fresh, fresh_opt, fresh_sched)):
        np.testing.assert_array_equal(a, b)


def test_state_dict_numbers_parameters_across_groups_and_is_a_snapshot():
    a, b, c = (minigrad.zeros(2, requires_grad=True) for _ in range(3))
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}])
    for p in (a, c):
        p.grad = minigrad.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 2]
    assert isinstance(sd["state"][0]["exp_avg"], np.ndarray)
    before = sd["state"][0]["exp_avg"].copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)


def test_load_state_dict_copies_and_casts_buffers_to_the_parameter_dtype():
    w = minigrad.zeros(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    sd = {
        "state": {0: {"momentum_buffer": np.array([1.0, 2.0])}},
        "param_groups": [dict(opt.param_groups[0], params=[0], lr=0.2)],
    }
    opt.load_state_dict(sd)
    buf = opt.state[w]["momentum_buffer"]
    assert isinstance(buf, minigrad.Tensor) and buf.dtype == minigrad.float32
    sd["state"][0]["momentum_buffer"][:] = 0
    np.testing.assert_array_equal(buf.numpy(), [1.0, 2.0])
    assert opt.param_groups[0]["lr"] == 0.2 and opt.param_groups[0]["params"] == [w]


def test_load_state_dict_from_pytorch_continues_like_pytorch():
    torch = pytest.importorskip("torch")
    kw = dict(lr=0.1, amsgrad=True, weight_decay=0.01)
    _, tparams, topt = run(torch, "Adam", kw, torch.float64, steps=10)
    params = [
        minigrad.tensor(p.detach().numpy(), dtype=minigrad.float64, requires_grad=True) for p in tparams
    ]
    opt = optim.Adam(params)
    opt.load_state_dict(topt.state_dict())
    ours, _, _ = run(minigrad, "Adam", kw, minigrad.float64, steps=10, params=params, opt=opt, start=10)
    theirs, _, _ = run(torch, "Adam", kw, torch.float64, steps=10, params=tparams, opt=topt, start=10)
    assert_paths_close(ours, theirs, rtol=1e-12)


def test_load_state_dict_rejects_a_different_layout():
    a, b = minigrad.zeros(2, requires_grad=True), minigrad.zeros(3, requires_grad=True)
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)
    bad = {"state": {1: {"momentum_buffer": np.zeros(2)}}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 1 has shape \(2,\)"):
        optim.SGD([a, b], lr=0.1).load_state_dict(bad)


# ----------------------------------------------------------------------------- errors and repr


def test_empty_parameter_list_raises():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)


def test_non_leaf_parameter_raises():
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)


def test_duplicate_parameters_raise():
    w, v = minigrad.ones(2, requires_grad=True), minigrad.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([w, v, w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [v, w]}], lr=0.1)


def test_params_of_the_wrong_kind_raise_type_errors():
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({w}, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is ndarray"):
        optim.SGD([np.ones(2)], lr=0.1)


@pytest.mark.parametrize(
    "name,kw,message",
    [
        ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
        ("SGD", dict(lr=float("nan")), "Invalid learning rate: nan"),
        ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        ("SGD", dict(lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
        ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
        ("Adam", dict(lr=-1e-3), "Invalid learning rate: -0.001"),
        ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
        ("AdamW", dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
        ("RMSprop", dict(alpha=-0.9), "Invalid alpha value: -0.9"),
        ("RMSprop", dict(momentum=-1), "Invalid momentum value: -1"),
        ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
        ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
        ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
        ("Adadelta", dict(eps=-1), "Invalid epsilon value: -1"),
    ],
)
def test_invalid_hyper_parameters_raise_naming_the_value(name, kw, message):
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(optim, name)([w], **kw)


def test_invalid_hyper_parameter_in_a_param_group_raises():
    a, b = minigrad.ones(2, requires_grad=True), minigrad.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.Adam([{"params": [a]}, {"params": [b], "lr": -1}])


def test_unsupported_options_raise():
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.Adam([w], differentiable=True)


@pytest.mark.parametrize(
    "name,kw",
    [("SGD", dict(lr=0.1)), ("Adam", dict()), ("AdamW", dict()), ("RMSprop", dict()), ("Adagrad", dict())],
)
def test_repr_matches_pytorch(name, kw):
    torch = pytest.importorskip("torch")

    def build(lib):
        groups = [
            {"params": [lib.ones(2, requires_grad=True)]},
            {"params": [lib.ones(2, requires_grad=True)], "lr": 0.5},
        ]
        return getattr(lib.optim, name)(groups, **kw)

    assert repr(build(minigrad)) == repr(build(torch))


def test_minigrad_optim_is_the_optim_package():
    import minigrad.optim as mo
    from minigrad.optim import lr_scheduler

    assert minigrad.optim is mo is optim
    assert lr_scheduler is mo.lr_scheduler is sys.modules["minigrad.optim.lr_scheduler"]
    assert "optim" not in sys.modules
