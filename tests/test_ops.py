"""Table-driven tests of minigrad's differentiable ops (minigrad/ops.py).

Every op variant is one ``Row`` of ``ROWS``: the same expression written three ways
(minigrad, numpy reference, PyTorch oracle), the shapes of its inputs and the domain the
inputs are drawn from. The generic tests below walk the table:

* forward equals numpy (float32 and float64, dtype preserved);
* gradients equal central finite differences (float64);
* values, gradients and grad_fn names equal PyTorch's (skipped without torch);
* backward twice with retain_graph=True doubles ``.grad``;
* non-contiguous inputs give the same forward and gradients.

minigrad and PyTorch share an API, so most rows write the expression once as
``expr(M, *xs)`` and bind ``M`` to ``minigrad`` or ``torch`` (see ``row``).
PyTorch is only an oracle here: it is imported lazily, inside the tests that need it.
"""

import functools
import itertools
import math
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import minigrad

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
FWD_TOL = {F32: dict(rtol=1e-5, atol=1e-6), F64: dict(rtol=1e-12, atol=1e-12)}


# ----------------------------------------------------------------------------- input domains


def _any(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def _pos(rng, shape):
    # log, sqrt, fractional powers, bases of tensor ** tensor
    return rng.uniform(0.5, 2.0, shape)


def _nonzero(rng, shape):
    # away from the kinks of abs/relu and the poles of 1/x
    return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _not_one(rng, shape):
    # positive and away from 1 (log(x) == 0 there)
    return rng.uniform(1.2, 2.0, shape) ** rng.choice([-1.0, 1.0], shape)


DOMAINS = {"any": _any, "pos": _pos, "nonzero": _nonzero, "not_one": _not_one}


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    id: str
    mg: object  # f(*minigrad tensors) -> minigrad tensor
    ref: object  # f(*ndarrays) -> ndarray (numpy reference)
    th: object  # f(*torch tensors) -> torch tensor (oracle)
    shapes: tuple  # one shape per input
    domains: tuple  # one domain name per input
    dtypes: tuple = (F32, F64)  # input dtypes the forward is checked in
    grad_dtype: object = F64  # input dtype of the gradient checks
    eps: float = 1e-6  # finite-difference step
    grad_tol: float = 1e-6  # rtol/atol of gradients vs finite differences
    torch_grad_fn: bool = True  # False where PyTorch's grad_fn is its decomposition's (einsum)
    torch_rtol: float = 1e-10  # gradients vs PyTorch (looser where PyTorch's own value is less exact)

    def __repr__(self):
        return self.id


def _bind_torch(expr):
    def th(*xs):
        import torch

        return expr(torch, *xs)

    return th


def row(id, expr, ref, shapes, domain="any", **kw):
    """A row whose expression ``expr(M, *xs)`` is valid for M = minigrad and M = torch."""
    domains = (domain,) * len(shapes) if isinstance(domain, str) else tuple(domain)
    assert len(domains) == len(shapes), id
    return Row(id, functools.partial(expr, minigrad), ref, _bind_torch(expr), tuple(shapes), domains, **kw)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _scatter(x, src, idx):
    out = x.copy()
    np.put_along_axis(out, np.array(idx), src, axis=1)
    return out


def _scatter_add0(x, src, idx):
    out = x.copy()
    idx = np.array(idx)
    for j in range(idx.shape[1]):
        out[idx[0, j], j] += src[0, j]
    return out


_vec = functools.partial(np.vectorize, otypes=[np.float64])


def _math(fn):
    """A numpy reference from a Python ``math`` function, element by element, in x's dtype."""

    def ref(x):
        return _vec(fn)(x).astype(x.dtype)

    return ref


def _erfinv(x):
    # Newton on math.erf from 0, per element: an independent reference for erfinv
    def one(v):
        y = 0.0
        for _ in range(60):
            y -= (math.erf(y) - v) / (2 / math.sqrt(math.pi) * math.exp(-y * y))
        return y

    return _vec(one)(x).astype(x.dtype)


def _psi_shifted(x, n, shift=1000):
    # psi^(n)(x) from psi^(n)(x + shift) (asymptotic, 4 terms) minus the recurrence's terms
    x = x.astype(np.float64)
    z = x + shift
    ks = np.arange(shift)[:, None]
    if n == 0:
        tail = np.log(z) - 1 / (2 * z) - 1 / (12 * z**2) + 1 / (120 * z**4)
        return tail - (1 / (x.reshape(-1) + ks)).sum(0).reshape(x.shape)
    tail = 1 / z + 1 / (2 * z**2) + 1 / (6 * z**3) - 1 / (30 * z**5)
    return tail + (1 / (x.reshape(-1) + ks) ** 2).sum(0).reshape(x.shape)


def _digamma(x):
    return _psi_shifted(x, 0).astype(x.dtype)


def _trigamma(x):
    return _psi_shifted(x, 1).astype(x.dtype)


def _diag_embed(x, offset):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n), x.dtype)
    for b in np.ndindex(x.shape[:-1]):
        out[b] = np.diag(x[b], offset)
    return out


def _block_diag(*ms):
    out = np.zeros((sum(m.shape[0] for m in ms), sum(m.shape[1] for m in ms)), ms[0].dtype)
    r = c = 0
    for m in ms:
        out[r : r + m.shape[0], c : c + m.shape[1]] = m
        r, c = r + m.shape[0], c + m.shape[1]
    return out


def _svd_invariant(usv):
    # a function of U, S, Vh that the signs of the singular vectors do not change
    u, s, vh = usv
    return ((u**2) @ s)[:, None] * ((vh**2).T @ (s * s))[None, :]


def _scatter_reduce_ref(reduce, include_self):
    # along dim 0 at SR_IDX, element by element: an independent reference for scatter_reduce
    def ref(x, src):
        groups = {}
        for (i, j), k in np.ndenumerate(np.array(SR_IDX)):
            groups.setdefault((k, j), []).append(src[i, j])
        out = x.copy()
        for pos, vals in groups.items():
            vals = ([x[pos]] if include_self else []) + vals
            f = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
            out[pos] = f(np.array(vals, x.dtype))
        return out

    return ref


def _index_add_ref(x, src, idx, alpha):
    out = x.copy()
    for k, i in enumerate(idx):
        out[:, i] += alpha * src[:, k]
    return out


def _index_put_ref(x, v, rows, cols, accumulate):
    out = x.copy()
    for r, c in zip(rows, cols):
        out[r, c] = out[r, c] + v if accumulate else v
    return out


def _masked_scatter_ref(x, src, mask):
    out = x.copy()
    out[np.broadcast_to(mask, x.shape)] = src.reshape(-1)[: np.broadcast_to(mask, x.shape).sum()]
    return out


def _put_ref(x, src, idx, accumulate):
    out = x.copy().reshape(-1)
    for k, i in enumerate(np.array(idx).reshape(-1)):
        out[i] = out[i] + src.reshape(-1)[k] if accumulate else src.reshape(-1)[k]
    return out.reshape(x.shape)


def _scatter_small(x, y):
    # an index of shape (2, 1) into (3, 4) along dim 1: writes y[0, 0] at (0, 1), y[1, 0] at (1, 3)
    out = x.copy()
    out[0, 1], out[1, 3] = y[0, 0], y[1, 0]
    return out


def _index_copy_ref(x, y):
    out = x.copy()
    out[:, 3], out[:, 0] = y[:, 0], y[:, 1]
    return out


A34 = [(3, 4)]
AB34 = [(3, 4), (3, 4)]
# fmt: off
IDX = [0, 2, 0, 0]                        # repeated: the gradient must accumulate
MASK34 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
MASK3 = np.array([True, False, True])
SR_IDX = [[0, 2, 0, 1], [2, 2, 1, 1]]     # scatter_reduce along dim 0: groups of 1, 2 and 3

ROWS = [
    # -- add / sub / mul / div: operator, function and method forms, Python scalars
    row("add", lambda M, x, y: x + y, np.add, AB34),
    row("add_fn", lambda M, x, y: M.add(x, y), np.add, AB34),
    row("add_method", lambda M, x, y: x.add(y), np.add, AB34),
    row("add_alpha", lambda M, x, y: M.add(x, y, alpha=2), lambda x, y: x + 2 * y, AB34),
    row("add_scalar", lambda M, x: x + 2.5, lambda x: x + 2.5, A34),
    row("radd_scalar", lambda M, x: 2.5 + x, lambda x: 2.5 + x, A34),
    row("add_int_scalar", lambda M, x: x + 2, lambda x: x + 2, A34),
    row("sub", lambda M, x, y: x - y, np.subtract, AB34),
    row("sub_fn", lambda M, x, y: M.sub(x, y), np.subtract, AB34),
    row("sub_method", lambda M, x, y: x.sub(y), np.subtract, AB34),
    row("sub_scalar", lambda M, x: x - 2, lambda x: x - 2, A34),
    row("rsub_scalar", lambda M, x: 2 - x, lambda x: 2 - x, A34),
    row("rsub_float_scalar", lambda M, x: 0.5 - x, lambda x: 0.5 - x, A34),
    row("mul", lambda M, x, y: x * y, np.multiply, AB34),
    row("mul_fn", lambda M, x, y: M.mul(x, y), np.multiply, AB34),
    row("mul_method", lambda M, x, y: x.mul(y), np.multiply, AB34),
    row("mul_scalar", lambda M, x: x * 3, lambda x: x * 3, A34),
    row("rmul_scalar", lambda M, x: 3 * x, lambda x: 3 * x, A34),
    row("mul_self", lambda M, x: x * x, lambda x: x * x, A34),
    row("div", lambda M, x, y: x / y, np.divide, AB34, ("any", "nonzero")),
    row("div_fn", lambda M, x, y: M.div(x, y), np.divide, AB34, ("any", "nonzero")),
    row("div_method", lambda M, x, y: x.div(y), np.divide, AB34, ("any", "nonzero")),
    row("div_scalar", lambda M, x: x / 4, lambda x: x / 4, A34),
    row("rdiv_scalar", lambda M, x: 3 / x, lambda x: 3 / x, A34, "nonzero"),
    row("rdiv_float_scalar", lambda M, x: 1.5 / x, lambda x: 1.5 / x, A34, "nonzero"),
    row("reciprocal", lambda M, x: x.reciprocal(), lambda x: 1 / x, A34, "nonzero"),
    # -- pow: tensor ** scalar, tensor ** tensor, scalar ** tensor
    row("pow_scalar", lambda M, x: x ** 3, lambda x: x ** 3, A34),
    row("pow_scalar_2", lambda M, x: x ** 2, lambda x: x ** 2, A34),
    row("pow_scalar_float", lambda M, x: x ** 2.5, lambda x: x ** 2.5, A34, "pos"),
    row("pow_scalar_neg", lambda M, x: x ** -2, lambda x: x ** -2.0, A34, "nonzero"),
    row("pow_scalar_half", lambda M, x: x ** 0.5, np.sqrt, A34, "pos"),
    row("pow_scalar_zero", lambda M, x: x ** 0, lambda x: x ** 0, A34),
    row("pow_fn", lambda M, x: M.pow(x, 3), lambda x: x ** 3, A34),
    row("pow_method", lambda M, x: x.pow(3), lambda x: x ** 3, A34),
    row("pow_tensor", lambda M, x, y: x ** y, np.power, AB34, ("pos", "any")),
    row("pow_tensor_fn", lambda M, x, y: M.pow(x, y), np.power, AB34, ("not_one", "any")),
    row("pow_tensor_method", lambda M, x, y: x.pow(y), np.power, AB34, ("pos", "any")),
    row("rpow_scalar", lambda M, x: 2 ** x, lambda x: 2 ** x, A34),
    row("rpow_float_scalar", lambda M, x: 1.5 ** x, lambda x: 1.5 ** x, A34),
    row("pow_scalar_base_fn", lambda M, x: M.pow(2.0, x), lambda x: 2.0 ** x, A34),
    # -- unary: function, method and operator forms
    row("neg", lambda M, x: -x, np.negative, A34),
    row("neg_fn", lambda M, x: M.neg(x), np.negative, A34),
    row("neg_method", lambda M, x: x.neg(), np.negative, A34),
    row("exp", lambda M, x: M.exp(x), np.exp, A34),
    row("exp_method", lambda M, x: x.exp(), np.exp, A34),
    row("log", lambda M, x: M.log(x), np.log, A34, "pos"),
    row("log_method", lambda M, x: x.log(), np.log, A34, "pos"),
    row("sqrt", lambda M, x: M.sqrt(x), np.sqrt, A34, "pos"),
    row("sqrt_method", lambda M, x: x.sqrt(), np.sqrt, A34, "pos"),
    row("sin", lambda M, x: M.sin(x), np.sin, A34),
    row("sin_method", lambda M, x: x.sin(), np.sin, A34),
    row("cos", lambda M, x: M.cos(x), np.cos, A34),
    row("cos_method", lambda M, x: x.cos(), np.cos, A34),
    row("tanh", lambda M, x: M.tanh(x), np.tanh, A34),
    row("tanh_method", lambda M, x: x.tanh(), np.tanh, A34),
    row("sigmoid", lambda M, x: M.sigmoid(x), _sigmoid, A34),
    row("sigmoid_method", lambda M, x: x.sigmoid(), _sigmoid, A34),
    row("relu", lambda M, x: M.relu(x), lambda x: np.maximum(x, 0), A34, "nonzero"),
    row("relu_method", lambda M, x: x.relu(), lambda x: np.maximum(x, 0), A34, "nonzero"),
    row("abs", lambda M, x: M.abs(x), np.abs, A34, "nonzero"),
    row("abs_method", lambda M, x: x.abs(), np.abs, A34, "nonzero"),
    row("abs_builtin", lambda M, x: abs(x), np.abs, A34, "nonzero"),
    row("unary_0d", lambda M, x: M.tanh(x), np.tanh, [()]),
    row("unary_chain", lambda M, x: M.sigmoid(M.sin(x) * M.exp(x)) + M.tanh(x) * M.log(x * x),
        lambda x: _sigmoid(np.sin(x) * np.exp(x)) + np.tanh(x) * np.log(x * x), A34, "nonzero"),
    # -- matmul, every case of its shape rules
    row("matmul_2d_2d", lambda M, a, b: a @ b, np.matmul, [(3, 4), (4, 5)]),
    row("matmul_2d_2d_fn", lambda M, a, b: M.matmul(a, b), np.matmul, [(3, 4), (4, 5)]),
    row("matmul_2d_2d_method", lambda M, a, b: a.matmul(b), np.matmul, [(3, 4), (4, 5)]),
    row("mm_fn", lambda M, a, b: M.mm(a, b), np.matmul, [(3, 4), (4, 5)]),
    row("matmul_2d_1d", lambda M, a, b: a @ b, np.matmul, [(3, 4), (4,)]),
    row("matmul_1d_2d", lambda M, a, b: a @ b, np.matmul, [(4,), (4, 3)]),
    row("matmul_1d_1d", lambda M, a, b: a @ b, np.matmul, [(4,), (4,)]),
    row("matmul_3d_3d", lambda M, a, b: a @ b, np.matmul, [(2, 3, 4), (2, 4, 5)]),
    row("matmul_3d_2d", lambda M, a, b: a @ b, np.matmul, [(2, 3, 4), (4, 5)]),
    row("matmul_2d_3d", lambda M, a, b: a @ b, np.matmul, [(3, 4), (2, 4, 5)]),
    row("matmul_broadcast_batch", lambda M, a, b: a @ b, np.matmul, [(2, 1, 3, 4), (5, 4, 2)]),
    row("matmul_1d_3d", lambda M, a, b: a @ b, np.matmul, [(4,), (2, 4, 3)]),
    row("matmul_3d_1d", lambda M, a, b: a @ b, np.matmul, [(2, 3, 4), (4,)]),
    row("matmul_self", lambda M, a: a @ a, lambda a: a @ a, [(3, 3)]),
    # -- reductions
    row("sum", lambda M, x: x.sum(), np.sum, [(3, 4, 2)]),
    row("sum_fn", lambda M, x: M.sum(x), np.sum, [(3, 4, 2)]),
    row("sum_dim", lambda M, x: x.sum(dim=1), lambda x: x.sum(axis=1), [(3, 4, 2)]),
    row("sum_dim_positional", lambda M, x: x.sum(0), lambda x: x.sum(axis=0), [(3, 4, 2)]),
    row("sum_dim_neg", lambda M, x: x.sum(dim=-1), lambda x: x.sum(axis=-1), [(3, 4, 2)]),
    row("sum_dim_tuple", lambda M, x: x.sum(dim=(0, 2)), lambda x: x.sum(axis=(0, 2)), [(3, 4, 2)]),
    row("sum_dim_tuple_neg", lambda M, x: x.sum(dim=(-1, 0)), lambda x: x.sum(axis=(0, 2)), [(3, 4, 2)]),
    row("sum_keepdim", lambda M, x: x.sum(dim=1, keepdim=True),
        lambda x: x.sum(axis=1, keepdims=True), [(3, 4, 2)]),
    row("sum_keepdim_false", lambda M, x: x.sum(dim=1, keepdim=False), lambda x: x.sum(axis=1), [(3, 4, 2)]),
    row("sum_tuple_keepdim", lambda M, x: x.sum(dim=(0, 2), keepdim=True),
        lambda x: x.sum(axis=(0, 2), keepdims=True), [(3, 4, 2)]),
    row("sum_fn_dim", lambda M, x: M.sum(x, dim=0), lambda x: x.sum(axis=0), [(3, 4)]),
    row("sum_0d", lambda M, x: x.sum(), np.sum, [()]),
    row("mean", lambda M, x: x.mean(), np.mean, [(3, 4, 2)]),
    row("mean_fn", lambda M, x: M.mean(x), np.mean, [(3, 4, 2)]),
    row("mean_dim", lambda M, x: x.mean(dim=1), lambda x: x.mean(axis=1), [(3, 4, 2)]),
    row("mean_dim_neg", lambda M, x: x.mean(dim=-2), lambda x: x.mean(axis=-2), [(3, 4, 2)]),
    row("mean_dim_tuple", lambda M, x: x.mean(dim=(0, 2)), lambda x: x.mean(axis=(0, 2)), [(3, 4, 2)]),
    row("mean_keepdim", lambda M, x: x.mean(dim=2, keepdim=True),
        lambda x: x.mean(axis=2, keepdims=True), [(3, 4, 2)]),
    row("mean_keepdim_false", lambda M, x: x.mean(dim=2, keepdim=False), lambda x: x.mean(axis=2), [(3, 4, 2)]),
    row("mean_tuple_keepdim", lambda M, x: x.mean(dim=(-1, 1), keepdim=True),
        lambda x: x.mean(axis=(1, 2), keepdims=True), [(3, 4, 2)]),
    row("mean_fn_dim", lambda M, x: M.mean(x, dim=1), lambda x: x.mean(axis=1), [(3, 4)]),
    # -- shape ops
    row("reshape", lambda M, x: x.reshape(2, 6), lambda x: x.reshape(2, 6), A34),
    row("reshape_tuple", lambda M, x: x.reshape((6, 2)), lambda x: x.reshape(6, 2), A34),
    row("reshape_flat", lambda M, x: x.reshape(-1), lambda x: x.reshape(-1), A34),
    row("reshape_infer", lambda M, x: x.reshape(2, -1, 3), lambda x: x.reshape(2, 2, 3), A34),
    row("reshape_fn", lambda M, x: M.reshape(x, (4, 3)), lambda x: x.reshape(4, 3), A34),
    row("view", lambda M, x: x.contiguous().view(4, 3), lambda x: x.reshape(4, 3), A34),
    row("view_infer", lambda M, x: x.contiguous().view(-1, 2), lambda x: x.reshape(6, 2), A34),
    row("transpose", lambda M, x: x.transpose(0, 1), lambda x: x.swapaxes(0, 1), A34),
    row("transpose_3d", lambda M, x: x.transpose(0, 2), lambda x: x.swapaxes(0, 2), [(2, 3, 4)]),
    row("transpose_neg", lambda M, x: x.transpose(-1, -2), lambda x: x.swapaxes(-1, -2), [(2, 3, 4)]),
    row("transpose_fn", lambda M, x: M.transpose(x, 1, 0), lambda x: x.T, A34),
    row("T", lambda M, x: x.T, lambda x: x.T, A34),
    row("t", lambda M, x: x.t(), lambda x: x.T, A34),
    row("t_fn", lambda M, x: M.t(x), lambda x: x.T, A34),
    row("permute", lambda M, x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1), [(2, 3, 4)]),
    row("permute_tuple", lambda M, x: x.permute((1, 2, 0)), lambda x: x.transpose(1, 2, 0), [(2, 3, 4)]),
    row("permute_fn", lambda M, x: M.permute(x, (2, 1, 0)), lambda x: x.transpose(2, 1, 0), [(2, 3, 4)]),
    row("expand", lambda M, x: x.expand(3, 4), lambda x: np.broadcast_to(x, (3, 4)), [(3, 1)]),
    row("expand_new_dims", lambda M, x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4)), [(4,)]),
    row("expand_infer", lambda M, x: x.expand(2, -1, 4), lambda x: np.broadcast_to(x, (2, 3, 4)), [(1, 3, 1)]),
    row("clone", lambda M, x: x.clone(), lambda x: x.copy(), A34),
    row("clone_fn", lambda M, x: M.clone(x), lambda x: x.copy(), A34),
    # -- indexing
    row("index_int", lambda M, x: x[0], lambda x: x[0], A34),
    row("index_int_neg", lambda M, x: x[-1], lambda x: x[-1], A34),
    row("index_slice", lambda M, x: x[1:3], lambda x: x[1:3], [(4, 3)]),
    row("index_slice_step", lambda M, x: x[::2], lambda x: x[::2], [(5, 3)]),
    row("index_slice_col", lambda M, x: x[:, 1:3], lambda x: x[:, 1:3], A34),
    row("index_int_col", lambda M, x: x[:, 1], lambda x: x[:, 1], A34),
    row("index_none", lambda M, x: x[:, None], lambda x: x[:, None], A34),
    row("index_int_tensor", lambda M, x: x[M.tensor(IDX[:3])], lambda x: x[np.array(IDX[:3])], A34),
    row("index_int_tensor_repeated", lambda M, x: x[M.tensor(IDX)], lambda x: x[np.array(IDX)], [(3,)]),
    row("index_int_tensor_repeated_2d", lambda M, x: x[M.tensor(IDX)], lambda x: x[np.array(IDX)], A34),
    row("index_bool_mask", lambda M, x: x[M.tensor(MASK34)], lambda x: x[MASK34], A34),
    row("index_bool_rows", lambda M, x: x[M.tensor(MASK3)], lambda x: x[MASK3], A34),
    # -- where
    row("where", lambda M, x, y: M.where(M.tensor(MASK34), x, y), lambda x, y: np.where(MASK34, x, y), AB34),
    row("where_broadcast", lambda M, x, y: M.where(M.tensor(MASK34), x, y),
        lambda x, y: np.where(MASK34, x, y), [(3, 1), (4,)]),
    row("where_scalar", lambda M, x: M.where(M.tensor(MASK34), x, 0.0), lambda x: np.where(MASK34, x, 0.0), A34),
    row("where_cond_from_values", lambda M, x, y: M.where(x > 0, x, y), lambda x, y: np.where(x > 0, x, y),
        AB34, ("nonzero", "any")),
    # -- dtype conversions (differentiable between float dtypes)
    row("double", lambda M, x: x.double(), lambda x: x.astype(np.float64), A34,
        dtypes=(F32,), grad_dtype=F32, eps=1e-3, grad_tol=1e-4),
    row("to_float64", lambda M, x: x.to(M.float64), lambda x: x.astype(np.float64), A34,
        dtypes=(F32,), grad_dtype=F32, eps=1e-3, grad_tol=1e-4),
    row("double_mul", lambda M, x: x.double() * x.double(), lambda x: x.astype(np.float64) ** 2, A34,
        dtypes=(F32,), grad_dtype=F32, eps=1e-3, grad_tol=1e-4),
    row("float", lambda M, x: x.float(), lambda x: x.astype(np.float32), A34,
        dtypes=(F64,), eps=1e-3, grad_tol=1e-4),
    row("to_float32", lambda M, x: x.to(M.float32), lambda x: x.astype(np.float32), A34,
        dtypes=(F64,), eps=1e-3, grad_tol=1e-4),
    # -- issue 3: more reductions
    row("prod", lambda M, x: x.prod(), np.prod, A34, "nonzero"),
    row("prod_dim", lambda M, x: x.prod(1), lambda x: x.prod(1), A34, "nonzero"),
    row("prod_dim_keepdim", lambda M, x: M.prod(x, 0, keepdim=True), lambda x: x.prod(0, keepdims=True), A34),
    row("max_all", lambda M, x: x.max(), np.max, A34),
    row("min_all", lambda M, x: x.min(), np.min, A34),
    row("max_dim_values", lambda M, x: x.max(dim=1).values, lambda x: x.max(1), A34),
    row("min_dim_values_keepdim", lambda M, x: x.min(0, keepdim=True)[0], lambda x: x.min(0, keepdims=True), A34),
    row("amax_dim", lambda M, x: x.amax(1), lambda x: x.max(1), A34),
    row("amax_dim_none", lambda M, x: M.amax(x, dim=None), lambda x: x.max(), A34),
    row("amin_dim_none_keepdim", lambda M, x: x.amin(dim=None, keepdim=True), lambda x: x.min(keepdims=True), A34),
    row("amin_dims", lambda M, x: M.amin(x, (0, 1)), np.min, A34),
    row("var_all", lambda M, x: x.var(), lambda x: x.var(ddof=1), A34),
    row("var_dim_biased", lambda M, x: x.var(1, unbiased=False), lambda x: x.var(1), A34),
    row("var_correction_keepdim", lambda M, x: x.var(0, correction=0, keepdim=True),
        lambda x: x.var(0, keepdims=True), A34),
    row("std_all", lambda M, x: x.std(), lambda x: x.std(ddof=1), A34),
    row("std_dim", lambda M, x: x.std(dim=1), lambda x: x.std(1, ddof=1), A34),
    row("logsumexp", lambda M, x: x.logsumexp(1), lambda x: np.log(np.exp(x).sum(1)), A34),
    row("logsumexp_keepdim", lambda M, x: M.logsumexp(x, 0, keepdim=True),
        lambda x: np.log(np.exp(x).sum(0, keepdims=True)), A34),
    row("norm", lambda M, x: x.norm(), lambda x: np.sqrt((x * x).sum()), A34),
    row("norm_dim", lambda M, x: x.norm(dim=1), lambda x: np.sqrt((x * x).sum(1)), A34),
    row("norm_p1", lambda M, x: x.norm(p=1), lambda x: np.abs(x).sum(), A34, "nonzero"),
    row("norm_p3", lambda M, x: x.norm(p=3, dim=0), lambda x: (np.abs(x) ** 3).sum(0) ** (1 / 3), A34, "nonzero"),
    row("cumsum", lambda M, x: x.cumsum(1), lambda x: x.cumsum(1), A34),
    row("cumsum_dim0", lambda M, x: M.cumsum(x, 0), lambda x: x.cumsum(0), A34),
    # -- issue 3: more elementwise
    row("log1p", lambda M, x: x.log1p(), np.log1p, A34, "pos"),
    row("expm1", lambda M, x: M.expm1(x), np.expm1, A34),
    row("rsqrt", lambda M, x: x.rsqrt(), lambda x: 1 / np.sqrt(x), A34, "pos"),
    row("square", lambda M, x: x.square(), np.square, A34),
    row("tan", lambda M, x: x.tan(), np.tan, A34),
    row("asin", lambda M, x: (x * 0.4).asin(), lambda x: np.arcsin(x * 0.4), A34),
    row("acos", lambda M, x: M.acos(x * 0.4), lambda x: np.arccos(x * 0.4), A34),
    row("atan", lambda M, x: x.atan(), np.arctan, A34),
    row("floor", lambda M, x: x.floor() * x, lambda x: np.floor(x) * x, A34, "nonzero"),
    row("ceil", lambda M, x: x.ceil() + x, lambda x: np.ceil(x) + x, A34, "nonzero"),
    row("round", lambda M, x: x.round() * 2, lambda x: np.round(x) * 2, A34, "nonzero"),
    row("einsum_matmul", lambda M, x, y: M.einsum("ij,jk->ik", x, y), lambda x, y: x @ y, [(3, 4), (4, 2)],
        torch_grad_fn=False),
    row("einsum_attention", lambda M, x, y: M.einsum("bhqd,bhkd->bhqk", x, y),
        lambda x, y: np.einsum("bhqd,bhkd->bhqk", x, y), [(2, 2, 3, 4), (2, 2, 5, 4)], torch_grad_fn=False),
    row("einsum_implicit_sum", lambda M, x: M.einsum("ij", x) * M.einsum("ij->", x),
        lambda x: x * x.sum(), [(3, 4)], torch_grad_fn=False),
    row("einsum_outer", lambda M, x, y: M.einsum("i,j->ij", x, y), np.outer, [(3,), (4,)],
        torch_grad_fn=False),
    row("einsum_ellipsis_broadcast", lambda M, x, y: M.einsum("...ij,...jk->...ik", x, y),
        lambda x, y: x @ y, [(2, 1, 2, 3), (4, 3, 2)], torch_grad_fn=False),
    row("einsum_diagonal", lambda M, x: M.einsum("ii->i", x), np.diagonal, [(3, 3)], torch_grad_fn=False),
    row("einsum_three", lambda M, x, y, z: M.einsum("ij,jk,kl->il", x, y, z),
        lambda x, y, z: x @ y @ z, [(2, 3), (3, 4), (4, 2)], torch_grad_fn=False),
    row("einsum_size1_broadcast", lambda M, x, y: M.einsum("bi,i->b", x, y),
        lambda x, y: (x * y).sum(-1), [(3, 4), (1,)], torch_grad_fn=False),
    row("view_as", lambda M, x, y: x.contiguous().view_as(y) * y, lambda x, y: x.reshape(y.shape) * y,
        [(3, 4), (2, 6)]),
    row("reshape_as", lambda M, x, y: x.t().reshape_as(y) * y, lambda x, y: x.T.reshape(y.shape) * y,
        [(3, 4), (6, 2)]),
    row("maximum", lambda M, x, y: M.maximum(x, y), np.maximum, AB34),
    row("remainder", lambda M, x, y: x % y, np.remainder, AB34, ("any", "nonzero")),
    row("remainder_scalar", lambda M, x: M.remainder(x, 0.7), lambda x: np.remainder(x, 0.7), A34),
    row("fmod", lambda M, x, y: M.fmod(x, y), np.fmod, AB34, ("any", "nonzero")),
    row("fmod_broadcast", lambda M, x, y: x.fmod(y), np.fmod, [(3, 1), (4,)], ("any", "nonzero")),
    row("minimum", lambda M, x, y: M.minimum(x, y), np.minimum, AB34),
    row("maximum_broadcast", lambda M, x, y: M.maximum(x, y), np.maximum, [(3, 1), (4,)]),
    row("clamp", lambda M, x: x.clamp(-1, 1), lambda x: np.clip(x, -1, 1), A34),
    row("clamp_min", lambda M, x: x.clamp(min=0.5), lambda x: np.maximum(x, 0.5), A34),
    row("clip_max", lambda M, x: M.clip(x, max=0.5), lambda x: np.minimum(x, 0.5), A34),
    # -- issue 3: shape, joining, indexing
    row("squeeze", lambda M, x: x.squeeze(), lambda x: x.squeeze(), [(3, 1, 4)]),
    row("squeeze_dim", lambda M, x: x.squeeze(1), lambda x: x.squeeze(1), [(3, 1, 4)]),
    row("unsqueeze", lambda M, x: x.unsqueeze(1), lambda x: x[:, None], A34),
    row("unsqueeze_neg", lambda M, x: M.unsqueeze(x, -1), lambda x: x[..., None], A34),
    row("unflatten", lambda M, x: x.unflatten(1, (2, 2)), lambda x: x.reshape(3, 2, 2), A34),
    row("flatten", lambda M, x: x.flatten(), lambda x: x.reshape(-1), [(2, 3, 2)]),
    row("repeat", lambda M, x: x.repeat(2, 3), lambda x: np.tile(x, (2, 3)), A34),
    row("repeat_new_dim", lambda M, x: x.repeat(2, 1, 1), lambda x: np.tile(x, (2, 1, 1)), A34),
    row("flip", lambda M, x: x.flip(0) * x, lambda x: x[::-1] * x, A34),
    row("flip_dims", lambda M, x: M.flip(x, (0, 1)), lambda x: x[::-1, ::-1], A34),
    row("roll", lambda M, x: x.roll(1, 1) * x, lambda x: np.roll(x, 1, 1) * x, A34),
    row("roll_flat", lambda M, x: M.roll(x, 2), lambda x: np.roll(x.reshape(-1), 2).reshape(x.shape), A34),
    row("cat", lambda M, x, y: M.cat([x, y]), lambda x, y: np.concatenate([x, y]), [(2, 4), (3, 4)]),
    row("cat_dim1", lambda M, x, y: M.cat([x, y, x], dim=1), lambda x, y: np.concatenate([x, y, x], 1),
        [(3, 2), (3, 4)]),
    row("stack", lambda M, x, y: M.stack([x, y]), lambda x, y: np.stack([x, y]), AB34),
    row("stack_dim2", lambda M, x, y: M.stack([x, y], dim=2), lambda x, y: np.stack([x, y], 2), AB34),
    row("split_first", lambda M, x: x.split(2)[1] * 2, lambda x: x[2:4] * 2, [(5, 3)]),
    row("split_sum", lambda M, x: sum(p.sum() * (i + 1) for i, p in enumerate(x.split(2))),
        lambda x: sum(p.sum() * (i + 1) for i, p in enumerate([x[0:2], x[2:4], x[4:5]])), [(5, 3)]),
    row("split_sizes", lambda M, x: M.split(x, [1, 3], dim=1)[1], lambda x: x[:, 1:4], A34),
    row("chunk", lambda M, x: x.chunk(2, 1)[0] - x.chunk(2, 1)[1], lambda x: x[:, :2] - x[:, 2:], A34),
    row("unbind", lambda M, x: x.unbind(1)[2] * x.unbind(1)[0], lambda x: x[:, 2] * x[:, 0], A34),
    row("gather", lambda M, x: x.gather(1, M.tensor([[0, 0], [3, 1], [2, 2]])),
        lambda x: np.take_along_axis(x, np.array([[0, 0], [3, 1], [2, 2]]), 1), A34),
    row("index_select", lambda M, x: x.index_select(0, M.tensor([2, 0, 2])), lambda x: x[[2, 0, 2]], A34),
    row("masked_fill", lambda M, x: x.masked_fill(M.tensor(MASK34), 0.5), lambda x: np.where(MASK34, 0.5, x), A34),
    row("scatter_src", lambda M, x, y: x.scatter(1, M.tensor([[1], [0], [3]]), y),
        lambda x, y: _scatter(x, y, [[1], [0], [3]]), [(3, 4), (3, 1)]),
    row("scatter_add", lambda M, x, y: x.scatter_add(0, M.tensor([[0, 1, 2, 0]]), y),
        lambda x, y: _scatter_add0(x, y, [[0, 1, 2, 0]]), [(3, 4), (1, 4)]),
    # -- issue 12: what learner programs call
    row("log10", lambda M, x: M.log10(x), np.log10, A34, "pos"),
    row("log2_method", lambda M, x: x.log2(), np.log2, A34, "pos"),
    row("exp2", lambda M, x: M.exp2(x), np.exp2, A34),
    row("log10_inplace", lambda M, x: (x * 1).log10_(), np.log10, A34, "pos"),
    row("exp2_inplace", lambda M, x: (x + 0).exp2_(), np.exp2, A34),
    row("tril", lambda M, x: x.tril(), np.tril, A34),
    row("tril_diagonal_batched", lambda M, x: M.tril(x, -1), lambda x: np.tril(x, -1), [(2, 3, 4)]),
    row("triu_diagonal", lambda M, x: x.triu(diagonal=1), lambda x: np.triu(x, 1), A34),
    row("triu_batched", lambda M, x: M.triu(x), np.triu, [(2, 4, 3)]),
    row("tril_inplace", lambda M, x: (x * 1).tril_(1), lambda x: np.tril(x, 1), A34),
    row("sort_values", lambda M, x: x.sort().values, lambda x: np.sort(x), A34),
    row("sort_descending_dim0", lambda M, x: M.sort(x, 0, descending=True)[0], lambda x: -np.sort(-x, 0),
        A34),
    row("sort_stable", lambda M, x: x.sort(dim=1, stable=True).values, lambda x: np.sort(x, 1), A34),
    row("msort", lambda M, x: M.msort(x), lambda x: np.sort(x, 0), A34),
    row("topk_values", lambda M, x: x.topk(2).values, lambda x: -np.sort(-x, 1)[:, :2], A34),
    row("topk_smallest_dim0", lambda M, x: M.topk(x, 2, dim=0, largest=False)[0], lambda x: np.sort(x, 0)[:2],
        A34),
    row("kthvalue", lambda M, x: x.kthvalue(2).values, lambda x: np.sort(x, 1)[:, 1], A34),
    row("kthvalue_keepdim", lambda M, x: M.kthvalue(x, 3, 0, keepdim=True)[0], lambda x: np.sort(x, 0)[2:3],
        A34),
    row("narrow", lambda M, x: x.narrow(1, 1, 2), lambda x: x[:, 1:3], A34),
    row("narrow_negative_start", lambda M, x: M.narrow(x, 0, -2, 2), lambda x: x[-2:], A34),
    row("slice_with_0d_tensor_bounds", lambda M, x: x[M.tensor(1):M.tensor(1) + 2], lambda x: x[1:3],
        [(4, 3)]),
    row("index_with_0d_tensor", lambda M, x: x[M.tensor(2)], lambda x: x[2], A34),
    row("sum_axis_keepdims", lambda M, x: x.sum(axis=1, keepdims=True), lambda x: x.sum(1, keepdims=True),
        A34),
    row("mean_axis_tuple", lambda M, x: M.mean(x, axis=(0, 1)), lambda x: x.mean((0, 1)), [(2, 3, 4)]),
    row("max_axis_keepdims", lambda M, x: x.max(axis=0, keepdims=True).values,
        lambda x: x.max(0, keepdims=True), A34),
    row("std_axis", lambda M, x: x.std(axis=1), lambda x: x.std(1, ddof=1), A34),
    row("logsumexp_axis", lambda M, x: x.logsumexp(axis=1, keepdims=True),
        lambda x: np.log(np.exp(x).sum(1, keepdims=True)), A34),
    row("cumsum_axis", lambda M, x: x.cumsum(axis=0), lambda x: x.cumsum(0), A34),
    # -- issue 19: special functions and the rest of the elementwise math
    row("sinh", lambda M, x: M.sinh(x), np.sinh, A34),
    row("cosh_method", lambda M, x: x.cosh(), np.cosh, A34),
    row("asinh", lambda M, x: M.asinh(x), np.arcsinh, A34),
    row("acosh", lambda M, x: M.acosh(x + 1.5), lambda x: np.arccosh(x + 1.5), A34, "pos"),
    row("atanh", lambda M, x: (x * 0.4).atanh(), lambda x: np.arctanh(x * 0.4), A34),
    row("erf", lambda M, x: M.erf(x), _math(math.erf), A34),
    row("erfc_method", lambda M, x: x.erfc(), _math(math.erfc), A34),
    row("erfinv", lambda M, x: M.erfinv(x * 0.4), lambda x: _erfinv(x * 0.4), A34),
    row("lgamma", lambda M, x: M.lgamma(x), _math(math.lgamma), A34, "pos"),
    # PyTorch's trigamma is 5e-10 off (its polygamma(1, 1.0) is 1.64493406764, pi**2/6 is 1.64493406685)
    row("digamma", lambda M, x: x.digamma(), _digamma, A34, "pos", torch_rtol=1e-8),
    row("polygamma_1", lambda M, x: M.polygamma(1, x), _trigamma, A34, "pos", torch_rtol=1e-8),
    row("logit", lambda M, x: M.logit(x * 0.4), lambda x: np.log(x * 0.4 / (1 - x * 0.4)), A34, "pos"),
    row("logit_eps", lambda M, x: (x * 0.4).logit(eps=0.3),
        lambda x: np.log(np.clip(x * 0.4, 0.3, 0.7) / (1 - np.clip(x * 0.4, 0.3, 0.7))), A34, "pos"),
    row("nan_to_num", lambda M, x: M.nan_to_num(x), np.nan_to_num, A34),
    row("frac", lambda M, x: x.frac() * x, lambda x: (x - np.trunc(x)) * x, A34, "nonzero"),
    row("sgn", lambda M, x: M.sgn(x) * x, lambda x: np.sign(x) * x, A34, "nonzero"),
    row("logaddexp", lambda M, x, y: M.logaddexp(x, y), np.logaddexp, AB34),
    row("logaddexp2_method", lambda M, x, y: x.logaddexp2(y), np.logaddexp2, [(3, 1), (4,)]),
    row("hypot", lambda M, x, y: M.hypot(x, y), np.hypot, AB34, "nonzero"),
    row("atan2", lambda M, x, y: M.atan2(x, y), np.arctan2, AB34, "nonzero"),
    row("arctan2_method", lambda M, x, y: x.arctan2(y), np.arctan2, [(3, 1), (4,)], "nonzero"),
    row("copysign", lambda M, x, y: M.copysign(x, y), np.copysign, AB34, "nonzero"),
    row("copysign_scalar", lambda M, x: x.copysign(-1.0), lambda x: np.copysign(x, -1.0), A34, "nonzero"),
    row("xlogy", lambda M, x, y: M.xlogy(x, y), lambda x, y: x * np.log(y), AB34, ("any", "pos")),
    row("xlogy_scalar", lambda M, x: M.xlogy(x, 3.0), lambda x: x * np.log(x.dtype.type(3.0)), A34),
    row("fmax", lambda M, x, y: M.fmax(x, y), np.fmax, AB34),
    row("fmin_method", lambda M, x, y: x.fmin(y), np.fmin, [(3, 1), (4,)]),
    row("lerp", lambda M, x, y: M.lerp(x, y, 0.3), lambda x, y: x + 0.3 * (y - x), AB34),
    row("lerp_tensor_weight", lambda M, x, y, w: x.lerp(y, w), lambda x, y, w: x + w * (y - x),
        [(3, 4), (3, 4), (3, 4)]),
    row("addcmul", lambda M, x, y, z: M.addcmul(x, y, z, value=0.5), lambda x, y, z: x + 0.5 * y * z,
        [(3, 4), (3, 1), (4,)]),
    row("addcdiv_method", lambda M, x, y, z: x.addcdiv(y, z, value=2), lambda x, y, z: x + 2 * y / z,
        [(3, 4), (3, 4), (3, 4)], ("any", "any", "nonzero")),
    row("float_power", lambda M, x: M.float_power(x, 2.5), lambda x: x.astype(np.float64) ** 2.5, A34, "pos"),
    row("float_power_tensor", lambda M, x, y: M.float_power(x, y),
        lambda x, y: x.astype(np.float64) ** y.astype(np.float64), AB34, ("pos", "any")),
    # -- issue 19: named products (compositions of matmul: PyTorch's grad_fn names differ)
    row("bmm", lambda M, a, b: M.bmm(a, b), np.matmul, [(2, 3, 4), (2, 4, 2)], torch_grad_fn=False),
    row("mv", lambda M, a, b: a.mv(b), np.matmul, [(3, 4), (4,)], torch_grad_fn=False),
    row("dot", lambda M, a, b: M.dot(a, b), np.dot, [(4,), (4,)], torch_grad_fn=False),
    row("vdot", lambda M, a, b: M.vdot(a, b), np.vdot, [(4,), (4,)], torch_grad_fn=False),
    row("outer", lambda M, a, b: M.outer(a, b), np.outer, [(3,), (4,)], torch_grad_fn=False),
    row("inner", lambda M, a, b: M.inner(a, b), np.inner, [(2, 3, 4), (5, 4)], torch_grad_fn=False),
    row("tensordot", lambda M, a, b: M.tensordot(a, b, dims=([1, 0], [0, 2])),
        lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])), [(2, 3, 4), (3, 5, 2)], torch_grad_fn=False),
    row("tensordot_int", lambda M, a, b: M.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1),
        [(2, 3), (3, 4)], torch_grad_fn=False),
    row("kron", lambda M, a, b: M.kron(a, b), np.kron, [(2, 3), (3, 2)], torch_grad_fn=False),
    row("cross", lambda M, a, b: M.cross(a, b, dim=1), lambda a, b: np.cross(a, b, axis=1),
        [(4, 3), (4, 3)], torch_grad_fn=False),
    row("linalg_cross_broadcast", lambda M, a, b: M.linalg.cross(a, b), lambda a, b: np.cross(a, b),
        [(2, 3), (1, 3)], torch_grad_fn=False),
    row("addmm", lambda M, x, a, b: M.addmm(x, a, b, beta=0.5, alpha=2), lambda x, a, b: 0.5 * x + 2 * a @ b,
        [(4,), (3, 2), (2, 4)], torch_grad_fn=False),
    row("addmv", lambda M, x, a, b: x.addmv(a, b), lambda x, a, b: x + a @ b, [(3,), (3, 2), (2,)],
        torch_grad_fn=False),
    row("baddbmm", lambda M, x, a, b: M.baddbmm(x, a, b, alpha=0.5), lambda x, a, b: x + 0.5 * a @ b,
        [(3, 4), (2, 3, 2), (2, 2, 4)], torch_grad_fn=False),
    row("addbmm", lambda M, x, a, b: M.addbmm(x, a, b), lambda x, a, b: x + (a @ b).sum(0),
        [(3, 4), (2, 3, 2), (2, 2, 4)], torch_grad_fn=False),
    # -- issue 19: minigrad.linalg (forward by LAPACK, PyTorch's derivatives)
    row("linalg_inv", lambda M, x: M.linalg.inv(x + 3 * M.eye(3, dtype=x.dtype)),
        lambda x: np.linalg.inv(x + 3 * np.eye(3, dtype=x.dtype)), [(3, 3)], torch_grad_fn=False),
    row("linalg_inv_batched", lambda M, x: M.linalg.inv(x), np.linalg.inv, [(2, 3, 3)], "nonzero"),
    row("linalg_det", lambda M, x: M.linalg.det(x), np.linalg.det, [(2, 3, 3)]),
    row("linalg_slogdet", lambda M, x: M.linalg.slogdet(x).logabsdet, lambda x: np.linalg.slogdet(x)[1],
        [(3, 3)]),
    row("linalg_solve", lambda M, a, b: M.linalg.solve(a, b), np.linalg.solve, [(3, 3), (3, 2)], "nonzero"),
    row("linalg_solve_vector", lambda M, a, b: M.linalg.solve(a, b), np.linalg.solve, [(3, 3), (3,)],
        "nonzero"),
    row("linalg_cholesky", lambda M, x: M.linalg.cholesky(x @ x.mT + M.eye(3, dtype=x.dtype)),
        lambda x: np.linalg.cholesky(x @ x.T + np.eye(3, dtype=x.dtype)), [(3, 3)], torch_grad_fn=False),
    row("linalg_cholesky_upper", lambda M, x: M.linalg.cholesky(x @ x.mT + M.eye(3, dtype=x.dtype), upper=True),
        lambda x: np.linalg.cholesky(x @ x.T + np.eye(3, dtype=x.dtype)).T, [(3, 3)], torch_grad_fn=False),
    row("linalg_eigh", lambda M, x: M.linalg.eigh(x + x.mT)[0] * (M.linalg.eigh(x + x.mT)[1] ** 2).sum(0),
        lambda x: np.linalg.eigh(x + x.T)[0] * (np.linalg.eigh(x + x.T)[1] ** 2).sum(0), [(3, 3)],
        torch_grad_fn=False),
    row("linalg_eigvalsh", lambda M, x: M.linalg.eigvalsh(x + x.mT), lambda x: np.linalg.eigvalsh(x + x.swapaxes(-1, -2)),
        [(2, 3, 3)], torch_grad_fn=False),
    row("linalg_svd_tall", lambda M, x: _svd_invariant(M.linalg.svd(x, full_matrices=False)),
        lambda x: _svd_invariant(np.linalg.svd(x, full_matrices=False)), [(4, 3)], torch_grad_fn=False),
    row("linalg_svd_wide", lambda M, x: _svd_invariant(M.linalg.svd(x, full_matrices=False)),
        lambda x: _svd_invariant(np.linalg.svd(x, full_matrices=False)), [(2, 4)], torch_grad_fn=False),
    row("linalg_svdvals", lambda M, x: M.linalg.svdvals(x), lambda x: np.linalg.svd(x, compute_uv=False),
        [(2, 3, 4)], torch_grad_fn=False),
    row("linalg_qr", lambda M, x: M.linalg.qr(x).Q * M.linalg.qr(x).R.sum(),
        lambda x: np.linalg.qr(x)[0] * np.linalg.qr(x)[1].sum(), [(4, 3)], torch_grad_fn=False),
    row("linalg_pinv", lambda M, x: M.linalg.pinv(x), np.linalg.pinv, [(4, 3)], torch_grad_fn=False),
    row("linalg_matrix_power", lambda M, x: M.linalg.matrix_power(x, 3), lambda x: np.linalg.matrix_power(x, 3),
        [(3, 3)], torch_grad_fn=False),
    row("linalg_matrix_power_negative", lambda M, x: M.linalg.matrix_power(x + 3 * M.eye(3, dtype=x.dtype), -2),
        lambda x: np.linalg.matrix_power(x + 3 * np.eye(3, dtype=x.dtype), -2), [(3, 3)], torch_grad_fn=False),
    row("linalg_norm_fro", lambda M, x: M.linalg.norm(x), np.linalg.norm, A34, torch_grad_fn=False),
    row("linalg_matrix_norm_nuc", lambda M, x: M.linalg.matrix_norm(x, "nuc"), lambda x: np.linalg.norm(x, "nuc"),
        A34, torch_grad_fn=False),
    row("linalg_matrix_norm_2", lambda M, x: M.linalg.matrix_norm(x, 2), lambda x: np.linalg.norm(x, 2), A34,
        torch_grad_fn=False),
    row("linalg_matrix_norm_inf", lambda M, x: M.linalg.norm(x, float("inf")),
        lambda x: np.linalg.norm(x, np.inf), A34, torch_grad_fn=False),
    row("linalg_vector_norm_p", lambda M, x: M.linalg.vector_norm(x, 3, dim=1),
        lambda x: (np.abs(x) ** 3).sum(1) ** (1 / 3), A34, "nonzero", torch_grad_fn=False),
    row("linalg_vector_norm_inf", lambda M, x: M.linalg.vector_norm(x, float("inf"), dim=0),
        lambda x: np.abs(x).max(0), A34, "nonzero", torch_grad_fn=False),
    # -- issue 19: shape and layout
    row("diagonal", lambda M, x: x.diagonal(), np.diagonal, A34),
    row("diagonal_offset_dims", lambda M, x: M.diagonal(x, 1, 1, 2), lambda x: np.diagonal(x, 1, 1, 2), [(2, 3, 4)]),
    row("diag_embed", lambda M, x: M.diag_embed(x, -1), lambda x: _diag_embed(x, -1), [(2, 3)]),
    row("diag_vector", lambda M, x: M.diag(x, 1), lambda x: np.diag(x, 1), [(3,)], torch_grad_fn=False),
    row("diag_matrix", lambda M, x: x.diag(), np.diag, A34, torch_grad_fn=False),
    row("trace", lambda M, x: x.trace(), np.trace, A34, torch_grad_fn=False),
    row("select", lambda M, x: x.select(1, -1), lambda x: x[:, -1], A34),
    row("movedim", lambda M, x: x.movedim((0, 1), (2, 0)), lambda x: np.moveaxis(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    row("moveaxis", lambda M, x: M.moveaxis(x, -1, 0), lambda x: np.moveaxis(x, -1, 0), [(2, 3, 4)]),
    row("broadcast_to", lambda M, x: x.broadcast_to((2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    row("broadcast_tensors", lambda M, x, y: M.broadcast_tensors(x, y)[0] * M.broadcast_tensors(x, y)[1],
        lambda x, y: x * y, [(3, 1), (4,)], torch_grad_fn=False),
    row("atleast_3d", lambda M, x: M.atleast_3d(x), lambda x: np.atleast_3d(x), A34, torch_grad_fn=False),
    row("tile", lambda M, x: x.tile((2,)), lambda x: np.tile(x, 2), A34),
    row("repeat_interleave", lambda M, x: x.repeat_interleave(2, dim=1), lambda x: np.repeat(x, 2, 1), A34,
        torch_grad_fn=False),
    row("repeat_interleave_counts", lambda M, x: M.repeat_interleave(x, M.tensor([1, 0, 2]), dim=0),
        lambda x: np.repeat(x, [1, 0, 2], 0), A34, torch_grad_fn=False),
    row("tensor_split", lambda M, x: x.tensor_split(3, dim=1)[0] * x.tensor_split(3, dim=1)[2],
        lambda x: x[:, :2] * x[:, 3:], A34, torch_grad_fn=False),
    row("hsplit_vsplit", lambda M, x: x.hsplit(2)[1] + x.vsplit([1])[1][:, :2], lambda x: x[:, 2:] + x[1:, :2],
        [(2, 4)], torch_grad_fn=False),
    row("hstack", lambda M, x, y: M.hstack([x, y]), lambda x, y: np.hstack([x, y]), [(3, 2), (3, 4)]),
    row("vstack", lambda M, x, y: M.vstack([x, y]), lambda x, y: np.vstack([x, y]), [(4,), (2, 4)],
        torch_grad_fn=False),
    row("dstack", lambda M, x, y: M.dstack([x, y]), lambda x, y: np.dstack([x, y]), AB34, torch_grad_fn=False),
    row("column_stack", lambda M, x, y: M.column_stack([x, y]), lambda x, y: np.column_stack([x, y]),
        [(3,), (3, 2)], torch_grad_fn=False),
    row("ravel", lambda M, x: x.t().ravel(), lambda x: x.T.ravel(), A34, torch_grad_fn=False),
    row("rot90", lambda M, x: x.rot90(), np.rot90, A34, torch_grad_fn=False),
    row("rot90_k3", lambda M, x: M.rot90(x, 3, (1, 2)), lambda x: np.rot90(x, 3, (1, 2)), [(2, 3, 4)],
        torch_grad_fn=False),
    row("fliplr_flipud", lambda M, x: x.fliplr() * M.flipud(x), lambda x: np.fliplr(x) * np.flipud(x), [(3, 3)],
        torch_grad_fn=False),
    row("unfold", lambda M, x: x.unfold(1, 2, 1), lambda x: np.lib.stride_tricks.sliding_window_view(x, 2, 1),
        A34, torch_grad_fn=False),
    row("meshgrid_xy", lambda M, x, y: M.meshgrid(x, y, indexing="xy")[0] * M.meshgrid(x, y, indexing="xy")[1],
        lambda x, y: np.meshgrid(x, y)[0] * np.meshgrid(x, y)[1], [(3,), (4,)], torch_grad_fn=False),
    row("cartesian_prod", lambda M, x, y: M.cartesian_prod(x, y),
        lambda x, y: np.stack([a.ravel() for a in np.meshgrid(x, y, indexing="ij")], 1), [(3,), (2,)],
        torch_grad_fn=False),
    row("combinations", lambda M, x: M.combinations(x, 2),
        lambda x: np.array(list(itertools.combinations(x, 2)), dtype=x.dtype), [(4,)], torch_grad_fn=False),
    row("block_diag", lambda M, x, y: M.block_diag(x, y), lambda x, y: _block_diag(x, y), [(2, 3), (2, 2)],
        torch_grad_fn=False),
    row("cdist", lambda M, x, y: M.cdist(x, y), lambda x, y: np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1)),
        [(3, 4), (2, 4)], torch_grad_fn=False),
    row("cdist_p1", lambda M, x, y: M.cdist(x, y, p=1), lambda x, y: np.abs(x[:, None] - y[None]).sum(-1),
        [(3, 4), (2, 4)], torch_grad_fn=False),
    row("mH", lambda M, x: x.mH, lambda x: x.swapaxes(-1, -2), [(2, 3, 4)]),
    # -- issue 19: reductions and scans
    row("cumprod", lambda M, x: x.cumprod(1), lambda x: np.cumprod(x, 1), A34, "nonzero"),
    row("cummax", lambda M, x: x.cummax(1).values, lambda x: np.maximum.accumulate(x, 1), A34, torch_grad_fn=False),
    row("cummin", lambda M, x: M.cummin(x, 0)[0], lambda x: np.minimum.accumulate(x, 0), A34, torch_grad_fn=False),
    row("logcumsumexp", lambda M, x: x.logcumsumexp(1), lambda x: np.logaddexp.accumulate(x, 1), A34,
        torch_grad_fn=False),
    row("median", lambda M, x: x.median(), lambda x: np.sort(x.ravel())[(x.size - 1) // 2], A34, torch_grad_fn=False),
    row("median_dim", lambda M, x: M.median(x, 1).values, lambda x: np.sort(x, 1)[:, 1], A34, torch_grad_fn=False),
    row("quantile", lambda M, x: x.quantile(0.3), lambda x: np.quantile(x, 0.3).astype(x.dtype), A34,
        torch_grad_fn=False),
    row("quantile_dim", lambda M, x: M.quantile(x, M.tensor([0.25, 0.8], dtype=x.dtype), dim=1),
        lambda x: np.quantile(x, [0.25, 0.8], axis=1).astype(x.dtype), A34, torch_grad_fn=False),
    row("nanquantile", lambda M, x: M.nanquantile(x, 0.5, dim=0, keepdim=True),
        lambda x: np.nanquantile(x, 0.5, axis=0, keepdims=True).astype(x.dtype), A34, torch_grad_fn=False),
    row("nansum", lambda M, x: x.nansum(1), lambda x: np.nansum(x, 1), A34, torch_grad_fn=False),
    row("nanmean", lambda M, x: M.nanmean(x, 0), lambda x: np.nanmean(x, 0), A34, torch_grad_fn=False),
    row("var_mean", lambda M, x: M.var_mean(x, 1)[0] * M.var_mean(x, 1)[1],
        lambda x: x.var(1, ddof=1) * x.mean(1), A34, torch_grad_fn=False),
    row("std_mean", lambda M, x: M.std_mean(x)[0] + M.std_mean(x)[1], lambda x: x.std(ddof=1) + x.mean(), A34,
        torch_grad_fn=False),
    row("aminmax", lambda M, x: M.aminmax(x, dim=0).min * x.aminmax(dim=0).max, lambda x: x.min(0) * x.max(0), A34,
        torch_grad_fn=False),
    # -- issue 19: an int beside a tensor index is a basic index in PyTorch (numpy moves the dims)
    row("index_int_slice_tensor", lambda M, x: x[1, :, M.tensor([0, 2])], lambda x: x[1][:, [0, 2]], [(2, 3, 4)]),
    row("index_slice_int_mask", lambda M, x: x[:, 1, M.tensor([True, False, True, True])],
        lambda x: x[:, 1][:, [True, False, True, True]], [(2, 3, 4)]),
    row("sinh_inplace", lambda M, x: (x * 1).sinh_(), np.sinh, A34),
    row("addcmul_inplace", lambda M, x, y, z: (x * 1).addcmul_(y, z), lambda x, y, z: x + y * z,
        [(3, 4), (3, 4), (3, 4)]),
    # -- issue 19: indexing writes and selections
    # index smaller than self in dim 0 (src as large as index: PyTorch's backward refuses a larger src)
    row("scatter_smaller_index", lambda M, x, y: x.scatter(1, M.tensor([[1], [3]]), y), _scatter_small,
        [(3, 4), (2, 1)]),
    *[row(f"scatter_reduce_{red}_{'self' if inc else 'noself'}",
          lambda M, x, y, red=red, inc=inc: x.scatter_reduce(0, M.tensor(SR_IDX), y, red, include_self=inc),
          _scatter_reduce_ref(red, inc), [(3, 4), (2, 4)], "nonzero")
      for red in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    row("scatter_reduce_inplace", lambda M, x, y: (x * 1).scatter_reduce_(0, M.tensor(SR_IDX), y, "sum"),
        _scatter_reduce_ref("sum", True), [(3, 4), (2, 4)]),
    row("index_add_alpha", lambda M, x, y: x.index_add(1, M.tensor([2, 0, 2]), y, alpha=-1.5),
        lambda x, y: _index_add_ref(x, y, [2, 0, 2], -1.5), [(3, 4), (3, 3)]),
    row("index_add_inplace", lambda M, x, y: (x * 1).index_add_(1, M.tensor([1]), y),
        lambda x, y: _index_add_ref(x, y, [1], 1), [(3, 4), (3, 1)]),
    row("index_fill", lambda M, x: x.index_fill(1, M.tensor([0, -1]), 0.5),
        lambda x: np.where(np.isin(np.arange(4), [0, 3]), np.asarray(0.5, x.dtype), x), A34),
    row("index_fill_tensor_value", lambda M, x, v: M.index_fill(x, 0, M.tensor([2, 0, 2]), v),
        lambda x, v: np.where(np.isin(np.arange(3), [0, 2])[:, None], v, x), [(3, 4), ()]),
    row("index_fill_inplace", lambda M, x: (x * 1).index_fill_(0, M.tensor([1]), -2.0),
        lambda x: np.where(np.arange(3)[:, None] == 1, np.asarray(-2.0, x.dtype), x), A34),
    row("index_copy", lambda M, x, y: x.index_copy(1, M.tensor([3, 0]), y),
        lambda x, y: _index_copy_ref(x, y), [(3, 4), (3, 2)]),
    row("index_copy_inplace", lambda M, x, y: (x * 1).index_copy_(0, M.tensor([1]), y),
        lambda x, y: np.concatenate([x[:1], y, x[2:]]), [(3, 4), (1, 4)]),
    row("index_put", lambda M, x, v: x.index_put((M.tensor([0, 2]), M.tensor([1, 3])), v),
        lambda x, v: _index_put_ref(x, v, [0, 2], [1, 3], False), [(3, 4), ()]),
    row("index_put_accumulate", lambda M, x, v: M.index_put(x, (M.tensor([0, 2, 0]),), v, accumulate=True),
        lambda x, v: _index_put_ref(x, v, [0, 2, 0], [slice(None)] * 3, True), [(3, 4), (4,)]),
    row("index_put_mask_inplace", lambda M, x, v: (x * 1).index_put_((M.tensor(MASK34),), v),
        lambda x, v: np.where(MASK34, v, x), [(3, 4), (1,)]),
    row("masked_scatter", lambda M, x, y: x.masked_scatter(M.tensor(MASK34), y),
        lambda x, y: _masked_scatter_ref(x, y, MASK34), [(3, 4), (2, 5)]),
    row("masked_scatter_broadcast_inplace", lambda M, x, y: (x * 1).masked_scatter_(M.tensor(MASK34[0]), y),
        lambda x, y: _masked_scatter_ref(x, y, MASK34[0]), [(3, 4), (9,)]),
    row("put", lambda M, x, y: x.put(M.tensor([[0, -1], [5, 6]]), y),
        lambda x, y: _put_ref(x, y, [[0, 11], [5, 6]], False), [(3, 4), (4,)]),
    row("put_accumulate_inplace", lambda M, x, y: (x * 1).put_(M.tensor([0, 5, 0]), y, accumulate=True),
        lambda x, y: _put_ref(x, y, [0, 5, 0], True), [(3, 4), (3,)]),
    row("take", lambda M, x: M.take(x, M.tensor([[0, -1], [5, 5]])), lambda x: x.reshape(-1)[[[0, 11], [5, 5]]],
        A34, torch_grad_fn=False),
    row("take_along_dim", lambda M, x: x.take_along_dim(M.tensor([[0, 3]]), dim=1),
        lambda x: np.take_along_axis(x, np.array([[0, 3]] * 3), 1), A34),
    row("take_along_dim_flat", lambda M, x: M.take_along_dim(x, M.tensor([11, 0, 11])),
        lambda x: x.reshape(-1)[[11, 0, 11]], A34),
    row("masked_select", lambda M, x: x.masked_select(M.tensor(MASK34)), lambda x: x[MASK34], A34,
        torch_grad_fn=False),
    row("masked_select_broadcast", lambda M, x: M.masked_select(x, M.tensor(MASK34[:, :1])),
        lambda x: np.broadcast_to(x, (3, 4))[np.broadcast_to(MASK34[:, :1], (3, 4))], [(4,)], torch_grad_fn=False),
    row("mode_values", lambda M, x: x.mode(1).values, lambda x: x.min(1), A34),
    row("det", lambda M, x: M.det(x), np.linalg.det, [(3, 3)]),
    row("det_method_batched", lambda M, x: x.det(), np.linalg.det, [(2, 3, 3)]),
    row("inverse", lambda M, x: (x + 3 * M.eye(3, dtype=x.dtype)).inverse(),
        lambda x: np.linalg.inv(x + 3 * np.eye(3, dtype=x.dtype)), [(3, 3)]),
    row("logdet", lambda M, x: M.logdet(x @ x.mT + M.eye(3, dtype=x.dtype)),
        lambda x: np.log(np.linalg.det(x @ x.T + np.eye(3, dtype=x.dtype))), [(3, 3)], torch_grad_fn=False),
    row("slogdet", lambda M, x: x.slogdet()[1] * M.slogdet(x).sign,
        lambda x: np.sign(np.linalg.det(x)) * np.log(np.abs(np.linalg.det(x))), [(3, 3)], torch_grad_fn=False),
    # -- the piecewise-linear activations (primitives in ops/nn.py for their second derivative)
    row("leaky_relu", lambda M, x: M.nn.functional.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x),
        A34, "nonzero"),
    row("prelu", lambda M, x, w: M.nn.functional.prelu(x, w), lambda x, w: np.where(x > 0, x, w * x),
        [(3, 4), (4,)], "nonzero"),
    row("hardtanh", lambda M, x: M.nn.functional.hardtanh(x, -1.5, 1.5), lambda x: np.clip(x, -1.5, 1.5),
        A34, "nonzero"),
    row("threshold", lambda M, x: M.nn.functional.threshold(x, 0.1, 20.0), lambda x: np.where(x > 0.1, x, 20.0),
        A34, "nonzero"),
    row("hardshrink", lambda M, x: M.nn.functional.hardshrink(x, 1.0),
        lambda x: np.where(np.abs(x) > 1.0, x, 0.0), A34, "nonzero"),
    row("softshrink", lambda M, x: M.nn.functional.softshrink(x, 1.0),
        lambda x: np.where(x > 1.0, x - 1.0, np.where(x < -1.0, x + 1.0, 0.0)), A34, "nonzero"),
]

_ids = [r.id for r in ROWS]
assert len(_ids) == len(set(_ids)), "duplicate row ids"

FWD_CASES = [pytest.param(r, np.dtype(dt), id=f"{r.id}-{np.dtype(dt).name}") for r in ROWS for dt in r.dtypes]
ROW_CASES = [pytest.param(r, id=r.id) for r in ROWS]


# ----------------------------------------------------------------------------- broadcasting table

BROADCAST_SHAPES = [((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3)), ((2, 3), ()), ((4, 1, 3), (2, 1)),
                    ((3,), (2, 3)), ((1,), (2, 3))]
_BINARY = [
    ("add", lambda M, x, y: x + y, np.add, ("any", "any")),
    ("sub", lambda M, x, y: x - y, np.subtract, ("any", "any")),
    ("mul", lambda M, x, y: x * y, np.multiply, ("any", "any")),
    ("div", lambda M, x, y: x / y, np.divide, ("any", "nonzero")),
    ("pow", lambda M, x, y: x ** y, np.power, ("pos", "any")),
    ("where", lambda M, x, y: M.where(x > y, x, y), lambda x, y: np.where(x > y, x, y), ("any", "any")),
]
BROADCAST_ROWS = [
    row(f"{name}-{sa}&{sb}", expr, ref, [sa, sb], domain)
    for name, expr, ref, domain in _BINARY
    for sa, sb in BROADCAST_SHAPES
]
BCAST_CASES = [pytest.param(r, id=r.id) for r in BROADCAST_ROWS]


# fmt: on
# ----------------------------------------------------------------------------- helpers


def _seed(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def make_inputs(r, dtype, rng=None):
    """Random float64 values from each input's domain, cast to ``dtype``."""
    rng = _seed(r.id) if rng is None else rng
    return [np.asarray(DOMAINS[d](rng, s)).astype(dtype) for s, d in zip(r.shapes, r.domains)]


def _weights(shape, dtype, seed=1):
    return np.asarray(np.random.default_rng(seed).uniform(0.5, 1.5, shape)).astype(dtype)


def _leaves(arrays):
    return [minigrad.tensor(a, requires_grad=True) for a in arrays]


def mg_value_and_grads(f, arrays, w_seed=1):
    """minigrad's output of ``f`` and the gradients of sum(out * w) w.r.t. every input."""
    xs = _leaves(arrays)
    out = f(*xs)
    w = _weights(out.shape, out.dtype.numpy, w_seed)
    out.backward(minigrad.tensor(w))
    for k, x in enumerate(xs):
        assert x.grad is not None, f"input {k} got no gradient"
    return out.detach().numpy(), [x.grad.numpy() for x in xs], w


def finite_differences(f, arrays, w, eps):
    """Central differences of sum(f(*arrays) * w) w.r.t. every element of every input.

    The step actually taken is measured from the stored values (in float32 the input
    cannot hold ``x +- eps`` exactly)."""

    def scalar(args):
        with minigrad.no_grad():
            out = f(*[minigrad.tensor(a) for a in args]).numpy()
        return float(np.sum(out.astype(np.float64) * w))

    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros(a.shape, np.float64)
        for i in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[k][i] = a[i] + eps
            minus[k][i] = a[i] - eps
            step = float(plus[k][i]) - float(minus[k][i])
            g[i] = (scalar(plus) - scalar(minus)) / step
        grads.append(g)
    return grads


def assert_close(actual, expected, rtol, atol, what=""):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def _torch_value_and_grads(torch, f, arrays, w):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = f(*ts)
    out.backward(torch.tensor(w))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _check_grads_fd(r):
    arrays = make_inputs(r, r.grad_dtype)
    _, grads, w = mg_value_and_grads(r.mg, arrays)
    expected = finite_differences(r.mg, arrays, w, r.eps)
    for k, (g, e) in enumerate(zip(grads, expected)):
        assert g.dtype == arrays[k].dtype, f"grad of input {k} has dtype {g.dtype}"
        assert_close(g, e, r.grad_tol, r.grad_tol, f"{r.id}: d/d input {k}")


def _check_torch(r):
    torch = pytest.importorskip("torch")
    arrays = make_inputs(r, r.grad_dtype)
    out, grads, w = mg_value_and_grads(r.mg, arrays)
    t_out, t_grads = _torch_value_and_grads(torch, r.th, arrays, w)
    assert out.dtype == t_out.dtype, f"{r.id}: dtype {out.dtype} vs torch {t_out.dtype}"
    fwd_rtol = 1e-12 if r.torch_rtol <= 1e-10 else r.torch_rtol  # a looser row is looser in both
    assert_close(out, t_out, fwd_rtol, 1e-12, f"{r.id}: forward vs torch")
    for k, (g, tg) in enumerate(zip(grads, t_grads)):
        assert_close(g, tg, r.torch_rtol, 1e-12, f"{r.id}: d/d input {k} vs torch")


# ----------------------------------------------------------------------------- generic tests


@pytest.mark.parametrize("r, dtype", FWD_CASES)
def test_forward_matches_numpy(r, dtype):
    arrays = make_inputs(r, dtype)
    out = r.mg(*[minigrad.tensor(a) for a in arrays])
    expected = np.asarray(r.ref(*arrays))
    assert isinstance(out, minigrad.Tensor)
    assert out.dtype.numpy == expected.dtype, f"dtype {out.dtype} != numpy's {expected.dtype}"
    assert_close(out.numpy(), expected, what=r.id, **FWD_TOL[np.dtype(dtype)])


@pytest.mark.parametrize("r", ROW_CASES)
def test_grad_matches_finite_differences(r):
    _check_grads_fd(r)


@pytest.mark.parametrize("r", ROW_CASES)
def test_grad_matches_torch(r):
    _check_torch(r)


@pytest.mark.parametrize("r", [c for c in ROW_CASES if c.values[0].torch_grad_fn])
def test_grad_fn_name_matches_torch(r):
    torch = pytest.importorskip("torch")
    arrays = make_inputs(r, r.grad_dtype)
    out = r.mg(*_leaves(arrays))
    t_out = r.th(*[torch.tensor(a, requires_grad=True) for a in arrays])
    assert out.grad_fn is not None
    assert out.grad_fn.name() == t_out.grad_fn.name()
    assert type(out.grad_fn).__name__ == t_out.grad_fn.name()


@pytest.mark.parametrize("r", ROW_CASES)
def test_backward_twice_accumulates(r):
    arrays = make_inputs(r, r.grad_dtype)
    xs = _leaves(arrays)
    out = r.mg(*xs)
    w = minigrad.tensor(_weights(out.shape, out.dtype.numpy))
    out.backward(w, retain_graph=True)
    first = [x.grad.numpy().copy() for x in xs]
    out.backward(w)
    for k, (x, g) in enumerate(zip(xs, first)):
        assert_close(x.grad.numpy(), 2 * g, 1e-12, 1e-12, f"{r.id}: input {k}")


@pytest.mark.parametrize("r", [c for c in ROW_CASES if len(c.values[0].shapes) > 1])
def test_grads_of_distinct_inputs_do_not_share_memory(r):
    # each leaf must own its .grad: zeroing or accumulating one must not touch another
    _, grads, _ = mg_value_and_grads(r.mg, make_inputs(r, r.grad_dtype))
    assert not np.shares_memory(grads[0], grads[1])


@pytest.mark.parametrize("r", [c for c in ROW_CASES if c.values[0].grad_dtype == F64])
def test_grad_float32_matches_torch(r):
    torch = pytest.importorskip("torch")
    arrays = make_inputs(r, F32)
    out, grads, w = mg_value_and_grads(r.mg, arrays)
    t_out, t_grads = _torch_value_and_grads(torch, r.th, arrays, w)
    assert out.dtype == t_out.dtype
    assert_close(out, t_out, 1e-5, 1e-6, f"{r.id}: forward vs torch")
    for k, (g, tg) in enumerate(zip(grads, t_grads)):
        assert g.dtype == tg.dtype == F32, f"{r.id}: grad dtype {g.dtype}"
        assert_close(g, tg, 1e-4, 1e-5, f"{r.id}: d/d input {k} vs torch")


def _non_contiguous(a, layout):
    """The same values as ``a`` in a non-contiguous buffer (a transposed or stepped view)."""
    if a.ndim == 0:
        return a.copy()
    if layout == "transposed" and a.ndim >= 2:
        view = np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)
    else:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        big[..., ::2] = a
        view = big[..., ::2]
    assert np.array_equal(view, a)
    return view


@pytest.mark.parametrize("layout", ["transposed", "stepped"])
@pytest.mark.parametrize("r", ROW_CASES)
def test_non_contiguous_inputs_match_contiguous(r, layout):
    arrays = make_inputs(r, r.grad_dtype)
    out, grads, _ = mg_value_and_grads(r.mg, arrays)
    views = [_non_contiguous(a, layout) for a in arrays]
    xs = [minigrad.from_numpy(v).requires_grad_() for v in views]
    nc_out = r.mg(*xs)
    nc_out.backward(minigrad.tensor(_weights(nc_out.shape, nc_out.dtype.numpy)))
    assert_close(nc_out.detach().numpy(), out, 1e-12, 1e-12, f"{r.id}: forward")
    for k, (x, g) in enumerate(zip(xs, grads)):
        assert_close(x.grad.numpy(), g, 1e-12, 1e-12, f"{r.id}: d/d input {k}")
    for v, a in zip(views, arrays):
        assert np.array_equal(v, a), "an op modified its input"


# ----------------------------------------------------------------------------- broadcasting


@pytest.mark.parametrize("r", BCAST_CASES)
def test_broadcast_forward_matches_numpy(r):
    arrays = make_inputs(r, F64)
    out = r.mg(*[minigrad.tensor(a) for a in arrays])
    assert_close(out.numpy(), r.ref(*arrays), 1e-12, 1e-12, r.id)


@pytest.mark.parametrize("r", BCAST_CASES)
def test_broadcast_grad_has_input_shape(r):
    arrays = make_inputs(r, F64)
    _, grads, _ = mg_value_and_grads(r.mg, arrays)
    assert [g.shape for g in grads] == [a.shape for a in arrays]


@pytest.mark.parametrize("r", BCAST_CASES)
def test_broadcast_grad_matches_finite_differences(r):
    _check_grads_fd(r)


@pytest.mark.parametrize("r", BCAST_CASES)
def test_broadcast_grad_matches_torch(r):
    _check_torch(r)


# ----------------------------------------------------------------------------- special points
# Gradients at kinks, zeros and poles follow PyTorch's conventions (abs'(0) = relu'(0) = 0,
# d(x**y)/dx = 0 where y == 0, d(x**y)/dy = 0 where x == 0 and y >= 0), with no warnings.

SPECIAL_POINTS = [
    ("abs_at_zero", lambda M, x: x.abs(), [[0.0, -0.0, 1.5, -1.5]]),
    ("relu_at_zero", lambda M, x: x.relu(), [[0.0, -0.0, 1.5, -1.5]]),
    ("sqrt_at_zero", lambda M, x: x.sqrt(), [[0.0, 4.0]]),
    ("log_at_zero", lambda M, x: x.log(), [[0.0, 4.0]]),
    ("div_by_zero", lambda M, x, y: x / y, [[1.0, -1.0, 0.0], [0.0, 0.0, 2.0]]),
    ("pow_zero_exponent_at_zero", lambda M, x: x**0, [[0.0, 2.0]]),
    ("pow_square_at_zero", lambda M, x: x**2, [[0.0, -0.0, 2.0]]),
    ("pow_half_at_zero", lambda M, x: x**0.5, [[0.0, 2.0]]),
    ("pow_negative_at_zero", lambda M, x: x**-1, [[0.0, 2.0]]),
    ("pow_tensor_positive_exponent_at_zero_base", lambda M, x, y: x**y, [[0.0, 0.0], [2.0, 0.5]]),
    ("pow_tensor_zero_exponent_at_zero_base", lambda M, x, y: x**y, [[0.0, 3.0], [0.0, 0.0]]),
    ("pow_tensor_negative_exponent_at_zero_base", lambda M, x, y: x**y, [[0.0, 3.0], [-1.0, -1.0]]),
    ("sigmoid_saturated", lambda M, x: x.sigmoid(), [[-1000.0, 1000.0, 0.0]]),
    ("tanh_saturated", lambda M, x: x.tanh(), [[-1000.0, 1000.0, 0.0]]),
    # issue 19: these raised "math domain error"
    ("rpow_zero_base", lambda M, x: 0**x, [[-1.0, 0.0, 0.5, 2.0]]),
    ("rpow_negative_base", lambda M, x: (-2.0) ** x, [[-1.0, 0.0, 0.5, 2.0]]),
    # the kinks and NaN of the piecewise-linear activations (issue 14: now primitives)
    (
        "leaky_relu_at_kink",
        lambda M, x: M.nn.functional.leaky_relu(x, 0.2),
        [[0.0, -0.0, 1.5, -1.5, math.nan]],
    ),
    ("hardtanh_at_kinks", lambda M, x: M.nn.functional.hardtanh(x), [[-1.0, 1.0, 0.5, -2.0, 2.0, math.nan]]),
    ("threshold_at_kink", lambda M, x: M.nn.functional.threshold(x, 0.5, -3.0), [[0.5, 0.4, 0.6, math.nan]]),
    ("hardshrink_at_kinks", lambda M, x: M.nn.functional.hardshrink(x), [[0.5, -0.5, 0.7, 0.1, math.nan]]),
    ("softshrink_at_kinks", lambda M, x: M.nn.functional.softshrink(x), [[0.5, -0.5, 0.7, -0.7, math.nan]]),
    ("prelu_at_kink", lambda M, x, w: M.nn.functional.prelu(x, w), [[0.0, -1.0, 2.0, math.nan], [0.25]]),
]


@pytest.mark.parametrize("expr, values", [pytest.param(e, v, id=i) for i, e, v in SPECIAL_POINTS])
def test_special_point_grad_matches_torch(expr, values):
    torch = pytest.importorskip("torch")
    arrays = [np.array(v, dtype=np.float64) for v in values]
    out, grads, w = mg_value_and_grads(functools.partial(expr, minigrad), arrays)
    t_out, t_grads = _torch_value_and_grads(torch, functools.partial(expr, torch), arrays, w)
    np.testing.assert_allclose(out, t_out, rtol=1e-15, atol=0)
    for k, (g, tg) in enumerate(zip(grads, t_grads)):
        np.testing.assert_allclose(g, tg, rtol=1e-12, atol=0, equal_nan=True, err_msg=f"d/d input {k}")


# ----------------------------------------------------------------------------- second order

SECOND_ORDER = [
    row("cube", lambda M, x: x**3, None, [(5,)]),
    row("sin", lambda M, x: M.sin(x), None, [(5,)]),
    row("cos", lambda M, x: x.cos(), None, [(5,)]),
    row("tanh", lambda M, x: M.tanh(x), None, [(5,)]),
    row("sigmoid", lambda M, x: M.sigmoid(x), None, [(5,)]),
    row("exp_times_x", lambda M, x: M.exp(x) * x, None, [(5,)]),
    row("log", lambda M, x: M.log(x), None, [(5,)], "pos"),
    row("div", lambda M, x, y: x / y, None, [(5,), (5,)], ("any", "nonzero")),
    row("pow_tensor", lambda M, x, y: x**y, None, [(5,), (5,)], ("pos", "any")),
    row("matmul", lambda M, a, b: a @ b, None, [(3, 4), (4, 2)]),
    row("matmul_batched_sum", lambda M, a, b: ((a @ b) ** 2).sum(dim=-1), None, [(2, 3, 4), (4, 2)]),
    row("t_matmul_self", lambda M, x: x.t() @ x, None, [(3, 2)]),
    row("sqrt", lambda M, x: x.sqrt(), None, [(5,)], "pos"),
    row("rdiv_scalar", lambda M, x: 3 / x, None, [(5,)], "nonzero"),
    row("rpow_scalar", lambda M, x: 2**x, None, [(5,)]),
    row("relu_squared", lambda M, x: M.relu(x) ** 2, None, [(5,)], "nonzero"),
    row("abs_cubed", lambda M, x: abs(x) ** 3, None, [(5,)], "nonzero"),
    row("index_repeated_squared", lambda M, x: x[M.tensor(IDX)] ** 2, None, [(3,)]),
    row("mean_dim_cubed", lambda M, x: x.mean(dim=1) ** 3, None, [(3, 4)]),
    row("sum_keepdim_times_x", lambda M, x: x.sum(dim=1, keepdim=True) * x, None, [(3, 4)]),
    row("expand_times_x", lambda M, x, y: x.expand(3, 4) * y, None, [(3, 1), (3, 4)]),
    row("where_squared", lambda M, x, y: M.where(M.tensor(MASK34), x, y) ** 2, None, AB34),
    row("broadcast_mul", lambda M, x, y: M.sin(x * y), None, [(3, 1), (4,)]),
    row("log2", lambda M, x: x.log2(), None, [(5,)], "pos"),
    row("exp2_times_log10", lambda M, x: M.exp2(x) * x.log10(), None, [(5,)], "pos"),
    row("tril_squared", lambda M, x: M.tril(x * x, -1), None, [(3, 3)]),
    row("sort_cubed", lambda M, x: x.sort(descending=True).values ** 3, None, [(5,)]),
    row("topk_kthvalue", lambda M, x: x.topk(3).values ** 2 * x.kthvalue(2).values, None, [(5,)]),
    # zero second derivatives that must still reach x (issue 14: PyTorch gives zeros, not None)
    row("leaky_relu_second", lambda M, x: M.nn.functional.leaky_relu(x, 0.1) * x, None, [(5,)], "nonzero"),
    row(
        "prelu_second",
        lambda M, x, w: M.nn.functional.prelu(x, w) * x,
        None,
        [(5,), (1,)],
        ("nonzero", "any"),
    ),
    row("hardtanh_second", lambda M, x: M.nn.functional.hardtanh(x), None, [(5,)], "nonzero"),
    row("relu6_second", lambda M, x: M.nn.functional.relu6(x * 4), None, [(5,)], "nonzero"),
    row("threshold_second", lambda M, x: M.nn.functional.threshold(x, 0.1, 2.0), None, [(5,)], "nonzero"),
    row("hardshrink_second", lambda M, x: M.nn.functional.hardshrink(x, 1.0), None, [(5,)], "nonzero"),
    row("softshrink_second", lambda M, x: M.nn.functional.softshrink(x, 1.0), None, [(5,)], "nonzero"),
]
SECOND_CASES = [pytest.param(r, id=r.id) for r in SECOND_ORDER]


def _vectors(arrays, seed=2):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, a.shape) for a in arrays]


def _mg_second(r, arrays):
    """(first grads, second grads) of s = sum_k <d(sum(out*w))/dx_k, v_k> via create_graph."""
    xs = _leaves(arrays)
    out = r.mg(*xs)
    w = minigrad.tensor(_weights(out.shape, F64))
    firsts = minigrad.autograd.grad(out, xs, grad_outputs=w, create_graph=True)
    s = None
    for g, v in zip(firsts, _vectors(arrays)):
        term = (g * minigrad.tensor(v)).sum()
        s = term if s is None else s + term
    seconds = minigrad.autograd.grad(s, xs)
    return [g.detach().numpy() for g in firsts], [g.numpy() for g in seconds]


def _mg_first_dot_v(r):
    """x -> sum_k <first grad_k(x), v_k>, computed with first-order minigrad only."""

    def f(*xs):
        leaves = [minigrad.tensor(x.numpy(), requires_grad=True) for x in xs]
        with minigrad.enable_grad():
            out = r.mg(*leaves)
            w = minigrad.tensor(_weights(out.shape, F64))
            firsts = minigrad.autograd.grad(out, leaves, grad_outputs=w)
        vs = _vectors([x.numpy() for x in xs])
        total = sum(float(np.sum(g.numpy() * v)) for g, v in zip(firsts, vs))
        return minigrad.from_numpy(np.array(total, dtype=np.float64))

    return f


@pytest.mark.parametrize("r", SECOND_CASES)
def test_second_order_first_grads_match_first_order(r):
    arrays = make_inputs(r, F64)
    firsts, _ = _mg_second(r, arrays)
    _, plain, _ = mg_value_and_grads(r.mg, arrays)
    for g, p in zip(firsts, plain):
        assert_close(g, p, 1e-14, 1e-14, r.id)


@pytest.mark.parametrize("r", SECOND_CASES)
def test_second_order_matches_finite_differences(r):
    arrays = make_inputs(r, F64)
    _, seconds = _mg_second(r, arrays)
    expected = finite_differences(_mg_first_dot_v(r), arrays, np.float64(1.0), 1e-6)
    for k, (g, e) in enumerate(zip(seconds, expected)):
        assert_close(g, e, 1e-6, 1e-6, f"{r.id}: d2/d input {k}")


@pytest.mark.parametrize("r", SECOND_CASES)
def test_second_order_matches_torch(r):
    torch = pytest.importorskip("torch")
    arrays = make_inputs(r, F64)
    _, seconds = _mg_second(r, arrays)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = r.th(*ts)
    firsts = torch.autograd.grad(
        out, ts, grad_outputs=torch.tensor(_weights(tuple(out.shape), F64)), create_graph=True
    )
    s = sum((g * torch.tensor(v)).sum() for g, v in zip(firsts, _vectors(arrays)))
    t_seconds = torch.autograd.grad(s, ts)
    for k, (g, tg) in enumerate(zip(seconds, t_seconds)):
        assert_close(g, tg.numpy(), 1e-10, 1e-12, f"{r.id}: d2/d input {k} vs torch")


# ----------------------------------------------------------------------------- dtype promotion

PROMOTION = [
    ("int64_plus_float_scalar", lambda M: M.tensor([1, 2, 3]) + 2.5),
    ("int64_times_int_scalar", lambda M: M.tensor([1, 2, 3]) * 2),
    ("int64_div_int64", lambda M: M.tensor([1, 2, 3]) / M.tensor([2, 4, 4])),
    ("int64_div_int_scalar", lambda M: M.tensor([1, 2, 3]) / 2),
    ("float32_plus_float64", lambda M: M.tensor([1.0, 2.0]) + M.tensor([0.5, 0.25], dtype=M.float64)),
    ("float64_0d_plus_float32", lambda M: M.tensor(1.5, dtype=M.float64) + M.tensor([1.0, 2.0, 3.0])),
    ("float32_plus_float64_0d", lambda M: M.tensor([1.0, 2.0, 3.0]) + M.tensor(1.5, dtype=M.float64)),
    ("int64_plus_float32", lambda M: M.tensor([1, 2]) + M.tensor([0.5, 0.25])),
    ("int32_plus_int64", lambda M: M.tensor([1, 2], dtype=M.int32) + M.tensor([3, 4])),
    ("int64_0d_plus_int32", lambda M: M.tensor(3) + M.tensor([1, 2], dtype=M.int32)),
    ("bool_plus_int_scalar", lambda M: M.tensor([True, False]) + 1),
    ("bool_times_float_scalar", lambda M: M.tensor([True, False]) * 1.5),
    ("float64_times_float_scalar", lambda M: M.tensor([1.0], dtype=M.float64) * 2.5),
    ("float32_rsub_int_scalar", lambda M: 1 - M.tensor([0.5, 0.25])),
    ("int64_exp", lambda M: M.exp(M.tensor([0, 1]))),
    ("int64_sum", lambda M: M.tensor([[1, 2], [3, 4]], dtype=M.int32).sum(dim=0)),
]


@pytest.mark.parametrize("expr", [pytest.param(e, id=i) for i, e in PROMOTION])
def test_promotion_matches_torch(expr):
    torch = pytest.importorskip("torch")
    out, t_out = expr(minigrad), expr(torch)
    assert out.dtype.name == str(t_out.dtype).split(".")[-1]
    assert out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(out.numpy(), t_out.numpy(), rtol=1e-6)


def test_tensor_with_float64_dtype_keeps_python_float_precision():
    # ops mixing a float64 tensor with minigrad.tensor(<python float>, dtype=float64) must
    # not lose the float64 precision of the constant (PyTorch keeps all 53 bits)
    values = [0.1, 1 / 3, 1e-300]
    out = minigrad.tensor(values, dtype=minigrad.float64)
    assert out.numpy().tolist() == values
    assert minigrad.tensor(0.1, dtype=minigrad.float64).item() == 0.1


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "name, fn",
    [
        ("add", lambda x, y: x + y),
        ("add", lambda x, y: minigrad.add(x, y)),
        ("sub", lambda x, y: x - y),
        ("mul", lambda x, y: x * y),
        ("div", lambda x, y: x / y),
    ],
    ids=["add", "add_fn", "sub", "mul", "div"],
)
def test_binary_shape_mismatch_raises_with_op_and_shapes(name, fn):
    x, y = minigrad.ones(2, 3, requires_grad=True), minigrad.ones(4)
    with pytest.raises(RuntimeError) as info:
        fn(x, y)
    msg = str(info.value)
    assert name in msg and "(2, 3)" in msg and "(4,)" in msg


@pytest.mark.parametrize(
    "sa, sb",
    [
        ((2, 3), (4, 5)),
        ((2, 3), (4,)),
        ((3,), (4,)),
        ((3,), (4, 2)),
        ((2, 2, 3), (2, 4, 5)),
        ((2, 2, 3), (4, 5)),
    ],
)
def test_matmul_mismatch_raises_cannot_be_multiplied(sa, sb):
    a, b = minigrad.ones(*sa), minigrad.ones(*sb)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        a @ b


@pytest.mark.parametrize(
    "expr",
    [lambda x: x.mean(), lambda x: x.mean(dim=0), lambda x: minigrad.mean(x)],
    ids=["mean", "mean_dim", "mean_fn"],
)
def test_mean_of_int_tensor_raises(expr):
    with pytest.raises(RuntimeError):
        expr(minigrad.tensor([[1, 2], [3, 4]]))


@pytest.mark.parametrize(
    "call", [lambda x: x.cumsum(1), lambda x: x.argmax(1), lambda x: x.max(1), lambda x: x.transpose(0, 1)]
)
def test_zero_d_tensor_accepts_only_dims_minus_one_and_zero(call):
    # issue 8: dim=1 used to be accepted on a 0-d tensor
    with pytest.raises(IndexError, match="Dimension out of range"):
        call(minigrad.tensor(2.0))


def test_cumsum_and_flip_of_zero_d_tensor_stay_zero_d():
    x = minigrad.tensor(2.0, requires_grad=True)
    y = x.cumsum(0).flip(0)
    assert y.shape == () and y.item() == 2.0
    y.backward()
    assert x.grad.item() == 1.0
