"""Batching rules: how an op maps over a leading batch dimension (used by ``func.vmap``).

An op's ``defop`` entry names its rule (``batch=...``); elementwise ops need none, their
kind implies ``elementwise``. A rule receives the op and its per-sample arguments (some of
them ``BatchedTensor``s, whose arrays carry the batch as dim 0) and returns a BatchedTensor,
computed by one run of an op over the whole batch:

* ``elementwise``: numpy broadcasting, once the batched operands are padded to a common
  per-sample rank (a (B,) batch of scalars times a (3,) tensor is (B, 1) * (3,));
* ``shifted``: the same op with its dim attributes moved past the batch dim;
* ``prefixed``: the same op with ``B`` put in front of its shape attribute;
* ``reduce_all``: a full reduction becomes a reduction over every sample dim;
* ``matmul`` and ``linear``: the batched products (a per-sample weight, as ``grad`` inside
  ``vmap`` makes, takes one GEMM when its batch is a broadcast of one matrix).
"""

import numpy as np

from .._batched import BatchedTensor, is_batched, lift, pad, rank, run, unbatched


def _batch_size(args):
    return next(a._data.shape[0] for a in args if type(a) is BatchedTensor)


def elementwise(op, args, attrs):
    r = max(rank(a) for a in args)
    return run(op, [pad(a, r) for a in args], attrs)


def _shift(v):
    if isinstance(v, tuple):
        return tuple(d + 1 for d in v)
    return None if v is None else v + 1


def shifted(*which):
    """The op with attributes ``which`` (dims: an int or a tuple) moved past the batch dim."""

    def rule(op, args, attrs):
        attrs = list(attrs)
        for i in which:
            attrs[i] = _shift(attrs[i])
        return run(op, _batched_first(args), attrs)

    return rule


def permuted(op, args, attrs):
    return run(op, _batched_first(args), ((0,) + _shift(attrs[0]),))


def prefixed(op, args, attrs):
    """The op with the batch size put in front of its shape attribute (attrs[0])."""
    (x,) = args
    shape = tuple(attrs[0])
    x = pad(x, len(shape))
    return run(op, (x,), ((x._data.shape[0],) + shape,) + tuple(attrs[1:]))


def same(op, args, attrs):
    """An op that does not care where the batch is (dtype conversion, copy)."""
    return run(op, _batched_first(args), attrs)


def _batched_first(args):
    return [unbatched(a, _batch_size(args)) if not is_batched(a) and hasattr(a, "_data") else a for a in args]


def reduce_all(dim_op):
    """A full reduction (``sum()``) as the reduction of every sample dim (``sum(dims)``);
    ``dim_op`` names the op in ``reduce`` (declared after the full one in its table)."""

    def rule(op, args, attrs):
        from . import reduce

        (x,) = args
        return run(getattr(reduce, dim_op), (x,), (tuple(range(1, x._data.ndim)), False))

    return rule


def matmul(op, args, attrs):
    """Per-sample matmul (vectors, matrices, stacks): a batched operand's vector is made a
    matrix, both are padded to one rank, and numpy's broadcasting matmul does the batch."""
    from . import linalg, shape

    a, b = args
    va, vb = rank(a) == 1, rank(b) == 1
    a = _view(a, a._data.shape[:-1] + (1, a._data.shape[-1])) if va else a
    b = _view(b, b._data.shape + (1,)) if vb else b
    r = max(rank(a), rank(b))
    a, b = pad(a, r), pad(b, r)
    if not is_batched(a) and a._data.ndim < 3 or not is_batched(b) and b._data.ndim < 3:
        a, b = pad(a, 2), pad(b, 2)
    out = run(linalg.BMM, (a, b))
    if va or vb:
        phys = out._data.shape
        phys = phys[:-2] + ((phys[-1],) if va and not vb else (phys[-2],) if vb and not va else ())
        out = run(shape.VIEW, (out,), (phys,))
    return out


def _view(x, phys):
    from .._tape import _apply_plain
    from . import shape

    return run(shape.VIEW, (x,), (phys,)) if is_batched(x) else _apply_plain(shape.VIEW, (x,), (phys,))


