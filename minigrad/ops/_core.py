"""The machinery of the op table: ``defop``, and the checks every forward runs first.

``defop(name, forward, *derivatives)`` declares an op (see ``minigrad/ops/__init__.py``).
The helpers below validate and promote operands with PyTorch's rules (a float32 tensor
times a Python float stays float32; an int64 tensor plus 2.5 becomes float32) and build
the clear errors users see for bad shapes and dims.
"""

import functools
import inspect
import math
import operator
import os

import numpy as np

from .. import _batched, _dtypes, _tape
from .._tape import Op, OpNode, Tensor

ndarray = np.ndarray


_generic = np.generic


METHODS = {}  # Tensor methods: name -> function (filled by export, installed by _tape._set_ops)
PUBLIC = {}  # the namespace: minigrad.<name> -> function (filled by export, in declaration order)


def export(fn=None, *aliases, method=True, inplace=False, function=True, inplace_example=None):
    """Publish an op-table function where it is declared; returns ``fn`` (a decorator too).

    ``function``: as ``minigrad.<name>`` (and each alias); ``method``: as the Tensor method
    ``x.<name>(...)``, ``x`` its first argument; ``inplace``: also ``x.<name>_(...)``, which
    computes ``fn(x, ...)`` and writes it into ``x`` (version bump, history kept). This is the
    only list of the API: the namespace, the Tensor methods and the stubs are read from it.

    ``inplace_example``: the in-place form's example, ``(input, args, printed)``: the source of
    a tensor's data, the source of the call's arguments and what ``x.<name>_(args)`` prints
    (see ``_inplace_doc``). The printed text is written by hand and the doctests check it.

    >>> @export("double_it", inplace=True, inplace_example=("[1.0]", "", "tensor([2.])"))  # doctest: +SKIP
    ... def twice(input): return mul(input, 2)
    """
    if fn is None or isinstance(fn, str):
        names = aliases if fn is None else (fn, *aliases)
        return lambda f: export(
            f, *names, method=method, inplace=inplace, function=function, inplace_example=inplace_example
        )
    for name in (fn.__name__, *aliases):
        if function:
            PUBLIC[name] = _checked_input(fn)
        if method:
            METHODS[name] = fn
        if inplace:
            METHODS[name + "_"] = _inplace(fn, name, inplace_example)
    return fn


def export_method(name, fn=None):
    """A Tensor method whose form differs from the function's (``x.where(cond, y)`` is
    ``where(cond, x, y)``; ``x.float()``), or a property (``x.mH``): declared beside the
    function it serves; a decorator when ``fn`` is not given."""
    if fn is None:
        return lambda f: export_method(name, f)
    METHODS[name] = fn
    return fn


def _inplace(fn, name, example=None):
    def method(self, *args, **kwargs):
        from .elementwise import inplace

        return inplace(lambda a, _: fn(a, *args, **kwargs), self, None)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = _inplace_doc(fn, name, example)
    method.__wrapped__ = fn  # help() and inspect.signature show fn's parameters
    return method


def _inplace_doc(fn, name, example):
    """``x.<name>_``'s docstring: what it computes, named by ``fn``'s parameters, and the
    example ``(input, args, printed)``, written out as

        >>> x = minigrad.tensor(<input>)
        >>> x.<name>_(<args>)
        <printed>
        >>> x
        <printed>
    """
    code = inspect.unwrap(fn).__code__  # not inspect.signature: this runs at import, 81 times
    params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    if code.co_kwonlyargcount:
        params.insert(code.co_argcount, "*")
    first, call = params[0], ", ".join(params)
    doc = f"In-place version of :func:`{name}`: writes ``{name}({call})`` into ``{first}`` (this tensor)"
    doc += f" and returns it; the parameters are :func:`{name}`'s." if len(params) > 1 else " and returns it."
    if example is not None:
        data, args, printed = example
        doc += f"\n\n>>> x = minigrad.tensor({data})\n>>> x.{name}_({args})\n{printed}\n>>> x\n{printed}"
    return doc


def function_example(name, example):
    """``minigrad.<name>``'s example from the same ``(input, args, printed)`` as the in-place
    form's (``_unary``, ``_binary`` and ``_compare`` give one to both):

        >>> minigrad.<name>(minigrad.tensor(<input>), <args>)
        <printed>
    """
    data, args, printed = example
    return f">>> minigrad.{name}(minigrad.tensor({data}){', ' + args if args else ''})\n{printed}"


