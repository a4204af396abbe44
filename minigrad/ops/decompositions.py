"""Matrix functions and decompositions: inv, det, slogdet, solve, cholesky, qr, svd, eigh.

Forwards go through numpy (LAPACK), over any leading batch dims; derivatives are PyTorch's
formulas (real case), written with the op vocabulary so they also run under create_graph.

An op has one output, so a decomposition with several (Q and R, U S Vh, eigenvalues and
vectors) is one op whose output is all of them *packed* into one flat array; the caller
slices the pieces out as views. Backward then hands the op one packed gradient, zeros where
a piece was not used, and its derivative unpacks it and applies the joint formula (the
gradient of svd needs gU, gS and gVh together).
"""

import collections
import math

import numpy as np

from .. import _tape
from .._tape import Tensor, apply
from ._core import _is_raw, defop, export
from .elementwise import add, div, mul, neg, sub
from .linalg import matmul
from .shape import expand, transpose, tril

_SLOGDET = collections.namedtuple("slogdet", "sign logabsdet")
_EIGH = collections.namedtuple("eigh", "eigenvalues eigenvectors")
_SVD = collections.namedtuple("svd", "U S Vh")
_QR = collections.namedtuple("qr", "Q R")


def _mT(x):
    return transpose(x, -1, -2)


def _square(op, a):
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{op}(): argument 'A' must be Tensor, not {type(a).__name__}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"linalg.{op}: A must be batches of square matrices, but they are {tuple(a.shape[-2:])} matrices "
            f"(input of shape {tuple(a.shape)})"
        )
    _float_input(op, a)


def _float_input(op, a):
    if a.dtype.numpy.kind != "f":
        raise RuntimeError(
            f"linalg.{op}: Expected a floating point tensor as input. Got {a.dtype.name} (convert with .float())"
        )


def _lapack(op, fn, *arrays):
    try:
        with np.errstate(all="ignore"):
            return fn(*arrays)
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f"linalg.{op}: {e} (the input is singular or not positive-definite)") from None


def _np_svd(a, full_matrices):
    """numpy's svd, guarded: LAPACK's gesdd can loop forever on an infinite entry, so a NaN
    raises PyTorch's error and a matrix with an inf (no NaN) gets NaN factors (PyTorch's S is
    NaN there)."""
    finite = np.isfinite(a)
    if not finite.all():
        if np.isnan(a).any():
            raise RuntimeError(
                "linalg.svd: The algorithm failed to converge because the input matrix contained non-finite values."
            )
        # only the matrices with an inf: the others of a batch keep their factors
        bad = ~finite.all(axis=(-2, -1))
        out = _lapack("svd", np.linalg.svd, np.where(bad[..., None, None], 0, a), full_matrices)
        for f in out:
            f[bad] = np.nan
        return out
    return _lapack("svd", np.linalg.svd, a, full_matrices)


def _diag_embed(v):
    """(..., n) -> (..., n, n) with v on the diagonal (differentiable: a product with the identity)."""
    n = v.shape[-1]
    eye = np.eye(n, dtype=v.dtype if isinstance(v, np.ndarray) else v.dtype.numpy)
    return mul(expand(_unsqueeze(v, -1), tuple(v.shape) + (n,)), eye)


def _unsqueeze(v, d):
    shape = tuple(v.shape)
    d = d % (len(shape) + 1)
    return v.reshape(shape[:d] + (1,) + shape[d:])


def _diagonal(m):
    """The diagonal of each matrix (differentiable: a masked sum)."""
    n = m.shape[-1]
    return mul(m, np.eye(n, dtype=m.dtype if isinstance(m, np.ndarray) else m.dtype.numpy)).sum(-1)


def _pack(*arrays):
    return np.concatenate([np.ascontiguousarray(a).reshape(-1) for a in arrays])


def _unpack(g, shapes):
    out, start = [], 0
    for shape in shapes:
        n = math.prod(shape)
        out.append(g[start : start + n].reshape(shape))
        start += n
    return out


def _pieces(op, a, shapes, attrs=()):
    packed = apply(op, (a,), attrs)
    return _unpack(packed, shapes)