def linear(op, args, attrs):
    """``x @ w.T + b`` per sample; a batched weight (``grad`` inside ``vmap``) runs as
    ``per_sample_linear``: one GEMM when the weight's batch is a broadcast of one matrix."""
    from . import nn

    x, w = args[0], args[1]
    b = args[2] if len(args) == 3 else None
    if not is_batched(w) and (b is None or not is_batched(b)):
        return run(
            nn.LINEAR_ND if b is not None else nn.LINEAR_ND_NOBIAS, [a for a in (x, w, b) if a is not None]
        )
    size = _batch_size(args)
    x = x if is_batched(x) else unbatched(x, size)
    if rank(x) != 1:
        return _linear_rows(x, w, b, size)
    w = w if is_batched(w) else unbatched(w, size)
    if b is None:
        b = unbatched(_zeros(w._data.shape[:2], w._data.dtype), size)
    elif not is_batched(b):
        b = unbatched(b, size)
    return run(nn.PER_SAMPLE_LINEAR, (x, w, b))


def _linear_rows(x, w, b, size):
    """Per-sample inputs of shape (*, in) with a per-sample weight. One row per sample (the
    ``x.unsqueeze(0)`` of per-sample-gradient code) is the vector case, viewed; more rows are
    the batched ``x @ w.T (+ b)``, through the rules of matmul, transpose and add."""
    from . import elementwise, linalg, shape

    lead = x._data.shape[1:-1]
    if np.prod(lead, dtype=np.int64) == 1:
        out = linear(None, (run(shape.VIEW, (x,), ((size, x._data.shape[-1]),)), w, b), ())
        return run(shape.VIEW, (out,), ((size,) + lead + out._data.shape[-1:],))
    out = linalg.matmul(x, shape.transpose(w, 0, 1))
    return out if b is None else elementwise.add(out, b)


def _zeros(shape, dtype):
    from .._tape import _from_array

    return _from_array(np.zeros(shape[1:], dtype))


def cross_entropy_reduced(op, args, attrs):
    """Per-sample cross-entropy (logits (N, C) and targets (N,) per sample, as nn's
    cross_entropy hands a 1-D input over): the per-row losses, summed per sample and
    divided by each sample's count of targets (reduction="mean") or by 1 ("sum")."""
    from .._tape import _from_array
    from . import elementwise as E
    from . import nn, reduce, shape

    (x,) = args
    t, ignore, denominator = attrs
    phys = x._data.shape
    if t.shape != phys[:-1]:
        raise RuntimeError(f"vmap: cross_entropy got targets of shape {t.shape} for logits {phys}")
    rows = run(shape.VIEW, (x,), ((int(np.prod(phys[:-1])), phys[-1]),))
    losses = run(nn.CROSS_ENTROPY, (rows,), (t.reshape(-1), None, ignore))
    per_sample = run(
        reduce.SUM_DIM, (run(shape.VIEW, (losses,), (phys[:-1],)),), (tuple(range(1, len(phys) - 1)), False)
    )
    if denominator == 1.0:  # reduction="sum" (or a mean over one target: the same number)
        return per_sample
    counts = np.count_nonzero(t != ignore, axis=tuple(range(1, t.ndim))).astype(x._data.dtype)
    return run(E.DIV, (per_sample, _from_array(counts)))


def over(i):
    """A reduction whose attribute ``i`` is its dims (a tuple, or None for all of a sample's
    dims: amax, prod, var, norm): the dims moved past the batch dim, None spelled out."""

    def rule(op, args, attrs):
        (x,) = args
        attrs = list(attrs)
        attrs[i] = tuple(range(1, x._data.ndim)) if attrs[i] is None else _shift(attrs[i])
        return run(op, (x,), attrs)

    return rule


def physical(op, args, attrs):
    """An op whose public function already gave it physical attributes (the dim past the
    batch dim, indices computed on the batch: sort, topk, max(dim)); unbatched tensor
    operands are lifted to the batch."""
    size = _batch_size(args)
    return run(op, [lift(a, size) for a in args], attrs)


