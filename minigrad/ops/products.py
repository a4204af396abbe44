"""The named products around matmul: bmm, mv, dot/vdot, outer, inner, tensordot, kron, cross,
and the fused-looking addmm/addmv/addbmm/baddbmm.

All are compositions of ``matmul``, ``reshape``/``permute`` and elementwise ops (their
gradients come from those, already tested); each checks the shapes PyTorch checks first, so a
wrong shape names the op rather than matmul.
"""

import numpy as np

from .._tape import Tensor
from ._core import _broadcast_error, _dim1, _ints, export
from .elementwise import mul, sub
from .join import stack
from .linalg import matmul
from .shape import expand, permute, reshape


def _need(op, x, ndim, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(x).__name__}")
    if x.ndim != ndim:
        raise RuntimeError(
            f"{op}: {what} must be a {ndim}-D tensor, got a {x.ndim}-D tensor of shape {tuple(x.shape)}"
        )


@export
def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors: (b, n, m) @ (b, m, p) -> (b, n, p).

    ``input``: (b, n, m); ``mat2``: (b, m, p); no broadcasting (``matmul`` broadcasts).

    >>> minigrad.bmm(minigrad.ones(2, 3, 4), minigrad.ones(2, 4, 5)).shape
    minigrad.Size([2, 3, 5])
    """
    _need("bmm", input, 3, "batch1")
    _need("bmm", mat2, 3, "batch2")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(
            f"bmm: batch1 and batch2 must have the same batch size, got {tuple(input.shape)} and {tuple(mat2.shape)}"
        )
    return matmul(input, mat2)


@export
def mv(input, vec):
    """Matrix times vector: (n, m) @ (m,) -> (n,).

    ``input``: the (n, m) matrix; ``vec``: the (m,) vector.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).mv(minigrad.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    _need("mv", input, 2, "input")
    _need("mv", vec, 1, "vec")
    return matmul(input, vec)


@export("vdot")
def dot(input, tensor):
    """The dot product of two 1-D tensors of one size. ``vdot`` is the same function (real
    tensors have nothing to conjugate).

    ``input``, ``tensor``: the two vectors (one dtype, as in PyTorch).

    >>> minigrad.dot(minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    _need("dot", input, 1, "input")
    _need("dot", tensor, 1, "tensor")
    if input.shape != tensor.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{tensor.shape[0]}] to "
            "have the same number of elements, but got different sizes (dot)"
        )
    return matmul(input, tensor)


vdot = dot  # real tensors: no conjugate


@export("ger")
def outer(input, vec2):
    """The outer product of two vectors: (n,) and (m,) -> (n, m). ``ger`` is the same function.

    ``input``: the (n,) vector (rows); ``vec2``: the (m,) vector (columns).

    >>> minigrad.outer(minigrad.tensor([1, 2]), minigrad.tensor([1, 10]))
    tensor([[ 1, 10],
            [ 2, 20]])
    """
    _need("outer", input, 1, "input")
    _need("outer", vec2, 1, "vec2")
    return mul(reshape(input, (-1, 1)), vec2)


ger = outer


@export
def inner(input, other):
    """Sum over the last dims of both: shape input.shape[:-1] + other.shape[:-1].

    ``input``, ``other``: tensors whose last dims have one size (a 0-d one multiplies).

    >>> minigrad.inner(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]), minigrad.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{tuple(input.shape)} and {tuple(other.shape)}"
        )
    return tensordot(input, other, ([-1], [-1]))


@export(method=False)
def tensordot(a, b, dims=2):
    """Sum of products over ``dims``: an int (the last ``dims`` of a with the first of b) or
    two lists of dims.

    ``a``, ``b``: the tensors; ``dims``: an int, or ([dims of a], [dims of b]) paired in order.

    >>> minigrad.tensordot(minigrad.ones(2, 3, 4), minigrad.ones(3, 4, 5)).shape
    minigrad.Size([2, 5])
    >>> minigrad.tensordot(minigrad.ones(2, 3), minigrad.ones(3, 2), dims=([1], [0]))
    tensor([[3., 3.],
            [3., 3.]])
    """
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = (list(_ints("tensordot", d)) for d in dims)
        da = [_dim1("tensordot", d, a.ndim) for d in da]
        db = [_dim1("tensordot", d, b.ndim) for d in db]
    if len(da) != len(db) or any(a.shape[i] != b.shape[j] for i, j in zip(da, db)):
        raise RuntimeError(
            f"tensordot: contracted dimensions need to match, but got dims {da} of {tuple(a.shape)} and "
            f"{db} of {tuple(b.shape)}"
        )
    free_a = [i for i in range(a.ndim) if i not in da]
    free_b = [j for j in range(b.ndim) if j not in db]
    k = 1
    for i in da:
        k *= a.shape[i]
    a2 = reshape(permute(a, free_a + da), (-1, k))
    b2 = reshape(permute(b, db + free_b), (k, -1))
    return reshape(matmul(a2, b2), tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b))


