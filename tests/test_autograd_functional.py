"""autograd.functional (issue 14): jacobian, hessian, vjp, jvp, vhp, hvp against finite
differences (float64) and against torch.autograd.functional when it is installed, with
PyTorch's structures (tensor vs tuple), strict-mode errors and bad inputs."""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import functional as F

f64 = minigrad.float64
RNG = np.random.default_rng(0)
A = RNG.uniform(0.5, 1.5, (3,))
B = RNG.uniform(0.5, 1.5, (2, 3))


# Each case: a function written once for both libraries (it only uses tensor methods and
# operators both have) and the numpy inputs it is evaluated at.
CASES = {
    "one_in_one_out": (lambda a: (a.exp() * a).sin(), (A,)),
    "two_in_one_out": (lambda a, b: (a.tanh() * b).sum(1), (A, B)),
    "two_in_two_out": (lambda a, b: (a * a, (b @ a.log()).sigmoid()), (A, B)),
    "matmul_chain": (lambda a, b: (b.T @ (b @ a)).relu(), (A, B)),
}
SCALAR_CASES = {
    "one_in": (lambda a: (a.sin() * a.exp()).sum(), (A,)),
    "two_in": (lambda a, b: ((a.tanh() * b) ** 2).sum() + (a * a * a).sum(), (A, B)),
    "softplus_like": (lambda a: (1 + a.exp()).log().sum(), (A,)),
}


def mg(arrays):
    return tuple(minigrad.tensor(a, dtype=f64) for a in arrays)


def unpack(arrays, single):
    return arrays[0] if single else arrays


def as_numpy(res):
    if isinstance(res, tuple):
        return tuple(as_numpy(r) for r in res)
    return res.detach().numpy()


def assert_close(got, want, tol=1e-7):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w, tol)
    else:
        assert not isinstance(got, tuple)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def numeric_jacobian(func, arrays, eps=1e-6):
    """Central differences: [output][input] blocks of shape out.shape + in.shape."""
    outs = func(*mg(arrays))
    single_out = not isinstance(outs, tuple)
    outs = (outs,) if single_out else outs
    blocks = [[np.zeros(o.shape + a.shape) for a in arrays] for o in outs]
    for j, a in enumerate(arrays):
        for k in np.ndindex(a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[j][k] += eps
            minus[j][k] -= eps
            fp, fm = func(*mg(plus)), func(*mg(minus))
            fp, fm = (fp,) if single_out else fp, (fm,) if single_out else fm
            for i in range(len(outs)):
                blocks[i][j][(...,) + k] = (fp[i].numpy() - fm[i].numpy()) / (2 * eps)
    return blocks, single_out


@pytest.mark.parametrize("name", CASES)
def test_jacobian_matches_finite_differences(name):
    func, arrays = CASES[name]
    blocks, single_out = numeric_jacobian(func, arrays)
    single_in = len(arrays) == 1
    got = F.jacobian(func, unpack(mg(arrays), single_in))
    want = tuple(unpack(tuple(b), single_in) for b in blocks)
    assert_close(as_numpy(got), want[0] if single_out else want, tol=1e-6)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("name", CASES)
def test_jacobian_matches_torch(name, strategy):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    func, arrays = CASES[name]
    single = len(arrays) == 1
    got = F.jacobian(func, unpack(mg(arrays), single), vectorize=True, strategy=strategy)
    # torch's reverse mode is the oracle for both (its forward mode runs through torch.jit,
    # which warns)
    want = TF.jacobian(func, unpack(tuple(torch.tensor(a) for a in arrays), single))
    assert_close(as_numpy(got), as_numpy(want))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("name", SCALAR_CASES)
def test_hessian_matches_torch(name, strategy):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    func, arrays = SCALAR_CASES[name]
    single = len(arrays) == 1
    got = F.hessian(func, unpack(mg(arrays), single), vectorize=True, outer_jacobian_strategy=strategy)
    want = TF.hessian(func, unpack(tuple(torch.tensor(a) for a in arrays), single))
    assert_close(as_numpy(got), as_numpy(want))


@pytest.mark.parametrize("name", SCALAR_CASES)
def test_hessian_matches_finite_differences_of_the_gradient(name):
    func, arrays = SCALAR_CASES[name]
    single = len(arrays) == 1

    def gradient(*xs):
        xs = tuple(x.detach().requires_grad_() for x in xs)
        return minigrad.autograd.grad(func(*xs), xs)

    blocks, _ = numeric_jacobian(gradient, arrays)
    got = F.hessian(func, unpack(mg(arrays), single))
    want = tuple(tuple(row) for row in blocks)
    assert_close(as_numpy(got), want[0][0] if single else want, tol=1e-6)


def _vectors_like(arrays, seed):
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(np.shape(a)) for a in arrays)


@pytest.mark.parametrize("fn", ["vjp", "jvp"])
@pytest.mark.parametrize("name", CASES)
def test_vjp_and_jvp_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    func, arrays = CASES[name]
    single_in = len(arrays) == 1
    outs = func(*mg(arrays))
    single_out = not isinstance(outs, tuple)
    if fn == "vjp":
        v = _vectors_like([o.numpy() for o in ((outs,) if single_out else outs)], 1)
        single_v = single_out
    else:
        v = _vectors_like(arrays, 2)
        single_v = single_in
    got = getattr(F, fn)(func, unpack(mg(arrays), single_in), unpack(mg(v), single_v))
    want = getattr(TF, fn)(
        func,
        unpack(tuple(torch.tensor(a) for a in arrays), single_in),
        unpack(tuple(torch.tensor(x) for x in v), single_v),
    )
    assert_close(as_numpy(got), as_numpy(want))


