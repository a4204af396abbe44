"""More learning-rate schedulers (issue 19), re-exported by ``lr_scheduler``: ConstantLR,
MultiplicativeLR, PolynomialLR (chainable, like those of ``lr_scheduler``),
CosineAnnealingWarmRestarts and CyclicLR (closed forms of the epoch), and the two that
drive other schedulers: SequentialLR (one after another, switching at milestones) and
ChainedScheduler (all of them every step).

The arithmetic follows PyTorch's term for term, so the sequences agree to the last bit.
"""

import math
import types
from bisect import bisect_right

from .lr_scheduler import LambdaLR, LRScheduler, _check_optimizer, _per_group


class ConstantLR(LRScheduler):
    """``factor * base_lr`` for the first ``total_iters`` epochs, then ``base_lr``.

    ``optimizer``: the one whose rates change; ``factor``: in (0, 1] (default 1/3);
    ``total_iters``: how many epochs (default 5); ``last_epoch``: the epoch to resume from (-1:
    start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = ConstantLR(opt, factor=0.5, total_iters=2)
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.5, 0.5, 1.0, 1.0]
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 < factor <= 1:
            raise ValueError(
                f"Constant multiplicative factor expected to be between 0 and 1, got factor={factor}"
            )
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._group_lrs()]
        if self.last_epoch != self.total_iters:
            return self._group_lrs()
        return [lr * (1.0 / self.factor) for lr in self._group_lrs()]


class MultiplicativeLR(LambdaLR):
    """Multiply the rate by ``lr_lambda(epoch)`` every epoch after the first.

    ``optimizer``: the one whose rates change; ``lr_lambda``: epoch -> factor (or one function
    per group); ``last_epoch``: the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = MultiplicativeLR(opt, lambda epoch: 0.5)
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 0.25, 0.125]
    """

    def get_lr(self):
        if self.last_epoch > 0:
            return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._group_lrs())]
        return self._group_lrs()


class PolynomialLR(LRScheduler):
    """``base_lr * (1 - epoch / total_iters) ** power`` until ``total_iters``, then 0.

    ``optimizer``: the one whose rates change; ``total_iters``: the epochs of the decay (default
    5); ``power``: the polynomial's degree (default 1: linear); ``last_epoch``: the epoch to
    resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = PolynomialLR(opt, total_iters=4, power=2.0)
    >>> lrs = []
    >>> for _ in range(6):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, n = self.last_epoch, self.total_iters
        if self._is_initial or t == 0 or t > n:
            return self._group_lrs()
        decay = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * decay for lr in self._group_lrs()]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: cosine from ``base_lr`` to ``eta_min`` over ``T_i`` epochs, then a restart;
    the first period is ``T_0`` and each next one ``T_mult`` times longer. ``step(epoch)``
    accepts a fractional epoch (``epoch + batch / batches``) to anneal within an epoch.

    ``optimizer``: the one whose rates change; ``T_0``: the first period, a positive int;
    ``T_mult``: the growth of the period, an int >= 1 (default 1); ``eta_min``: the lowest rate
    (default 0); ``last_epoch``: the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    >>> lrs = []
    >>> for _ in range(7):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):  # noqa: N803 (PyTorch's names)
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        cosine = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base - self.eta_min) * cosine / 2 for base in self.base_lrs]

    def step(self, epoch=None):
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        self._step_count += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._group_lrs()


