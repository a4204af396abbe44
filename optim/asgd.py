"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky)."""

import numpy as np

from minigrad._internal import from_array as _from_array
from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


def _scalar(value):
    """A 0-d float32 state tensor, as PyTorch keeps ``eta`` and ``mu``."""
    return _from_array(np.array(value, np.float32))


class ASGD(Optimizer):
    r"""ASGD, as in PyTorch::

        eta = lr;  mu = 1;  ax = 0
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            p = p * (1 - lambd * eta) - eta * g
            ax = p if mu == 1 else ax + mu * (p - ax)       # the running average of p
            eta = lr / (1 + lambd * lr * t) ** alpha
            mu = 1 / max(1, t - t0)

    State per parameter: ``step``, ``eta``, ``mu`` (0-d float32 tensors) and ``ax``.

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 1e-2); ``lambd``: the decay
    term (default 1e-4); ``alpha``: the power in eta's update (default 0.75); ``t0``: the
    step at which averaging starts (default 1e6); ``weight_decay``: L2 penalty added to the
    gradient (default 0); ``maximize``: ascend instead of descend; ``foreach``: accepted
    (the update is always one fused pass); ``capturable``, ``differentiable``: False only
    (True raises NotImplementedError). The average is ``opt.state[p]["ax"]``.

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ASGD([w], lr=0.1, lambd=0.0)
    >>> (w * w).sum().backward(); opt.step(); w      # p - lr * 2p
    tensor([ 0.8000, -0.8000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    _nonnegative = (("lr", "learning rate"), ("weight_decay", "weight_decay value"))

    def _update(self, param, grad, state, group):
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state["step"] = new_step()
            state["eta"] = _scalar(lr)
            state["mu"] = _scalar(1.0)
            state["ax"] = zeros_like_array(param)
        t = advance(state["step"])
        eta, mu = float(state["eta"]._data), float(state["mu"]._data)
        K.asgd(
            param,
            grad,
            state["ax"]._data,
            weight_decay=group["weight_decay"],
            shrink=1 - lambd * eta,
            eta=eta,
            mu=mu,
            maximize=group["maximize"],
        )
        state["eta"]._data[...] = lr / ((1 + lambd * lr * t) ** group["alpha"])
        state["mu"]._data[...] = 1 / max(1, t - group["t0"])
