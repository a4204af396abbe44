"""Learning-rate schedulers: each ``step()`` sets ``group["lr"]`` of every param group.

The protocol is PyTorch's. A scheduler remembers each group's starting rate as
``group["initial_lr"]`` (``base_lrs``) and counts ``last_epoch``; the constructor takes
the first step (``last_epoch`` -1 -> 0), which is the "initial" step: it applies a start
factor (LinearLR) or leaves the rate alone. Call ``scheduler.step()`` after
``optimizer.step()``, once per epoch (or per batch for OneCycleLR).

``get_lr()`` is written in PyTorch's *chainable* form where PyTorch uses it: the new rate is
computed from the group's current ``lr`` (so two schedulers on one optimizer compose), and
in the same arithmetic, so the sequences agree with PyTorch's to the last bit or two.
``state_dict()`` is every attribute but the optimizer (LambdaLR keeps only the state of
callable objects, not functions, which cannot be saved).

PyTorch's warning when the first ``scheduler.step()`` comes before any ``optimizer.step()``
is kept (issue 17): the constructor wraps the optimizer's ``step`` (on the instance) so that it
records that it ran. Left out: the deprecated ``step(epoch)`` form.
"""

import math
import types
import warnings
from collections import Counter

_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, "
    "you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  "
    "Failure to do this will result in PyTorch skipping the first value of the learning rate "
    "schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)


def _track_step_calls(optimizer):
    """Make ``optimizer.step()`` set ``optimizer._opt_called`` (once per optimizer)."""
    step = optimizer.step
    if getattr(step, "_wrapped_by_lr_sched", False) or not isinstance(step, types.MethodType):
        return
    func = step.__func__

    def tracked(self, *args, **kwargs):
        self._opt_called = True
        return func(self, *args, **kwargs)

    tracked._wrapped_by_lr_sched = True
    tracked.__doc__ = func.__doc__
    # a bound method on the instance: copy.deepcopy(optimizer) rebinds it to the copy
    optimizer.step = types.MethodType(tracked, optimizer)


