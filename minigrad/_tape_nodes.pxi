# What the tape is made of: Op (one differentiable operation), Node, OpNode (a recorded
# op: edges, saved inputs, its derivative run), AccumulateGrad.
# A chapter of _tape.pyx (included there: one module, no call overhead).

# ----------------------------------------------------------------------------- Op, Node

@cython.no_gc
@cython.freelist(64)
cdef class _Meta:
    """What a derivative may know of an input it does not save: its shape and dtype."""
    cdef readonly tuple shape
    cdef readonly object dtype

    @property
    def ndim(self):
        return len(self.shape)


cdef class Op:
    """One differentiable operation: forward, one derivative per input, grad_fn class."""

    def __init__(self, name, forward, derivs, reads, reads_out, node_cls, is_view=False):
        """``reads``/``reads_out`` say what each derivative reads (see ``_record``); pass
        ``reads`` as a callable returning both (and ``reads_out=None``) to have them worked out
        when the op is first recorded rather than when it is declared (import time)."""
        self.name = name
        self.forward = forward
        self.derivs = tuple(derivs)
        self.node_cls = node_cls
        self.is_view = is_view
        self._nin = len(self.derivs)
        if callable(reads):
            self._analyze = reads
        else:
            self._set_reads(reads, reads_out)

    @property
    def reads(self):
        self._resolve()
        return self._reads

    @property
    def reads_out(self):
        self._resolve()
        return self._reads_out

    cdef int _resolve(self) except -1:
        if self._levels == NULL:
            self._set_reads(*self._analyze())
        return 0

    def _set_reads(self, reads, reads_out):
        cdef int i, j
        reads, reads_out = tuple(tuple(r) for r in reads), tuple(reads_out)
        if len(reads) != self._nin or len(reads_out) != self._nin:
            raise ValueError(f"Op {self.name}: one reads entry per derivative expected")
        self._reads, self._reads_out = reads, reads_out
        free(self._levels)
        free(self._out_levels)
        self._levels = <int*>calloc(self._nin * self._nin + 1, sizeof(int))
        self._out_levels = <bint*>calloc(self._nin + 1, sizeof(bint))
        if self._levels == NULL or self._out_levels == NULL:
            raise MemoryError()
        for i in range(self._nin):
            self._out_levels[i] = bool(reads_out[i])
            for j in range(self._nin):
                self._levels[i * self._nin + j] = reads[i][j]

    def __dealloc__(self):
        free(self._levels)
        free(self._out_levels)

    def __repr__(self):
        return f"<Op {self.name} ({self.node_cls.__name__})>"


cdef int READ_NONE = 0
cdef int READ_META = 1
cdef int READ_FULL = 2


cdef class Node:
    """A recorded operation: the base of every grad_fn (``MulBackward0``, ...). ``name()`` is
    its class name and ``next_functions`` the node (or AccumulateGrad) of each input.

    >>> x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * 2).sum()
    >>> y.grad_fn.name(), isinstance(y.grad_fn, minigrad.autograd.Node)
    ('SumBackward0', True)
    >>> y.grad_fn.next_functions[0][0].name()
    'MulBackward0'
    """

    def __cinit__(self):
        global _live_nodes
        _live_nodes += 1

    def __dealloc__(self):
        global _live_nodes
        _live_nodes -= 1

    def name(self):
        return type(self).__name__

    def _sequence_nr(self):
        return self._seq

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def next_functions(self):
        """((node, 0), ...) for each input, as in PyTorch; leaves appear as AccumulateGrad."""
        out = []
        for e in self._next or ():
            if e is None:
                out.append((None, 0))
            elif isinstance(e, Node):
                out.append((e, 0))
            else:
                out.append((AccumulateGrad(e), 0))
        return tuple(out)

    def register_hook(self, hook):
        raise NotImplementedError("register hooks on tensors (tensor.register_hook) in minigrad")

    cdef tuple _apply(self, object g, bint create_graph):
        raise NotImplementedError

    cdef void _release(self):
        pass


class AccumulateGrad:
    """The sink a leaf's gradient flows into (shown in ``next_functions``); ``variable`` is
    the leaf tensor whose ``.grad`` it fills.

    >>> x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> acc = (x * 2).grad_fn.next_functions[0][0]
    >>> acc.name(), acc.variable is x
    ('AccumulateGrad', True)
    """

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    @property
    def next_functions(self):
        return ()

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


cdef str _modified_message(OpNode node, Tensor t, long long saved, long long now):
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{_dtypes.from_numpy(t._data.dtype)} {list(t._data.shape)}], which is an "
        f"input of {type(node).__name__}, is at version {now}; expected version {saved} instead. "
        "Hint: do the in-place change on a copy (x = x.clone()) or after backward()."
    )


cdef class OpNode(Node):
    """A node recorded by ``apply``: runs its op's derivative formulas."""

    @property
    def metadata(self):
        return {}

    @property
    def saved_tensors(self):
        self._check_freed()
        return tuple(s for s in self._saved if isinstance(s, Tensor))

    def _check_freed(self):
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )

    def __dealloc__(self):
        if self._hidden:
            _unlink(self)
        # one block holds _versions, _dims, _dtypes and _ndims (inline in _small if it fit)
        if <void*>self._versions != <void*>self._small:
            free(self._versions)

    def _input_shapes(self):
        """The shape of each input that needs a gradient (None for the others)."""
        return tuple(self._shape(i) if self._ndims[i] >= 0 else None for i in range(self._n))

    cdef tuple _shape(self, Py_ssize_t i):
        cdef Py_ssize_t k, start = 0
        for k in range(i):
            start += max(self._ndims[k], 0)
        return tuple([self._dims[start + k] for k in range(self._ndims[i])])

    cdef bint _fits(self, object g, Py_ssize_t i):
        """Is the gradient ``g`` for input ``i`` already an ndarray of its shape and dtype?"""
        cdef Py_ssize_t k, start = 0
        if type(g) is not ndarray or cnp.PyArray_TYPE(<cnp.ndarray>g) != self._dtypes[i]:
            return False
        if cnp.PyArray_NDIM(<cnp.ndarray>g) != self._ndims[i]:
            return False
        for k in range(i):
            start += max(self._ndims[k], 0)
        for k in range(self._ndims[i]):
            if cnp.PyArray_DIM(<cnp.ndarray>g, k) != self._dims[start + k]:
                return False
        return True

    cdef tuple _apply(self, object g, bint create_graph):
        cdef Op op = self._op
        cdef Py_ssize_t i, n = self._n, nattrs = len(self._attrs)
        cdef Tensor t
        cdef tuple derivs = op.derivs
        cdef tuple grads = PyTuple_New(n)
        if self._freed:
            self._check_freed()
        # one argument tuple (g, *inputs, out, *attrs) shared by every derivative call
        cdef tuple args = PyTuple_New(n + 2 + nattrs)
        _tuple_set(args, 0, g)
        for i in range(n):
            s = self._saved[i]
            if isinstance(s, Tensor):
                t = <Tensor>s
                if t._version.value != self._versions[i]:
                    raise RuntimeError(_modified_message(self, t, self._versions[i], t._version.value))
                _tuple_set(args, i + 1, t if create_graph else t._data)
            elif type(s) is _Packed:
                t = (<_Packed>s).get()
                if (<_Packed>s).version.value != self._versions[i]:
                    raise RuntimeError(_modified_message(
                        self, t, self._versions[i], (<_Packed>s).version.value))
                _tuple_set(args, i + 1, t if create_graph else t._data)
            else:
                _tuple_set(args, i + 1, s)
        out = self._out
        if type(out) is _Packed:
            out = (<_Packed>out).get()._data
        if out is not None:
            if self._out_version.value != self._out_version_value:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: the output of {type(self).__name__} is at version "
                    f"{self._out_version.value}; expected version {self._out_version_value} instead. "
                    "Hint: do the in-place change on a copy (y = y.clone())."
                )
            if create_graph:
                t = _wrap(out)
                t._requires_grad = True
                t._grad_fn = self
                t._version = self._out_version
                out = t
        _tuple_set(args, n + 1, out)
        for i in range(nattrs):
            _tuple_set(args, n + 2 + i, self._attrs[i])
        for i in range(n):
            gi = None
            if self._next[i] is not None:
                gi = derivs[i](*args)   # Cython passes the tuple through as is
                if gi is not None and not self._fits(gi, i):
                    gi = _ops.sum_to(gi, self._shape(i), cnp.PyArray_DescrFromType(self._dtypes[i]))
            _tuple_set(grads, i, gi)
        return grads

    cdef void _release(self):
        if self._has_saved:
            self._saved = None
            self._out = None
            self._freed = True
