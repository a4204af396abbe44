# The backward engine: the tape read backwards, gradients delivered to leaves and
# hooks, backward() and grad().
# A chapter of _tape.pyx (included there: one module, no call overhead).

# ----------------------------------------------------------------------------- engine

cdef struct _SeqIdx:
    long long seq
    Py_ssize_t idx


cdef int _by_seq_desc(const void* a, const void* b) noexcept nogil:
    cdef long long sa = (<_SeqIdx*>a).seq
    cdef long long sb = (<_SeqIdx*>b).seq
    return (sa < sb) - (sa > sb)


cdef list _tape_order(list roots, long long stamp):
    """The nodes reachable from ``roots``, in decreasing sequence number."""
    cdef list found = []
    cdef list stack = list(roots)
    cdef Node node
    cdef Py_ssize_t i, n
    for e in roots:
        (<Node>e)._stamp = stamp
    while stack:
        node = <Node>stack.pop()
        found.append(node)
        for e in node._next:
            if isinstance(e, Node) and (<Node>e)._stamp != stamp:
                (<Node>e)._stamp = stamp
                stack.append(e)
    n = len(found)
    cdef _SeqIdx* keys = <_SeqIdx*>malloc(n * sizeof(_SeqIdx) + 1)
    if keys == NULL:
        raise MemoryError()
    cdef bint in_order = True          # a chain is found in tape order already
    for i in range(n):
        keys[i].seq = (<Node>found[i])._seq
        keys[i].idx = i
        if i and keys[i].seq > keys[i - 1].seq:
            in_order = False
    if in_order:
        free(keys)
        return found
    qsort(keys, n, sizeof(_SeqIdx), _by_seq_desc)
    cdef list ordered = [found[keys[i].idx] for i in range(n)]
    free(keys)
    return ordered


cdef object _run_hooks(list hooks, object g, bint create_graph):
    for hook in list(hooks):
        gt = g if create_graph else _wrap(g)
        r = hook(gt)
        if r is not None:
            # a hook's result may be held by the user: the engine works on its own copy
            g = r if create_graph else np.array((<Tensor?>r)._data, order="C")
    return g


cdef object _accumulate_into(Tensor t, object g, bint create_graph, set given):
    """Add a finished gradient into ``t.grad`` (PyTorch's AccumulateGrad).

    The first gradient is adopted without a copy when the engine owns it outright; an
    array already handed to another tensor in this run (``add`` passes ``g`` to both
    inputs) or a view is copied, so no two ``.grad`` tensors ever share memory.
    """
    cdef Tensor cur = t._grad
    assert create_graph or not isinstance(g, Tensor), "first-order gradients are raw arrays"
    if create_graph:
        t._grad = g if cur is None else cur + g
    elif cur is None:
        if (type(g) is not ndarray or id(g) in given or not g.flags.owndata
                or not g.flags.c_contiguous or not g.flags.writeable):
            g = np.array(g, order="C")
        given.add(id(g))
        t._grad = _wrap(g)
    elif cur._requires_grad:
        t._grad = cur + _wrap(g)
    else:
        cur._data += g
        cur._version.value += 1


cdef void _check_nan(Node node, tuple grads) except *:
    for i, gi in enumerate(grads):
        if gi is None:
            continue
        arr = (<Tensor>gi)._data if isinstance(gi, Tensor) else np.asarray(gi)
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            where = "".join(node._trace or ["(no trace: the node was recorded outside detect_anomaly)\n"])
            raise RuntimeError(
                f"Function '{type(node).__name__}' returned nan values in its {i}th output. "
                f"The forward call that created it:\n{where}"
            )