@export
def kron(input, other):
    """The Kronecker product: blocks input[i, j] * other.

    ``input``: the tensor whose elements scale the blocks; ``other``: the block (the fewer
    dims of the two get leading 1s).

    >>> minigrad.kron(minigrad.tensor([1, 2]), minigrad.tensor([1, 10]))
    tensor([ 1, 10,  2, 20])
    """
    n = max(input.ndim, other.ndim)
    a = reshape(input, (1,) * (n - input.ndim) + tuple(input.shape))
    b = reshape(other, (1,) * (n - other.ndim) + tuple(other.shape))
    # interleave: a's dims at even positions, b's at odd ones, then merge each pair
    prod = mul(reshape(a, sum(((s, 1) for s in a.shape), ())), reshape(b, sum(((1, s) for s in b.shape), ())))
    return reshape(prod, tuple(p * q for p, q in zip(a.shape, b.shape)))


@export
def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (by default the first dim of size 3, as
    torch.cross; ``linalg.cross`` takes -1).

    ``input``, ``other``: tensors broadcast together, of size 3 along ``dim``; ``dim``: the dim
    of the vectors.

    >>> minigrad.cross(minigrad.tensor([1.0, 0.0, 0.0]), minigrad.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if input.ndim != other.ndim:
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions (got {tuple(input.shape)} and "
            f"{tuple(other.shape)})"
        )
    if input.shape != other.shape:
        try:
            shape = np.broadcast_shapes(input.shape, other.shape)
        except ValueError:
            raise _broadcast_error("cross", input.shape, other.shape) from None
        input, other = expand(input, shape), expand(other, shape)
    if dim is None:
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input of shape {tuple(input.shape)} (cross)")
    d = _dim1("cross", dim, input.ndim)
    if input.shape[d] != 3 or other.shape != input.shape:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {d} must have length 3. Got {tuple(input.shape)} and "
            f"{tuple(other.shape)}"
        )
    a, b = input.unbind(d), other.unbind(d)
    return stack([sub(mul(a[1], b[2]), mul(a[2], b[1])), sub(mul(a[2], b[0]), mul(a[0], b[2])),
                  sub(mul(a[0], b[1]), mul(a[1], b[0]))], d)  # fmt: skip


def _scaled_sum(input, prod, beta, alpha):
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:  # PyTorch: input is ignored (nan and inf in it do not propagate)
        return prod
    return (input if beta == 1 else mul(input, beta)) + prod


@export
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2).

    ``input``: broadcast to (n, p); ``mat1``: (n, m); ``mat2``: (m, p); ``beta``: the factor of
    ``input`` (0 ignores it, NaN included); ``alpha``: the factor of the product.

    >>> minigrad.addmm(minigrad.ones(2, 2), minigrad.eye(2), minigrad.eye(2), beta=2)
    tensor([[3., 2.],
            [2., 3.]])
    """
    _need("addmm", mat1, 2, "mat1")
    _need("addmm", mat2, 2, "mat2")
    return _scaled_sum(input, matmul(mat1, mat2), beta, alpha)


@export
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec).

    ``input``: broadcast to (n,); ``mat``: (n, m); ``vec``: (m,); ``beta``: the factor of
    ``input`` (0 ignores it, NaN included); ``alpha``: the factor of the product.

    >>> minigrad.addmv(minigrad.ones(2), minigrad.eye(2), minigrad.tensor([1.0, 2.0]), alpha=10)
    tensor([11., 21.])
    """
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


@export
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * bmm(batch1, batch2).

    ``input``: broadcast to (b, n, p); ``batch1``: (b, n, m); ``batch2``: (b, m, p); ``beta``:
    the factor of ``input`` (0 ignores it, NaN included); ``alpha``: the factor of the product.

    >>> minigrad.baddbmm(minigrad.zeros(1), minigrad.ones(2, 3, 4), minigrad.ones(2, 4, 5)).shape
    minigrad.Size([2, 3, 5])
    """
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


@export
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i]).

    ``input``: broadcast to (n, p); ``batch1``: (b, n, m); ``batch2``: (b, m, p); ``beta``: the
    factor of ``input`` (0 ignores it, NaN included); ``alpha``: the factor of the product.

    >>> minigrad.addbmm(minigrad.zeros(3, 5), minigrad.ones(2, 3, 4), minigrad.ones(2, 4, 5))[0, 0]
    tensor(8.)
    """
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


@export
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2).

    ``input``: broadcast to (n, m); ``vec1``: (n,); ``vec2``: (m,); ``beta``: the factor of
    ``input`` (0 ignores it, NaN included); ``alpha``: the factor of the product.

    >>> minigrad.addr(minigrad.zeros(2, 2), minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 3.0]))
    tensor([[1., 3.],
            [2., 6.]])
    """
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)
