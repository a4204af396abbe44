"""The op table: every differentiable operation of minigrad, declared once.

An entry is ``defop(name, forward, *derivatives)``:

* ``forward(*inputs, *attrs)`` works on ndarrays (and Python scalars) and returns an ndarray;
  it validates shapes and dtypes first, so kernels never see bad input;
* one derivative per input, ``d(g, *inputs, out, *attrs)``, returning the gradient of that
  input shaped like ``out`` (the engine sums it back to a broadcast input's shape, once);
  ``None`` marks an input with no gradient;
* the grad_fn class is named PyTorch's way: ``mul`` gives ``MulBackward0``.

Derivatives are written against this module's own functions (``mul``, ``cos``, ``expand``,
...). Each of them runs the raw forward when handed ndarrays (the fast first-order path) and
records a node when handed Tensors (``create_graph=True``): one formula, both paths.

``defop`` reads the bytecode of each derivative to learn what it uses: an input used only
for ``.shape``/``.dtype``/``.ndim`` is kept as a shape record, an unused one is not kept at
all, and the forward result is kept only if a derivative reads ``out``. That is how ``tanh``
saves its output and not its input, and ``x * 2`` saves only the 2.
"""

import dis
import math

import numpy as np

from . import _kernels as K
from . import _tape
from ._tape import Op, OpNode, Tensor, apply, is_grad_enabled

ndarray = np.ndarray
_generic = np.generic

METHODS = {}        # name -> function, installed as Tensor methods by _tape._set_ops

_READ_NONE, _READ_META, _READ_FULL = 0, 1, 2
_META_ATTRS = ("shape", "dtype", "ndim")


def _reads(fn, nin):
    """What derivative ``fn`` reads of each input (none / shape only / values) and of out."""
    code = fn.__code__
    params = code.co_varnames[: code.co_argcount]
    level = dict.fromkeys(params, _READ_NONE)
    instrs = list(dis.get_instructions(fn))
    for k, ins in enumerate(instrs):
        if not ins.opname.startswith(("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE", "MAKE_CELL")):
            continue
        names = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
        nxt = instrs[k + 1] if k + 1 < len(instrs) else None
        meta = len(names) == 1 and nxt is not None and nxt.opname == "LOAD_ATTR" and nxt.argval in _META_ATTRS
        for name in names:
            if name in level:
                level[name] = max(level[name], _READ_META if meta else _READ_FULL)
    inputs, out = params[1 : 1 + nin], params[1 + nin]
    return tuple(level[n] for n in inputs), level[out] != _READ_NONE


def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


def defop(name, forward, *derivs, grad_name=None, view=False):
    """Declare an op: its forward, one derivative per input, and its grad_fn class."""
    nin = len(derivs)
    reads, reads_out = [], []
    for d in derivs:
        r, o = ((_READ_NONE,) * nin, False) if d is None else _reads(d, nin)
        reads.append(r)
        reads_out.append(o)
    grad_name = grad_name or _camel(name) + "Backward0"
    node_cls = type(grad_name, (OpNode,), {"__slots__": (), "__module__": "minigrad.autograd.graph"})
    return Op(name, forward, derivs, reads, reads_out, node_cls, view)


# ----------------------------------------------------------------------------- validation

_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}
_DEFAULT_FOR_RANK = {1: np.dtype(np.int64), 2: np.dtype(np.float32)}


def _scalar_rank(op, s):
    if isinstance(s, (bool, np.bool_)):
        return 0
    if isinstance(s, (int, np.integer)):
        return 1
    if isinstance(s, (float, np.floating)):
        return 2
    raise TypeError(
        f"{op}(): unsupported operand of type {type(s).__name__}; expected a Tensor or a Python "
        "number (convert lists and arrays with minigrad.tensor(...))"
    )


def _with_scalar(op, arr, s):
    """PyTorch's promotion for tensor (op) Python number: the tensor's dtype unless the
    number is of a higher kind (a float with an int tensor gives float32)."""
    rank = _scalar_rank(op, s)
    if isinstance(s, _generic):
        s = s.item()
    if rank > _RANK[arr.dtype.kind]:
        arr = arr.astype(_DEFAULT_FOR_RANK[rank])
    return arr, s


def _promote(a, b):
    """PyTorch's promotion for two tensors of different dtypes."""
    ra, rb = _RANK[a.dtype.kind], _RANK[b.dtype.kind]
    if ra != rb:
        dt = a.dtype if ra > rb else b.dtype
    elif (a.ndim == 0) != (b.ndim == 0):      # a dimensioned tensor beats a 0-d one
        dt = b.dtype if a.ndim == 0 else a.dtype
    else:
        dt = np.promote_types(a.dtype, b.dtype)
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


