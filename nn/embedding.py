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
    """Rows of ``weight`` picked by the integer tensor ``input``: shape input.shape + (dim,).

    ``input``: int64/int32 indices; ``weight``: the (num_embeddings, dim) table;
    ``padding_idx``: an index whose row gets no gradient; ``max_norm``, ``norm_type``,
    ``scale_grad_by_freq``, ``sparse``: PyTorch's options, not supported here (anything but
    the default raises NotImplementedError).

    >>> w = minigrad.arange(6.0).reshape(3, 2)
    >>> F.embedding(minigrad.tensor([[2, 0]]), w)
    tensor([[[4., 5.],
             [0., 1.]]])
    """
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


# ----------------------------------------------------------------------------- EmbeddingBag
# Composed: the rows of every bag entry are looked up (index_select, whose backward
# scatter-adds into the weight) and reduced per bag. sum/mean add each row into its bag with
# scatter_add (weighted by per_sample_weights first); max finds, per bag and column, the
# entry holding the maximum (numpy, on the values) and gathers exactly those weight entries,
# so the gradient reaches the arg-max rows only, as in PyTorch. Empty bags give zeros.


def _bags(op, idx, offsets, include_last_offset):
    """(start, end) positions in the flat indices of each bag, checked like PyTorch."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{op}: if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                f"of fixed length sequences. However, found offsets of type {type(offsets).__name__}"
            )
        b, n = idx.shape
        return np.arange(b) * n, np.arange(1, b + 1) * n
    if idx.ndim != 1:
        raise ValueError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if offsets is None:
        raise ValueError(f"{op}: offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, minigrad.Tensor) or offsets.ndim != 1:
        raise ValueError(
            f"{op}: offsets has to be a 1D Tensor (got {shape_str(getattr(offsets, 'shape', ()))})"
        )
    if offsets.is_floating_point() or offsets.dtype == minigrad.bool:
        raise RuntimeError(
            "Expected tensor for argument #2 'offsets' to have one of the following scalar types: Long, Int; "
            f"but got {offsets.dtype} instead (while checking arguments for {op})"
        )
    off = offsets.numpy().astype(np.int64)
    if off.size and off[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
            f"position 0. However, got {off[0]} ({op})"
        )
    if off.size and off[-1] > idx.size:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {idx.size} but got offsets[-1] of "
            f"{off[-1]} ({op})"
        )
    if (np.diff(off) < 0).any():
        raise RuntimeError(f"{op}: offsets must be non-decreasing, got {off.tolist()}")
    if include_last_offset:
        if off.size == 0:
            raise RuntimeError(f"{op}: include_last_offset needs at least one offset")
        return off[:-1], off[1:]
    return off, np.append(off[1:], idx.size)


def _renorm_(weight, rows, max_norm, norm_type):
    """PyTorch's max_norm: rows looked up whose norm exceeds ``max_norm`` are rescaled in place."""
    data = weight._data
    rows = np.unique(rows)
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    data[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(data.dtype)
    weight._bump_version()


def embedding_bag(
    input,
    weight,
    offsets=None,
    max_norm=None,
    norm_type=2,
    scale_grad_by_freq=False,
    mode="mean",
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    """Sums, means or maxima of bags of embeddings, without the (bags, length, dim) tensor.

    ``input``: (B, N) (B bags of N indices) or 1-D with ``offsets`` (each bag's start);
    ``weight``: the (num_embeddings, dim) table; ``mode``: ``'sum'``, ``'mean'`` (default) or
    ``'max'``; ``per_sample_weights`` (``mode="sum"``) weights each entry; entries equal to
    ``padding_idx`` are left out of their bag; ``include_last_offset``: ``offsets`` has one
    more entry, the end of the last bag; ``max_norm``, ``norm_type``: renormalise the rows used
    to at most ``max_norm`` in that p-norm; ``scale_grad_by_freq``, ``sparse``: not supported
    (True raises NotImplementedError).

    >>> w = minigrad.arange(6.0).reshape(3, 2)
    >>> F.embedding_bag(minigrad.tensor([0, 2, 1]), w, minigrad.tensor([0, 2]), mode="sum")
    tensor([[4., 6.],
            [2., 3.]])
    """
    op = "embedding_bag"
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: scale_grad_by_freq and sparse gradients are not supported")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if not isinstance(weight, minigrad.Tensor) or weight.ndim != 2:
        what = (
            f"Tensor of dimension {weight.ndim}"
            if isinstance(weight, minigrad.Tensor)
            else type(weight).__name__
        )
        raise ValueError(f"{op}: weight has to be a 2D Tensor, but got {what}")
    if not isinstance(input, minigrad.Tensor) or input.is_floating_point() or input.dtype == minigrad.bool:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {getattr(input, 'dtype', type(input).__name__)} instead (while checking arguments "
            f"for {op})"
        )
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
            )
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({shape_str(per_sample_weights.shape)}) is not None, "
                f"then it must have the same shape as the input ({shape_str(input.shape)})"
            )
    idx = input.numpy().astype(np.int64)
    starts, ends = _bags(op, idx, offsets, include_last_offset)
    n, dim = weight.shape
    flat = idx.reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        bad = int(np.flatnonzero((flat < 0) | (flat >= n))[0])
        raise IndexError(
            f"{op}: Index {bad} of input takes value {flat[bad]} which is not in the valid range [0, {n})"
        )
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
    pos = np.arange(flat.size)
    bag = np.searchsorted(starts, pos, side="right") - 1  # the last bag starting at or before pos
    keep = bag >= 0
    if len(ends):  # with include_last_offset, entries past the last offset belong to no bag
        keep &= pos < ends[np.maximum(bag, 0)]
    padding_idx = _padding_idx(padding_idx, n)
    if padding_idx is not None:
        keep &= flat != padding_idx
    pos, bag = pos[keep], bag[keep]
    bags = len(starts)
    counts = np.bincount(bag, minlength=bags)
    ids = flat[pos]
    if mode == "max":
        values = weight.detach().numpy()[ids]  # (T, dim)
        best = np.full((bags, dim), -np.inf, values.dtype)
        np.maximum.at(best, bag, values)
        first = np.full((bags, dim), flat.size, np.int64)  # the first entry holding the maximum
        hit = values == best[bag]
        rows, cols = np.nonzero(hit)
        np.minimum.at(first, (bag[rows], cols), rows)
        full = np.repeat(counts[:, None] > 0, dim, 1)
        chosen = ids[np.where(full, first, 0)] if len(ids) else np.zeros((bags, dim), np.int64)
        out = minigrad.gather(weight, 0, minigrad.from_numpy(np.ascontiguousarray(chosen, np.int64)))
        return minigrad.where(minigrad.from_numpy(full), out, minigrad.zeros((), dtype=out.dtype))
    rows = minigrad.index_select(weight, 0, minigrad.from_numpy(ids))
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[minigrad.from_numpy(pos)].reshape((-1, 1))
    target = minigrad.from_numpy(np.ascontiguousarray(np.broadcast_to(bag[:, None], (len(bag), dim))))
    out = minigrad.scatter_add(minigrad.zeros(bags, dim, dtype=weight.dtype), 0, target, rows)
    if mode == "mean":
        out = out / minigrad.from_numpy(np.maximum(counts, 1)[:, None].astype(weight.detach().numpy().dtype))
    return out


