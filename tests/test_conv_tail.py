"""Tests of the convolutions beyond conv1d/conv2d with groups=1 (issue 19): ``groups`` (incl.
depthwise) for every conv, conv3d, conv_transpose1d/2d and their layers, and PyTorch's
RuntimeError for badly sized stride/padding/dilation tuples. Each op is checked against
finite differences (float64, ``autograd.gradcheck``) and against PyTorch (value and every
input gradient, float32 and float64; second order for the primitives).
"""

import numpy as np
import pytest

import minigrad
from minigrad import nn

F = nn.functional


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _run(lib, fn, arrays, dtype, create_graph=False):
    """Output and input gradients of sum(fn(*xs) * w), in library ``lib``."""
    dt = getattr(lib, dtype)
    xs = [lib.tensor(a, dtype=dt, requires_grad=True) for a in arrays]
    out = fn(lib)(*xs)
    w = lib.tensor(_rand(*out.shape, seed=9), dtype=dt)
    grads = lib.autograd.grad((out * w).sum(), xs, create_graph=create_graph)
    return xs, out, grads


def _np(t):
    return t.detach().numpy()


def _matches_torch(fn, arrays, dtype="float64"):
    """fn(lib) -> f(*tensors), with lib minigrad or torch: values and gradients agree."""
    torch = pytest.importorskip("torch")
    _, out, grads = _run(minigrad, fn, arrays, dtype)
    _, tout, tgrads = _run(torch, fn, arrays, dtype)
    tol = dict(rtol=1e-9, atol=1e-11) if dtype == "float64" else dict(rtol=2e-4, atol=2e-4)
    assert tuple(out.shape) == tuple(tout.shape)
    assert out.dtype == getattr(minigrad, dtype)
    np.testing.assert_allclose(_np(out), _np(tout), **tol)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(_np(g), _np(tg), **tol)


