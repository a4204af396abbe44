"""Forward-mode AD (minigrad.autograd.forward_ad) over the op table of test_ops.py.

For every row, with a random tangent per input (float64):
* the output tangent equals the central finite difference of the op along the tangents;
* it equals the reverse-mode Jacobian applied to the tangents: <w, J t> = sum_k <J_k^T w, t_k>,
  with J_k^T w from backward (exact up to rounding);
* it equals torch.autograd.forward_ad's (skipped without torch).
Then the door itself: nothing happens without a level, errors for bad duals (PyTorch's
types), tangents through custom Functions and reverse over forward.
"""

import warnings

import numpy as np
import pytest
from test_ops import BCAST_CASES, ROW_CASES, _seed, assert_close, make_inputs, mg_value_and_grads

import minigrad
import minigrad.autograd.forward_ad as fwAD
from minigrad.ops import _core


def torch_forward_ad():
    """torch.autograd.forward_ad (its first use warns that torch.jit.script is deprecated)."""
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import torch.autograd.forward_ad as tfw

        with tfw.dual_level():  # its first make_dual loads (and scripts) decompositions
            tfw.make_dual(torch.zeros(1), torch.zeros(1))
    return tfw


def _tangents(r, arrays):
    rng = _seed(r.id + "/tangent")
    return [rng.uniform(-1.0, 1.0, a.shape).astype(a.dtype) for a in arrays]


def mg_jvp(f, arrays, tangents):
    with fwAD.dual_level():
        duals = [fwAD.make_dual(minigrad.tensor(a), minigrad.tensor(t)) for a, t in zip(arrays, tangents)]
        out = f(*duals)
        primal, tangent = fwAD.unpack_dual(out)
        assert tangent is not None, "the output carries no tangent"
        return primal.numpy().copy(), tangent.numpy().copy()


def _fd_jvp(f, arrays, tangents, eps):
    def at(sign):
        with minigrad.no_grad():
            xs = [minigrad.tensor(np.asarray(a + sign * eps * t, a.dtype)) for a, t in zip(arrays, tangents)]
            return f(*xs).numpy().astype(np.float64)

    return (at(1) - at(-1)) / (2 * eps)


ALL_CASES = ROW_CASES + BCAST_CASES


@pytest.mark.parametrize("r", ALL_CASES)
def test_jvp_matches_finite_differences(r):
    arrays = make_inputs(r, r.grad_dtype)
    tangents = _tangents(r, arrays)
    _, jvp = mg_jvp(r.mg, arrays, tangents)
    assert_close(jvp, _fd_jvp(r.mg, arrays, tangents, r.eps), r.grad_tol, r.grad_tol, f"{r.id}: jvp vs fd")


@pytest.mark.parametrize("r", ALL_CASES)
def test_jvp_matches_reverse_mode_jacobian(r):
    arrays = make_inputs(r, r.grad_dtype)
    tangents = _tangents(r, arrays)
    out, jvp = mg_jvp(r.mg, arrays, tangents)
    _, grads, w = mg_value_and_grads(r.mg, arrays)
    assert jvp.shape == out.shape and jvp.dtype == out.dtype
    forward = float(np.sum(w * jvp))
    reverse = float(sum(np.sum(g * t) for g, t in zip(grads, tangents)))
    rel = 1e-10 if all(a.dtype == np.float64 for a in arrays) and jvp.dtype == np.float64 else 1e-5
    assert forward == pytest.approx(reverse, rel=rel, abs=rel * 1e-2), r.id


@pytest.mark.parametrize("r", ALL_CASES)
def test_jvp_matches_torch(r):
    torch = pytest.importorskip("torch")
    tfw = torch_forward_ad()

    arrays = make_inputs(r, r.grad_dtype)
    tangents = _tangents(r, arrays)
    _, jvp = mg_jvp(r.mg, arrays, tangents)
    with tfw.dual_level():
        duals = [tfw.make_dual(torch.tensor(a), torch.tensor(t)) for a, t in zip(arrays, tangents)]
        try:
            tangent = tfw.unpack_dual(r.th(*duals)).tangent
        except NotImplementedError as e:  # PyTorch has no forward derivative here (cdist):
            # minigrad's is still checked against finite differences and the reverse-mode Jacobian
            pytest.skip(f"PyTorch: {e}")
        if tangent is None:  # nor here, silently (scatter_reduce "prod" drops the tangent)
            pytest.skip("PyTorch returns no tangent for this op")
        expected = tangent.numpy()
    # digamma/polygamma: PyTorch's own values are ~5e-10 off the exact ones (see the op's row)
    rtol = max(1e-10, getattr(r, "torch_rtol", None) or 0)
    assert_close(jvp, expected, rtol, 1e-12, f"{r.id}: jvp vs torch")


