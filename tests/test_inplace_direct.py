"""In-place arithmetic written straight into the tensor (``ops.elementwise.inplace``'s fast
path): when nothing is recorded, ``x += y`` runs one C loop into x's buffer instead of
computing a new array and copying it back. The results must be exactly those of the general
path, views and version counters must behave as before, and cases the loop cannot do safely
(partial overlap, other dtypes, broadcasting x itself) must take the general path."""

import numpy as np
import pytest

import minigrad
from minigrad import _kernels as K

OPS = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.divide}


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("other_kind", ["scalar", "same", "row", "tensor_0d"])
def test_matches_numpy_and_writes_into_the_same_buffer(name, dtype, other_kind):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5)).astype(dtype)
    other = {
        "scalar": 1.5,
        "same": rng.standard_normal((4, 5)).astype(dtype) + 3,
        "row": rng.standard_normal(5).astype(dtype) + 3,
        "tensor_0d": np.asarray(2.5, dtype),
    }[other_kind]
    x = minigrad.tensor(a.copy())
    buffer, version = x.numpy(), x._version
    arg = other if other_kind == "scalar" else minigrad.tensor(other)
    assert getattr(x, name)(arg) is x
    np.testing.assert_array_equal(x.numpy(), OPS[name](a, other).astype(dtype))
    assert x._version == version + 1
    assert np.shares_memory(x.numpy(), buffer)


def test_the_sgd_update_of_a_tutorial_is_direct_and_exact():
    w = minigrad.randn(3, 4, requires_grad=True)
    (w * w).sum().backward()
    before, buffer = w.detach().numpy().copy(), w.detach().numpy()
    with minigrad.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_array_equal(w.detach().numpy(), before - np.float32(0.1) * (2 * before))
    assert np.shares_memory(w.detach().numpy(), buffer) and w.grad_fn is None and w.requires_grad


def test_a_partially_overlapping_view_takes_the_general_path():
    base = np.arange(10.0)
    x = minigrad.tensor(base.copy())
    x[1:] += x[:-1]  # numpy semantics: the right side is read first
    expected = base.copy()
    expected[1:] += base[:-1].copy()
    np.testing.assert_array_equal(x.numpy(), expected)
    assert K.binary_into(K.BINARY["add"], base[1:], base[:-1]) is False


def test_a_view_changes_its_base_and_shares_the_version():
    x = minigrad.zeros(2, 3)
    row = x[1]
    row += 1.0
    np.testing.assert_array_equal(x.numpy(), [[0, 0, 0], [1, 1, 1]])
    assert x._version == row._version == 1


def test_cases_the_loop_does_not_take_are_unchanged():
    i = minigrad.tensor([1, 2, 3])
    i += 2  # integer: the general path
    assert i.dtype == minigrad.int64 and i.tolist() == [3, 4, 5]
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 0.5
    x = minigrad.ones(3)
    x += minigrad.ones(3, dtype=minigrad.float64)  # other dtype: cast, as in PyTorch
    assert x.dtype == minigrad.float32 and x.tolist() == [2, 2, 2]
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x += minigrad.ones(2, 3)
    y = minigrad.ones(3)
    y /= 0.0  # inf, silently, as in PyTorch
    assert np.isinf(y.numpy()).all()
    ro = np.ones(3, np.float32)
    ro.flags.writeable = False
    assert K.binary_into(K.BINARY["add"], ro, 1.0) is False


def test_recorded_in_place_ops_keep_their_history():
    x = minigrad.ones(3, requires_grad=True)
    y = x * 2
    y += 1  # grad mode on and y requires grad: recorded
    assert y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [2, 2, 2]
