"""``minigrad.linalg``: PyTorch's torch.linalg for real tensors.

The decompositions and matrix functions with their own derivative live in the op table
(``ops/decompositions.py``); the norms, powers, pseudo-inverse and ranks here are written
from them and from the reductions, so their gradients come for free.
"""

import math

import numpy as np

from . import _tape
from .ops import abs, amax, amin, matmul, reshape, sum  # noqa: A004
from .ops import cross as _cross
from .ops import norm as _norm
from .ops.decompositions import _float_input, _mT, _square, cholesky, det, eigh, inv, qr, slogdet, solve, svd  # noqa: F401


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The ``ord``-norm of x flattened (or over ``dim``): 2 by default, inf, -inf, 0 and any p.

    ``x``: a floating tensor; ``ord``: the order (0 counts the non-zero elements); ``dim``: an
    int or a tuple (None: all elements); ``keepdim``: keep reduced dims as size 1;
    ``dtype``: convert to it first.

    >>> x = minigrad.tensor([3.0, -4.0])
    >>> minigrad.linalg.vector_norm(x), minigrad.linalg.vector_norm(x, ord=float("inf"))
    (tensor(5.), tensor(4.))
    """
    _float_input("vector_norm", x)
    if dtype is not None:
        x = x.to(dtype)
    if ord == 0:
        return (x != 0).to(x.dtype).sum(dim=dim, keepdim=keepdim)
    return _norm(x, p=float(ord), dim=dim, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False):
    """'fro', 'nuc', 2, -2, 1, -1, inf or -inf norm of each matrix.

    ``A``: (..., m, n), floating; ``ord``: the norm (``"fro"`` the default; 2 and -2 the
    largest and smallest singular value, 1 / inf the largest column / row sum of
    magnitudes); ``dim``: the two dims of the matrices; ``keepdim``: keep them as size 1.

    >>> A = minigrad.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> minigrad.linalg.matrix_norm(A, ord=1), minigrad.linalg.matrix_norm(A, ord=float("inf"))
    (tensor(6.), tensor(7.))
    """
    _float_input("matrix_norm", A)
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions (got {tuple(A.shape)})"
        )
    d0, d1 = (d % A.ndim for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if A.numel() == 0 and ord in ("nuc", 1, 2, math.inf):  # a max or sum of none: 0, as PyTorch
        return abs(A).sum(dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        s = svdvals(A.permute(rest + [d0, d1]))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        return _keep(out, A, (d0, d1)) if keepdim else out
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
        col = abs(A).sum(dim=inner, keepdim=True)
        pick = amax if ord > 0 else amin
        out = pick(col, outer, True)
        return out if keepdim else reshape(out, tuple(s for i, s in enumerate(A.shape) if i not in (d0, d1)))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def _keep(out, A, dims):
    shape = tuple(1 if i in dims else s for i, s in enumerate(A.shape))
    return reshape(out, shape)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """vector_norm for vectors (or one ``dim``), matrix_norm for matrices (or two ``dim``s).

    ``A``: a floating tensor; ``ord``: None (the 2-norm of the flattened input, or Frobenius),
    a number, or a matrix norm's name (``"fro"``, ``"nuc"``); ``dim``: an int or two dims;
    ``keepdim``: keep reduced dims as size 1; ``dtype``: convert to it first.

    >>> minigrad.linalg.norm(minigrad.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    if dtype is not None:
        A = A.to(dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim)
    if (dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2):
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim)
    if isinstance(ord, str):
        raise RuntimeError(
            f"linalg.norm: ord={ord!r} needs a 2-D input or two dims, got shape {tuple(A.shape)}"
        )
    return vector_norm(A, ord, dim, keepdim)


def svdvals(A):
    """The singular values of each matrix, in descending order.

    ``A``: (..., m, n), floating; returns (..., min(m, n)).

    >>> minigrad.linalg.svdvals(minigrad.tensor([[0.0, 2.0], [3.0, 0.0]]))
    tensor([3., 2.])
    """
    return svd(A, full_matrices=False).S


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of symmetric matrices, ascending.

    ``A``: (..., n, n), symmetric; ``UPLO``: ``"L"`` or ``"U"``, the triangle that is read.

    >>> minigrad.linalg.eigvalsh(minigrad.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    return eigh(A, UPLO).eigenvalues


def matrix_power(A, n):
    """A @ A @ ... (n times); the identity for n = 0, powers of inv(A) for n < 0.

    ``A``: (..., m, m), square and floating (PyTorch also takes integer matrices); ``n``: an int.

    >>> minigrad.linalg.matrix_power(minigrad.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    _square("matrix_power", A)
    if not isinstance(n, int):
        raise TypeError(f"linalg.matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape)
        return _tape._from_array(eye.copy())
    base = inv(A) if n < 0 else A
    result = None
    for _ in range(n if n > 0 else -n):
        result = base if result is None else matmul(result, base)
    return result


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse, from the SVD (singular values below the tolerance
    count as 0).

    ``A``: (..., m, n), floating; ``atol``, ``rtol``: the absolute and relative (to the
    largest singular value) tolerances, as in PyTorch; ``hermitian``: accepted (the SVD is
    used either way).

    >>> minigrad.linalg.pinv(minigrad.tensor([[1.0, 0.0], [0.0, 0.0]]))
    tensor([[1., 0.],
            [0., 0.]])
    """
    u, s, vh = svd(A, full_matrices=False)
    tol = _tolerance(A, s, atol, rtol)
    keep = _tape._from_array(s._data > tol)
    s_inv = (1 / (s + (~keep).to(s.dtype))) * keep.to(s.dtype)
    return matmul(_mT(vh) * s_inv.unsqueeze(-2), _mT(u))


def _tolerance(A, s, atol, rtol):
    smax = s._data.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s._data.dtype)
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else max(A.shape[-2:]) * np.finfo(s._data.dtype).eps
    return np.maximum(0.0 if atol is None else atol, rtol * smax)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """How many singular values are above the tolerance (int64, not differentiable).

    ``A``: (..., m, n), floating; ``atol``, ``rtol``: the absolute and relative (to the
    largest singular value) tolerances; ``hermitian``: accepted (the SVD is used either way).

    >>> minigrad.linalg.matrix_rank(minigrad.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    s = svdvals(A)
    return _tape._from_array((s._data > _tolerance(A, s, atol, rtol)).sum(-1).astype(np.int64))


def cross(input, other, *, dim=-1):
    """The cross product along ``dim`` (-1 by default, unlike torch.cross).

    ``input``, ``other``: tensors broadcast together, of size 3 along ``dim``; ``dim``: the
    dim of the vectors.

    >>> minigrad.linalg.cross(minigrad.tensor([[0.0, 1.0, 0.0]]), minigrad.tensor([[0.0, 0.0, 1.0]]))
    tensor([[1., 0., 0.]])
    """
    return _cross(input, other, dim)


def multi_dot(tensors):
    """The product of a chain of matrices (first and last may be vectors).

    ``tensors``: a sequence of 2-D tensors (the first and last may be 1-D), multiplied left
    to right (PyTorch picks the cheapest order; the result is the same up to rounding).

    >>> minigrad.linalg.multi_dot([minigrad.ones(2, 3), minigrad.ones(3, 4), minigrad.ones(4)])
    tensor([12., 12.])
    """
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def vecdot(x, y, *, dim=-1):
    """The dot product along ``dim``.

    ``x``, ``y``: tensors broadcast together; ``dim``: the dim summed over.

    >>> minigrad.linalg.vecdot(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]), minigrad.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    return sum(x * y, dim=dim)
