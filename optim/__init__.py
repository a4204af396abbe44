"""minigrad.optim: optimizers with fused Cython updates, and learning-rate schedulers.

This folder sits at the top of the repository but is only ever ``minigrad.optim`` (see
``minigrad/_siblings.py``): ``import minigrad as torch; torch.optim.Adam(...)``,
``import minigrad.optim as optim`` and ``from minigrad.optim import lr_scheduler``.
``minigrad/__init__.py`` imports it last, after the whole public API exists.

Layout: ``optimizer`` (the base: groups, state, zero_grad, step, state dicts), one module
per algorithm (``sgd``, ``adam``, ``rmsprop``, ``adagrad``, ``adadelta``, ``adamax``, ``nadam``, ``radam``,
``asgd``, ``rprop``, ``lbfgs``: pseudo-code in the docstring,
a few lines of update calling one kernel of ``minigrad._optim_kernels``) and
``lr_scheduler``.
"""

from . import (
    adadelta,
    adagrad,
    adam,
    adamax,
    asgd,
    lbfgs,
    lr_scheduler,
    nadam,
    optimizer,
    radam,
    rmsprop,
    rprop,
    sgd,
)
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "ASGD",
    "Rprop",
    "LBFGS",
    "lr_scheduler",
    "swa_utils",
]


def __getattr__(name):
    # swa_utils builds on minigrad.nn, which minigrad imports after optim: load it on first use
    if name == "swa_utils":
        import importlib

        return importlib.import_module(f"{__name__}.swa_utils")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