def _double_backward_matches_torch(fn, arrays):
    """Gradients of sum(grad^2) (create_graph=True) equal PyTorch's."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (minigrad, torch):
        xs, _, grads = _run(lib, fn, arrays, "float64", create_graph=True)
        sum((g * g).sum() for g in grads).backward()
        results.append([None if x.grad is None else _np(x.grad) for x in xs])
    for mine, theirs in zip(*results):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            np.testing.assert_allclose(mine, theirs, rtol=1e-8, atol=1e-10)


def _gradcheck(fn, arrays):
    xs = [minigrad.tensor(a, dtype=minigrad.float64, requires_grad=True) for a in arrays]
    assert minigrad.autograd.gradcheck(fn(minigrad), xs, eps=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- groups

# (input shape, weight shape, kwargs): groups split the channels; C/groups = weight.shape[1]
GROUPED2D = [
    ((2, 4, 6, 5), (6, 2, 3, 3), dict(groups=2)),
    ((2, 4, 6, 5), (4, 1, 3, 2), dict(groups=4, padding=1)),  # depthwise
    ((1, 3, 7, 7), (6, 1, 3, 3), dict(groups=3, stride=2, dilation=2, padding=2)),  # depthwise x2
    ((2, 6, 5, 6), (3, 2, 2, 3), dict(groups=3, stride=(2, 1), padding=(1, 0))),
    ((2, 4, 5, 5), (4, 2, 3, 3), dict(groups=2, padding="same", dilation=(1, 2))),
]


@pytest.mark.parametrize("xs, ws, kwargs", GROUPED2D, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grouped_conv2d_matches_torch(xs, ws, kwargs, dtype):
    arrays = [_rand(*xs), _rand(*ws, seed=1), _rand(ws[0], seed=2)]
    _matches_torch(lambda L: lambda x, w, b: L.nn.functional.conv2d(x, w, b, **kwargs), arrays, dtype)


@pytest.mark.parametrize("xs, ws, kwargs", GROUPED2D[:3], ids=str)
def test_grouped_conv2d_grad_matches_finite_differences(xs, ws, kwargs):
    arrays = [_rand(*xs), _rand(*ws, seed=1), _rand(ws[0], seed=2)]
    _gradcheck(lambda L: lambda x, w, b: L.nn.functional.conv2d(x, w, b, **kwargs), arrays)


def test_grouped_conv2d_double_backward_matches_torch():
    _double_backward_matches_torch(
        lambda L: lambda x, w, b: L.nn.functional.conv2d(x, w, b, groups=2, stride=2, padding=1),
        [_rand(2, 4, 5, 5), _rand(6, 2, 3, 3, seed=1), _rand(6, seed=2)],
    )


@pytest.mark.parametrize(
    "xs, ws, kwargs",
    [((2, 4, 9), (6, 2, 3), dict(groups=2)), ((2, 3, 8), (3, 1, 3), dict(groups=3, dilation=2, padding=2))],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grouped_conv1d_matches_torch(xs, ws, kwargs, dtype):
    arrays = [_rand(*xs), _rand(*ws, seed=1)]
    _matches_torch(lambda L: lambda x, w: L.nn.functional.conv1d(x, w, **kwargs), arrays, dtype)


def test_grouped_conv1d_grad_matches_finite_differences():
    arrays = [_rand(2, 4, 7), _rand(4, 1, 3, seed=1)]
    _gradcheck(lambda L: lambda x, w: L.nn.functional.conv1d(x, w, groups=4, stride=2), arrays)


# ----------------------------------------------------------------------------- conv3d

CONV3D = [
    ((2, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict()),
    ((1, 2, 5, 5, 6), (2, 2, 3, 3, 3), dict(stride=2, padding=1)),
    (
        (2, 4, 5, 4, 4),
        (4, 2, 2, 2, 3),
        dict(groups=2, stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1)),
    ),
    ((1, 2, 4, 4, 4), (2, 1, 3, 1, 3), dict(groups=2, padding="same", dilation=(1, 1, 2))),
    ((2, 4, 4, 4), (3, 2, 2, 2, 2), dict()),  # unbatched
]


@pytest.mark.parametrize("xs, ws, kwargs", CONV3D, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv3d_matches_torch(xs, ws, kwargs, dtype):
    arrays = [_rand(*xs), _rand(*ws, seed=1), _rand(ws[0], seed=2)]
    _matches_torch(lambda L: lambda x, w, b: L.nn.functional.conv3d(x, w, b, **kwargs), arrays, dtype)


@pytest.mark.parametrize("xs, ws, kwargs", CONV3D[1:3], ids=str)
def test_conv3d_grad_matches_finite_differences(xs, ws, kwargs):
    arrays = [_rand(*xs), _rand(*ws, seed=1), _rand(ws[0], seed=2)]
    _gradcheck(lambda L: lambda x, w, b: L.nn.functional.conv3d(x, w, b, **kwargs), arrays)


def test_conv3d_double_backward_matches_torch():
    _double_backward_matches_torch(
        lambda L: lambda x, w: L.conv3d(x, w, stride=2, padding=1),
        [_rand(1, 2, 4, 4, 4), _rand(2, 2, 2, 2, 2, seed=1)],
    )


# ----------------------------------------------------------------------------- conv_transpose

TRANSPOSE2D = [
    ((2, 3, 4, 5), (3, 2, 3, 3), dict()),
    ((2, 3, 4, 4), (3, 2, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 3, 4), (4, 3, 2, 3), dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 2), groups=2)),
    ((2, 4, 4, 3), (4, 1, 3, 3), dict(groups=4, dilation=2, padding=1, output_padding=1)),  # op < dilation
    ((2, 2, 3, 3), (2, 2, 3, 3), dict(stride=3, dilation=(2, 1), padding=(2, 1))),
    ((3, 4, 4), (3, 2, 2, 2), dict(stride=2)),  # unbatched
]


@pytest.mark.parametrize("xs, ws, kwargs", TRANSPOSE2D, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_transpose2d_matches_torch(xs, ws, kwargs, dtype):
    g = kwargs.get("groups", 1)
    arrays = [_rand(*xs), _rand(*ws, seed=1), _rand(ws[1] * g, seed=2)]
    _matches_torch(
        lambda L: lambda x, w, b: L.nn.functional.conv_transpose2d(x, w, b, **kwargs), arrays, dtype
    )


@pytest.mark.parametrize("xs, ws, kwargs", TRANSPOSE2D[1:4], ids=str)
def test_conv_transpose2d_grad_matches_finite_differences(xs, ws, kwargs):
    g = kwargs.get("groups", 1)
    arrays = [_rand(*xs), _rand(*ws, seed=1), _rand(ws[1] * g, seed=2)]
    _gradcheck(lambda L: lambda x, w, b: L.nn.functional.conv_transpose2d(x, w, b, **kwargs), arrays)


def test_conv_transpose2d_double_backward_matches_torch():
    _double_backward_matches_torch(
        lambda L: (
            lambda x, w, b: L.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)
        ),
        [_rand(2, 4, 3, 3), _rand(4, 2, 3, 3, seed=1), _rand(4, seed=2)],
    )


@pytest.mark.parametrize(
    "xs, ws, kwargs",
    [
        ((2, 3, 5), (3, 2, 3), dict()),
        ((2, 4, 5), (4, 3, 3), dict(stride=3, padding=1, output_padding=2, groups=2)),
        ((2, 4, 6), (4, 1, 2), dict(dilation=3, groups=4, output_padding=1)),
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_transpose1d_matches_torch(xs, ws, kwargs, dtype):
    arrays = [_rand(*xs), _rand(*ws, seed=1)]
    _matches_torch(lambda L: lambda x, w: L.nn.functional.conv_transpose1d(x, w, **kwargs), arrays, dtype)


def test_conv_transpose1d_grad_matches_finite_differences():
    arrays = [_rand(2, 4, 5), _rand(4, 3, 3, seed=1), _rand(6, seed=2)]
    _gradcheck(
        lambda L: lambda x, w, b: L.conv_transpose1d(x, w, b, stride=2, output_padding=1, groups=2), arrays
    )


def test_conv_transpose_is_the_adjoint_of_conv():
    # <conv(x, w), y> == <x, conv_transpose(y, w)> for the same geometry
    x, w = minigrad.tensor(_rand(2, 4, 7, 6)), minigrad.tensor(_rand(6, 2, 3, 3, seed=1))
    kw = dict(stride=2, padding=1, groups=2)
    y = minigrad.tensor(_rand(*F.conv2d(x, w, **kw).shape, seed=3))
    xt = F.conv_transpose2d(y, w, output_padding=(0, 1), **kw)
    assert tuple(xt.shape) == tuple(x.shape)
    np.testing.assert_allclose((F.conv2d(x, w, **kw) * y).sum().item(), (x * xt).sum().item(), rtol=1e-10)


def test_conv_family_grad_fn_is_convolution_backward():
    x = minigrad.randn(1, 2, 4, 4, 4, requires_grad=True)
    assert (
        type(F.conv_transpose2d(x[:, :, 0], minigrad.randn(2, 3, 2, 2)).grad_fn).__name__
        == "ConvolutionBackward0"
    )
    assert (
        type(F.conv2d(x[:, :, 0], minigrad.randn(2, 1, 2, 2), groups=2).grad_fn).__name__
        == "ConvolutionBackward0"
    )


def test_conv_empty_batch_matches_torch_shapes():
    torch = pytest.importorskip("torch")
    for lib in (minigrad, torch):
        x = lib.zeros(0, 4, 5, 5, requires_grad=True)
        y = lib.nn.functional.conv_transpose2d(x, lib.ones(4, 1, 3, 3), stride=2, groups=2)
        y.sum().backward()
        assert tuple(y.shape) == (0, 2, 11, 11) and tuple(x.grad.shape) == (0, 4, 5, 5)
        z = lib.nn.functional.conv3d(lib.zeros(0, 2, 3, 3, 3), lib.ones(4, 1, 2, 2, 2), groups=2)
        assert tuple(z.shape) == (0, 4, 2, 2, 2)


# ----------------------------------------------------------------------------- errors


BAD = {
    "conv2d_padding_3": lambda L: L.nn.functional.conv2d(
        L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), padding=(1, 2, 3)
    ),
    "conv2d_stride_empty": lambda L: L.nn.functional.conv2d(
        L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), stride=()
    ),
    "conv1d_dilation_2": lambda L: L.nn.functional.conv1d(L.ones(1, 2, 5), L.ones(3, 2, 3), dilation=(1, 1)),
    "conv3d_padding_2": lambda L: L.nn.functional.conv3d(
        L.ones(1, 1, 4, 4, 4), L.ones(1, 1, 2, 2, 2), padding=(1, 1)
    ),
    "conv_transpose2d_output_padding_3": lambda L: L.nn.functional.conv_transpose2d(
        L.ones(1, 2, 3, 3), L.ones(2, 1, 2, 2), stride=2, output_padding=(1, 1, 1)
    ),
    "max_pool2d_padding_3": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 4, 4), 2, padding=(1, 0, 0)),
    "max_pool2d_kernel_3": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 4, 4), (2, 2, 2)),
    "avg_pool2d_stride_3": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 4, 4), 2, stride=(1, 1, 1)),
    "max_pool1d_padding_2": lambda L: L.nn.functional.max_pool1d(L.ones(1, 1, 4), 2, padding=(1, 0)),
    "avg_pool3d_padding_2": lambda L: L.nn.functional.avg_pool3d(L.ones(1, 1, 4, 4, 4), 2, padding=(1, 0)),
    "groups_not_dividing": lambda L: L.nn.functional.conv2d(L.ones(1, 4, 5, 5), L.ones(3, 2, 3, 3), groups=2),
    "groups_channel_mismatch": lambda L: L.nn.functional.conv2d(
        L.ones(1, 4, 5, 5), L.ones(4, 1, 3, 3), groups=2
    ),
    "groups_negative": lambda L: L.nn.functional.conv1d(L.ones(1, 4, 5), L.ones(4, 1, 3), groups=-1),
    "transpose_channels": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 4, 5, 5), L.ones(3, 2, 3, 3)),
    "transpose_output_padding_too_big": lambda L: L.nn.functional.conv_transpose2d(
        L.ones(1, 4, 5, 5), L.ones(4, 2, 3, 3), output_padding=1
    ),
    "transpose_output_too_small": lambda L: L.nn.functional.conv_transpose2d(
        L.ones(1, 4, 5, 5), L.ones(4, 2, 3, 3), padding=4
    ),
    "transpose_bias": lambda L: L.nn.functional.conv_transpose2d(
        L.ones(1, 4, 5, 5), L.ones(4, 2, 3, 3), L.ones(3)
    ),
    "conv3d_kernel_too_big": lambda L: L.nn.functional.conv3d(L.ones(1, 1, 4, 5, 5), L.ones(4, 1, 3, 3, 9)),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_conv_arguments_raise_pytorchs_exception_type(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        BAD[name](torch)
    with pytest.raises(Exception) as mine:
        BAD[name](minigrad)
    assert type(mine.value) is type(theirs.value) is RuntimeError, (mine.value, theirs.value)


def test_bad_padding_tuple_is_a_runtime_error_naming_the_op():
    # issue 19: these raised TypeError; PyTorch raises RuntimeError
    with pytest.raises(
        RuntimeError, match=r"conv2d: expected padding to be a single integer value or a list of 2"
    ):
        F.conv2d(minigrad.ones(1, 2, 5, 5), minigrad.ones(3, 2, 3, 3), padding=(1, 2, 3))
    with pytest.raises(RuntimeError, match=r"max_pool2d: expected padding .* list of 2"):
        F.max_pool2d(minigrad.ones(1, 1, 4, 4), 2, padding=(1, 0, 0))
    with pytest.raises(TypeError, match="padding must be an int"):  # a float stays PyTorch's TypeError
        F.conv2d(minigrad.ones(1, 2, 5, 5), minigrad.ones(3, 2, 3, 3), padding=(1.0, 1))


def test_one_element_tuples_are_expanded_as_pytorch():
    x, w = minigrad.ones(1, 2, 5, 5), minigrad.ones(3, 2, 3, 3)
    assert tuple(F.conv2d(x, w, padding=(1,)).shape) == (1, 3, 5, 5)
    assert tuple(F.max_pool2d(x, (2,)).shape) == (1, 2, 2, 2)


def test_huge_transpose_sizes_are_refused_before_the_kernel():
    # issue 16's rule: the output and column sizes are computed exactly before col2im runs
    with pytest.raises(RuntimeError, match="can't allocate memory"):
        F.conv_transpose2d(minigrad.ones(1, 1, 3, 3), minigrad.ones(1, 1, 2, 2), stride=2**40)
    with pytest.raises(RuntimeError, match="can't allocate memory"):
        F.conv_transpose1d(minigrad.ones(1, 1, 2), minigrad.ones(1, 1, 2), stride=2**62, output_padding=2**61)
    with pytest.raises(RuntimeError, match="out of range"):
        F.conv_transpose2d(minigrad.ones(1, 1, 3, 3), minigrad.ones(1, 1, 2, 2), stride=2**64)
    with pytest.raises(RuntimeError, match="can't allocate memory"):
        F.conv3d(minigrad.ones(1, 1, 2, 2, 2), minigrad.ones(1, 1, 1, 1, 1), padding=(2**40, 0, 0))


@pytest.mark.parametrize("output_size", [(7, 9), (8, 10), [2, 3, 8, 9]], ids=str)
def test_conv_transpose2d_layer_output_size_matches_torch(output_size):
    torch = pytest.importorskip("torch")
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, groups=1)
    twin = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    twin.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in layer.state_dict().items()})
    x = _rand(2, 3, 4, 5)
    out = layer(minigrad.tensor(x, dtype=minigrad.float32), output_size=output_size)
    theirs = twin(torch.tensor(x, dtype=torch.float32), output_size=output_size)
    assert tuple(out.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(out.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_conv_transpose2d_layer_output_size_out_of_range_raises_value_error():
    with pytest.raises(ValueError, match="valid sizes range from 7 to 8"):
        nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)(minigrad.zeros(1, 3, 4, 5), output_size=(9, 9))
