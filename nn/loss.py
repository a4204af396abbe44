"""Losses, as functions (``F.cross_entropy``) and as modules (``nn.CrossEntropyLoss()``).

Every loss returns per-element values reduced by ``reduction``: ``'mean'`` (default),
``'sum'`` or ``'none'``. All are compositions except cross-entropy on class indices, which
calls the fused log-softmax + NLL primitive (``minigrad/ops/nn.py``). For stability:
* BCE clamps its logs at -100 (as PyTorch), guarding the log's input so the clamped branch
  has a zero gradient rather than 0/0;
* BCE-with-logits is written with softplus: (1 - t) * x + softplus(-x), exact for any x;
* cross-entropy with probabilities or label smoothing goes through log_softmax.
Weighted 'mean' for class indices divides by the sum of the targets' weights (ignored
targets excluded), as PyTorch does.
"""

import math
import warnings

import numpy as np

import minigrad
from minigrad.ops import nn as _ops

from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average``/``reduce`` arguments, mapped to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction (use one of {', '.join(_REDUCTIONS)})")


def _warn_size(input, target):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _array(t):
    return None if t is None else (t.detach().numpy() if isinstance(t, minigrad.Tensor) else np.asarray(t))


# ----------------------------------------------------------------------------- regression


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Squared error (x - y)^2.

    ``input``, ``target``: the same shape (broadcasting warns, as in PyTorch); ``reduction``:
    ``'mean'`` (default), ``'sum'`` or ``'none'``; ``size_average``, ``reduce``: deprecated.

    >>> F.mse_loss(minigrad.tensor([1.0, 2.0]), minigrad.tensor([0.0, 0.0]))
    tensor(2.5000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_size(input, target)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Absolute error |x - y|.

    ``input``, ``target``: the same shape; ``reduction``: ``'mean'`` (default), ``'sum'`` or
    ``'none'``; ``size_average``, ``reduce``: deprecated.

    >>> F.l1_loss(minigrad.tensor([1.0, -2.0]), minigrad.zeros(2))
    tensor(1.5000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_size(input, target)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y).

    ``input``, ``target``: the same shape; ``beta``: where the quadratic part ends, >= 0 (default 1;
    0 gives the L1 loss); ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.smooth_l1_loss(minigrad.tensor([0.5, 3.0]), minigrad.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_size(input, target)
    if not beta >= 0:  # NaN too
        raise RuntimeError(
            f"smooth_l1_loss does not support negative values for beta (beta must be >= 0, got {beta})."
        )
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    small = d < beta
    q = minigrad.where(small, d, 0.0)  # the branch not taken sees 0, not inf: no 0 * inf gradient
    return _reduce(minigrad.where(small, q * q * (0.5 / beta), d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta).

    ``input``, ``target``: the same shape; ``delta``: where the quadratic part ends, > 0
    (default 1); ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    >>> F.huber_loss(minigrad.tensor([0.5, 3.0]), minigrad.tensor([0.0, 0.0]), delta=2.0)
    tensor(2.0625)
    """
    _warn_size(input, target)
    if not delta > 0:  # NaN too
        raise RuntimeError(
            f"huber_loss does not support non-positive values for delta (delta must be > 0, got {delta})."
        )
    d = (input - target).abs()
    small = d < delta
    q = minigrad.where(small, d, 0.0)  # as in smooth_l1_loss: no 0 * inf in the branch not taken
    return _reduce(minigrad.where(small, q * q * 0.5, (d - 0.5 * delta) * delta), reduction)


# ----------------------------------------------------------------------------- classification


# PyTorch's C++ names of the dtypes, as its loss messages print them
_TORCH_NAME = {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte", "int8": "Char",
               "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}  # fmt: skip


def _class_targets(name, input, target):
    """Validate class-index targets against (N, C, ...) or (C,) input; the ndarray of indices."""
    if target.dtype not in (minigrad.int64, minigrad.uint8):  # int32 too, as PyTorch (issue 17)
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_TORCH_NAME[target.dtype.name]}: {name} "
            "takes class indices as an integer tensor (convert with .long()), or class "
            "probabilities of the input's shape"
        )
    t = target.numpy()
    ts = tuple(target.shape)  # not t.shape: inside func.vmap it is one sample's
    if input.ndim == 1:
        if ts:
            raise RuntimeError(
                f"{name}: an unbatched input of shape {tuple(input.shape)} needs a 0-d target, got shape {ts}"
            )
        return t
    if not ts or ts[0] != input.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({ts[0] if ts else 0})."
        )
    if ts[1:] != tuple(input.shape[2:]):
        expected = [input.shape[0]] + list(input.shape[2:])
        raise RuntimeError(f"Expected target size {expected}, got {list(ts)}")
    return t


def _check_class_weight(name, input, weight):
    """A class-weight vector must have one entry per class (input.shape[1] of an (N, C, ...) input)."""
    if weight is None or input.ndim < 2:
        return
    c = input.shape[1]
    shape = tuple(np.shape(_array(weight)))
    if shape != (c,):
        raise RuntimeError(
            f"{name}: weight tensor should be defined either for all {c} classes or no "
            f"classes but got weight tensor of shape: {list(shape)}"
        )


def _target_weights(input, t, weight, ignore_index):
    """Per-target weight (0 where ignored) and the indices with ignored ones set to 0."""
    valid = t != ignore_index
    c = input.shape[1]
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    safe = np.where(valid, t, 0)
    w = valid if weight is None else _array(weight)[safe] * valid
    return w.astype(input.dtype.numpy), safe


def _weighted_reduce(loss, w, reduction):
    if reduction == "mean":
        return loss.sum() / float(w.sum())
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-input[n, target[n]] * weight[target[n]] for log-probabilities ``input`` (N, C, ...).

    ``input``: log-probabilities (N, C, ...) or (C,); ``target``: class indices (N, ...);
    ``weight``: a (C,) rescaling per class; ``ignore_index``: a target that contributes nothing;
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``; ``size_average``, ``reduce``:
    deprecated.

    >>> F.nll_loss(minigrad.tensor([[-0.5, -1.0], [-2.0, -0.1]]), minigrad.tensor([0, 1]))
    tensor(0.3000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    t = _class_targets("nll_loss", input, target)
    _check_class_weight("nll_loss", input, weight)
    if input.ndim == 1:
        out = nll_loss(input.reshape(1, -1), target.reshape(1), weight, None, ignore_index, None, reduction)
        return out.reshape(()) if reduction == "none" else out
    w, safe = _target_weights(input, t, weight, ignore_index)
    grid = np.indices(t.shape, sparse=True)
    picked = input[(grid[0], safe) + tuple(grid[1:])]
    return _weighted_reduce(-picked * minigrad.from_numpy(w), w, reduction)


def _ce_probabilities(input, target, weight, reduction, label_smoothing):
    if tuple(target.shape) != tuple(input.shape):
        # PyTorch reads a float target of another shape as class indices of the wrong dtype
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_TORCH_NAME[target.dtype.name]}: "
            f"cross_entropy got a {target.dtype.name} target of shape {tuple(target.shape)} for an "
            f"input of shape {tuple(input.shape)}. Class indices are an integer tensor of shape "
            f"{(input.shape[0],) + tuple(input.shape[2:])} (convert with .long()); class "
            f"probabilities are a float tensor of the input's shape {tuple(input.shape)}."
        )
    c = input.shape[1]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / c
    prod = _ops.log_softmax(input, 1) * target
    if weight is not None:
        prod = prod * weight.reshape((1, c) + (1,) * (input.ndim - 2))
    return _reduce(-prod.sum(1), reduction)


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """Cross-entropy of logits ``input`` (N, C, ...) or (C,) with class indices (N, ...) or
    class probabilities (the input's shape).

    ``input``: unnormalised scores; ``target``: class indices (int64) or probabilities;
    ``weight``: an optional (C,) weight per class; ``ignore_index``: a target index that adds
    nothing (default -100; indices only); ``label_smoothing``: in [0, 1], mixes the target with
    the uniform distribution (default 0); ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.cross_entropy(minigrad.zeros(2, 4), minigrad.tensor([0, 3]))
    tensor(1.3863)
    >>> F.cross_entropy(minigrad.tensor([[2.0, 0.0]]), minigrad.tensor([0]), label_smoothing=0.2)
    tensor(0.3269)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        _reduce(None, reduction)  # raises the ValueError
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim == 1:
        batched = target.reshape((1,) + tuple(target.shape))
        out = cross_entropy(
            input.reshape(1, -1), batched, weight, None, ignore_index, None, reduction, label_smoothing
        )
        return out.reshape(()) if reduction == "none" else out
    _check_class_weight("cross_entropy", input, weight)
    if target.is_floating_point():
        return _ce_probabilities(input, target, weight, reduction, label_smoothing)
    if tuple(target.shape) == tuple(input.shape):
        raise RuntimeError(
            f"Expected floating point type for target with class probabilities, got "
            f"{_TORCH_NAME[target.dtype.name]}: cross_entropy got an integer target of the input's "
            f"shape {tuple(input.shape)}, which reads as one-hot labels. Pass class indices "
            "(target.argmax(1)) or probabilities (target.float())."
        )
    t = _class_targets("cross_entropy", input, target)
    if weight is None and label_smoothing == 0 and reduction != "none":
        return _ops.cross_entropy_reduced(input, t, ignore_index, reduction)
    w, _ = _target_weights(input, t, weight, ignore_index)
    nll = _weighted_reduce(_ops.cross_entropy_indices(input, t, _array(weight), ignore_index), w, reduction)
    if label_smoothing == 0:
        return nll
    c = input.shape[1]
    logp = _ops.log_softmax(input, 1)
    if weight is not None:
        logp = logp * weight.reshape((1, c) + (1,) * (input.ndim - 2))
    smooth = -logp.sum(1) * minigrad.from_numpy((t != ignore_index).astype(input.dtype.numpy))
    return nll * (1 - label_smoothing) + _weighted_reduce(smooth, w, reduction) * (label_smoothing / c)


def _check_same_size(input, target, first):
    if tuple(input.shape) != tuple(target.shape):
        message = first.format(t=target.shape, i=input.shape)
        raise ValueError(message + " Please ensure they have the same size.")


def _log_clamped(p):
    # max(log(p), -100) with a finite (zero) gradient below the clamp, also at p == 0
    tiny = math.exp(-100)
    ok = p > tiny
    return minigrad.where(ok, minigrad.where(ok, p, 1.0).log(), -100.0)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities ``input`` in [0, 1].

    ``input``: probabilities (*); ``target``: the same shape; ``weight``: a rescaling broadcast
    against the input; ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.binary_cross_entropy(minigrad.tensor([0.8, 0.2]), minigrad.tensor([1.0, 0.0]))
    tensor(0.2231)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_same_size(
        input, target, "Using a target size ({t}) that is different to the input size ({i}) is deprecated."
    )
    p = input.detach().numpy()
    if not ((p >= 0) & (p <= 1)).all():  # NaN too
        raise RuntimeError(
            "all elements of input should be between 0 and 1 (binary_cross_entropy takes "
            "probabilities: apply sigmoid first, or use binary_cross_entropy_with_logits)"
        )
    loss = -(target * _log_clamped(input) + (1 - target) * _log_clamped(1 - input))
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """BCE of sigmoid(input), computed from the logits without overflow.

    ``input``: logits (*); ``target``: the same shape, in [0, 1]; ``weight``: a rescaling broadcast
    against the input; ``pos_weight``: a weight on the positive term per class; ``reduction``:
    ``'mean'`` (default), ``'sum'`` or ``'none'``; ``size_average``, ``reduce``: deprecated.

    >>> F.binary_cross_entropy_with_logits(minigrad.zeros(2), minigrad.tensor([1.0, 0.0]))
    tensor(0.6931)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_same_size(input, target, "Target size ({t}) must be the same as input size ({i}).")
    sp = _ops.softplus(-input)
    if pos_weight is None:
        loss = (1 - target) * input + sp
    else:
        loss = (1 - target) * input + ((pos_weight - 1) * target + 1) * sp
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: t (log t - x), with 0 where t == 0.

    ``input``: log-probabilities; ``target``: probabilities (log-probabilities with
    ``log_target=True``); ``reduction``: ``'mean'`` (default, warns as PyTorch does),
    ``'batchmean'`` (the true KL divergence: the sum over the batch size), ``'sum'`` or
    ``'none'``; ``size_average``, ``reduce``: deprecated.

    >>> p = minigrad.tensor([[0.5, 0.5]])
    >>> F.kl_div(minigrad.tensor([[0.25, 0.75]]).log(), p, reduction="batchmean")
    tensor(0.1438)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        xlogx = minigrad.where(positive, target * minigrad.where(positive, target, 1.0).log(), 0.0)
        loss = xlogx - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- modules


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = _legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """The mean squared error, mean((input - target)^2).

    Shapes: input (*), target the same shape; the output is a scalar (or (*) with
    ``reduction='none'``).
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.MSELoss()(minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([1.0, 0.0, 0.0]))
    tensor(4.3333)
    """

    def forward(self, input, target):
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """The mean absolute error, mean(|input - target|).

    Shapes: input (*), target the same shape; the output is a scalar (or (*) with
    ``reduction='none'``).
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.L1Loss()(minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([1.0, 0.0, 0.0]))
    tensor(1.6667)
    """

    def forward(self, input, target):
        return l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 * d^2 / beta where |d| < beta, |d| - 0.5 * beta elsewhere (d = input - target), averaged.

    Shapes: input (*), target the same shape; a scalar out (or (*) with ``reduction='none'``).
    ``beta``: where the quadratic turns linear (default 1.0); ``reduction``: ``'mean'`` (default),
    ``'sum'`` or ``'none'`` (one loss per element).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.SmoothL1Loss(reduction="none")(minigrad.tensor([0.5, 3.0]), minigrad.zeros(2))
    tensor([0.1250, 2.5000])
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 * d^2 where |d| < delta, delta * (|d| - 0.5 * delta) elsewhere (d = input - target), averaged.

    Shapes: input (*), target the same shape; a scalar out (or (*) with ``reduction='none'``).
    ``delta``: where the quadratic turns linear (default 1.0); ``reduction``: ``'mean'`` (default),
    ``'sum'`` or ``'none'`` (one loss per element).

    >>> nn.HuberLoss(reduction="none", delta=2.0)(minigrad.tensor([1.0, 3.0]), minigrad.zeros(2))
    tensor([0.5000, 4.0000])
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """The cross-entropy between logits and classes: -log_softmax(input)[target], averaged.

    Shapes: input (N, C) or (N, C, d1, ...) or (C,); target class indices (N) or (N, d1, ...)
    (int64, in [0, C)), or class probabilities shaped like the input.
    ``weight``: a (C,) rescaling per class (the mean is then weighted); ``ignore_index``: a target
    class that contributes nothing (default -100); ``label_smoothing``: mix the target with the
    uniform distribution by this amount; ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``
    (one loss per sample). ``size_average``, ``reduce``: PyTorch's deprecated spellings of
    ``reduction``.

    >>> loss = nn.CrossEntropyLoss()
    >>> logits = minigrad.zeros(2, 4, requires_grad=True)
    >>> out = loss(logits, minigrad.tensor([0, 3]))
    >>> out
    tensor(1.3863, grad_fn=<NllLossBackward0>)
    >>> out.backward()
    >>> logits.grad
    tensor([[-0.3750,  0.1250,  0.1250,  0.1250],
            [ 0.1250,  0.1250,  0.1250, -0.3750]])
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index=-100,
        reduce=None,
        reduction="mean",
        label_smoothing=0.0,
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """The negative log-likelihood of log-probabilities: -input[n, target[n]], averaged.

    Shapes: input (N, C) or (N, C, d1, ...) or (C,) (log-probabilities, e.g. from LogSoftmax);
    target class indices (N) or (N, d1, ...) (int64, in [0, C)).
    ``weight``: a (C,) rescaling per class (the mean is then weighted); ``ignore_index``: a target
    class that contributes nothing (default -100); ``reduction``: ``'mean'`` (default), ``'sum'`` or
    ``'none'`` (one loss per sample). ``size_average``, ``reduce``: PyTorch's deprecated spellings of
    ``reduction``.

    >>> logp = minigrad.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> nn.NLLLoss()(logp, minigrad.tensor([0, 1]))
    tensor(0.3000)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """The binary cross-entropy of probabilities: -(t * log(p) + (1 - t) * log(1 - p)), averaged.

    Shapes: input (*) probabilities in [0, 1] (e.g. from Sigmoid), target the same shape; the log
    is clamped at -100, as PyTorch does.
    ``weight``: a rescaling broadcast against the input; ``reduction``: ``'mean'`` (default), ``'sum'``
    or ``'none'`` (one loss per element). ``size_average``, ``reduce``: PyTorch's deprecated spellings
    of ``reduction``.

    >>> nn.BCELoss()(minigrad.tensor([0.5, 0.5]), minigrad.tensor([1.0, 0.0]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        return binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """BCELoss of sigmoid(input), computed stably from the logits.

    Shapes: input (*) logits, target the same shape (in [0, 1]).
    ``weight``: a rescaling broadcast against the input; ``pos_weight``: a weight on the positive
    term per class (broadcast along the last dim), to trade recall for precision; ``reduction``:
    ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.BCEWithLogitsLoss()(minigrad.zeros(3), minigrad.tensor([1.0, 0.0, 1.0]))
    tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence target * (log(target) - input), for ``input`` log-probabilities.

    Shapes: input (*), target the same shape (probabilities, or log-probabilities with
    ``log_target=True``).
    ``log_target``: the target is given as log-probabilities; ``reduction``: ``'mean'`` (default,
    over every element), ``'batchmean'`` (the sum divided by the batch size: the true KL
    divergence), ``'sum'`` or ``'none'``; ``size_average``, ``reduce``: PyTorch's deprecated spellings
    of ``reduction``.

    >>> p = minigrad.tensor([[0.5, 0.5]])
    >>> nn.KLDivLoss(reduction="batchmean")(minigrad.tensor([[0.25, 0.75]]).log(), p)
    tensor(0.1438)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
