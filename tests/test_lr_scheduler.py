"""Tests of minigrad.optim.lr_scheduler: learning-rate sequences, momentum cycling, state.

Every scheduler drives an optimizer with two param groups (different starting rates) for
``EPOCHS`` epochs; the rates it sets must equal PyTorch's (when torch is installed) and
the closed forms where one exists. ``optimizer.step()`` runs before each
``scheduler.step()``, the order PyTorch asks for.
"""

import math
import pickle

import numpy as np
import pytest
from minigrad.optim import lr_scheduler

import minigrad

EPOCHS = 30


def make_optimizer(lib, name="SGD", **kw):
    groups = [
        {"params": [lib.ones(2, requires_grad=True)]},
        {"params": [lib.ones(3, requires_grad=True)], "lr": 0.05},
    ]
    kw.setdefault("lr", 0.1)
    if name == "SGD":
        kw.setdefault("momentum", 0.9)
    return getattr(lib.optim, name)(groups, **kw)


def lr_sequence(lib, sched_name, args, kwargs, optimizer="SGD", epochs=EPOCHS, metrics=None):
    """Per epoch: (get_last_lr(), momenta), starting with the constructor's values."""
    opt = make_optimizer(lib, optimizer)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, *args, **kwargs)
    seq = [(sched.get_last_lr(), _momenta(opt))]
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        seq.append((sched.get_last_lr(), _momenta(opt)))
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    return seq


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


METRICS = [
    1.0,
    0.9,
    0.9,
    0.95,
    0.91,
    0.9,
    0.9,
    0.89,
    0.95,
    1.0,
    1.1,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.49999,
    0.6,
    0.6,
    0.6,
    0.6,
    0.6,
    0.3,
    0.3,
    0.3,
    0.3,
    0.3,
    0.3,
    0.3,
    0.3,
]

CASES = [
    ("StepLR", (3,), dict(gamma=0.5)),
    ("StepLR", (1,), dict()),
    ("MultiStepLR", ([2, 5, 5, 9],), dict(gamma=0.3)),
    ("ExponentialLR", (0.9,), dict()),
    ("CosineAnnealingLR", (7,), dict(eta_min=0.001)),
    ("CosineAnnealingLR", (10,), dict()),
    ("LambdaLR", (lambda epoch: 0.95**epoch,), dict()),
    ("LinearLR", (), dict()),
    ("LinearLR", (), dict(start_factor=0.25, total_iters=6)),
    ("LinearLR", (), dict(start_factor=1.0, end_factor=0.1, total_iters=10)),
    ("OneCycleLR", (0.5,), dict(total_steps=EPOCHS + 1)),
    ("OneCycleLR", ([0.5, 0.2],), dict(epochs=4, steps_per_epoch=8, anneal_strategy="linear")),
    ("OneCycleLR", (0.5,), dict(total_steps=40, three_phase=True, pct_start=0.25)),
    ("OneCycleLR", (0.5,), dict(total_steps=40, cycle_momentum=False, div_factor=10.0)),
    ("ReduceLROnPlateau", (), dict(patience=2)),
    ("ReduceLROnPlateau", (), dict(mode="max", factor=0.5, patience=1, threshold_mode="abs", threshold=0.01)),
    ("ReduceLROnPlateau", (), dict(patience=0, cooldown=2, min_lr=[0.02, 0.004])),
    ("ReduceLROnPlateau", (), dict(patience=1, threshold=0.1, eps=0.02)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


def _metrics(name):
    return METRICS if name == "ReduceLROnPlateau" else None


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_lr_sequence_matches_pytorch(name, args, kwargs, optimizer):
    torch = pytest.importorskip("torch")
    ours = lr_sequence(minigrad, name, args, kwargs, optimizer, metrics=_metrics(name))
    theirs = lr_sequence(torch, name, args, kwargs, optimizer, metrics=_metrics(name))
    for epoch, ((lrs, moms), (tlrs, tmoms)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(lrs, tlrs, rtol=1e-14, atol=0, err_msg=f"epoch {epoch}")
        np.testing.assert_allclose(moms, tmoms, rtol=1e-14, atol=0, err_msg=f"epoch {epoch}")


def test_step_lr_closed_form():
    seq = [lrs for lrs, _ in lr_sequence(minigrad, "StepLR", (3,), dict(gamma=0.5), epochs=9)]
    expected = [[0.1 * 0.5 ** (t // 3), 0.05 * 0.5 ** (t // 3)] for t in range(10)]
    np.testing.assert_allclose(seq, expected, rtol=1e-15)


def test_cosine_annealing_follows_its_closed_form_over_a_half_period():
    seq = lr_sequence(minigrad, "CosineAnnealingLR", (10,), dict(eta_min=0.01), epochs=10)
    seq = [lrs[0] for lrs, _ in seq]
    expected = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(seq, expected, rtol=1e-12)


def test_lambda_lr_takes_one_function_per_group():
    opt = make_optimizer(minigrad)
    sched = lr_scheduler.LambdaLR(opt, [lambda e: 1.0 / (e + 1), lambda e: 2.0])
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.1]


def test_multi_step_lr_applies_a_repeated_milestone_twice():
    seq = [lrs[0] for lrs, _ in lr_sequence(minigrad, "MultiStepLR", ([2, 2],), dict(gamma=0.5), epochs=3)]
    np.testing.assert_allclose(seq, [0.1, 0.1, 0.025, 0.025])


def test_schedulers_chain_on_one_optimizer_like_pytorch():
    torch = pytest.importorskip("torch")

    def chain(lib):
        opt = make_optimizer(lib)
        scheds = [
            lib.optim.lr_scheduler.StepLR(opt, 4, gamma=0.5),
            lib.optim.lr_scheduler.ExponentialLR(opt, 0.9),
        ]
        out = []
        for _ in range(EPOCHS):
            opt.step()
            for s in scheds:
                s.step()
            out.append([g["lr"] for g in opt.param_groups])
        return out

    np.testing.assert_allclose(chain(minigrad), chain(torch), rtol=1e-14)


def test_one_cycle_cycles_adams_beta1():
    opt = make_optimizer(minigrad, "Adam")
    lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10, base_momentum=0.8, max_momentum=0.9)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 / 25)


# ----------------------------------------------------------------------------- state dicts


@pytest.mark.parametrize(
    "name,args,kwargs",
    [c for c in CASES if c[0] != "LambdaLR"],
    ids=[i for i, c in zip(IDS, CASES) if c[0] != "LambdaLR"],
)
def test_scheduler_state_dict_round_trip_resumes_the_sequence(name, args, kwargs):
    metrics = _metrics(name)

    def advance(opt, sched, epochs, start):
        out = []
        for epoch in range(start, start + epochs):
            opt.step()
            sched.step(*([metrics[epoch]] if metrics else []))
            out.append(sched.get_last_lr())
        return out

    cls = getattr(lr_scheduler, name)
    opt = make_optimizer(minigrad)
    sched = cls(opt, *args, **kwargs)
    advance(opt, sched, 10, 0)
    saved = pickle.loads(pickle.dumps((opt.state_dict(), sched.state_dict())))
    straight = advance(opt, sched, 10, 10)

    opt2 = make_optimizer(minigrad)
    sched2 = cls(opt2, *args, **kwargs)
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    assert advance(opt2, sched2, 10, 10) == straight


def test_lambda_lr_state_dict_keeps_callable_objects_state_but_not_functions():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = make_optimizer(minigrad)
    sched = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"n": 4}, None]
    state["lr_lambdas"][0]["n"] = 2
    sched.load_state_dict(state)
    assert sched.lr_lambdas[0].n == 2


# ----------------------------------------------------------------------------- errors


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], 3)


