"""RMSprop: gradients divided by a running root-mean-square, with momentum and centering."""

from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), as in PyTorch::

        v = g_avg = b = 0
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            v = alpha * v + (1 - alpha) * g * g
            if centered:
                g_avg = alpha * g_avg + (1 - alpha) * g
                avg = sqrt(v - g_avg * g_avg) + eps
            else:
                avg = sqrt(v) + eps
            if momentum > 0:
                b = momentum * b + g / avg
                p = p - lr * b
            else:
                p = p - lr * g / avg

    State per parameter: ``step``, ``square_avg`` (v) and, when used, ``grad_avg`` and
    ``momentum_buffer`` (b).

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the learning rate (default 1e-2); ``alpha``: the decay
    rate of v (default 0.99); ``eps``: added to the denominator (default 1e-8);
    ``momentum``: the momentum factor (default 0); ``centered``: divide by an estimate of
    the variance rather than of the second moment; ``weight_decay``: L2 penalty added to the
    gradient (default 0); ``maximize``: ascend instead of descend; ``foreach``: accepted
    (the update is always one fused pass); ``capturable``, ``differentiable``: False only
    (True raises NotImplementedError).

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step(); w      # g / sqrt(0.01 g^2) = 10 sign(g)
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    _nonnegative = (
        ("lr", "learning rate"),
        ("eps", "epsilon value"),
        ("momentum", "momentum value"),
        ("weight_decay", "weight_decay value"),
        ("alpha", "alpha value"),
    )

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = new_step()
            state["square_avg"] = zeros_like_array(param)
        for name, used in (("grad_avg", group["centered"]), ("momentum_buffer", group["momentum"] > 0)):
            if used and name not in state:
                state[name] = zeros_like_array(param)
        advance(state["step"])
        K.rmsprop(
            param,
            grad,
            state["square_avg"]._data,
            state["grad_avg"]._data if group["centered"] else None,
            state["momentum_buffer"]._data if group["momentum"] > 0 else None,
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            maximize=group["maximize"],
        )
