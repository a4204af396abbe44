"""vmap's batching rules for reductions to one value (amax, amin, max, min), the picks (sort,
topk, kthvalue, max(dim)), joins (cat, stack), indexing and the index ops (gather,
index_select, scatter, scatter_add, index_add, take_along_dim): each against the loop of
samples (values and gradients through the vmapped function) and against torch.func.vmap;
ops that cannot be batched raise naming themselves."""

import numpy as np
import pytest

import minigrad
import minigrad.func as F

RNG = np.random.default_rng(14)
B = 4
X = RNG.standard_normal((B, 3, 5))
I = RNG.integers(0, 3, (B, 2, 5))  # noqa: E741  (a per-sample gather/scatter index along dim 0)
J = RNG.integers(0, 5, (B, 3))  # a per-sample index_select index along dim 1

CASES = {
    "amax": (lambda M, x: M.amax(x, 1), [X]),
    "amin_all": (lambda M, x: M.amin(x), [X]),
    "amax_keepdim": (lambda M, x: x.amax((0, 1), keepdim=True), [X]),
    "max_all": (lambda M, x: x.max(), [X]),
    "min_all": (lambda M, x: x.min() * x, [X]),
    "max_dim": (lambda M, x: x.max(1).values.sum() * x.max(0, keepdim=True).indices, [X]),
    "min_dim": (lambda M, x: x.min(-1).values, [X]),
    "sort": (lambda M, x: x.sort(1, descending=True).values + x.sort(0).indices, [X]),
    "topk": (lambda M, x: x.topk(2, dim=1).values.sum() + x.topk(1, dim=0).indices.sum(), [X]),
    "kthvalue": (lambda M, x: x.kthvalue(2, dim=0).values, [X]),
    "getitem": (
        lambda M, x: x[1:, ::2] + x[[0, 0, 2]][:, M.tensor([1, 3])].sum() + x[..., None, 2].sum(),
        [X],
    ),
    "getitem_int": (lambda M, x: x[-1] * x[0, 2], [X]),
    "cat": (lambda M, x: M.cat([x, x * 2], 1), [X]),
    "cat_unbatched": (lambda M, x: M.cat([x, M.ones(3, 2, dtype=x.dtype)], 1), [X]),
    "stack": (lambda M, x: M.stack([x, x.sin()], 0), [X]),
    "stack_last": (lambda M, x: M.stack([x, M.zeros(3, 5, dtype=x.dtype)], -1), [X]),
    "gather": (lambda M, x, i: M.gather(x, 0, i), [X, I]),
    "gather_unbatched_index": (lambda M, x: M.gather(x, 1, M.tensor([[0, 4], [1, 1], [2, 3]])), [X]),
    "index_select": (lambda M, x: M.index_select(x, 1, M.tensor([4, 0, 0])), [X]),
    "index_select_batched_index": (lambda M, x, j: M.index_select(x, 1, j), [X, J]),
    "scatter": (lambda M, x, i: M.zeros(3, 5, dtype=x.dtype).scatter(0, i, x[:2]), [X, I]),
    "scatter_add": (lambda M, x, i: x.scatter_add(0, i, x[:2] * 3), [X, I]),
    "index_add": (lambda M, x: x.index_add(1, M.tensor([0, 0, 4]), x[:, :3]), [X]),
    "take_along_dim": (lambda M, x: M.take_along_dim(x, M.tensor([[0], [2], [1]]), 1), [X]),
}


def _weights(shape):
    return np.arange(int(np.prod(shape))).reshape(shape) % 7 - 3.0


def _vmapped(M, vmap, name, arrays, grad):
    f, _ = CASES[name]
    xs = [M.tensor(a, requires_grad=grad and k == 0) for k, a in enumerate(arrays)]
    out = vmap(lambda *a: f(M, *a))(*xs)
    if not grad:
        return out.detach().numpy()
    (out * M.tensor(_weights(tuple(out.shape)))).sum().backward()
    return xs[0].grad.numpy()


def _loop(name, arrays, grad):
    f, _ = CASES[name]
    outs = []
    for k in range(B):
        xs = [minigrad.tensor(a[k], requires_grad=grad and j == 0) for j, a in enumerate(arrays)]
        out = f(minigrad, *xs)
        if grad:
            w = _weights((B,) + tuple(out.shape))[k]
            (out * minigrad.tensor(w)).sum().backward()
            outs.append(xs[0].grad.numpy())
        else:
            outs.append(out.numpy())
    return np.stack(outs)


