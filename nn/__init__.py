"""minigrad.nn: Module, Parameter, containers, layers (incl. recurrent, attention, transformer),
losses, functional, init, utils (and ``nn.modules``: PyTorch's import paths for the same classes).

This folder sits at the top of the repository but is only ever ``minigrad.nn`` (see
``minigrad/_siblings.py``): ``import minigrad.nn as nn``, ``from minigrad import nn`` and
``import minigrad.nn.functional as F``; there is no top-level ``nn``. Everything here is
pure Python over minigrad's ops (see ``minigrad/ops/nn.py`` for the few primitives the layers
need).
"""

import sys

from . import functional, init, modules, parallel, utils
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
from .parallel import DataParallel
from .parameter import Parameter
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

# nn.modules aliases the layers above under PyTorch's import paths, once they are all imported
modules.build(sys.modules[__name__])
