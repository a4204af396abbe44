"""The rest of PyTorch's losses (issue 19): margin and embedding losses (margin_ranking,
hinge_embedding, soft_margin, multilabel_soft_margin, multi_margin, cosine_embedding,
triplet_margin) and the likelihood ones (poisson_nll, gaussian_nll), with their modules.

Compositions, reduced by ``reduction`` as in ``loss.py``. ``y`` is a target of +1 / -1
where a loss says so. For stability, soft margins go through softplus (log(1 + exp(z))
never overflows) and multilabel soft margin through logsigmoid.
"""

import math

import numpy as np

import minigrad
from minigrad.ops import nn as _ops

from .activation import logsigmoid
from .distance import pairwise_distance
from .loss import _legacy_reduction, _Loss, _reduce, _WeightedLoss


def _tensors(op, **named):
    """TypeError naming the op and the argument for anything that is not a Tensor."""
    for name, t in named.items():
        if not isinstance(t, minigrad.Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")


def _same_ndim(op, *tensors):
    if len({t.ndim for t in tensors}) > 1:
        sizes = ", ".join(str(list(t.shape)) for t in tensors)
        raise RuntimeError(
            f"{op}: all input tensors should have the same number of dimensions, but got sizes {sizes}"
        )


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y * (x1 - x2) + margin).

    ``input1``, ``input2``: the two scores, one shape; ``target``: 1 where ``input1`` should rank
    higher, -1 where ``input2`` should; ``margin``: the required gap (default 0);
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> x1, x2 = minigrad.tensor([1.0, 0.0]), minigrad.tensor([0.0, 1.0])
    >>> F.margin_ranking_loss(x1, x2, minigrad.tensor([1.0, 1.0]), margin=0.5)
    tensor(0.7500)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    _same_ndim("margin_ranking_loss", input1, input2, target)
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0.0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1.

    ``input``: e.g. distances; ``target``: 1 or -1, the input's shape; ``margin``: default 1;
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.hinge_embedding_loss(minigrad.tensor([0.3, 0.4]), minigrad.tensor([1.0, -1.0]))
    tensor(0.4500)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    below = minigrad.where(target != 1, (margin - input).clamp_min(0.0), 0.0)
    return _reduce(below + minigrad.where(target != -1, input, 0.0), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y * x)).

    ``input``: scores; ``target``: 1 or -1, the input's shape;
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.soft_margin_loss(minigrad.tensor([2.0, -1.0]), minigrad.tensor([1.0, 1.0]))
    tensor(0.7201)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensors("soft_margin_loss", input=input, target=target)
    if tuple(input.shape) != tuple(target.shape):
        raise RuntimeError(
            f"soft_margin_loss: input and target must have the same shape, got {list(input.shape)} and "
            f"{list(target.shape)}"
        )
    return _reduce(_ops.softplus(-target * input, 1.0, 20.0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-mean over classes of y log sigmoid(x) + (1 - y) log sigmoid(-x).

    ``input``: logits (N, C) or (C,); ``target``: 0 or 1 per class, the input's shape;
    ``weight``: an optional (C,) weight per class;
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.multilabel_soft_margin_loss(minigrad.zeros(1, 3), minigrad.tensor([[1.0, 0.0, 1.0]]))
    tensor(0.6931)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensors("multilabel_soft_margin_loss", input=input, target=target)
    if input.ndim == 0:
        raise IndexError(
            "multilabel_soft_margin_loss: Dimension out of range (expected an (N, C) or (C,) input, got 0-d)"
        )
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.mean(input.ndim - 1), reduction)


def multi_margin_loss(
    input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """sum over j != y of max(0, margin - x[y] + x[j])^p / C (times weight[y]).

    ``input``: scores (N, C) or (C,); ``target``: class indices (N,) or 0-d; ``p``: 1 or 2
    (default 1); ``margin``: default 1; ``weight``: an optional (C,) weight per class;
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.multi_margin_loss(minigrad.tensor([[0.1, 0.8, 0.4]]), minigrad.tensor([1]))
    tensor(0.3000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    t = target.reshape(-1)
    if input.ndim > 2 or t.shape[0] != x.shape[0]:
        raise RuntimeError(
            f"multi_margin_loss: expected an (N, C) or (C,) input and N class indices, got input "
            f"{tuple(input.shape)} and target {tuple(target.shape)}"
        )
    c, tn = x.shape[1], t.numpy()
    if tn.size and (tn.min() < 0 or tn.max() >= c):
        raise IndexError(f"multi_margin_loss: target {int(tn.max())} is out of bounds for {c} classes")
    picked = x.gather(1, t.reshape(-1, 1))
    m = (x - picked + margin).clamp_min(0.0)
    if p == 2:
        m = m * m
    if weight is not None:
        m = m * weight[t].reshape(-1, 1)
    others = minigrad.from_numpy(np.arange(c)[None, :] != tn[:, None])
    loss = minigrad.where(others, m, 0.0).sum(1) / c
    return _reduce(loss.reshape(tuple(target.shape)) if input.ndim == 1 else loss, reduction)


def cosine_embedding_loss(
    input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"
):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (cos over the last dim).

    ``input1``, ``input2``: (N, D) or (D,); ``target``: 1 or -1, (N,) or 0-d; ``margin``: in
    [-1, 1] (default 0); ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> a, b = minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[1.0, 1.0]])
    >>> F.cosine_embedding_loss(a, b, minigrad.tensor([1.0]))
    tensor(0.2929)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    if input1.ndim != input2.ndim or input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1:
        raise RuntimeError(
            "cosine_embedding_loss: expected (N, D) or (D,) inputs of one size and an (N,) or 0-d target, "
            f"got "
            f"{list(input1.shape)}, {list(input2.shape)} and target {list(target.shape)}"
        )
    dim = input1.ndim - 1
    dot = (input1 * input2).sum(dim)
    # PyTorch adds 1e-12 to each squared magnitude (not a clamp of the norms as in cosine_similarity)
    mag = ((input1 * input1).sum(dim) + 1e-12) * ((input2 * input2).sum(dim) + 1e-12)
    cos = dot / mag.sqrt()
    loss = minigrad.where(target == 1, 1 - cos, 0.0) + minigrad.where(
        target == -1, (cos - margin).clamp_min(0.0), 0.0
    )
    return _reduce(loss, reduction)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin=1.0,
    p=2,
    eps=1e-6,
    swap=False,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise p-distance.

    ``anchor``, ``positive``, ``negative``: (N, D) or (D,), one shape; ``margin``: default 1;
    ``p``: the norm's degree (default 2); ``eps``: added to the difference, as in
    ``pairwise_distance`` (default 1e-6); ``swap``: use min(d(a, n), d(p, n)) as the negative
    distance; ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> a, pos = minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[1.0, 0.0]])
    >>> neg = minigrad.tensor([[0.0, 1.5]])
    >>> F.triplet_margin_loss(a, pos, neg)
    tensor(0.5000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    if not anchor.ndim == positive.ndim == negative.ndim or anchor.ndim not in (1, 2):
        raise RuntimeError(
            "triplet_margin_loss: the anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions (1 or 2), but got {list(anchor.shape)}, {list(positive.shape)} and "
            f"{list(negative.shape)}"
        )
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = minigrad.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_ap - d_an + margin).clamp_min(0.0), reduction)


def poisson_nll_loss(
    input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
):
    """exp(x) - y * x (``log_input``) or x - y * log(x + eps), plus Stirling's term with ``full``.

    ``input``: the log-rate (``log_input=True``, default) or the rate; ``target``: counts;
    ``log_input``: how ``input`` is read; ``full``: add the Stirling term y log y - y +
    0.5 log(2 pi y) where y > 1; ``eps``: keeps log(x) finite when ``log_input=False`` (default 1e-8);
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``;
    ``size_average``, ``reduce``: deprecated.

    >>> F.poisson_nll_loss(minigrad.tensor([0.0, 1.0]), minigrad.tensor([1.0, 2.0]))
    tensor(0.8591)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        t = target.detach()
        safe = minigrad.where(t > 1, t, 1.0)
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + minigrad.where(t > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 * (log(max(var, eps)) + (x - y)^2 / max(var, eps)) (+ 0.5 log(2 pi) with ``full``).

    ``input``: the predicted means; ``target``: the samples, the input's shape; ``var``: the
    predicted variances, >= 0 (the input's shape, or one dim fewer, or a last dim of 1: one
    variance per sample; a number is broadcast); ``full``: add the constant; ``eps``: the
    variance's floor (default 1e-6); ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    >>> F.gaussian_nll_loss(minigrad.tensor([0.0, 1.0]), minigrad.tensor([1.0, 1.0]), minigrad.ones(2))
    tensor(0.2500)
    """
    if isinstance(var, (int, float)):
        var = minigrad.full(tuple(input.shape), float(var), dtype=input.dtype)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(
                f"gaussian_nll_loss: var is of incorrect size: input {tuple(input.shape)}, "
                f"var {tuple(var.shape)}"
            )
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if (var.detach().numpy() < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    # the clamp changes the value only: the gradient flows to var as if unclamped (as in PyTorch)
    var = var + (var.detach().clamp_min(eps) - var.detach())
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


class MarginRankingLoss(_Loss):
    """The ranking loss max(0, -target * (input1 - input2) + margin), averaged.

    Target 1 says input1 should rank higher, -1 that input2 should.
    Shapes: input1, input2 (N) or (), target the same (of 1s and -1s).
    ``margin``: the gap required (default 0); ``reduction``: ``'mean'`` (default), ``'sum'`` or
    ``'none'`` (one loss per element). ``size_average``, ``reduce``: PyTorch's deprecated spellings of
    ``reduction``.

    >>> x1, x2 = minigrad.tensor([1.0, 2.0]), minigrad.tensor([2.0, 1.0])
    >>> nn.MarginRankingLoss(margin=0.5)(x1, x2, minigrad.tensor([1.0, 1.0]))
    tensor(0.7500)
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x where target is 1, max(0, margin - x) where it is -1, averaged (x: e.g. a distance).

    Shapes: input (*), target the same shape (of 1s and -1s).
    ``margin``: default 1.0; ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per
    element). ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.HingeEmbeddingLoss()(minigrad.tensor([0.3, 0.2]), minigrad.tensor([1.0, -1.0]))
    tensor(0.5500)
    """

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """The two-class logistic loss log(1 + exp(-target * input)), averaged.

    Shapes: input (*), target the same shape (of 1s and -1s).
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.SoftMarginLoss()(minigrad.zeros(2), minigrad.tensor([1.0, -1.0]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """The multi-label one-versus-all loss: BCE with logits per class, averaged over the C classes.

    Shapes: input (N, C) or (C,) logits, target the same shape (of 0s and 1s); (N) per sample.
    ``weight``: a (C,) rescaling per class; ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'``
    (one loss per sample). ``size_average``, ``reduce``: PyTorch's deprecated spellings of
    ``reduction``.

    >>> nn.MultiLabelSoftMarginLoss()(minigrad.zeros(1, 3), minigrad.tensor([[1.0, 0.0, 1.0]]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        return multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i])^p / C, per sample.

    Shapes: input (N, C) or (C,), target class indices (N) or () (int64, in [0, C)).
    ``p``: 1 or 2 (default 1); ``margin``: default 1.0; ``weight``: a (C,) rescaling per class;
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per sample).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.MultiMarginLoss()(minigrad.tensor([[0.1, 0.2, 0.4, 0.8]]), minigrad.tensor([3]))
    tensor(0.3250)
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return multi_margin_loss(input, target, self.p, self.margin, self.weight, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1, averaged.

    Shapes: input1, input2 (N, D) or (D,), target (N) or () (of 1s and -1s).
    ``margin``: in [-1, 1], 0 to 0.5 suggested (default 0); ``reduction``: ``'mean'`` (default),
    ``'sum'`` or ``'none'`` (one loss per sample). ``size_average``, ``reduce``: PyTorch's deprecated
    spellings of ``reduction``.

    >>> x1 = minigrad.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> x2 = minigrad.tensor([[0.0, 1.0], [1.0, 1.0]])
    >>> nn.CosineEmbeddingLoss()(x1, x2, minigrad.tensor([1.0, -1.0]))
    tensor(0.8536)
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return cosine_embedding_loss(input1, input2, target, self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(d(a, p) - d(a, n) + margin, 0), averaged, d the pairwise p-norm distance.

    Shapes: anchor, positive, negative (N, D) or (D,).
    ``margin``: default 1.0; ``p``: the norm degree (default 2); ``eps``: added to the differences
    for a stable norm; ``swap``: use min(d(a, n), d(p, n)) as the negative distance (Balntas et
    al., 2016); ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per sample).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> a, p, n = minigrad.zeros(1, 2), minigrad.tensor([[3.0, 4.0]]), minigrad.tensor([[0.0, 1.0]])
    >>> nn.TripletMarginLoss(margin=1.0, eps=0.0)(a, p, n)
    tensor(5.)
    """

    def __init__(
        self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"
    ):
        super().__init__(size_average, reduce, reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, reduction=self.reduction
        )


class PoissonNLLLoss(_Loss):
    """The Poisson negative log-likelihood exp(input) - target * input, averaged.

    With ``log_input=False`` the input is the rate itself: input - target * log(input + eps).
    Shapes: input (*), target the same shape.
    ``log_input``: the input is the log of the rate (default True); ``full``: add Stirling's
    approximation of log(target!); ``eps``: keeps the log finite (``log_input=False``);
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element).
    ``size_average``, ``reduce``: PyTorch's deprecated spellings of ``reduction``.

    >>> nn.PoissonNLLLoss()(minigrad.zeros(2), minigrad.tensor([1.0, 2.0]))
    tensor(1.)
    """

    def __init__(
        self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
    ):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return poisson_nll_loss(
            log_input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction
        )


class GaussianNLLLoss(_Loss):
    """The Gaussian negative log-likelihood 0.5 * (log(var) + (input - target)^2 / var), averaged.

    Shapes: input (N, *) or (*), target the same shape, var the same, or with one dim of size 1
    (broadcast), or one fewer dim (homoscedastic).
    ``full``: add the constant 0.5 * log(2 * pi); ``eps``: var is clamped to at least this;
    ``reduction``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element).

    >>> nn.GaussianNLLLoss()(minigrad.zeros(2), minigrad.tensor([1.0, 3.0]), minigrad.ones(2))
    tensor(2.5000)
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
