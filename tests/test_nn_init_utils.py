"""Tests of nn.init (distributions, gains, fans, PyTorch's layer defaults) and nn.utils
(gradient clipping, parameters <-> vector)."""

import math

import numpy as np
import pytest

import minigrad
from minigrad import nn

init, utils = nn.init, nn.utils

# ----------------------------------------------------------------------------- init


@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected)


def test_calculate_gain_unknown_raises():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fan_of_vector_raises():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        init.xavier_uniform_(minigrad.empty(3))


@pytest.mark.parametrize(
    "build, fan_in",
    [
        (lambda: nn.Linear(50, 400), 50),
        (lambda: nn.Conv2d(3, 200, 3), 27),
        (lambda: nn.Conv1d(4, 300, 5), 20),
    ],
)
def test_layers_initialise_like_pytorch(build, fan_in):
    m = build()
    bound = 1 / math.sqrt(fan_in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)  # U(-a, a) has std a/sqrt(3)


@pytest.mark.parametrize(
    "fill, std",
    [
        (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2 / 200)),
        (lambda t: init.kaiming_normal_(t, mode="fan_out"), math.sqrt(2 / 100)),
        (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(2 / 300)),
        (lambda t: init.xavier_normal_(t), math.sqrt(2 / 300)),
        (lambda t: init.normal_(t, 1.0, 0.5), 0.5),
        (lambda t: init.uniform_(t, -3, 3), math.sqrt(3)),
    ],
)
def test_init_distributions_have_the_expected_std(fill, std):
    t = minigrad.empty(100, 200)
    assert fill(t) is t
    assert t.numpy().std() == pytest.approx(std, rel=0.05)


@pytest.mark.parametrize(
    "fill, value", [(init.zeros_, 0.0), (init.ones_, 1.0), (lambda t: init.constant_(t, 2.5), 2.5)]
)
def test_constant_inits(fill, value):
    t = fill(minigrad.empty(2, 3, dtype=minigrad.float64))
    assert t.dtype == minigrad.float64 and (t.numpy() == value).all()


def test_init_is_reproducible_with_manual_seed():
    minigrad.manual_seed(7)
    a = nn.Linear(3, 3).weight.detach().numpy().copy()
    minigrad.manual_seed(7)
    np.testing.assert_array_equal(a, nn.Linear(3, 3).weight.detach().numpy())


def test_init_on_parameter_is_not_recorded():
    p = nn.Parameter(minigrad.empty(2, 2))
    init.normal_(p)
    assert p.is_leaf and p.requires_grad


def test_embedding_initialises_normal_with_zero_padding_row():
    emb = nn.Embedding(1000, 20, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert not w[3].any() and w.std() == pytest.approx(1.0, rel=0.05)


def test_batchnorm_and_layernorm_start_at_identity():
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert bn.running_var.tolist() == [1.0] * 3 and bn.num_batches_tracked.item() == 0


# ----------------------------------------------------------------------------- utils


def _model_with_grads():
    minigrad.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    (m(minigrad.randn(5, 3, dtype=minigrad.float64)) * 10).sum().backward()
    return m


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    m = _model_with_grads()
    params = [torch.tensor(p.detach().numpy()) for p in m.parameters()]
    for tp, p in zip(params, m.parameters()):
        tp.grad = torch.tensor(p.grad.numpy())
    total = utils.clip_grad_norm_(m.parameters(), 0.5, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(params, 0.5, norm_type)
    assert float(total) == pytest.approx(float(ttotal))
    for tp, p in zip(params, m.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-7)


def test_clip_grad_norm_leaves_small_gradients_alone():
    m = _model_with_grads()
    before = [p.grad.numpy().copy() for p in m.parameters()]
    utils.clip_grad_norm_(m.parameters(), 1e9)
    for b, p in zip(before, m.parameters()):
        np.testing.assert_array_equal(b, p.grad.numpy())


def test_clip_grad_norm_nonfinite_raises_when_asked():
    p = nn.Parameter(minigrad.ones(2))
    p.grad = minigrad.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_clamps_every_element():
    m = _model_with_grads()
    utils.clip_grad_value_(m.parameters(), 0.1)
    assert all(np.abs(p.grad.numpy()).max() <= 0.1 for p in m.parameters())


def test_parameters_to_vector_and_back_round_trip():
    m = _model_with_grads()
    vec = utils.parameters_to_vector(m.parameters())
    assert vec.shape == (sum(p.numel() for p in m.parameters()),)
    utils.vector_to_parameters(vec * 0 + 1, m.parameters())
    assert all((p.detach().numpy() == 1).all() for p in m.parameters())


def test_parameters_to_vector_is_differentiable():
    m = nn.Linear(2, 2)
    (utils.parameters_to_vector(m.parameters()) * 3).sum().backward()
    assert m.weight.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]] and m.bias.grad.tolist() == [3.0, 3.0]
