# Recording: apply() runs an op's forward and, when grad mode is on and an input
# requires grad, _record() writes its node; _rebase() for in-place ops. While a function
# transform runs (forward_ad, vmap), apply() hands each op to it through _set_interpose.
# A chapter of _tape.pyx (included there: one module, no call overhead).

cdef object _interpose = None       # the door of a running function transform (or None)
cdef object _fn_interpose = None    # ... and its door for custom Functions


def _set_interpose(op_door, function_door):
    """Route every op (and custom Function) through a function transform while it runs:
    forward_ad's dual level, vmap. ``None, None`` closes the doors. The transform runs
    the op itself with ``_apply_plain``; with the doors closed an op pays one pointer test."""
    global _interpose, _fn_interpose
    _interpose, _fn_interpose = op_door, function_door


def _function_interpose():
    return _fn_interpose


def _wrap_as(cls, arr):
    """A new leaf of Tensor subclass ``cls`` around an ndarray (vmap's BatchedTensor)."""
    cdef Tensor t = cls.__new__(cls)
    t._data = arr if type(arr) is ndarray else np.asarray(arr)
    t._version = _new_version()
    return t


cpdef Tensor apply(Op op, tuple args, tuple attrs=()):
    """Run ``op`` on ``args`` (Tensors or Python scalars) and record it on the tape.

    The forward receives ndarrays (and scalars) followed by ``attrs``; a node is
    recorded only if grad mode is on and some input requires grad.
    """
    if _interpose is not None:
        return _interpose(op, args, attrs)
    return _apply_plain(op, args, attrs)


cpdef Tensor _apply_plain(Op op, tuple args, tuple attrs=(), object cls=None):
    """``apply`` behind the transforms' door; the result is of class ``cls`` if given."""
    cdef Py_ssize_t n = len(args)
    if cls is None and n == 1 and not attrs:
        return _apply1_plain(op, <Tensor?>args[0])
    if cls is None and n == 2 and not attrs:
        return _apply2_plain(op, args[0], args[1])
    cdef Py_ssize_t i
    cdef list arrays = [None] * n
    cdef bint need = False
    if op.is_view and not isinstance(args[0], Tensor):
        # a view's result shares the input's version counter: without this check the
        # unchecked cast in _make_view read a foreign object (a torch tensor) as a Tensor and
        # crashed the interpreter (issue 8)
        kind = type(args[0])
        raise TypeError(f"{op.name}(): argument 'input' must be a minigrad Tensor, not "
                        f"{kind.__module__}.{kind.__qualname__}")
    for i in range(n):
        a = args[i]
        if isinstance(a, Tensor):
            arrays[i] = (<Tensor>a)._data
            need = need or (<Tensor>a)._requires_grad
        else:
            arrays[i] = a
    out = op.forward(*arrays, *attrs)
    cdef Tensor res = _wrap(out) if cls is None else _wrap_as(cls, out)
    if op.is_view:
        _make_view(res, <Tensor>args[0])
    if need and mg_get_grad():
        _record(op, res, args, attrs)
    return res


cdef inline void _make_view(Tensor view, Tensor base):
    view._version = base._version
    view._base = base if base._base is None else base._base


cdef inline object _forward1(Op op, object x):
    """op.forward(x), through the kernel's C entry point when it is a _kernels.Unary."""
    f = op.forward
    return (<Unary>f).call(x) if type(f) is Unary else f(x)


cdef inline object _forward2(Op op, object a, object b):
    """op.forward(a, b), through the kernel's C entry point when it is a _kernels.Binary."""
    f = op.forward
    return (<Binary>f).call(a, b) if type(f) is Binary else f(a, b)


cpdef object call1(Op op, object x):
    """A one-input op: recorded on a Tensor, the raw forward on an ndarray (which is how
    derivative formulas run on the fast first-order path)."""
    if isinstance(x, Tensor):
        return _apply1(op, <Tensor>x)
    if isinstance(x, (ndarray, np.generic)):
        return _forward1(op, x)
    raise TypeError(f"{op.name}(): argument 'input' must be Tensor, not {type(x).__name__}")


