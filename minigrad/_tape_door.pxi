# The door back into the op table: what the tape calls in minigrad.ops (operators,
# indexing, sum_to), filled once by _set_ops; and the op-table functions made Tensor methods.
# A chapter of _tape.pyx (included there: one module, no call overhead).

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