def _broadcast_error(op, sa, sb):
    n = max(len(sa), len(sb))
    for i in range(1, n + 1):
        da = sa[-i] if i <= len(sa) else 1
        db = sb[-i] if i <= len(sb) else 1
        if da != db and da != 1 and db != 1:
            return RuntimeError(
                f"The size of tensor a ({da}) must match the size of tensor b ({db}) at "
                f"non-singleton dimension {n - i}: {op} got shapes {tuple(sa)} and {tuple(sb)}, "
                "which do not broadcast."
            )
    return RuntimeError(f"{op}: shapes {tuple(sa)} and {tuple(sb)} do not broadcast")


def _prep2(op, a, b):
    """Validate and promote the operands of a binary elementwise op."""
    if type(a) is ndarray:
        if type(b) is ndarray:
            if a.dtype != b.dtype:
                a, b = _promote(a, b)
            if a.shape != b.shape:
                try:
                    np.broadcast_shapes(a.shape, b.shape)
                except ValueError:
                    raise _broadcast_error(op, a.shape, b.shape) from None
        elif not isinstance(b, _generic):
            a, b = _with_scalar(op, a, b)
    elif type(b) is ndarray and not isinstance(a, _generic):
        b, a = _with_scalar(op, b, a)
    return a, b


def _dims(op, dim, ndim):
    """``dim`` (int, tuple or list) as a sorted tuple of non-negative axes, validated."""
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    n = max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(
                f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                f"but got {d})"
            )
        out.append(d % n if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim else ()


def _shape_arg(op, shape):
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{op}(): expected a shape of ints, got {shape!r}") from None


def _float(x):
    """Integer and bool inputs of float-valued ops compute in float32, as in PyTorch."""
    return x if x.dtype.kind == "f" else x.astype(np.float32)


# ----------------------------------------------------------------------------- dual helpers
# Used by the derivative formulas: ndarray in, ndarray out; Tensor in, recorded Tensor out.

def _is_raw(x):
    return not isinstance(x, Tensor)


def sum_to(g, shape, dtype=None):
    """Sum ``g`` over the axes it was broadcast along so it has ``shape`` (and ``dtype``)."""
    gshape = g.shape
    if gshape != shape:
        lead = len(gshape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1
        )
        if _is_raw(g):
            g = np.sum(g, axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)
        else:
            g = (g.sum(dim=axes, keepdim=True) if axes else g).reshape(shape)
    if dtype is not None:
        if _is_raw(g):
            if g.dtype != dtype:
                g = np.asarray(g).astype(dtype)
        elif g._data.dtype != dtype:
            g = g.to(_dtype_of(dtype))
    return g


def _dtype_of(npdtype):
    from ._dtypes import from_numpy
    return from_numpy(np.dtype(npdtype))


def expand(x, *shape):
    """Broadcast ``x`` to ``shape`` without copying (-1 keeps a size)."""
    shape = _shape_arg("expand", shape)
    if _is_raw(x):
        return np.broadcast_to(x, shape)
    return apply(EXPAND, (x,), (_expand_shape(x.shape, shape),))


def _keepdim(g, dims, keepdim, shape):
    """Put back the reduced axes of ``g`` (as size 1) so it broadcasts against ``shape``."""
    if keepdim or not shape:
        return g
    return g.reshape(tuple(1 if i in dims else s for i, s in enumerate(shape)))


def _numel(shape):
    return math.prod(shape)


def _pow_da(g, a, b):
    # d/da a**b = b * a**(b-1); PyTorch gives exactly 0 for b == 0 (no 0 * inf at a == 0)
    if not isinstance(b, (Tensor, ndarray, _generic)):
        return mul(g, 0) if b == 0 else mul(mul(g, b), pow(a, b - 1))
    return where(eq(b, 0), 0.0, mul(mul(g, b), pow(a, sub(b, 1))))


def _pow_db(g, a, b, out):
    # d/db a**b = a**b * log(a), taken as 0 where a == 0 and b >= 0 (PyTorch's convention)
    zero = logical_and(eq(a, 0), ge(b, 0))
    return where(zero, 0.0, mul(mul(g, out), log(a)))


# ----------------------------------------------------------------------------- forwards

# The numpy fallbacks run with floating-point warnings off: like PyTorch, inf - inf is
# nan without a RuntimeWarning. (The C fast path never warns.)
def _fwd_add(a, b):
    a, b = _prep2("add", a, b)
    with np.errstate(all="ignore"):
        return a + b


def _fwd_sub(a, b):
    a, b = _prep2("sub", a, b)
    if getattr(a, "dtype", None) == np.bool_ and getattr(b, "dtype", None) == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    with np.errstate(all="ignore"):
        return a - b


def _fwd_rsub(a, b):
    return SUB.forward(b, a)


def _fwd_mul(a, b):
    a, b = _prep2("mul", a, b)
    with np.errstate(all="ignore"):
        return a * b


def _is_float(v):
    return v.dtype.kind == "f" if isinstance(v, (ndarray, _generic)) else isinstance(v, float)


def _fwd_div(a, b):
    a, b = _prep2("div", a, b)
    if not _is_float(a) and not _is_float(b):   # true division of integers gives float32
        a = np.asarray(a, dtype=np.float32)
        b = np.asarray(b, dtype=np.float32) if isinstance(b, (ndarray, _generic)) else b
    with np.errstate(all="ignore"):
        return np.true_divide(a, b)


def _fwd_pow(a, b):
    a, b = _prep2("pow", a, b)
    with np.errstate(all="ignore"):
        return np.power(a, b)


def _fwd_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        if a.ndim <= 2 and b.ndim <= 2:
            sa = "x".join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))
            sb = "x".join(map(str, b.shape if b.ndim == 2 else b.shape + (1,)))
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb}): matmul needs the "
                f"last dimension of the first ({k_a}) to equal the "
                f"{'first' if b.ndim == 1 else 'second-to-last'} dimension of the second ({k_b})"
            )
        raise RuntimeError(
            f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied: the last dimension of "
            f"the first ({k_a}) must equal the second-to-last dimension of the second ({k_b})"
        )
    if a.dtype != b.dtype:
        a, b = _promote(a, b)
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise _broadcast_error("matmul (batch dimensions)", a.shape[:-2], b.shape[:-2]) from None
    return np.matmul(a, b)


