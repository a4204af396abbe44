# Declarations of the tape: Tensor, Node, Op. Implementations live in _tape.pyx.

cdef class Version:
    cdef public long long value


cdef class Tensor:
    cdef readonly object _data    # the numpy ndarray holding the values
    cdef object _grad             # Tensor or None
    cdef bint _requires_grad
    cdef Node _grad_fn            # None for leaves
    cdef Version _version         # shared by views of the same storage
    cdef Tensor _base             # for views (x[0], x.view(...)): the tensor that owns the storage
    cdef list _hooks              # leaf hooks (non-leaf hooks live on the grad_fn)
    cdef bint _retains_grad
    cdef object _pending          # gradient gathered for this leaf during one backward
    cdef long long _stamp         # id of the backward run that last touched _pending
    cdef object __weakref__


cdef class Node:
    cdef readonly long long _seq  # place on the tape: inputs always have smaller numbers
    cdef tuple _next              # per input: the producing Node, a leaf Tensor, or None
    cdef object _grad             # gradient gathered for this node's output during backward
    cdef long long _stamp
    cdef list _hooks              # hooks of the output tensor (register_hook on non-leaves)
    cdef object _retained         # weakref to the output tensor if it called retain_grad()
    cdef public object _trace     # where the node was recorded (only under detect_anomaly)
    cdef object __weakref__
    cdef tuple _apply(self, object g, bint create_graph)
    cdef void _release(self)


cdef class FunctionNode(Node):
    cdef public object ctx        # the ctx of a custom autograd.Function
    cdef object _backward         # its backward(ctx, *grads)
    cdef int _n_outputs
    cdef tuple _in_meta           # per input: (shape, dtype) or None
    cdef tuple _out_meta          # per output: (shape, dtype)


cdef class OpsDoor:
    # The one way back from the tape into the op table (minigrad/ops/): the functions Tensor's
    # operators and indexing forward to (x % y -> remainder, x[i] -> getitem, x @ y -> matmul),
    # the Ops behind + - * / (called straight, on the hot path), and sum_to (a broadcast
    # input's gradient summed back to its shape). Filled once by _set_ops at import, every
    # entry checked; see _tape_door.pxi.
    cdef object add, sub, mul, div, rdiv, pow, matmul, neg, abs, inplace
    cdef object remainder, rremainder, floor_divide
    cdef object bitwise_and, bitwise_or, bitwise_xor, bitwise_not, lshift, rshift
    cdef object eq, ne, lt, le, gt, ge
    cdef object getitem, setitem, T, transpose, sum_to
    cdef Op ADD, SUB, RSUB, MUL, DIV


cdef class Op:
    cdef readonly str name        # user-facing name: "mul"
    cdef readonly object forward  # f(*arrays_or_scalars, *attrs) -> ndarray
    cdef readonly tuple derivs    # per input: f(g, *inputs, out, *attrs) or None
    cdef tuple _reads             # per input, per derivative: what it reads of each input
    cdef tuple _reads_out         # per derivative: whether it reads the output
    cdef object _analyze          # () -> (reads, reads_out), run at the op's first recording
    cdef readonly object node_cls  # the grad_fn class, e.g. MulBackward0
    cdef readonly bint is_view    # result shares storage (and version counter) with input 0
    cdef int _nin                 # number of inputs (len(derivs))
    cdef int* _levels             # reads as a C array: _levels[i * _nin + j], for _record
    cdef bint* _out_levels        # reads_out as a C array
    cdef int _resolve(self) except -1


cdef class OpNode(Node):
    cdef Op _op
    cdef Py_ssize_t _n            # number of inputs
    cdef tuple _saved             # per input: Tensor, Python scalar, _Meta or None
    cdef long long* _versions     # per input: version of the saved tensor when saved
    cdef object _out              # the forward result (ndarray) when a derivative reads it
    cdef Version _out_version
    cdef long long _out_version_value
    cdef tuple _attrs             # non-tensor arguments: dim, keepdim, shape, ...
    cdef int* _ndims              # per input: number of dimensions (-1: no gradient)
    cdef Py_ssize_t* _dims        # all inputs' shapes, concatenated (to reduce broadcast grads)
    cdef int* _dtypes             # per input: numpy type number (for gradient casts)
    cdef bint _has_saved
    cdef bint _freed
    cdef void* _u_prev            # links in the list of nodes hidden from the cyclic gc
    cdef void* _u_next            # (see "Garbage collection" in _tape.pyx); NULL if tracked
    cdef bint _hidden
    cdef long long _small[12]     # inline storage for the per-input metadata of small ops
    cdef tuple _shape(self, Py_ssize_t i)
    cdef bint _fits(self, object g, Py_ssize_t i)
