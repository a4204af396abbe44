"""Tests of nn.functional and the nn primitives (``minigrad/ops/nn.py``): softmax family,
convolution, pooling, dropout, embedding and normalisation, beyond the layer table of
``test_nn_layers.py``: options, special values, double backward (create_graph) against
PyTorch, grad_fn names, and the errors users see for bad shapes (naming the layer).
"""

import math

import numpy as np
import pytest

import minigrad
from minigrad import nn

F = nn.functional


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _grad(fn, *arrays, create_graph=False):
    """Output and input gradients of sum(fn(*xs) * w) for float64 inputs."""
    xs = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    w = minigrad.tensor(_rand(*out.shape, seed=9))
    grads = minigrad.autograd.grad((out * w).sum(), xs, create_graph=create_graph)
    return out, xs, grads


def _torch_grad(torch, fn, *arrays, create_graph=False):
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    w = torch.tensor(_rand(*out.shape, seed=9))
    grads = torch.autograd.grad((out * w).sum(), xs, create_graph=create_graph)
    return out, xs, grads


def _close(a, b, rtol=1e-9, atol=1e-12):
    a = a.detach().numpy() if hasattr(a, "detach") else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _matches_torch(fn_of, arrays, rtol=1e-9):
    """fn_of(F, M) -> f(*tensors): compare value and input gradients with PyTorch."""
    torch = pytest.importorskip("torch")
    out, _, grads = _grad(fn_of(F, minigrad), *arrays)
    tout, _, tgrads = _torch_grad(torch, fn_of(torch.nn.functional, torch), *arrays)
    _close(out, tout, rtol)
    for g, tg in zip(grads, tgrads):
        _close(g, tg, rtol)


def _double_backward_matches_torch(fn_of, arrays):
    """Gradients of sum(grad^2) (second order, create_graph=True) equal PyTorch's."""
    torch = pytest.importorskip("torch")
    _, xs, grads = _grad(fn_of(F, minigrad), *arrays, create_graph=True)
    sum(((g * g).sum() for g in grads), minigrad.tensor(0.0, dtype=minigrad.float64)).backward()
    _, txs, tgrads = _torch_grad(torch, fn_of(torch.nn.functional, torch), *arrays, create_graph=True)
    sum((g * g).sum() for g in tgrads).backward()
    for x, tx in zip(xs, txs):
        if x.grad is None or tx.grad is None:  # e.g. a bias: its gradient is constant
            assert x.grad is None and tx.grad is None
        else:
            _close(x.grad, tx.grad, 1e-8)


# ----------------------------------------------------------------------------- softmax family


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_softmax_family_matches_torch_on_every_dim(name, dim):
    _matches_torch(lambda F, M: lambda x: getattr(F, name)(x, dim), [_rand(2, 3, 4)])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_double_backward_matches_torch(name):
    _double_backward_matches_torch(lambda F, M: lambda x: getattr(F, name)(x, 1), [_rand(3, 4)])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_extreme_values_match_torch(name):
    torch = pytest.importorskip("torch")
    x = np.array(
        [[1e4, -1e4, 0.0], [-np.inf, 0.0, 1.0], [88.0, 89.0, 90.0], [-1e30, -1e30, -1e30]], np.float32
    )
    mine = getattr(F, name)(minigrad.tensor(x), 1).numpy()
    theirs = getattr(torch.nn.functional, name)(torch.tensor(x), 1).numpy()
    np.testing.assert_allclose(mine, theirs, rtol=1e-6)


def test_softmax_row_of_all_minus_inf_is_nan_like_torch():
    out = F.softmax(minigrad.tensor([[-math.inf, -math.inf]]), 1)
    assert np.isnan(out.numpy()).all()


def test_softmax_methods_and_grad_fn_names():
    x = minigrad.randn(2, 3, requires_grad=True)
    assert type(x.softmax(1).grad_fn).__name__ == "SoftmaxBackward0"
    assert type(x.log_softmax(-1).grad_fn).__name__ == "LogSoftmaxBackward0"
    _close(minigrad.softmax(x, 0), F.softmax(x, 0))


def test_softmax_float16_and_dtype_argument():
    x = minigrad.randn(2, 3).half()
    assert F.softmax(x, 1).dtype == minigrad.float16
    assert F.log_softmax(x, 1, dtype=minigrad.float64).dtype == minigrad.float64


def test_softmax_of_integers_raises_with_hint():
    with pytest.raises(RuntimeError, match="not implemented for integer.*float"):
        F.softmax(minigrad.tensor([1, 2]), 0)