@pytest.mark.parametrize("fn", ["vhp", "hvp"])
@pytest.mark.parametrize("name", SCALAR_CASES)
def test_vhp_and_hvp_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    func, arrays = SCALAR_CASES[name]
    single = len(arrays) == 1
    v = _vectors_like(arrays, 3)
    got = getattr(F, fn)(func, unpack(mg(arrays), single), unpack(mg(v), single))
    want = getattr(TF, fn)(
        func,
        unpack(tuple(torch.tensor(a) for a in arrays), single),
        unpack(tuple(torch.tensor(x) for x in v), single),
    )
    assert_close(as_numpy(got), as_numpy(want))


def test_hvp_equals_hessian_times_v():
    func, arrays = SCALAR_CASES["one_in"]
    (x,) = mg(arrays)
    v = minigrad.tensor([1.0, -2.0, 0.5], dtype=f64)
    _, hv = F.hvp(func, x, v)
    np.testing.assert_allclose(hv.numpy(), F.hessian(func, x).numpy() @ v.numpy(), rtol=1e-12)


def test_results_are_detached_unless_create_graph():
    x = minigrad.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    out, g = F.vjp(lambda t: (t**3).sum(), x)
    assert not out.requires_grad and not g.requires_grad
    out, g = F.vjp(lambda t: (t**3).sum(), x, create_graph=True)
    assert g.requires_grad
    g.sum().backward()  # d/dx sum(3 x^2) = 6 x
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_jacobian_create_graph_is_differentiable():
    x = minigrad.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    jac = F.jacobian(lambda t: t**3, x, create_graph=True)
    jac.sum().backward()  # d/dx sum(diag(3 x^2)) = 6 x
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_independent_input_gives_zeros_or_a_strict_error():
    a, b = mg((A, B))
    jac = F.jacobian(lambda x, y: x * 2, (a, b))
    assert jac[1].shape == (3, 2, 3) and not jac[1].numpy().any()
    with pytest.raises(
        RuntimeError, match="Output 0 of the user-provided function is independent of input 1"
    ):
        F.jacobian(lambda x, y: x * 2, (a, b), strict=True)
    _, g = F.vjp(lambda x, y: (x * 2).sum(), (a, b))
    assert not g[1].numpy().any()
    with pytest.raises(RuntimeError, match="independent of input 1. This is not allowed in strict mode"):
        F.vjp(lambda x, y: (x * 2).sum(), (a, b), strict=True)


def test_strict_mode_refuses_an_output_without_grad():
    with pytest.raises(
        RuntimeError, match="Output 0 of the user-provided function does not require gradients"
    ):
        F.vjp(lambda x: minigrad.ones(2), minigrad.ones(2), minigrad.ones(2), strict=True)


def test_strict_hessian_of_a_linear_function_raises():
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function with respect to input 0"):
        F.hessian(lambda x: (x * 2).sum(), minigrad.ones(2), strict=True)


@pytest.mark.parametrize("fn", ["vjp", "jvp", "jacobian", "hessian"])
def test_non_tensor_output_is_a_type_error(fn):
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        getattr(F, fn)(lambda x: 3.0, minigrad.ones(1))


def test_non_tensor_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"The inputs given to jacobian .* value at index 1 has type"):
        F.jacobian(lambda x, y: x, (minigrad.ones(1), 2.0))


@pytest.mark.parametrize("fn", ["vjp", "jvp", "vhp", "hvp"])
def test_v_of_the_wrong_shape_is_a_runtime_error(fn):
    func = (lambda x: (x * x).sum()) if fn in ("vhp", "hvp") else (lambda x: x * x)
    v = minigrad.ones(4)
    with pytest.raises(RuntimeError, match=r"v has invalid size: should be .*\[3\].* but got .*\[4\]"):
        getattr(F, fn)(func, minigrad.ones(3), v)


def test_v_tuple_of_the_wrong_length():
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but got 1"):
        F.jvp(lambda x, y: x * y, (minigrad.ones(2), minigrad.ones(2)), (minigrad.ones(2),))


def test_v_may_be_omitted_only_for_one_element():
    with pytest.raises(RuntimeError, match="The vector v can only be None"):
        F.vjp(lambda x: x * 2, minigrad.ones(2))
    out, g = F.vjp(lambda x: x * 2, minigrad.ones(1))
    assert g.tolist() == [2.0]


def test_hessian_needs_a_single_element_output():
    with pytest.raises(RuntimeError, match="should contain a single element"):
        F.hessian(lambda x: x * x, minigrad.ones(2))


def test_forward_mode_strategy_needs_vectorize_and_no_create_graph():
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        F.jacobian(lambda x: x, minigrad.ones(2), strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        F.jacobian(lambda x: x, minigrad.ones(2), strategy="forward-mode", create_graph=True)
    with pytest.raises(AssertionError, match="Expected strategy"):
        F.jacobian(lambda x: x, minigrad.ones(2), strategy="sideways")


def test_inputs_are_not_modified_and_grad_stays_untouched():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    F.jacobian(lambda t: t * t, x)
    F.hessian(lambda t: (t * t * t).sum(), x)
    assert x.grad is None and x.tolist() == [1.0, 2.0]
