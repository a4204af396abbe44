"""Normalisation layers: LayerNorm (one fused node, ``minigrad/ops/layers.py``, for float32 and
float64; composed otherwise), BatchNorm1d, BatchNorm2d (compositions of mean, sub, mul, sqrt:
no derivative of their own).

Batch norm in training normalises with the batch's mean and biased variance and updates the
running estimates in place (the unbiased variance, as PyTorch does):
``running = (1 - momentum) * running + momentum * batch``; ``momentum=None`` gives the
cumulative average over ``num_batches_tracked`` batches. In eval mode it uses the running
estimates; without them (``track_running_stats=False``) it always uses the batch.
"""

import math

import minigrad
from minigrad.ops import layers as _layers

from ._checks import bad_input
from .module import Module
from .parameter import Parameter, assign


def _fusable(input, weight, bias):
    """Whether the fused kernel takes these: one float32/float64 dtype for all."""
    dt = input.dtype
    return dt in (minigrad.float32, minigrad.float64) and all(
        p is None or p.dtype == dt for p in (weight, bias)
    )


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims to mean 0 and variance 1, then
    scale by ``weight`` and shift by ``bias``.

    ``input``: (*, *normalized_shape); ``normalized_shape``: an int or the trailing shape;
    ``weight``, ``bias``: of ``normalized_shape`` (optional); ``eps``: added to the variance.

    >>> F.layer_norm(minigrad.tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if _fusable(input, weight, bias):
        return _layers.layer_norm(input, math.prod(shape), weight, bias, eps)
    dims = tuple(range(-len(shape), 0))
    centred = input - input.mean(dims, keepdim=True)
    var = (centred * centred).mean(dims, keepdim=True)
    out = centred / (var + eps).sqrt()
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def batch_norm(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5
):
    """Normalise each channel (dim 1) of ``input`` with batch statistics (``training``) or
    the running ones, then scale and shift; in training, update the running estimates.

    ``input``: (N, C, *); ``running_mean``, ``running_var``: (C,) estimates (or None), updated in
    place when ``training``; ``weight``, ``bias``: optional (C,) scale and shift; ``training``:
    use the batch's statistics (default False); ``momentum``: the running estimates' update rate
    (default 0.1); ``eps``: added to the variance (default 1e-5).

    >>> x = minigrad.tensor([[1.0], [3.0]])
    >>> mean, var = minigrad.zeros(1), minigrad.ones(1)
    >>> F.batch_norm(x, mean, var, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    >>> mean, var
    (tensor([0.2000]), tensor([1.1000]))
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an (N, C, ...) input, got shape {tuple(input.shape)}")
    c = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))
    view = (1, c) + (1,) * (input.ndim - 2)
    # written so that the (N, C, ...) input is passed over as few times as possible (each pass
    # is a new full-size array, and the per-channel factors are folded first, at size C):
    # training: centre, square, then one multiply and one add; eval: one multiply and one add
    if training:
        if not eps > 0:  # PyTorch's check (a zero variance would divide by 0)
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
        count = input.numel() // max(c, 1)
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
        if _fusable(input, weight, bias):  # one node (minigrad/ops/layers.py)
            out, mean, var = _layers.batch_norm_train(input, weight, bias, eps)
            if mean is None:  # inside vmap: a batch of statistics, one running estimate
                if running_mean is not None or running_var is not None:
                    raise RuntimeError(
                        "vmap: batch_norm cannot update its running statistics inside vmap (each "
                        "sample has its own batch statistics, the module one estimate): use "
                        "track_running_stats=False, or eval mode, as with torch.func"
                    )
                return out
            _update_running(running_mean, running_var, mean, var * (count / (count - 1)), momentum)
            return out
        mean = input.mean(axes, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(axes, keepdim=True)
        if running_mean is not None:
            assign(running_mean, running_mean * (1 - momentum) + mean.detach().reshape(c) * momentum)
        if running_var is not None:
            unbiased = var.detach().reshape(c) * (count / (count - 1))
            assign(running_var, running_var * (1 - momentum) + unbiased * momentum)
        scale = (var + eps).rsqrt()
        if weight is not None:
            scale = scale * weight.reshape(view)
        return centred * scale if bias is None else _layers.affine(centred, scale, bias.reshape(view))
    mean, var = running_mean.reshape(view), running_var.reshape(view)
    scale = (var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight.reshape(view)
    shift = -mean * scale
    if bias is not None:
        shift = shift + bias.reshape(view)
    return _layers.affine(input, scale, shift)


def _update_running(running_mean, running_var, mean, unbiased_var, momentum):
    """running = (1 - momentum) * running + momentum * batch, for each given estimate (the
    batch's figures as arrays)."""
    for running, batch in ((running_mean, mean), (running_var, unbiased_var)):
        if running is not None:
            assign(running, running.numpy() * (1 - momentum) + batch * momentum)


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` dimensions.

    (x - mean) / sqrt(var + eps) * weight + bias, the statistics over the trailing dims.

    Shapes: (*, *normalized_shape) -> the same.
    ``normalized_shape``: an int or the trailing shape normalised over; ``eps``: added to the
    (biased) variance; ``elementwise_affine``: learn a weight (ones) and bias (zeros) of
    ``normalized_shape``; ``bias``: learn the bias; ``device``, ``dtype``: of the parameters.

    >>> ln = nn.LayerNorm(4)
    >>> ln(minigrad.tensor([[1.0, 2.0, 3.0, 4.0]]))
    tensor([[-1.3416, -0.4472,  0.4472,  1.3416]],
           grad_fn=<NativeLayerNormBackward0>)
    """

    def __init__(
        self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None
    ):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(minigrad.ones(*shape, dtype=dtype))
            self.register_parameter("bias", Parameter(minigrad.zeros(*shape, dtype=dtype)) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        n = len(self.normalized_shape)
        if input.ndim < n or tuple(input.shape[input.ndim - n :]) != self.normalized_shape:
            raise bad_input(
                f"LayerNorm({self.normalized_shape})",
                input.shape,
                f"(*, {', '.join(map(str, self.normalized_shape))})",
                f"Given normalized_shape={list(self.normalized_shape)}, expected input with "
                f"shape [*, {', '.join(map(str, self.normalized_shape))}]",
            )
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class _BatchNorm(Module):
    _ndims = (2, 3)
    _expected = "(N, {c}) or (N, {c}, L)"

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__()
        c = num_features
        self.num_features, self.eps, self.momentum = c, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(minigrad.ones(c, dtype=dtype)) if affine else None)
        self.register_parameter(
            "bias", Parameter(minigrad.zeros(c, dtype=dtype)) if affine and bias else None
        )
        tracked = track_running_stats
        self.register_buffer("running_mean", minigrad.zeros(c, dtype=dtype) if tracked else None)
        self.register_buffer("running_var", minigrad.ones(c, dtype=dtype) if tracked else None)
        self.register_buffer("num_batches_tracked", minigrad.tensor(0) if tracked else None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, input):
        self._check(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            momentum,
            self.eps,
        )

    def _check(self, input):
        c, layer = self.num_features, f"{type(self).__name__}({self.num_features})"
        expected = self._expected.format(c=c)
        if input.ndim not in self._ndims:
            dims = " or ".join(f"{n}D" for n in self._ndims)
            raise bad_input(
                layer, input.shape, expected, f"expected {dims} input (got {input.ndim}D input)", ValueError
            )
        if input.shape[1] != c:
            raise bad_input(
                layer, input.shape, expected, f"running_mean should contain {input.shape[1]} elements not {c}"
            )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C.

    Shapes: (N, C) or (N, C, L) -> the same. Train mode normalises with the batch's statistics (biased
    variance) and updates the running ones; eval mode uses the running ones.
    ``num_features``: C; ``eps``: added to the variance; ``momentum``: the running-stat update
    weight (None: a cumulative average); ``affine``: learn a per-channel weight and bias;
    ``track_running_stats``: keep running statistics (else batch statistics in eval too);
    ``bias``: learn the bias (with ``affine``); ``device``, ``dtype``: of the parameters.

    >>> bn = nn.BatchNorm1d(2)
    >>> bn(minigrad.tensor([[1.0, 10.0], [3.0, 30.0]]))
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]], grad_fn=<NativeBatchNormBackward0>)
    >>> bn.running_mean
    tensor([0.2000, 2.0000])
    """


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C.

    Shapes: (N, C, H, W) -> the same. Train mode normalises with the batch's statistics (biased
    variance) and updates the running ones; eval mode uses the running ones.
    ``num_features``: C; ``eps``: added to the variance; ``momentum``: the running-stat update
    weight (None: a cumulative average); ``affine``: learn a per-channel weight and bias;
    ``track_running_stats``: keep running statistics (else batch statistics in eval too);
    ``bias``: learn the bias (with ``affine``); ``device``, ``dtype``: of the parameters.

    >>> nn.BatchNorm2d(3)(minigrad.randn(4, 3, 5, 5)).shape
    minigrad.Size([4, 3, 5, 5])
    >>> nn.BatchNorm2d(3).eval()(minigrad.full((1, 3, 1, 1), 2.0)).flatten()
    tensor([2.0000, 2.0000, 2.0000], grad_fn=<ViewBackward0>)
    """

    _ndims = (4,)
    _expected = "(N, {c}, H, W)"
