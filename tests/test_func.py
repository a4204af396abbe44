"""minigrad.func against torch.func (skipped without torch) and against loops of plain
backwards: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, functional_call, vmap;
then bad inputs, with PyTorch's exception types."""

import minigrad.nn as nn
import numpy as np
import pytest

import minigrad
import minigrad.func as F

RNG = np.random.default_rng(14)
X = RNG.uniform(0.5, 1.5, (3,))
W = RNG.uniform(-1.0, 1.0, (2, 3))


def f_scalar(M, x):
    return (M.sin(x) * M.exp(x)).sum() + (x**3).sum()


def f_vector(M, x, w):
    return M.tanh(w @ x) * x[:2]


def _torch():
    from test_forward_ad import torch_forward_ad

    torch_forward_ad()  # loads torch's jvp decompositions with their DeprecationWarning silenced
    return pytest.importorskip("torch")


def _mg(a):
    return minigrad.tensor(a)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(
        np.asarray(a.detach().numpy()), np.asarray(b.detach().numpy()), rtol=tol, atol=tol
    )


def test_grad_and_value_match_torch():
    torch = _torch()
    import torch.func as tf

    g, v = F.grad_and_value(lambda x: f_scalar(minigrad, x))(_mg(X))
    tg, tv = tf.grad_and_value(lambda x: f_scalar(torch, x))(torch.tensor(X))
    _close(g, tg)
    _close(v, tv)


def test_grad_argnums_and_has_aux_match_torch():
    torch = _torch()
    import torch.func as tf

    def f(M, x, w):
        y = f_vector(M, x, w).sum()
        return y, y * 2

    (gx, gw), aux = F.grad(lambda x, w: f(minigrad, x, w), argnums=(0, 1), has_aux=True)(_mg(X), _mg(W))
    (tx, tw), taux = tf.grad(lambda x, w: f(torch, x, w), argnums=(0, 1), has_aux=True)(
        torch.tensor(X), torch.tensor(W)
    )
    _close(gx, tx)
    _close(gw, tw)
    _close(aux, taux)


def test_grad_of_grad_is_the_second_derivative():
    x = _mg(np.array(0.7))
    d2 = F.grad(F.grad(lambda x: minigrad.sin(x) * x))(x)
    assert float(d2) == pytest.approx(2 * np.cos(0.7) - 0.7 * np.sin(0.7), rel=1e-12)


def test_vjp_and_jvp_match_torch():
    torch = _torch()
    import torch.func as tf

    ct = RNG.uniform(-1, 1, (2,))
    t = RNG.uniform(-1, 1, (3,))
    out, fn = F.vjp(lambda x: f_vector(minigrad, x, _mg(W)), _mg(X))
    tout, tfn = tf.vjp(lambda x: f_vector(torch, x, torch.tensor(W)), torch.tensor(X))
    _close(out, tout)
    _close(fn(_mg(ct))[0], tfn(torch.tensor(ct))[0])
    o, j = F.jvp(lambda x: f_vector(minigrad, x, _mg(W)), (_mg(X),), (_mg(t),))
    to, tj = tf.jvp(lambda x: f_vector(torch, x, torch.tensor(W)), (torch.tensor(X),), (torch.tensor(t),))
    _close(o, to)
    _close(j, tj)


@pytest.mark.parametrize("name", ["jacrev", "jacfwd"])
def test_jacobians_match_torch(name):
    torch = _torch()
    import torch.func as tf

    jac = getattr(F, name)(lambda x, w: f_vector(minigrad, x, w), argnums=(0, 1))(_mg(X), _mg(W))
    tjac = getattr(tf, name)(lambda x, w: f_vector(torch, x, w), argnums=(0, 1))(
        torch.tensor(X), torch.tensor(W)
    )
    for a, b in zip(jac, tjac):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b)


def test_hessian_matches_torch():
    torch = _torch()
    import torch.func as tf

    h = F.hessian(lambda x: f_scalar(minigrad, x) + (minigrad.tanh(_mg(W) @ x) ** 2).sum())(_mg(X))
    th = tf.hessian(lambda x: f_scalar(torch, x) + (torch.tanh(torch.tensor(W) @ x) ** 2).sum())(
        torch.tensor(X)
    )
    _close(h, th, 1e-9)


