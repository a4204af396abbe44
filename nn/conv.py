"""Conv1d/2d/3d and ConvTranspose1d/2d: cross-correlation over (N, C, *spatial) inputs, and its
adjoint.

The functional forms are minigrad's ``conv1d``/``conv2d``/``conv3d`` and ``conv_transpose1d/2d``
(im2col + GEMM; the convolution and its transpose are one primitive each, each the other's
input derivative, in ``minigrad/ops/nn.py``). A ``padding_mode`` other than ``'zeros'`` pads
with ``F.pad`` first, as PyTorch does. Weights start as PyTorch's do.
"""

import math

import minigrad
from minigrad._internal import int_tuple as _tuple

from ._checks import bad_input
from .linear import init_like_pytorch, optional_bias
from .module import Module
from .padding import pad
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _nd = 2
    _spatial = "H, W"
    _transposed = False

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
        output_padding=0,
    ):
        super().__init__()
        n, name = self._nd, type(self).__name__
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if isinstance(padding, str) and (self._transposed or padding not in ("same", "valid")):
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
        op = f"{name.lower()}"
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", op)
        self.stride = _tuple(stride, n, "stride", op)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n, "padding", op)
        self.dilation, self.groups = _tuple(dilation, n, "dilation", op), groups
        self.output_padding = _tuple(output_padding, n, "output_padding", op)
        self.transposed, self.padding_mode = self._transposed, padding_mode
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        shape = (
            (in_channels, out_channels // groups)
            if self._transposed
            else (out_channels, in_channels // groups)
        )
        self.weight = Parameter(minigrad.empty(*shape, *self.kernel_size, dtype=dtype))
        optional_bias(self, out_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's fan_in: weight.size(1) * kernel area, for the convolution and its transpose
        init_like_pytorch(self.weight, self.bias, self.weight.shape[1] * math.prod(self.kernel_size))

    def _describe(self):
        kernel = "x".join(map(str, self.kernel_size))
        return f"{type(self).__name__}({self.in_channels}→{self.out_channels}, kernel {kernel})"

    def _check(self, input):
        c, n, shape = self.in_channels, self._nd, tuple(input.shape)
        expected = f"(N, {c}, {self._spatial}) or ({c}, {self._spatial})"
        op = f"conv_transpose{n}d" if self._transposed else f"conv{n}d"
        if len(shape) not in (n + 1, n + 2):
            raise bad_input(
                self._describe(),
                shape,
                expected,
                f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but got "
                f"input of size: {list(shape)}",
            )
        channels = shape[0 if len(shape) == n + 1 else 1]
        if channels != c:
            given = "transposed=1" if self._transposed else f"groups={self.groups}"
            raise bad_input(
                self._describe(),
                shape,
                expected,
                f"Given {given}, weight of size {list(self.weight.shape)}, expected "
                f"input{list(shape)} to have {c} channels, but got {channels} channels instead",
            )

    def forward(self, input):
        self._check(input)
        fn = {1: minigrad.conv1d, 2: minigrad.conv2d, 3: minigrad.conv3d}[self._nd]
        padding = self.padding
        if self.padding_mode != "zeros":
            if padding == "same":  # PyTorch's split: the extra entry of an even kernel on the right
                total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
                pairs = [(t // 2, t - t // 2) for t in total]
            else:
                pairs = [(0, 0)] * self._nd if padding == "valid" else [(p, p) for p in padding]
            input = pad(input, tuple(v for pair in reversed(pairs) for v in pair), mode=self.padding_mode)
            padding = 0
        return fn(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = floor((H + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1 (W alike).

    ``in_channels``, ``out_channels``: C_in and C_out; ``kernel_size``: the filter size (an
    int or one per dim); ``stride``: the filter's step (default 1); ``padding``: zeros (or
    ``padding_mode``) added on every side, an int, one per dim, ``'valid'`` (none) or ``'same'``
    (output size = input size, stride 1 only); ``dilation``: the spacing of the filter's taps
    (default 1); ``groups``: split the channels into this many independent convolutions (both
    channel counts divisible by it); ``bias``: learn a (C_out,) bias (default True);
    ``padding_mode``: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``;
    ``device``, ``dtype``: of the parameters; ``output_padding``: minigrad's internal slot for the
    transposed layers (keep 0).

    >>> conv = minigrad.nn.Conv2d(1, 16, 3, padding=1)
    >>> conv
    Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv.weight.shape, conv(minigrad.zeros(2, 1, 28, 28)).shape
    (minigrad.Size([16, 1, 3, 3]), minigrad.Size([2, 16, 28, 28]))
    """


class Conv1d(_ConvNd):
    """1-D convolution: (N, C_in, L) -> (N, C_out, L_out),
    L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1.

    ``in_channels``, ``out_channels``: C_in and C_out; ``kernel_size``: the filter size (an
    int or one per dim); ``stride``: the filter's step (default 1); ``padding``: zeros (or
    ``padding_mode``) added on every side, an int, one per dim, ``'valid'`` (none) or ``'same'``
    (output size = input size, stride 1 only); ``dilation``: the spacing of the filter's taps
    (default 1); ``groups``: split the channels into this many independent convolutions (both
    channel counts divisible by it); ``bias``: learn a (C_out,) bias (default True);
    ``padding_mode``: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``;
    ``device``, ``dtype``: of the parameters; ``output_padding``: minigrad's internal slot for the
    transposed layers (keep 0).

    >>> conv = nn.Conv1d(4, 8, 3, stride=2)
    >>> conv.weight.shape, conv(minigrad.zeros(1, 4, 11)).shape
    (minigrad.Size([8, 4, 3]), minigrad.Size([1, 8, 5]))
    """

    _nd = 1
    _spatial = "L"


class Conv3d(_ConvNd):
    """3-D convolution: (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out).

    ``in_channels``, ``out_channels``: C_in and C_out; ``kernel_size``: the filter size (an
    int or one per dim); ``stride``: the filter's step (default 1); ``padding``: zeros (or
    ``padding_mode``) added on every side, an int, one per dim, ``'valid'`` (none) or ``'same'``
    (output size = input size, stride 1 only); ``dilation``: the spacing of the filter's taps
    (default 1); ``groups``: split the channels into this many independent convolutions (both
    channel counts divisible by it); ``bias``: learn a (C_out,) bias (default True);
    ``padding_mode``: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``;
    ``device``, ``dtype``: of the parameters; ``output_padding``: minigrad's internal slot for the
    transposed layers (keep 0).

    >>> minigrad.nn.Conv3d(2, 4, 3, groups=2)
    Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), groups=2)
    >>> nn.Conv3d(2, 4, 3, groups=2)(minigrad.zeros(1, 2, 5, 5, 5)).shape
    minigrad.Size([1, 4, 3, 3, 3])
    """

    _nd = 3
    _spatial = "D, H, W"


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            output_padding,
        )

    def _output_padding(self, input, output_size):
        """PyTorch's rule: the output_padding that makes the output ``output_size``."""
        if output_size is None:
            return self.output_padding
        n = self._nd
        size = [int(s) for s in output_size][-n:]
        if len(size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                f"{n + 2} elements (got {len(list(output_size))})"
            )
        extra = []
        for d in range(n):
            i = input.shape[input.ndim - n + d]
            least = (
                (i - 1) * self.stride[d]
                - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            if not least <= size[d] < least + self.stride[d]:
                raise ValueError(
                    f"requested an output size of {size}, but valid sizes range from {least} to "
                    f"{least + self.stride[d] - 1} (for an input of {list(input.shape)[-n:]})"
                )
            extra.append(size[d] - least)
        return tuple(extra)

    def forward(self, input, output_size=None):
        self._check(input)
        fn = minigrad.conv_transpose1d if self._nd == 1 else minigrad.conv_transpose2d
        q = self._output_padding(input, output_size)
        return fn(input, self.weight, self.bias, self.stride, self.padding, q, self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out), the input
    gradient of a Conv2d; ``forward(input, output_size=...)`` picks among the sizes a stride
    allows. H_out = (H - 1) * stride - 2 * padding + dilation * (kernel_size - 1) +
    output_padding + 1 (W alike).

    ``in_channels``, ``out_channels``: C_in and C_out; ``kernel_size``: the filter size (an
    int or one per dim); ``stride``: the step between input positions in the output (default 1);
    ``padding``: ``dilation * (kernel_size - 1) - padding`` zeros are added to the input (it undoes
    the padding of the matching convolution); ``output_padding``: extra size on one side of the
    output, below ``stride``; ``groups``: independent channel groups (default 1); ``bias``:
    learn a (C_out,) bias (default True); ``dilation``: the spacing of the filter's taps;
    ``padding_mode``: ``'zeros'`` only; ``device``, ``dtype``: of the parameters. The weight is
    (C_in, C_out / groups, *kernel_size).

    >>> up = minigrad.nn.ConvTranspose2d(4, 2, 2, stride=2)
    >>> up
    ConvTranspose2d(4, 2, kernel_size=(2, 2), stride=(2, 2))
    >>> up.weight.shape, up(minigrad.zeros(1, 4, 5, 5)).shape
    (minigrad.Size([4, 2, 2, 2]), minigrad.Size([1, 2, 10, 10]))
    """


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution: (N, C_in, L) -> (N, C_out, L_out),
    L_out = (L - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1.

    ``in_channels``, ``out_channels``: C_in and C_out; ``kernel_size``: the filter size (an
    int or one per dim); ``stride``: the step between input positions in the output (default 1);
    ``padding``: ``dilation * (kernel_size - 1) - padding`` zeros are added to the input (it undoes
    the padding of the matching convolution); ``output_padding``: extra size on one side of the
    output, below ``stride``; ``groups``: independent channel groups (default 1); ``bias``:
    learn a (C_out,) bias (default True); ``dilation``: the spacing of the filter's taps;
    ``padding_mode``: ``'zeros'`` only; ``device``, ``dtype``: of the parameters. The weight is
    (C_in, C_out / groups, *kernel_size).

    >>> up = nn.ConvTranspose1d(4, 2, 3, stride=2)
    >>> up(minigrad.zeros(1, 4, 5)).shape, up(minigrad.zeros(1, 4, 5), output_size=[12]).shape
    (minigrad.Size([1, 2, 11]), minigrad.Size([1, 2, 12]))
    """

    _nd = 1
    _spatial = "L"