@pytest.mark.parametrize("name", list(CASES))
def test_vmap_equals_the_loop_of_samples(name):
    arrays = CASES[name][1]
    np.testing.assert_array_equal(_vmapped(minigrad, F.vmap, name, arrays, False), _loop(name, arrays, False))


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_through_vmap_equals_the_loop_of_backwards(name):
    arrays = CASES[name][1]
    np.testing.assert_allclose(
        _vmapped(minigrad, F.vmap, name, arrays, True), _loop(name, arrays, True), rtol=1e-14, atol=1e-14
    )


@pytest.mark.parametrize("name", list(CASES))
def test_vmap_equals_torch_func_vmap(name):
    torch = pytest.importorskip("torch")
    import torch.func as tf

    arrays = CASES[name][1]
    ours = _vmapped(minigrad, F.vmap, name, arrays, False)
    np.testing.assert_allclose(ours, _vmapped(torch, tf.vmap, name, arrays, False), rtol=1e-14, atol=1e-14)


def test_the_gradient_reaches_an_unbatched_tensor_joined_with_a_batched_one():
    w = minigrad.ones(3, 2, dtype=minigrad.float64, requires_grad=True)
    out = F.vmap(lambda x: minigrad.cat([x, w * 2], 1))(minigrad.tensor(X))
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 2), 2.0 * B))


REFUSED = [
    ("take_along_dim", lambda x, i: minigrad.take_along_dim(x, i, 0), "take_along_dim"),
    ("scatter_reduce", lambda x, i: x.scatter_reduce(0, i, x[:2], "sum"), "scatter_reduce"),
    ("scatter_with_reduce", lambda x, i: x.scatter(0, i, x[:2], reduce="add"), "scatter"),
    ("index_add_batched_index", lambda x, i: x.index_add(0, i[0, :, 0], x[:2]), "index_add"),
    ("index_with_a_batched_tensor", lambda x, i: x[i[0, :, 0]], "indexing"),
    (
        "advanced_indices_apart",
        lambda x, i: x[[0, 1], :, [1, 2]] if x.ndim == 3 else x[[0, 1], :][:, [1, 2]],
        "index",
    ),
    ("det", lambda x, i: x[:, :3, 0].det(), "linalg_det"),
    ("masked_fill", lambda x, i: x.masked_fill(x > 0, 1.0), "masked_fill"),
]


@pytest.mark.parametrize("fn, what", [pytest.param(f, w, id=i) for i, f, w in REFUSED])
def test_what_cannot_be_batched_raises_naming_the_op(fn, what):
    x = minigrad.tensor(RNG.standard_normal((B, 3, 5, 2)))
    i = minigrad.tensor(RNG.integers(0, 3, (B, 2, 5, 2)))
    with pytest.raises(RuntimeError, match=f"vmap.*{what}"):
        F.vmap(fn)(x, i)


def test_conv2d_inside_vmap_raises_naming_the_op():
    w = minigrad.ones(2, 1, 3, 3)
    with pytest.raises(RuntimeError, match="vmap.*convolution"):
        F.vmap(lambda x: minigrad.nn.functional.conv2d(x, w))(minigrad.ones(B, 1, 1, 5, 5))


# the producers that compute on the arrays (indices, constants) see the batch per sample
PRODUCERS = {
    "cummax": lambda M, x: x.cummax(1).values + x.cummax(0).indices,
    "cummin": lambda M, x: M.cummin(x, 1).indices,
    "median_dim": lambda M, x: x.median(1).values.sum() * x.median(0).indices,
    "mode": lambda M, x: M.mode(x.round(), 1).values,
    "logcumsumexp": lambda M, x: M.logcumsumexp(x, 1),
    "aminmax": lambda M, x: M.aminmax(x, dim=1).min,
    "var_std": lambda M, x: M.var(x, 1) + x.std(),
    "norm": lambda M, x: x.norm(dim=1) + x.norm(),
    "prod": lambda M, x: x.prod() + x.prod(1).sum(),
    "cumprod": lambda M, x: x.cumprod(1),
    "logsumexp": lambda M, x: x.logsumexp(1),
    "diagonal": lambda M, x: M.diagonal(x, 1),
    "diag_embed": lambda M, x: M.diag_embed(x),
    "tril_triu": lambda M, x: x.tril() + x.triu(1),
    "flip": lambda M, x: x.flip(1),
    "iterate_rows": lambda M, x: M.stack(list(x)) * 2,
    "cat_of_a_tensor": lambda M, x: M.cat(x),
    "special": lambda M, x: M.sinh(x) + M.atan2(x, x + 2) + M.hypot(x, x) + M.logaddexp(x, x),
}
XN = RNG.standard_normal((B, 4, 5))
XN[1, 2, 3] = np.nan