# ----------------------------------------------------------------------------- inv, det, solve


def _nan_where_nan(a, out):
    """NaN for each matrix of ``a`` that holds a NaN: every entry of its inverse (or solution)
    depends on every entry of it. PyTorch's LU gives that; numpy's pivoting can leave some
    rows finite."""
    nan = np.isnan(a).any(axis=(-2, -1))
    if nan.any():
        out[np.broadcast_to(nan, out.shape[:-2])] = np.nan
    return out


def _fwd_inv(a):
    return _nan_where_nan(a, _lapack("inv", np.linalg.inv, a))


def _fwd_det(a):
    return np.asarray(np.linalg.det(a)).astype(a.dtype)


def _fwd_logabsdet(a):
    return np.asarray(np.linalg.slogdet(a)[1]).astype(a.dtype)


def _fwd_solve(a, b, vector):
    bb = b[..., None] if vector else b
    x = _nan_where_nan(a, _lapack("solve", _solve, a, bb))
    return x[..., 0] if vector else x


def _solve(a, b):
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.linalg.solve(np.broadcast_to(a, shape + a.shape[-2:]), np.broadcast_to(b, shape + b.shape[-2:]))


def _solve_da(g, a, b, out, vector):
    gb = _solve_db(g, a, b, out, vector)
    if vector:
        return neg(matmul(_unsqueeze(gb, -1), _unsqueeze(out, -2)))
    return neg(matmul(gb, _mT(out)))


def _solve_db(g, a, b, out, vector):
    return solve_raw(_mT(a), g, vector)


def solve_raw(a, b, vector):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return apply(SOLVE, (a, b), (vector,))
    return _fwd_solve(a, b, vector)


def _det_grad(g, a, out):
    # d det / dA = det * inv(A)^T, the cofactor matrix
    if _is_raw(a):
        try:
            return mul(_unsqueeze(_unsqueeze(mul(g, out), -1), -1), _mT(_fwd_inv(a)))
        except RuntimeError:  # a singular matrix (no inverse): the cofactors from the SVD
            return mul(_unsqueeze(_unsqueeze(g, -1), -1), _cofactors(a))
    return mul(_unsqueeze(_unsqueeze(mul(g, out), -1), -1), _mT(inv(a)))


def _cofactors(a):
    """det(A) A^-T at any rank: with A = U S V^T, det(U) det(V) U diag(prod_{j != i} s_j) V^T
    (0 at rank n - 2 or less, as PyTorch's det gradient is there)."""
    u, s, vt = _np_svd(a, False)
    ones = np.ones_like(s[..., :1])
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return (sign[..., None, None] * u * (left * right)[..., None, :]) @ vt


def _logabsdet_grad(g, a, out):
    if _is_raw(a):
        try:
            inv_t = _mT(_fwd_inv(a))
        except RuntimeError:  # singular: cofactors / det, inf or NaN as log|det| = -inf is
            with np.errstate(all="ignore"):
                inv_t = _cofactors(a) / np.linalg.det(a)[..., None, None]
        return mul(_unsqueeze(_unsqueeze(g, -1), -1), inv_t)
    return mul(_unsqueeze(_unsqueeze(g, -1), -1), _mT(inv(a)))


def _inv_grad(g, a, out):
    t = _mT(out)
    return neg(matmul(matmul(t, g), t))


# ----------------------------------------------------------------------------- cholesky


def _fwd_cholesky(a, upper):
    low = _lapack("cholesky", np.linalg.cholesky, a)
    # numpy's LAPACK does not check a NaN pivot (reference LAPACK and PyTorch do): a NaN
    # on L's diagonal is where the factorization failed
    bad = np.isnan(np.diagonal(low, axis1=-2, axis2=-1))
    if bad.any():
        at = np.argwhere(bad)[0]
        where = (
            f"(Batch element {np.ravel_multi_index(tuple(at[:-1]), bad.shape[:-1])}): "
            if bad.ndim > 1
            else ""
        )
        raise RuntimeError(
            f"linalg.cholesky: {where}The factorization could not be completed because the input is not "
            f"positive-definite (the leading minor of order {at[-1] + 1} is not positive-definite)."
        )
    return np.swapaxes(low, -1, -2).copy() if upper else low