def test_resuming_without_initial_lr_raises():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(make_optimizer(minigrad), 3, last_epoch=5)


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), "start_factor=0"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), "end_factor=1.5"),
        (lambda o: lr_scheduler.OneCycleLR(o, 0.1), "total_steps OR"),
        (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=0), "total_steps, but got 0"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1),
            "steps_per_epoch, but got -1",
        ),
        (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=5, pct_start=1.5), "pct_start, but got 1.5"),
        (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=5, anneal_strategy="exp"), "instead got exp"),
        (lambda o: lr_scheduler.OneCycleLR(o, [0.1], total_steps=5), "expected 2 values for max_lr, got 1"),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), "Expected 2 lr_lambdas, but got 1"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), "factor=1.0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="avg"), "mode avg is unknown"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), "threshold mode x is unknown"),
    ],
)
def test_bad_scheduler_arguments_raise_naming_the_value(build, message):
    with pytest.raises(ValueError, match=message):
        build(make_optimizer(minigrad))


def test_one_cycle_needs_momentum_to_cycle():
    opt = make_optimizer(minigrad, "Adagrad")
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.OneCycleLR(opt, 0.1, total_steps=5)


def test_one_cycle_refuses_to_step_past_total_steps():
    opt = make_optimizer(minigrad)
    sched = lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()


def test_scheduler_step_before_optimizer_step_warns_as_pytorch():
    opt = make_optimizer(minigrad)
    sched = lr_scheduler.StepLR(opt, 1)
    with pytest.warns(
        UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"
    ):
        sched.step()
    opt.step()
    sched.step()  # later calls do not warn again (warnings are errors in this suite)


def test_scheduler_step_after_optimizer_step_does_not_warn_and_copies_keep_tracking():
    import copy

    opt = make_optimizer(minigrad)
    sched = lr_scheduler.StepLR(opt, 1)
    twin = copy.deepcopy(opt)
    opt.step()
    sched.step()
    assert opt._opt_called and not getattr(twin, "_opt_called", False)
    twin.step()  # the copy's step is bound to the copy
    assert twin._opt_called
