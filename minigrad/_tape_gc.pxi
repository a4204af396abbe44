# Hiding recorded nodes from the cyclic garbage collector (and giving them back).
# A chapter of _tape.pyx (included there: one module, no call overhead).

# ----------------------------------------------------------------------------- garbage collection
# A recorded graph holds no reference cycle by itself: a node references only what was
# recorded before it (its inputs' nodes, leaf tensors, saved inputs), never its output, so
# reference counting frees a graph the moment its output is dropped. A cycle needs a
# reference from an earlier object to a later one, and only these make one: a hook (its
# closure may hold any tensor), a ``.grad`` that carries a graph (``create_graph=True``, or
# assigned), and attributes set on instances of Tensor subclasses (``Parameter`` has a
# ``__dict__``).
#
# Python's cyclic collector nevertheless visits every container it tracks, each time it
# collects that container's generation: a long tape is thousands of nodes plus their edge
# and saved tuples, and on the scalar chain of benchmark P1 those visits were a fifth of the
# forward's instructions. So, as long as none of the cases above has happened in the process,
# ``_record`` hides a node and its two tuples from the collector, unless an input is a Tensor
# subclass or comes from a node the collector sees (so everything downstream of a Parameter
# stays visible, and a cycle through a subclass's attributes is collected as before). The
# first hook, graph-carrying ``.grad`` or create_graph backward ends hiding for the rest of
# the process and hands every hidden node back to the collector (hidden nodes are linked in
# a list for that). ``live_nodes()`` counts nodes, for tests that look for leaks.

cdef Py_ssize_t _live_nodes = 0
cdef bint _hiding = True
cdef void* _hidden_head = NULL       # most recently hidden OpNode (borrowed pointers)


def live_nodes():
    """The number of graph nodes alive now (dropping a graph's output frees its nodes)."""
    return _live_nodes


def _gc_hiding():
    """Whether new nodes are still hidden from the cyclic collector (see above)."""
    return _hiding


def _set_gc_hiding(bint on):
    """Tests only: start hiding new nodes again, as in a fresh process (the suite runs every
    test that way; nodes already given back to the collector stay with it)."""
    global _hiding
    if not on:
        _stop_hiding()
    _hiding = on


cdef inline void _hide(OpNode node) noexcept:
    global _hidden_head
    PyObject_GC_UnTrack(<void*>node)
    PyObject_GC_UnTrack(<void*>node._next)
    PyObject_GC_UnTrack(<void*>node._saved)
    node._hidden = True
    node._u_prev = NULL
    node._u_next = _hidden_head
    if _hidden_head != NULL:
        (<OpNode>_hidden_head)._u_prev = <void*>node
    _hidden_head = <void*>node


cdef inline void _unlink(OpNode node) noexcept:
    global _hidden_head
    if node._u_prev != NULL:
        (<OpNode>node._u_prev)._u_next = node._u_next
    else:
        _hidden_head = node._u_next
    if node._u_next != NULL:
        (<OpNode>node._u_next)._u_prev = node._u_prev
    node._u_prev = node._u_next = NULL
    node._hidden = False


cdef inline void _track(object o) noexcept:
    if o is not None and not PyObject_GC_IsTracked(o):
        PyObject_GC_Track(<void*>o)


cdef void _stop_hiding() noexcept:
    """Give every hidden node back to the cyclic collector; hide no more nodes."""
    global _hiding
    cdef OpNode node
    _hiding = False
    while _hidden_head != NULL:
        node = <OpNode>_hidden_head
        _unlink(node)
        _track(node._next)
        _track(node._saved)
        _track(node)