def _run_backward(tuple tensors, tuple grads, bint retain_graph, bint create_graph,
                  object inputs, bint accumulate):
    """The engine. Returns the gradients of ``inputs`` when ``accumulate`` is False
    (autograd.grad); otherwise adds into ``.grad`` (of ``inputs`` only, if given)."""
    global _next_run
    _next_run += 1
    if create_graph:
        _stop_hiding()      # the gradients' graphs reference the forward graph
    cdef long long stamp = _next_run
    cdef Py_ssize_t i
    cdef Node node
    cdef Tensor t, leaf
    cdef list roots = []
    cdef list leaves = []
    cdef list ordered = []
    cdef dict capture_nodes = {}      # node -> position in ``inputs``
    cdef dict capture_leaves = {}     # id(leaf) -> position
    cdef list captured = [None] * (0 if inputs is None else len(inputs))
    cdef set given = set()            # ids of arrays adopted as some .grad, or the caller's
    if not create_graph:
        for g in grads:
            given.add(id(g))              # seed gradients belong to the caller: never adopt them

    if inputs is not None:
        for i, x in enumerate(inputs):
            t = <Tensor?>x
            if t._grad_fn is None:
                capture_leaves[id(t)] = i
            else:
                capture_nodes[t._grad_fn] = i

    cdef bint prev_mode = mg_get_grad()
    mg_set_grad(create_graph)
    try:
        for i in range(len(tensors)):
            t = <Tensor>tensors[i]
            g = grads[i]
            if t._grad_fn is None:
                leaf = t
                if leaf._stamp != stamp:
                    leaf._stamp = stamp
                    leaf._pending = g
                    leaves.append(leaf)
                else:
                    leaf._pending = leaf._pending + g
            else:
                node = t._grad_fn
                if node._stamp != stamp:
                    node._grad = g
                    roots.append(node)
                    node._stamp = stamp
                else:
                    node._grad = node._grad + g
        for node in roots:
            node._stamp = 0
        ordered = _tape_order(roots, stamp)
        for node in ordered:
            g = node._grad
            node._grad = None
            if g is None:
                continue
            if node._hooks:
                g = _run_hooks(node._hooks, g, create_graph)
            if node._retained is not None:
                t = node._retained()
                if t is not None and t._grad_fn is node:
                    _accumulate_into(t, g, create_graph, given)
            if node in capture_nodes:
                pos = capture_nodes[node]
                captured[pos] = g
                if accumulate:
                    _accumulate_into(<Tensor>inputs[pos], g, create_graph, given)
            in_grads = node._apply(g, create_graph)
            if _anomaly:
                _check_nan(node, in_grads)
            if not retain_graph:
                node._release()
            for i in range(len(in_grads)):
                e = node._next[i]
                gi = in_grads[i]
                if e is None or gi is None:
                    continue
                if isinstance(e, Node):
                    if (<Node>e)._grad is None:
                        (<Node>e)._grad = gi
                    else:
                        (<Node>e)._grad = (<Node>e)._grad + gi
                else:
                    leaf = <Tensor>e
                    if leaf._stamp != stamp:
                        leaf._stamp = stamp
                        leaf._pending = gi
                        leaves.append(leaf)
                    else:
                        leaf._pending = leaf._pending + gi
        for leaf in leaves:
            g = leaf._pending
            leaf._pending = None
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g, create_graph)
            pos = capture_leaves.get(id(leaf))
            if pos is not None:
                captured[pos] = g
            if accumulate and (inputs is None or pos is not None) and leaf._requires_grad:
                _accumulate_into(leaf, g, create_graph, given)
    finally:
        mg_set_grad(prev_mode)
        for node in ordered:
            node._grad = None
        for leaf in leaves:
            leaf._pending = None
    return captured


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` w.r.t. the graph leaves into their ``.grad``.

    >>> x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> minigrad.autograd.backward((x * x).sum()); x.grad
    tensor([2., 4.])
    """
    tensors, grads = _prepare_roots(tensors, grad_tensors, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    _run_backward(tensors, grads, retain_graph, create_graph, inputs, True)


def _prepare_roots(tensors, grad_tensors, bint create_graph):
    """Validate the roots of a backward call and build their seed gradients."""
    cdef Tensor t
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    tensors = tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    grad_tensors = tuple(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(
            f"got {len(grad_tensors)} gradients for {len(tensors)} tensors; pass one per tensor"
        )
    grads = []
    for i, (x, g) in enumerate(zip(tensors, grad_tensors)):
        t = <Tensor?>x
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn. "
                "Nothing that produced it was created with requires_grad=True (or it was "
                "computed under no_grad()); set requires_grad=True on the inputs you want "
                "gradients for."
            )
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs. This tensor has shape "
                    f"{_shape_str(t._data.shape)}: reduce it first (e.g. y.sum().backward()) or pass "
                    "backward(gradient=...) with a tensor of that shape."
                )
            arr = np.ones(t._data.shape, dtype=t._data.dtype)
            grads.append(_wrap(arr) if create_graph else arr)
            continue
        if isinstance(g, Tensor):
            garr = (<Tensor>g)._data
        else:
            garr = np.asarray(g, dtype=t._data.dtype)
        if garr.shape != t._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {_shape_str(garr.shape)} and "
                f"output[{i}] has a shape of {_shape_str(t._data.shape)}. The gradient must have the "
                "shape of the tensor backward() is called on."
            )
        if create_graph:
            grads.append(g if isinstance(g, Tensor) else _wrap(garr))
        else:
            # no copy here: the engine treats seed arrays as not its own (see ``given`` in
            # _run_backward) and copies one only if it would become some tensor's .grad as is
            grads.append(np.asarray(garr, dtype=t._data.dtype, order="C"))   # keeps 0-d
    return tuple(tensors), tuple(grads)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned (``.grad`` is untouched).

    >>> x = minigrad.tensor(2.0, requires_grad=True)
    >>> minigrad.autograd.grad(x ** 3, x)
    (tensor(12.),)
    """
    outputs, grads = _prepare_roots(outputs, grad_outputs, create_graph)
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    for i, x in enumerate(inputs):
        if not (<Tensor?>x)._requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad (set requires_grad=True on it)")
    if retain_graph is None:
        retain_graph = create_graph
    captured = _run_backward(outputs, grads, retain_graph, create_graph, inputs, False)
    result = []
    for i, g in enumerate(captured):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors appears to not have been used in the graph "
                    f"(input {i}). Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(g if create_graph else _wrap(np.array(g, order="C")))
    return tuple(result)
