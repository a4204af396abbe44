"""Matrix products: ``matmul`` in all its numpy/PyTorch cases (matrix, vector, batch).

BLAS does the work (through numpy). The derivatives are matmuls against transposed
*views*, so the backward of a big product costs two more BLAS calls and no copies.
"""

import math

import numpy as np

from .. import _threads as gemm  # np.matmul/np.dot, on one BLAS thread when small
from .._tape import Tensor, apply
from . import _batching as B
from ._core import MULTILINEAR, _broadcast_error, _is_raw, defop, export


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
        # PyTorch refuses rather than promotes (issue 17: a float64 input to a float32 layer
        # silently ran in float64 here)
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype} (matmul of "
            f"shapes {a.shape} and {b.shape}): convert one first, e.g. x.float() or x.to(w.dtype)"
        )
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise _broadcast_error("matmul (batch dimensions)", a.shape[:-2], b.shape[:-2]) from None
    if a.ndim == 2 and b.ndim == 2:
        return gemm.dot(a, b)  # BLAS for every 2-D case; np.matmul skips it for outer products
    if b.ndim == 2 and a.ndim > 2:
        # a stack of matrices times one matrix is one GEMM on the stack seen as rows: numpy's
        # matmul makes one small GEMM per matrix instead (a linear layer's backward on
        # (B, T, C) took 2x longer so, measured in benchmarks/bench_gpt.py)
        return gemm.dot(a.reshape(math.prod(a.shape[:-1]), k_a), b).reshape(a.shape[:-1] + b.shape[1:])
    return gemm.matmul(a, b)


# ----------------------------------------------------------------------------- the table
# fmt: off
MM       = defop("mm", _fwd_matmul,          lambda g, a, b, out: _matmul_da(g, a, b),
                                             lambda g, a, b, out: _matmul_db(g, a, b), kind=MULTILINEAR, batch=B.matmul)
MV       = defop("mv", _fwd_matmul,          *MM.derivs, kind=MULTILINEAR, batch=B.matmul)
DOT      = defop("dot", _fwd_matmul,         *MM.derivs, kind=MULTILINEAR, batch=B.matmul)
VM       = defop("vm", _fwd_matmul,          *MM.derivs, grad_name="SqueezeBackward4", kind=MULTILINEAR, batch=B.matmul)
BMM      = defop("bmm", _fwd_matmul,         *MM.derivs, grad_name="UnsafeViewBackward0", kind=MULTILINEAR, batch=B.matmul)
MM_BATCH = defop("mm_batch", _fwd_matmul,    *MM.derivs, grad_name="CloneBackward0", kind=MULTILINEAR, batch=B.matmul)  # PyTorch's name for 2-D @ batch
# fmt: on


def _matmul_da(g, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:  # (..., n) = A(..., n, m) @ b(m)
        return matmul(g.reshape(g.shape + (1,)), b.reshape((1, b.shape[0])))
    if a.ndim == 1:  # (..., p) = a(m) @ B(..., m, p)
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


@export
def matmul(input, other):
    """Matrix product with numpy/PyTorch semantics: vectors, matrices and batches.

    ``input``, ``other``: 1-D (a vector: a dim added, then removed), 2-D, or batches of
    matrices whose leading dims broadcast. ``a @ b`` calls it.

    >>> minigrad.matmul(minigrad.ones(2, 3), minigrad.ones(3))
    tensor([3., 3.])
    >>> minigrad.matmul(minigrad.ones(5, 2, 3), minigrad.ones(3, 4)).shape
    minigrad.Size([5, 2, 4])
    """
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        if _is_raw(input) and _is_raw(other):
            return _fwd_matmul(np.asarray(input), np.asarray(other))
        raise TypeError(
            f"matmul(): both arguments must be Tensors, got {type(input).__name__} and {type(other).__name__}"
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


@export
def mm(input, mat2):
    """Product of two matrices (2-D tensors only; ``matmul`` takes vectors and batches).

    ``input``: (n, m); ``mat2``: (m, p).

    >>> minigrad.mm(minigrad.ones(2, 3), minigrad.ones(3, 4)).shape
    minigrad.Size([2, 4])
    """
    for name, x in (("self", input), ("mat2", mat2)):
        if isinstance(x, Tensor) and x.ndim != 2:
            raise RuntimeError(
                f"{name} must be a matrix (mm expects 2-D tensors, got a {x.ndim}-D "
                f"{name} of shape {tuple(x.shape)}; use matmul for vectors and batches)"
            )
    return matmul(input, mat2)