def _unary_forward(name, fallback):
    """Forward of a float-valued unary op: the Cython kernel for float32/float64."""
    kind = K.UNARY[name]

    def forward(x):
        x = _float(x)
        if x.dtype.itemsize >= 4:
            return K.unary(kind, x)
        return fallback(x)
    forward.__name__ = f"_fwd_{name}"
    return forward


def _int_preserving(name, numpy_fn):
    """Forward of a unary op that keeps integer dtypes (neg, abs, relu)."""
    kind = K.UNARY[name]

    def forward(x):
        if x.dtype.kind == "f" and x.dtype.itemsize >= 4:
            return K.unary(kind, x)
        if x.dtype == np.bool_ and name == "neg":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported.")
        return numpy_fn(x)
    forward.__name__ = f"_fwd_{name}"
    return forward


def _fwd_sum(x, dims=None, keepdim=False):
    if x.dtype.kind in "biu":
        x = x.astype(np.int64)
    return np.sum(x, axis=dims, keepdims=keepdim)


def _fwd_mean(x, dims=None, keepdim=False):
    if x.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_dtype_of(x.dtype)}. Convert first: x.float().mean()."
        )
    count = _numel(x.shape) if dims is None else _numel(x.shape[d] for d in dims)
    s = np.sum(x, axis=dims, keepdims=keepdim)
    return s / x.dtype.type(count) if count else s * np.nan


def _fwd_reshape(x, shape):
    return x.reshape(shape)


def _fwd_transpose(x, d0, d1):
    return x.view() if d0 == d1 else np.swapaxes(x, d0, d1)


def _fwd_permute(x, dims):
    return np.transpose(x, dims)


def _fwd_expand(x, shape):
    return np.broadcast_to(x, shape)


def _fwd_to(x, dtype):
    return x.astype(dtype)


def _fwd_clone(x):
    return x.copy()


def _fwd_getitem(x, index):
    return x[index]


def _fwd_unindex(g, shape, index):
    # the adjoint of x[index]: scatter-add g into zeros (repeated indices accumulate)
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def _fwd_setitem(x, v, index):
    out = x.copy()
    out[index] = v
    return out


def _fwd_where(cond, a, b):
    if type(cond) is not ndarray or cond.dtype != np.bool_:
        raise TypeError("where(): condition must be a bool tensor")
    a, b = _prep2("where", a, b)
    return np.where(cond, a, b)


