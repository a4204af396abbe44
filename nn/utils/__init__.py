"""nn.utils: gradient clipping and flattening parameters into one vector; ``nn.utils.rnn``
holds the sequence packing helpers of the recurrent layers.

Clipping rescales or clamps ``.grad`` in place, as optimisers expect; nothing is recorded.
"""

import math

import numpy as np

import minigrad

from ..parameter import assign
from . import rnn


def _grads(parameters):
    if isinstance(parameters, minigrad.Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients so that their joint ``norm_type``-norm is at most ``max_norm``;
    returns the norm before clipping (a 0-d tensor).

    ``parameters``: a tensor or an iterable of them (those without ``.grad`` are skipped);
    ``max_norm``: the largest norm allowed; ``norm_type``: p (``inf`` for the largest entry);
    ``error_if_nonfinite``: raise if the norm is nan or inf; ``foreach``: accepted.

    >>> w = nn.Parameter(minigrad.zeros(2))
    >>> w.grad = minigrad.tensor([3.0, 4.0])
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return minigrad.tensor(0.0)
    arrays = [g.detach().numpy() for g in grads]
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    else:
        powers = sum(np.sum(np.abs(a.astype(np.float64)) ** norm_type) for a in arrays)
        total = float(powers ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g, a in zip(grads, arrays):
            assign(g, a * coef)
    return minigrad.tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    ``parameters``: a tensor or an iterable of tensors (those without ``.grad`` are skipped);
    ``clip_value``: the largest magnitude kept; ``foreach``: accepted for PyTorch's signature
    (one loop either way).

    >>> w = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> nn.utils.clip_grad_value_([w], 3.0)
    >>> w.grad
    tensor([2., 3., 3.])
    """
    for g in _grads(parameters):
        assign(g, np.clip(g.detach().numpy(), -clip_value, clip_value))


def parameters_to_vector(parameters):
    """All parameters flattened into one 1-D tensor (differentiable).

    ``parameters``: an iterable of tensors, e.g. ``model.parameters()``.

    >>> net = nn.Linear(2, 1)
    >>> _ = nn.init.ones_(net.weight), nn.init.zeros_(net.bias)
    >>> nn.utils.parameters_to_vector(net.parameters()).tolist()
    [1.0, 1.0, 0.0]
    """
    params = list(parameters)
    sizes = [p.numel() for p in params]
    vec = minigrad.zeros(sum(sizes), dtype=params[0].dtype if params else None)
    start = 0
    for p, n in zip(params, sizes):
        vec[start : start + n] = p.reshape(-1)
        start += n
    return vec


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (not recorded).

    ``vec``: a 1-D tensor with as many entries as the parameters together; ``parameters``: an
    iterable of tensors, overwritten in place.

    >>> net = nn.Linear(2, 1)
    >>> nn.utils.vector_to_parameters(minigrad.tensor([1.0, 2.0, 3.0]), net.parameters())
    >>> net.weight.tolist(), net.bias.tolist()
    ([[1.0, 2.0]], [3.0])
    """
    if not isinstance(vec, minigrad.Tensor) or vec.ndim != 1:
        raise TypeError(f"expected a 1-D minigrad.Tensor, but got: {type(vec).__name__}")
    start = 0
    for p in parameters:
        n = p.numel()
        assign(p, vec[start : start + n].detach().reshape(tuple(p.shape)))
        start += n