def _phi(x):
    # the lower triangle with the diagonal halved
    return sub(tril(x), mul(_diag_embed(_diagonal(x)), 0.5))


def _cholesky_grad(g, a, out, upper):
    low = _mT(out) if upper else out
    gl = tril(_mT(g) if upper else g)
    p = _phi(matmul(_mT(low), gl))
    # S = L^-T P L^-1, then symmetrised
    lt = _mT(low)
    s = _mT(solve_raw(lt, _mT(solve_raw(lt, p, False)), False))
    return mul(add(s, _mT(s)), 0.5)


# ----------------------------------------------------------------------------- eigh


def _eigh_shapes(a):
    return (a.shape[:-1], a.shape)


def _fwd_eigh(a, uplo):
    w, v = _lapack("eigh", np.linalg.eigh, a, uplo)
    return _pack(w.astype(a.dtype), v.astype(a.dtype))


def _eigh_grad(g, a, out, uplo):
    shapes = _eigh_shapes(a)
    gl, gv = _unpack(g, shapes)
    w, v = _unpack(out, shapes)
    vhgv = matmul(_mT(v), gv)
    vhgv = mul(sub(vhgv, _mT(vhgv)), 0.5)
    e = sub(_unsqueeze(w, -2), _unsqueeze(w, -1))  # E_ij = w_j - w_i
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype if isinstance(a, np.ndarray) else a.dtype.numpy)
    inner = add(div(mul(vhgv, 1 - eye), add(e, eye)), _diag_embed(gl))
    return matmul(matmul(v, inner), _mT(v))


# ----------------------------------------------------------------------------- svd


def _svd_shapes(a):
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = tuple(a.shape[:-2])
    return (batch + (m, k), batch + (k,), batch + (k, n))


def _fwd_svd(a):
    u, s, vh = _np_svd(a, False)
    return _pack(u.astype(a.dtype), s.astype(a.dtype), vh.astype(a.dtype))


def _svd_grad(g, a, out):
    shapes = _svd_shapes(a)
    gu, gs, gvh = _unpack(g, shapes)
    u, s, vh = _unpack(out, shapes)
    if _is_raw(g) and not gu.any() and not gvh.any():
        # only S is used (svdvals, the nuclear and 2-norms): U diag(gS) V^H, PyTorch's shortcut,
        # with no 1 / (s_k^2 - s_j^2), which is 0 / 0 at repeated singular values
        return matmul(mul(u, _unsqueeze(gs, -2)), vh)
    m, n = a.shape[-2:]
    k = min(m, n)
    v, gv = _mT(vh), _mT(gvh)
    eye = np.eye(k, dtype=a.dtype if isinstance(a, np.ndarray) else a.dtype.numpy)
    uhgu, vhgv = matmul(_mT(u), gu), matmul(_mT(v), gv)
    s2 = mul(s, s)
    e = add(sub(_unsqueeze(s2, -2), _unsqueeze(s2, -1)), eye)  # E_jk = s_k^2 - s_j^2, 1 on the diagonal
    skew_u, skew_v = sub(uhgu, _mT(uhgu)), sub(vhgv, _mT(vhgv))
    inner = div(add(mul(skew_u, _unsqueeze(s, -2)), mul(_unsqueeze(s, -1), skew_v)), e)
    inner = add(mul(inner, 1 - eye), _diag_embed(gs))
    ga = matmul(matmul(u, inner), vh)
    if m > k:
        ga = add(ga, matmul(div(sub(gu, matmul(u, uhgu)), _unsqueeze(s, -2)), vh))
    if n > k:
        ga = add(ga, matmul(u, _mT(div(sub(gv, matmul(v, vhgv)), _unsqueeze(s, -2)))))
    return ga


# ----------------------------------------------------------------------------- qr


def _qr_shapes(a):
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = tuple(a.shape[:-2])
    return (batch + (m, k), batch + (k, n))


def _fwd_qr(a):
    q, r = np.linalg.qr(a, mode="reduced")
    return _pack(q.astype(a.dtype), r.astype(a.dtype))


def _copyltu(m):
    return add(tril(m), _mT(tril(m, -1)))


def _qr_grad(g, a, out):
    shapes = _qr_shapes(a)
    gq, gr = _unpack(g, shapes)
    q, r = _unpack(out, shapes)
    # A = QR, m >= n: gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q
    mm = sub(matmul(r, _mT(gr)), matmul(_mT(gq), q))
    b = add(gq, matmul(q, _copyltu(mm)))
    if _is_raw(a):
        if a.size == 0:
            return np.zeros_like(a)
        try:
            return _mT(_fwd_solve(r, _mT(b), False))
        except RuntimeError:  # a rank-deficient A: R^-T by substitution, inf/NaN as PyTorch's
            return _mT(_upper_solve(r, _mT(b)))
    return _mT(solve_raw(r, _mT(b), False))


def _upper_solve(r, b):
    """Back substitution R x = b for upper-triangular R, without a singularity check (a zero
    pivot gives inf/NaN, as a triangular solve does)."""
    x = np.zeros(np.broadcast_shapes(r.shape[:-2], b.shape[:-2]) + b.shape[-2:], np.result_type(r, b))
    with np.errstate(all="ignore"):
        for i in range(r.shape[-1] - 1, -1, -1):
            rest = np.einsum("...j,...jk->...k", r[..., i, i + 1 :], x[..., i + 1 :, :])
            x[..., i, :] = (b[..., i, :] - rest) / r[..., i, i, None]
    return x


# fmt: off
INV      = defop("linalg_inv_ex",  _fwd_inv,          _inv_grad)
DET      = defop("linalg_det",     _fwd_det,          _det_grad)
LOGABSDET = defop("linalg_slogdet", _fwd_logabsdet,   _logabsdet_grad)
SOLVE    = defop("linalg_solve_ex", _fwd_solve,       _solve_da, _solve_db)
CHOLESKY = defop("linalg_cholesky_ex", _fwd_cholesky, _cholesky_grad)
EIGH     = defop("linalg_eigh",    _fwd_eigh,         _eigh_grad)
SVD      = defop("linalg_svd",     _fwd_svd,          _svd_grad)
QR       = defop("linalg_qr",      _fwd_qr,           _qr_grad)
# fmt: on