def _fwd_reciprocal(x):
    return _fwd_div(1.0, _float(x))


def _fwd_sign(x):
    return np.sign(x)


# ----------------------------------------------------------------------------- the table
# fmt: off
ADD      = defop("add", K.Binary("add", _fwd_add), lambda g, a, b, out: g,
                                             lambda g, a, b, out: g)
SUB      = defop("sub", K.Binary("sub", _fwd_sub), lambda g, a, b, out: g,
                                             lambda g, a, b, out: neg(g))
RSUB     = defop("rsub", _fwd_rsub,              lambda g, a, b, out: neg(g),
                                             lambda g, a, b, out: g,           grad_name="RsubBackward1")
MUL      = defop("mul", K.Binary("mul", _fwd_mul), lambda g, a, b, out: mul(g, b),
                                             lambda g, a, b, out: mul(g, a))
DIV      = defop("div", K.Binary("div", _fwd_div), lambda g, a, b, out: div(g, b),
                                             lambda g, a, b, out: neg(div(mul(g, out), b)))
POW      = defop("pow", _fwd_pow,            lambda g, a, b, out: _pow_da(g, a, b),
                                             None)
POW_TT   = defop("pow", _fwd_pow,            lambda g, a, b, out: _pow_da(g, a, b),
                                             lambda g, a, b, out: _pow_db(g, a, b, out), grad_name="PowBackward1")
POW_ST   = defop("pow", _fwd_pow,            None,
                                             lambda g, a, b, out: g * out * math.log(a), grad_name="PowBackward2")
RECIPROCAL = defop("reciprocal", _fwd_reciprocal, lambda g, x, out: neg(mul(g, mul(out, out))))
NEG      = defop("neg", K.Unary("neg", _int_preserving("neg", np.negative)),   lambda g, x, out: neg(g))
EXP      = defop("exp", K.Unary("exp", _unary_forward("exp", np.exp)),  lambda g, x, out: mul(g, out))
LOG      = defop("log", K.Unary("log", _unary_forward("log", np.log)),         lambda g, x, out: div(g, x))
SQRT     = defop("sqrt", K.Unary("sqrt", _unary_forward("sqrt", np.sqrt)), lambda g, x, out: div(g, mul(out, 2)))
SIN      = defop("sin", K.Unary("sin", _unary_forward("sin", np.sin)),  lambda g, x, out: mul(g, cos(x)))
COS      = defop("cos", K.Unary("cos", _unary_forward("cos", np.cos)),  lambda g, x, out: neg(mul(g, sin(x))))
TANH     = defop("tanh", K.Unary("tanh", _unary_forward("tanh", np.tanh)),      lambda g, x, out: _fused_backward("tanh", g, out))
SIGMOID  = defop("sigmoid", K.Unary("sigmoid", _unary_forward("sigmoid", None)),   lambda g, x, out: _fused_backward("sigmoid", g, out))
RELU     = defop("relu", K.Unary("relu", _int_preserving("relu", lambda x: np.maximum(x, 0))),
                                                               lambda g, x, out: _fused_backward("relu", g, out))
ABS      = defop("abs", K.Unary("abs", _int_preserving("abs", np.abs)), lambda g, x, out: mul(g, sign(x)))
SIGN     = defop("sign", _fwd_sign,                            lambda g, x, out: g * 0)
MM       = defop("mm", _fwd_matmul,          lambda g, a, b, out: _matmul_da(g, a, b),
                                             lambda g, a, b, out: _matmul_db(g, a, b))
MV       = defop("mv", _fwd_matmul,          *MM.derivs)
DOT      = defop("dot", _fwd_matmul,         *MM.derivs)
VM       = defop("vm", _fwd_matmul,          *MM.derivs, grad_name="SqueezeBackward4")
BMM      = defop("bmm", _fwd_matmul,         *MM.derivs, grad_name="UnsafeViewBackward0")
MM_BATCH = defop("mm_batch", _fwd_matmul,    *MM.derivs, grad_name="CloneBackward0")  # PyTorch's name for 2-D @ batch
SUM      = defop("sum", _fwd_sum,            lambda g, x, out: expand(g, x.shape))
SUM_DIM  = defop("sum", _fwd_sum,            lambda g, x, out, dims, keepdim: expand(_keepdim(g, dims, keepdim, x.shape), x.shape),
                                                                                grad_name="SumBackward1")
