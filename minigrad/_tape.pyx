# cython: freethreading_compatible = False
"""The tape: Tensor, Node, grad mode and the backward engine.

How the pieces fit
------------------
* A ``Tensor`` wraps a numpy ndarray (``_data``). Leaves have ``grad_fn is None``.
* Every differentiable operation is an ``Op`` (declared once, in ``ops.py``: forward,
  one derivative per input, grad_fn name). ``apply(op, args, attrs)`` runs the forward
  and, when grad mode is on and an input requires grad, records an ``OpNode``.
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

import warnings
import weakref

cimport cython

import numpy as np

cimport numpy as cnp
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from libc.stdlib cimport calloc, free, malloc, qsort
from libc.string cimport memset

cnp.import_array()

from . import _dtypes
from ._device import CPU as _CPU
from ._kernels cimport Binary, Unary

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


from cpython.ref cimport PyObject

cdef extern from "Python.h":
    ctypedef struct _TypeWithDict "PyTypeObject":
        PyObject* tp_dict
    void PyType_Modified(_TypeWithDict*)


def _set_ops(module):
    """Called once by minigrad/__init__.py with the op table (minigrad.ops).

    The operators below dispatch to it, and every function in ``module.METHODS`` becomes
    a real method of Tensor (``x.exp()``, ``x.sum(dim=1)``): the function is declared once,
    in the op table, and serves both ``minigrad.exp(x)`` and ``x.exp()``. Extension types
    are immutable from Python, so the methods are put into the type's dict at C level.
    """
    global O, _ADD, _SUB, _RSUB, _MUL, _DIV
    O = module
    _ADD, _SUB, _RSUB, _MUL, _DIV = module.ADD, module.SUB, module.RSUB, module.MUL, module.DIV
    cdef dict tp_dict = <dict>(<_TypeWithDict*>Tensor).tp_dict
    for name, fn in module.METHODS.items():
        if name not in tp_dict:
            tp_dict[name] = fn
    PyType_Modified(<_TypeWithDict*>Tensor)


# ----------------------------------------------------------------------------- grad mode

def is_grad_enabled():
    """Whether operations are recorded on the tape in this thread."""
    return bool(mg_get_grad())


def _set_grad_enabled(bint mode):
    cdef bint prev = mg_get_grad()
    mg_set_grad(mode)
    return prev


# ----------------------------------------------------------------------------- Tensor

@cython.freelist(512)
cdef class Version:
    """A counter shared by all tensors viewing the same storage; bumped by in-place ops."""
    pass


cdef Version _new_version():
    return Version.__new__(Version)


cdef inline Tensor _wrap(object arr):
    """A new leaf Tensor around an ndarray (the one allocation path for results)."""
    cdef Tensor t = Tensor.__new__(Tensor)
    if type(arr) is not ndarray:
        arr = np.asarray(arr)   # numpy returns scalars, not 0-d arrays, from 0-d ops
    t._data = arr
    t._version = _new_version()
    return t


def _from_array(arr, bint requires_grad=False):
    """Wrap an ndarray without copying (used by the creation functions)."""
    cdef Tensor t = _wrap(arr)
    if requires_grad:
        t.requires_grad = True
    return t


class _HookHandle:
    """Returned by register_hook; ``remove()`` unregisters the hook."""

    def __init__(self, hooks, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self):
        try:
            self._hooks.remove(self._fn)
        except ValueError:
            pass


cdef str _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


@cython.freelist(512)
cdef class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    >>> x = minigrad.ones(2, 2, requires_grad=True)
    >>> ((x + 3) ** 2).mean().backward()
    >>> x.grad
    tensor([[1.5000, 1.5000],
            [1.5000, 1.5000]])
    """

    __array_priority__ = 1000
    __array_ufunc__ = None      # make numpy defer to Tensor's reflected operators

    def __init__(self, *args, dtype=None, requires_grad=False, device=None):
        # PyTorch's legacy constructor: Tensor() is empty, Tensor(2, 3) uninitialised (zeros
        # here), Tensor([1, 2]) float32 values (see _legacy.py); dtype= is minigrad's own.
        from ._legacy import legacy_array
        self._data = legacy_array("Tensor", args, _dtypes.float32 if dtype is None else dtype, device)
        self._version = _new_version()
        if requires_grad:
            self.requires_grad = True

    # -- identity ----------------------------------------------------------------------
    def __hash__(self):
        return id(self)

    # -- basic attributes --------------------------------------------------------------
    @property
    def shape(self):
        """The shape, as a tuple (PyTorch returns torch.Size, a tuple subclass)."""
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the length of one dimension: ``x.size()``, ``x.size(0)``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_norm_dim(dim, self._data.ndim, "size")]

    def dim(self):
        """The number of dimensions."""
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        """The number of elements."""
        return self._data.size

    def nelement(self):
        return self._data.size

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def dtype(self):
        return _dtypes.from_numpy(self._data.dtype)

    @property
    def device(self):
        """Where the tensor lives: ``device(type='cpu')``, minigrad's only device."""
        return _CPU

    @property
    def is_cuda(self):
        return False

    @property
    def is_cpu(self):
        return True

    def get_device(self):
        """-1: the index PyTorch gives a tensor on the CPU."""
        return -1

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def element_size(self):
        return self._data.itemsize

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; "
                "item() needs exactly one element: index it first or reduce it (x.sum())."
            )
        return self._data.reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The values as an ndarray sharing memory with this tensor."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(shape {_shape_str(self._data.shape)}); use .any() or .all()."
            )
        return bool(self._data.reshape(()).item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter([self[i] for i in range(self._data.shape[0])])

    def __repr__(self):
        global _printing
        if _printing is None:
            from . import _printing as p
            _printing = p
        suffixes = []
        if self._grad_fn is not None:
            suffixes.append(f"grad_fn=<{type(self._grad_fn).__name__}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return _printing.format_tensor(
            self._data, _dtypes.suffix(self._data.dtype, self._data.size == 0), suffixes
        )

    def __format__(self, spec):
        # as PyTorch: a 0-d tensor formats as its number (f"{loss}" prints 2.4195...), even with
        # an empty spec; other tensors print as repr (a 1-element one also takes a number's spec)
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self.item(), spec)
        return repr(self)

    # -- autograd state ----------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, bint value):
        if self._grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients "
                f"(this tensor is {_dtypes.from_numpy(self._data.dtype)}); convert it with .float() first."
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The Node that produced this tensor (None for leaves)."""
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def grad(self):
        """The gradient accumulated by backward() (None until then)."""
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if (<Tensor>value)._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: grad is "
                    f"{_dtypes.from_numpy((<Tensor>value)._data.dtype)}, tensor is "
                    f"{_dtypes.from_numpy(self._data.dtype)}; convert it with .to(tensor.dtype)"
                )
            if (<Tensor>value)._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: grad shape "
                    f"{_shape_str((<Tensor>value)._data.shape)}, tensor shape {_shape_str(self._data.shape)}"
                )
            if (<Tensor>value)._grad_fn is not None:
                _stop_hiding()      # a .grad with a graph can close a cycle through it
        self._grad = value

    @property
    def data(self):
        """A tensor sharing this one's values, detached from the graph."""
        return self.detach()

    @data.setter
    def data(self, value):
        self._data = (<Tensor?>value)._data

    @property
    def _version(self):
        return self._version.value

    def retain_grad(self):
        """Ask backward() to fill .grad of this non-leaf tensor too."""
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self._retains_grad:
            self._retains_grad = True
            self._grad_fn._retained = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None
        return value replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        _stop_hiding()      # a hook's closure can close a cycle through the graph
        if self._grad_fn is not None:
            if self._grad_fn._hooks is None:
                self._grad_fn._hooks = []
            self._grad_fn._hooks.append(hook)
            return _HookHandle(self._grad_fn._hooks, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    def detach(self):
        """A new leaf sharing this tensor's values (and version counter), without history."""
        cdef Tensor t = Tensor.__new__(Tensor)
        t._data = self._data
        t._version = self._version
        return t

    def detach_(self):
        """Detach this tensor from its history in place."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves; accumulate in ``.grad``.

        >>> x = minigrad.tensor(3.0, requires_grad=True)
        >>> (x ** 2).backward(); x.grad
        tensor(6.)
        """
        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs)

    # -- in-place bookkeeping ------------------------------------------------------------
    def _check_inplace(self):
        if not mg_get_grad():
            return
        if self._grad_fn is None and self._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Wrap the update in `with minigrad.no_grad():` (as optimizers do) or work on "
                "x.detach()."
            )
        base = self._base
        if base is not None and base._requires_grad:
            if base._grad_fn is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation. Wrap it in `with minigrad.no_grad():` or change a clone instead."
                )
            raise RuntimeError(
                "in-place change of a view of a tensor that requires grad: minigrad does not "
                "rewrite the base tensor's history. Assign through the base instead "
                "(y[idx] = y[idx] * 3) or use an out-of-place op."
            )

    def _bump_version(self):
        self._version.value += 1

    def zero_(self):
        """Fill with zeros in place."""
        self._check_inplace()
        self._data[...] = 0
        self._version.value += 1
        return self

    def fill_(self, value):
        """Fill with ``value`` in place."""
        self._check_inplace()
        self._data[...] = value
        self._version.value += 1
        return self

    # -- operators: each is one line into the op table (ops.py) --------------------------
    def __add__(self, other):
        return _apply2(_ADD, self, other)

    def __radd__(self, other):
        return _apply2(_ADD, other, self)

    def __sub__(self, other):
        return _apply2(_SUB, self, other)

    def __rsub__(self, other):
        return _apply2(_RSUB, self, other)

    def __mul__(self, other):
        return _apply2(_MUL, self, other)

    def __rmul__(self, other):
        return _apply2(_MUL, other, self)

    def __truediv__(self, other):
        return _apply2(_DIV, self, other)

    def __rtruediv__(self, other):
        return O._rdiv(self, other)

    def __mod__(self, other):
        return O.remainder(self, other)

    def __rmod__(self, other):
        return O._rremainder(self, other)

    def __floordiv__(self, other):
        return O.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return O.floor_divide(other, self)

    def __and__(self, other):
        return O.bitwise_and(self, other)

    def __rand__(self, other):
        return O.bitwise_and(other, self)

    def __or__(self, other):
        return O.bitwise_or(self, other)

    def __ror__(self, other):
        return O.bitwise_or(other, self)

    def __xor__(self, other):
        return O.bitwise_xor(self, other)

    def __rxor__(self, other):
        return O.bitwise_xor(other, self)

    def __invert__(self):
        return O.bitwise_not(self)

    def __lshift__(self, other):
        return O.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return O.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return O.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return O.bitwise_right_shift(other, self)

    def __pow__(self, other, mod=None):
        return O.pow(self, other)

    def __rpow__(self, other, mod=None):
        return O.pow(other, self)

    def __matmul__(self, other):
        return O.matmul(self, other)

    def __rmatmul__(self, other):
        return O.matmul(other, self)

    def __neg__(self):
        return O.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return O.abs(self)

    def __iadd__(self, other):
        return O.inplace(O.add, self, other)

    def __isub__(self, other):
        return O.inplace(O.sub, self, other)

    def __imul__(self, other):
        return O.inplace(O.mul, self, other)

    def __itruediv__(self, other):
        return O.inplace(O.div, self, other)

    def __imod__(self, other):
        return O.inplace(O.remainder, self, other)

    def __ifloordiv__(self, other):
        return O.inplace(O.floor_divide, self, other)

    def __iand__(self, other):
        return O.inplace(O.bitwise_and, self, other)

    def __ior__(self, other):
        return O.inplace(O.bitwise_or, self, other)

    def __ixor__(self, other):
        return O.inplace(O.bitwise_xor, self, other)

    def __ilshift__(self, other):
        return O.inplace(O.bitwise_left_shift, self, other)

    def __irshift__(self, other):
        return O.inplace(O.bitwise_right_shift, self, other)

    def __eq__(self, other):
        if other is None:       # as PyTorch: x == None is False (`if x == None:` in user code)
            return False
        return O.eq(self, other)

    def __ne__(self, other):
        if other is None:
            return True
        return O.ne(self, other)

    def __lt__(self, other):
        return O.lt(self, other)

    def __le__(self, other):
        return O.le(self, other)

    def __gt__(self, other):
        return O.gt(self, other)

    def __ge__(self, other):
        return O.ge(self, other)

    def __getitem__(self, index):
        return O.getitem(self, index)

    def __setitem__(self, index, value):
        O.setitem(self, index, value)

    @property
    def T(self):
        return O.T(self)

    @property
    def mT(self):
        return O.transpose(self, -2, -1)

    def __reduce__(self):
        raise TypeError("minigrad tensors are not pickled; use minigrad.save / minigrad.load")

    def __deepcopy__(self, memo):
        """A copy with its own storage (``copy.deepcopy(model.state_dict())`` snapshots)."""
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment. Deep-copy x.detach() instead."
            )
        found = memo.get(id(self))
        if found is not None:
            return found
        cdef Tensor new = _wrap(self._data.copy())
        new._requires_grad = self._requires_grad
        memo[id(self)] = new
        if self._grad is not None:
            import copy
            new._grad = copy.deepcopy(self._grad, memo)
        return new


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's torch.Size: ``minigrad.Size([2, 3])``."""

    def __repr__(self):
        return f"minigrad.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


