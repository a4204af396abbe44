"""Conv1d and Conv2d: cross-correlation over (N, C, L) / (N, C, H, W) inputs, groups=1.

The functional forms are minigrad's ``conv1d``/``conv2d`` (im2col + GEMM, one primitive with
its own derivative in ``minigrad/ops/nn.py``). Weights start as PyTorch's do.
"""

import math

import minigrad
from minigrad.ops.nn import _tuple

from ._checks import bad_input
from .linear import init_like_pytorch, optional_bias
from .module import Module
from .parameter import Parameter


class _ConvNd(Module):
    _nd = 2
    _spatial = "H, W"

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        n = self._nd
        if groups != 1:
            raise NotImplementedError(
                f"{type(self).__name__}: minigrad supports groups=1 only (got {groups})"
            )
        if padding_mode != "zeros":
            raise NotImplementedError(
                f"{type(self).__name__}: only padding_mode='zeros' is supported (got {padding_mode!r})"
            )
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _tuple(kernel_size, n, "kernel_size"), _tuple(stride, n, "stride")
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n, "padding")
        self.dilation, self.groups = _tuple(dilation, n, "dilation"), groups
        self.output_padding, self.transposed, self.padding_mode = (0,) * n, False, padding_mode
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.weight = Parameter(minigrad.empty(out_channels, in_channels, *self.kernel_size, dtype=dtype))
        optional_bias(self, out_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        init_like_pytorch(self.weight, self.bias, self.in_channels * math.prod(self.kernel_size))

    def _describe(self):
        kernel = "x".join(map(str, self.kernel_size))
        return f"{type(self).__name__}({self.in_channels}→{self.out_channels}, kernel {kernel})"

    def forward(self, input):
        c, n, shape = self.in_channels, self._nd, tuple(input.shape)
        expected = f"(N, {c}, {self._spatial}) or ({c}, {self._spatial})"
        if len(shape) not in (n + 1, n + 2):
            raise bad_input(
                self._describe(),
                shape,
                expected,
                f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to conv{n}d, but got "
                f"input of size: {list(shape)}",
            )
        channels = shape[0 if len(shape) == n + 1 else 1]
        if channels != c:
            raise bad_input(
                self._describe(),
                shape,
                expected,
                f"Given groups=1, weight of size {list(self.weight.shape)}, expected "
                f"input{list(shape)} to have {c} channels, but got {channels} channels instead",
            )
        fn = minigrad.conv2d if n == 2 else minigrad.conv1d
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out).

    >>> minigrad.nn.Conv2d(1, 16, 3, padding=1)
    Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    """


class Conv1d(_ConvNd):
    """1-D convolution: (N, C_in, L) -> (N, C_out, L_out)."""

    _nd = 1
    _spatial = "L"
