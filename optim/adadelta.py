"""Adadelta: steps scaled by the ratio of running RMS of past updates and of gradients."""

from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), as in PyTorch (the optimizer of PyTorch's MNIST example)::

        v = u = 0
        for each step t = 1, 2, ...:
            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            v = rho * v + (1 - rho) * g * g
            delta = sqrt(u + eps) / sqrt(v + eps) * g
            u = rho * u + (1 - rho) * delta * delta
            p = p - lr * delta

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: scales delta (default 1.0); ``rho``: the decay rate of
    v and u (default 0.9); ``eps``: added inside both square roots (default 1e-6);
    ``weight_decay``: L2 penalty added to the gradient (default 0); ``maximize``: ascend
    instead of descend; ``foreach``: accepted (the update is always one fused pass);
    ``capturable``, ``differentiable``: False only (True raises NotImplementedError).

    >>> w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adadelta([w], lr=1.0, eps=1e-6)
    >>> (w * w).sum().backward(); opt.step(); w      # sqrt(1e-6) / sqrt(0.1 * 4) * 2
    tensor([ 0.9968, -0.9968], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            capturable=capturable,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    _nonnegative = (("lr", "learning rate"), ("eps", "epsilon value"), ("weight_decay", "weight_decay value"))

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = new_step()
            state["square_avg"] = zeros_like_array(param)
            state["acc_delta"] = zeros_like_array(param)
        advance(state["step"])
        K.adadelta(
            param,
            grad,
            state["square_avg"]._data,
            state["acc_delta"]._data,
            lr=group["lr"],
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )
