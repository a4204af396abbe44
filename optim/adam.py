"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), as in PyTorch, with amsgrad and weight decay::

        m = v = v_max = 0
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if decoupled_weight_decay:  p = p * (1 - lr * weight_decay)     # AdamW
            elif weight_decay != 0:     g = g + weight_decay * p            # L2
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            if amsgrad:  v_max = max(v_max, v);  v = v_max
            p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The two bias corrections depend on t only, so they are computed here once per step;
    the kernel does the rest in one pass. State per parameter: ``step`` (a 0-d float32
    tensor), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad, ``max_exp_avg_sq``.

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 1e-3); ``betas``: (beta1,
    beta2), the decay rates of m and v (default (0.9, 0.999)); ``eps``: added to the
    denominator (default 1e-8); ``weight_decay``: L2 penalty added to the gradient (default
    0); ``maximize``: ascend instead of descend; ``amsgrad``: use the running maximum of v;
    ``decoupled_weight_decay``: AdamW's decay; ``foreach``, ``fused``: accepted (the update
    is always one fused pass); ``capturable``, ``differentiable``: False only (True raises
    NotImplementedError).

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w      # the first step moves by lr
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    _nonnegative = (("lr", "learning rate"), ("eps", "epsilon value"), ("weight_decay", "weight_decay value"))

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = new_step()
            state["exp_avg"] = zeros_like_array(param)
            state["exp_avg_sq"] = zeros_like_array(param)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = zeros_like_array(param)
        t = advance(state["step"])
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        K.adam(
            param,
            grad,
            state["exp_avg"]._data,
            state["exp_avg_sq"]._data,
            state["max_exp_avg_sq"]._data if group["amsgrad"] else None,
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=0.0 if decoupled else wd,
            decay=1.0 - lr * wd if decoupled and wd != 0 else 1.0,
            step_size=lr / (1 - beta1**t),
            bias_correction2_sqrt=(1 - beta2**t) ** 0.5,
            maximize=group["maximize"],
        )


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): the parameter shrinks by
    ``1 - lr * weight_decay`` before the Adam update instead of adding ``weight_decay * p``
    to the gradient. Same pseudo-code and state as :class:`Adam` with
    ``decoupled_weight_decay=True``; the default ``weight_decay`` is 1e-2.

    ``params``: the parameters (or parameter-group dicts); ``lr``: the step size; ``betas``: the
    decay rates of the first and second moment averages; ``eps``: added to the denominator;
    ``weight_decay``: the decoupled decay; ``amsgrad``: use the running maximum of the second
    moment; ``maximize``: ascend instead; ``foreach``, ``capturable``, ``differentiable``,
    ``fused``: accepted for PyTorch's signature.

    >>> w = nn.Parameter(minigrad.tensor([1.0, -1.0]))
    >>> opt = minigrad.optim.AdamW([w], lr=0.1, weight_decay=0.0)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