def _check_optimizer(optimizer):
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _per_group(name, optimizer, value):
    """One value per param group: a list as it is (length checked) or a scalar repeated."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return list(value)
    return [value] * n


class LRScheduler:
    """Base class: keeps ``base_lrs``, ``last_epoch`` and the last rates set.

    Subclasses implement ``get_lr()``: the list of new rates, one per group, for the epoch
    ``self.last_epoch`` (already advanced). ``optimizer``: the one whose rates change (each
    group's ``initial_lr`` is recorded); ``last_epoch``: the epoch to resume from (-1: start).

    >>> class Halving(LRScheduler):
    ...     def get_lr(self):
    ...         return [base * 0.5**self.last_epoch for base in self.base_lrs]
    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = Halving(opt)
    >>> opt.step(); sched.step(); opt.step(); sched.step(); sched.get_last_lr(), sched.last_epoch
    ([0.25], 2)
    """

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                    f"scheduler with last_epoch={last_epoch}; load the optimizer's state dict first"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _track_step_calls(optimizer)
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr")

    def get_last_lr(self):
        """The learning rates set by the last ``step()``, one per param group."""
        return self._last_lr

    def _group_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        """Advance one epoch and set every group's ``lr``."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._group_lrs()

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


_LRScheduler = LRScheduler  # the name older PyTorch code subclasses


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(epoch)``; ``lr_lambda`` is a function or one per group.

    ``optimizer``: the one whose rates change; ``lr_lambda``: epoch -> factor; ``last_epoch``:
    the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([minigrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = LambdaLR(opt, lambda epoch: 0.5 ** epoch)
    >>> opt.step(); sched.step(); opt.param_groups[0]["lr"]
    0.5
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs.

    ``optimizer``: the one whose rates change; ``step_size``: epochs between decays; ``gamma``: the
    factor (default 0.1); ``last_epoch``: the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each epoch listed in ``milestones`` (a milestone
    listed twice multiplies by ``gamma**2``).

    ``optimizer``: the one whose rates change; ``milestones``: the epochs (increasing); ``gamma``:
    the factor (default 0.1); ``last_epoch``: the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.1, 0.1, 0.01]
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._group_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._group_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch.

    ``optimizer``: the one whose rates change; ``gamma``: the factor per epoch; ``last_epoch``: the
    epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 0.25, 0.125]
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs (then back up):
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``, computed
    recursively from the current rate as PyTorch does.

    ``optimizer``: the one whose rates change; ``T_max``: the epochs of the half cycle;
    ``eta_min``: the lowest rate (default 0); ``last_epoch``: the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):  # noqa: N803 (PyTorch's name)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _closed_form(self, base):
        cosine = 1 + math.cos(self.last_epoch * math.pi / self.T_max)
        return self.eta_min + (base - self.eta_min) * cosine / 2

    def get_lr(self):
        t, eta = self.last_epoch, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and t > 0:
            return [self._closed_form(base) for base in self.base_lrs]
        if (t - 1 - self.T_max) % (2 * self.T_max) == 0:  # the bottom of a cycle
            return [
                lr + (base - eta) * (1 - math.cos(math.pi / self.T_max)) / 2
                for lr, base in zip(self._group_lrs(), self.base_lrs)
            ]
        ratio = (1 + math.cos(math.pi * t / self.T_max)) / (1 + math.cos(math.pi * (t - 1) / self.T_max))
        return [ratio * (lr - eta) + eta for lr in self._group_lrs()]


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor * base_lr`` to ``end_factor * base_lr``
    over ``total_iters`` epochs, then keep it.

    ``optimizer``: the one whose rates change; ``start_factor``, ``end_factor``: the multipliers of
    ``base_lr`` at the start and the end; ``total_iters``: the epochs in between; ``last_epoch``:
    the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0 < start_factor <= 1:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or equal "
                f"to 1, got start_factor={start_factor}"
            )
        if not 0 <= end_factor <= 1:
            raise ValueError(
                f"Ending multiplicative factor expected to be between 0 and 1, got end_factor={end_factor}"
            )
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t = self.last_epoch
        if t == 0:
            return [lr * self.start_factor for lr in self._group_lrs()]
        if self._is_initial or t > self.total_iters:
            return self._group_lrs()
        span = self.end_factor - self.start_factor
        factor = 1.0 + span / (self.total_iters * self.start_factor + (t - 1) * span)
        return [lr * factor for lr in self._group_lrs()]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith): the rate warms up from ``max_lr / div_factor`` to
    ``max_lr`` over ``pct_start`` of ``total_steps``, then anneals to
    ``initial_lr / final_div_factor`` (three phases with ``three_phase=True``); momentum
    (or Adam's beta1) cycles the opposite way between ``max_momentum`` and
    ``base_momentum``. Step it once per batch.

    ``optimizer``: the one whose rates change; ``total_steps``, or ``epochs`` and
    ``steps_per_epoch``: the length of the cycle; ``anneal_strategy``: ``'cos'`` or ``'linear'``;
    ``cycle_momentum``: cycle the momentum too; ``last_epoch``: the step to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1, momentum=0.9)
    >>> sched = minigrad.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> lrs = []
    >>> for _ in range(10):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.04, 0.52, 1.0, 0.9505, 0.8117, 0.6113, 0.3887, 0.1883, 0.0495, 0.0]
    """

    def __init__(
        self,
        optimizer,
        max_lr,
        total_steps=None,
        epochs=None,
        steps_per_epoch=None,
        pct_start=0.3,
        anneal_strategy="cos",
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
        last_epoch=-1,
    ):
        _check_optimizer(optimizer)
        self.total_steps = self._total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self.anneal_strategy = anneal_strategy
        self._schedule_phases = self._phases(pct_start, three_phase)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, _per_group("max_lr", optimizer, max_lr)):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._init_momentum(optimizer, max_momentum, base_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _total_steps(total_steps, epochs, steps_per_epoch):
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            return total_steps
        if epochs is None or steps_per_epoch is None:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Expected positive integer {name}, but got {value}")
        return epochs * steps_per_epoch

    def _phases(self, pct_start, three_phase):
        """(last step of the phase, lr from, lr to, momentum from, momentum to)."""
        warm_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            return [
                (warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (
                    float(2 * pct_start * self.total_steps) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                (last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        return [
            (warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            (last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
        ]

    def _init_momentum(self, optimizer, max_momentum, base_momentum, last_epoch):
        defaults = getattr(optimizer, "defaults", optimizer.param_groups[0])
        if "momentum" not in defaults and "betas" not in defaults:
            raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
        self.use_beta1 = "betas" in defaults
        if last_epoch != -1:
            return
        tops = _per_group("max_momentum", optimizer, max_momentum)
        bases = _per_group("base_momentum", optimizer, base_momentum)
        for group, top, base in zip(optimizer.param_groups, tops, bases):
            self._set_momentum(group, top)
            group["max_momentum"] = top
            group["base_momentum"] = base

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(
                f"Tried to step {t} times. The specified number of total steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_from, lr_to, m_from, m_to) in enumerate(self._schedule_phases):
                if t <= end or i == len(self._schedule_phases) - 1:
                    pct = (t - start) / (end - start)
                    break
                start = end
            lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
            if self.cycle_momentum:
                self._set_momentum(group, self._anneal(group[m_from], group[m_to], pct))
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` once a metric has stopped improving for
    ``patience`` epochs; ``step(metric)`` takes the metric (e.g. validation loss).

    Improvement is relative (``threshold_mode="rel"``: better than ``best * (1 -
    threshold)`` in ``mode="min"``) or absolute (better than ``best - threshold``). After a
    reduction, ``cooldown`` epochs pass before bad epochs count again; the rate never goes
    below ``min_lr``, and a change smaller than ``eps`` is skipped.

    ``optimizer``: the one whose rates change; ``mode``: ``'min'`` (a loss) or ``'max'``.

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0]:
    ...     sched.step(loss)
    >>> opt.param_groups[0]["lr"]
    0.5
    """

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0,
        eps=1e-8,
    ):
        if factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0, got factor={factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown! (use 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown! (use 'rel' or 'abs')")
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        self.factor = factor
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        if self.threshold_mode == "rel":
            if self.mode == "min":
                return a < best * (1.0 - self.threshold)
            return a > best * (self.threshold + 1.0)
        if self.mode == "min":
            return a < best - self.threshold
        return a > best + self.threshold

    def step(self, metrics):
        """Record this epoch's metric; reduce the rates if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()

    def _reduce_lr(self):
        for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:
                group["lr"] = new


# the schedulers added for issue 19 live in their own module; PyTorch's import path is this one
from .lr_scheduler_more import (  # noqa: E402
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    MultiplicativeLR,
    PolynomialLR,
    SequentialLR,
)

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "MultiplicativeLR",
    "PolynomialLR",
    "SequentialLR",
]