@pytest.mark.parametrize("name", list(PRODUCERS))
def test_producers_see_one_sample_inside_vmap(name):
    f = PRODUCERS[name]
    loop = np.stack([f(minigrad, minigrad.tensor(XN[k])).numpy() for k in range(B)])
    out = F.vmap(lambda x: f(minigrad, x))(minigrad.tensor(XN)).numpy()
    np.testing.assert_allclose(out, loop, rtol=1e-14, atol=1e-14, equal_nan=True)


def test_quantile_refuses_inside_vmap():
    with pytest.raises(RuntimeError, match="vmap: quantile"):
        F.vmap(lambda x: minigrad.quantile(x, 0.3, dim=0))(minigrad.tensor(X))


# ----------------------------------------------------------------------------- randomness=
RANDOM = {
    "randn": lambda M, x: x + M.randn(3, dtype=x.dtype),
    "rand_like": lambda M, x: x * M.rand_like(x),
    "randint": lambda M, x: x + M.randint(0, 1000, (3,)),
    "normal_size": lambda M, x: x + M.normal(0.0, 1.0, size=(3,)),
    "dropout": lambda M, x: M.nn.functional.dropout(x),
}


def _rows_equal(out):
    return all(np.array_equal(out[0], r) for r in out)


@pytest.mark.parametrize("name", list(RANDOM))
def test_randomness_error_refuses_a_random_op_as_torch(name):
    with pytest.raises(RuntimeError, match="randomness error mode"):
        F.vmap(lambda x: RANDOM[name](minigrad, x))(minigrad.ones(B, 3))


@pytest.mark.parametrize("name", list(RANDOM))
def test_randomness_same_and_different(name):
    x = minigrad.ones(B, 3, dtype=minigrad.float64)
    same = F.vmap(lambda x: RANDOM[name](minigrad, x), randomness="same")(x).numpy()
    different = F.vmap(lambda x: RANDOM[name](minigrad, x), randomness="different")(x).numpy()
    assert same.shape == different.shape == (B, 3)
    assert _rows_equal(same)
    assert not _rows_equal(different)


@pytest.mark.parametrize("name", list(RANDOM))
def test_randomness_modes_behave_as_torch_s(name):
    torch = pytest.importorskip("torch")
    import torch.func as tf

    with pytest.raises(RuntimeError):
        tf.vmap(lambda x: RANDOM[name](torch, x))(torch.ones(B, 3, dtype=torch.float64))
    for mode in ("same", "different"):
        out = tf.vmap(lambda x: RANDOM[name](torch, x), randomness=mode)(
            torch.ones(B, 3, dtype=torch.float64)
        )
        ours = F.vmap(lambda x: RANDOM[name](minigrad, x), randomness=mode)(
            minigrad.ones(B, 3, dtype=minigrad.float64)
        )
        assert tuple(ours.shape) == tuple(out.shape)
        assert _rows_equal(ours.numpy()) == _rows_equal(out.numpy()), mode


def test_randomness_different_over_a_batched_tensor_draws_per_sample():
    x = minigrad.full((B, 3), 0.5, dtype=minigrad.float64)
    out = F.vmap(lambda p: minigrad.bernoulli(p) + minigrad.normal(p, 1.0), randomness="different")(x)
    assert out.shape == (B, 3) and not _rows_equal(out.numpy())
    with pytest.raises(RuntimeError, match="randomness='same' is not supported"):
        F.vmap(lambda p: minigrad.bernoulli(p), randomness="same")(x)


def test_randomness_state_is_cleared_after_vmap():
    with pytest.raises(RuntimeError, match="randomness error mode"):
        F.vmap(lambda x: x + minigrad.randn(3))(minigrad.ones(B, 3))
    assert minigrad.randn(3).shape == (3,)  # outside vmap again: draws as usual


def test_forward_mode_inside_vmap_refuses_clearly():
    f = lambda x: (x.sin() * x).exp()  # noqa: E731
    x = minigrad.tensor(RNG.standard_normal((B, 3)))
    with pytest.raises(NotImplementedError, match="forward-mode AD inside vmap"):
        F.vmap(lambda x: F.jvp(f, (x,), (minigrad.ones(3, dtype=x.dtype),))[1])(x)
    with pytest.raises(NotImplementedError, match="forward-mode AD inside vmap"):
        F.vmap(F.jacfwd(f))(x)
    assert F.jvp(f, (x[0],), (x[1],))[1].shape == (3,)  # and forward mode works again outside
