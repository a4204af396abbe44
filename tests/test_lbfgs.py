"""Tests of optim.LBFGS (issue 19): the parameter trajectory of every step equals
torch.optim.LBFGS's on Rosenbrock's function and on a small least-squares problem (two
parameters, so the flat vector spans tensors), with and without the strong-Wolfe line
search, and the evaluation counts agree; state dicts load from PyTorch and round-trip.
"""

import numpy as np
import pytest

import minigrad


def _rosenbrock(L, params):
    (x,) = params
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


_A = np.random.default_rng(0).normal(size=(8, 3))
_B = np.random.default_rng(1).normal(size=(8, 2))


def _least_squares(L, params):
    w, b = params
    a, target = L.tensor(_A, dtype=w.dtype), L.tensor(_B, dtype=w.dtype)
    return ((a @ w + b - target) ** 2).mean()


PROBLEMS = {
    "rosenbrock": (_rosenbrock, lambda: [np.array([-1.2, 1.0, -0.5, 0.8])]),
    "least_squares": (_least_squares, lambda: [np.full((3, 2), 0.5), np.zeros(2)]),
}


def _trajectory(L, problem, steps, dtype, state_from=None, **kwargs):
    loss_fn, start = PROBLEMS[problem]
    params = [L.tensor(a, dtype=getattr(L, dtype), requires_grad=True) for a in start()]
    opt = L.optim.LBFGS(params, **kwargs)
    if state_from is not None:
        opt.load_state_dict(state_from)
        for p, v in zip(params, state_from["_params"]):
            with L.no_grad():
                p.copy_(L.tensor(v, dtype=p.dtype))

    def closure():
        opt.zero_grad()
        loss = loss_fn(L, params)
        loss.backward()
        return loss

    points, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        points.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(points), losses, opt, params


CASES = [
    dict(),
    dict(line_search_fn="strong_wolfe"),
    dict(history_size=3, max_iter=7),
    dict(history_size=3, max_iter=7, line_search_fn="strong_wolfe"),
    dict(lr=0.5, max_iter=4, max_eval=6),
    dict(tolerance_grad=1e-3, tolerance_change=1e-4, line_search_fn="strong_wolfe"),
]


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_lbfgs_trajectory_matches_torch_float64(problem, kwargs):
    torch = pytest.importorskip("torch")
    mine, my_losses, opt, _ = _trajectory(minigrad, problem, 4, "float64", **kwargs)
    theirs, their_losses, topt, _ = _trajectory(torch, problem, 4, "float64", **kwargs)
    # 80 iterations on Rosenbrock's valley amplify the last bits of rounding a little
    tol = dict(rtol=1e-6, atol=1e-7) if problem == "rosenbrock" else dict(rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(mine, theirs, **tol)
    np.testing.assert_allclose(my_losses, their_losses, **tol)
    st, tst = opt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert sorted(st) == sorted(tst)
    assert (st["func_evals"], st["n_iter"]) == (tst["func_evals"], tst["n_iter"])
    assert len(st["old_dirs"]) == len(tst["old_dirs"])


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_trajectory_matches_torch_float32(line_search_fn):
    torch = pytest.importorskip("torch")
    mine, _, opt, params = _trajectory(minigrad, "least_squares", 2, "float32", line_search_fn=line_search_fn)
    theirs, _, _, _ = _trajectory(torch, "least_squares", 2, "float32", line_search_fn=line_search_fn)
    np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)
    assert params[0].dtype == minigrad.float32


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_converges_on_rosenbrock(line_search_fn):
    points, _, _, _ = _trajectory(minigrad, "rosenbrock", 10, "float64", line_search_fn=line_search_fn)
    np.testing.assert_allclose(points[-1], np.ones(4), atol=1e-4)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_continues_from_a_pytorch_state_dict(line_search_fn):
    torch = pytest.importorskip("torch")
    kw = dict(history_size=4, max_iter=5, line_search_fn=line_search_fn)
    full, _, _, _ = _trajectory(torch, "least_squares", 3, "float64", **kw)
    _, _, topt, tparams = _trajectory(torch, "least_squares", 1, "float64", **kw)
    saved = topt.state_dict()
    saved["_params"] = [p.detach().numpy().copy() for p in tparams]
    resumed, _, _, _ = _trajectory(minigrad, "least_squares", 2, "float64", state_from=saved, **kw)
    np.testing.assert_allclose(resumed, full[1:], rtol=1e-7, atol=1e-9)


def test_lbfgs_state_dict_round_trips():
    kw = dict(history_size=4, max_iter=3, line_search_fn="strong_wolfe")
    full, _, _, _ = _trajectory(minigrad, "rosenbrock", 3, "float64", **kw)
    _, _, opt, params = _trajectory(minigrad, "rosenbrock", 1, "float64", **kw)
    saved = opt.state_dict()
    assert sorted(saved["state"][0]) == sorted(
        [
            "func_evals",
            "n_iter",
            "d",
            "t",
            "old_dirs",
            "old_stps",
            "ro",
            "H_diag",
            "prev_flat_grad",
            "prev_loss",
            "al",
        ]
    )
    saved["_params"] = [p.detach().numpy().copy() for p in params]
    resumed, _, _, _ = _trajectory(minigrad, "rosenbrock", 2, "float64", state_from=saved, **kw)
    np.testing.assert_allclose(resumed, full[1:], rtol=1e-12)


def test_lbfgs_stops_at_once_when_the_gradient_is_zero():
    x = minigrad.ones(3, requires_grad=True)
    opt = minigrad.optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1 and opt.state[x]["n_iter"] == 0


def test_lbfgs_bad_arguments_raise():
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        minigrad.optim.LBFGS([{"params": [x]}, {"params": [minigrad.ones(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        minigrad.optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(TypeError, match="requires a closure"):
        minigrad.optim.LBFGS([x]).step(None)
    with pytest.raises(TypeError):  # as PyTorch: the closure is a required argument
        minigrad.optim.LBFGS([x]).step()
