"""optim.swa_utils (issue 19): AveragedModel's running mean and EMA, SWALR's rates and
update_bn, against PyTorch and the closed forms."""

import numpy as np
import pytest

import minigrad


def _model(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def _twin(torch):
    """A minigrad model holding the weights of ``_model(torch)`` (float64), and that torch model."""
    theirs = _model(torch).double()
    ours = _model(minigrad).double()
    ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _snapshots(lib, model, steps=4):
    """Train ``model`` with SGD on fixed data; yield after each step."""
    rng = np.random.default_rng(0)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        x, y = lib.tensor(rng.normal(size=(8, 3))), lib.tensor(rng.normal(size=(8, 2)))
        opt.zero_grad()
        ((model(x.to(lib.float64)) - y.to(lib.float64)) ** 2).mean().backward()
        opt.step()
        yield


def test_averaged_model_is_the_mean_of_the_snapshots():
    model = _model(minigrad).double()
    swa = minigrad.optim.swa_utils.AveragedModel(model)
    seen = []
    for _ in _snapshots(minigrad, model):
        swa.update_parameters(model)
        seen.append([p.detach().numpy().copy() for p in model.parameters()])
    for i, p in enumerate(swa.module.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), np.mean([s[i] for s in seen], 0), rtol=1e-12)
    assert swa.n_averaged.item() == 4
    assert {"n_averaged", "module.0.weight", "module.1.running_mean"} <= set(swa.state_dict())


@pytest.mark.parametrize("ema", [False, True])
def test_averaged_model_matches_pytorch(ema):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (minigrad, torch):
        model = _model(lib).double()
        kw = {"avg_fn": lib.optim.swa_utils.get_ema_avg_fn(0.9)} if ema else {}
        if lib is minigrad:  # the same starting weights as the torch model
            model.load_state_dict(
                {k: minigrad.tensor(v.numpy()) for k, v in _model(torch).double().state_dict().items()}
            )
        swa = lib.optim.swa_utils.AveragedModel(model, **kw)
        for _ in _snapshots(lib, model):
            swa.update_parameters(model)
        x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
        swa.eval()
        results.append((swa(x).detach().numpy(), {k: v.numpy() for k, v in swa.state_dict().items()}))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    assert results[0][1].keys() == results[1][1].keys()
    for k in results[1][1]:
        np.testing.assert_allclose(results[0][1][k], results[1][1][k], rtol=1e-10, err_msg=k)


@pytest.mark.parametrize(
    "kw", [dict(), dict(anneal_epochs=3, anneal_strategy="linear"), dict(anneal_epochs=0)]
)
def test_swalr_rates_match_pytorch(kw):
    torch = pytest.importorskip("torch")
    seqs = []
    for lib in (minigrad, torch):
        opt = lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=0.5)
        sched = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, **kw)
        seq = [sched.get_last_lr()]
        for _ in range(14):
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr())
        seqs.append(seq)
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-14)


def test_update_bn_recomputes_running_statistics_like_pytorch():
    torch = pytest.importorskip("torch")
    data = [np.random.default_rng(i).normal(size=(5, 3)) for i in range(3)]
    stats = []
    for lib, model in zip((minigrad, torch), _twin(torch)):
        lib.optim.swa_utils.update_bn([(lib.tensor(d), None) for d in data], model)
        stats.append([model[1].running_mean.numpy(), model[1].running_var.numpy()])
        assert model[1].momentum == 0.1
    np.testing.assert_allclose(stats[0], stats[1], rtol=1e-10)


def test_swalr_rejects_a_bad_strategy():
    opt = minigrad.optim.SGD([minigrad.ones(2, requires_grad=True)], lr=0.5)
    with pytest.raises(ValueError, match="anneal_strategy must by one of 'cos' or 'linear'"):
        minigrad.optim.swa_utils.SWALR(opt, 0.05, anneal_strategy="exp")