MEAN     = defop("mean", _fwd_mean,          lambda g, x, out: expand(g / max(_numel(x.shape), 1), x.shape))
MEAN_DIM = defop("mean", _fwd_mean,          lambda g, x, out, dims, keepdim: expand(
                                                 _keepdim(g, dims, keepdim, x.shape) / max(_numel(x.shape) // max(_numel(out.shape), 1), 1),
                                                 x.shape),                      grad_name="MeanBackward1")
VIEW     = defop("view", _fwd_reshape,       lambda g, x, out, shape: g.reshape(x.shape), view=True)
TRANSPOSE = defop("transpose", _fwd_transpose, lambda g, x, out, d0, d1: transpose(g, d0, d1), view=True)
T_OP     = defop("t", _fwd_transpose,        lambda g, x, out, d0, d1: transpose(g, d0, d1), view=True)
PERMUTE  = defop("permute", _fwd_permute,    lambda g, x, out, dims: permute(g, tuple(np.argsort(dims))), view=True)
EXPAND   = defop("expand", _fwd_expand,      lambda g, x, out, shape: g, view=True)
TO       = defop("to_copy", _fwd_to,         lambda g, x, out, dtype: g)
CLONE    = defop("clone", _fwd_clone,        lambda g, x, out: g)
WHERE    = defop("where", _fwd_where,        None,
                                             lambda g, c, a, b, out: where(c, g, 0.0),
                                             lambda g, c, a, b, out: where(c, 0.0, g))
SELECT   = defop("select", _fwd_getitem,     lambda g, x, out, index: _unindex(g, x.shape, index), view=True)
SLICE    = defop("slice", _fwd_getitem,      lambda g, x, out, index: _unindex(g, x.shape, index), view=True)
UNSQUEEZE_INDEX = defop("unsqueeze", _fwd_getitem, lambda g, x, out, index: _unindex(g, x.shape, index), view=True)
INDEX    = defop("index", _fwd_getitem,      lambda g, x, out, index: _unindex(g, x.shape, index))
UNINDEX  = defop("index_put", _fwd_unindex,  lambda g, x, out, shape, index: g[index])
SETITEM  = defop("setitem", _fwd_setitem,    lambda g, x, v, out, index: _zero_at(g, index),
                                             lambda g, x, v, out, index: g[index], grad_name="CopySlices")
# fmt: on


def _fused_backward(name, g, out):
    """g * (1 - out²) for tanh, g * out * (1 - out) for sigmoid, g * (out > 0) for relu:
    one Cython pass on arrays; the same formula as composed ops on Tensors."""
    if _is_raw(g) and _is_raw(out):
        if out.dtype.kind == "f" and out.dtype.itemsize >= 4:
            return K.unary_backward(K.UNARY_BACKWARD[name], g, out)
    if name == "tanh":
        return g * (1 - out * out)
    if name == "sigmoid":
        return g * out * (1 - out)
    return g * (out > 0)


def _matmul_da(g, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:                       # (..., n) = A(..., n, m) @ b(m)
        return matmul(g.reshape(g.shape + (1,)), b.reshape((1, b.shape[0])))
    if a.ndim == 1:                       # (..., p) = a(m) @ B(..., m, p)
        r = matmul(g.reshape(g.shape[:-1] + (1, g.shape[-1])), b.swapaxes(-1, -2))
        return r.reshape(r.shape[:-2] + (r.shape[-1],))
    return matmul(g, b.swapaxes(-1, -2))


def _matmul_db(g, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if b.ndim == 1:
        r = matmul(a.swapaxes(-1, -2), g.reshape(g.shape + (1,)))
        return r.reshape(r.shape[:-1])
    if a.ndim == 1:
        return matmul(a.reshape((a.shape[0], 1)), g.reshape(g.shape[:-1] + (1, g.shape[-1])))
    return matmul(a.swapaxes(-1, -2), g)


def _unindex(g, shape, index):
    if _is_raw(g):
        return _fwd_unindex(g, shape, index)
    return apply(UNINDEX, (g,), (shape, index))


def _zero_at(g, index):
    if _is_raw(g):
        out = np.array(g)
        out[index] = 0
        return out
    return setitem_(g.clone(), index, 0.0)


# ----------------------------------------------------------------------------- public functions

def _unary(op, doc):
    def fn(input):
        if isinstance(input, Tensor):
            return apply(op, (input,))
        if isinstance(input, (ndarray, _generic)):
            return op.forward(input)
        raise TypeError(f"{op.name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


exp = _unary(EXP, "e to the power of each element.\n\n>>> minigrad.exp(minigrad.tensor([0.0]))\ntensor([1.])")
log = _unary(LOG, "Natural logarithm of each element (-inf at 0, nan below).")
sqrt = _unary(SQRT, "Square root of each element.")
sin = _unary(SIN, "Sine of each element.\n\n>>> minigrad.sin(minigrad.tensor(0.0))\ntensor(0.)")
cos = _unary(COS, "Cosine of each element.")
tanh = _unary(TANH, "Hyperbolic tangent of each element.")
sigmoid = _unary(SIGMOID, "1 / (1 + exp(-x)) for each element, computed without overflow.")
relu = _unary(RELU, "max(x, 0) for each element.\n\n>>> minigrad.relu(minigrad.tensor([-1.0, 2.0]))\ntensor([0., 2.])")
abs = _unary(ABS, "Absolute value of each element (gradient sign(x), 0 at 0).")  # noqa: A001
neg = _unary(NEG, "-x for each element.")
negative = neg
sign = _unary(SIGN, "-1, 0 or 1 for each element (zero gradient).")


def _binary(op, doc):
    def fn(input, other):
        if isinstance(input, Tensor) or isinstance(other, Tensor):
            return apply(op, (input, other))
        return op.forward(input, other)
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


mul = multiply = _binary(MUL, "input * other, broadcasting.\n\n>>> minigrad.mul(minigrad.tensor([1.0, 2.0]), 3)\ntensor([3., 6.])")
div = divide = true_divide = _binary(DIV, "input / other (true division: integers give float32).")
_rsub = _binary(RSUB, "other - input")


def add(input, other, *, alpha=1):
    """input + alpha * other, broadcasting.

    >>> minigrad.add(minigrad.tensor([1.0, 2.0]), 1)
    tensor([2., 3.])
    """
    if alpha != 1:
        other = other * alpha
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        return apply(ADD, (input, other))
    return ADD.forward(input, other)


def sub(input, other, *, alpha=1):
    """input - alpha * other, broadcasting (``1 - x`` records RsubBackward1, as PyTorch)."""
    if alpha != 1:
        other = other * alpha
    if isinstance(input, Tensor):
        return apply(SUB, (input, other))
    if isinstance(other, Tensor):
        return apply(RSUB, (other, input))
    return SUB.forward(input, other)


subtract = sub


def pow(input, exponent):  # noqa: A001
    """input ** exponent; either may be a tensor or a number.

    >>> minigrad.pow(minigrad.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if isinstance(input, Tensor):
        return apply(POW_TT if isinstance(exponent, Tensor) else POW, (input, exponent))
    if isinstance(exponent, Tensor):
        if isinstance(input, (ndarray, _generic)):
            return apply(POW_TT, (_tape._from_array(np.asarray(input)), exponent))
        return apply(POW_ST, (input, exponent))
    return POW.forward(input, exponent)


def reciprocal(input):
    """1 / input (``2 / x`` is recorded as reciprocal then MulBackward0, as in PyTorch)."""
    return RECIPROCAL.forward(input) if _is_raw(input) else apply(RECIPROCAL, (input,))


def _rdiv(input, other):
    # other / input with a Python number ``other``
    return mul(reciprocal(input), other)


def matmul(input, other):
    """Matrix product with numpy/PyTorch semantics: vectors, matrices and batches.

    >>> minigrad.matmul(minigrad.ones(2, 3), minigrad.ones(3))
    tensor([3., 3.])
    """
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        if _is_raw(input) and _is_raw(other):
            return _fwd_matmul(np.asarray(input), np.asarray(other))
        raise TypeError(
            f"matmul(): both arguments must be Tensors, got {type(input).__name__} and "
            f"{type(other).__name__}"
        )
    na, nb = input.ndim, other.ndim
    if na == 2 and nb == 2:
        op = MM
    elif na == 2 and nb == 1:
        op = MV
    elif na == 1 and nb == 1:
        op = DOT
    elif na == 1 and nb == 2:
        op = VM
    elif na == 2 and nb > 2:
        op = MM_BATCH
    else:
        op = BMM
    return apply(op, (input, other))


mm = matmul


def where(condition, input, other):
    """Elements of ``input`` where ``condition`` is True, else of ``other``."""
    if isinstance(condition, Tensor):
        condition = condition._data
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        cond = _tape._from_array(np.asarray(condition))
        return apply(WHERE, (cond, input, other))
    return _fwd_where(np.asarray(condition), input, other)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):  # noqa: A001
    """Sum of all elements, or over ``dim`` (int or tuple), keeping it if ``keepdim``.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    dim = axis if dim is None else dim
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(SUM, (input,))
    return apply(SUM_DIM, (input,), (_dims("sum", dim, input.ndim), bool(keepdim)))


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Mean of all elements, or over ``dim`` (int or tuple), keeping it if ``keepdim``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).mean()
    tensor(2.)
    """
    dim = axis if dim is None else dim
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return apply(MEAN, (input,))
    return apply(MEAN_DIM, (input,), (_dims("mean", dim, input.ndim), bool(keepdim)))


def _infer_shape(op, shape, numel, old):
    shape = list(shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (got shape {tuple(shape)})")
    known = _numel(s for s in shape if s != -1)
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[unknown[0]] = numel // known
    if any(s < 0 for s in shape) or _numel(shape) != numel:
        raise RuntimeError(
            f"shape '{list(shape)}' is invalid for input of size {numel}: {op} cannot turn shape "
            f"{tuple(old)} ({numel} elements) into {tuple(shape)}"
        )
    return tuple(shape)


def reshape(input, *shape):
    """The same elements in a new shape (one size may be -1).

    >>> minigrad.arange(6).reshape(2, 3).shape
    minigrad.Size([2, 3])
    """
    shape = _shape_arg("reshape", shape)
    if _is_raw(input):
        return input.reshape(shape)
    data = input._data
    shape = _infer_shape("reshape", shape, data.size, data.shape)
    return apply(VIEW, (input,), (shape,))


def view(input, *shape):
    """Like reshape: the same elements in a new shape (shares memory)."""
    return reshape(input, *shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one."""
    shape = input.shape
    if not shape:
        return reshape(input, 1)
    s, e = _dims("flatten", start_dim, len(shape))[0], _dims("flatten", end_dim, len(shape))[0]
    return reshape(input, shape[:s] + (_numel(shape[s : e + 1]),) + shape[e + 1 :])


def transpose(input, dim0, dim1):
    """Swap two dimensions.

    >>> minigrad.ones(2, 3).transpose(0, 1).shape
    minigrad.Size([3, 2])
    """
    if _is_raw(input):
        return _fwd_transpose(input, dim0, dim1)
    n = input.ndim
    d0, d1 = (_dims("transpose", d, n)[0] if n else 0 for d in (dim0, dim1))
    return apply(TRANSPOSE, (input,), (d0, d1))


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a matrix (a vector or 0-d tensor comes back as a view of itself)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return apply(T_OP, (input,), (0, 1) if input.ndim == 2 else (0, 0))


def permute(input, *dims):
    """Reorder the dimensions.

    >>> minigrad.ones(2, 3, 4).permute(2, 0, 1).shape
    minigrad.Size([4, 2, 3])
    """
    dims = _shape_arg("permute", dims)
    if _is_raw(input):
        return np.transpose(input, dims)
    n = input.ndim
    norm = tuple(d % n if -n <= d < n else d for d in dims)
    if len(dims) != n or sorted(norm) != list(range(n)):
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal "
            f"to len(dims) = {len(dims)}" if len(dims) != n else
            f"permute(): dims {dims} is not a permutation of the {n} dimensions of shape {input.shape}"
        )
    return apply(PERMUTE, (input,), (norm,))


def _T(input):
    return apply(PERMUTE, (input,), (tuple(range(input.ndim))[::-1],))


def _expand_shape(old, shape):
    if len(shape) < len(old):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(old)})"
        )
    lead = len(shape) - len(old)
    out = []
    for i, s in enumerate(shape):
        cur = old[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = cur
        if cur is not None and cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(shape)}.  Tensor sizes: {list(old)}"
            )
        out.append(s)
    return tuple(out)


