# The door back into the op table: what the tape calls in minigrad.ops (operators,
# indexing, sum_to), filled once by _set_ops; and the op-table functions made Tensor methods.
# A chapter of _tape.pyx (included there: one module, no call overhead).

from cpython.ref cimport PyObject

cdef extern from "Python.h":
    ctypedef struct _TypeWithDict "PyTypeObject":
        PyObject* tp_dict
    void PyType_Modified(_TypeWithDict*)


# what an OpsDoor is filled with: minigrad.ops.<name> for each (sum_to from ops._core)
_DOOR = ("add", "sub", "mul", "div", "_rdiv", "pow", "matmul", "neg", "abs", "inplace",
         "remainder", "_rremainder", "floor_divide", "bitwise_and", "bitwise_or", "bitwise_xor",
         "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "eq", "ne", "lt", "le", "gt", "ge",
         "getitem", "setitem", "T", "transpose",
         "sum_to", "ADD", "SUB", "RSUB", "MUL", "DIV")
_DOOR_OPS = ("ADD", "SUB", "RSUB", "MUL", "DIV")


cdef class OpsDoor:
    pass


def _set_ops(module):
    """Called once by minigrad/__init__.py with the op table (minigrad.ops).

    Fills the door (``_ops``: see ``OpsDoor`` in _tape.pxd), refusing a table that lacks an
    entry, and makes every function in ``module.METHODS`` a real method of Tensor
    (``x.exp()``, ``x.sum(dim=1)``): the function is declared once, in the op table, and
    serves both ``minigrad.exp(x)`` and ``x.exp()``. Extension types are immutable from
    Python, so the methods are put into the type's dict at C level.
    """
    global _ops
    missing = [n for n in _DOOR if not (isinstance(getattr(module, n, None), Op) if n in _DOOR_OPS
                                        else callable(getattr(module, n, None)))]
    if missing:
        raise ImportError(f"the op table lacks what the tape calls back: {', '.join(missing)}")
    cdef OpsDoor d = OpsDoor.__new__(OpsDoor)
    d.add, d.sub, d.mul, d.div, d.rdiv = module.add, module.sub, module.mul, module.div, module._rdiv
    d.pow, d.matmul, d.neg, d.abs = module.pow, module.matmul, module.neg, module.abs
    d.inplace = module.inplace
    d.remainder, d.rremainder, d.floor_divide = module.remainder, module._rremainder, module.floor_divide
    d.bitwise_and, d.bitwise_or = module.bitwise_and, module.bitwise_or
    d.bitwise_xor, d.bitwise_not = module.bitwise_xor, module.bitwise_not
    d.lshift, d.rshift = module.bitwise_left_shift, module.bitwise_right_shift
    d.eq, d.ne, d.lt, d.le, d.gt, d.ge = module.eq, module.ne, module.lt, module.le, module.gt, module.ge
    d.getitem, d.setitem, d.T, d.transpose = module.getitem, module.setitem, module.T, module.transpose
    d.sum_to = module.sum_to
    d.ADD, d.SUB, d.RSUB, d.MUL, d.DIV = module.ADD, module.SUB, module.RSUB, module.MUL, module.DIV
    _ops = d
    cdef dict tp_dict = <dict>(<_TypeWithDict*>Tensor).tp_dict
    for name, fn in module.METHODS.items():
        if name not in tp_dict:
            tp_dict[name] = fn
    PyType_Modified(<_TypeWithDict*>Tensor)
