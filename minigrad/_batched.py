"""The batched tensors of ``func.vmap``: the whole batch in one array, one sample in view.

A ``BatchedTensor`` is a Tensor whose array holds every sample, the batch dimension first
(``_data.shape == (B, *sample_shape)``), while its ``shape``, ``dim()``, ``numel()`` and
``len()`` are one sample's: the function being vmapped sees per-sample tensors. It is an
ordinary participant of the tape, so reverse mode through a vmapped computation (and
``grad`` inside ``vmap``) runs the engine on the batched arrays unchanged: samples never
mix, so the backward of the batched op is the batch of per-sample backwards.

While vmap runs, ``_tape.apply`` hands every op with a batched input to ``dispatch``,
which looks up the op's batching rule (from its ``defop`` entry: ``ops/_batching.py``)
and runs the op once on the batched arrays. There is no loop over the batch anywhere.
"""

import numpy as np

from . import _tape
from ._tape import Size, Tensor


class NoBatchingRule(RuntimeError):
    """An op that cannot run inside vmap (no batching rule): the error names it."""


class BatchedTensor(Tensor):
    """One sample's view of a batch (inside ``func.vmap``); the batch is dim 0 of ``_data``."""

    __slots__ = ()

    @property
    def shape(self):
        return Size(self._data.shape[1:])

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self.shape[dim]

    def dim(self):
        return self._data.ndim - 1

    @property
    def ndim(self):
        return self._data.ndim - 1

    def numel(self):
        return int(np.prod(self._data.shape[1:], dtype=np.int64))

    def __len__(self):
        if self._data.ndim == 1:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[1]

    def __iter__(self):  # a sample's rows, not the batch's samples
        if self._data.ndim == 1:
            raise TypeError("iteration over a 0-d tensor")
        return iter([self[i] for i in range(self._data.shape[1])])

    def detach(self):
        return wrap(self._data)

    def __repr__(self):
        return f"BatchedTensor(lvl=1, bdim=0, value=\n{_tape._from_array(self._data)!r})"

    def item(self):
        raise RuntimeError(
            "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over calling "
            ".item() on a Tensor, please try to rewrite what you're doing with other operations."
        )