def expand_as(input, other):
    return expand(input, other.shape)


def to(input, *args, dtype=None, **kwargs):
    """A copy converted to ``dtype`` (``x.to(minigrad.float64)``); self if nothing changes.
    Conversions between float dtypes are differentiable."""
    from . import _dtypes
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif a is not None and not isinstance(a, str):
            dtype = a
    if dtype is None:
        return input       # device moves ("cpu") are no-ops
    npd = _dtypes.to_numpy(dtype)
    if input._data.dtype == npd:
        return input
    if input.requires_grad and npd.kind != "f":
        with _tape_no_grad():
            return apply(TO, (input,), (npd,))
    return apply(TO, (input,), (npd,))


class _tape_no_grad:
    def __enter__(self):
        self.prev = _tape._set_grad_enabled(False)

    def __exit__(self, *exc):
        _tape._set_grad_enabled(self.prev)


def type_as(input, other):
    return to(input, other.dtype)


def clone(input):
    """A copy that stays in the graph (gradient flows back unchanged)."""
    return apply(CLONE, (input,))


def contiguous(input):
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


def _index_arg(index):
    """Tensors inside an index become ndarrays; nested lists become arrays."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(_index_arg(i) for i in index)
    if isinstance(index, list):
        return np.asarray([i._data if isinstance(i, Tensor) else i for i in index])
    return index


def _index_op(index):
    """PyTorch names an indexing grad_fn after the last step it decomposes into."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, (ndarray, list)) for p in parts):
        return INDEX
    for p in reversed(parts):
        if isinstance(p, (int, np.integer)):
            return SELECT
        if p is None:
            return UNSQUEEZE_INDEX
        if isinstance(p, slice) and p != slice(None):
            return SLICE
    return SLICE


