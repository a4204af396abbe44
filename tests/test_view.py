"""``view`` and ``reshape`` on non-contiguous tensors (issue 17): ``view`` shares memory or
raises PyTorch's error, never copies silently; ``reshape`` copies only where no view exists."""

import itertools

import numpy as np
import pytest

import minigrad


def _grid(*shape):
    return minigrad.arange(float(np.prod(shape))).reshape(*shape)


def test_view_of_a_transpose_raises_pytorchs_error():
    x = _grid(2, 3).t()
    with pytest.raises(
        RuntimeError,
        match=r"view size is not compatible with input tensor's size and stride .*shape \(3, 2\) "
        r"with strides \(1, 3\) cannot be viewed as \(6,\)\. Use \.reshape\(\.\.\.\) instead\.",
    ):
        x.view(6)


def test_view_of_a_non_contiguous_tensor_shares_memory_when_strides_allow():
    base = _grid(2, 3, 4)
    x = base[:, 1:, :]  # dims 1 and 2 are still one contiguous run of 8 per batch
    v = x.view(2, 8)
    v[1, 0] = -1.0
    assert base[1, 1, 0].item() == -1.0 and x._version == v._version
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(16)


def test_reshape_copies_only_where_no_view_exists():
    base = _grid(2, 3).requires_grad_()
    flat = base.t().reshape(6)
    assert type(flat.grad_fn).__name__ == "UnsafeViewBackward0"
    assert not np.shares_memory(flat.detach().numpy(), base.detach().numpy())
    same = base.reshape(3, 2)
    assert type(same.grad_fn).__name__ == "ViewBackward0"
    assert np.shares_memory(same.detach().numpy(), base.detach().numpy())
    (flat * minigrad.arange(6.0)).sum().backward()
    np.testing.assert_array_equal(base.grad.numpy(), [[0, 2, 4], [1, 3, 5]])


def test_reshape_copy_does_not_share_the_version_counter():
    base = _grid(2, 3)
    copy = base.t().reshape(6)
    copy.add_(1.0)
    assert base._version == 0 and base[0, 0].item() == 0.0


def _layouts():
    for shape in [(2, 3, 4), (4, 1, 3), (2, 2, 2, 2)]:
        for perm in itertools.permutations(range(len(shape))):
            for cut in (None, 0, len(shape) - 1):
                yield shape, perm, cut


@pytest.mark.parametrize("shape, perm, cut", list(_layouts()))
def test_view_succeeds_exactly_where_torch_does(shape, perm, cut):
    torch = pytest.importorskip("torch")
    values = np.arange(float(np.prod(shape))).reshape(shape)
    tx, mx = torch.tensor(values).permute(perm), minigrad.tensor(values).permute(*perm)
    if cut is not None and tx.shape[cut] > 1:
        tx, mx = tx.narrow(cut, 1, tx.shape[cut] - 1), mx.narrow(cut, 1, mx.shape[cut] - 1)
    n = tx.numel()
    for new in {
        (n,),
        (n // tx.shape[0], tx.shape[0]),
        tuple(tx.shape[::-1]),
        (1, *tx.shape),
        (-1, tx.shape[-1]),
    }:
        try:
            want = tx.view(new)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="view size is not compatible"):
                mx.view(new)
            assert not np.shares_memory(mx.reshape(new).numpy(), mx.numpy())
            continue
        got = mx.view(new)
        assert np.shares_memory(got.numpy(), mx.numpy()), new
        np.testing.assert_array_equal(got.numpy(), want.numpy())
