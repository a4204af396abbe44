"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""

import numpy as np

from minigrad._internal import from_array as _from_array
from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.), as in PyTorch::

        s = initial_accumulator_value
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            clr = lr / (1 + (t - 1) * lr_decay)
            s = s + g * g
            p = p - clr * g / (sqrt(s) + eps)

    Unlike the others, and like PyTorch, Adagrad creates its state (``step`` and ``sum``)
    when the optimizer is built, so ``initial_accumulator_value`` is visible at once.

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 1e-2); ``lr_decay``: the
    learning rate's decay per step (default 0); ``weight_decay``: L2 penalty added to the
    gradient (default 0); ``maximize``: ascend instead of descend;
    ``initial_accumulator_value``: the start of s (default 0); ``eps``: added to the
    denominator (default 1e-10); ``foreach``, ``fused``: accepted (the update is always one
    fused pass); ``differentiable``: False only (True raises NotImplementedError).

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w      # g / sqrt(g^2) = sign(g)
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._new_state(p._data, group)

    @staticmethod
    def _new_state(param, group):
        total = np.full(param.shape, group["initial_accumulator_value"], dtype=param.dtype)
        return {"step": new_step(), "sum": _from_array(total)}

    _nonnegative = (
        ("lr", "learning rate"),
        ("lr_decay", "lr_decay value"),
        ("weight_decay", "weight_decay value"),
        ("initial_accumulator_value", "initial_accumulator_value value"),
        ("eps", "epsilon value"),
    )

    def _update(self, param, grad, state, group):
        if not state:  # a group added after construction
            state.update(self._new_state(param, group))
        t = advance(state["step"])
        K.adagrad(
            param,
            grad,
            state["sum"]._data,
            clr=group["lr"] / (1 + (t - 1) * group["lr_decay"]),
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )
