"""The fused kernels of issue 19's optimizers (adamax, nadam, radam, asgd, rprop), called
directly as ``test_optim_kernels.py`` calls the others: one call equals a NumPy evaluation of
the formula on empty, size-1, random and threaded sizes in float32 and float64; every build
(baseline, AVX2) gives bit-identical results; bad buffers raise before any loop runs."""

import numpy as np
import pytest
from test_optim_kernels import BUILDS, DTYPES, SIZES, _arrays, _close, _lerp, _random, _same_update

from minigrad import _optim_kernels as K


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_adamax_kernel_matches_numpy(n, dtype):
    p, g, m, u = _arrays(n, dtype, 4, positive=(3,))
    b1, b2, eps, wd, clr = 0.9, 0.99, 1e-8, 0.1, 0.05
    d = g + dtype(wd) * p
    m_new = _lerp(m, d, dtype(1 - b1))
    u_new = np.maximum(u * dtype(b2), np.abs(d) + dtype(eps))
    expected = p - dtype(clr) * (m_new / u_new)
    K.adamax(p, g, m, u, beta1=b1, beta2=b2, eps=eps, weight_decay=wd, clr=clr, maximize=False)
    _close(m, m_new), _close(u, u_new), _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("decoupled", [False, True])
def test_nadam_kernel_matches_numpy(n, dtype, decoupled):
    p, g, m, v = _arrays(n, dtype, 4, positive=(3,))
    b1, b2, eps, wd, decay, bc2, cg, cm = 0.9, 0.999, 1e-8, 0.1, 0.99, 0.3, -0.02, -0.05
    x = p * dtype(decay) if decoupled else p
    d = g if decoupled else g + dtype(wd) * x
    m_new = _lerp(m, d, dtype(1 - b1))
    v_new = v * dtype(b2) + dtype(1 - b2) * d * d
    denom = np.sqrt(v_new / dtype(bc2)) + dtype(eps)
    expected = x + dtype(cg) * (d / denom) + dtype(cm) * (m_new / denom)
    K.nadam(p, g, m, v, beta1=b1, beta2=b2, eps=eps, weight_decay=0.0 if decoupled else wd,
            decay=decay if decoupled else 1.0, bias_correction2=bc2, grad_coef=cg, avg_coef=cm,
            maximize=False)  # fmt: skip
    _close(m, m_new), _close(v, v_new), _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("rectified", [False, True])
def test_radam_kernel_matches_numpy(n, dtype, rectified):
    p, g, m, v = _arrays(n, dtype, 4, positive=(3,))
    b1, b2, eps, wd, lr, bc1, bc2s, rect = 0.9, 0.999, 1e-8, 0.1, 0.01, 0.4, 0.2, 0.7
    d = g + dtype(wd) * p
    m_new = _lerp(m, d, dtype(1 - b1))
    v_new = v * dtype(b2) + dtype(1 - b2) * d * d
    step = m_new / dtype(bc1) * dtype(lr)
    if rectified:
        step = step * (dtype(bc2s) / (np.sqrt(v_new) + dtype(eps))) * dtype(rect)
    expected = p - step
    K.radam(p, g, m, v, beta1=b1, beta2=b2, eps=eps, weight_decay=wd, decay=1.0, lr=lr,
            bias_correction1=bc1, bias_correction2_sqrt=bc2s, rect=rect, rectified=rectified,
            maximize=False)  # fmt: skip
    _close(m, m_new), _close(v, v_new), _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("mu", [1.0, 0.25])
def test_asgd_kernel_matches_numpy(n, dtype, mu):
    p, g, ax = _arrays(n, dtype, 3)
    wd, shrink, eta = 0.1, 0.999, 0.05
    x = p * dtype(shrink) + dtype(-eta) * (g + dtype(wd) * p)
    ax_new = x if mu == 1 else ax + (x - ax) * dtype(mu)
    K.asgd(p, g, ax, weight_decay=wd, shrink=shrink, eta=eta, mu=mu, maximize=False)
    _close(p, x), _close(ax, ax_new)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_rprop_kernel_matches_numpy(n, dtype):
    p, g, prev, size = _arrays(n, dtype, 4, positive=(3,))
    if n:
        prev[::4] = 0
    down, up, lo, hi = 0.5, 1.2, 0.2, 1.5
    s = g * prev
    f = np.where(s > 0, dtype(up), np.where(s < 0, dtype(down), dtype(1)))
    size_new = np.clip(size * f, dtype(lo), dtype(hi))
    d = np.where(f == dtype(down), dtype(0), g)
    expected = p - np.sign(d) * size_new
    K.rprop(p, g, prev, size, etaminus=down, etaplus=up, step_min=lo, step_max=hi, maximize=False)
    _close(size, size_new), _close(prev, d), _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 7, 33, 4099, K.PARALLEL_MIN + 3])
def test_every_build_gives_identical_issue19_updates(n, dtype):
    p, g, m, v, b = _random(n, 5)
    v = np.abs(v) + 0.1
    common = dict(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)
    _same_update("adamax", dtype, dict(p=p, g=g, m=m, u=v), clr=0.01, maximize=True, **common)
    _same_update("nadam", dtype, dict(p=p, g=g, m=m, v=v), decay=0.999, bias_correction2=0.3, grad_coef=-0.01,
                 avg_coef=-0.02, maximize=False, **common)  # fmt: skip
    for rectified in (False, True):
        _same_update("radam", dtype, dict(p=p, g=g, m=m, v=v), decay=1.0, lr=0.01, bias_correction1=0.4,
                     bias_correction2_sqrt=0.2, rect=0.8, rectified=rectified, maximize=False,
                     **common)  # fmt: skip
    for mu in (1.0, 0.3):
        _same_update("asgd", dtype, dict(p=p, g=g, ax=m), weight_decay=0.01, shrink=0.999, eta=0.01, mu=mu,
                     maximize=True)  # fmt: skip
    _same_update("rprop", dtype, dict(p=p, g=g, prev=b, size=v), etaminus=0.5, etaplus=1.2, step_min=1e-6,
                 step_max=50, maximize=False)  # fmt: skip
    assert BUILDS[0] == "baseline"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda a, b: K.adamax(a, b, None, a, beta1=0.9, beta2=0.9, eps=0, weight_decay=0, clr=1, maximize=0),
         TypeError, "adamax: exp_avg and exp_inf are required"),
        (lambda a, b: K.nadam(a, b, a.astype(np.float32), a, beta1=0.9, beta2=0.9, eps=0, weight_decay=0,
                              decay=1, bias_correction2=1, grad_coef=0, avg_coef=0, maximize=0),
         TypeError, "nadam: exp_avg has dtype float32"),
        (lambda a, b: K.radam(a, b, a[:2], a, beta1=0.9, beta2=0.9, eps=0, weight_decay=0, decay=1, lr=1,
                              bias_correction1=1, bias_correction2_sqrt=1, rect=1, rectified=1, maximize=0),
         ValueError, "radam: exp_avg has shape"),
        (lambda a, b: K.asgd(a, b, np.zeros(6)[::2], weight_decay=0, shrink=1, eta=1, mu=1, maximize=0),
         ValueError, "asgd: ax must be C-contiguous"),
        (lambda a, b: K.rprop(a, [0.0] * 3, a, a, etaminus=0.5, etaplus=1.2, step_min=0, step_max=1,
                              maximize=0),
         TypeError, "rprop: grad must be a numpy.ndarray"),
    ],
)  # fmt: skip
def test_issue19_kernels_reject_bad_buffers(call, error, message):
    with pytest.raises(error, match=message):
        call(np.zeros(3), np.zeros(3))