def _index_for(idx, x, size):
    """A gather/scatter index (the same rank as a sample) for the batch: a batched index
    (one more dim) as it is, an unbatched one broadcast over the batch."""
    return idx if idx.ndim == x._data.ndim else np.broadcast_to(idx, (size,) + idx.shape)


def along(op, args, attrs):
    """gather / scatter / scatter_add: attrs (dim, index), the index per sample or batched."""
    size = _batch_size(args)
    args = [lift(a, size) for a in args]
    d, idx = attrs[0], attrs[1]
    return run(op, args, (d + 1, _index_for(idx, args[0], size)) + tuple(attrs[2:]))


def index_select(op, args, attrs):
    """index_select with a 1-D index (the same for every sample) stays index_select along
    the moved dim; a batched index (B, k) becomes the gather that picks each sample's own."""
    from . import indexing

    (x,) = args
    d, idx = attrs
    if idx.ndim == 1:
        return run(op, (x,), (d + 1, idx))
    phys = x._data.shape
    k = idx.shape[1]
    lead = (1,) * d
    shape = phys[: d + 1] + (k,) + phys[d + 2 :]
    grid = np.broadcast_to(idx.reshape((phys[0],) + lead + (k,) + (1,) * (len(phys) - d - 2)), shape)
    return run(indexing.GATHER, (x,), (d + 1, grid))


def shifted_lifted(*which):
    """``shifted`` for ops with several tensor operands (index_add): unbatched ones lifted."""

    def rule(op, args, attrs):
        size = _batch_size(args)
        attrs = list(attrs)
        for i in which:
            attrs[i] = _shift(attrs[i])
        return run(op, [lift(a, size) for a in args], attrs)

    return rule


def getitem(op, args, attrs):
    """``x[index]`` per sample: a whole-dim slice put in front of the index for the batch dim.
    Advanced indices apart from each other are refused: numpy moves their dims to the front,
    before the batch dim."""
    (x,) = args
    return run(op, (x,), (_batch_index(op, attrs[0]),))


def _batch_index(op, index):
    """``index`` with a whole-dim slice in front for the batch dim. Advanced indices apart
    from each other are refused: numpy moves their dims to the front, before the batch dim."""
    index = index if isinstance(index, tuple) else (index,)
    arrays = [k for k, p in enumerate(index) if isinstance(p, np.ndarray)]
    if arrays and arrays[-1] - arrays[0] + 1 != len(arrays):
        raise RuntimeError(
            f"vmap: {op.name} with advanced indices apart from each other (dims {arrays}) has no "
            "batching rule (numpy would move their dims in front of the batch dim); index in two steps"
        )
    return (slice(None),) + index


def unindex(op, args, attrs):
    """The adjoint of ``x[index]`` (index_put into zeros of ``shape``), per sample: the batch
    put in front of the shape and a whole-dim slice in front of the index."""
    (g,) = args
    shape, index = attrs
    return run(op, (g,), ((g._data.shape[0],) + tuple(shape), _batch_index(op, index)))


def roll(op, args, attrs):
    """roll along given dims: the dims moved past the batch dim; the flat roll (no dims) of
    each sample is the roll of its flattened view."""
    from . import shape

    (x,) = args
    shifts, dims = attrs
    if dims:
        return run(op, (x,), (shifts, _shift(tuple(dims))))
    phys = x._data.shape
    flat = run(shape.VIEW, (x,), ((phys[0], int(np.prod(phys[1:], dtype=np.int64))),))
    return run(shape.VIEW, (run(op, (flat,), (shifts, (1,) * len(shifts))),), (phys,))


def undiagonal(op, args, attrs):
    """The adjoint of diagonal (attrs: input shape, offset, dim1, dim2) per sample."""
    (g,) = args
    shape, offset, d1, d2 = attrs
    return run(op, (g,), ((g._data.shape[0],) + tuple(shape), offset, d1 + 1, d2 + 1))
