"""nn.functional: every layer and loss as a plain function (``import minigrad.nn.functional as F``).

Nothing is defined here: each function lives with its module class (``nn/activation.py``,
``nn/conv.py``, ``nn/loss.py``, ...) or is a minigrad op, and this module gathers them under
PyTorch's names.
"""

from minigrad import conv1d, conv2d, max_pool2d
from minigrad.ops.attention import scaled_dot_product_attention

from .activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    logsigmoid,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .dropout import dropout, dropout1d, dropout2d, dropout3d
from .embedding import embedding, one_hot
from .flatten import unflatten
from .linear import bilinear, linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, layer_norm
from .padding import pad
from .pooling import adaptive_avg_pool2d, avg_pool2d

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "embedding",
    "gelu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
    "unflatten",
]
