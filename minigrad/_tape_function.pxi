# Custom autograd.Function nodes: forward/backward written by the user, on the tape.
# A chapter of _tape.pyx (included there: one module, no call overhead).

# ----------------------------------------------------------------------------- custom Functions

cdef class _MultiGrad:
    """Gradients of a multi-output Function gathered into one node slot, one per output."""
    cdef list grads

    def __add__(self, other):
        cdef _MultiGrad a = <_MultiGrad>self, b = <_MultiGrad?>other, r = _MultiGrad.__new__(_MultiGrad)
        r.grads = [x if y is None else (y if x is None else x + y) for x, y in zip(a.grads, b.grads)]
        return r


cdef class FunctionNode(Node):
    """The grad_fn of a custom ``autograd.Function``: calls its ``backward(ctx, *grads)``."""

    def _input_shapes(self):
        """The shape of each input that needs a gradient (None for the others)."""
        return tuple(None if m is None else m[0] for m in self._in_meta)

    cdef tuple _apply(self, object g, bint create_graph):
        cdef Py_ssize_t i, n = len(self._next)
        grads = (<_MultiGrad>g).grads if self._n_outputs > 1 else [g]
        args = []
        for i, gi in enumerate(grads):
            if gi is None:      # PyTorch materialises missing output gradients as zeros
                shape, dtype = self._out_meta[i]
                gi = np.zeros(shape, dtype=dtype)
            args.append(gi if isinstance(gi, Tensor) else _wrap(gi))
        cdef bint prev = mg_get_grad()
        mg_set_grad(create_graph)
        try:
            result = self._backward(self.ctx, *args)
        finally:
            mg_set_grad(prev)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients "
                f"(expected {n}, got {len(result)}): backward must return one gradient (or None) "
                "per argument of forward"
            )
        out = []
        for i in range(n):
            r = result[i]
            if self._next[i] is None or r is None:
                out.append(None)
                continue
            if not isinstance(r, Tensor):
                raise TypeError(
                    f"function {type(self).__name__} returned a {type(r).__name__} as gradient {i}; "
                    "expected a Tensor or None"
                )
            shape, dtype = self._in_meta[i]
            gshape = (<Tensor>r)._data.shape
            if gshape != shape:
                try:
                    if np.broadcast_shapes(gshape, shape) != gshape:
                        raise ValueError
                except ValueError:
                    raise RuntimeError(
                        f"Function {type(self).__name__} returned an invalid gradient at index {i} - "
                        f"got {list(gshape)} but expected shape compatible with {list(shape)}"
                    ) from None
            gi = r if create_graph else (<Tensor>r)._data
            out.append(O.sum_to(gi, shape, dtype))
        return tuple(out)

    cdef void _release(self):
        if self.ctx is not None:
            self.ctx._release()


cdef class _FunctionOutput(Node):
    """grad_fn of output ``index`` of a multi-output Function: forwards its gradient,
    tagged with the index, to the Function's node."""
    cdef Py_ssize_t _index
    cdef Py_ssize_t _count

    cdef tuple _apply(self, object g, bint create_graph):
        cdef _MultiGrad m = _MultiGrad.__new__(_MultiGrad)
        m.grads = [None] * self._count
        m.grads[self._index] = g
        return (m,)

    def name(self):
        return type(self).__name__


def _record_function(node_cls, ctx, backward, tuple inputs, tuple outputs, tuple differentiable):
    """Attach a ``node_cls`` (a FunctionNode subclass) to the outputs of a custom Function.

    ``differentiable[i]`` says whether output i gets a grad_fn (mark_non_differentiable).
    """
    global _next_seq
    cdef FunctionNode node = FunctionNode.__new__(node_cls)
    cdef _FunctionOutput sel
    cdef Tensor t
    cdef list edges = []
    cdef list meta = []
    for a in inputs:
        if isinstance(a, Tensor) and (<Tensor>a)._requires_grad:
            t = <Tensor>a
            edges.append(t if t._grad_fn is None else t._grad_fn)
            meta.append((t._data.shape, t._data.dtype))
        else:
            edges.append(None)
            meta.append(None)
    node._next = tuple(edges)
    node._in_meta = tuple(meta)
    node._out_meta = tuple(((<Tensor?>o)._data.shape, (<Tensor>o)._data.dtype) for o in outputs)
    node._n_outputs = len(outputs)
    node.ctx = ctx
    node._backward = backward
    node._seq = _next_seq
    _next_seq += 1
    if _anomaly:
        node._trace = _stack_summary()
    for i, o in enumerate(outputs):
        if not differentiable[i]:
            continue
        t = <Tensor>o
        t._requires_grad = True
        if len(outputs) == 1:
            t._grad_fn = node
        else:
            sel = _FunctionOutput.__new__(node_cls.__dict__.get("_output_cls", _FunctionOutput))
            sel._next = (node,)
            sel._index = i
            sel._count = len(outputs)
            sel._seq = _next_seq
            _next_seq += 1
            t._grad_fn = sel
    return node