_CYCLIC_MODES = {
    "triangular": (lambda x: 1.0, "cycle"),
    "triangular2": (lambda x: 1 / (2.0 ** (x - 1)), "cycle"),
}


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith): the rate goes from ``base_lr`` up to ``max_lr`` in
    ``step_size_up`` steps and back in ``step_size_down``; ``mode`` scales the amplitude
    (``triangular``: constant, ``triangular2``: halved each cycle, ``exp_range``:
    ``gamma ** step``). Momentum (or Adam's beta1) cycles the other way between
    ``max_momentum`` and ``base_momentum``. Step it once per batch.

    ``optimizer``: the one whose rates change; ``base_lr``, ``max_lr``: the bounds (a number or
    one per group); ``step_size_up``: steps of the rising half (default 2000);
    ``step_size_down``: of the falling half (default: the same); ``mode``: as above (default
    ``'triangular'``); ``gamma``: the ``exp_range`` base (default 1); ``scale_fn``: a custom
    amplitude function of one argument (replaces ``mode``); ``scale_mode``: whether ``scale_fn``
    takes the cycle number (``'cycle'``, default) or the step (``'iterations'``);
    ``cycle_momentum``: cycle the momentum too (default True; the optimizer needs a momentum or
    betas); ``base_momentum``, ``max_momentum``: its bounds (defaults 0.8, 0.9); ``last_epoch``:
    the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2, cycle_momentum=False)
    >>> lrs = []
    >>> for _ in range(6):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """

    def __init__(
        self,
        optimizer,
        base_lr,
        max_lr,
        step_size_up=2000,
        step_size_down=None,
        mode="triangular",
        gamma=1.0,
        scale_fn=None,
        scale_mode="cycle",
        cycle_momentum=True,
        base_momentum=0.8,
        max_momentum=0.9,
        last_epoch=-1,
    ):
        _check_optimizer(optimizer)
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size, self.step_ratio = up + down, up / (up + down)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma = mode, gamma
        if scale_fn is not None:
            self.scale_fn, self.scale_mode = scale_fn, scale_mode
        elif mode == "exp_range":
            self.scale_fn, self.scale_mode = (lambda x: gamma**x), "iterations"
        else:
            self.scale_fn, self.scale_mode = _CYCLIC_MODES[mode]
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups
                ):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, bottom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        amplitude = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale * amplitude for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, bottom, top in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums
            ):
                self._set_momentum(group, top - (top - bottom) * scale * amplitude)
        return lrs

    def state_dict(self):
        state = super().state_dict()
        if isinstance(self.scale_fn, types.FunctionType):
            del state["scale_fn"]  # a function cannot be saved; loading keeps this scheduler's own
        return state


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after the other: the i-th takes over at epoch ``milestones[i - 1]``
    (restarting from its epoch 0), e.g. a LinearLR warm-up then CosineAnnealingLR.

    ``optimizer``: the one whose rates change (the one every scheduler drives); ``schedulers``:
    the list, in order; ``milestones``: the switch epochs, one fewer than the schedulers;
    ``last_epoch``: the epoch to resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = SequentialLR(opt, [ConstantLR(opt, factor=0.1, total_iters=2),
    ...                             minigrad.optim.lr_scheduler.ExponentialLR(opt, 0.5)], [2])
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.1, 0.1, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer(optimizer)
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler")
        for i, s in enumerate(schedulers):
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(
                    f"SequentialLR expects all schedulers to belong to the same optimizer, but got scheduler "
                    f"{type(s).__name__} at index {i} with a different optimizer"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than the number "
                f"of milestone points, but got number of schedulers {len(schedulers)} and the number of "
                f"milestones to be equal to {len(milestones)}"
            )
        self.optimizer, self._schedulers, self._milestones = optimizer, list(schedulers), list(milestones)
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # undo the steps the schedulers' constructors took
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:
            s.last_epoch -= 1
        first = self._schedulers[0]
        first._is_initial = True
        first._step_count = 0  # a constructor's step again (PyTorch's _initial_step): no order warning
        first.step()
        first._is_initial = False
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            _restart(s)
        else:
            s.step()
        self._last_lr = s.get_last_lr()

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        for s, saved in zip(self._schedulers, state.pop("_schedulers")):
            s.load_state_dict(saved)
        self.__dict__.update(state)


def _restart(s):
    """A scheduler's epoch 0 again (PyTorch's ``step(0)``): its rates from its base rates."""
    for group, base in zip(s.optimizer.param_groups, s.base_lrs):
        group["lr"] = base
    s.last_epoch, s._is_initial = 0, True
    for group, lr in zip(s.optimizer.param_groups, s.get_lr()):
        group["lr"] = lr
    s._is_initial = False
    s._last_lr = s._group_lrs()


class ChainedScheduler(LRScheduler):
    """Step every scheduler of ``schedulers`` at each ``step()`` (their factors compose).

    ``schedulers``: the list, all driving one optimizer; ``optimizer``: that optimizer
    (default: the first scheduler's).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=2),
    ...                          minigrad.optim.lr_scheduler.ExponentialLR(opt, 0.5)])
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.1, 0.05, 0.25, 0.125]
    """

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained")
        self.optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        for i, s in enumerate(schedulers):
            if getattr(s, "optimizer", None) is not self.optimizer:
                raise ValueError(
                    f"ChainedScheduler expects all schedulers to belong to the same optimizer, but got "
                    f"scheduler {type(s).__name__} at index {i} with a different optimizer"
                )
        self._schedulers = list(schedulers)
        self._last_lr = self._group_lrs()

    def step(self):
        for s in self._schedulers:
            s.step()
        self._last_lr = self._group_lrs()

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict
