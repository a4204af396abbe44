"""Table-driven tests of the nn.functional long tail (issue 19): activations, pad modes,
pooling in 1-3 dims, distances, per-sample norms, pixel shuffle and the margin/likelihood
losses. Each row writes its expression once, ``fn_of(F, M)`` (F: ``nn.functional``, M: the
library), so the same line runs on minigrad and on PyTorch. Generic tests walk the table:

* value and input gradients equal PyTorch's in float64 (skipped without torch);
* input gradients equal central finite differences in float64;
* the float32 forward equals PyTorch's float32 forward.

Rows draw inputs away from kinks (``away``) where a function has one; integer arrays and
the indices in ``const`` are targets, not differentiated.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from nn_helpers import numeric_grad, weighted_sum

import minigrad
from minigrad import nn

F = nn.functional


@dataclass(frozen=True)
class Row:
    id: str
    fn_of: object  # (F, M) -> f(*inputs)
    make: object  # rng -> list of input arrays
    const: tuple = ()  # indices of float inputs that are targets (no gradient checked)
    rtol: float = 1e-10  # against PyTorch in float64 (looser only where PyTorch rounds a constant)

    def __repr__(self):
        return self.id


def _normal(*shapes, away=0.0, scale=1.0):
    """Normal inputs of ``shapes``, with |x| >= away (kinks of piecewise functions avoided)."""

    def make(rng):
        out = []
        for s in shapes:
            x = rng.normal(size=s) * scale
            out.append(np.where(np.abs(x) < away, np.sign(x + 1e-300) * (away + np.abs(x)), x))
        return out

    return make


def _with(make, *extra):
    """``make``'s inputs followed by ``extra(rng)`` arrays (targets)."""
    return lambda rng: make(rng) + [e(rng) for e in extra]


def _signs(*shape):
    return lambda rng: rng.choice([-1.0, 1.0], size=shape)


def _classes(n, c):
    return lambda rng: rng.integers(0, c, n)


def _positive(*shapes, low=0.2, high=2.0):
    return lambda rng: [rng.uniform(low, high, s) for s in shapes]


def _distinct(*shape):
    """A permutation of spaced values: no ties in max pooling."""
    return lambda rng: [rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)]


# fmt: off
ROWS = [
    # activations
    Row("hardtanh",            lambda F, M: lambda x: F.hardtanh(x, -0.5, 0.8),       _normal((3, 4), away=0.1)),
    Row("relu6",               lambda F, M: F.relu6,                                  _normal((3, 4), away=0.1, scale=4)),
    # PyTorch's float64 kernels of these two use float32 constants (1.0f / 6, 1 / alpha): ~3e-8 apart
    Row("hardsigmoid",         lambda F, M: F.hardsigmoid,                            _normal((3, 4), scale=3), rtol=1e-7),
    Row("hardswish",           lambda F, M: F.hardswish,                              _normal((3, 4), scale=3)),
    Row("threshold",           lambda F, M: lambda x: F.threshold(x, 0.1, -2.0),      _normal((3, 4), away=0.2)),
    Row("hardshrink",          lambda F, M: lambda x: F.hardshrink(x, 0.3),           _normal((3, 4), away=0.4)),
    Row("softshrink",          lambda F, M: lambda x: F.softshrink(x, 0.3),           _normal((3, 4), away=0.4)),
    Row("tanhshrink",          lambda F, M: F.tanhshrink,                             _normal((3, 4))),
    Row("softsign",            lambda F, M: F.softsign,                               _normal((3, 4), away=0.1)),
    Row("mish",                lambda F, M: F.mish,                                   _normal((3, 4), scale=3)),
    Row("celu",                lambda F, M: lambda x: F.celu(x, 0.7),                 _normal((3, 4), away=0.1), rtol=1e-7),
    Row("selu",                lambda F, M: F.selu,                                   _normal((3, 4), away=0.1)),
    Row("softmin",             lambda F, M: lambda x: F.softmin(x, 1),                _normal((3, 4))),
    Row("glu",                 lambda F, M: lambda x: F.glu(x, 1),                    _normal((3, 6))),
    Row("glu_last",            lambda F, M: F.glu,                                    _normal((2, 3, 4))),
    Row("prelu_shared",        lambda F, M: F.prelu,                                  _normal((2, 3, 4), (1,), away=0.1)),
    Row("prelu_channels",      lambda F, M: F.prelu,                                  _normal((2, 3, 4), (3,), away=0.1)),
    # pad
    Row("pad_reflect_1d",      lambda F, M: lambda x: F.pad(x, (2, 3), mode="reflect"),       _normal((2, 3, 5))),
    Row("pad_reflect_2d",      lambda F, M: lambda x: F.pad(x, (1, 2, 2, 0), mode="reflect"), _normal((1, 2, 4, 5))),
    Row("pad_replicate_2d",    lambda F, M: lambda x: F.pad(x, (3, 1, 0, 2), mode="replicate"), _normal((2, 3, 4))),
    Row("pad_replicate_3d",    lambda F, M: lambda x: F.pad(x, (1, 1, 2, 0, 1, 1), mode="replicate"), _normal((1, 1, 2, 3, 3))),
    Row("pad_circular_2d",     lambda F, M: lambda x: F.pad(x, (2, 1, 1, 3), mode="circular"), _normal((1, 2, 3, 4))),
    Row("pad_constant_negative", lambda F, M: lambda x: F.pad(x, (-1, 2, 1, -2), value=0.5),  _normal((2, 4, 5))),
    Row("pad_reflect_negative", lambda F, M: lambda x: F.pad(x, (-1, 2), mode="reflect"),    _normal((2, 3, 5))),
    Row("pad_circular_negative", lambda F, M: lambda x: F.pad(x, (1, -2), mode="circular"),  _normal((2, 3, 5))),
    # pooling
    Row("max_pool1d",          lambda F, M: lambda x: F.max_pool1d(x, 2),                     _distinct(2, 3, 8)),
    Row("max_pool1d_options",  lambda F, M: lambda x: F.max_pool1d(x, 3, 2, 1, 2, True),      _distinct(2, 2, 11)),
    Row("max_pool3d",          lambda F, M: lambda x: F.max_pool3d(x, 2),                     _distinct(1, 2, 4, 4, 6)),
    Row("max_pool3d_options",  lambda F, M: lambda x: F.max_pool3d(x, (3, 2, 2), (2, 1, 2), 1), _distinct(1, 2, 5, 4, 5)),
    Row("max_pool3d_unbatched", lambda F, M: lambda x: F.max_pool3d(x, 2, ceil_mode=True),    _distinct(2, 3, 5, 4)),
    Row("avg_pool1d",          lambda F, M: lambda x: F.avg_pool1d(x, 3, 2, 1),               _normal((2, 3, 8))),
    Row("avg_pool1d_exclude_pad_ceil", lambda F, M: lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), _normal((2, 2, 8))),
    Row("avg_pool3d",          lambda F, M: lambda x: F.avg_pool3d(x, 2),                     _normal((1, 2, 4, 4, 6))),
    Row("avg_pool3d_options",  lambda F, M: lambda x: F.avg_pool3d(x, 3, 2, 1, True, False),  _normal((1, 2, 5, 6, 5))),
    Row("avg_pool3d_divisor",  lambda F, M: lambda x: F.avg_pool3d(x, 2, divisor_override=3), _normal((1, 1, 4, 4, 4))),
    Row("adaptive_max_pool1d", lambda F, M: lambda x: F.adaptive_max_pool1d(x, 3),            _distinct(2, 3, 8)),
    Row("adaptive_max_pool2d", lambda F, M: lambda x: F.adaptive_max_pool2d(x, (3, 2)),       _distinct(2, 2, 7, 5)),
    Row("adaptive_max_pool2d_none", lambda F, M: lambda x: F.adaptive_max_pool2d(x, (None, 2)), _distinct(2, 3, 5)),
    Row("adaptive_max_pool3d", lambda F, M: lambda x: F.adaptive_max_pool3d(x, 2),            _distinct(1, 2, 3, 5, 4)),
    Row("adaptive_avg_pool1d", lambda F, M: lambda x: F.adaptive_avg_pool1d(x, 3),            _normal((2, 3, 7))),
    Row("adaptive_avg_pool3d", lambda F, M: lambda x: F.adaptive_avg_pool3d(x, (2, 3, 1)),    _normal((1, 2, 3, 5, 4))),
    Row("lp_pool1d",           lambda F, M: lambda x: F.lp_pool1d(x, 2, 3, 2),                _positive((2, 3, 8))),
    Row("lp_pool2d",           lambda F, M: lambda x: F.lp_pool2d(x, 3, 2),                   _positive((1, 2, 4, 6))),
    Row("max_unpool2d",        lambda F, M: lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), _distinct(1, 2, 4, 6)),
    Row("max_unpool1d",        lambda F, M: lambda x: F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2), _distinct(2, 2, 8)),
    Row("max_unpool3d",        lambda F, M: lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2), _distinct(1, 1, 4, 4, 2)),
    Row("pixel_shuffle",       lambda F, M: lambda x: F.pixel_shuffle(x, 2),                  _normal((2, 8, 2, 3))),
    Row("pixel_unshuffle",     lambda F, M: lambda x: F.pixel_unshuffle(x, 2),                _normal((1, 2, 4, 6))),
    # resampling
    Row("interpolate_nearest",  lambda F, M: lambda x: F.interpolate(x, scale_factor=2),                      _normal((1, 2, 3, 4))),
    Row("interpolate_nearest_size", lambda F, M: lambda x: F.interpolate(x, size=(5, 3)),                     _normal((1, 2, 3, 4))),
    Row("interpolate_nearest_exact", lambda F, M: lambda x: F.interpolate(x, size=7, mode="nearest-exact"),  _normal((2, 2, 5))),
    Row("interpolate_linear",   lambda F, M: lambda x: F.interpolate(x, scale_factor=2.5, mode="linear"),     _normal((2, 2, 4))),
    Row("interpolate_linear_align", lambda F, M: lambda x: F.interpolate(x, size=7, mode="linear", align_corners=True), _normal((2, 2, 4))),
    Row("interpolate_bilinear", lambda F, M: lambda x: F.interpolate(x, size=(5, 7), mode="bilinear"),        _normal((1, 2, 3, 4))),
    Row("interpolate_bilinear_align_down", lambda F, M: lambda x: F.interpolate(x, size=(2, 3), mode="bilinear", align_corners=True), _normal((1, 2, 4, 6))),
    Row("interpolate_bicubic",  lambda F, M: lambda x: F.interpolate(x, scale_factor=(2, 1.5), mode="bicubic"), _normal((1, 1, 4, 4))),
    Row("interpolate_bicubic_align", lambda F, M: lambda x: F.interpolate(x, size=(6, 5), mode="bicubic", align_corners=True), _normal((1, 2, 3, 4))),
    Row("interpolate_trilinear", lambda F, M: lambda x: F.interpolate(x, scale_factor=2, mode="trilinear"),   _normal((1, 1, 2, 3, 2))),
    Row("interpolate_area",     lambda F, M: lambda x: F.interpolate(x, size=(2, 3), mode="area"),            _normal((1, 2, 5, 7))),
    Row("interpolate_recompute", lambda F, M: lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True), _normal((1, 1, 3, 5))),
    Row("unfold",               lambda F, M: lambda x: F.unfold(x, 2),                                        _normal((2, 3, 4, 5))),
    Row("unfold_options",       lambda F, M: lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), _normal((1, 2, 5, 6))),
    Row("fold",                 lambda F, M: lambda x: F.fold(x, (4, 5), 2),                                  _normal((2, 12, 12))),
    Row("fold_options",         lambda F, M: lambda x: F.fold(x, (5, 6), (2, 3), padding=1, stride=2),        _normal((1, 12, 9))),
    # distances and norms
    Row("normalize",           lambda F, M: F.normalize,                              _normal((3, 4))),
    Row("normalize_p1_dim0",   lambda F, M: lambda x: F.normalize(x, 1.0, 0),         _normal((3, 4), away=0.1)),
    Row("cosine_similarity",   lambda F, M: F.cosine_similarity,                      _normal((3, 4), (3, 4))),
    Row("cosine_similarity_broadcast", lambda F, M: lambda a, b: F.cosine_similarity(a, b, -1), _normal((2, 3, 4), (3, 4))),
    Row("pairwise_distance",   lambda F, M: F.pairwise_distance,                      _normal((3, 4), (3, 4))),
    Row("pairwise_distance_p3_keepdim", lambda F, M: lambda a, b: F.pairwise_distance(a, b, 3.0, keepdim=True), _normal((3, 4), (3, 4))),
    Row("group_norm",          lambda F, M: lambda x, w, b: F.group_norm(x, 2, w, b), _normal((2, 4, 3, 2), (4,), (4,))),
    Row("group_norm_plain",    lambda F, M: lambda x: F.group_norm(x, 3),             _normal((2, 6, 5))),
    Row("instance_norm",       lambda F, M: lambda x, w, b: F.instance_norm(x, weight=w, bias=b), _normal((2, 3, 4, 3), (3,), (3,))),
    Row("local_response_norm", lambda F, M: lambda x: F.local_response_norm(x, 3, 0.1, 0.7, 1.5), _normal((2, 5, 4))),
    Row("local_response_norm_4d", lambda F, M: lambda x: F.local_response_norm(x, 4), _normal((1, 6, 3, 2), scale=5)),
    # losses
    Row("margin_ranking_loss", lambda F, M: lambda a, b, y: F.margin_ranking_loss(a, b, y, 0.3), _with(_normal((6,), (6,)), _signs(6)), const=(2,)),
    Row("hinge_embedding_loss", lambda F, M: lambda x, y: F.hinge_embedding_loss(x, y, 0.5, reduction="sum"), _with(_normal((3, 4)), _signs(3, 4)), const=(1,)),
    Row("soft_margin_loss",    lambda F, M: F.soft_margin_loss,                       _with(_normal((3, 4)), _signs(3, 4)), const=(1,)),
    Row("multilabel_soft_margin_loss", lambda F, M: F.multilabel_soft_margin_loss,    _with(_normal((3, 4)), lambda r: r.integers(0, 2, (3, 4)) * 1.0), const=(1,)),
    Row("multilabel_soft_margin_weighted", lambda F, M: lambda x, y, w: F.multilabel_soft_margin_loss(x, y, w, reduction="none"), _with(_normal((3, 4)), lambda r: r.integers(0, 2, (3, 4)) * 1.0, lambda r: r.uniform(0.5, 2, 4)), const=(1, 2)),
    Row("multi_margin_loss",   lambda F, M: lambda x, t: F.multi_margin_loss(x, t),   _with(_normal((5, 4)), _classes(5, 4))),
    Row("multi_margin_p2_weight", lambda F, M: lambda x, t, w: F.multi_margin_loss(x, t, 2, 0.7, w, reduction="none"), _with(_normal((5, 4)), _classes(5, 4), lambda r: r.uniform(0.5, 2, 4)), const=(2,)),
    Row("cosine_embedding_loss", lambda F, M: lambda a, b, y: F.cosine_embedding_loss(a, b, y, 0.1), _with(_normal((5, 4), (5, 4)), _signs(5)), const=(2,)),
    Row("triplet_margin_loss", lambda F, M: F.triplet_margin_loss,                    _normal((4, 3), (4, 3), (4, 3))),
    Row("triplet_margin_swap_p1", lambda F, M: lambda a, p, n: F.triplet_margin_loss(a, p, n, 2.0, 1, swap=True, reduction="none"), _normal((4, 3), (4, 3), (4, 3))),
    Row("poisson_nll_loss",    lambda F, M: F.poisson_nll_loss,                       _with(_normal((3, 4)), lambda r: r.poisson(2.0, (3, 4)) * 1.0), const=(1,)),
    Row("poisson_nll_full_rate", lambda F, M: lambda x, y: F.poisson_nll_loss(x, y, False, True), _with(_positive((3, 4)), lambda r: r.poisson(2.0, (3, 4)) * 1.0), const=(1,)),
    Row("gaussian_nll_loss",   lambda F, M: F.gaussian_nll_loss,                      _with(_normal((4, 3), (4, 3)), lambda r: r.uniform(0.3, 2, (4, 3)))),
    Row("gaussian_nll_one_var_full", lambda F, M: lambda x, y, v: F.gaussian_nll_loss(x, y, v, True, reduction="sum"), _with(_normal((4, 3), (4, 3)), lambda r: r.uniform(0.3, 2, (4, 1)))),
]
# fmt: on


def _arrays(row, dtype=np.float64):
    arrays = row.make(np.random.default_rng(0))
    return [a if a.dtype.kind == "i" else a.astype(dtype) for a in arrays]


def _differentiable(row, arrays):
    return [i for i, a in enumerate(arrays) if a.dtype.kind == "f" and i not in row.const]


def _run(lib, fns, arrays, diff):
    xs = [lib.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    return fns(*xs), xs


@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_functional_matches_torch_values_and_gradients(row):
    torch = pytest.importorskip("torch")
    arrays = _arrays(row)
    diff = _differentiable(row, arrays)
    out, xs = _run(minigrad, row.fn_of(F, minigrad), arrays, diff)
    tout, txs = _run(torch, row.fn_of(torch.nn.functional, torch), arrays, diff)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=row.rtol, atol=1e-12)
    w = np.random.default_rng(7).normal(size=tuple(out.shape))
    weighted_sum(out, w).backward()
    (tout * torch.from_numpy(w)).sum().backward()
    for i in diff:
        grad, tgrad = xs[i].grad.numpy(), txs[i].grad.numpy()
        np.testing.assert_allclose(grad, tgrad, rtol=max(row.rtol, 1e-9), atol=1e-12, err_msg=str(i))


@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_functional_grad_matches_finite_differences(row):
    arrays = _arrays(row)
    diff = _differentiable(row, arrays)
    fn = row.fn_of(F, minigrad)
    out, xs = _run(minigrad, fn, arrays, diff)
    w = np.random.default_rng(7).normal(size=tuple(out.shape))
    weighted_sum(out, w).backward()
    for i in diff:

        def f(values, i=i):
            args = [minigrad.tensor(values if j == i else a) for j, a in enumerate(arrays)]
            return float(weighted_sum(fn(*args), w))

        np.testing.assert_allclose(xs[i].grad.numpy(), numeric_grad(f, arrays[i]), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_functional_float32_forward_matches_torch(row):
    torch = pytest.importorskip("torch")
    arrays = _arrays(row, np.float32)
    out = row.fn_of(F, minigrad)(*[minigrad.tensor(a) for a in arrays])
    tout = row.fn_of(torch.nn.functional, torch)(*[torch.from_numpy(a) for a in arrays])
    assert out.dtype == minigrad.float32
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-5, atol=1e-5)