cpdef object call2(Op op, object a, object b):
    """A two-input op: recorded if either input is a Tensor, else the raw forward."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return _apply2(op, a, b)
    return _forward2(op, a, b)


def unary_function(Op op, str doc, str module):
    """``minigrad.<name>(input)`` for a one-input op: compiled, so a call costs no Python frame."""
    def fn(input):
        return call1(op, input)
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    fn.__module__ = module
    fn._checks_input = True     # call1 raises the TypeError for a non-Tensor itself
    return fn


def binary_function(Op op, str doc, str module):
    """``minigrad.<name>(input, other)`` for a two-input op, compiled like unary_function."""
    def fn(input, other):
        return call2(op, input, other)
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    fn.__module__ = module
    fn._checks_input = True
    return fn


cdef Tensor _apply1(Op op, Tensor x):
    """apply() for one tensor input and no attributes (the unary ops)."""
    if _interpose is not None:
        return _interpose(op, (x,), _EMPTY)
    return _apply1_plain(op, x)


cdef Tensor _apply1_plain(Op op, Tensor x):
    cdef Tensor res = _wrap(_forward1(op, x._data))
    if op.is_view:
        _make_view(res, x)
    if x._requires_grad and mg_get_grad():
        _record(op, res, (x,), ())
    return res


cdef Tensor _apply2(Op op, object a, object b):
    """apply() for two inputs (tensors or numbers) and no attributes (the binary ops)."""
    if _interpose is not None:
        return _interpose(op, (a, b), _EMPTY)
    return _apply2_plain(op, a, b)


cdef Tensor _apply2_plain(Op op, object a, object b):
    cdef bint need = False
    if isinstance(a, Tensor):
        need = (<Tensor>a)._requires_grad
        xa = (<Tensor>a)._data
    else:
        xa = a
    if isinstance(b, Tensor):
        need = need or (<Tensor>b)._requires_grad
        xb = (<Tensor>b)._data
    else:
        xb = b
    cdef Tensor res = _wrap(_forward2(op, xa, xb))
    if need and mg_get_grad():
        _record(op, res, (a, b), ())
    return res


cdef inline void _tuple_set(tuple t, Py_ssize_t i, object v):
    """Fill slot ``i`` of a tuple fresh from PyTuple_New (which steals a reference)."""
    Py_INCREF(v)
    PyTuple_SET_ITEM(t, i, v)


cdef void _record(Op op, Tensor res, tuple args, tuple attrs) except *:
    """Create the node for ``res``: edges, and only what its derivatives will read."""
    global _next_seq
    cdef Py_ssize_t i, j, n = len(args)
    cdef OpNode node = <OpNode>mg_tp_new(op.node_cls, _EMPTY)
    cdef bint hide = _hiding
    cdef tuple edges = PyTuple_New(n)
    cdef tuple saved = PyTuple_New(n)
    cdef bint has_saved = False
    cdef bint any_read_out = False
    cdef int level
    cdef Tensor t
    cdef _Meta meta
    if n != op._nin:
        raise TypeError(f"{op.name}: expected {op._nin} inputs, got {n}")
    if op._levels == NULL:
        op._resolve()
    cdef Py_ssize_t k, ndims = 0
    for i in range(n):
        a = args[i]
        if isinstance(a, Tensor):
            ndims += cnp.PyArray_NDIM(<cnp.ndarray>(<Tensor>a)._data)
            if type(a) is not Tensor or (
                    (<Tensor>a)._grad_fn is not None and PyObject_GC_IsTracked((<Tensor>a)._grad_fn)):
                hide = False
    # one block for the per-input metadata: [versions | dims | dtypes | ndims], inside the
    # node when it fits (most ops), else allocated
    cdef size_t size = n * sizeof(long long) + ndims * sizeof(Py_ssize_t) + 2 * n * sizeof(int)
    cdef char* block
    if size <= sizeof(node._small):
        block = <char*>node._small
        memset(block, 0, size)
    else:
        block = <char*>calloc(1, size)
        if block == NULL:
            raise MemoryError()
    node._versions = <long long*>block
    node._dims = <Py_ssize_t*>(block + n * sizeof(long long))
    node._dtypes = <int*>(block + n * sizeof(long long) + ndims * sizeof(Py_ssize_t))
    node._ndims = node._dtypes + n
    ndims = 0
    node._n = n
    node._seq = _next_seq
    _next_seq += 1
    for i in range(n):
        a = args[i]
        if isinstance(a, Tensor) and (<Tensor>a)._requires_grad:
            t = <Tensor>a
            _tuple_set(edges, i, t if t._grad_fn is None else t._grad_fn)
            node._dtypes[i] = cnp.PyArray_TYPE(<cnp.ndarray>t._data)
            node._ndims[i] = cnp.PyArray_NDIM(<cnp.ndarray>t._data)
            for k in range(node._ndims[i]):
                node._dims[ndims + k] = cnp.PyArray_DIM(<cnp.ndarray>t._data, k)
            ndims += node._ndims[i]
            if op._out_levels[i]:
                any_read_out = True
        else:
            _tuple_set(edges, i, None)
            node._ndims[i] = -1
    for j in range(n):
        level = READ_NONE
        for i in range(n):      # what do the derivatives that will run read of input j?
            if node._ndims[i] >= 0 and op._levels[i * n + j] > level:
                level = op._levels[i * n + j]
        a = args[j]
        if level == READ_NONE:
            a = None
        elif isinstance(a, Tensor):
            t = <Tensor>a
            if level == READ_FULL:
                node._versions[j] = t._version.value
                has_saved = True
            else:
                meta = _Meta.__new__(_Meta)
                meta.shape = t._data.shape
                meta.dtype = t._data.dtype
                a = meta
        else:
            has_saved = has_saved or level == READ_FULL
        _tuple_set(saved, j, a)
    node._next = edges
    node._saved = saved
    node._attrs = attrs
    node._op = op
    if any_read_out:
        node._out = res._data
        node._out_version = res._version
        node._out_version_value = res._version.value
        has_saved = True
    node._has_saved = has_saved
    if has_saved and _saved_hooks_open:
        hooks = _saved_hooks_lookup()
        if hooks is not None:
            _pack_saved(node, hooks)
            hide = False        # the hooks' values may reference anything
    if _anomaly:
        node._trace = _stack_summary()
    res._requires_grad = True
    res._grad_fn = node
    if hide:
        _hide(node)


def _rebase(Tensor target, Tensor result):
    """Make ``target`` take over ``result``'s values and history (in-place ops)."""
    cdef OpNode node
    cdef Tensor snap
    cdef Py_ssize_t i
    if isinstance(result._grad_fn, OpNode):
        node = <OpNode>result._grad_fn
        if node._saved is not None and any(s is target for s in node._saved):
            # the op read the value it is about to overwrite (x.mul_(x)): keep a snapshot of it
            snap = _wrap(target._data.copy())
            snap._requires_grad = target._requires_grad
            snap._grad_fn = target._grad_fn
            saved = list(node._saved)
            for i in range(len(saved)):
                if saved[i] is target:
                    saved[i] = snap
                    node._versions[i] = 0
            node._saved = tuple(saved)
    target._data[...] = result._data
    target._version.value += 1
    if result._grad_fn is not None:
        target._grad_fn = result._grad_fn
        target._requires_grad = True
        if target._retains_grad:       # .grad is that of the modified tensor (issue 16)
            target._grad_fn._retained = weakref.ref(target)
        if isinstance(result._grad_fn, OpNode):
            node = <OpNode>result._grad_fn
            if node._out is not None:      # the output now lives in target's storage
                node._out = target._data
                node._out_version = target._version
                node._out_version_value = target._version.value
    return target
