"""Stochastic weight averaging (``torch.optim.swa_utils``): AveragedModel keeps a running
average (or an EMA) of a model's parameters, SWALR anneals each group's rate to a fixed
``swa_lr``, and update_bn recomputes batch-norm statistics for the averaged weights.

AveragedModel holds a deep copy of the model as ``module`` (so its state-dict keys are
``module.<name>`` and ``n_averaged``, PyTorch's) and updates it under ``no_grad``.
"""

import copy
import itertools
import math

from minigrad.nn.module import Module

import minigrad

from .lr_scheduler import LRScheduler, _per_group


def get_ema_avg_fn(decay=0.999):
    """``avg_fn`` of an exponential moving average: ``decay * averaged + (1 - decay) * current``.

    ``decay``: the weight of the average so far (default 0.999).

    >>> ema = get_ema_avg_fn(0.9)
    >>> ema(minigrad.tensor([1.0]), minigrad.tensor([2.0]), 5)
    tensor([1.1000])
    """

    def ema_update(averaged, current, num_averaged):
        return decay * averaged + (1 - decay) * current

    return ema_update


def get_swa_avg_fn():
    """``avg_fn`` of the equal-weight running mean (the default).

    >>> swa = get_swa_avg_fn()
    >>> swa(minigrad.tensor([2.0]), minigrad.tensor([5.0]), minigrad.tensor(2.0))   # (2 + 2 + 5) / 3
    tensor([3.])
    """

    def swa_update(averaged, current, num_averaged):
        return averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """The running average of ``model``'s parameters (and buffers with ``use_buffers``).

    ``model``: the module to average (deep-copied into ``self.module``); ``device``: accepted
    (there is one CPU device); ``avg_fn``: ``(averaged, current, num_averaged) -> new average``
    (default: the equal-weight mean, ``get_swa_avg_fn()``; ``get_ema_avg_fn()`` for an EMA);
    ``multi_avg_fn``: not supported (raises NotImplementedError; pass ``avg_fn``);
    ``use_buffers``: average the buffers too (else they are copied from ``model``).

    >>> model = nn.Linear(2, 1)
    >>> swa = AveragedModel(model)
    >>> for value in (1.0, 3.0):               # two epochs of the SWA phase
    ...     with minigrad.no_grad():
    ...         _ = model.weight.fill_(value)
    ...     swa.update_parameters(model)      # the first copies, then a running mean
    >>> swa.module.weight.detach()
    tensor([[2., 2.]])
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if multi_avg_fn is not None:
            raise NotImplementedError("AveragedModel: multi_avg_fn is not supported; pass avg_fn instead")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", minigrad.tensor(0))
        self.avg_fn = avg_fn if avg_fn is not None else get_swa_avg_fn()
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tensors(self, model):
        params = model.parameters()
        return itertools.chain(params, model.buffers()) if self.use_buffers else params

    def update_parameters(self, model):
        """Fold ``model``'s current values into the average (the first call copies them)."""
        n = int(self.n_averaged.item())
        with minigrad.no_grad():
            for mine, theirs in zip(self._tensors(self.module), self._tensors(model)):
                current = theirs.detach().to(mine.dtype)
                if n == 0 or not mine.is_floating_point():
                    mine.copy_(current)
                else:
                    mine.copy_(self.avg_fn(mine.detach(), current, self.n_averaged.to(mine.dtype)))
        if not self.use_buffers:  # keep the buffers (e.g. BN statistics) in step with the model
            with minigrad.no_grad():
                for mine, theirs in zip(self.module.buffers(), model.buffers()):
                    mine.copy_(theirs.detach().to(mine.dtype))
        self.n_averaged.add_(1)


def update_bn(loader, model, device=None):
    """Recompute the running statistics of every batch-norm layer of ``model`` with one pass
    over ``loader`` (a cumulative average: momentum None), as after weight averaging.

    ``loader``: an iterable of batches (a tensor, or a list/tuple whose first item is the input);
    ``model``: the network, in any mode (restored afterwards); ``device``: accepted (one CPU
    device).

    >>> model = nn.BatchNorm1d(1)
    >>> update_bn([minigrad.tensor([[1.0], [3.0]]), minigrad.tensor([[5.0], [7.0]])], model)
    >>> model.running_mean, model.running_var, model.training
    (tensor([4.]), tensor([2.]), True)
    """
    norms = {
        m: m.momentum for m in model.modules() if hasattr(m, "running_mean") and m.running_mean is not None
    }
    if not norms:
        return
    was_training = model.training
    model.train()
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    with minigrad.no_grad():
        for batch in loader:
            model(batch[0] if isinstance(batch, (list, tuple)) else batch)
    for m, momentum in norms.items():
        m.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate from its current value to ``swa_lr`` over ``anneal_epochs``
    epochs (``anneal_strategy`` ``"cos"`` or ``"linear"``), then hold it.

    ``optimizer``: the one whose rates change; ``swa_lr``: the target rate (or one per group);
    ``anneal_epochs``: how long the annealing takes (default 10); ``last_epoch``: the epoch to
    resume from (-1: start).

    >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    >>> sched = SWALR(opt, swa_lr=0.2, anneal_epochs=2, anneal_strategy="linear")
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.6, 0.2, 0.2]
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must by one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_strategy, self.anneal_epochs = anneal_strategy, anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t):
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    @staticmethod
    def _initial_lr(lr, swa_lr, alpha):
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_alpha = self._anneal(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self._anneal(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]