def test_functional_call_uses_the_given_parameters_and_restores_the_module():
    lin = nn.Linear(3, 2).double()
    before = lin.weight.detach().numpy().copy()
    out = F.functional_call(lin, {"weight": _mg(W), "bias": _mg(np.zeros(2))}, (_mg(X),))
    np.testing.assert_allclose(out.numpy(), W @ X)
    np.testing.assert_array_equal(lin.weight.detach().numpy(), before)


# ----------------------------------------------------------------------------- vmap


@pytest.mark.parametrize(
    "fn, in_dims, shapes",
    [
        (lambda M, x, y: M.tanh(x) * y + 1.0, 0, [(4, 3), (4, 3)]),
        (lambda M, x, y: x * y, (0, None), [(4, 3), (3,)]),
        (lambda M, x, y: (x * y).sum(0), (1, None), [(2, 4), (2, 1)]),
        (lambda M, x, y: x @ y, (0, None), [(4, 3), (3, 2)]),
        (lambda M, x, y: x @ y, (None, 0), [(2, 3), (4, 3)]),
        (lambda M, x, y: M.softmax(x.reshape(3, 2), 1).transpose(0, 1), (0, None), [(4, 6), (1,)]),
        (lambda M, x, y: x.unsqueeze(0).expand(2, 3).mean(1) + y, 0, [(4, 3), (4,)]),
    ],
    ids=[
        "elementwise",
        "unbatched",
        "in_dim_1",
        "matvec",
        "matmul_unbatched_left",
        "reshape_softmax",
        "expand",
    ],
)
def test_vmap_matches_a_loop_and_torch(fn, in_dims, shapes):
    arrays = [RNG.uniform(-1, 1, s) for s in shapes]
    out = F.vmap(lambda *a: fn(minigrad, *a), in_dims=in_dims)(*[_mg(a) for a in arrays])
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(arrays)
    size = next(a.shape[d] for a, d in zip(arrays, dims) if d is not None)
    loop = [
        fn(minigrad, *[_mg(a if d is None else np.take(a, i, axis=d)) for a, d in zip(arrays, dims)]).numpy()
        for i in range(size)
    ]
    np.testing.assert_allclose(out.numpy(), np.stack(loop), rtol=1e-7)
    torch = _torch()
    import torch.func as tf

    expected = tf.vmap(lambda *a: fn(torch, *a), in_dims=in_dims)(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-7)


def _mlp():
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = minigrad.randn(256, 8), minigrad.randint(0, 4, (256,))

    def loss(p, xi, yi):
        return nn.functional.cross_entropy(F.functional_call(model, p, (xi,)), yi)

    return model, params, x, y, loss


def test_per_sample_gradients_match_256_separate_backwards():
    model, params, x, y, loss = _mlp()
    grads = F.vmap(F.grad(loss), in_dims=(None, 0, 0))(params, x, y)
    for i in range(256):
        model.zero_grad()
        nn.functional.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
        for name, p in model.named_parameters():
            np.testing.assert_allclose(
                grads[name].numpy()[i], p.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name
            )


@pytest.mark.parametrize("rows", [1, 3])
def test_per_sample_gradients_of_a_batch_of_rows_per_sample(rows):
    # the PyTorch tutorial's idiom: each sample made a batch of one, x.unsqueeze(0); and more rows
    model, params, x, y, _ = _mlp()
    x, y = x[:16].double(), y[:16]
    model.double()
    params = {k: v.double() for k, v in params.items()}

    def loss(p, xi, yi):
        return nn.functional.cross_entropy(
            F.functional_call(model, p, (xi.expand(rows, 8),)), yi.expand(rows)
        )

    grads = F.vmap(F.grad(loss), in_dims=(None, 0, 0))(params, x[:, None], y[:, None])
    for i in range(16):
        model.zero_grad()
        nn.functional.cross_entropy(model(x[i : i + 1].expand(rows, 8)), y[i : i + 1].expand(rows)).backward()
        for name, p in model.named_parameters():
            np.testing.assert_allclose(grads[name].numpy()[i], p.grad.numpy(), rtol=1e-12, atol=1e-14)
    torch = _torch()
    import torch.func as tf

    tmodel = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 4)).double()
    tparams = {k: torch.tensor(v.numpy()) for k, v in params.items()}

    def tloss(p, xi, yi):
        return torch.nn.functional.cross_entropy(
            tf.functional_call(tmodel, p, (xi.expand(rows, 8),)), yi.expand(rows)
        )

    expected = tf.vmap(tf.grad(tloss), in_dims=(None, 0, 0))(
        tparams, torch.tensor(x.numpy())[:, None], torch.tensor(y.numpy())[:, None]
    )
    for name in grads:
        np.testing.assert_allclose(grads[name].numpy(), expected[name].numpy(), rtol=1e-12, atol=1e-14)


