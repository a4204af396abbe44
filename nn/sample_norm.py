"""Normalisation with per-sample statistics: group_norm, instance_norm, local_response_norm
and their layers (GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm).

Compositions of mean, sub, mul and sqrt, like ``normalization.py``. group_norm normalises
each group of C / G channels of a sample over its channels and positions; instance_norm is
group_norm with one channel per group, and with ``track_running_stats`` it keeps running
averages of the per-instance statistics (averaged over the batch; the variance unbiased),
as PyTorch does. local_response_norm divides by ``(k + alpha * mean of x^2 over size
neighbouring channels) ** beta``, the window zero-padded at the channel ends.
"""

import math

import minigrad

from ._checks import bad_input
from .module import Module
from .parameter import Parameter, assign


def _affine(out, weight, bias):
    view = (1, out.shape[1]) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(view)
    return out if bias is None else out + bias.reshape(view)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each of ``num_groups`` channel groups per sample, then scale and shift per channel.

    ``input``: (N, C, *), C divisible by ``num_groups``; ``weight``, ``bias``: optional (C,)
    scale and shift; ``eps``: added to the variance (default 1e-5).

    >>> F.group_norm(minigrad.tensor([[1.0, 3.0, 5.0, 5.0]]), 2)
    tensor([[-1.0000,  1.0000,  0.0000,  0.0000]])
    """
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(input.shape)} and num_groups={num_groups}"
        )
    n = input.shape[0]
    x = input.reshape(n, num_groups, -1)
    centred = x - x.mean(-1, keepdim=True)
    var = (centred * centred).mean(-1, keepdim=True)
    out = (centred / (var + eps).sqrt()).reshape(tuple(input.shape))
    return _affine(out, weight, bias)


def instance_norm(
    input,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats=True,
    momentum=0.1,
    eps=1e-5,
):
    """Normalise each channel of each sample over its positions (or with the running statistics).

    ``input``: (N, C, *) with at least one spatial dim; ``running_mean``, ``running_var``:
    optional (C,) estimates, updated in place when ``use_input_stats``; ``weight``, ``bias``:
    optional (C,) scale and shift; ``use_input_stats``: normalise with each instance's own
    statistics (default True) rather than the running ones; ``momentum``: the running estimates'
    update rate (default 0.1); ``eps``: added to the variance (default 1e-5).

    >>> F.instance_norm(minigrad.tensor([[[1.0, 3.0], [0.0, 4.0]]]))
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """
    if input.ndim < 3:
        raise ValueError(
            f"instance_norm: expected an (N, C, *) input with positions, got shape {tuple(input.shape)}"
        )
    c, dims = input.shape[1], tuple(range(2, input.ndim))
    view = (1, c) + (1,) * (input.ndim - 2)
    if use_input_stats:
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        count = math.prod(input.shape[2:])
        if running_mean is not None:
            batch_mean = mean.detach().mean(0).reshape(c)
            assign(running_mean, running_mean * (1 - momentum) + batch_mean * momentum)
        if running_var is not None:
            unbiased = var.detach().mean(0).reshape(c) * (count / max(count - 1, 1))
            assign(running_var, running_var * (1 - momentum) + unbiased * momentum)
    else:
        centred = input - running_mean.reshape(view)
        var = running_var.reshape(view)
    return _affine(centred / (var + eps).sqrt(), weight, bias)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha / size * sum of x^2 over ``size`` neighbouring channels) ** beta.

    ``input``: (N, C, *) with at least one spatial dim; ``size``: how many channels the sum
    covers; ``alpha``: the scale (default 1e-4); ``beta``: the exponent (default 0.75);
    ``k``: the additive constant (default 1).

    >>> F.local_response_norm(minigrad.full((1, 2, 1), 2.0), size=2, alpha=1.0, beta=1.0)
    tensor([[[0.6667],
             [0.4000]]])
    """
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions): local_response_norm "
            f"got input of shape {tuple(input.shape)}"
        )
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = input * input
    before, after = size // 2, (size - 1) // 2
    zeros = lambda m: minigrad.zeros((input.shape[0], m) + tuple(input.shape[2:]), dtype=input.dtype)  # noqa: E731
    padded = minigrad.cat([zeros(before), sq, zeros(after)], 1)
    window = padded.narrow(1, 0, c)
    for j in range(1, size):
        window = window + padded.narrow(1, j, c)
    return input / (window * (alpha / size) + k) ** beta


