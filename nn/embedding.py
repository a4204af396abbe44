"""Embedding: a lookup table, ``weight[indices]``.

Composed from indexing, whose backward scatter-adds (repeated indices accumulate). Rows at
``padding_idx`` are looked up from a detached weight, so they get no gradient, as in PyTorch.
"""

import numpy as np

import minigrad

from . import init
from ._checks import shape_str
from .module import Module
from .parameter import Parameter


def _padding_idx(padding_idx, num_embeddings):
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"Padding_idx must be within num_embeddings (got padding_idx={padding_idx} "
            f"for {num_embeddings} embeddings)"
        )
    return padding_idx % num_embeddings


def one_hot(tensor, num_classes=-1):
    """(*,) class indices -> (*, num_classes) int64 rows of the identity (not differentiable).

    ``tensor``: int64 class indices; ``num_classes``: the row length (-1: the largest index + 1).

    >>> F.one_hot(minigrad.tensor([0, 2, 1]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1],
            [0, 1, 0]])
    """
    if tensor.is_floating_point() or tensor.dtype == minigrad.bool:
        raise RuntimeError(
            f"one_hot is only applicable to index tensor (got dtype {tensor.dtype}); convert with .long()"
        )
    idx = tensor.numpy()
    n = int(idx.max()) + 1 if num_classes == -1 and idx.size else num_classes
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise RuntimeError(f"Class values must be smaller than num_classes ({n}) and non-negative")
    return minigrad.from_numpy((idx[..., None] == np.arange(n)).astype(np.int64))


def embedding(
    input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False
):
    """Rows of ``weight`` picked by the integer tensor ``input``: shape input.shape + (dim,)."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not supported")
    if not isinstance(weight, minigrad.Tensor):
        kind = type(weight)
        name = kind.__qualname__
        if kind.__module__ != "builtins":
            name = f"{kind.__module__}.{name}"
        raise TypeError(f"embedding(): argument 'weight' must be a minigrad Tensor, not {name}")
    if weight.ndim != 2:
        raise RuntimeError(
            f"'weight' must be 2-D (embedding expects a (num_embeddings, embedding_dim) "
            f"weight, got shape {shape_str(weight.shape)})"
        )
    if input.is_floating_point() or input.dtype == minigrad.bool:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {input.dtype} instead (while checking arguments for embedding); convert with .long()"
        )
    n = weight.shape[0]
    idx = input.numpy()
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise IndexError(
            f"index out of range in self: index {bad} in input of shape {shape_str(idx.shape)}, "
            f"but the embedding has {n} rows (valid: 0..{n - 1})"
        )
    rows = weight[input]
    padding_idx = _padding_idx(padding_idx, n)
    if padding_idx is None or not (idx == padding_idx).any():
        return rows
    keep = minigrad.from_numpy((idx != padding_idx)[..., None])
    return minigrad.where(keep, rows, rows.detach())


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, initialised N(0, 1)
    (the ``padding_idx`` row to zeros).

    Shapes: integer indices (*) -> (*, embedding_dim).
    ``num_embeddings``: the table's size; ``embedding_dim``: each vector's; ``padding_idx``: a row
    that stays zero and gets no gradient; ``max_norm``: renormalise each looked-up row to at most
    this ``norm_type``-norm (in place, as PyTorch); ``scale_grad_by_freq``: divide gradients by
    each index's count in the batch; ``sparse``: accepted (gradients are dense); ``_weight``: an
    initial (num_embeddings, embedding_dim) table; ``_freeze``: do not train it; ``device``,
    ``dtype``: of the table.

    >>> emb = nn.Embedding(10, 3)
    >>> emb(minigrad.tensor([[1, 2, 4], [4, 3, 9]])).shape
    minigrad.Size([2, 3, 3])
    >>> nn.Embedding(4, 2, padding_idx=0).weight[0]
    tensor([0., 0.], grad_fn=<SelectBackward0>)
    """

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
        _weight=None,
        _freeze=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_idx(padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(minigrad.empty(num_embeddings, embedding_dim, dtype=dtype), not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Shape of weight does not match num_embeddings and embedding_dim: got "
                    f"{shape_str(_weight.shape)}, expected ({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight, not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with minigrad.no_grad():
                self.weight[self.padding_idx] = 0.0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, **kwargs):
        """An Embedding holding ``embeddings`` (2-D), frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, _weight=embeddings, _freeze=freeze, **kwargs)

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s
