"""NAdam: Adam with Nesterov momentum (Dozat), with PyTorch's momentum schedule."""

import numpy as np

from minigrad._internal import from_array as _from_array
from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


class NAdam(Optimizer):
    r"""NAdam, as in PyTorch::

        m = v = 0;  mu_product = 1
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if decoupled_weight_decay:  p = p * (1 - lr * weight_decay)
            elif weight_decay != 0:     g = g + weight_decay * p
            mu_t  = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_t1 = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
            mu_product = mu_product * mu_t
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            denom = sqrt(v / (1 - beta2**t)) + eps
            p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
            p = p - lr * mu_t1 / (1 - mu_product * mu_t1) * m / denom

    Everything but the last four lines depends on t only (computed here once per step; the
    kernel does the rest). State per parameter: ``step``, ``mu_product`` (a 0-d float32
    tensor, as PyTorch keeps it), ``exp_avg`` (m) and ``exp_avg_sq`` (v).

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 2e-3); ``betas``: (beta1,
    beta2) (default (0.9, 0.999)); ``eps``: added to the denominator (default 1e-8);
    ``weight_decay``: L2 penalty added to the gradient (default 0); ``maximize``: ascend
    instead of descend; ``momentum_decay``: the decay of mu_t (default 4e-3);
    ``decoupled_weight_decay``: AdamW-style decay (NAdamW); ``foreach``: accepted (the
    update is always one fused pass); ``capturable``, ``differentiable``: False only (True
    raises NotImplementedError).

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([ 0.8944, -0.8944], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
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
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    _nonnegative = (
        ("lr", "learning rate"),
        ("eps", "epsilon value"),
        ("weight_decay", "weight_decay value"),
        ("momentum_decay", "momentum_decay value"),
    )

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = new_step()
            state["mu_product"] = _from_array(np.ones((), np.float32))
            state["exp_avg"] = zeros_like_array(param)
            state["exp_avg_sq"] = zeros_like_array(param)
        t = advance(state["step"])
        lr, wd, psi = group["lr"], group["weight_decay"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        product = state["mu_product"]._data
        product *= mu  # in float32, as PyTorch's 0-d state tensor
        state["mu_product"]._bump_version()
        decoupled = group["decoupled_weight_decay"]
        K.nadam(
            param,
            grad,
            state["exp_avg"]._data,
            state["exp_avg_sq"]._data,
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=0.0 if decoupled else wd,
            decay=1.0 - lr * wd if decoupled and wd != 0 else 1.0,
            bias_correction2=1 - beta2**t,
            grad_coef=-lr * (1.0 - mu) / (1.0 - float(product)),
            avg_coef=-lr * mu_next / (1.0 - float(product) * mu_next),
            maximize=group["maximize"],
        )