@pytest.mark.parametrize("r", ROW_CASES)
def test_jvp_float32_has_the_output_s_dtype(r):
    arrays = make_inputs(r, np.float32)
    out, jvp = mg_jvp(r.mg, arrays, _tangents(r, arrays))
    assert jvp.dtype == out.dtype


def test_declared_kinds_cover_the_common_ops():
    from minigrad.ops import elementwise, linalg, reduce, shape

    assert _core.KINDS[elementwise.TANH] == _core.ELEMENTWISE
    assert _core.KINDS[reduce.SUM_DIM] == _core.LINEAR
    assert _core.KINDS[shape.VIEW] == _core.LINEAR
    assert _core.KINDS[linalg.MM] == _core.MULTILINEAR


# ----------------------------------------------------------------------------- the door


def test_no_level_means_no_tangent_and_no_transform():
    from minigrad import _tape

    assert _tape._function_interpose() is None
    x = minigrad.tensor([1.0, 2.0])
    assert fwAD.unpack_dual(minigrad.sin(x)).tangent is None


def test_tangents_are_dropped_when_the_level_exits():
    with fwAD.dual_level():
        y = fwAD.make_dual(minigrad.tensor([1.0]), minigrad.tensor([3.0])) * 2
        assert fwAD.unpack_dual(y).tangent.tolist() == [6.0]
    assert fwAD.unpack_dual(y).tangent is None


def test_unpacked_primal_has_no_tangent():
    with fwAD.dual_level():
        d = fwAD.make_dual(minigrad.tensor([1.0]), minigrad.tensor([3.0]))
        p, t = fwAD.unpack_dual(d)
        assert fwAD.unpack_dual(p).tangent is None
        assert t.tolist() == [3.0]


def test_tangent_flows_through_custom_functions_and_cat():
    class Cube(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    with fwAD.dual_level():
        x = fwAD.make_dual(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 1.0]))
        y = minigrad.cat([Cube.apply(x), x])
        assert fwAD.unpack_dual(y).tangent.tolist() == [3.0, 12.0, 1.0, 1.0]


def test_reverse_over_forward_differentiates_the_tangent():
    x = minigrad.tensor([0.5, 1.5], requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, minigrad.ones(2))
        t = fwAD.unpack_dual(minigrad.sin(d) * d).tangent  # d/dx (x sin x) = sin x + x cos x
    (g,) = minigrad.autograd.grad(t.sum(), x)
    v = np.array([0.5, 1.5])
    np.testing.assert_allclose(g.numpy(), 2 * np.cos(v) - v * np.sin(v), rtol=1e-6)


def test_make_dual_outside_a_level_raises():
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(minigrad.ones(2), minigrad.ones(2))


def test_nested_levels_raise():
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()


def test_tangent_of_another_shape_raises():
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="different size"):
            fwAD.make_dual(minigrad.ones(3), minigrad.ones(2))


def test_integer_primal_raises_value_error():
    with fwAD.dual_level():
        with pytest.raises(ValueError, match="floating point"):
            fwAD.make_dual(minigrad.tensor([1, 2]), minigrad.tensor([1, 2]))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.make_dual(t.ones(3), t.ones(2)),
        lambda t: t.make_dual(t.tensor([1, 2]), t.tensor([1, 2])),
    ],
    ids=["shape", "integer"],
)
def test_bad_duals_raise_torch_s_exception_types(call):
    torch = pytest.importorskip("torch")
    tfw = torch_forward_ad()

    class Lib:
        def __init__(self, m, fw):
            self.m, self.fw = m, fw

        def make_dual(self, a, b):
            return self.fw.make_dual(a, b)

        def ones(self, *s):
            return self.m.ones(*s, dtype=self.m.float64)

        def tensor(self, v):
            return self.m.tensor(v)

    with tfw.dual_level():
        with pytest.raises(Exception) as expected:
            call(Lib(torch, tfw))
    with fwAD.dual_level():
        with pytest.raises(expected.type):
            call(Lib(minigrad, fwAD))
