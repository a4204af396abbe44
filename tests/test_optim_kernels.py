"""Tests of the fused optimizer kernels (minigrad/_optim_kernels.pyx), called directly.

Each kernel updates its parameter and state buffers in place; after one call they must
equal a plain NumPy evaluation of the same formula, for empty, size-1, random and large
arrays (large enough for the OpenMP loop), in float32 and float64. Bad input (wrong
types or dtypes, mismatched shapes, non-contiguous or read-only buffers) must raise a
Python exception before any loop runs.
"""

import os

import numpy as np
import pytest
from child_process import run_python

from minigrad import _optim_kernels as K

DTYPES = [np.float32, np.float64]
SIZES = [0, 1, 7, 1000, K.PARALLEL_MIN + 3]
TOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-14}


def _arrays(n, dtype, count, seed=0, positive=()):
    rng = np.random.default_rng(seed)
    out = [rng.standard_normal(n).astype(dtype) for _ in range(count)]
    for i in positive:
        out[i] = np.abs(out[i]) + dtype(0.1)
    return out


def _close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=TOL[actual.dtype], atol=TOL[actual.dtype])


def _lerp(a, b, w):
    return np.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("first_step", [True, False])
@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_kernel_matches_numpy(n, dtype, first_step, nesterov):
    p, g, b = _arrays(n, dtype, 3)
    lr, mu, damp, wd = 0.1, 0.9, 0.0 if nesterov else 0.3, 0.01
    d = -g + dtype(wd) * p
    b_new = d if first_step else dtype(mu) * b + dtype(1 - damp) * d
    d = d + dtype(mu) * b_new if nesterov else b_new
    expected = p - dtype(lr) * d
    K.sgd(
        p,
        g,
        b,
        lr=lr,
        momentum=mu,
        dampening=damp,
        weight_decay=wd,
        nesterov=nesterov,
        maximize=True,
        first_step=first_step,
    )
    _close(b, b_new)
    _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_sgd_kernel_without_momentum_buffer(n, dtype):
    p, g = _arrays(n, dtype, 2)
    expected = p - dtype(0.5) * g
    K.sgd(
        p,
        g,
        None,
        lr=0.5,
        momentum=0.0,
        dampening=0.0,
        weight_decay=0.0,
        nesterov=False,
        maximize=False,
        first_step=True,
    )
    _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("amsgrad", [True, False])
