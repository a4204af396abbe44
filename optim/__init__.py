"""minigrad.optim: optimizers with fused Cython updates, and learning-rate schedulers.

``optim`` is a top-level package (beside ``minigrad`` and ``nn``) and also *is*
``minigrad.optim``: the same module object, registered under both names, so
``import minigrad as torch; torch.optim.Adam(...)``, ``import minigrad.optim as optim``
and ``from minigrad.optim import lr_scheduler`` all work. ``minigrad/__init__.py``
imports this package last, after the whole public API exists, so the import order
(``import optim`` first or ``import minigrad`` first) does not matter.

Layout: ``optimizer`` (the base: groups, state, zero_grad, step, state dicts), one module
per algorithm (``sgd``, ``adam``, ``rmsprop``, ``adagrad``: pseudo-code in the docstring,
a few lines of update calling one kernel of ``minigrad._optim_kernels``) and
``lr_scheduler``.
"""

import sys

import minigrad as _minigrad

from . import adagrad, adam, lr_scheduler, optimizer, rmsprop, sgd
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]


def _register_as_minigrad_optim():
    this = sys.modules[__name__]
    sys.modules["minigrad.optim"] = this
    for name in ("optimizer", "sgd", "adam", "rmsprop", "adagrad", "lr_scheduler"):
        sys.modules[f"minigrad.optim.{name}"] = getattr(this, name)
    _minigrad.optim = this


_register_as_minigrad_optim()
