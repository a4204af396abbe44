"""The schedulers of issue 19 (``optim/lr_scheduler_more.py``): rate and momentum sequences
equal PyTorch's over two param groups, with SGD and Adam, plus closed forms and state."""

import math
import pickle

import numpy as np
import pytest
from test_lr_scheduler import EPOCHS, _momenta, lr_sequence, make_optimizer

import minigrad

CASES = [
    ("ConstantLR", (), dict()),
    ("ConstantLR", (), dict(factor=0.5, total_iters=3)),
    ("MultiplicativeLR", (lambda epoch: 0.95,), dict()),
    ("PolynomialLR", (), dict(total_iters=8, power=2.0)),
    ("PolynomialLR", (), dict()),
    ("CosineAnnealingWarmRestarts", (5,), dict()),
    ("CosineAnnealingWarmRestarts", (3,), dict(T_mult=2, eta_min=0.001)),
    ("CyclicLR", (0.01, 0.1), dict(step_size_up=4)),
    ("CyclicLR", ([0.01, 0.02], 0.1), dict(step_size_up=3, step_size_down=5, mode="triangular2")),
    ("CyclicLR", (0.01, 0.1), dict(step_size_up=4, mode="exp_range", gamma=0.97)),
    ("CyclicLR", (0.01, 0.1), dict(step_size_up=2, cycle_momentum=False)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_lr_sequence_matches_pytorch(name, args, kwargs, optimizer):
    torch = pytest.importorskip("torch")
    ours = lr_sequence(minigrad, name, args, kwargs, optimizer)
    theirs = lr_sequence(torch, name, args, kwargs, optimizer)
    for epoch, ((lrs, moms), (tlrs, tmoms)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(lrs, tlrs, rtol=1e-14, atol=0, err_msg=f"epoch {epoch}")
        np.testing.assert_allclose(moms, tmoms, rtol=1e-14, atol=0, err_msg=f"epoch {epoch}")


def _drive(lib, build, epochs=EPOCHS, fractional=False):
    opt = make_optimizer(lib)
    sched = build(lib.optim.lr_scheduler, opt)
    seq = [sched.get_last_lr()]
    for epoch in range(epochs):
        opt.step()
        if fractional:
            for i in range(4):
                sched.step(epoch + i / 4)
                seq.append(sched.get_last_lr())
        else:
            sched.step()
        seq.append(list(sched.get_last_lr()) + _momenta(opt))
    return seq


COMPOSED = {
    "sequential_warmup_cosine": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, 0.1, total_iters=4), S.CosineAnnealingLR(o, 10)], milestones=[4]
    ),
    "sequential_three": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, 0.5, 3), S.ExponentialLR(o, 0.9), S.StepLR(o, 2, 0.5)], milestones=[5, 12]
    ),
    "chained": lambda S, o: S.ChainedScheduler([S.ConstantLR(o, 0.1, 4), S.ExponentialLR(o, 0.9)]),
    "chained_with_multistep": lambda S, o: S.ChainedScheduler(
        [S.MultiStepLR(o, [3, 8]), S.PolynomialLR(o, 10)]
    ),
}


@pytest.mark.parametrize("name", list(COMPOSED))
def test_composed_schedulers_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = _drive(minigrad, COMPOSED[name]), _drive(torch, COMPOSED[name])
    for epoch, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=0, err_msg=f"epoch {epoch}")


def test_warm_restarts_with_fractional_epochs_match_pytorch():
    torch = pytest.importorskip("torch")

    def build(S, o):
        return S.CosineAnnealingWarmRestarts(o, 3, T_mult=2)

    ours, theirs = _drive(minigrad, build, 12, True), _drive(torch, build, 12, True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)


def test_warm_restarts_closed_form_restarts_each_period():
    seq = [lrs[0] for lrs, _ in lr_sequence(minigrad, "CosineAnnealingWarmRestarts", (4,), dict(), epochs=8)]
    expected = [0.1 * (1 + math.cos(math.pi * (t % 4) / 4)) / 2 for t in range(9)]
    np.testing.assert_allclose(seq, expected, rtol=1e-14)


def test_cyclic_lr_triangle_closed_form():
    seq = [lrs[0] for lrs, _ in lr_sequence(minigrad, "CyclicLR", (0.0, 1.0), dict(step_size_up=2), epochs=8)]
    np.testing.assert_allclose(seq, [0, 0.5, 1, 0.5, 0, 0.5, 1, 0.5, 0], atol=1e-15)


def test_cyclic_lr_needs_momentum_to_cycle_it():
    opt = minigrad.optim.Adagrad([minigrad.ones(2, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        minigrad.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)


def test_sequential_lr_checks_milestones_and_optimizers():
    S = minigrad.optim.lr_scheduler
    opt, other = make_optimizer(minigrad), make_optimizer(minigrad)
    with pytest.raises(ValueError, match="number of schedulers provided to be one more"):
        S.SequentialLR(opt, [S.ConstantLR(opt), S.ConstantLR(opt)], milestones=[])
    with pytest.raises(ValueError, match="same optimizer"):
        S.SequentialLR(opt, [S.ConstantLR(opt), S.ConstantLR(other)], milestones=[2])


def test_composed_scheduler_state_round_trips_through_pickle():
    S = minigrad.optim.lr_scheduler
    opt = make_optimizer(minigrad)
    sched = COMPOSED["sequential_warmup_cosine"](S, opt)
    for _ in range(6):
        opt.step()
        sched.step()
    state = pickle.loads(pickle.dumps(sched.state_dict()))
    opt2 = make_optimizer(minigrad)
    again = COMPOSED["sequential_warmup_cosine"](S, opt2)  # build, then load both states (PyTorch's order)
    opt2.load_state_dict(opt.state_dict())
    again.load_state_dict(state)
    for _ in range(3):
        opt.step(), sched.step(), opt2.step(), again.step()
    assert again.get_last_lr() == sched.get_last_lr() == [g["lr"] for g in opt2.param_groups]