def test_softmax_without_dim_warns_and_picks_pytorch_dim():
    x = minigrad.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        out = F.softmax(x)
    _close(out, F.softmax(x, 1))


def test_softmax_dim_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.softmax(minigrad.zeros(2, 3), 2)


@pytest.mark.parametrize(
    "name, args",
    [
        ("logsigmoid", ()),
        ("softplus", (0.5, 2.0)),
        ("elu", (1.3,)),
        ("leaky_relu", (0.3,)),
        ("gelu", ()),
        ("silu", ()),
    ],
)
def test_activation_functions_match_torch(name, args):
    x = _rand(3, 5) * 4
    _matches_torch(lambda F, M: lambda t: getattr(F, name)(t, *args), [x])


def test_activations_at_zero_have_pytorch_gradients():
    torch = pytest.importorskip("torch")
    for name in ["relu", "leaky_relu", "elu", "softplus", "silu", "gelu"]:
        x = minigrad.zeros(1, dtype=minigrad.float64, requires_grad=True)
        getattr(F, name)(x).sum().backward()
        tx = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        getattr(torch.nn.functional, name)(tx).sum().backward()
        assert x.grad.item() == pytest.approx(tx.grad.item()), name


def test_elu_and_softplus_have_finite_gradients_for_huge_inputs():
    x = minigrad.tensor([1e4, -1e4], dtype=minigrad.float64, requires_grad=True)
    (F.elu(x).sum() + F.softplus(x).sum()).backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_gelu_bad_approximate_raises():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(minigrad.zeros(1), approximate="fast")


# ----------------------------------------------------------------------------- convolution

CONV2D_CASES = [
    dict(),
    dict(stride=2),
    dict(stride=(2, 1), padding=(1, 2)),
    dict(padding=2, dilation=2),
    dict(padding="same", dilation=(1, 2)),
    dict(padding="valid"),
]


@pytest.mark.parametrize("kwargs", CONV2D_CASES, ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_functional_matches_torch(kwargs, bias):
    arrays = [_rand(2, 3, 7, 6), _rand(4, 3, 3, 3, seed=1)] + ([_rand(4, seed=2)] if bias else [])
    _matches_torch(lambda F, M: lambda x, w, *b: F.conv2d(x, w, *b, **kwargs), arrays)


@pytest.mark.parametrize(
    "kwargs", [dict(), dict(stride=2, padding=1), dict(dilation=2, padding="same")], ids=str
)
def test_conv1d_functional_matches_torch(kwargs):
    _matches_torch(
        lambda F, M: lambda x, w, b: F.conv1d(x, w, b, **kwargs),
        [_rand(2, 3, 9), _rand(2, 3, 3, seed=1), _rand(2, seed=2)],
    )


def test_conv2d_double_backward_matches_torch():
    _double_backward_matches_torch(
        lambda F, M: lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
        [_rand(2, 2, 5, 5), _rand(3, 2, 3, 3, seed=1), _rand(3, seed=2)],
    )


def test_conv2d_grad_fn_is_convolution_backward():
    x = minigrad.randn(1, 1, 4, 4, requires_grad=True)
    assert type(F.conv2d(x, minigrad.randn(2, 1, 3, 3)).grad_fn).__name__ == "ConvolutionBackward0"
    assert type(F.conv1d(x[0], minigrad.randn(2, 4, 3)).grad_fn).__name__ == "ConvolutionBackward0"


def test_conv2d_channel_mismatch_raises_pytorch_message():
    with pytest.raises(
        RuntimeError,
        match=r"Given groups=1, weight of size \[2, 1, 3, 3\], expected input"
        r"\[1, 2, 5, 5\] to have 1 channels, but got 2 channels instead",
    ):
        F.conv2d(minigrad.zeros(1, 2, 5, 5), minigrad.zeros(2, 1, 3, 3))


def test_conv2d_kernel_larger_than_input_raises():
    with pytest.raises(
        RuntimeError,
        match=r"Calculated padded input size per channel: \(2 x 2\). Kernel "
        r"size: \(3 x 3\). Kernel size can't be greater than",
    ):
        F.conv2d(minigrad.zeros(1, 1, 2, 2), minigrad.zeros(1, 1, 3, 3))


def test_conv2d_mixed_dtypes_raise():
    with pytest.raises(RuntimeError, match="same dtype"):
        F.conv2d(minigrad.zeros(1, 1, 3, 3, dtype=minigrad.float64), minigrad.zeros(1, 1, 1, 1))


def test_conv2d_same_padding_with_stride_raises():
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(minigrad.zeros(1, 1, 5, 5), minigrad.zeros(1, 1, 3, 3), stride=2, padding="same")


# ----------------------------------------------------------------------------- pooling


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=(2, 3), stride=1, dilation=(2, 1)),
        dict(kernel_size=2, stride=2, ceil_mode=True),
    ],
    ids=str,
)
def test_max_pool2d_indices_match_torch(kwargs):
    torch = pytest.importorskip("torch")
    x = _rand(2, 3, 7, 7)
    out, idx = F.max_pool2d(minigrad.tensor(x), return_indices=True, **kwargs)
    tout, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    _close(out, tout)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == minigrad.int64


