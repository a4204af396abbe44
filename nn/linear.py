"""Linear layers: Linear (y = x W^T + b), Bilinear (y = x1^T A x2 + b), Identity.

One op-table node (``minigrad.ops.nn.linear``, PyTorch's AddmmBackward0) rather than three.
Weights start as PyTorch's do: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias
(kaiming_uniform_ with a=sqrt(5) is exactly that bound).
"""

import math

import minigrad
from minigrad.ops.nn import linear as _linear_op

from . import init
from ._checks import bad_input, shape_str
from .module import Module
from .parameter import Parameter


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` for input (*, in_features) and weight (out_features, in_features).

    >>> minigrad.nn.functional.linear(minigrad.ones(2, 3), minigrad.ones(4, 3)).shape
    minigrad.Size([2, 4])
    """
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        rows = math.prod(input.shape[:-1]) if input.ndim else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1] if input.ndim else 1} and "
            f"{weight.shape[-1]}x{weight.shape[0]}): linear got input of shape {shape_str(input.shape)} "
            f"and weight of shape {shape_str(weight.shape)}; the last dimensions must match"
        )
    if bias is not None and tuple(bias.shape) not in ((weight.shape[0],), ()):
        raise RuntimeError(
            f"linear: bias of shape {shape_str(bias.shape)} does not match weight of shape "
            f"{shape_str(weight.shape)}; expected ({weight.shape[0]},)"
        )
    return _linear_op(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = sum_ij x1[..., i] A[o, i, j] x2[..., j] + b[o]``.

    ``input1``: (*, in1); ``input2``: (*, in2), the same leading dims; ``weight``: A, of shape
    (out, in1, in2); ``bias``: an optional (out,) tensor b.

    >>> w = minigrad.ones(1, 2, 2)
    >>> F.bilinear(minigrad.tensor([[1.0, 2.0]]), minigrad.tensor([[3.0, 4.0]]), w, minigrad.tensor([0.5]))
    tensor([[21.5000]])
    """
    out_f, in1, in2 = weight.shape
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, 1, in2)
    # (B, in1) @ (in1, O*in2) -> (B, O, in2), then contract in2 with x2
    t = minigrad.matmul(x1, weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    out = (t * x2).sum(-1).reshape(lead + (out_f,))
    return out if bias is None else out + bias


def optional_bias(module, size, bias, dtype):
    """Register ``module.bias``: a Parameter of ``size`` entries, or None (as PyTorch does)."""
    module.register_parameter("bias", Parameter(minigrad.empty(size, dtype=dtype)) if bias else None)


def init_like_pytorch(weight, bias, fan_in):
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) and U(+-1/sqrt(fan_in))."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input (arguments are accepted and ignored): a placeholder layer.

    >>> x = minigrad.ones(2, 3)
    >>> nn.Identity(54, unused="argument")(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b on the last dimension: (*, in_features) -> (*, out_features).

    ``in_features``, ``out_features``: the sizes; ``bias``: learn b (default True); ``device``,
    ``dtype``: of the parameters. W (out_features, in_features) and b start U(-k, k),
    k = 1/sqrt(in_features).

    >>> minigrad.nn.Linear(64, 10)
    Linear(in_features=64, out_features=10, bias=True)
    >>> fc = nn.Linear(3, 2)
    >>> fc.weight.shape, fc(minigrad.zeros(5, 3)).shape
    (minigrad.Size([2, 3]), minigrad.Size([5, 2]))
    >>> _ = nn.init.constant_(fc.weight, 1.0), nn.init.zeros_(fc.bias)
    >>> fc(minigrad.tensor([1.0, 2.0, 3.0]))
    tensor([6., 6.], grad_fn=<ViewBackward0>)
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(minigrad.empty(out_features, in_features, dtype=dtype))
        optional_bias(self, out_features, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        init_like_pytorch(self.weight, self.bias, self.in_features)

    def forward(self, input):
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            rows = math.prod(input.shape[:-1]) if input.ndim else 1
            cols = input.shape[-1] if input.ndim else 1
            raise bad_input(
                f"Linear({self.in_features}→{self.out_features})",
                input.shape,
                f"(*, {self.in_features})",
                f"mat1 and mat2 shapes cannot be multiplied ({rows}x{cols} and "
                f"{self.in_features}x{self.out_features})",
            )
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class Bilinear(Module):
    """y = x1^T A x2 + b: (*, in1), (*, in2) -> (*, out).

    ``in1_features``, ``in2_features``: the sizes of x1 and x2; ``out_features``: of y; ``bias``:
    learn b; ``device``, ``dtype``: of the parameters (initialised U(-k, k), k = 1/sqrt(in1)).

    >>> nn.Bilinear(20, 30, 40)(minigrad.randn(128, 20), minigrad.randn(128, 30)).shape
    minigrad.Size([128, 40])
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(minigrad.empty(out_features, in1_features, in2_features, dtype=dtype))
        optional_bias(self, out_features, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        for x, n, which in ((input1, self.in1_features, "input1"), (input2, self.in2_features, "input2")):
            if x.ndim == 0 or x.shape[-1] != n:
                raise bad_input(
                    f"Bilinear({self.in1_features}, {self.in2_features}→{self.out_features}) {which}",
                    x.shape,
                    f"(*, {n})",
                    "Input size mismatch",
                )
        if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
            raise RuntimeError(
                f"Bilinear: input1 {shape_str(input1.shape)} and input2 "
                f"{shape_str(input2.shape)} must have the same leading dimensions"
            )
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