def unrecorded(fn, *operands):
    """The Tensor of an op that records nothing (a mask, a predicate: no derivative), ``fn``
    applied to the operands' arrays. Inside ``func.vmap`` a batched operand keeps the batch
    as the batch (numpy alone would broadcast a sample against the whole batch)."""
    if any(type(a) is _batched.BatchedTensor for a in operands):
        return _batched.raw_elementwise(fn, *operands)
    return _tape._from_array(np.asarray(fn(*[a._data if isinstance(a, Tensor) else a for a in operands])))


def refuse_batched(name, *operands):
    """Inside ``func.vmap``, an unrecorded op without a batching rule (nonzero and unique,
    whose result's shape depends on the data; histc, searchsorted) says so, instead of
    computing on the whole batch as if it were one sample."""
    if any(type(a) is _batched.BatchedTensor for a in operands):
        raise _batched.NoBatchingRule(
            f"vmap: {name} has no batching rule, so it cannot run inside vmap (minigrad never falls "
            "back to a loop over the batch); call it outside vmap"
        )


def _checked_input(fn):
    """``minigrad.sum(None)``: a TypeError naming the op, not an AttributeError from inside.
    Only functions whose first parameter is the input tensor get it, and only the failing
    path pays; Tensor methods call ``fn`` directly."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if (
        code is None
        or code.co_varnames[:1] not in (("input",), ("tensor",))
        or getattr(fn, "_checks_input", False)
    ):
        return fn

    @functools.wraps(fn)
    def checked(input, *args, **kwargs):
        try:
            return fn(input, *args, **kwargs)
        except AttributeError:
            if isinstance(input, Tensor) or isinstance(input, (ndarray, _generic)):
                raise
            raise TypeError(
                f"{fn.__name__}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
            ) from None

    return checked


# What the function transforms know of each op, from its ``defop`` entry (keyed by the Op):
#   KINDS[op]     "elementwise" (out[i] depends on in[i] only, broadcasting), "linear" (linear
#                 in all its tensor inputs together) or "multilinear" (linear in each one
#                 alone: matmul); forward mode and vmap derive their rules from the kind;
#   JVPS[op]      explicit forward derivatives, one per input: ``jvp(t, *inputs, out, *attrs)``;
#   BATCHING[op]  how the op maps over a leading batch dim: ``rule(args, attrs, batched)``.
ELEMENTWISE, LINEAR, MULTILINEAR = "elementwise", "linear", "multilinear"
KINDS, JVPS, BATCHING = {}, {}, {}


_READ_NONE, _READ_META, _READ_FULL = 0, 1, 2


_META_ATTRS = ("shape", "dtype", "ndim")


def _reads(fn, nin):
    """What derivative ``fn`` reads of each input (none / shape only / values) and of out."""
    import dis  # here, not at import: the first recording of each op runs this once

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


def defop(name, forward, *derivs, grad_name=None, view=False, kind=None, jvp=None, batch=None):
    """Declare an op: its forward, one derivative per input, and its grad_fn class; ``kind``,
    ``jvp`` and ``batch`` tell forward mode and vmap about it (see KINDS above)."""
    nin = len(derivs)

    def analyze():  # run by the Op when it is first recorded: import stays quick
        reads, reads_out = [], []
        for d in derivs:
            r, o = ((_READ_NONE,) * nin, False) if d is None else _reads(d, nin)
            reads.append(r)
            reads_out.append(o)
        return reads, reads_out

    grad_name = grad_name or _camel(name) + "Backward0"
    node_cls = type(grad_name, (OpNode,), {"__slots__": (), "__module__": "minigrad.autograd.graph"})
    op = Op(name, forward, derivs, analyze, None, node_cls, view)
    for table, value in ((KINDS, kind), (JVPS, jvp), (BATCHING, batch)):
        if value is not None:
            table[op] = value
    return op


try:  # numpy 2 keeps its floating-point error state in a context variable
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRSTATE

    with np.errstate(all="ignore"):
        _IGNORE_ALL = _ERRSTATE.get()
except (ImportError, AttributeError):  # pragma: no cover - another numpy: the public way
    _ERRSTATE = None


class quiet:
    """``with quiet():`` is ``with np.errstate(all="ignore"):`` (like PyTorch, inf - inf is
    nan without a RuntimeWarning) at a fraction of its cost: the op table's numpy fallbacks
    enter it on every call, and ``np.errstate`` builds a new error state each time (~1.5 µs,
    some 30 times in a small network's training step)."""

    __slots__ = ("_token", "_public")

    def __enter__(self):
        if _ERRSTATE is None:
            self._public = np.errstate(all="ignore")
            self._public.__enter__()
        else:
            self._token = _ERRSTATE.set(_IGNORE_ALL)

    def __exit__(self, *exc):
        if _ERRSTATE is None:
            self._public.__exit__(*exc)
        else:
            _ERRSTATE.reset(self._token)


_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


_DEFAULT_FOR_RANK = {1: np.dtype(np.int64), 2: np.dtype(np.float32)}


def _number(op, s):
    """A numpy scalar as the Python number PyTorch sees in it (issue 16): ``np.float64(2)``,
    ``np.longdouble(2)`` and even ``np.bool_`` act as Python floats, numpy integers as ints;
    complex and non-numeric scalars are refused naming the dtype (minigrad has no complex
    tensors, and a float128 read as float64 is garbage)."""
    kind = s.dtype.kind
    if kind in "fb":
        return float(s)
    if kind in "iu":
        return int(s)
    raise TypeError(
        f"{op}(): minigrad has no dtype for numpy's {s.dtype} (a {type(s).__name__} scalar); "
        "use a real number (minigrad has no complex tensors)"
    )


def _real(op, v):
    """A fill value, clamp bound or assigned number: a numpy scalar as its Python number, a
    complex one refused (numpy would drop the imaginary part with only a warning)."""
    if isinstance(v, _generic):
        return _number(op, v)
    if isinstance(v, complex):
        raise TypeError(f"{op}(): minigrad has no complex tensors, got {v!r}; use a real number")
    return v


def _scalar_rank(op, s):
    if isinstance(s, bool):
        return 0
    if isinstance(s, int):
        return 1
    if isinstance(s, float):
        return 2
    raise TypeError(
        f"{op}(): unsupported operand of type {type(s).__name__}; expected a Tensor or a Python "
        "number (convert lists and arrays with minigrad.tensor(...))"
    )


def _wrapped(op, s, dt, wrap):
    """A Python int for an integer array of dtype ``dt``: PyTorch casts it to ``dt``, wrapping
    (``int8 tensor * 200`` multiplies by -56); ops that refuse (pow, where) raise its error."""
    info = np.iinfo(dt)
    if info.min <= s <= info.max or not -(2**63) <= s < 2**63:
        return s  # fits, or too big for any integer dtype: numpy's OverflowError, as PyTorch's
    if not wrap:
        raise RuntimeError(f"{op}: value {s} cannot be converted to type {dt} without overflow")
    span = info.max - info.min + 1
    return (s - info.min) % span + info.min


def _with_scalar(op, arr, s, wrap=True):
    """PyTorch's promotion for tensor (op) Python number: the tensor's dtype unless the
    number is of a higher kind (a float with an int tensor gives float32)."""
    if isinstance(s, _generic):
        s = _number(op, s)
    rank, arr_rank = _scalar_rank(op, s), _RANK.get(arr.dtype.kind)
    if arr_rank is None:
        _known(op, arr)
    if rank > arr_rank:
        arr = arr.astype(_DEFAULT_FOR_RANK[rank])
    elif rank == 1 and arr.dtype.kind in "iu":
        s = _wrapped(op, s, arr.dtype, wrap)
    return arr, s


def _promote(a, b):
    """PyTorch's promotion for two tensors of different dtypes."""
    ra, rb = _RANK[a.dtype.kind], _RANK[b.dtype.kind]
    if ra != rb:
        dt = a.dtype if ra > rb else b.dtype
    elif (a.ndim == 0) != (b.ndim == 0):  # a dimensioned tensor beats a 0-d one
        dt = b.dtype if a.ndim == 0 else a.dtype
    else:
        dt = np.promote_types(a.dtype, b.dtype)
    with np.errstate(all="ignore"):  # 1e39 in float32 is inf, silently
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


def _known(op, a):
    """An array operand (a raw ndarray reaches ops through the function forms) of a dtype
    minigrad can name: float128 or complex would give a tensor whose ``.dtype`` raises."""
    if a.dtype not in _dtypes._FROM_NUMPY:
        raise TypeError(f"{op}(): minigrad has no dtype for numpy's {a.dtype}; convert the array first")


def _prep2(op, a, b, wrap=True):
    """Validate and promote the operands of a binary elementwise op. A numpy scalar counts as
    the Python number it holds (PyTorch's rule, issue 16); ``wrap=False`` refuses an int
    that does not fit an integer tensor's dtype instead of wrapping it."""
    if type(a) is ndarray:
        if type(b) is ndarray:
            if a.dtype != b.dtype:
                _known(op, a)
                _known(op, b)
                a, b = _promote(a, b)
            if a.shape != b.shape:
                try:
                    np.broadcast_shapes(a.shape, b.shape)
                except ValueError:
                    raise _broadcast_error(op, a.shape, b.shape) from None
        else:
            a, b = _with_scalar(op, a, b, wrap)
    elif type(b) is ndarray:
        b, a = _with_scalar(op, b, a, wrap)
    return a, b


def _int(op, v, what="dim"):
    """An integer argument: a Python or numpy int, or an integer tensor of one element (anything
    with ``__index__``, as in PyTorch); floats and strings are refused with a TypeError."""
    try:
        return operator.index(v)
    except TypeError:
        if hasattr(v, "__index__"):
            raise  # a tensor's own message (PyTorch's): not an integer tensor
        raise TypeError(f"{op}(): argument '{what}' must be int, not {type(v).__name__}") from None


def _ints(op, v, what="dim"):
    """One int or a sequence of them, as a tuple of ints (``dims`` of flip, ``shifts`` of roll)."""
    if type(v) is int:
        return (v,)
    if isinstance(v, (tuple, list)):
        return tuple(_int(op, d, what) for d in v)
    return (_int(op, v, what),)


def _dims(op, dim, ndim):
    """``dim`` (int, tuple or list) as a sorted tuple of non-negative axes, validated."""
    dims = _ints(op, dim)
    n = max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(
                f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
            )
        out.append(d % n if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim else ()


def _dim1(op, dim, ndim):
    """One ``dim``, validated (a 0-d tensor takes only -1 and 0, as in PyTorch), as an axis."""
    dims = _dims(op, dim, ndim)
    return dims[0] if ndim else 0


def _shape_arg(op, shape):
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"{op}(): expected a shape of ints, got {shape!r}") from None


def numpy_keywords(fn):
    """Accept numpy's ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``, as PyTorch does
    for its reductions; giving both spellings is PyTorch's TypeError."""

    @functools.wraps(fn)
    def aliased(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            for alias, name in (("axis", "dim"), ("keepdims", "keepdim")):
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(
                            f"{aliased.__name__}() got an unexpected keyword argument '{alias}' "
                            f"(it is another spelling of '{name}', which is given too)"
                        )
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    sig = inspect.signature(fn)
    extra = [
        inspect.Parameter(alias, inspect.Parameter.KEYWORD_ONLY, default=None)
        for alias, name in (("axis", "dim"), ("keepdims", "keepdim"))
        if name in sig.parameters
    ]
    aliased.__signature__ = sig.replace(parameters=[*sig.parameters.values(), *extra])
    return aliased


def _float(x):
    """Integer and bool inputs of float-valued ops compute in float32, as in PyTorch."""
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _is_raw(x):
    return not isinstance(x, Tensor)


def _dtype_of(npdtype):
    return _dtypes.from_numpy(np.dtype(npdtype))


def _numel(shape):
    return math.prod(shape)


_INT64_MAX = 2**63 - 1


def _memory_bytes():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not a POSIX system
        return _INT64_MAX


_MEMORY = _memory_bytes()


def _check_alloc(op, count, itemsize, what, why):
    """Refuse, before any kernel runs, a buffer of ``count`` elements (a Python int, computed
    exactly: C products of sizes wrap) that cannot exist here: more bytes than int64 holds or
    than this machine's memory (issue 16). PyTorch's allocator raises RuntimeError for these."""
    nbytes = count * itemsize
    if nbytes > min(_MEMORY, _INT64_MAX):
        raise RuntimeError(
            f"{op}: {why} asks for {what} of {count} elements ({nbytes / 2**30:.4g} GiB), more "
            f"than this machine's memory ({_MEMORY / 2**30:.4g} GiB): can't allocate memory; use "
            "smaller sizes"
        )


def _is_float(v):
    return v.dtype.kind == "f" if isinstance(v, (ndarray, _generic)) else isinstance(v, float)


# ----------------------------------------------------------------------------- the engine's helper
# The bottom of the op table: the tape calls it (OpsDoor.sum_to) to undo broadcasting, once,
# for every op, rather than each derivative doing it.


def sum_to(g, shape, dtype=None):
    """Sum ``g`` over the axes it was broadcast along so it has ``shape`` (and ``dtype``)."""
    gshape = g.shape
    if gshape != shape:
        lead = len(gshape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1
        )
        if _is_raw(g):
            g = np.add.reduce(g, axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)
        else:
            g = (g.sum(dim=axes, keepdim=True) if axes else g).reshape(shape)
    if dtype is not None:
        if _is_raw(g):
            if g.dtype != dtype:
                g = np.asarray(g).astype(dtype)
        elif g._data.dtype != dtype:
            g = g.to(_dtype_of(dtype))
    return g
