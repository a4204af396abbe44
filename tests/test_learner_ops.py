"""The tensor ops learner programs call (issue 12, item 4), checked against PyTorch: integer
0-d tensors wherever an index or a size goes, sort/topk values, indices, ties and stability,
all/any, isclose/allclose/equal, narrow, the histograms and bincount, and numpy's keywords.

The gradients of the differentiable ones are rows of tests/test_ops.py; here are the values
and behaviours a table row does not reach. Every expression is written once, as ``f(L)``
with ``L`` minigrad or torch, and the two results are compared.
"""

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")


def _plain(out):
    """A result as comparable Python data: (dtype name, values) per tensor, recursively."""
    if isinstance(out, (tuple, list)):
        return [_plain(o) for o in out]
    if hasattr(out, "detach"):
        return (str(out.dtype).split(".")[-1], tuple(out.shape), out.detach().numpy().tolist())
    if hasattr(out, "__len__") and not isinstance(out, str):        # Size
        return tuple(out)
    return out


def _same(expr, rtol=1e-6):
    ours, theirs = _plain(expr(minigrad)), _plain(expr(torch))
    _assert_same(ours, theirs, rtol)


def _assert_same(ours, theirs, rtol):
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b, rtol)
    elif isinstance(theirs, tuple) and len(theirs) == 3 and isinstance(theirs[0], str):
        assert ours[:2] == theirs[:2], (ours, theirs)
        np.testing.assert_allclose(np.asarray(ours[2], dtype=float), np.asarray(theirs[2], dtype=float),
                                   rtol=rtol, atol=1e-7, equal_nan=True)
    else:
        assert ours == theirs, (ours, theirs)


# ----------------------------------------------------------------------------- integer 0-d tensors as ints

DATA = lambda L: L.arange(20.0)                         # noqa: E731
I2 = lambda L: L.tensor(2)                              # noqa: E731

AS_INDEX = {
    "slice_start_stop": lambda L: DATA(L)[I2(L):I2(L) + 4],
    "slice_step": lambda L: DATA(L)[::I2(L)],
    "slice_numpy_ints": lambda L: DATA(L)[np.int64(3):np.int64(7):np.int64(2)],
    "int_index": lambda L: DATA(L)[I2(L)],
    "int_index_numpy": lambda L: DATA(L)[np.int32(5)],
    "tuple_index": lambda L: DATA(L).reshape(4, 5)[I2(L), I2(L) + 1],
    "tuple_slice_and_int": lambda L: DATA(L).reshape(4, 5)[I2(L), 1:I2(L) + 2],
    "one_element_tensor_as_bound": lambda L: DATA(L)[L.tensor([3]):8],
    "with_advanced_index": lambda L: DATA(L).reshape(4, 5)[I2(L), L.tensor([0, 4])],
    "setitem": lambda L: _setitem(L),
    "narrow": lambda L: DATA(L).narrow(0, I2(L), I2(L) + 1),
    "split": lambda L: DATA(L).split(I2(L) * 7),
    "chunk": lambda L: DATA(L).chunk(I2(L) + 1),
    "reshape": lambda L: DATA(L).reshape(I2(L) * 2, -1),
    "view": lambda L: DATA(L).view(I2(L) + 2, 5),
    "repeat": lambda L: DATA(L)[:3].repeat(I2(L)),
    "expand": lambda L: DATA(L)[:3].expand(I2(L), 3),
    "permute": lambda L: DATA(L).reshape(4, 5).permute(I2(L) - 1, 0),
    "unsqueeze_dim": lambda L: DATA(L).unsqueeze(I2(L) - 2),
    "flip_dim": lambda L: DATA(L)[:4].flip(I2(L) - 2),
    "roll_shift": lambda L: DATA(L)[:4].roll(I2(L)),
    "range": lambda L: [int(k) for k in range(I2(L))],
    "get_batch": lambda L: L.stack([DATA(L)[i:i + 3] for i in L.tensor([4, 0, 9])]),
}


def _setitem(L):
    x = L.zeros(6)
    x[I2(L):I2(L) + 2] = 1.0
    x[I2(L) + 3] = 5.0
    return x


@pytest.mark.parametrize("name", sorted(AS_INDEX))
def test_integer_0d_tensor_works_as_an_index_like_torch(name):
    _same(AS_INDEX[name])


def test_slice_of_0d_tensor_bounds_is_a_differentiable_slice():
    # issue 12: data[i:i + block] raised "eq(): unsupported operand of type NoneType"
    x = minigrad.arange(10.0, requires_grad=True)
    i = minigrad.randint(0, 5, (3,))[0]
    y = x[i:i + 3]
    assert type(y.grad_fn).__name__ == "SliceBackward0"
    y.sum().backward()
    expected = np.zeros(10)
    expected[int(i):int(i) + 3] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_0d_integer_tensor_index_selects_like_an_int():
    x = minigrad.arange(6.0, requires_grad=True).reshape(2, 3)
    assert type(x[minigrad.tensor(1)].grad_fn).__name__ == "SelectBackward0"


BAD_INDEX = {
    "float_tensor_index": lambda L: DATA(L)[L.tensor(1.0)],
    "float_tensor_vector_index": lambda L: DATA(L)[L.tensor([1.0, 2.0])],
    "float_tensor_slice_bound": lambda L: DATA(L)[L.tensor(1.0):3],
    "vector_slice_bound": lambda L: DATA(L)[L.tensor([1, 2]):3],
    "float_slice_bound": lambda L: DATA(L)[1.5:3],
    "float_tensor_size": lambda L: DATA(L).reshape(L.tensor(4.0), 5),
}


@pytest.mark.parametrize("name", sorted(BAD_INDEX))
def test_non_integer_index_raises_torchs_error(name):
    with pytest.raises(Exception) as theirs:
        BAD_INDEX[name](torch)
    with pytest.raises(type(theirs.value)):
        BAD_INDEX[name](minigrad)
