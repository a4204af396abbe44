"""minigrad.distributions (issue 19): log_prob, entropy, moments and KL against PyTorch
(values and parameter gradients, float64), the reparameterised gradient of rsample against
finite differences, sample shapes and frequencies, and bad parameters."""

import numpy as np
import pytest
from nn_helpers import numeric_grad

import minigrad
from minigrad import distributions as D


def _rng(seed=0):
    return np.random.default_rng(seed)


def _params(shapes, positive=()):
    rng = _rng()
    return [rng.uniform(0.5, 2.0, s) if i in positive else rng.normal(size=s) for i, s in enumerate(shapes)]


# (id, build(dist_module, *params) -> distribution, param shapes, positive param indices, value maker)
CASES = [
    ("normal", lambda d, m, s: d.Normal(m, s), [(3, 2), (3, 2)], (1,), lambda r: r.normal(size=(3, 2))),
    (
        "normal_broadcast",
        lambda d, m, s: d.Normal(m, s),
        [(3, 2), (2,)],
        (1,),
        lambda r: r.normal(size=(4, 3, 2)),
    ),
    ("bernoulli_logits", lambda d, l: d.Bernoulli(logits=l), [(4,)], (), lambda r: r.integers(0, 2, 4) * 1.0),
    (
        "bernoulli_probs",
        lambda d, p: d.Bernoulli(probs=p / 3),
        [(2, 3)],
        (0,),
        lambda r: r.integers(0, 2, (2, 3)) * 1.0,
    ),
    ("categorical_logits", lambda d, l: d.Categorical(logits=l), [(3, 5)], (), lambda r: r.integers(0, 5, 3)),
    (
        "categorical_probs",
        lambda d, p: d.Categorical(probs=p),
        [(2, 4)],
        (0,),
        lambda r: r.integers(0, 4, (6, 2)),
    ),
    ("uniform", lambda d, lo, w: d.Uniform(lo, lo + w), [(3,), (3,)], (1,), None),
    (
        "independent_normal",
        lambda d, m, s: d.Independent(d.Normal(m, s), 1),
        [(3, 4), (3, 4)],
        (1,),
        lambda r: r.normal(size=(3, 4)),
    ),
]


def _value(case, dist, lib):
    make = case[4]
    if make is None:  # inside the Uniform's support
        return (dist.low + dist.high) * 0.5 + (dist.high - dist.low) * 0.1
    v = make(_rng(3))
    return lib.tensor(v)


def _evaluate(lib, dist_module, case, what):
    arrays = _params(case[2], case[3])
    ps = [lib.tensor(a, requires_grad=True) for a in arrays]
    dist = case[1](dist_module, *ps)
    if what == "log_prob":
        v = _value(case, dist, lib)
        out = dist.log_prob(v.detach() if hasattr(v, "detach") else v)
    else:
        out = getattr(dist, what)
        out = out() if callable(out) else out
    w = lib.tensor(_rng(9).normal(size=tuple(out.shape)))
    (out * w).sum().backward()
    return out, [p.grad for p in ps]


@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance", "stddev"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_distribution_matches_torch(case, what):
    torch = pytest.importorskip("torch")
    if case[0].startswith("categorical") and what in ("mean", "variance", "stddev"):
        pytest.skip("a Categorical's mean and variance are nan in PyTorch too")
    out, grads = _evaluate(minigrad, D, case, what)
    tout, tgrads = _evaluate(torch, torch.distributions, case, what)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for g, tg in zip(grads, tgrads):
        if tg is None:
            assert g is None or not g.numpy().any()
        else:
            np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-9, atol=1e-12)


KL_CASES = [
    ("normal", lambda d, a, b, c, e: (d.Normal(a, b), d.Normal(c, e)), [(3,), (3,), (3,), (3,)], (1, 3)),
    ("bernoulli", lambda d, a, b: (d.Bernoulli(logits=a), d.Bernoulli(logits=b)), [(4,), (4,)], ()),
    ("categorical", lambda d, a, b: (d.Categorical(logits=a), d.Categorical(logits=b)), [(2, 5), (2, 5)], ()),
    (
        "independent_normal",
        lambda d, a, b, c, e: (d.Independent(d.Normal(a, b), 1), d.Independent(d.Normal(c, e), 1)),
        [(2, 3)] * 4,
        (1, 3),
    ),
]


