"""Random streams and sampling (issue 12): Generator, seeding and states, the distributions and
in-place samplers. minigrad's numbers are not PyTorch's (different bit generator), so random
results are checked as distributions (moments within tolerance, supports, no repeats without
replacement) and as streams (same seed, same numbers); dtypes, shapes and the deterministic
corners (a one-hot weight row, p=0 or 1) are checked against PyTorch."""

import math

import numpy as np
import pytest

import minigrad
from minigrad import nn

N = 200_000  # draws for moment checks: the standard error of a mean is ~0.2% of sigma


def _torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------- streams

DRAWS = {
    "rand": lambda g: minigrad.rand(5, generator=g),
    "randn": lambda g: minigrad.randn(2, 3, generator=g),
    "randint": lambda g: minigrad.randint(0, 100, (6,), generator=g),
    "randperm": lambda g: minigrad.randperm(10, generator=g),
    "normal": lambda g: minigrad.normal(minigrad.zeros(4), 2.0, generator=g),
    "bernoulli": lambda g: minigrad.bernoulli(minigrad.full((8,), 0.5), generator=g),
    "multinomial": lambda g: minigrad.multinomial(minigrad.ones(10), 5, generator=g),
    "multinomial_repl": lambda g: minigrad.multinomial(minigrad.ones(2, 10), 5, True, generator=g),
    "poisson": lambda g: minigrad.poisson(minigrad.full((5,), 3.0), generator=g),
    "uniform_": lambda g: minigrad.empty(5).uniform_(-1, 1, generator=g),
    "normal_": lambda g: minigrad.empty(5).normal_(generator=g),
    "exponential_": lambda g: minigrad.empty(5).exponential_(generator=g),
    "random_": lambda g: minigrad.empty(5).random_(0, 50, generator=g),
    "geometric_": lambda g: minigrad.empty(5).geometric_(0.3, generator=g),
    "cauchy_": lambda g: minigrad.empty(5).cauchy_(generator=g),
    "log_normal_": lambda g: minigrad.empty(5).log_normal_(generator=g),
    "bernoulli_": lambda g: minigrad.empty(8).bernoulli_(0.5, generator=g),
    "init.uniform_": lambda g: nn.init.uniform_(minigrad.empty(5), generator=g),
    "init.normal_": lambda g: nn.init.normal_(minigrad.empty(5), generator=g),
    "init.kaiming_uniform_": lambda g: nn.init.kaiming_uniform_(minigrad.empty(3, 4), generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_same_seed_gives_the_same_stream_on_an_explicit_generator(name):
    draw = DRAWS[name]
    a = draw(minigrad.Generator().manual_seed(7))
    b = draw(minigrad.Generator().manual_seed(7))
    c = draw(minigrad.Generator().manual_seed(8))
    assert minigrad.tensor(a.tolist()).tolist() == b.tolist()
    assert a.tolist() != c.tolist()


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_same_seed_gives_the_same_stream_on_the_default_generator(name):
    draw = DRAWS[name]
    minigrad.manual_seed(123)
    a = draw(None).tolist()
    minigrad.manual_seed(123)
    assert draw(None).tolist() == a


def test_an_explicit_generator_leaves_the_default_stream_alone():
    minigrad.manual_seed(5)
    expected = minigrad.rand(4).tolist()
    minigrad.manual_seed(5)
    minigrad.rand(100, generator=minigrad.Generator().manual_seed(1))
    assert minigrad.rand(4).tolist() == expected


def test_get_state_and_set_state_replay_the_stream():
    g = minigrad.Generator().manual_seed(11)
    minigrad.randn(3, generator=g)
    state = g.get_state()
    assert state.dtype == minigrad.uint8 and state.ndim == 1
    first = minigrad.randn(5, generator=g).tolist()
    g.set_state(state)
    assert minigrad.randn(5, generator=g).tolist() == first
    # a state moves between generators, with its initial seed
    h = minigrad.Generator().set_state(state)
    assert h.initial_seed() == 11
    assert minigrad.randn(5, generator=h).tolist() == first


def test_a_state_taken_mid_word_replays_exactly():
    g = minigrad.Generator().manual_seed(3)
    g._numpy().integers(0, 2, dtype=np.uint32)  # leaves half a 64-bit word cached
    state = g.get_state()
    a = g._numpy().integers(0, 2**32, 4, dtype=np.uint32).tolist()
    g.set_state(state)
    assert g._numpy().integers(0, 2**32, 4, dtype=np.uint32).tolist() == a


def test_rng_state_of_the_default_generator_and_fork_rng():
    minigrad.manual_seed(0)
    state = minigrad.get_rng_state()
    a = minigrad.rand(3).tolist()
    minigrad.set_rng_state(state)
    assert minigrad.rand(3).tolist() == a
    before = minigrad.get_rng_state()
    with minigrad.random.fork_rng():
        minigrad.rand(10)
    assert minigrad.get_rng_state().tolist() == before.tolist()


def test_seeds_as_pytorch_reports_them():
    torch = _torch()
    assert minigrad.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert (
        minigrad.Generator().manual_seed(-1).initial_seed()
        == torch.Generator().manual_seed(-1).initial_seed()
    )
    assert minigrad.manual_seed(3) is minigrad.default_generator
    assert minigrad.initial_seed() == 3
    s = minigrad.seed()
    assert isinstance(s, int) and minigrad.initial_seed() == s
    assert str(minigrad.Generator().device) == str(torch.Generator().device) == "cpu"


def test_a_non_generator_is_refused():
    with pytest.raises(TypeError, match="Generator"):
        minigrad.rand(3, generator=np.random.default_rng(0))


def test_dropout_draws_from_the_default_generator():
    x = minigrad.ones(1000)
    minigrad.manual_seed(9)
    a = nn.functional.dropout(x, 0.5).tolist()
    minigrad.manual_seed(9)
    assert nn.functional.dropout(x, 0.5).tolist() == a


# ----------------------------------------------------------------------------- distributions


def _moments(t):
    a = np.asarray(t.tolist(), dtype=np.float64)
    return a.mean(), a.var()


@pytest.mark.parametrize(
    "name, draw, mean, var",
    [
        ("rand", lambda g: minigrad.rand(N, generator=g), 0.5, 1 / 12),
        ("randn", lambda g: minigrad.randn(N, generator=g), 0.0, 1.0),
        ("normal_float", lambda g: minigrad.normal(2.0, 3.0, size=(N,), generator=g), 2.0, 9.0),
        (
            "normal_tensor_mean",
            lambda g: minigrad.normal(minigrad.full((N,), -1.0), 0.5, generator=g),
            -1.0,
            0.25,
        ),
        (
            "normal_tensor_std",
            lambda g: minigrad.normal(1.0, minigrad.full((N,), 2.0), generator=g),
            1.0,
            4.0,
        ),
        ("bernoulli", lambda g: minigrad.bernoulli(minigrad.full((N,), 0.3), generator=g), 0.3, 0.21),
        ("poisson", lambda g: minigrad.poisson(minigrad.full((N,), 4.0), generator=g), 4.0, 4.0),
        ("uniform_", lambda g: minigrad.empty(N).uniform_(-2, 4, generator=g), 1.0, 3.0),
        ("normal_", lambda g: minigrad.empty(N).normal_(5, 2, generator=g), 5.0, 4.0),
        ("exponential_", lambda g: minigrad.empty(N).exponential_(2.0, generator=g), 0.5, 0.25),
        ("geometric_", lambda g: minigrad.empty(N).geometric_(0.25, generator=g), 4.0, 12.0),
        (
            "log_normal_",
            lambda g: minigrad.empty(N).log_normal_(0.0, 0.5, generator=g),
            math.exp(0.125),
            (math.exp(0.25) - 1) * math.exp(0.25),
        ),
        ("random_", lambda g: minigrad.empty(N).random_(0, 10, generator=g), 4.5, 8.25),
        ("randint", lambda g: minigrad.randint(-5, 5, (N,), generator=g), -0.5, 8.25),
        ("bernoulli_", lambda g: minigrad.empty(N).bernoulli_(0.8, generator=g), 0.8, 0.16),
    ],
)
def test_moments_of_each_distribution(name, draw, mean, var):
    m, v = _moments(draw(minigrad.Generator().manual_seed(2026)))
    sd = math.sqrt(var)
    assert abs(m - mean) < 6 * sd / math.sqrt(N), (m, mean)
    assert abs(v - var) < 0.03 * var, (v, var)


def test_cauchy_median_and_quartiles():
    a = np.asarray(
        minigrad.empty(N).cauchy_(1.0, 2.0, generator=minigrad.Generator().manual_seed(1)).tolist()
    )
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    assert abs(med - 1.0) < 0.05 and abs(q1 - (-1.0)) < 0.06 and abs(q3 - 3.0) < 0.06


def test_supports():
    g = minigrad.Generator().manual_seed(0)
    assert set(minigrad.empty(1000).geometric_(0.5, generator=g).tolist()) >= {1.0, 2.0}
    assert minigrad.empty(1000).geometric_(0.5, generator=g).min().item() >= 1
    r = minigrad.empty(1000, dtype=minigrad.int64).random_(3, 7, generator=g)
    assert set(r.tolist()) == {3, 4, 5, 6} and r.dtype == minigrad.int64
    r = minigrad.empty(1000).random_(4, generator=g)
    assert set(r.tolist()) == {0.0, 1.0, 2.0, 3.0}
    u = minigrad.rand(10_000, generator=g)
    assert 0 <= u.min().item() and u.max().item() < 1
    b = minigrad.empty(100, dtype=minigrad.bool).random_(generator=g)
    assert set(b.tolist()) == {False, True}


def test_random_without_bounds_stays_within_what_the_dtype_holds_exactly():
    g = minigrad.Generator().manual_seed(0)
    assert minigrad.empty(10_000).random_(generator=g).max().item() <= 2**24
    assert minigrad.empty(100, dtype=minigrad.int8).random_(generator=g).min().item() >= 0


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_frequencies_follow_the_weights(replacement):
    g = minigrad.Generator().manual_seed(4)
    w = minigrad.tensor([1.0, 0.0, 3.0, 6.0])
    draws = np.concatenate(
        [minigrad.multinomial(w, 1, replacement, generator=g).tolist() for _ in range(20_000)]
    )
    freq = np.bincount(draws, minlength=4) / len(draws)
    assert freq[1] == 0
    assert np.allclose(freq, [0.1, 0.0, 0.3, 0.6], atol=0.015), freq


def test_multinomial_with_replacement_over_rows():
    g = minigrad.Generator().manual_seed(4)
    w = minigrad.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    out = minigrad.multinomial(w, 5000, replacement=True, generator=g)
    assert out.shape == (2, 5000) and out.dtype == minigrad.int64
    assert set(out[0].tolist()) == {1}
    assert set(out[1].tolist()) == {0, 2}
    assert abs(np.mean(np.asarray(out[1].tolist()) == 0) - 0.5) < 0.03


def test_multinomial_without_replacement_never_repeats_and_takes_zero_weights_last():
    g = minigrad.Generator().manual_seed(1)
    for _ in range(200):
        row = minigrad.multinomial(minigrad.tensor([0.0, 2.0, 1.0, 0.0, 5.0]), 5, generator=g).tolist()
        assert sorted(row) == [0, 1, 2, 3, 4]
        assert set(row[:3]) == {1, 2, 4}
    first = [minigrad.multinomial(minigrad.tensor([1.0, 9.0]), 1, generator=g).item() for _ in range(4000)]
    assert abs(np.mean(first) - 0.9) < 0.02


def test_sampling_results_have_pytorchs_dtypes_and_shapes():
    torch = _torch()
    for L in (torch, minigrad):
        L.manual_seed(0)
    cases = [
        lambda L: L.multinomial(L.ones(3), 2),
        lambda L: L.multinomial(L.ones(2, 3, dtype=L.float64), 4, True),
        lambda L: L.bernoulli(L.full((2, 2), 0.5, dtype=L.float64)),
        lambda L: L.normal(L.zeros(2, 1), L.ones(3)),
        lambda L: L.normal(0.0, L.ones(2, dtype=L.float64)),
        lambda L: L.normal(0.0, 1.0, (2, 3)),
        lambda L: L.poisson(L.ones(2)),
        lambda L: L.randint(3, (2, 2)),
        lambda L: L.randint_like(L.ones(2, dtype=L.int32), 5),
        lambda L: L.empty(3, dtype=L.int32).random_(),
        lambda L: L.empty(3).bernoulli_(L.full((3,), 0.5)),
        lambda L: L.rand_like(L.ones(2, dtype=L.float64)),
    ]
    for case in cases:
        ours, theirs = case(minigrad), case(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_deterministic_corners_match_pytorch():
    torch = _torch()
    for L in (torch, minigrad):
        assert L.multinomial(L.tensor([0.0, 0.0, 1.0]), 3, True).tolist() == [2, 2, 2]
        assert L.bernoulli(L.tensor([0.0, 1.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 1.0, 0.0]
        assert L.normal(L.tensor([1.0, 2.0]), 0.0).tolist() == [1.0, 2.0]
        assert L.empty(3).bernoulli_(L.tensor([1.0, 0.0, 1.0])).tolist() == [1.0, 0.0, 1.0]
        assert L.poisson(L.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_samples_are_not_recorded():
    mu = minigrad.zeros(3, requires_grad=True)
    assert minigrad.normal(mu, 1.0).grad_fn is None
    w = minigrad.ones(3)
    assert w.uniform_()._version == 1
    leaf = minigrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.normal_()
    with minigrad.no_grad():
        leaf.normal_()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float32_and_float64_draws_agree_from_one_seed(dtype):
    a = minigrad.randn(50, dtype=getattr(minigrad, dtype), generator=minigrad.Generator().manual_seed(3))
    b = minigrad.randn(50, dtype=minigrad.float64, generator=minigrad.Generator().manual_seed(3))
    assert np.allclose(a.tolist(), b.tolist(), rtol=1e-6)
