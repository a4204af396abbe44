"""minigrad.nn: Module, Parameter, containers, layers, losses, functional, init, utils
(and ``nn.modules``: PyTorch's import paths for the same classes).

``nn`` is a top-level package and ``minigrad.nn`` is the very same module object; the
submodules are registered under both names in ``sys.modules``, so ``import minigrad.nn as
nn`` and ``import minigrad.nn.functional as F`` give the same objects as ``import nn``.
Everything here is pure Python over minigrad's ops (see ``minigrad/ops/nn.py`` for the few
primitives the layers need).
"""

import sys

from . import (
    functional,
    init,
    modules,  # noqa: E402  (after every layer: it aliases them)
    utils,
)
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .attention import MultiheadAttention
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

modules.build(sys.modules[__name__])


def _register_aliases():
    this = sys.modules[__name__]
    sys.modules["minigrad.nn"] = this
    for name, module in list(sys.modules.items()):
        if name.startswith(__name__ + "."):
            sys.modules["minigrad.nn." + name[len(__name__) + 1:]] = module


_register_aliases()
