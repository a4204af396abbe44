"""RAdam: Adam with the variance of its adaptive rate rectified (Liu et al.)."""

import math

from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


class RAdam(Optimizer):
    r"""RAdam, as in PyTorch::

        m = v = 0;  rho_inf = 2 / (1 - beta2) - 1
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if decoupled_weight_decay:  p = p * (1 - lr * weight_decay)
            elif weight_decay != 0:     g = g + weight_decay * p
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat = m / (1 - beta1**t)
            rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
            if rho_t > 5:   # the variance is tractable: an adaptive, rectified step
                r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                p = p - m_hat * lr * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
            else:           # the first few steps: SGD with momentum
                p = p - m_hat * lr

    rho_t and r depend on t only (computed here). State: ``step``, ``exp_avg``, ``exp_avg_sq``.

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 1e-3); ``betas``: (beta1,
    beta2) (default (0.9, 0.999)); ``eps``: added to the denominator (default 1e-8);
    ``weight_decay``: L2 penalty added to the gradient (default 0); ``maximize``: ascend
    instead of descend; ``decoupled_weight_decay``: AdamW-style decay; ``foreach``: accepted
    (the update is always one fused pass); ``capturable``, ``differentiable``: False only
    (True raises NotImplementedError).

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w      # rho_1 <= 5: a plain momentum step, m_hat = g
    tensor([ 0.8000, -0.8000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    _nonnegative = (("lr", "learning rate"), ("eps", "epsilon value"), ("weight_decay", "weight_decay value"))

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = new_step()
            state["exp_avg"] = zeros_like_array(param)
            state["exp_avg_sq"] = zeros_like_array(param)
        t = advance(state["step"])
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        bc2 = 1 - beta2**t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2**t) / bc2
        rectified = rho_t > 5.0
        rect = (
            math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            if rectified
            else 1.0
        )
        decoupled = group["decoupled_weight_decay"]
        K.radam(
            param,
            grad,
            state["exp_avg"]._data,
            state["exp_avg_sq"]._data,
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=0.0 if decoupled else wd,
            decay=1.0 - lr * wd if decoupled and wd != 0 else 1.0,
            lr=lr,
            bias_correction1=1 - beta1**t,
            bias_correction2_sqrt=math.sqrt(bc2),
            rect=rect,
            rectified=rectified,
            maximize=group["maximize"],
        )
