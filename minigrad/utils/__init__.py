"""minigrad.utils: helpers beside the core, as ``torch.utils`` has them. ``utils.data`` holds
datasets, samplers and the ``DataLoader``; ``utils.checkpoint`` trades compute for memory.

Submodules load on first use (``minigrad.utils.data`` or ``import minigrad.utils.data``), so
``import minigrad`` does not pay for them (utils.data: ~10 ms, measured with -X importtime).
"""

import importlib

_SUBMODULES = ("checkpoint", "data")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