def getitem(input, index):
    index = _index_arg(index)
    try:
        return apply(_index_op(index), (input,), (index,))
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {tuple(input.shape)})") from None


def setitem_(input, index, value):
    """``input[index] = value`` in place (differentiable w.r.t. both)."""
    index = _index_arg(index)
    input._check_inplace()
    if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
        value = value.to(input.dtype)
    res = apply(SETITEM, (input, value), (index,))
    return _tape._rebase(input, res)


def setitem(input, index, value):
    setitem_(input, index, value)


# ----------------------------------------------------------------------------- in place

def inplace(fn, input, other):
    """``input op= other``: compute ``fn(input, other)`` and write it into ``input``."""
    input._check_inplace()
    res = fn(input, other)
    if res._data.shape != input._data.shape:
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape "
            f"{list(res.shape)}: an in-place {fn.__name__} cannot change a tensor's shape"
        )
    if res._data.dtype != input._data.dtype:
        if res._data.dtype.kind == "f" and input._data.dtype.kind != "f":
            raise RuntimeError(
                f"result type {res.dtype} can't be cast to the desired output type {input.dtype}"
            )
        res = res.to(input.dtype)
    return _tape._rebase(input, res)


def add_(input, other, *, alpha=1):
    """In-place ``input += alpha * other``."""
    return inplace(add, input, other if alpha == 1 else other * alpha)