@pytest.mark.parametrize("decoupled", [True, False])
def test_adam_kernel_matches_numpy(n, dtype, amsgrad, decoupled):
    p, g, m, v, vmax = _arrays(n, dtype, 5, positive=(3, 4))
    lr, b1, b2, eps, wd, step = 0.01, 0.9, 0.999, 1e-8, 0.1, 3
    decay = 1 - lr * wd if decoupled else 1.0
    x = p * dtype(decay)
    d = g if decoupled else g + dtype(wd) * x
    m_new = _lerp(m, d, dtype(1 - b1))
    v_new = v * dtype(b2) + dtype(1 - b2) * d * d
    vv = np.maximum(vmax, v_new) if amsgrad else v_new
    bc2 = (1 - b2**step) ** 0.5
    expected = x - dtype(lr / (1 - b1**step)) * (m_new / (np.sqrt(vv) / dtype(bc2) + dtype(eps)))
    K.adam(
        p,
        g,
        m,
        v,
        vmax if amsgrad else None,
        beta1=b1,
        beta2=b2,
        eps=eps,
        weight_decay=0.0 if decoupled else wd,
        decay=decay,
        step_size=lr / (1 - b1**step),
        bias_correction2_sqrt=bc2,
        maximize=False,
    )
    _close(m, m_new)
    _close(v, v_new)
    if amsgrad:
        _close(vmax, vv)
    _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("centered", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_rmsprop_kernel_matches_numpy(n, dtype, centered, momentum):
    p, g, sq, ga, b = _arrays(n, dtype, 5, positive=(2,))
    sq += ga * ga  # keeps the centered variance positive
    lr, alpha, eps, wd = 0.01, 0.99, 1e-8, 0.1
    d = -g + dtype(wd) * p
    sq_new = sq * dtype(alpha) + dtype(1 - alpha) * d * d
    var = sq_new
    if centered:
        ga_new = _lerp(ga, d, dtype(1 - alpha))
        var = sq_new - ga_new * ga_new
    avg = np.sqrt(var) + dtype(eps)
    if momentum:
        b_new = b * dtype(momentum) + d / avg
        expected = p - dtype(lr) * b_new
    else:
        expected = p - dtype(lr) * (d / avg)
    K.rmsprop(
        p,
        g,
        sq,
        ga if centered else None,
        b if momentum else None,
        lr=lr,
        alpha=alpha,
        eps=eps,
        weight_decay=wd,
        momentum=momentum,
        maximize=True,
    )
    _close(sq, sq_new)
    if centered:
        _close(ga, ga_new)
    if momentum:
        _close(b, b_new)
    _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_adagrad_kernel_matches_numpy(n, dtype):
    p, g, s = _arrays(n, dtype, 3, positive=(2,))
    clr, eps, wd = 0.05, 1e-10, 0.1
    d = g + dtype(wd) * p
    s_new = s + d * d
    expected = p - dtype(clr) * (d / (np.sqrt(s_new) + dtype(eps)))
    K.adagrad(p, g, s, clr=clr, eps=eps, weight_decay=wd, maximize=False)
    _close(s, s_new)
    _close(p, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_adadelta_kernel_matches_numpy(n, dtype):
    p, g, sq, acc = _arrays(n, dtype, 4, positive=(2, 3))
    lr, rho, eps, wd = 0.5, 0.9, 1e-6, 0.1
    d = g + dtype(wd) * p
    sq_new = dtype(rho) * sq + dtype(1 - rho) * d * d
    delta = np.sqrt(acc + dtype(eps)) / np.sqrt(sq_new + dtype(eps)) * d
    acc_new = dtype(rho) * acc + dtype(1 - rho) * delta * delta
    expected = p - dtype(lr) * delta
    K.adadelta(p, g, sq, acc, lr=lr, rho=rho, eps=eps, weight_decay=wd, maximize=False)
    _close(sq, sq_new)
    _close(acc, acc_new)
    _close(p, expected)


def test_kernels_accept_any_shape_and_read_only_gradient():
    p, g, s = (a.reshape(2, 3, 4) for a in _arrays(24, np.float64, 3, positive=(2,)))
    g.flags.writeable = False
    expected = p - 0.1 * g / (np.sqrt(s + g * g) + 1e-10)
    K.adagrad(p, g, s, clr=0.1, eps=1e-10, weight_decay=0.0, maximize=False)
    _close(p, expected)


def test_amsgrad_max_propagates_nan_like_torch_maximum():
    p, m, v, vmax = (np.ones(3) for _ in range(4))
    g = np.array([np.nan, 1.0, np.inf])
    kw = dict(
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        weight_decay=0.0,
        decay=1.0,
        step_size=0.1,
        bias_correction2_sqrt=1.0,
        maximize=False,
    )
    K.adam(p, g, m, v, vmax, **kw)
    assert np.isnan(vmax[0]) and np.isnan(p[0])
    assert vmax[1] == 1.0 and vmax[2] == np.inf
    K.adam(p, np.ones(3), m, v, vmax, **kw)  # once NaN, v and its max stay NaN
    assert np.isnan(v[0]) and np.isnan(vmax[0])


# ----------------------------------------------------------------------------- bad input


def _adagrad(p, g, s):
    K.adagrad(p, g, s, clr=0.1, eps=1e-10, weight_decay=0.0, maximize=False)


def test_kernel_rejects_wrong_dtype():
    p, g, s = _arrays(4, np.float32, 3)
    with pytest.raises(TypeError, match="param must be float32 or float64"):
        _adagrad(p.astype(np.int64), g, s)
    with pytest.raises(TypeError, match="param must be float32 or float64"):
        _adagrad(p.astype(np.float16), g, s)
    with pytest.raises(TypeError, match="grad has dtype float64, expected float32"):
        _adagrad(p, g.astype(np.float64), s)
    with pytest.raises(TypeError, match="state_sum has dtype"):
        _adagrad(p, g, s.astype(np.float64))


def test_kernel_rejects_non_arrays():
    p, g, s = _arrays(4, np.float64, 3)
    with pytest.raises(TypeError, match="param must be a numpy.ndarray, got list"):
        _adagrad(list(p), g, s)
    with pytest.raises(TypeError, match="grad must be a numpy.ndarray"):
        _adagrad(p, 1.0, s)


def test_kernel_rejects_mismatched_shapes():
    p, g, m, v = _arrays(6, np.float64, 4)
    with pytest.raises(ValueError, match=r"grad has shape \(5,\), expected \(6,\)"):
        _adagrad(p, g[:5].copy(), m)
    with pytest.raises(ValueError, match=r"exp_avg_sq has shape \(2, 3\)"):
        K.adam(
            p,
            g,
            m,
            v.reshape(2, 3),
            None,
            beta1=0.9,
            beta2=0.999,
            eps=1e-8,
            weight_decay=0.0,
            decay=1.0,
            step_size=0.1,
            bias_correction2_sqrt=1.0,
            maximize=False,
        )


def test_kernel_rejects_non_contiguous():
    p, g, s = (a.reshape(3, 4) for a in _arrays(12, np.float64, 3))
    with pytest.raises(ValueError, match="param must be C-contiguous"):
        _adagrad(p.T, g.T.copy(), s.T.copy())
    with pytest.raises(ValueError, match="grad must be C-contiguous"):
        _adagrad(p[:, :2].copy(), g[:, ::2], s[:, :2].copy())


@pytest.mark.parametrize("which", ["param", "state"])
def test_kernel_rejects_read_only_outputs(which):
    p, g, b = _arrays(4, np.float64, 3)
    (p if which == "param" else b).flags.writeable = False
    before = p.copy(), b.copy()
    with pytest.raises(ValueError, match="is read-only"):
        K.sgd(
            p,
            g,
            b,
            lr=0.1,
            momentum=0.9,
            dampening=0.0,
            weight_decay=0.0,
            nesterov=False,
            maximize=False,
            first_step=False,
        )
    np.testing.assert_array_equal(p, before[0])
    np.testing.assert_array_equal(b, before[1])


def test_kernel_rejects_byte_swapped_arrays():
    p, g, s = _arrays(4, np.float64, 3)
    with pytest.raises(TypeError):
        _adagrad(p.astype(">f8"), g, s)


# ----------------------------------------------------------------------------- instruction sets
# The kernels are built for the baseline ISA and, on x86-64 with GCC/Clang, for AVX2; the
# module picks one at import (K.ISA). Every test above runs the chosen one; here every build
# this CPU can run must give bit-identical results to the baseline (both are compiled with
# -ffp-contract=off), on every option of every kernel. Without AVX2 only the baseline runs.

BUILDS = K.available()
SGD_OPTIONS = [
    dict(momentum=0.0, nesterov=False, first_step=False),
    dict(momentum=0.9, nesterov=False, first_step=True),
    dict(momentum=0.9, nesterov=True, first_step=False),
]


def _same_update(kernel, dtype, arrays, **kw):
    """Run ``kernel`` of the baseline and of every other build on copies of the same
    ``arrays`` (None: an unused state buffer) and compare them bit for bit."""
    results = []
    for isa in BUILDS:
        data = {name: (a.astype(dtype) if a is not None else None) for name, a in arrays.items()}
        getattr(K.kernels(isa), kernel)(*data.values(), **kw)
        results.append(data)
    for other in results[1:]:
        for name, a in results[0].items():
            if a is not None:
                np.testing.assert_array_equal(other[name], a, err_msg=f"{kernel}: {name}")


def _random(n, count, seed=1):
    rng = np.random.default_rng(seed)
    out = [rng.standard_normal(n) for _ in range(count)]
    if n:
        out[1][::5] = 0.0  # some zero gradients, some tiny ones
        out[1][1::7] *= 1e-30
    return out


def test_the_chosen_build_is_available_and_the_optimizers_use_it():
    assert BUILDS[0] == "baseline" and K.ISA in BUILDS
    forced = os.environ.get("MINIGRAD_ISA", "").strip().lower() == "baseline"
    assert K.ISA == ("baseline" if forced else BUILDS[-1])  # else the best one
    from minigrad.optim import adadelta, adagrad, adam, rmsprop, sgd

    for module, name in (
        (adam, "adam"),
        (sgd, "sgd"),
        (rmsprop, "rmsprop"),
        (adagrad, "adagrad"),
        (adadelta, "adadelta"),
    ):
        assert getattr(module.K, name) is getattr(K.kernels(K.ISA), name)


def test_unknown_build_is_refused():
    with pytest.raises(ValueError, match="unknown instruction set"):
        K.kernels("avx9")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 7, 33, 4099, K.PARALLEL_MIN + 3])
