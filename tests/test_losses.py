"""Tests of the losses (``nn/loss.py``): a table of loss calls, each written once against a
namespace pair (``F`` = the functional module, ``M`` = the top-level library) so the same
line runs in minigrad and in PyTorch. Generic tests check values and input gradients against
PyTorch (float64 and float32) and against finite differences; the rest covers modules,
errors, warnings and numerical stability at extreme inputs.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from nn_helpers import numeric_grad

import minigrad
from minigrad import nn

F = nn.functional

N, C = 4, 5


@dataclass(frozen=True)
class Loss:
    id: str
    call: object  # (F, M, input, target) -> loss
    input: str  # logits | logprobs | probs | real
    target: str  # index | index_ignore | prob | real | binary
    shape: tuple = (N, C)

    def __repr__(self):
        return self.id


def _w(M, like=None):
    return M.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=M.float64 if like is None else like.dtype)


LOSSES = [
    Loss("mse_mean", lambda F, M, x, t: F.mse_loss(x, t), "real", "real"),
    Loss("mse_sum", lambda F, M, x, t: F.mse_loss(x, t, reduction="sum"), "real", "real"),
    Loss("mse_none", lambda F, M, x, t: F.mse_loss(x, t, reduction="none"), "real", "real"),
    Loss("l1", lambda F, M, x, t: F.l1_loss(x, t), "real", "real"),
    Loss("smooth_l1", lambda F, M, x, t: F.smooth_l1_loss(x, t, beta=0.5), "real", "real"),
    Loss(
        "smooth_l1_beta0",
        lambda F, M, x, t: F.smooth_l1_loss(x, t, beta=0.0, reduction="sum"),
        "real",
        "real",
    ),
    Loss("huber", lambda F, M, x, t: F.huber_loss(x, t, delta=0.7, reduction="none"), "real", "real"),
    Loss("ce", lambda F, M, x, t: F.cross_entropy(x, t), "logits", "index"),
    Loss("ce_sum", lambda F, M, x, t: F.cross_entropy(x, t, reduction="sum"), "logits", "index"),
    Loss("ce_none", lambda F, M, x, t: F.cross_entropy(x, t, reduction="none"), "logits", "index"),
    Loss("ce_weight", lambda F, M, x, t: F.cross_entropy(x, t, weight=_w(M, x)), "logits", "index"),
    Loss("ce_ignore", lambda F, M, x, t: F.cross_entropy(x, t, ignore_index=-1), "logits", "index_ignore"),
    Loss(
        "ce_weight_ignore_none",
        lambda F, M, x, t: F.cross_entropy(x, t, _w(M, x), ignore_index=-1, reduction="none"),
        "logits",
        "index_ignore",
    ),
    Loss(
        "ce_label_smoothing", lambda F, M, x, t: F.cross_entropy(x, t, label_smoothing=0.2), "logits", "index"
    ),
    Loss(
        "ce_smoothing_weight_ignore",
        lambda F, M, x, t: F.cross_entropy(x, t, _w(M, x), ignore_index=-1, label_smoothing=0.1),
        "logits",
        "index_ignore",
    ),
    Loss(
        "ce_smoothing_sum",
        lambda F, M, x, t: F.cross_entropy(x, t, reduction="sum", label_smoothing=0.3),
        "logits",
        "index",
    ),
    Loss("ce_probabilities", lambda F, M, x, t: F.cross_entropy(x, t), "logits", "prob"),
    Loss(
        "ce_probabilities_weight_smoothing",
        lambda F, M, x, t: F.cross_entropy(x, t, _w(M, x), label_smoothing=0.2),
        "logits",
        "prob",
    ),
    Loss("ce_spatial", lambda F, M, x, t: F.cross_entropy(x, t, _w(M, x)), "logits", "index", (2, C, 3, 2)),
    Loss(
        "ce_spatial_ignore_none",
        lambda F, M, x, t: F.cross_entropy(x, t, ignore_index=-1, reduction="none"),
        "logits",
        "index_ignore",
        (2, C, 3),
    ),
    Loss("ce_unbatched", lambda F, M, x, t: F.cross_entropy(x, t), "logits", "index", (C,)),
    Loss("nll", lambda F, M, x, t: F.nll_loss(x, t), "logprobs", "index"),
    Loss(
        "nll_weight_ignore",
        lambda F, M, x, t: F.nll_loss(x, t, _w(M, x), ignore_index=-1),
        "logprobs",
        "index_ignore",
    ),
    Loss(
        "nll_spatial_none",
        lambda F, M, x, t: F.nll_loss(x, t, reduction="none"),
        "logprobs",
        "index",
        (2, C, 3),
    ),
    Loss("bce", lambda F, M, x, t: F.binary_cross_entropy(x, t), "probs", "binary"),
    Loss(
        "bce_weight_none",
        lambda F, M, x, t: F.binary_cross_entropy(x, t, M.ones(N, C, dtype=x.dtype) * 0.3, reduction="none"),
        "probs",
        "binary",
    ),
    Loss("bce_logits", lambda F, M, x, t: F.binary_cross_entropy_with_logits(x, t), "logits", "binary"),
    Loss(
        "bce_logits_pos_weight",
        lambda F, M, x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=_w(M, x)),
        "logits",
        "binary",
    ),
    Loss(
        "bce_logits_weight_sum",
        lambda F, M, x, t: F.binary_cross_entropy_with_logits(x, t, weight=_w(M, x), reduction="sum"),
        "logits",
        "binary",
    ),
    Loss("kl_batchmean", lambda F, M, x, t: F.kl_div(x, t, reduction="batchmean"), "logprobs", "prob"),
    Loss(
        "kl_sum_zero_targets",
        lambda F, M, x, t: F.kl_div(x, t * (t > 0.2), reduction="sum"),
        "logprobs",
        "prob",
    ),
    Loss(
        "kl_log_target_none",
        lambda F, M, x, t: F.kl_div(x, t.log(), reduction="none", log_target=True),
        "logprobs",
        "prob",
    ),
]


def _softmax(a, axis):
    e = np.exp(a - a.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _data(row, seed=0):
    rng = np.random.default_rng(seed)
    shape = row.shape
    c_axis = 0 if len(shape) == 1 else 1
    logits = rng.normal(size=shape) * 2
    x = {
        "logits": logits,
        "logprobs": np.log(_softmax(logits, c_axis)),
        "probs": rng.uniform(0.05, 0.95, shape),
        "real": rng.normal(size=shape),
    }[row.input]
    t_shape = shape[:c_axis] + shape[c_axis + 1 :]
    if row.target.startswith("index"):
        t = rng.integers(0, C, t_shape)
        if row.target == "index_ignore":
            t.flat[::3] = -1
    elif row.target == "prob":
        t = _softmax(rng.normal(size=shape), c_axis)
    elif row.target == "binary":
        t = rng.integers(0, 2, shape).astype(np.float64)
    else:
        t = rng.normal(size=shape)
    return x, t


def _run(row, x, t, dtype=np.float64):
    """The minigrad loss and its input tensor."""
    xt = minigrad.tensor(x.astype(dtype), requires_grad=True)
    tt = minigrad.tensor(t if t.dtype.kind == "i" else t.astype(dtype))
    return row.call(F, minigrad, xt, tt), xt


def _backward(loss, seed=3):
    w = np.random.default_rng(seed).normal(size=tuple(loss.shape))
    (loss * minigrad.tensor(w)).sum().backward()
    return w


@pytest.mark.parametrize("row", LOSSES, ids=repr)
def test_loss_matches_torch_value_and_input_grad(row):
    torch = pytest.importorskip("torch")
    x, t = _data(row)
    loss, xt = _run(row, x, t)
    w = _backward(loss)
    tx = torch.tensor(x, requires_grad=True)
    tloss = row.call(torch.nn.functional, torch, tx, torch.tensor(t))
    (tloss * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), tloss.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("row", LOSSES, ids=repr)
def test_loss_input_grad_matches_finite_differences(row):
    x, t = _data(row)
    loss, xt = _run(row, x, t)
    w = _backward(loss)

    def f(values):
        value, _ = _run(row, values, t)
        return float((value * minigrad.tensor(w)).sum())

    np.testing.assert_allclose(xt.grad.numpy(), numeric_grad(f, x), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("row", LOSSES, ids=repr)
def test_loss_float32_matches_torch(row):
    torch = pytest.importorskip("torch")
    x, t = _data(row)
    loss, _ = _run(row, x, t, np.float32)
    t32 = t if t.dtype.kind == "i" else t.astype(np.float32)
    tloss = row.call(torch.nn.functional, torch, torch.tensor(x.astype(np.float32)), torch.tensor(t32))
    assert loss.dtype == minigrad.float32
    np.testing.assert_allclose(loss.detach().numpy(), tloss.numpy(), rtol=2e-5, atol=1e-6)


# ----------------------------------------------------------------------------- modules

MODULES = [
    (lambda nn, M: nn.MSELoss(), "real", "real"),
    (lambda nn, M: nn.L1Loss(reduction="sum"), "real", "real"),
    (lambda nn, M: nn.SmoothL1Loss(beta=0.3), "real", "real"),
    (lambda nn, M: nn.HuberLoss(delta=2.0), "real", "real"),
    (
        lambda nn, M: nn.CrossEntropyLoss(weight=_w(M), ignore_index=-1, label_smoothing=0.1),
        "logits",
        "index_ignore",
    ),
    (lambda nn, M: nn.NLLLoss(reduction="none"), "logprobs", "index"),
    (lambda nn, M: nn.BCELoss(), "probs", "binary"),
    (lambda nn, M: nn.BCEWithLogitsLoss(pos_weight=_w(M)), "logits", "binary"),
    (lambda nn, M: nn.KLDivLoss(reduction="batchmean", log_target=False), "logprobs", "prob"),
]


@pytest.mark.parametrize("build, input, target", MODULES)
def test_loss_module_matches_torch_module(build, input, target):
    torch = pytest.importorskip("torch")
    x, t = _data(Loss("m", None, input, target))
    mine, theirs = build(nn, minigrad), build(torch.nn, torch)
    out = mine(minigrad.tensor(x), minigrad.tensor(t))
    np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(x), torch.tensor(t)).numpy(), rtol=1e-10)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())


def test_cross_entropy_module_weight_is_a_buffer():
    loss = nn.CrossEntropyLoss(weight=minigrad.ones(3))
    assert list(loss.state_dict()) == ["weight"]
    assert list(loss.parameters()) == []


# ----------------------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_cross_entropy_is_finite_for_huge_logits(dtype):
    x = minigrad.tensor([[1e4, -1e4, 0.0], [-3e4, 3e4, 1.0]], dtype=dtype, requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor([1, 1]))
    loss.backward()
    assert math.isclose(float(loss), 1e4, rel_tol=1e-6)
    expected = np.array([[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_bce_with_logits_is_finite_for_huge_logits(dtype):
    x = minigrad.tensor([1000.0, -1000.0, 0.0], dtype=dtype, requires_grad=True)
    t = minigrad.tensor([1.0, 0.0, 1.0], dtype=dtype)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 0.0, math.log(2)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, -0.5], atol=1e-7)


def test_bce_clamps_log_at_minus_100_with_finite_gradient():
    p = minigrad.tensor([0.0, 1.0, 0.5], dtype=minigrad.float64, requires_grad=True)
    t = minigrad.tensor([1.0, 0.0, 1.0], dtype=minigrad.float64)
    loss = F.binary_cross_entropy(p, t, reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [100.0, 100.0, math.log(2)])
    assert np.isfinite(p.grad.numpy()).all()


def test_cross_entropy_all_targets_ignored_gives_nan_mean():
    loss = F.cross_entropy(minigrad.zeros(2, 3), minigrad.tensor([-100, -100]))
    assert math.isnan(float(loss))


def test_cross_entropy_double_backward_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(3, 4))
    t = np.array([0, 3, 1])
    xt = minigrad.tensor(x, requires_grad=True)
    (g,) = minigrad.autograd.grad(F.cross_entropy(xt, minigrad.tensor(t)), xt, create_graph=True)
    (g * g).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.nn.functional.cross_entropy(tx, torch.tensor(t)), tx, create_graph=True)
    (tg * tg).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- errors


def test_cross_entropy_target_out_of_bounds_raises_index_error():
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.cross_entropy(minigrad.zeros(3, 4), minigrad.tensor([0, 1, 5]))


def test_cross_entropy_batch_mismatch_raises_value_error():
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        F.cross_entropy(minigrad.zeros(3, 4), minigrad.tensor([0, 1]))


def test_cross_entropy_float_target_of_other_shape_raises():
    # PyTorch's first sentence (issue 17), then what each kind of target must look like
    with pytest.raises(
        RuntimeError,
        match=r"expected target dtype to be Long or Byte, but got Float: .*shape \(3,\) .*\.long\(\).*"
        r"probabilities are a float tensor of the input's shape \(3, 4\)",
    ):
        F.cross_entropy(minigrad.zeros(3, 4), minigrad.tensor([0.0, 1.0, 2.0]))


def test_cross_entropy_one_hot_integer_target_raises_with_hint():
    with pytest.raises(
        RuntimeError,
        match=r"Expected floating point type for target with class probabilities, got Long: .*one-hot"
        r".*argmax\(1\).*float\(\)",
    ):
        F.cross_entropy(minigrad.zeros(2, 3), minigrad.tensor([[1, 0, 0], [0, 1, 0]]))


def test_nll_loss_float_target_raises_with_hint():
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte.*long"):
        F.nll_loss(minigrad.zeros(3, 4), minigrad.tensor([0.0, 1.0, 2.0]))


def test_cross_entropy_spatial_target_mismatch_raises():
    with pytest.raises(RuntimeError, match=r"Expected target size \[3, 5\], got \[3, 4\]"):
        F.cross_entropy(minigrad.zeros(3, 4, 5), minigrad.zeros(3, 4, dtype=minigrad.int64))


@pytest.mark.parametrize("reduction", ["avg", "batchmean"])
def test_loss_bad_reduction_raises_value_error(reduction):
    with pytest.raises(ValueError, match=f"{reduction} is not a valid value for reduction"):
        F.mse_loss(minigrad.zeros(2), minigrad.zeros(2), reduction=reduction)


def test_bce_input_outside_unit_interval_raises():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(minigrad.tensor([0.5, 1.5]), minigrad.tensor([0.0, 1.0]))


@pytest.mark.parametrize(
    "fn, first",
    [
        (F.binary_cross_entropy, "Using a target size"),
        (F.binary_cross_entropy_with_logits, "Target size"),
    ],
)
def test_binary_losses_shape_mismatch_raise_value_error(fn, first):
    with pytest.raises(ValueError, match=first):
        fn(minigrad.full((3,), 0.5), minigrad.full((3, 1), 0.5))


def test_label_smoothing_out_of_range_raises():
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(minigrad.zeros(2, 3), minigrad.tensor([0, 1]), label_smoothing=1.5)


# ----------------------------------------------------------------------------- warnings


def test_mse_loss_broadcasting_target_warns():
    with pytest.warns(UserWarning, match="Using a target size .* different to the input size"):
        F.mse_loss(minigrad.zeros(3), minigrad.zeros(3, 1))


def test_kl_div_mean_warns_like_pytorch():
    with pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss by both"):
        F.kl_div(minigrad.zeros(2, 3), minigrad.full((2, 3), 1 / 3))


def test_legacy_size_average_maps_to_reduction_and_warns():
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        loss = F.mse_loss(minigrad.ones(3), minigrad.zeros(3), size_average=False)
    assert float(loss) == 3.0


def test_same_size_losses_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(minigrad.zeros(3), minigrad.zeros(3))
        F.l1_loss(minigrad.zeros(3), minigrad.zeros(3))


@pytest.mark.parametrize("dtype", ["int32", "int16", "int8", "bool"])
def test_class_targets_must_be_long_or_byte_as_in_pytorch(dtype):
    # issue 17: int32 class targets were silently accepted (PyTorch refuses them)
    target = minigrad.tensor([0, 1]).to(getattr(minigrad, dtype))
    for fn in (nn.functional.cross_entropy, nn.functional.nll_loss):
        with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
            fn(minigrad.ones(2, 3), target)
    assert (
        nn.functional.cross_entropy(minigrad.ones(2, 3), minigrad.tensor([0, 1]).to(minigrad.uint8)).item()
        > 0
    )