def sub_(input, other, *, alpha=1):
    """In-place ``input -= alpha * other``."""
    return inplace(sub, input, other if alpha == 1 else other * alpha)


def mul_(input, other):
    """In-place ``input *= other``."""
    return inplace(mul, input, other)


def div_(input, other):
    """In-place ``input /= other``."""
    return inplace(div, input, other)


# ----------------------------------------------------------------------------- comparisons

def _compare(name, ufunc):
    def fn(input, other):
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        if type(a) is not ndarray and type(b) is not ndarray:
            return ufunc(a, b)
        a, b = _prep2(name, a, b)
        return _tape._from_array(np.asarray(ufunc(a, b)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` comparison, as a bool tensor (not differentiable)."
    return fn


eq = _compare("eq", np.equal)
ne = _compare("ne", np.not_equal)
lt = less = _compare("lt", np.less)
le = less_equal = _compare("le", np.less_equal)
gt = greater = _compare("gt", np.greater)
ge = greater_equal = _compare("ge", np.greater_equal)
logical_and = _compare("logical_and", np.logical_and)


def T(input):
    return _T(input)


# ----------------------------------------------------------------------------- Tensor methods

def _conv(dtype_name):
    def fn(self):
        from . import _dtypes
        return to(self, getattr(_dtypes, dtype_name))
    fn.__name__ = dtype_name
    return fn


METHODS.update(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div, true_divide=div,
    pow=pow, neg=neg, negative=neg, matmul=matmul, mm=matmul, exp=exp, log=log, sqrt=sqrt,
    sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu, abs=abs, sign=sign,
    reciprocal=reciprocal, sum=sum, mean=mean, reshape=reshape, view=view, flatten=flatten,
    transpose=transpose, swapaxes=transpose, swapdims=transpose, t=t, permute=permute,
    expand=expand, expand_as=expand_as, to=to, type_as=type_as, clone=clone,
    contiguous=contiguous, add_=add_, sub_=sub_, mul_=mul_, div_=div_, eq=eq, ne=ne, lt=lt,
    le=le, gt=gt, ge=ge, float=_conv("float32"), double=_conv("float64"), half=_conv("float16"),
    long=_conv("int64"), int=_conv("int32"), bool=_conv("bool_"),
)