def test_max_pool2d_propagates_nan_like_torch():
    x = minigrad.tensor([[[[1.0, math.nan], [3.0, 2.0]]]])
    assert math.isnan(F.max_pool2d(x, 2).item())


def test_max_pool2d_double_backward_matches_torch():
    _double_backward_matches_torch(lambda F, M: lambda x: F.max_pool2d(x, 3, 2, 1) ** 2, [_rand(1, 2, 6, 6)])


def test_max_pool2d_padding_over_half_kernel_raises():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(minigrad.zeros(1, 1, 4, 4), 2, padding=2)


def test_avg_pool2d_double_backward_matches_torch():
    _double_backward_matches_torch(lambda F, M: lambda x: F.avg_pool2d(x, 2, 1, 1) ** 2, [_rand(1, 2, 4, 4)])


@pytest.mark.parametrize("size", [1, 2, (3, 1), (5, 4)])
def test_adaptive_avg_pool2d_matches_torch(size):
    _matches_torch(lambda F, M: lambda x: F.adaptive_avg_pool2d(x, size), [_rand(2, 2, 5, 4)])


def test_pooling_integer_input_raises():
    with pytest.raises(RuntimeError, match="float"):
        F.avg_pool2d(minigrad.zeros(1, 1, 4, 4, dtype=minigrad.int64), 2)


# ----------------------------------------------------------------------------- dropout


def test_dropout_train_zeroes_and_rescales():
    minigrad.manual_seed(0)
    x = minigrad.ones(10000, requires_grad=True)
    out = F.dropout(x, p=0.25)
    np.testing.assert_allclose(np.unique(out.detach().numpy()), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((out.detach().numpy() == 0).mean() - 0.25) < 0.02
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())


def test_dropout_is_reproducible_with_manual_seed():
    minigrad.manual_seed(3)
    a = F.dropout(minigrad.ones(50)).numpy()
    minigrad.manual_seed(3)
    np.testing.assert_array_equal(a, F.dropout(minigrad.ones(50)).numpy())


@pytest.mark.parametrize("p, training", [(0.5, False), (0.0, True)])
def test_dropout_identity_cases_return_input(p, training):
    x = minigrad.ones(3)
    assert F.dropout(x, p, training) is x


def test_dropout_module_is_identity_in_eval_mode():
    x = minigrad.ones(4)
    assert nn.Dropout(0.9).eval()(x) is x


def test_dropout_p_one_gives_zeros():
    assert not F.dropout(minigrad.ones(5), 1.0).numpy().any()


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_invalid_p_raises(p):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(p)


# ----------------------------------------------------------------------------- embedding, norms


def test_embedding_padding_row_keeps_value_but_gets_no_gradient():
    emb = nn.Embedding(4, 2, padding_idx=2)
    with minigrad.no_grad():
        emb.weight[2] = 7.0
    out = emb(minigrad.tensor([2, 1, 2]))
    out.sum().backward()
    assert out[0].tolist() == [7.0, 7.0]
    assert emb.weight.grad[2].tolist() == [0.0, 0.0] and emb.weight.grad[1].tolist() == [1.0, 1.0]


def test_embedding_repeated_indices_accumulate_gradient():
    emb = nn.Embedding(3, 2)
    emb(minigrad.tensor([[0, 0], [0, 1]])).sum().backward()
    assert emb.weight.grad.tolist() == [[3.0, 3.0], [1.0, 1.0], [0.0, 0.0]]


def test_embedding_from_pretrained_is_frozen():
    emb = nn.Embedding.from_pretrained(minigrad.eye(3))
    assert not emb.weight.requires_grad and emb(minigrad.tensor([1])).tolist() == [[0.0, 1.0, 0.0]]


def test_embedding_index_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match="index out of range in self.*3 rows"):
        nn.Embedding(3, 2)(minigrad.tensor([0, 3]))