@pytest.mark.parametrize("case", KL_CASES, ids=[c[0] for c in KL_CASES])
def test_kl_divergence_matches_torch(case):
    torch = pytest.importorskip("torch")
    results = []
    for lib, dmod in ((minigrad, D), (torch, torch.distributions)):
        ps = [lib.tensor(a, requires_grad=True) for a in _params(case[2], case[3])]
        kl = dmod.kl_divergence(*case[1](dmod, *ps))
        kl.sum().backward()
        results.append((kl.detach().numpy(), [p.grad.numpy() for p in ps]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    for g, tg in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-12)


def test_kl_normal_grad_matches_finite_differences():
    loc = np.array([0.3, -1.0])

    def kl(values):
        p = D.Normal(minigrad.tensor(values), minigrad.tensor([1.5, 0.5]))
        return float(D.kl_divergence(p, D.Normal(minigrad.tensor(0.0), minigrad.tensor(2.0))).sum())

    x = minigrad.tensor(loc, requires_grad=True)
    D.kl_divergence(D.Normal(x, minigrad.tensor([1.5, 0.5])), D.Normal(0.0, 2.0)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), numeric_grad(kl, loc), rtol=1e-6)


@pytest.mark.parametrize("name", ["normal", "uniform"])
def test_rsample_gradient_matches_finite_differences_with_the_same_noise(name):
    a, b = np.array([0.2, -0.7]), np.array([0.8, 1.3])
    build = (lambda x, y: D.Normal(x, y)) if name == "normal" else (lambda x, y: D.Uniform(x, x + y))

    def f(values, which):
        minigrad.manual_seed(5)
        args = [minigrad.tensor(values if which == i else v) for i, v in enumerate((a, b))]
        return float((build(*args).rsample((3,)) ** 2).sum())

    minigrad.manual_seed(5)
    x, y = minigrad.tensor(a, requires_grad=True), minigrad.tensor(b, requires_grad=True)
    (build(x, y).rsample((3,)) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), numeric_grad(lambda v: f(v, 0), a), rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), numeric_grad(lambda v: f(v, 1), b), rtol=1e-6)


def test_sample_shapes_and_no_gradient():
    loc = minigrad.zeros(2, 3, requires_grad=True)
    d = D.Normal(loc, 1.0)
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    assert d.sample().shape == (2, 3) and d.sample((4,)).shape == (4, 2, 3)
    assert not d.sample().requires_grad and d.rsample().requires_grad
    ind = D.Independent(d, 1)
    assert ind.batch_shape == (2,) and ind.event_shape == (3,) and ind.log_prob(d.sample()).shape == (2,)
    cat = D.Categorical(logits=minigrad.zeros(2, 5))
    assert (
        cat.sample().shape == (2,)
        and cat.sample((7,)).shape == (7, 2)
        and cat.sample().dtype == minigrad.int64
    )
    assert D.Bernoulli(probs=minigrad.full((3,), 0.5)).sample((2,)).shape == (2, 3)
    assert D.Uniform(minigrad.zeros(4), 1.0).sample((2,)).shape == (2, 4)


def test_samples_have_the_distributions_moments():
    minigrad.manual_seed(0)
    n = 20000
    normal = D.Normal(minigrad.tensor([1.0, -2.0]), minigrad.tensor([0.5, 2.0])).sample((n,)).numpy()
    np.testing.assert_allclose(normal.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(normal.std(0), [0.5, 2.0], rtol=0.03)
    uniform = D.Uniform(-1.0, 3.0).sample((n,)).numpy()
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and abs(uniform.mean() - 1.0) < 0.05
    bern = D.Bernoulli(probs=minigrad.tensor([0.2, 0.9])).sample((n,)).numpy()
    np.testing.assert_allclose(bern.mean(0), [0.2, 0.9], atol=0.02)
    cat = D.Categorical(probs=minigrad.tensor([0.1, 0.6, 0.3])).sample((n,)).numpy()
    np.testing.assert_allclose(np.bincount(cat, minlength=3) / n, [0.1, 0.6, 0.3], atol=0.02)


def test_policy_gradient_step_matches_torch():
    """REINFORCE: -(log_prob(actions) * returns).mean() through a linear policy."""
    torch = pytest.importorskip("torch")
    rng = _rng(4)
    obs, w0 = rng.normal(size=(6, 3)), rng.normal(size=(3, 4))
    actions, returns = rng.integers(0, 4, 6), rng.normal(size=6)
    grads = []
    for lib, dmod in ((minigrad, D), (torch, torch.distributions)):
        w = lib.tensor(w0, requires_grad=True)
        dist = dmod.Categorical(logits=lib.tensor(obs) @ w)
        loss = (
            -(dist.log_prob(lib.tensor(actions)) * lib.tensor(returns)).mean() - 0.01 * dist.entropy().mean()
        )
        loss.backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


def test_bad_parameters_raise_pytorch_errors():
    with pytest.raises(ValueError, match="Expected parameter scale .* GreaterThan"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        D.Bernoulli()
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical(probs=minigrad.ones(2), logits=minigrad.ones(2))
    with pytest.raises(ValueError, match="within the support"):
        D.Categorical(logits=minigrad.zeros(3)).log_prob(minigrad.tensor(3))
    with pytest.raises(ValueError, match="do not broadcast"):
        D.Normal(minigrad.zeros(2), minigrad.ones(3))
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))
    assert D.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
