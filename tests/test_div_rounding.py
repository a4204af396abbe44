"""div(rounding_mode=) (issue 19): None, "trunc" and "floor", on floats and integers, against
PyTorch; zero gradients for the rounded forms, PyTorch's errors."""

import numpy as np
import pytest

import minigrad

CASES = [
    ([-7.0, 7.0, 6.5, -0.5], [2.0, 2.0, -2.0, 3.0]),
    ([-7, 7, 6, -1, 0], [2, 2, -4, 3, 5]),
    ([[-9, 9]], [[4], [-4]]),  # broadcasting ints
]


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("a, b", CASES)
def test_div_rounding_matches_pytorch(a, b, mode):
    torch = pytest.importorskip("torch")
    for other in (b, 3):
        ours = minigrad.div(
            minigrad.tensor(a), minigrad.tensor(other) if other is b else other, rounding_mode=mode
        )
        theirs = torch.div(torch.tensor(a), torch.tensor(other) if other is b else other, rounding_mode=mode)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        method = minigrad.tensor(a).div(other if other == 3 else minigrad.tensor(other), rounding_mode=mode)
        np.testing.assert_array_equal(method.numpy(), ours.numpy())


def test_trunc_and_floor_by_hand():
    a = minigrad.tensor([-7, 7, -6])
    assert minigrad.div(a, 2, rounding_mode="trunc").tolist() == [-3, 3, -3]
    assert minigrad.div(a, 2, rounding_mode="floor").tolist() == [-4, 3, -3]
    assert minigrad.div(a, 2).tolist() == [-3.5, 3.5, -3.0]


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_rounded_division_has_a_zero_gradient(mode):
    x = minigrad.tensor([1.5, -2.5, 3.0], requires_grad=True)
    y = minigrad.div(x, 2.0, rounding_mode=mode)
    assert y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_true_division_keeps_its_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    minigrad.div(x, 4.0).sum().backward()
    assert x.grad.tolist() == [0.25, 0.25]


def test_bad_rounding_mode_and_integer_division_by_zero():
    with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        minigrad.div(minigrad.ones(2), 2, rounding_mode="round")
    with pytest.raises(ZeroDivisionError):
        minigrad.div(minigrad.tensor([1, 2]), 0, rounding_mode="floor")