cdef Py_ssize_t _norm_dim(object dim, Py_ssize_t ndim, str op) except? -1:
    cdef Py_ssize_t d = dim
    cdef Py_ssize_t n = ndim if ndim > 0 else 1
    if d < -n or d >= n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return d + n if d < 0 else d


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
    """A recorded operation: the base of every grad_fn (``MulBackward0``, ...)."""

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
    """The sink a leaf's gradient flows into (shown in ``next_functions``)."""

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
            else:
                _tuple_set(args, i + 1, s)
        out = self._out
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
                    gi = O.sum_to(gi, self._shape(i), cnp.PyArray_DescrFromType(self._dtypes[i]))
            _tuple_set(grads, i, gi)
        return grads

    cdef void _release(self):
        if self._has_saved:
            self._saved = None
            self._out = None
            self._freed = True


cpdef Tensor apply(Op op, tuple args, tuple attrs=()):
    """Run ``op`` on ``args`` (Tensors or Python scalars) and record it on the tape.

    The forward receives ndarrays (and scalars) followed by ``attrs``; a node is
    recorded only if grad mode is on and some input requires grad.
    """
    cdef Py_ssize_t n = len(args)
    if n == 1 and not attrs:
        return _apply1(op, <Tensor?>args[0])
    if n == 2 and not attrs:
        return _apply2(op, args[0], args[1])
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
    cdef Tensor res = _wrap(op.forward(*arrays, *attrs))
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
    cdef Tensor res = _wrap(_forward1(op, x._data))
    if op.is_view:
        _make_view(res, x)
    if x._requires_grad and mg_get_grad():
        _record(op, res, (x,), ())
    return res


cdef Tensor _apply2(Op op, object a, object b):
    """apply() for two inputs (tensors or numbers) and no attributes (the binary ops)."""
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
        if isinstance(result._grad_fn, OpNode):
            node = <OpNode>result._grad_fn
            if node._out is not None:      # the output now lives in target's storage
                node._out = target._data
                node._out_version = target._version
                node._out_version_value = target._version.value
    return target


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
