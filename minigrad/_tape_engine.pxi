# The backward engine: the tape read backwards, gradients delivered to leaves and
# hooks, backward() and grad().
# A chapter of _tape.pyx (included there: one module, no call overhead).

# ----------------------------------------------------------------------------- engine
# One backward is a *run*. Its state (the gradient gathered for each node and leaf, which
# nodes it has visited) is kept where it is cheapest: in the ``_grad``/``_pending`` slot and
# ``_stamp`` of each node and leaf, which the run claims by writing its stamp there (a slot
# whose stamp is 0 is free). A node or leaf already claimed by another live run — a backward
# inside a custom Function's backward (checkpointing), or another thread's backward over a
# shared graph — keeps that run's state untouched: this run keeps its own in ``_Run.foreign``,
# a dict. A run gives back every slot it claimed when it ends, so one backward at a time (the
# usual case) never touches the dict. Adding into a leaf's ``.grad`` is serialised by a lock
# (numpy releases the GIL inside a big ``+=``). The walk itself is ``_run_backward``.
# Every sum of two gradients goes through ``_sum`` (or ``_add_into`` for a ``.grad``): the
# C loop of the add kernel, which raises no floating-point warning (inf + -inf is NaN
# silently, as in PyTorch), and numpy under ``errstate`` for what that loop does not take.

from . import _kernels  # no-cython-lint
from ._kernels import binary_into as _binary_into  # no-cython-lint


def _quiet_add(a, b):
    """numpy's ``a + b`` without its floating-point warnings (the kernel's fallback)."""
    with np.errstate(all="ignore"):
        return a + b


cdef Binary _ADD = Binary("add", _quiet_add)
cdef int _K_ADD = _kernels.BINARY["add"]


cdef inline object _sum(object a, object b):
    """``a + b`` of two gradients: raw arrays by the kernel (no warning), Tensors (create_graph)
    by their recorded add, which is silent too."""
    return _ADD.call(a, b) if type(a) is ndarray else a + b

cdef struct _SeqIdx:
    long long seq
    Py_ssize_t idx


cdef int _by_seq_desc(const void* a, const void* b) noexcept nogil:
    cdef long long sa = (<_SeqIdx*>a).seq
    cdef long long sb = (<_SeqIdx*>b).seq
    return (sa < sb) - (sa > sb)


@cython.final
cdef class _Run:
    """One backward run: what it was asked, and the state that could not live in claimed
    slots (see above)."""
    cdef long long stamp
    cdef bint create_graph, retain_graph, accumulate
    cdef object inputs            # tensors to fill or return the gradients of, or None
    cdef object observe           # autograd.explain's observer, or None
    cdef dict foreign             # node (or id of leaf) claimed by another run -> gradient
    cdef dict deps                # id(leaf) -> edges into it from nodes not run yet
    cdef list leaves              # leaves reached, in order of first arrival
    cdef list ordered             # nodes reached, in decreasing sequence number
    cdef dict capture_nodes       # node -> position in ``inputs``
    cdef dict capture_leaves      # id(leaf) -> position in ``inputs``
    cdef list captured            # the gradients of ``inputs``
    cdef set given                # ids of arrays adopted as some .grad, or the caller's

    cdef inline bint visit(self, Node node):
        """Claim ``node`` for this run; False if it was visited already."""
        if node._stamp == self.stamp:
            return False
        if node._stamp == 0:
            node._stamp = self.stamp
            return True
        if node in self.foreign:
            return False
        self.foreign[node] = None
        return True

    cdef inline void send(self, Node node, object g):
        """Add ``g`` to what this run gathered for ``node`` (visited)."""
        if node._stamp == self.stamp:
            node._grad = g if node._grad is None else _sum(node._grad, g)
        else:
            cur = self.foreign[node]
            self.foreign[node] = g if cur is None else _sum(cur, g)

    cdef inline void visit_leaf(self, Tensor leaf):
        """Count an edge into ``leaf``; at the first, claim its slot (or use ``foreign``)."""
        key = id(leaf)          # keyed by id: a Tensor key would compare with == on a hash clash
        cdef object n = self.deps.get(key)
        if n is not None:
            self.deps[key] = <Py_ssize_t>n + 1
            return
        self.deps[key] = 1
        self.leaves.append(leaf)
        if leaf._stamp == 0:
            leaf._stamp = self.stamp
            leaf._pending = None
        else:
            self.foreign[key] = None

    cdef inline void send_leaf(self, Tensor leaf, object g):
        """Add ``g`` to what this run gathered for ``leaf`` (visited)."""
        if leaf._stamp == self.stamp:
            leaf._pending = g if leaf._pending is None else _sum(leaf._pending, g)
        else:
            cur = self.foreign[id(leaf)]
            self.foreign[id(leaf)] = g if cur is None else _sum(cur, g)

    cdef inline object take(self, Node node):
        """What this run gathered for ``node``, removed from its slot."""
        if node._stamp == self.stamp:
            g = node._grad
            node._grad = None
            return g
        return self.foreign.pop(node, None)

    cdef inline object take_leaf(self, Tensor leaf):
        if leaf._stamp == self.stamp:
            g = leaf._pending
            leaf._pending = None
            return g
        return self.foreign.pop(id(leaf), None)

    cdef inline bint last_edge(self, Tensor leaf):
        """Count one edge into ``leaf`` done; True when no node left to run sends to it."""
        cdef Py_ssize_t left = self.deps[id(leaf)] - 1
        self.deps[id(leaf)] = left
        return left == 0

    cdef void release(self):
        """Give back every slot this run claimed (also after an error)."""
        cdef Node node
        cdef Tensor leaf
        for e in self.ordered:
            node = <Node>e
            if node._stamp == self.stamp:
                node._grad = None
                node._stamp = 0
        for e in self.leaves:
            leaf = <Tensor>e
            if leaf._stamp == self.stamp:
                leaf._pending = None
                leaf._stamp = 0