class EmbeddingBag(Module):
    """A table of ``num_embeddings`` vectors whose forward reduces bags of them (sum, mean,
    max) without building the per-entry tensor; initialised N(0, 1), the ``padding_idx`` row 0.

    ``num_embeddings``: the table's rows; ``embedding_dim``: each vector's size; ``max_norm``,
    ``norm_type``: renormalise each row used to at most ``max_norm`` in that p-norm (default
    2); ``scale_grad_by_freq``, ``sparse``: not supported (True raises NotImplementedError in
    forward); ``mode``: ``'sum'``, ``'mean'`` (default) or ``'max'``; ``_weight``: an initial
    (num_embeddings, embedding_dim) table; ``include_last_offset``: the offsets end with the
    last bag's end; ``padding_idx``: an index left out of every bag; ``device``, ``dtype``: of
    the table. ``forward(input, offsets=None, per_sample_weights=None)`` as in F.embedding_bag.

    >>> minigrad.nn.EmbeddingBag(10, 3, mode="sum")
    EmbeddingBag(10, 3, mode='sum')
    >>> bag = nn.EmbeddingBag(10, 3)
    >>> bag.weight.shape, bag(minigrad.tensor([1, 2, 4, 5, 4]), minigrad.tensor([0, 2])).shape
    (minigrad.Size([10, 3]), minigrad.Size([2, 3]))
    """

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        mode="mean",
        sparse=False,
        _weight=None,
        include_last_offset=False,
        padding_idx=None,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self.padding_idx = _padding_idx(padding_idx, num_embeddings)
        if _weight is None:
            self.weight = Parameter(minigrad.empty(num_embeddings, embedding_dim, dtype=dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight)

    reset_parameters = Embedding.reset_parameters

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, **kwargs):
        """An EmbeddingBag holding ``embeddings`` (2-D), frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        bag = cls(*embeddings.shape, _weight=embeddings, **kwargs)
        bag.weight.requires_grad = not freeze
        return bag

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