def test_grad_of_vmap_sums_over_the_batch():
    w = _mg(W)
    g = F.grad(lambda w: F.vmap(lambda x: minigrad.tanh(w @ x).sum())(_mg(RNG.uniform(-1, 1, (5, 3)))).sum())(
        w
    )
    assert tuple(g.shape) == (2, 3)


def test_vmap_of_an_op_without_a_batching_rule_names_it():
    with pytest.raises(RuntimeError, match="no batching rule for the op 'linalg_det'"):
        F.vmap(lambda x: x.det())(minigrad.ones(4, 3, 3))


# ----------------------------------------------------------------------------- bad inputs

BAD = [
    ("grad_non_scalar", lambda M, f: f.grad(lambda x: x * 2)(M.ones(3))),
    ("grad_non_tensor", lambda M, f: f.grad(lambda x: 3.0)(M.ones(3))),
    ("vjp_non_tensor", lambda M, f: f.vjp(lambda x: 3.0, M.ones(3))),
    ("vjp_cotangent_shape", lambda M, f: f.vjp(lambda x: x * 2, M.ones(3))[1](M.ones(2))),
    ("jvp_primals_not_tuple", lambda M, f: f.jvp(lambda x: x, M.ones(3), (M.ones(3),))),
    ("jvp_tangent_shape", lambda M, f: f.jvp(lambda x: x, (M.ones(3),), (M.ones(2),))),
    ("vmap_in_dim_out_of_range", lambda M, f: f.vmap(lambda x: x, in_dims=2)(M.ones(3, 2))),
    ("vmap_in_dims_structure", lambda M, f: f.vmap(lambda x, y: x, in_dims=(0,))(M.ones(3), M.ones(3))),
    ("vmap_sizes_differ", lambda M, f: f.vmap(lambda x, y: x + y)(M.ones(3), M.ones(4))),
    ("vmap_non_tensor_in", lambda M, f: f.vmap(lambda x, n: x, in_dims=(0, 0))(M.ones(3), 2)),
    ("vmap_non_tensor_out", lambda M, f: f.vmap(lambda x: 1.0)(M.ones(3))),
    ("vmap_nothing_batched", lambda M, f: f.vmap(lambda x: x, in_dims=None)(M.ones(3))),
    ("vmap_randomness", lambda M, f: f.vmap(lambda x: x, randomness="sometimes")(M.ones(3))),
    ("vmap_random_op_in_error_mode", lambda M, f: f.vmap(lambda x: x + M.randn(3))(M.ones(2, 3))),
    ("vmap_dropout_in_error_mode", lambda M, f: f.vmap(lambda x: M.nn.functional.dropout(x))(M.ones(2, 3))),
    ("vmap_in_dims_not_int", lambda M, f: f.vmap(lambda x: x, in_dims=1.5)(M.ones(2, 3))),
    ("vmap_in_dim_negative_out_of_range", lambda M, f: f.vmap(lambda x: x, in_dims=-3)(M.ones(2, 3))),
]


@pytest.mark.parametrize("call", [pytest.param(c, id=i) for i, c in BAD])
def test_bad_input_raises_torch_s_exception_type(call):
    torch = _torch()
    import torch.func as tf

    with pytest.raises(Exception) as expected:
        call(torch, tf)
    with pytest.raises(expected.type):
        call(minigrad, F)


@pytest.mark.parametrize("call", [pytest.param(c, id=i) for i, c in BAD])
def test_bad_input_raises_a_clear_error_without_torch(call):
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        call(minigrad, F)
