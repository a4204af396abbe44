"""``minigrad.utils.checkpoint``: trade compute for memory, as ``torch.utils.checkpoint``.

``checkpoint(fn, *args, use_reentrant=False)`` runs ``fn`` without keeping what its nodes
would save for backward, and runs it again during backward to get those values back. The
result and the gradients are those of ``fn(*args)`` itself (the random state is replayed, so
dropout draws the same mask twice). Two ways, as in PyTorch:

* ``use_reentrant=False`` (recommended): ``fn`` is recorded as usual but under
  ``autograd.graph.saved_tensors_hooks`` whose pack keeps only a slot number. The first node
  of the segment that needs a saved value in backward recomputes the whole segment once
  (under hooks that collect its saved values, detached from the recomputed graph) and each
  node takes its own slot back, once. Gradients reach every tensor ``fn`` used, including
  parameters and inputs that do not require grad are fine.
* ``use_reentrant=True``: ``fn`` runs under ``no_grad`` inside a custom Function; its
  backward recomputes ``fn`` with grad on and calls ``autograd.backward`` on the recomputed
  outputs (a backward inside backward). Parameters get their ``.grad`` from that inner run,
  so this form works with ``.backward()`` only (not ``autograd.grad``), and needs an input
  that requires grad.

``checkpoint_sequential(functions, segments, input)`` checkpoints all but the last of
``segments`` runs of consecutive layers.

>>> lin = minigrad.nn.Linear(3, 3)
>>> x = minigrad.ones(2, 3, requires_grad=True)
>>> checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=False).sum().backward()
>>> x.grad.shape
minigrad.Size([2, 3])
"""

import warnings

from .. import _tape, random
from .._function import Function
from .._grad_mode import enable_grad, no_grad
from .._tape import Tensor
from ..autograd import backward as _backward
from ..autograd.graph import saved_tensors_hooks

__all__ = ["checkpoint", "checkpoint_sequential"]


def _warn_use_reentrant(where):
    warnings.warn(
        f"{where}: the use_reentrant parameter should be passed explicitly. use_reentrant=False "
        "is recommended; use_reentrant=True keeps the old default.",
        UserWarning,
        stacklevel=3,
    )


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, with its saved activations dropped and recomputed in
    backward (see the module docstring).

    ``function``: the segment to checkpoint; ``args`` and ``kwargs``: its arguments (keyword
    arguments only with ``use_reentrant=False``); ``use_reentrant``: which of the two ways
    (pass it: ``None`` warns and takes True, as PyTorch); ``preserve_rng_state``: replay the
    random state in the recomputation, so dropout draws the same mask twice.

    >>> lin = minigrad.nn.Linear(2, 2)
    >>> x = minigrad.ones(1, 2, requires_grad=True)
    >>> plain = minigrad.autograd.grad(lin(x).tanh().sum(), x)[0]
    >>> y = checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=False)
    >>> bool((minigrad.autograd.grad(y.sum(), x)[0] == plain).all())
    True
    """
    if use_reentrant is None:
        _warn_use_reentrant("minigrad.utils.checkpoint")
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return _Reentrant.apply(function, preserve_rng_state, *args)
    return _Segment(function, args, kwargs, preserve_rng_state).run()


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list or an ``nn.Sequential``) in ``segments`` checkpointed pieces;
    the last piece runs normally.

    ``input``: the tensor fed to the first function; ``use_reentrant`` and the keyword
    ``preserve_rng_state``: as in :func:`checkpoint`.

    >>> net = minigrad.nn.Sequential(*[minigrad.nn.Linear(4, 4) for _ in range(4)])
    >>> x = minigrad.ones(2, 4, requires_grad=True)
    >>> out = checkpoint_sequential(net, 2, x, use_reentrant=False)
    >>> bool((out == net(x)).all())
    True
    """
    if use_reentrant is None:
        _warn_use_reentrant("minigrad.utils.checkpoint.checkpoint_sequential")
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)

    def run(start, stop):
        def forward(x):
            for f in functions[start:stop]:
                x = f(x)
            return x

        return forward

    size = len(functions) // segments
    stop = 0
    for start in range(0, size * (segments - 1), size):
        stop = start + size
        input = checkpoint(run(start, stop), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(stop, len(functions))(input)


# ----------------------------------------------------------------------------- non-reentrant


class _Segment:
    """One checkpointed call: the slots its nodes saved into, refilled by a recompute."""

    def __init__(self, function, args, kwargs, preserve_rng_state):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.rng = random.get_rng_state() if preserve_rng_state else None
        self.count = 0  # slots handed out by the forward
        self.values = {}  # slot -> recomputed tensor, until its node takes it

    def run(self):
        with saved_tensors_hooks(self._pack, self._unpack):
            return self.function(*self.args, **self.kwargs)

    def _pack(self, t):
        self.count += 1
        return self.count - 1

    def _unpack(self, slot):
        if slot not in self.values:
            self._recompute()
        return self.values.pop(slot)

    def _recompute(self):
        got = []

        def keep(t):
            got.append(t.detach())  # the value only: the recomputed graph is dropped at once
            return None

        args = tuple(
            a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in self.args
        )
        outer = random.get_rng_state()
        if self.rng is not None:
            random.set_rng_state(self.rng)
        try:
            with enable_grad(), saved_tensors_hooks(keep, _never):
                self.function(*args, **self.kwargs)
        finally:
            random.set_rng_state(outer)
        if len(got) != self.count:
            raise RuntimeError(
                f"torch.utils.checkpoint: recomputing the checkpointed function saved {len(got)} "
                f"tensors for backward, the forward saved {self.count}: the function must "
                "record the same operations both times (no branching on global state)."
            )
        self.values = dict(enumerate(got))


def _never(_):
    raise AssertionError("the recompute's own graph is never run backward")


# ----------------------------------------------------------------------------- reentrant


class _Reentrant(Function):
    grad_fn_name = "CheckpointFunctionBackward"

    @staticmethod
    def forward(ctx, function, preserve_rng_state, *args):
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None",
                UserWarning,
                stacklevel=4,
            )
        ctx.function = function
        ctx.rng = random.get_rng_state() if preserve_rng_state else None
        ctx.args = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(a if isinstance(a, Tensor) else None for a in args))
        with no_grad():
            return function(*args)

    @staticmethod
    def backward(ctx, *grads):
        if not _tape._run_accumulates_everything():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                "passing an `inputs` parameter to .backward(). To resolve this error, you can "
                "either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument."
            )
        args = [
            a if t is None else t.detach().requires_grad_(t.requires_grad)
            for a, t in zip(ctx.args, ctx.saved_tensors)
        ]
        outer = random.get_rng_state()
        if ctx.rng is not None:
            random.set_rng_state(ctx.rng)
        try:
            with enable_grad():
                outputs = ctx.function(*args)
        finally:
            random.set_rng_state(outer)
        outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        _backward([o for o, _ in pairs], [g for _, g in pairs])
        grads_in = tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None for a in args)
        return (None, None) + grads_in