def inv(A):
    """The inverse of each square matrix (RuntimeError if singular).

    ``A``: (..., n, n), a matrix or a batch of them.

    >>> minigrad.linalg.inv(minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    if not isinstance(A, Tensor):
        return _fwd_inv(A)
    _square("inv", A)
    return apply(INV, (A,))


def det(A):
    """The determinant of each square matrix.

    ``A``: (..., n, n), a floating matrix or a batch of them.

    >>> minigrad.det(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    _square("det", A)
    return apply(DET, (A,))


def slogdet(A):
    """(sign, log|det|) of each square matrix; only log|det| is differentiable.

    ``A``: (..., n, n), a floating matrix or a batch of them; returns a named tuple
    (``sign``, ``logabsdet``).

    >>> sign, logabsdet = minigrad.slogdet(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> sign, logabsdet
    (tensor(-1.), tensor(0.6931))
    """
    _square("slogdet", A)
    sign = _tape._from_array(np.asarray(np.linalg.slogdet(A._data)[0]).astype(A._data.dtype))
    return _SLOGDET(sign, apply(LOGABSDET, (A,)))


def solve(A, B, *, left=True):
    """X with A @ X = B (B a matrix or batch of them, or a vector).

    ``A``: (..., n, n), invertible; ``B``: (..., n, k), or (..., n) for one vector;
    ``left``: False solves X @ A = B instead.

    >>> minigrad.linalg.solve(minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]), minigrad.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    _square("solve", A)
    if not left:
        return _mT(solve(_mT(A), _mT(B)))
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    n = A.shape[-1]
    if (B.shape[-1] if vector else B.shape[-2]) != n:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({tuple(A.shape[-2:])} and "
            f"{tuple(B.shape)})"
        )
    if A.dtype != B.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, got {A.dtype} and {B.dtype}"
        )
    return apply(SOLVE, (A, B), (vector,))


def cholesky(A, *, upper=False):
    """The lower Cholesky factor L of a symmetric positive-definite A = L L^T (U^T U if upper).

    ``A``: (..., n, n), symmetric positive-definite (only its lower triangle is read);
    ``upper``: return the upper factor U = L^T instead.

    >>> minigrad.linalg.cholesky(minigrad.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _square("cholesky", A)
    return apply(CHOLESKY, (A,), (bool(upper),))


def eigh(A, UPLO="L"):
    """(eigenvalues ascending, eigenvectors as columns) of symmetric matrices.

    ``A``: (..., n, n), symmetric; ``UPLO``: ``"L"`` or ``"U"``, the triangle that is read.
    Each eigenvector's sign is whatever LAPACK gives (as in PyTorch).

    >>> minigrad.linalg.eigh(minigrad.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    tensor([1., 3.])
    """
    _square("eigh", A)
    return _EIGH(*_pieces(EIGH, A, _eigh_shapes(A), (UPLO,)))


def svd(A, full_matrices=True):
    """(U, S, Vh) with A = U diag(S) Vh; differentiable for ``full_matrices=False``.

    ``A``: (..., m, n), floating; ``full_matrices``: U is (m, m) and Vh (n, n) when True,
    else (m, k) and (k, n) with k = min(m, n). S is descending; the signs of the singular
    vectors are LAPACK's.

    >>> A = minigrad.tensor([[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]])
    >>> U, S, Vh = minigrad.linalg.svd(A, full_matrices=False)
    >>> S, U.shape, Vh.shape
    (tensor([3., 2.]), minigrad.Size([3, 2]), minigrad.Size([2, 2]))
    """
    _float_input("svd", A)
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.svd: The input tensor A must have at least 2 dimensions (got {tuple(A.shape)})"
        )
    if full_matrices and A.shape[-1] != A.shape[-2]:  # the extra columns: not differentiable here
        u, s, vh = _np_svd(A._data, True)
        return _SVD(*(_tape._from_array(t.astype(A._data.dtype)) for t in (u, s, vh)))
    return _SVD(*_pieces(SVD, A, _svd_shapes(A)))


def qr(A, mode="reduced"):
    """(Q, R) with A = Q R, Q with orthonormal columns, R upper triangular.

    ``A``: (..., m, n), floating; ``mode``: ``"reduced"`` only (Q is (m, k), R (k, n) with
    k = min(m, n)); PyTorch's ``"complete"`` and ``"r"`` raise NotImplementedError here.

    >>> A = minigrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> Q, R = minigrad.linalg.qr(A)
    >>> Q.shape, R.shape, minigrad.allclose(Q @ R, A, atol=1e-6)
    (minigrad.Size([3, 2]), minigrad.Size([2, 2]), True)
    """
    _float_input("qr", A)
    if mode != "reduced":
        raise NotImplementedError(f"linalg.qr: mode={mode!r} is not supported here; use mode='reduced'")
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.qr: The input tensor A must have at least 2 dimensions (got {tuple(A.shape)})"
        )
    return _QR(*_pieces(QR, A, _qr_shapes(A)))


# minigrad.det(A), A.det(), ...: the names PyTorch keeps outside torch.linalg
export(det)
export(slogdet)


@export
def inverse(input):
    """The inverse of each square matrix (``linalg.inv``).

    ``input``: (..., n, n), a matrix or a batch of them.

    >>> minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]).inverse()
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _square("inv", input)
    return inv(input)


@export
def logdet(input):
    """log(det(A)) of each square matrix: nan where det < 0, -inf where det == 0.

    ``input``: (..., n, n), a floating matrix or a batch of them.

    >>> minigrad.eye(2).mul(3.0).logdet()
    tensor(2.1972)
    """
    from .elementwise import where

    sign, logabsdet = slogdet(input)
    return where(sign._data < 0, float("nan"), logabsdet)
