"""Custom differentiable operations: ``minigrad.autograd.Function``, as in PyTorch.

Subclass it with two static methods, ``forward(ctx, *args)`` and
``backward(ctx, *grad_outputs)``; call ``MyFn.apply(*args)``. The forward runs with grad
mode off; if any input requires grad, a node of class ``MyFnBackward`` is put on the tape
and its backward is called by the engine with one gradient per output.

>>> class Square(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return 2 * x * g
"""

from . import _tape
from ._grad_mode import is_grad_enabled, no_grad
from ._tape import FunctionNode, Tensor, _FunctionOutput


class FunctionCtx:
    """What ``forward`` hands to ``backward``: saved tensors and flags.

    ``needs_input_grad``: one bool per input of ``forward`` (after ``ctx``), True where that
    input requires grad, so ``backward`` can skip the gradients nobody needs.

    >>> class Double(minigrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         print(ctx.needs_input_grad)
    ...         return g * 2
    >>> Double.apply(minigrad.ones(2, requires_grad=True)).sum().backward()
    (True,)
    """

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._versions = ()
        self._packed = None  # what saved_tensors_hooks' pack returned, if they were on
        self._unpack = None
        self._freed = False
        self._non_differentiable = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; in-place changes to them are detected."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save tensors or None, got {type(t).__name__}; "
                    "store other values as attributes of ctx (ctx.k = k)"
                )
        hooks = _tape._current_saved_hooks()
        if hooks is not None:  # autograd.graph.saved_tensors_hooks: keep what pack returns
            pack, self._unpack = hooks
            self._packed = tuple(None if t is None else pack(t) for t in tensors)
            return
        self._saved = tensors
        self._versions = tuple(None if t is None else t._version for t in tensors)

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``, checked for in-place changes."""
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you "
                "need to backward through the graph a second time."
            )
        if self._packed is not None:  # (no version check: the pack hook may have copied)
            return tuple(None if p is None else self._unpack(p) for p in self._packed)
        for t, v in zip(self._saved, self._versions):
            if t is not None and t._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: a tensor saved by save_for_backward is at version "
                    f"{t._version}; expected version {v} instead."
                )
        return self._saved

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient (e.g. indices): they come out with requires_grad=False."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def _release(self):
        if self._saved or self._packed is not None:
            self._saved = ()
            self._packed = self._unpack = None
            self._freed = True


class Function:
    """Base class of custom differentiable operations (see the module docstring): subclass
    it with a static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``, and call
    ``apply(*args)``.

    >>> class Cube(minigrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    tensor([ 3., 12.])
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @classmethod
    def _node_class(cls):
        node_cls = cls.__dict__.get("_node_cls")
        if node_cls is None:
            name = cls.__dict__.get("grad_fn_name", cls.__name__ + "Backward")
            out_cls = type(name, (_FunctionOutput,), {"__slots__": ()})
            node_cls = type(name, (FunctionNode,), {"__slots__": (), "_output_cls": out_cls})
            cls._node_cls = node_cls
        return node_cls

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward, and record a node if an input requires grad."""
        hook = _tape._function_interpose()
        if hook is not None:  # a function transform is active (forward_ad, vmap)
            return hook(cls, args, kwargs)
        return cls._apply_plain(*args, **kwargs)

    @classmethod
    def _apply_plain(cls, *args, **kwargs):
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        if not (is_grad_enabled() and any(needs)):
            return result
        # an input returned as is becomes a new tensor (sharing data) so it can get a grad_fn
        outputs = tuple(
            o.detach() if isinstance(o, Tensor) and any(o is a for a in args) else o for o in outputs
        )
        tensors = tuple(o for o in outputs if isinstance(o, Tensor))
        non_diff = ctx._non_differentiable
        differentiable = tuple(
            o.dtype.is_floating_point and not any(o is nd for nd in non_diff) for o in tensors
        )
        _tape._record_function(cls._node_class(), ctx, cls.backward, args, tensors, differentiable)
        return outputs[0] if single else outputs