cdef list _tape_order(_Run run, list roots):
    """The nodes reachable from ``roots``, in decreasing sequence number (claimed by ``run``),
    counting the edges into each leaf on the way (``run.deps``)."""
    cdef list found = []
    cdef list stack = []
    cdef Node node
    cdef Py_ssize_t i, n
    for e in roots:
        if run.visit(<Node>e):
            stack.append(e)
    while stack:
        node = <Node>stack.pop()
        found.append(node)
        for e in node._next:
            if isinstance(e, Node):
                if run.visit(<Node>e):
                    stack.append(e)
            elif e is not None:
                run.visit_leaf(<Tensor>e)
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


cdef str _hook_name(hook):
    return getattr(hook, "__name__", type(hook).__name__)


cdef object _run_hooks(list hooks, object g, bint create_graph):
    """Call each hook on the gradient; a result replaces it, if it keeps shape and dtype."""
    for hook in list(hooks):
        gt = g if create_graph else _wrap(g)
        r = hook(gt)
        if r is None:
            continue
        if not isinstance(r, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
        arr = (<Tensor>gt)._data
        new = (<Tensor>r)._data
        if new.shape != arr.shape:
            raise RuntimeError(
                f"hook '{_hook_name(hook)}' has changed the size of value: the gradient has shape "
                f"{_shape_str(arr.shape)}, the hook returned {_shape_str(new.shape)}; a hook may "
                "change a gradient's values only"
            )
        if new.dtype != arr.dtype:
            raise RuntimeError(
                f"hook '{_hook_name(hook)}' has changed the type of value (was "
                f"{_dtypes.from_numpy(arr.dtype)} got {_dtypes.from_numpy(new.dtype)}); return "
                "a gradient of the dtype the hook was given"
            )
        # a hook's result may be held by the user: the engine works on its own copy
        g = r if create_graph else np.array(new, order="C")
    return g


from cpython.pythread cimport (NOWAIT_LOCK, WAIT_LOCK, PyThread_acquire_lock, PyThread_allocate_lock,
                               PyThread_release_lock, PyThread_type_lock)

cdef PyThread_type_lock _grad_lock = PyThread_allocate_lock()   # serialises .grad updates


cdef object _accumulate_into(Tensor t, object g, bint create_graph, set given):
    """Add a finished gradient into ``t.grad`` (PyTorch's AccumulateGrad), under the lock."""
    if not PyThread_acquire_lock(_grad_lock, NOWAIT_LOCK):
        with nogil:         # the holder may need the GIL to finish
            PyThread_acquire_lock(_grad_lock, WAIT_LOCK)
    try:
        _accumulate_locked(t, g, create_graph, given)
    finally:
        PyThread_release_lock(_grad_lock)


cdef object _accumulate_locked(Tensor t, object g, bint create_graph, set given):
    """The first gradient is adopted without a copy when the engine owns it outright; an
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
        if not _binary_into(_K_ADD, cur._data, g):   # the kernel's in-place loop, else numpy's
            with np.errstate(all="ignore"):
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


def _run_accumulates_everything():
    """Whether the backward running in this thread fills every leaf's .grad (a plain
    backward(), not autograd.grad or backward(inputs=...)): reentrant checkpoint needs it."""
    return bool(mg_get_all())


def _run_backward(tuple tensors, tuple grads, bint retain_graph, bint create_graph,
                  object inputs, bint accumulate, object observe=None):
    """The engine. Returns the gradients of ``inputs`` when ``accumulate`` is False
    (autograd.grad); otherwise adds into ``.grad`` (of ``inputs`` only, if given).
    ``observe(node, grad, in_grads)`` is told of each node run (autograd.explain), and
    ``observe(leaf, grad, None)`` of each leaf's total before it is accumulated.

    The walk: claim the reachable nodes in tape order, seed the roots, run each node that
    received a gradient and send its results along its edges. A leaf is finished (hooks,
    ``.grad``) as soon as the last node with an edge into it has run, so parameter
    gradients do not wait for the end of the walk.
    """
    global _next_run
    _next_run += 1
    if create_graph:
        _stop_hiding()      # the gradients' graphs reference the forward graph
    cdef _Run run = _new_run(_next_run, retain_graph, create_graph, inputs, accumulate, observe)
    cdef Py_ssize_t i
    cdef Node node
    cdef Tensor t
    if not create_graph:
        for g in grads:
            run.given.add(id(g))          # seed gradients belong to the caller: never adopt them
    cdef bint prev_mode = mg_get_grad()
    cdef bint prev_all = mg_get_all()
    mg_set_grad(create_graph)
    mg_set_all(accumulate and inputs is None)
    try:
        run.ordered = _tape_order(run, [t._grad_fn for t in tensors if t._grad_fn is not None])
        for i in range(len(tensors)):
            t = <Tensor>tensors[i]
            if t._grad_fn is None:
                run.visit_leaf(t)       # (an edge no node will count down: finished last)
                run.send_leaf(t, grads[i])
            else:
                run.send(t._grad_fn, grads[i])
        for node in run.ordered:
            g = run.take(node)
            if g is not None:
                _run_node(run, node, g)
        for t in run.leaves:      # what is left: seeds on leaves, leaves of skipped nodes
            _finish_leaf(run, t)
    finally:
        mg_set_grad(prev_mode)
        mg_set_all(prev_all)
        run.release()
    return run.captured


cdef _Run _new_run(long long stamp, bint retain_graph, bint create_graph, object inputs,
                   bint accumulate, object observe):
    cdef _Run run = _Run.__new__(_Run)
    run.stamp = stamp
    run.retain_graph, run.create_graph, run.accumulate = retain_graph, create_graph, accumulate
    run.inputs, run.observe = inputs, observe
    run.foreign, run.deps, run.leaves, run.ordered = {}, {}, [], []
    run.capture_nodes, run.capture_leaves = {}, {}
    run.captured = [None] * (0 if inputs is None else len(inputs))
    run.given = set()
    cdef Tensor t
    if inputs is not None:
        for i, x in enumerate(inputs):
            t = <Tensor?>x
            if t._grad_fn is None:
                run.capture_leaves[id(t)] = i
            else:
                run.capture_nodes[t._grad_fn] = i
    return run


cdef void _run_node(_Run run, Node node, object g) except *:
    """One step of the walk: hooks, retained and captured gradients, the node's derivatives,
    and their results sent along its edges."""
    cdef Tensor t
    cdef Py_ssize_t i
    if node._hooks:
        g = _run_hooks(node._hooks, g, run.create_graph)
    if node._retained is not None:
        t = node._retained()
        if t is not None and t._grad_fn is node:
            _accumulate_into(t, g, run.create_graph, run.given)
    if run.capture_nodes and node in run.capture_nodes:
        pos = run.capture_nodes[node]
        run.captured[pos] = g
        if run.accumulate:
            _accumulate_into(<Tensor>run.inputs[pos], g, run.create_graph, run.given)
    in_grads = node._apply(g, run.create_graph)
    if _anomaly:
        _check_nan(node, in_grads)
    if not run.retain_graph:
        node._release()
    if run.observe is not None:
        run.observe(node, g, in_grads)
    for i in range(len(in_grads)):
        e = node._next[i]
        gi = in_grads[i]
        if isinstance(e, Node):
            if gi is not None:
                run.send(<Node>e, gi)
        elif e is not None:
            if gi is not None:
                run.send_leaf(<Tensor>e, gi)
            if run.last_edge(<Tensor>e):
                _finish_leaf(run, <Tensor>e)


cdef void _finish_leaf(_Run run, Tensor leaf) except *:
    """A leaf's total gradient: its hooks, then ``.grad`` (PyTorch's AccumulateGrad)."""
    g = run.take_leaf(leaf)
    if g is None:
        return
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, run.create_graph)
    pos = run.capture_leaves.get(id(leaf)) if run.capture_leaves else None
    if pos is not None:
        run.captured[pos] = g
    if run.observe is not None:
        run.observe(leaf, g, None)
    if run.accumulate and (run.inputs is None or pos is not None) and leaf._requires_grad:
        _accumulate_into(leaf, g, run.create_graph, run.given)


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
        # a batched cotangent (vmap over a backward: jacrev) matches by its samples' shape
        if garr.shape != t._data.shape and not (
            create_graph and isinstance(g, Tensor) and tuple(g.shape) == t._data.shape
        ):
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
