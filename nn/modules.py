"""``nn.modules``: PyTorch's import paths for the layers, as aliases.

PyTorch code sometimes names a layer by the module that defines it in PyTorch
(``torch.nn.modules.linear.Linear``, ``nn.modules.transformer.TransformerEncoderLayer``,
``isinstance(m, nn.modules.batchnorm._BatchNorm)``). minigrad's layers live in other files,
so ``nn.modules.<name>`` is a namespace per PyTorch module holding the same class objects
(nothing is copied); ``build`` fills them in once ``nn`` has imported every layer, and
registers them in ``sys.modules`` so ``import minigrad.nn.modules.linear`` works too.
Names a layout lists that ``nn`` does not have (yet) are left out.
"""

import sys
import types

_LAYOUT = {
    "module": ("Module",),
    "linear": ("Identity", "Linear", "Bilinear", "NonDynamicallyQuantizableLinear"),
    "activation": (
        "ELU",
        "GELU",
        "LeakyReLU",
        "LogSoftmax",
        "ReLU",
        "Sigmoid",
        "SiLU",
        "Softmax",
        "Softplus",
        "Tanh",
        "MultiheadAttention",
        "CELU",
        "GLU",
        "SELU",
        "Hardshrink",
        "Hardsigmoid",
        "Hardswish",
        "Hardtanh",
        "LogSigmoid",
        "Mish",
        "PReLU",
        "ReLU6",
        "Softmin",
        "Softshrink",
        "Softsign",
        "Tanhshrink",
        "Threshold",
    ),
    "distance": ("CosineSimilarity", "PairwiseDistance"),
    "padding": tuple(
        f"{kind}Pad{n}d"
        for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
        for n in (1, 2, 3)
    ),
    "pixelshuffle": ("PixelShuffle", "PixelUnshuffle"),
    "upsampling": ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"),
    "fold": ("Fold", "Unfold"),
    "instancenorm": ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"),
    "container": ("Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"),
    "conv": ("Conv1d", "Conv2d"),
    "dropout": ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d"),
    "sparse": ("Embedding",),
    "flatten": ("Flatten", "Unflatten"),
    "normalization": ("LayerNorm", "GroupNorm", "LocalResponseNorm"),
    "batchnorm": ("BatchNorm1d", "BatchNorm2d", "_BatchNorm"),
    "pooling": (
        "MaxPool2d",
        "AvgPool2d",
        "AdaptiveAvgPool2d",
        "MaxPool1d",
        "MaxPool3d",
        "AvgPool1d",
        "AvgPool3d",
        "AdaptiveMaxPool1d",
        "AdaptiveMaxPool2d",
        "AdaptiveMaxPool3d",
        "AdaptiveAvgPool1d",
        "AdaptiveAvgPool3d",
        "MaxUnpool1d",
        "MaxUnpool2d",
        "MaxUnpool3d",
        "LPPool1d",
        "LPPool2d",
    ),
    "loss": (
        "BCELoss",
        "BCEWithLogitsLoss",
        "CrossEntropyLoss",
        "HuberLoss",
        "KLDivLoss",
        "L1Loss",
        "MSELoss",
        "NLLLoss",
        "SmoothL1Loss",
        "CosineEmbeddingLoss",
        "GaussianNLLLoss",
        "HingeEmbeddingLoss",
        "MarginRankingLoss",
        "MultiLabelSoftMarginLoss",
        "MultiMarginLoss",
        "PoissonNLLLoss",
        "SoftMarginLoss",
        "TripletMarginLoss",
    ),
    "rnn": ("RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"),
    "transformer": (
        "Transformer",
        "TransformerEncoder",
        "TransformerDecoder",
        "TransformerEncoderLayer",
        "TransformerDecoderLayer",
    ),
}

# where a name is not exported by nn itself
_PRIVATE = {"NonDynamicallyQuantizableLinear": "attention", "_BatchNorm": "normalization"}


def build(nn):
    """Fill ``nn.modules`` and its submodules from the package ``nn``."""
    this = sys.modules[__name__]
    for sub, names in _LAYOUT.items():
        mod = types.ModuleType(f"{__name__}.{sub}", f"Aliases of PyTorch's torch.nn.modules.{sub}.")
        for name in names:
            owner = getattr(nn, _PRIVATE[name], None) if name in _PRIVATE else nn
            if owner is not None and hasattr(owner, name):
                setattr(mod, name, getattr(owner, name))
                if not name.startswith("_"):
                    setattr(this, name, getattr(owner, name))
        setattr(this, sub, mod)
        sys.modules[mod.__name__] = mod
