"""Rprop: resilient backpropagation, a per-element step size driven by gradient signs."""

import numpy as np

from minigrad._internal import from_array as _from_array
from minigrad._internal import optim_kernels as K

from .optimizer import Optimizer, advance, new_step, zeros_like_array


class Rprop(Optimizer):
    r"""Rprop (Riedmiller & Braun), as in PyTorch::

        prev = 0;  size = lr (per element)
        for each step:
            g = -grad if maximize else grad
            f = etaplus if g * prev > 0 else etaminus if g * prev < 0 else 1
            size = clamp(size * f, step_sizes[0], step_sizes[1])
            if f == etaminus:  g = 0          # the sign flipped: skip this element once
            p = p - sign(g) * size
            prev = g

    State per parameter: ``step``, ``prev`` and ``step_size``.

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options); ``lr``: the initial step size (default 1e-2); ``etas``:
    (etaminus, etaplus), the step's shrink and growth factors (default (0.5, 1.2));
    ``step_sizes``: (min, max) of the step (default (1e-6, 50)); ``maximize``: ascend
    instead of descend; ``foreach``: accepted (the update is always one fused pass);
    ``capturable``, ``differentiable``: False only (True raises NotImplementedError).

    >>> w = minigrad.tensor([1.0, -3.0], requires_grad=True)
    >>> opt = Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w                                            # 0.1, then 0.1 * 1.2: only the signs count
    tensor([ 0.7800, -2.7800], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(
            lr=lr,
            etas=etas,
            step_sizes=step_sizes,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = new_step()
            state["prev"] = zeros_like_array(param)
            state["step_size"] = _from_array(np.full(param.shape, group["lr"], param.dtype))
        advance(state["step"])
        (down, up), (smallest, largest) = group["etas"], group["step_sizes"]
        K.rprop(
            param,
            grad,
            state["prev"]._data,
            state["step_size"]._data,
            etaminus=down,
            etaplus=up,
            step_min=smallest,
            step_max=largest,
            maximize=group["maximize"],
        )
