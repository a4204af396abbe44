"""Distances and similarities: normalize, cosine_similarity, pairwise_distance, and the
CosineSimilarity / PairwiseDistance layers.

Compositions of ``norm``, ``clamp_min``, ``sum`` and ``div``. The eps guards keep a zero
vector from dividing by zero: ``normalize`` and ``cosine_similarity`` clamp each norm from
below, ``pairwise_distance`` adds eps to the difference before the norm, all as PyTorch does.
"""

import numpy as np

from .module import Module


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along ``dim``.

    ``input``: a floating tensor; ``p``: the norm's degree (default 2); ``dim``: the dimension
    normalised (default 1); ``eps``: the smallest norm divided by (default 1e-12); ``out``: not
    supported (raises NotImplementedError; use the result).

    >>> F.normalize(minigrad.tensor([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the returned tensor")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast).

    ``x1``, ``x2``: floating tensors of one dtype; ``dim``: the vectors' dimension (default 1);
    ``eps``: the smallest norm divided by (default 1e-8).

    >>> F.cosine_similarity(minigrad.tensor([[1.0, 0.0], [1.0, 1.0]]), minigrad.tensor([[1.0, 1.0]]))
    tensor([0.7071, 1.0000])
    """
    if x1.dtype != x2.dtype:
        raise RuntimeError(
            f"cosine_similarity: expected both inputs to have the same dtype, got {x1.dtype} and {x2.dtype}"
        )
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity: the shapes {tuple(x1.shape)} and {tuple(x2.shape)} do not broadcast"
        ) from None
    x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim.

    ``x1``, ``x2``: (N, D) or (D,) tensors (broadcast); ``p``: the norm's degree (default 2);
    ``eps``: added to the difference, keeps the gradient finite at 0 (default 1e-6);
    ``keepdim``: keep the last dim, of size 1.

    >>> F.pairwise_distance(minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    ndim = max(x1.ndim, x2.ndim)
    if ndim == 0:
        raise RuntimeError("pairwise_distance: expected at least a 1-D input, got two scalars")
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


class CosineSimilarity(Module):
    """The cosine of the angle, x1 . x2 / max(||x1|| * ||x2||, eps), along ``dim``.

    Shapes: x1 and x2 broadcastable, (*1, D, *2) -> (*1, *2).
    ``dim``: the dimension of the vectors (default 1); ``eps``: the smallest norm divided by.

    >>> nn.CosineSimilarity(dim=1)(minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm distance ||x1 - x2 + eps||_p between the rows of x1 and x2, over the last dim.

    Shapes: (N, D) or (D,), x1 and x2 broadcastable -> (N) or () (keepdim: (N, 1)).
    ``p``: the norm degree (default 2); ``eps``: added to the difference, keeping the norm's
    gradient finite at 0; ``keepdim``: keep the reduced dim.

    >>> pdist = nn.PairwiseDistance(eps=0.0)
    >>> pdist(minigrad.tensor([[0.0, 0.0], [1.0, 1.0]]), minigrad.tensor([[3.0, 4.0], [1.0, 1.0]]))
    tensor([5., 0.])
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
