"""Helpers shared by the nn tests: finite differences and copying modules into PyTorch.

Layers and losses are checked three ways: gradients against central finite differences in
float64, and values/gradients against PyTorch (an oracle only, imported inside the tests)
after copying the minigrad module's state dict into the same-architecture torch module.
"""

import numpy as np

import minigrad


def numeric_grad(f, x, eps=1e-6):
    """Central finite differences of the scalar ``f(array)`` at the float64 array ``x``."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = f(x)
        x[idx] = old - eps
        lo = f(x)
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


def weighted_sum(out, weights):
    """sum(out * weights): a scalar whose gradient w.r.t. ``out`` is ``weights``."""
    return (out * minigrad.from_numpy(weights)).sum()


def param_numeric_grad(module, name, loss_fn, eps=1e-6):
    """Finite differences of ``loss_fn()`` w.r.t. the parameter ``name`` of ``module``."""
    p = module.get_parameter(name)
    data = p.detach().numpy()

    def f(values):
        data[...] = values
        with minigrad.no_grad():
            return float(loss_fn())

    start = data.copy()
    g = numeric_grad(f, start, eps)
    data[...] = start
    return g


def to_torch_state(torch, module):
    """The state dict of a minigrad module as torch tensors (the graduation path)."""
    return {k: torch.from_numpy(v.numpy().copy()) for k, v in module.state_dict().items()}


def torch_twin(torch, build, module):
    """The torch module built by ``build(torch.nn)`` holding ``module``'s state, in float64."""
    twin = build(torch.nn).double()
    twin.load_state_dict(to_torch_state(torch, module))
    twin.train(module.training)
    return twin
