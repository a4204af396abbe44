# The hooks on what the tape saves for backward (autograd.graph.saved_tensors_hooks).
# A chapter of _tape.pyx (included there: one module, no call overhead).

# Inside ``autograd.graph.saved_tensors_hooks(pack, unpack)`` a recorded node keeps, in place
# of each tensor its derivatives read, whatever ``pack`` returned for it, and calls ``unpack``
# in backward (utils.checkpoint drops activations that way). The hooks are per thread
# (autograd/graph.py keeps them); the tape only counts the open contexts, so that recording
# pays nothing while there are none.

cdef Py_ssize_t _saved_hooks_open = 0     # saved_tensors_hooks contexts open, in all threads
cdef object _saved_hooks_lookup = None    # () -> this thread's innermost (pack, unpack), or None


def _saved_hooks_entered(int delta):
    global _saved_hooks_open
    _saved_hooks_open += delta


def _set_saved_hooks_lookup(lookup):
    global _saved_hooks_lookup
    _saved_hooks_lookup = lookup


def _current_saved_hooks():
    """This thread's innermost (pack, unpack) pair, or None (used by custom Functions too)."""
    return _saved_hooks_lookup() if _saved_hooks_open else None


@cython.final
cdef class _Packed:
    """A saved tensor as its pack hook returned it: ``get()`` unpacks it."""
    cdef object value
    cdef object unpack
    cdef Version version          # the saved tensor's counter: in-place changes still show

    cdef Tensor get(self):
        t = self.unpack(self.value)
        if not isinstance(t, Tensor):
            raise TypeError(
                f"the unpack hook of saved_tensors_hooks returned a {type(t).__name__}; it must "
                "return the Tensor that was packed (or one with its values)"
            )
        return <Tensor>t


cdef _Packed _pack(object hooks, object value, Version version):
    cdef _Packed p = _Packed.__new__(_Packed)
    p.value = hooks[0](value)
    p.unpack = hooks[1]
    p.version = version
    return p


cdef void _pack_saved(OpNode node, object hooks) except *:
    """Hand each tensor ``node`` keeps (inputs read in full, its output) to the pack hook."""
    cdef Tensor t
    saved = list(node._saved)
    for j in range(len(saved)):
        if isinstance(saved[j], Tensor):
            saved[j] = _pack(hooks, saved[j], (<Tensor>saved[j])._version)
    node._saved = tuple(saved)
    if node._out is not None:
        t = _wrap(node._out)
        t._version = node._out_version
        node._out = _pack(hooks, t, node._out_version)