def test_every_build_gives_identical_adam(n, dtype):
    p, g, m, v, vmax = _random(n, 5)
    v, vmax = np.abs(v), np.abs(vmax) + 1.0
    for amsgrad in (False, True):
        for wd, decay in ((0.0, 1.0), (0.01, 1.0), (0.0, 0.999)):
            _same_update(
                "adam",
                dtype,
                dict(p=p, g=g, m=m, v=v, vmax=vmax if amsgrad else None),
                beta1=0.9,
                beta2=0.999,
                eps=1e-8,
                weight_decay=wd,
                decay=decay,
                step_size=0.01,
                bias_correction2_sqrt=0.3,
                maximize=amsgrad,
            )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 7, 33, 4099, K.PARALLEL_MIN + 3])
def test_every_build_gives_identical_sgd_rmsprop_adagrad(n, dtype):
    p, g, b, sq, ga = _random(n, 5)
    sq = np.abs(sq) + ga * ga  # centered: sq - ga**2 stays positive
    for options in SGD_OPTIONS:
        _same_update(
            "sgd",
            dtype,
            dict(p=p, g=g, b=b if options["momentum"] else None),
            lr=0.1,
            dampening=0.1,
            weight_decay=0.01,
            maximize=False,
            **options,
        )
    for centered in (False, True):
        for momentum in (0.0, 0.9):
            _same_update(
                "rmsprop",
                dtype,
                dict(p=p, g=g, sq=sq, ga=ga if centered else None, b=b if momentum else None),
                lr=0.01,
                alpha=0.99,
                eps=1e-8,
                weight_decay=0.01,
                momentum=momentum,
                maximize=centered,
            )
    _same_update(
        "adagrad", dtype, dict(p=p, g=g, s=np.abs(sq)), clr=0.1, eps=1e-10, weight_decay=0.01, maximize=True
    )
    _same_update(
        "adadelta",
        dtype,
        dict(p=p, g=g, sq=np.abs(sq), acc=np.abs(b)),
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0.01,
        maximize=True,
    )


def test_minigrad_isa_baseline_forces_the_portable_build():
    code = (
        "from minigrad import _optim_kernels as K; from minigrad.optim import adam; "
        "print(K.ISA, adam.K.adam is K.kernels('baseline').adam)"
    )
    out = run_python(code, check=True, env={"MINIGRAD_ISA": "baseline"})
    assert out.stdout.split() == ["baseline", "True"]
