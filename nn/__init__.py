"""minigrad.nn: Module, Parameter, containers, layers (incl. recurrent), losses, functional, init, utils.

This folder sits at the top of the repository but is only ever ``minigrad.nn`` (see
``minigrad/_siblings.py``): ``import minigrad.nn as nn``, ``from minigrad import nn`` and
``import minigrad.nn.functional as F``; there is no top-level ``nn``. Everything here is pure Python over minigrad's ops (see ``minigrad/ops/nn.py`` for the few
primitives the layers need).
"""

from . import functional, init, utils
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout
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
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

