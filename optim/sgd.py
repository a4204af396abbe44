"""Stochastic gradient descent, with momentum, dampening, Nesterov, weight decay, maximize."""

from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, zeros_like_array


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as in PyTorch::

        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            if momentum != 0:
                b = g                                    if t == 1
                b = momentum * b + (1 - dampening) * g   otherwise
                g = g + momentum * b  if nesterov  else  b
            p = p - lr * g

    The momentum buffer ``b`` is the only state (``state[p]["momentum_buffer"]``, created
    on the first step with momentum); SGD without momentum keeps no state at all.

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 1e-3); ``momentum``: the
    momentum factor (default 0); ``dampening``: the new gradient enters the buffer times
    (1 - dampening) (default 0); ``weight_decay``: L2 penalty added to the gradient (default 0);
    ``maximize``: ascend instead of descend; ``nesterov``: Nesterov momentum (needs momentum
    > 0 and dampening 0); ``foreach``, ``fused``: accepted (the update is always one fused
    pass); ``differentiable``: False only (True raises NotImplementedError).

    >>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.8000, 1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    _nonnegative = (
        ("lr", "learning rate"),
        ("momentum", "momentum value"),
        ("weight_decay", "weight_decay value"),
    )

    def _validate(self, group):
        super()._validate(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={group['momentum']}, dampening={group['dampening']})"
            )

    def _update(self, param, grad, state, group):
        momentum = group["momentum"]
        buf = state.get("momentum_buffer")
        first = buf is None
        if momentum != 0 and first:
            buf = state["momentum_buffer"] = zeros_like_array(param)
        K.sgd(
            param,
            grad,
            buf._data if momentum != 0 else None,
            lr=group["lr"],
            momentum=momentum,
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
            first_step=first,
        )
