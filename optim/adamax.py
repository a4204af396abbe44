"""Adamax: Adam with the infinity norm in place of the second moment."""

from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, section 7), as in PyTorch::

        m = u = 0
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            m = beta1 * m + (1 - beta1) * g
            u = max(beta2 * u, |g| + eps)
            p = p - lr / (1 - beta1**t) * m / u

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 2e-3); ``betas``: (beta1,
    beta2), the decay rates of m and u (default (0.9, 0.999)); ``eps``: added to |g|
    (default 1e-8); ``weight_decay``: L2 penalty added to the gradient (default 0);
    ``maximize``: ascend instead of descend; ``foreach``: accepted (the update is always one
    fused pass); ``capturable``, ``differentiable``: False only (True raises
    NotImplementedError).

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w      # the first step moves by lr
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    _nonnegative = (("lr", "learning rate"), ("eps", "epsilon value"), ("weight_decay", "weight_decay value"))

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = new_step()
            state["exp_avg"] = zeros_like_array(param)
            state["exp_inf"] = zeros_like_array(param)
        t = advance(state["step"])
        beta1, beta2 = group["betas"]
        K.adamax(
            param,
            grad,
            state["exp_avg"]._data,
            state["exp_inf"]._data,
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            clr=group["lr"] / (1 - beta1**t),
            maximize=group["maximize"],
        )