def wrap(arr, requires_grad=False):
    """A batched leaf around ``arr`` (batch first)."""
    t = _tape._wrap_as(BatchedTensor, arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def is_batched(x):
    return type(x) is BatchedTensor


def run(op, args, attrs=()):
    """``op`` on the batched arrays as they are (a rule's last step): a BatchedTensor."""
    return _tape._apply_plain(op, tuple(args), tuple(attrs), BatchedTensor)


def rank(x):
    """The per-sample number of dimensions of an operand (0 for a Python number)."""
    if is_batched(x):
        return x._data.ndim - 1
    return x._data.ndim if isinstance(x, Tensor) else np.ndim(x)


def pad(x, r):
    """A batched ``x`` with ones inserted after the batch dim up to per-sample rank ``r``, so
    that numpy broadcasting lines its sample dims up with an unbatched operand's."""
    from .ops import shape as S

    n = rank(x)
    if not is_batched(x) or n >= r:
        return x
    return run(S.VIEW, (x,), ((x._data.shape[0],) + (1,) * (r - n) + x._data.shape[1:],))


def unbatched(x, size):
    """An unbatched tensor as a batched one (the batch dim broadcast, no copy)."""
    return wrap(np.broadcast_to(x._data, (size,) + x._data.shape))


# vmap's randomness= while it runs ("error", "different" or "same"; None outside vmap) and
# its batch size: the samplers read them through ``random_lead`` (``random._rng`` raises in
# "error" mode)
randomness, random_size = None, None


def random_lead():
    """``(B,)`` when vmap runs with randomness='different' (each sample draws its own
    numbers: the draw gets the batch dim in front), else ``()``."""
    return (random_size,) if randomness == "different" else ()


def random_result(arr, lead):
    """A sampler's result: batched when it was drawn with the batch dim (``lead``)."""
    return wrap(arr) if lead else _tape._from_array(arr)


def random_from(name, *operands):
    """A sampler whose shape comes from tensor operands (bernoulli(p), x.normal_()): with a
    batched operand the draw covers the whole batch, one set of numbers per sample, which
    is randomness='different'; 'same' cannot share one draw among samples that differ, so it
    is refused."""
    if any(type(a) is BatchedTensor for a in operands) and randomness == "same":
        raise RuntimeError(
            f"vmap: {name} of a batched tensor with randomness='same' is not supported by minigrad "
            "(the samples differ, so they cannot share one draw); use randomness='different'"
        )


def size_of(*xs):
    """The batch size of the first batched operand among ``xs`` (None if none is batched)."""
    return next((x._data.shape[0] for x in xs if type(x) is BatchedTensor), None)


def lift(x, size):
    """An unbatched tensor as a batched one of ``size`` samples, recorded (a view and an
    expand: no copy), so that gradients of the vmapped function still reach ``x``."""
    if size is None or type(x) is BatchedTensor or not isinstance(x, Tensor):
        return x
    from .ops import shape as S

    one = _tape._apply_plain(S.VIEW, (x,), ((1,) + x._data.shape,))
    return _tape._apply_plain(S.EXPAND, (one,), ((size,) + x._data.shape,), BatchedTensor)


def as_batched(t):
    """A plain tensor holding a whole batch (a custom Function's result computed on the
    batched arrays) seen as the batch it is, recorded (a view)."""
    from .ops import shape as S

    return _tape._apply_plain(S.VIEW, (t,), (t._data.shape,), BatchedTensor)


def phys_dim(x, d):
    """Per-sample dim ``d`` of ``x`` as an axis of its array (past the batch dim if batched)."""
    return d + 1 if type(x) is BatchedTensor else d


def result_like(x, arr):
    """An unrecorded result computed on ``x``'s array (indices of a sort, of a max): batched
    when ``x`` is."""
    return wrap(arr) if type(x) is BatchedTensor else _tape._from_array(arr)


def refuse(name, *operands, why="it has no batching rule"):
    """Inside vmap, an op that cannot be batched says so, naming itself, instead of
    computing on the whole batch as if it were one sample."""
    if any(type(a) is BatchedTensor for a in operands):
        raise NoBatchingRule(
            f"vmap: {name} cannot run inside vmap: {why} (minigrad never falls back to a loop over "
            "the batch); call it outside vmap"
        )


# Ops that are not recorded (comparisons, isnan, argmax, all/any, argsort: no derivative)
# compute on the arrays directly; with a batched operand they come here, so that the batch
# dim stays the batch (numpy alone would broadcast a sample against the whole batch).


def _sample_array(a, r):
    """An operand's array with the batch's sample dims padded to per-sample rank ``r``."""
    if not is_batched(a):
        return a._data if isinstance(a, Tensor) else a
    d = a._data
    n = d.ndim - 1
    return d.reshape(d.shape[:1] + (1,) * (r - n) + d.shape[1:]) if n < r else d


def raw_elementwise(fn, *args):
    """``fn`` on the arrays of an unrecorded elementwise op with a batched operand."""
    r = max(rank(a) for a in args)
    return wrap(np.asarray(fn(*[_sample_array(a, r) for a in args])))


def raw_reduce(fn, x, dims, keepdim):
    """``fn(array, axis, keepdims)`` of an unrecorded reduction over per-sample ``dims`` (a
    tuple of non-negative dims, or None for all of a sample's dims) of a batched ``x``;
    ``fn`` takes an int axis only when ``dims`` has one dim."""
    d = x._data
    if dims is None:
        out = fn(d.reshape(d.shape[0], -1), 1, False)
        return wrap(
            np.asarray(out).reshape((d.shape[0],) + (1,) * (d.ndim - 1) if keepdim else (d.shape[0],))
        )
    axes = tuple(a + 1 for a in dims)
    return wrap(np.asarray(fn(d, axes[0] if len(axes) == 1 else axes, keepdim)))


def dispatch(op, args, attrs):
    """``apply`` inside vmap: an op with a batched input runs through its batching rule."""
    if not any(type(a) is BatchedTensor for a in args):
        return _tape._apply_plain(op, args, attrs)
    from .ops import _batching, _core

    rule = _core.BATCHING.get(op)
    if rule is None and _core.KINDS.get(op) == _core.ELEMENTWISE:
        rule = _batching.elementwise
    if rule is None:
        raise NoBatchingRule(
            f"vmap: there is no batching rule for the op '{op.name}' ({op.node_cls.__name__}), so it "
            "cannot run inside vmap (minigrad never falls back to a loop over the batch). Call it "
            "outside vmap, or write the computation with ops that have a rule (elementwise ops, "
            "reductions, matmul, linear, reshapes, softmax, cross_entropy)."
        )
    return rule(op, args, attrs)


def function_dispatch(cls, args, kwargs):
    """``Function.apply`` inside vmap: custom Functions have no batching rules."""
    if any(type(a) is BatchedTensor for a in args):
        raise NoBatchingRule(
            f"vmap: there is no batching rule for {cls.__name__} (an autograd.Function), so it cannot "
            "run inside vmap (minigrad never falls back to a loop over the batch)."
        )
    return cls._apply_plain(*args, **kwargs)