def test_embedding_float_indices_raise():
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'.*long"):
        nn.Embedding(3, 2)(minigrad.tensor([0.0]))


def test_batch_norm_training_needs_more_than_one_value_per_channel():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(minigrad.zeros(1, 3))


def test_batch_norm_running_stats_follow_momentum_like_torch():
    torch = pytest.importorskip("torch")
    mine, theirs = nn.BatchNorm1d(3, momentum=0.3).double(), torch.nn.BatchNorm1d(3, momentum=0.3).double()
    for seed in range(3):
        x = _rand(5, 3, seed=seed) * 2 + 1
        mine(minigrad.tensor(x))
        theirs(torch.tensor(x))
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(mine.state_dict()[k].numpy(), v.numpy(), rtol=1e-12, err_msg=k)


def test_layer_norm_functional_wrong_shape_raises():
    with pytest.raises(
        RuntimeError,
        match=r"Given normalized_shape=\[5\], expected input with shape "
        r"\[\*, 5\]",
    ):
        F.layer_norm(minigrad.zeros(2, 4), (5,))


# ----------------------------------------------------------------------------- layer errors


@pytest.mark.parametrize(
    "layer, shape, exc, message",
    [
        (
            lambda: nn.Linear(64, 10),
            (32, 65),
            RuntimeError,
            r"mat1 and mat2 shapes cannot be multiplied \(32x65 and 64x10\): Linear\(64→10\) got input "
            r"of shape \(32, 65\); expected \(\*, 64\)",
        ),
        (
            lambda: nn.Conv2d(1, 16, 3),
            (64, 2, 8, 8),
            RuntimeError,
            r"Conv2d\(1→16, kernel 3x3\) got input of shape \(64, 2, 8, 8\); "
            r"expected \(N, 1, H, W\) or \(1, H, W\)",
        ),
        (
            lambda: nn.Conv2d(1, 16, 3),
            (8, 8),
            RuntimeError,
            r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[8, 8\]",
        ),
        (lambda: nn.Conv1d(3, 2, 2), (4, 2, 9), RuntimeError, r"Conv1d\(3→2, kernel 2\) got input of shape"),
        (
            lambda: nn.BatchNorm1d(3),
            (2, 4),
            RuntimeError,
            r"running_mean should contain 4 elements not 3: BatchNorm1d\(3\) got input of shape \(2, 4\); "
            r"expected \(N, 3\) or \(N, 3, L\)",
        ),
        (lambda: nn.BatchNorm2d(3), (2, 3, 4), ValueError, r"expected 4D input \(got 3D input\)"),
        (lambda: nn.LayerNorm(5), (2, 4), RuntimeError, r"LayerNorm\(\(5,\)\) got input of shape \(2, 4\)"),
        (
            lambda: nn.MaxPool2d(2),
            (5, 5),
            RuntimeError,
            r"optional 0 dim batch size expected for input: MaxPool2d\(kernel_size=2\)",
        ),
        (lambda: nn.Bilinear(2, 3, 4), (5, 3), RuntimeError, r"Bilinear\(2, 3→4\) input1 got input of shape"),
    ],
)
def test_layer_bad_input_shape_error_names_layer_and_expected_shape(layer, shape, exc, message):
    module = layer()
    args = (minigrad.zeros(*shape),) * (2 if isinstance(module, nn.Bilinear) else 1)
    with pytest.raises(exc, match=message):
        module(*args)


# ----------------------------------------------------------------------------- pad, one_hot


@pytest.mark.parametrize("pad, value", [((1, 2), None), ((0, 1, 2, 0), 0.5), ((1, 1, 1, 1, 1, 1), -1.0)])
def test_pad_matches_torch(pad, value):
    _matches_torch(lambda F, M: lambda x: F.pad(x, pad, value=value), [_rand(2, 3, 4)])


def test_pad_modes_reject_what_pytorch_rejects():
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input"):
        F.pad(minigrad.zeros(3), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input"):
        F.pad(minigrad.zeros(1, 3), (3, 0), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(minigrad.zeros(1, 3), (0, 4), mode="circular")
    with pytest.raises(RuntimeError, match="doesn't take in value argument"):
        F.pad(minigrad.zeros(1, 3), (1, 1), mode="replicate", value=2.0)


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    t = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(
        F.one_hot(minigrad.tensor(t)).numpy(), torch.nn.functional.one_hot(torch.tensor(t)).numpy()
    )
    assert F.one_hot(minigrad.tensor([1]), 4).tolist() == [[0, 1, 0, 0]]


def test_one_hot_index_too_large_raises():
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(minigrad.tensor([3]), 3)
