# cython: freethreading_compatible = False
"""The tape: Tensor, Node, grad mode and the backward engine.

How the pieces fit
------------------
* A ``Tensor`` wraps a numpy ndarray (``_data``). Leaves have ``grad_fn is None``.
* Every differentiable operation is an ``Op`` (declared once, in the op table
  ``minigrad/ops/``: forward, one derivative per input, grad_fn name).
  ``apply(op, args, attrs)`` runs the forward and, when grad mode is on and an input requires grad, records an ``OpNode``.
* Recording gives the node the next *sequence number*. A node's inputs were recorded
  before it, so walking the reachable nodes in decreasing sequence number is a valid
  reverse topological order: backward "reads the tape backwards". No recursion, no
  dependency counting, and no global list: nodes are owned by the tensors that reference
  them, so dropping the output frees the graph.
* Edges point at the producing node of each input, or directly at the leaf Tensor
  (PyTorch's AccumulateGrad node is materialised only when ``next_functions`` is read).
* First-order backward runs the derivative formulas on raw ndarrays. With
  ``create_graph=True`` the very same formulas run on Tensors with grad mode on, so the
  gradient is itself differentiable.

Invariants: a node's ``_grad`` and a leaf's ``_pending`` are only non-None during a
backward run; saved values are released after a node runs unless ``retain_graph``.
"""

# The chapters below use these (cython-lint reads one file, so it would call them unused).
import warnings  # no-cython-lint
import weakref  # no-cython-lint

cimport cython  # no-cython-lint

import numpy as np  # no-cython-lint

cimport numpy as cnp  # no-cython-lint
from cpython.ref cimport Py_INCREF  # no-cython-lint
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM  # no-cython-lint
from libc.stdlib cimport calloc, free, malloc, qsort  # no-cython-lint
from libc.string cimport memset  # no-cython-lint

cnp.import_array()

from . import _dtypes  # no-cython-lint
from ._device import CPU as _CPU  # no-cython-lint
from ._kernels cimport Binary, Unary  # no-cython-lint

cdef extern from *:
    """
    #if defined(_MSC_VER)
    static __declspec(thread) int mg_grad_enabled = 1;
    #else
    static _Thread_local int mg_grad_enabled = 1;
    #endif
    static inline int mg_get_grad(void) { return mg_grad_enabled; }
    static inline void mg_set_grad(int v) { mg_grad_enabled = v; }
    """
    int mg_get_grad() nogil
    void mg_set_grad(int v) nogil

cdef extern from *:
    """
    /* A new instance of a Node subclass straight from its tp_new: Node.__new__(cls) would go
       through a Python-level method lookup and call on every recorded op. */
    static PyObject* mg_tp_new(PyObject* cls, PyObject* empty) {
        return ((PyTypeObject*)cls)->tp_new((PyTypeObject*)cls, empty, NULL);
    }
    """
    object mg_tp_new(object cls, object empty)

cdef extern from "Python.h":
    void PyObject_GC_Track(void*)
    void PyObject_GC_UnTrack(void*)
    int PyObject_GC_IsTracked(object)

cdef object ndarray = np.ndarray
cdef tuple _EMPTY = ()
cdef long long _next_seq = 0     # the tape's clock
cdef long long _next_run = 0     # ids of backward runs (stamps visited nodes)
cdef object O = None             # the op table module (minigrad.ops), set by _set_ops
cdef Op _ADD, _SUB, _RSUB, _MUL, _DIV  # its Ops behind the arithmetic operators
cdef object _printing = None
cdef bint _anomaly = False         # detect_anomaly(): record creation traces, check for NaN


def _set_anomaly(bint mode):
    """Turn anomaly detection on or off; returns the previous mode (see autograd.detect_anomaly)."""
    global _anomaly
    cdef bint prev = _anomaly
    _anomaly = mode
    return prev


cdef object _stack_summary():
    """The Python stack where a node is recorded, without minigrad's own frames."""
    import os
    import traceback
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep
    return [line for line in traceback.format_stack()
            if not line.strip().startswith(f'File "{here}')]


# ----------------------------------------------------------------------------- chapters
# One module in seven files (Cython ``include``: no call crosses a module boundary). Read
# them in this order; ``loss.backward()`` goes Tensor.backward (tensor) -> backward ->
# _run_backward (engine) -> OpNode._apply (nodes) -> the op's derivative (minigrad/ops/).
include "_tape_door.pxi"       # what the tape calls back in the op table, filled once
include "_tape_tensor.pxi"     # grad mode; Tensor's Python surface; Size
include "_tape_nodes.pxi"      # Op, Node, OpNode (a recorded op and its derivative run)
include "_tape_record.pxi"     # apply(): forward, then _record() the node; in-place _rebase
include "_tape_gc.pxi"         # hiding nodes from the cyclic collector
include "_tape_function.pxi"   # custom autograd.Function nodes
include "_tape_engine.pxi"     # the backward engine: backward(), grad()