class GroupNorm(Module):
    """Group normalisation: ``num_channels`` split into ``num_groups`` groups.

    Shapes: (N, C, *) -> the same; the statistics are over each group's channels and positions.
    ``num_groups``: the groups (must divide ``num_channels``); ``num_channels``: C; ``eps``: added
    to the variance; ``affine``: learn a per-channel weight (ones) and bias (zeros); ``device``,
    ``dtype``: of the parameters.

    >>> gn = nn.GroupNorm(2, 4)
    >>> gn(minigrad.randn(3, 4, 5)).shape
    minigrad.Size([3, 4, 5])
    >>> gn(minigrad.tensor([[[1.0], [3.0], [5.0], [7.0]]])).flatten()
    tensor([-1.0000,  1.0000, -1.0000,  1.0000], grad_fn=<ViewBackward0>)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.register_parameter(
            "weight", Parameter(minigrad.ones(num_channels, dtype=dtype)) if affine else None
        )
        self.register_parameter(
            "bias", Parameter(minigrad.zeros(num_channels, dtype=dtype)) if affine else None
        )

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise bad_input(
                f"GroupNorm({self.num_groups}, {self.num_channels})",
                input.shape,
                f"(N, {self.num_channels}, *)",
                "Expected number of channels in input to match num_channels",
            )
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    _ndim = 1

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=False,
        track_running_stats=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        c = num_features
        self.num_features, self.eps, self.momentum = c, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(minigrad.ones(c, dtype=dtype)) if affine else None)
        self.register_parameter("bias", Parameter(minigrad.zeros(c, dtype=dtype)) if affine else None)
        tracked = track_running_stats
        self.register_buffer("running_mean", minigrad.zeros(c, dtype=dtype) if tracked else None)
        self.register_buffer("running_var", minigrad.ones(c, dtype=dtype) if tracked else None)
        # kept for state-dict compatibility; PyTorch's instance norm never counts batches
        self.register_buffer("num_batches_tracked", minigrad.tensor(0) if tracked else None)

    def forward(self, input):
        nd = self._ndim
        if input.ndim not in (nd + 1, nd + 2):
            raise bad_input(
                f"{type(self).__name__}({self.num_features})",
                input.shape,
                f"(N, C, {nd} spatial dims) or (C, {nd} spatial dims)",
                f"expected {nd + 1}D or {nd + 2}D input (got {input.ndim}D input)",
                ValueError,
            )
        unbatched = input.ndim == nd + 1
        x = input.unsqueeze(0) if unbatched else input
        use_stats = self.training or not self.track_running_stats
        out = instance_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, use_stats, self.momentum, self.eps
        )
        return out.squeeze(0) if unbatched else out

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) inputs: each channel of each sample over its positions.

    Shapes: (N, C, L) or (C, L) -> the same.
    ``num_features``: C; ``eps``: added to the variance (default 1e-5); ``momentum``: the
    running estimates' update rate (default 0.1); ``affine``: learn a per-channel weight and bias
    (default False); ``track_running_stats``: keep running estimates and use them in eval mode
    (default False); ``device``, ``dtype``: of the parameters and buffers.

    >>> nn.InstanceNorm1d(2)(minigrad.tensor([[[1.0, 3.0], [0.0, 4.0]]]))
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) inputs: each channel of each sample over H and W.

    Shapes: (N, C, H, W) or (C, H, W) -> the same.
    ``num_features``: C; ``eps``: added to the variance (default 1e-5); ``momentum``: the
    running estimates' update rate (default 0.1); ``affine``: learn a per-channel weight and bias
    (default False); ``track_running_stats``: keep running estimates and use them in eval mode
    (default False); ``device``, ``dtype``: of the parameters and buffers.

    >>> norm = nn.InstanceNorm2d(3, affine=True)
    >>> norm.weight.shape, norm(minigrad.arange(24.0).reshape(1, 3, 2, 4)).std((2, 3))
    (minigrad.Size([3]), tensor([[1.0690, 1.0690, 1.0690]], grad_fn=<StdBackward0>))
    """

    _ndim = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) inputs: each channel of each sample over D, H, W.

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> the same.
    ``num_features``: C; ``eps``: added to the variance (default 1e-5); ``momentum``: the
    running estimates' update rate (default 0.1); ``affine``: learn a per-channel weight and bias
    (default False); ``track_running_stats``: keep running estimates and use them in eval mode
    (default False); ``device``, ``dtype``: of the parameters and buffers.

    >>> norm = nn.InstanceNorm3d(2, track_running_stats=True)
    >>> _ = norm(minigrad.arange(16.0).reshape(1, 2, 2, 2, 2))
    >>> norm.running_mean, norm.running_var
    (tensor([0.3500, 1.1500]), tensor([1.5000, 1.5000]))
    """

    _ndim = 3


class LocalResponseNorm(Module):
    """x / (k + alpha / size * sum of x^2 over ``size`` neighbouring channels) ** beta.

    Shapes: (N, C, *) -> the same.
    ``size``: the number of channels summed (centred on each one, zero-padded); ``alpha``: the
    scale (default 1e-4); ``beta``: the exponent (default 0.75); ``k``: the additive constant
    (default 1).

    >>> nn.LocalResponseNorm(2, alpha=1.0, beta=1.0, k=1.0)(minigrad.ones(1, 2, 1))
    tensor([[[0.6667],
             [0.5000]]])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
