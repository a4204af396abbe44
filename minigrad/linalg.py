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
    """The ``ord``-norm of x flattened (or over ``dim``): 2 by default, inf, -inf, 0 and any p."""
    _float_input("vector_norm", x)
    if dtype is not None:
        x = x.to(dtype)
    if ord == 0:
        return (x != 0).to(x.dtype).sum(dim=dim, keepdim=keepdim)
    return _norm(x, p=float(ord), dim=dim, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False):
    """'fro', 'nuc', 2, -2, 1, -1, inf or -inf norm of each matrix."""
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
    """vector_norm for vectors (or one ``dim``), matrix_norm for matrices (or two ``dim``s)."""
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
    """The singular values of each matrix, in descending order."""
    return svd(A, full_matrices=False).S


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of symmetric matrices, ascending."""
    return eigh(A, UPLO).eigenvalues


def matrix_power(A, n):
    """A @ A @ ... (n times); the identity for n = 0, powers of inv(A) for n < 0."""
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
    count as 0)."""
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
    """How many singular values are above the tolerance (int64, not differentiable)."""
    s = svdvals(A)
    return _tape._from_array((s._data > _tolerance(A, s, atol, rtol)).sum(-1).astype(np.int64))


def cross(input, other, *, dim=-1):
    """The cross product along ``dim`` (-1 by default, unlike torch.cross)."""
    return _cross(input, other, dim)


def multi_dot(tensors):
    """The product of a chain of matrices (first and last may be vectors)."""
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def vecdot(x, y, *, dim=-1):
    """The dot product along ``dim``."""
    return sum(x * y, dim=dim)
