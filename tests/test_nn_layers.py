"""Table-driven tests of the nn layers: every row is one layer configuration.

A row builds the layer from a namespace (``build(minigrad.nn)`` or ``build(torch.nn)``), so
the same line describes the minigrad layer and its PyTorch twin. Generic tests walk the table:

* output, input gradients, parameter gradients and buffers equal PyTorch's (float64) after
  the minigrad state dict is loaded into the twin (skipped without torch);
* input and parameter gradients equal central finite differences (float64);
* the float32 forward equals PyTorch's float32 forward.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from nn_helpers import numeric_grad, param_numeric_grad, torch_twin, weighted_sum

import minigrad


@dataclass(frozen=True)
class Layer:
    id: str
    build: object  # nn namespace -> module
    shapes: tuple  # one input shape per forward argument
    index_input: int = 0  # > 0: inputs are int64 indices below this (Embedding)
    train: bool = True
    prepare: object = None  # module -> None, run once after building (e.g. running stats)
    nonzero: bool = False  # draw inputs away from 0 (kinks of relu-like layers)
    exact_param_grads: bool = True  # False: a gradient is zeroed on purpose (padding_idx)

    def __repr__(self):
        return self.id


def _random_running_stats(m):
    rng = np.random.default_rng(1)
    m.running_mean.detach().numpy()[...] = rng.normal(size=m.num_features)
    m.running_var.detach().numpy()[...] = rng.uniform(0.5, 2.0, size=m.num_features)


def _random_affine(m):
    rng = np.random.default_rng(2)
    for p in m.parameters():
        p.detach().numpy()[...] = rng.normal(size=tuple(p.shape))


LAYERS = [
    Layer("linear", lambda nn: nn.Linear(4, 3), ((2, 4),)),
    Layer("linear_3d_input", lambda nn: nn.Linear(4, 3), ((2, 3, 4),)),
    Layer("linear_no_bias", lambda nn: nn.Linear(4, 3, bias=False), ((5, 4),)),
    Layer("bilinear", lambda nn: nn.Bilinear(3, 2, 4), ((2, 3), (2, 2))),
    Layer("conv2d", lambda nn: nn.Conv2d(2, 3, 3), ((2, 2, 5, 5),)),
    Layer("conv2d_stride_padding", lambda nn: nn.Conv2d(2, 3, 3, stride=2, padding=1), ((2, 2, 6, 5),)),
    Layer(
        "conv2d_rect_dilation",
        lambda nn: nn.Conv2d(1, 2, (3, 2), padding=(2, 1), dilation=(2, 1)),
        ((2, 1, 7, 6),),
    ),
    Layer(
        "conv2d_same_even_kernel", lambda nn: nn.Conv2d(2, 2, 4, padding="same", bias=False), ((1, 2, 5, 5),)
    ),
    Layer("conv2d_unbatched", lambda nn: nn.Conv2d(2, 3, 3, padding=1), ((2, 4, 4),)),
    Layer("conv1d", lambda nn: nn.Conv1d(2, 3, 3, stride=2, padding=1), ((2, 2, 7),)),
    Layer("conv1d_dilation", lambda nn: nn.Conv1d(1, 2, 2, dilation=3), ((2, 1, 8),)),
    Layer("conv2d_groups", lambda nn: nn.Conv2d(4, 6, 3, groups=2, padding=1), ((2, 4, 5, 5),)),
    Layer("conv2d_depthwise", lambda nn: nn.Conv2d(3, 6, 3, groups=3, stride=2), ((2, 3, 7, 6),)),
    Layer(
        "conv2d_reflect", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), ((2, 2, 5, 5),)
    ),
    Layer("conv1d_circular", lambda nn: nn.Conv1d(2, 2, 3, padding=2, padding_mode="circular"), ((2, 2, 6),)),
    Layer(
        "conv3d",
        lambda nn: nn.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1, groups=2),
        ((2, 2, 4, 5, 4),),
    ),
    Layer(
        "conv_transpose2d",
        lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
        ((2, 4, 3, 4),),
    ),
    Layer(
        "conv_transpose2d_groups",
        lambda nn: nn.ConvTranspose2d(4, 6, 2, groups=2, dilation=2),
        ((1, 4, 3, 3),),
    ),
    Layer("conv_transpose1d", lambda nn: nn.ConvTranspose1d(2, 3, 3, stride=3, bias=False), ((2, 2, 4),)),
    Layer("maxpool2d", lambda nn: nn.MaxPool2d(2), ((2, 2, 4, 4),)),
    Layer("maxpool2d_overlapping_padded", lambda nn: nn.MaxPool2d(3, stride=2, padding=1), ((1, 2, 5, 5),)),
    Layer(
        "maxpool2d_ceil_dilation",
        lambda nn: nn.MaxPool2d(2, stride=2, dilation=2, ceil_mode=True),
        ((1, 1, 7, 7),),
    ),
    Layer("maxpool2d_unbatched", lambda nn: nn.MaxPool2d((2, 1)), ((2, 4, 3),)),
    Layer("avgpool2d", lambda nn: nn.AvgPool2d(2), ((2, 2, 4, 4),)),
    Layer(
        "avgpool2d_exclude_padding",
        lambda nn: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        ((1, 2, 5, 6),),
    ),
    Layer(
        "avgpool2d_ceil_padding",
        lambda nn: nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True),
        ((1, 1, 5, 5),),
    ),
    Layer("avgpool2d_ceil", lambda nn: nn.AvgPool2d(3, stride=2, ceil_mode=True), ((1, 1, 6, 6),)),
    Layer("avgpool2d_divisor_override", lambda nn: nn.AvgPool2d(2, divisor_override=3), ((1, 2, 4, 4),)),
    Layer("adaptive_avgpool2d_1", lambda nn: nn.AdaptiveAvgPool2d(1), ((2, 3, 4, 5),)),
    Layer("adaptive_avgpool2d_uneven", lambda nn: nn.AdaptiveAvgPool2d((3, 2)), ((1, 2, 5, 7),)),
    Layer("adaptive_avgpool2d_none", lambda nn: nn.AdaptiveAvgPool2d((2, None)), ((1, 1, 4, 3),)),
    Layer("flatten", lambda nn: nn.Flatten(), ((2, 3, 2, 2),)),
    Layer("unflatten", lambda nn: nn.Unflatten(1, (2, 3)), ((2, 6),)),
    Layer("identity", lambda nn: nn.Identity(), ((2, 3),)),
    Layer("layernorm", lambda nn: nn.LayerNorm(5), ((3, 5),), prepare=_random_affine),
    Layer("layernorm_2d", lambda nn: nn.LayerNorm((2, 3)), ((4, 2, 3),), prepare=_random_affine),
    Layer("layernorm_no_affine", lambda nn: nn.LayerNorm(4, elementwise_affine=False), ((2, 4),)),
    Layer("batchnorm1d_train", lambda nn: nn.BatchNorm1d(3), ((4, 3),), prepare=_random_affine),
    Layer("batchnorm1d_train_3d", lambda nn: nn.BatchNorm1d(3, momentum=None), ((4, 3, 5),)),
    Layer(
        "batchnorm1d_eval",
        lambda nn: nn.BatchNorm1d(3),
        ((4, 3),),
        train=False,
        prepare=_random_running_stats,
    ),
    Layer("batchnorm2d_train", lambda nn: nn.BatchNorm2d(2), ((3, 2, 3, 3),), prepare=_random_affine),
    Layer(
        "batchnorm2d_eval",
        lambda nn: nn.BatchNorm2d(2, affine=False),
        ((3, 2, 3, 3),),
        train=False,
        prepare=_random_running_stats,
    ),
    Layer(
        "batchnorm2d_untracked_eval",
        lambda nn: nn.BatchNorm2d(2, track_running_stats=False),
        ((3, 2, 2, 2),),
        train=False,
    ),
    Layer("embedding", lambda nn: nn.Embedding(6, 3), ((2, 4),), index_input=6),
    Layer("embedding_bag_sum", lambda nn: nn.EmbeddingBag(6, 3, mode="sum"), ((3, 4),), index_input=6),
    Layer("embedding_bag_mean", lambda nn: nn.EmbeddingBag(6, 3), ((3, 4),), index_input=6),
    Layer("embedding_bag_max", lambda nn: nn.EmbeddingBag(6, 3, mode="max"), ((3, 4),), index_input=6),
    Layer(
        "embedding_padding_idx",
        lambda nn: nn.Embedding(5, 2, padding_idx=1),
        ((3, 4),),
        index_input=5,
        exact_param_grads=False,
    ),
    Layer("relu", lambda nn: nn.ReLU(), ((3, 4),), nonzero=True),
    Layer("leaky_relu", lambda nn: nn.LeakyReLU(0.2), ((3, 4),), nonzero=True),
    Layer("elu", lambda nn: nn.ELU(0.7), ((3, 4),), nonzero=True),
    Layer("gelu", lambda nn: nn.GELU(), ((3, 4),)),
    Layer("gelu_tanh", lambda nn: nn.GELU("tanh"), ((3, 4),)),
    Layer("silu", lambda nn: nn.SiLU(), ((3, 4),)),
    Layer("sigmoid", lambda nn: nn.Sigmoid(), ((3, 4),)),
    Layer("tanh", lambda nn: nn.Tanh(), ((3, 4),)),
    Layer("softplus", lambda nn: nn.Softplus(beta=2.0, threshold=3.0), ((3, 4),), nonzero=True),
    Layer("softmax", lambda nn: nn.Softmax(dim=1), ((3, 4),)),
    Layer("softmax_dim0_3d", lambda nn: nn.Softmax(dim=0), ((3, 2, 2),)),
    Layer("log_softmax", lambda nn: nn.LogSoftmax(dim=-1), ((3, 4),)),
    Layer("dropout_eval", lambda nn: nn.Dropout(0.5), ((3, 4),), train=False),
    Layer("sequential_mlp", lambda nn: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), ((5, 3),)),
]
# the long tail of layers (issue 19); their functions are checked row by row in
# test_nn_functional_tail.py, these rows check the layer wrappers, parameters and buffers
LAYERS += [
    Layer("hardtanh", lambda nn: nn.Hardtanh(-0.5, 0.5), ((3, 4),), nonzero=True),
    Layer("relu6", lambda nn: nn.ReLU6(), ((3, 4),), nonzero=True),
    Layer("hardswish", lambda nn: nn.Hardswish(), ((3, 4),)),
    Layer("mish", lambda nn: nn.Mish(), ((3, 4),)),
    Layer("selu", lambda nn: nn.SELU(), ((3, 4),), nonzero=True),
    Layer("softsign", lambda nn: nn.Softsign(), ((3, 4),), nonzero=True),
    Layer("softmin", lambda nn: nn.Softmin(dim=1), ((3, 4),)),
    Layer("glu", lambda nn: nn.GLU(), ((3, 4),)),
    Layer("threshold", lambda nn: nn.Threshold(0.1, 20.0), ((3, 4),), nonzero=True),
    Layer("logsigmoid", lambda nn: nn.LogSigmoid(), ((3, 4),)),
    Layer("prelu", lambda nn: nn.PReLU(), ((3, 4),), nonzero=True),
    Layer("prelu_channels", lambda nn: nn.PReLU(3, init=0.1), ((2, 3, 4),), nonzero=True),
    Layer("reflection_pad2d", lambda nn: nn.ReflectionPad2d((1, 2, 0, 1)), ((1, 2, 3, 4),)),
    Layer("replication_pad1d", lambda nn: nn.ReplicationPad1d(2), ((2, 3, 4),)),
    Layer("circular_pad2d", lambda nn: nn.CircularPad2d(1), ((1, 1, 3, 3),)),
    Layer("zero_pad2d", lambda nn: nn.ZeroPad2d((1, 0, 2, 1)), ((1, 1, 3, 3),)),
    Layer("constant_pad1d", lambda nn: nn.ConstantPad1d(2, 3.5), ((2, 3),)),
    Layer("maxpool1d", lambda nn: nn.MaxPool1d(2), ((2, 3, 6),)),
    Layer("maxpool3d", lambda nn: nn.MaxPool3d(2, stride=1), ((1, 2, 3, 3, 3),)),
    Layer("avgpool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1), ((2, 3, 7),)),
    Layer("avgpool3d", lambda nn: nn.AvgPool3d(2), ((1, 2, 4, 2, 4),)),
    Layer("adaptive_maxpool2d", lambda nn: nn.AdaptiveMaxPool2d((2, 3)), ((1, 2, 5, 7),)),
    Layer("adaptive_maxpool1d", lambda nn: nn.AdaptiveMaxPool1d(3), ((2, 2, 7),)),
    Layer("adaptive_avgpool1d", lambda nn: nn.AdaptiveAvgPool1d(2), ((2, 2, 5),)),
    Layer("adaptive_avgpool3d", lambda nn: nn.AdaptiveAvgPool3d(1), ((1, 2, 3, 2, 2),)),
    Layer("lppool2d", lambda nn: nn.LPPool2d(2, 2), ((1, 2, 4, 4),), nonzero=True),
    Layer("pixel_shuffle", lambda nn: nn.PixelShuffle(2), ((1, 8, 2, 2),)),
    Layer("pixel_unshuffle", lambda nn: nn.PixelUnshuffle(2), ((1, 2, 4, 4),)),
    Layer("groupnorm", lambda nn: nn.GroupNorm(2, 4), ((3, 4, 5),), prepare=_random_affine),
    Layer("groupnorm_no_affine", lambda nn: nn.GroupNorm(3, 3, affine=False), ((2, 3, 2, 2),)),
    Layer("instancenorm1d", lambda nn: nn.InstanceNorm1d(3), ((2, 3, 5),)),
    Layer(
        "instancenorm2d_affine_tracked",
        lambda nn: nn.InstanceNorm2d(2, affine=True, track_running_stats=True),
        ((3, 2, 3, 3),),
        prepare=_random_affine,
    ),
    Layer(
        "instancenorm2d_eval",
        lambda nn: nn.InstanceNorm2d(2, track_running_stats=True),
        ((3, 2, 3, 3),),
        train=False,
        prepare=_random_running_stats,
    ),
    Layer("instancenorm1d_unbatched", lambda nn: nn.InstanceNorm1d(3), ((3, 5),)),
    Layer("local_response_norm", lambda nn: nn.LocalResponseNorm(3), ((2, 4, 3, 3),)),
    Layer("cosine_similarity", lambda nn: nn.CosineSimilarity(dim=1), ((3, 4), (3, 4))),
    Layer("pairwise_distance", lambda nn: nn.PairwiseDistance(), ((3, 4), (3, 4))),
    Layer("triplet_margin_loss", lambda nn: nn.TripletMarginLoss(margin=2.0), ((4, 3), (4, 3), (4, 3))),
]
PARAM_LAYERS = [
    row for row in LAYERS if row.exact_param_grads and any(True for _ in row.build(minigrad.nn).parameters())
]
FLOAT_LAYERS = [row for row in LAYERS if not row.index_input]


def _inputs(row, seed=0):
    rng = np.random.default_rng(seed)
    if row.index_input:
        idx = rng.integers(0, row.index_input, row.shapes[0])
        idx.flat[0] = 1  # make sure padding_idx rows appear
        return [idx]
    if row.nonzero:
        return [rng.uniform(0.2, 2.0, s) * rng.choice([-1.0, 1.0], s) for s in row.shapes]
    return [rng.normal(size=s) for s in row.shapes]


def _module(row, dtype=minigrad.float64):
    minigrad.manual_seed(0)
    m = row.build(minigrad.nn).to(dtype)
    if row.prepare is not None:
        row.prepare(m)
    return m.train(row.train)


def _tensors(arrays, requires_grad=True):
    return [
        minigrad.tensor(a) if a.dtype.kind == "i" else minigrad.tensor(a, requires_grad=requires_grad)
        for a in arrays
    ]


def _out_weights(shape):
    return np.random.default_rng(7).normal(size=tuple(shape))


# PyTorch warns that it copies the input for 'same' padding with an even kernel
TORCH_SAME_WARNING = "ignore:Using padding='same' with even kernel:UserWarning"


@pytest.mark.filterwarnings(TORCH_SAME_WARNING)
@pytest.mark.parametrize("row", LAYERS, ids=repr)
def test_layer_matches_torch_outputs_and_gradients(row):
    torch = pytest.importorskip("torch")
    m = _module(row)
    twin = torch_twin(torch, row.build, m)
    arrays = _inputs(row)
    xs = _tensors(arrays)
    txs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out, tout = m(*xs), twin(*txs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = _out_weights(out.shape)
    weighted_sum(out, w).backward()
    (tout * torch.from_numpy(w)).sum().backward()
    for x, tx in zip(xs, txs):
        if tx.requires_grad:
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    tparams = dict(twin.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
        )
    tbuffers = dict(twin.named_buffers())
    for name, b in m.named_buffers():
        np.testing.assert_allclose(b.numpy(), tbuffers[name].numpy(), rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("row", FLOAT_LAYERS, ids=repr)
def test_layer_input_grad_matches_finite_differences(row):
    m = _module(row)
    arrays = _inputs(row)
    xs = _tensors(arrays)
    out = m(*xs)
    w = _out_weights(out.shape)
    weighted_sum(out, w).backward()
    for i, x in enumerate(xs):

        def f(values, i=i):
            args = [minigrad.tensor(values if j == i else a) for j, a in enumerate(arrays)]
            return float(weighted_sum(m(*args), w))

        np.testing.assert_allclose(x.grad.numpy(), numeric_grad(f, arrays[i]), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("row", PARAM_LAYERS, ids=repr)
def test_layer_param_grads_match_finite_differences(row):
    m = _module(row)
    xs = _tensors(_inputs(row), requires_grad=False)
    out = m(*xs)
    w = _out_weights(out.shape)
    weighted_sum(out, w).backward()
    for name, p in m.named_parameters():
        expected = param_numeric_grad(m, name, lambda: weighted_sum(m(*xs), w))
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-5, atol=1e-7, err_msg=name)


@pytest.mark.filterwarnings(TORCH_SAME_WARNING)
@pytest.mark.parametrize("row", LAYERS, ids=repr)
def test_layer_float32_forward_matches_torch(row):
    torch = pytest.importorskip("torch")
    m = _module(row, minigrad.float32)
    twin = torch_twin(torch, row.build, m).float()
    arrays = [a if a.dtype.kind == "i" else a.astype(np.float32) for a in _inputs(row)]
    out = m(*[minigrad.tensor(a) for a in arrays])
    tout = twin(*[torch.from_numpy(a) for a in arrays])
    assert out.dtype == minigrad.float32
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
