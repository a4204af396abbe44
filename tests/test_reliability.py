"""Reliability, round two (issue 16): the reproducers of the issue and their neighbours.

* window sizes (conv/pool) computed exactly before a kernel runs: huge arguments raise a
  RuntimeError naming the op at once, never a segfault or a long spin;
* numpy scalars act as the Python numbers they hold (PyTorch's rule), dtypes minigrad has
  no name for are refused naming the dtype;
* NaN, inf and constant inputs give PyTorch's values and gradients, element by element;
* empty batches convolve, pool and backpropagate.
"""

import os
import time
import warnings

import minigrad.nn.functional as F
import numpy as np
import pytest
from child_process import run_python

import minigrad

# ----------------------------------------------------------------------------- window sizes

HUGE_WINDOWS = {
    "conv2d_padding_2**31": lambda: F.conv2d(
        minigrad.ones(1, 1, 1, 1), minigrad.ones(1, 1, 2, 2), padding=2**31
    ),
    "conv2d_padding_2**40": lambda: F.conv2d(
        minigrad.ones(1, 1, 1, 1), minigrad.ones(1, 1, 1, 1), padding=(2**40, 0)
    ),
    "conv2d_padding_2**62": lambda: F.conv2d(
        minigrad.ones(1, 1, 1, 1), minigrad.ones(1, 1, 1, 1), padding=2**62
    ),
    "conv2d_stride_2**64": lambda: F.conv2d(
        minigrad.ones(1, 1, 3, 3), minigrad.ones(1, 1, 2, 2), stride=2**64
    ),
    "conv2d_dilation_2**63": lambda: F.conv2d(
        minigrad.ones(1, 1, 3, 3), minigrad.ones(1, 1, 2, 2), dilation=2**63
    ),
    "conv1d_padding_2**31": lambda: F.conv1d(minigrad.ones(1, 1, 1), minigrad.ones(1, 1, 2), padding=2**31),
    "conv1d_padding_2**62": lambda: F.conv1d(minigrad.ones(1, 1, 1), minigrad.ones(1, 1, 2), padding=2**62),
    "avg_pool2d_kernel_2**32": lambda: F.avg_pool2d(
        minigrad.ones(1, 1, 1, 1), kernel_size=2**32, padding=2**31
    ),
    "max_pool2d_kernel_2**32": lambda: F.max_pool2d(
        minigrad.ones(1, 1, 1, 1), kernel_size=2**32, padding=2**31
    ),
    "max_pool2d_stride_2**63-1": lambda: F.max_pool2d(minigrad.ones(1, 1, 3, 3), 2, stride=2**63 - 1),
    "max_pool2d_dilation_2**31": lambda: F.max_pool2d(minigrad.ones(1, 1, 3, 3), 2, dilation=2**31),
    "avg_pool2d_im2col_too_big": lambda: F.avg_pool2d(minigrad.ones(1, 1, 1, 1), 2**30, padding=2**29),
    "adaptive_avg_pool2d_2**31": lambda: F.adaptive_avg_pool2d(minigrad.ones(1, 1, 2, 2), 2**31),
    "pad_2**40": lambda: F.pad(minigrad.ones(1, 1), (2**40, 2**40)),
}


@pytest.mark.parametrize("name", sorted(HUGE_WINDOWS))
def test_huge_window_arguments_raise_runtime_error_at_once(name):
    # each in a subprocess: before issue 16 several of these killed the interpreter
    code = (
        "import time\nimport test_reliability as T\n"
        "t = time.perf_counter()\n"
        f"try:\n    T.HUGE_WINDOWS[{name!r}]()\nexcept RuntimeError as e:\n"
        "    print('RuntimeError', time.perf_counter() - t, e)\n"
    )
    out = run_python(code, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    kind, seconds, message = out.stdout.split(" ", 2)
    assert kind == "RuntimeError" and float(seconds) < 1.0
    op = name.split("_2**")[0].split("_kernel")[0].split("_stride")[0].split("_padding")[0]
    op = op.split("_dilation")[0].split("_im2col")[0]
    assert op in message


def test_window_just_inside_the_limits_still_computes():
    # the largest int32 stride pools a 3x3 image into its first window, as in PyTorch
    out = F.max_pool2d(minigrad.arange(9.0).reshape(1, 1, 3, 3), 2, stride=2**31 - 1)
    assert out.tolist() == [[[[4.0]]]]
    y = F.conv2d(minigrad.ones(1, 1, 3, 3), minigrad.ones(1, 1, 2, 2), stride=2**63 - 1)
    assert y.tolist() == [[[[4.0]]]]


def test_pooling_takes_no_longer_than_its_window_allows():
    t = time.perf_counter()
    F.max_pool2d(minigrad.ones(1, 1, 1, 1), kernel_size=2**20, padding=2**19)
    assert time.perf_counter() - t < 5.0


# ----------------------------------------------------------------------------- empty batches


def _f64(*shape):
    return minigrad.randn(*shape, dtype=minigrad.float64).requires_grad_()


EMPTY_BATCH = {
    "conv2d": (lambda L, x, w: L.nn.functional.conv2d(x, w), [(0, 2, 5, 5), (3, 2, 3, 3)]),
    "conv1d": (lambda L, x, w: L.nn.functional.conv1d(x, w), [(0, 2, 5), (3, 2, 3)]),
    "max_pool2d": (lambda L, x: L.nn.functional.max_pool2d(x, 2), [(0, 2, 4, 4)]),
    "avg_pool2d": (lambda L, x: L.nn.functional.avg_pool2d(x, 2), [(0, 2, 4, 4)]),
    "adaptive_avg_pool2d": (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, (2, 3)), [(0, 2, 4, 4)]),
    "MaxPool2d": (lambda L, x: L.nn.MaxPool2d(2)(x), [(0, 2, 4, 4)]),
    "cross_entropy_mean": (
        lambda L, x: L.nn.functional.cross_entropy(x, L.zeros(0, dtype=L.int64)),
        [(0, 4)],
    ),
    "cross_entropy_sum": (
        lambda L, x: L.nn.functional.cross_entropy(x, L.zeros(0, dtype=L.int64), reduction="sum"),
        [(0, 4)],
    ),
    "cross_entropy_spatial": (
        lambda L, x: L.nn.functional.cross_entropy(x, L.zeros(0, 3, dtype=L.int64)),
        [(0, 4, 3)],
    ),
}


@pytest.mark.parametrize("name", sorted(EMPTY_BATCH))
def test_empty_batch_forward_and_backward(name):
    fn, shapes = EMPTY_BATCH[name]
    xs = [_f64(*s) for s in shapes]
    y = fn(minigrad, *xs)
    y.sum().backward()
    assert all(tuple(x.grad.shape) == tuple(x.shape) for x in xs)
    torch = pytest.importorskip("torch")
    txs = [torch.tensor(x.detach().numpy(), requires_grad=True) for x in xs]
    ty = fn(torch, *txs)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), equal_nan=True)


@pytest.mark.parametrize("shape", [(1, 0, 4, 4), (1, 1, 0, 4), (0, 4, 4)])
def test_pooling_refuses_empty_dims_but_the_batch(shape):
    with pytest.raises(RuntimeError, match="optional 0 dim batch size"):
        F.max_pool2d(minigrad.ones(*shape), 2)


# ----------------------------------------------------------------------------- numpy scalars

TENSOR_DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]
SCALARS = {
    "np.float64": np.float64(2.5),
    "np.float32": np.float32(2.5),
    "np.float16": np.float16(2.5),
    "np.longdouble": np.longdouble(2.5),
    "np.int64": np.int64(3),
    "np.int8": np.int8(3),
    "np.uint64": np.uint64(3),
    "np.bool_": np.bool_(True),
    "int_200": 200,
    "int_-1": -1,
    "float": 2.5,
    "bool": True,
}
SCALAR_OPS = {
    "add": lambda x, s: x + s,
    "radd": lambda x, s: s + x,
    "sub": lambda x, s: x - s,
    "rsub": lambda x, s: s - x,
    "mul": lambda x, s: x * s,
    "div": lambda x, s: x / s,
    "rdiv": lambda x, s: s / x,
    "lt": lambda x, s: x < s,
    "eq": lambda x, s: x == s,
    "pow": lambda x, s: x**s,
}


def _scalar_outcome(L, dtype, s, op):
    vals = [True, False, True] if dtype == "bool" else [1, 2, 0]
    x = L.tensor(vals, dtype=getattr(L, dtype))
    try:
        r = SCALAR_OPS[op](x, s)
    except (RuntimeError, TypeError) as e:
        return type(e).__name__, None
    return str(r.dtype).split(".")[-1], np.asarray(r.tolist(), dtype=float)


@pytest.mark.parametrize("op", sorted(SCALAR_OPS))
@pytest.mark.parametrize("scalar", sorted(SCALARS))
@pytest.mark.parametrize("dtype", TENSOR_DTYPES)
def test_tensor_with_a_number_has_pytorchs_dtype_and_values(dtype, scalar, op):
    torch = pytest.importorskip("torch")
    s = SCALARS[scalar]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own numpy-scalar path may warn
        theirs = _scalar_outcome(torch, dtype, s, op)
    ours = _scalar_outcome(minigrad, dtype, s, op)
    assert ours[0] == theirs[0]
    if theirs[1] is not None:
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-3, equal_nan=True)


def test_numpy_float64_scalar_keeps_a_float32_tensor_float32():
    assert (minigrad.ones(3) * np.float64(2)).dtype == minigrad.float32


def test_int8_tensor_times_200_wraps():
    assert (minigrad.tensor([1, 2], dtype=minigrad.int8) * 200).tolist() == [-56, -112]


def test_longdouble_scalar_is_a_float_not_float128_memory():
    out = (minigrad.ones(3) * np.longdouble(2)).exp()
    np.testing.assert_allclose(out.numpy(), np.full(3, np.exp(2.0), np.float32), rtol=1e-6)


NO_NAME = {
    "mul_complex_scalar": lambda: minigrad.ones(3) * np.complex128(2 + 1j),
    "add_complex_array": lambda: minigrad.ones(3) + np.ones(3, np.complex128),
    "eq_complex_scalar": lambda: minigrad.ones(3) == np.complex64(1),
    "full_complex": lambda: minigrad.full((2,), np.complex128(1j)),
    "fill_complex": lambda: minigrad.ones(2).fill_(np.complex128(1j)),
    "setitem_complex": lambda: minigrad.ones(2).__setitem__(0, np.complex128(1j)),
    "setitem_python_complex": lambda: minigrad.ones(2).__setitem__(0, 1j),
    "clamp_complex": lambda: minigrad.ones(2).clamp(max=np.complex128(1j)),
    "tensor_longdouble_scalar": lambda: minigrad.tensor(np.longdouble(2)),
    "tensor_longdouble_array": lambda: minigrad.tensor(np.ones(2, np.longdouble)),
    "from_numpy_uint64": lambda: minigrad.from_numpy(np.ones(2, np.uint64)),
    "from_numpy_complex": lambda: minigrad.from_numpy(np.ones(2, np.complex64)),
    "from_dlpack_complex": lambda: minigrad.from_dlpack(np.ones(2, np.complex64)),
    "mul_str_scalar": lambda: minigrad.ones(2) * np.str_("a"),
    "mul_datetime_scalar": lambda: minigrad.ones(2) * np.datetime64(1, "s"),
}


@pytest.mark.parametrize("name", sorted(NO_NAME))
def test_dtypes_minigrad_cannot_name_raise_type_error_naming_them(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: a refusal, not a dropped imaginary part
        with pytest.raises(TypeError, match=r"minigrad has no|no complex"):
            NO_NAME[name]()


@pytest.mark.parametrize(
    "s, dtype", [(np.float64(2), "float64"), (np.int32(2), "int32"), (np.float16(2), "float16")]
)
def test_tensor_of_a_numpy_scalar_keeps_its_dtype(s, dtype):
    assert minigrad.tensor(s).dtype == getattr(minigrad, dtype)


# ----------------------------------------------------------------------------- NaN, inf, constants
nan, inf = float("nan"), float("inf")

SPECIAL = {
    "std_constant_slice": (lambda L, x: x[:, :2].std(1), [[[1.0, 1.0, 3.0], [2.0, 5.0, 3.0]]]),
    "std_all_constant": (lambda L, x: x.std(), [[1.0, 1.0]]),
    "max_nan": (lambda L, x: x.max(), [[1.0, nan, 3.0]]),
    "max_two_nans": (lambda L, x: x.max(), [[nan, 1.0, nan]]),
    "min_nan": (lambda L, x: x.min(), [[1.0, nan, 3.0]]),
    "max_dim_nan": (lambda L, x: x.max(0).values, [[1.0, nan, 3.0]]),
    "amax_nan": (lambda L, x: x.amax(), [[1.0, nan, 3.0]]),
    "amax_ties": (lambda L, x: x.amax(), [[3.0, 1.0, 3.0]]),
    "norm_inf_nan": (lambda L, x: x.norm(p=inf), [[1.0, nan, -3.0]]),
    "norm_inf": (lambda L, x: x.norm(p=inf), [[1.0, 2.0, -3.0]]),
    "relu_nan": (lambda L, x: L.relu(x), [[nan, 1.0, -1.0, 0.0]]),
    "maximum_nan": (lambda L, a, b: L.maximum(a, b), [[nan, 1.0, 2.0], [0.0, nan, 2.0]]),
    "minimum_nan": (lambda L, a, b: L.minimum(a, b), [[nan, 1.0, 2.0], [0.0, nan, 2.0]]),
    "smooth_l1_inf": (
        lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b, reduction="none"),
        [[inf, -inf, 1.0], [0.0, 0.0, inf]],
    ),
    "smooth_l1_inf_mean": (
        lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b),
        [[inf, -inf, 1.0], [0.0, 0.0, 0.0]],
    ),
    "huber_inf": (
        lambda L, a, b: L.nn.functional.huber_loss(a, b, reduction="none"),
        [[inf, -inf, 1.0], [0.0, 0.0, inf]],
    ),
    "adaptive_avg_pool2d_nan": (
        lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, 2),
        [[[[[nan, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]]]],
    ),
    "adaptive_avg_pool2d_5to3_nan": (
        lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, 3),
        [np.where(np.arange(25).reshape(1, 1, 5, 5) == 12, nan, 1.0).tolist()],
    ),
    # what tools/sweep_special.py found over the op table, and neighbours
    "prod_inf": (lambda L, x: x.prod(), [[2.0, inf, 3.0]]),
    "prod_nan": (lambda L, x: x.prod(), [[2.0, nan, 3.0]]),
    "prod_dim_inf": (lambda L, x: x.prod(1), [[[inf, 2.0], [1.0, -inf]]]),
    "prod_zero_and_inf": (lambda L, x: x.prod(), [[0.0, inf, 2.0]]),
    "prod_dim_zero_and_nan": (lambda L, x: x.prod(0), [[[0.0, 2.0], [nan, 3.0]]]),
    "prod_two_zeros": (lambda L, x: x.prod(), [[0.0, 0.0, inf]]),
    "var_empty_correction_0": (lambda L, x: x[:0].var(0, correction=0, keepdim=True), [[[1.0, 2.0]]]),
    "std_empty": (lambda L, x: x[:0].std(0), [[[1.0, 2.0]]]),
    # numpy's pairwise mean of these 12 equal values is 1 ulp off them: PyTorch's std is 0
    "std_constant_mean_rounds": (lambda L, x: x.std(), [[0.6935681260955415] * 12]),
    "std_dim_constant_mean_rounds": (lambda L, x: x.reshape(2, 12).std(1), [[0.6935681260955415] * 24]),
    "floor_inf": (lambda L, x: x.floor() * x, [[inf, -inf, nan, 1.5]]),
    "round_trunc_ceil_inf": (lambda L, x: (x.round() + x.trunc() + x.ceil()) * x, [[inf, -inf, 2.5]]),
    "sgn_sign_inf": (lambda L, x: (L.sgn(x) + L.sign(x)) * x, [[inf, -inf, nan, -2.0]]),
    "pow_half_neg_inf": (lambda L, x: x**0.5, [[-inf, inf, 4.0, -1.0, 0.0]]),
    "pow_minus_half_neg_inf": (lambda L, x: x**-0.5, [[-inf, inf, 4.0, 0.0]]),
    "pow_1_5_neg_inf": (lambda L, x: x**1.5, [[-inf, inf, 4.0]]),
    "remainder_inf": (lambda L, a, b: a % b, [[inf, -inf, -1.0, 1.0, 5.0], [2.0, 2.0, inf, inf, -inf]]),
    "median_nan": (lambda L, x: x.median(), [[1.0, nan, 3.0, nan]]),
    "median_ties": (lambda L, x: x.median(), [[2.0, 1.0, 2.0, 3.0, 2.0]]),
    "median_empty": (lambda L, x: x[:0].median(), [[1.0]]),
    "median_dim_nan": (lambda L, x: x.median(1).values, [[[1.0, nan, 3.0, nan], [1.0, 2.0, 3.0, 4.0]]]),
    "quantile_nan": (lambda L, x: x.quantile(0.3), [[1.0, nan, 3.0, 2.0]]),
    "quantile_dim_nan": (lambda L, x: L.quantile(x, 0.8, dim=1), [[[1.0, nan, 3.0], [1.0, 2.0, 3.0]]]),
    "quantile_neg_inf": (lambda L, x: x.quantile(0.25), [[-inf, 1.0, 2.0, 3.0]]),
    "quantile_lower_neg_inf": (lambda L, x: x.quantile(0.0, interpolation="lower"), [[-inf, 1.0, 2.0]]),
    "nanquantile_all_nan": (lambda L, x: L.nanquantile(x, 0.5, dim=1), [[[nan, nan], [1.0, nan]]]),
    "lerp_inf": (lambda L, a, b, w: a.lerp(b, w), [[1.0, 1.0, 1.0], [inf, inf, 2.0], [0.7, 0.2, 1.0]]),
    "lerp_scalar_weight_inf": (lambda L, a, b: a.lerp(b, 0.75), [[1.0, 2.0], [inf, 3.0]]),
    "logit_inf": (lambda L, x: L.logit(x), [[inf, -inf, 2.0, 0.25]]),
    "logaddexp_inf": (lambda L, a, b: L.logaddexp(a, b), [[inf, 1.0, inf, -inf], [0.0, inf, inf, 2.0]]),
    "logaddexp2_inf": (lambda L, a, b: L.logaddexp2(a, b), [[inf, 1.0, -inf], [0.0, inf, 2.0]]),
    "fmin_nan": (lambda L, a, b: L.fmin(a, b), [[nan, 1.0, nan, 2.0, 1.0], [1.0, nan, nan, 2.0, 3.0]]),
    "fmax_nan": (lambda L, a, b: L.fmax(a, b), [[nan, 1.0, nan, 2.0, 1.0], [1.0, nan, nan, 2.0, 3.0]]),
    "einsum_empty_broadcast": (
        lambda L, a, b: L.einsum("...ij,...jk->...ik", a.reshape(0, 1, 2, 3), b.reshape(0, 3, 2)),
        [[], []],
    ),
    "split_empty": (lambda L, x: x.reshape(0, 3).split(2)[0] * 2, [[]]),
    "chunk_empty": (lambda L, x: x.reshape(0, 3).chunk(2)[1] * 2, [[]]),
    "vector_norm_inf_nan": (lambda L, x: L.linalg.vector_norm(x, inf, dim=0), [[[nan, 1.0], [2.0, -3.0]]]),
    "vector_norm_neg_inf_nan": (
        lambda L, x: L.linalg.vector_norm(x, -inf, dim=0),
        [[[nan, 1.0], [2.0, -3.0]]],
    ),
    "matrix_norm_1_empty": (lambda L, x: L.linalg.matrix_norm(x.reshape(0, 4), 1), [[]]),
    "matrix_norm_nuc_empty": (lambda L, x: L.linalg.matrix_norm(x.reshape(0, 4), "nuc"), [[]]),
    "solve_nan": (lambda L, a, b: L.linalg.solve(a, b), [[[1.0, 2.0], [nan, 1.0]], [1.0, 2.0]]),
    "qr_rank_deficient": (lambda L, x: L.linalg.qr(x).Q * L.linalg.qr(x).R.sum(), [[[1.0] * 3] * 4]),
    "qr_empty": (lambda L, x: L.linalg.qr(x.reshape(0, 3)).R * 2, [[]]),
    # scatter_reduce amax/amin at a NaN: the NaN result equals no element, so PyTorch's
    # mask * (g / 0) gives NaN to self's element there and to every src element scattered there
    "scatter_reduce_amax_nan_self": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 1, 1]), s, "amax"),
        [[1.0, nan, 3.0, 4.0], [5.0, 0.5, 2.0]],
    ),
    "scatter_reduce_amin_nan_src": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 1, 1, 3]), s, "amin"),
        [[1.0, 2.0, 3.0, 4.0], [5.0, nan, 0.5, 4.0]],
    ),
    "scatter_reduce_amax_nan_src_noself": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 1, 1, 3]), s, "amax", include_self=False),
        [[1.0, 2.0, 3.0, 4.0], [5.0, nan, 0.5, 4.0]],
    ),
    "scatter_reduce_amax_nan_unwritten_self": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0]), s, "amax", include_self=False),
        [[1.0, nan, 3.0], [5.0, 2.0]],
    ),
    "scatter_reduce_amin_2d_nan": (
        lambda L, x, s: x.scatter_reduce(1, L.tensor([[0, 0], [1, 1]]), s, "amin"),
        [[[nan, 1.0], [2.0, 3.0]], [[0.5, 4.0], [nan, 1.0]]],
    ),
}

# the same comparison within rounding (LAPACK's order of operations differs from PyTorch's)
SPECIAL_CLOSE = {
    "matrix_norm_2_constant": (lambda L, x: L.linalg.matrix_norm(x, 2), [[[0.7] * 4] * 3]),
    "svdvals_inf_in_one_matrix": (
        lambda L, x: L.linalg.svdvals(x),
        [[[[1.0, 2.0], [3.0, 4.0]], [[inf, 0.0], [0.0, 1.0]]]],
    ),
    "inv_nan": (lambda L, x: L.linalg.inv(x), [[[[nan, 1.0], [1.0, 2.0]], [[2.0, 1.0], [1.0, 2.0]]]]),
    "std_mean_constant": (lambda L, x: sum(L.std_mean(x)), [[0.6935681260955415] * 12]),
    "det_rank_1": (lambda L, x: L.linalg.det(x), [[[1.0, 1.0, 1.0]] * 3]),
    # polygamma(n >= 1) of a negative non-integer was NaN (and so digamma's gradient there)
    "digamma_negative": (lambda L, x: L.digamma(x), [[-1.5, -2.3, -0.7, -10.25, 0.3]]),
    "polygamma_2_negative": (lambda L, x: L.polygamma(2, x), [[-1.5, -2.3, -0.7, -10.25, 0.3]]),
    "polygamma_poles": (lambda L, x: L.polygamma(2, x) * 2, [[0.0, -2.0]]),
}


def _value_and_grads(L, fn, values):
    xs = [L.tensor(v, dtype=L.float64, requires_grad=True) for v in values]
    y = fn(L, *xs)
    y.sum().backward()
    return np.asarray(y.detach().tolist()), [np.asarray(x.grad.tolist()) for x in xs]


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_values_match_pytorch_element_by_element(name):
    torch = pytest.importorskip("torch")
    fn, values = SPECIAL[name]
    y, grads = _value_and_grads(minigrad, fn, values)
    with warnings.catch_warnings():  # PyTorch warns of the empty var/std's degrees of freedom
        warnings.simplefilter("ignore", UserWarning)
        ty, tgrads = _value_and_grads(torch, fn, values)
    np.testing.assert_array_equal(y, ty)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_array_equal(g, tg)


@pytest.mark.parametrize("name", sorted(SPECIAL_CLOSE))
def test_special_values_match_pytorch_within_rounding(name):
    torch = pytest.importorskip("torch")
    fn, values = SPECIAL_CLOSE[name]
    y, grads = _value_and_grads(minigrad, fn, values)
    ty, tgrads = _value_and_grads(torch, fn, values)
    if name == "svdvals_inf_in_one_matrix":  # PyTorch's S is NaN there, its gradient LAPACK's (kept)
        y, ty, grads, tgrads = y[:1], ty[:1], [g[:1] for g in grads], [g[:1] for g in tgrads]
    np.testing.assert_allclose(y, ty, rtol=1e-7, atol=1e-12)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("n, r", [(0, 2), (1, 2), (2, 3), (3, 0), (0, 0), (2, 1)])
def test_combinations_with_none_have_pytorchs_shape(n, r):
    torch = pytest.importorskip("torch")
    for replace in (False, True):
        got = minigrad.combinations(minigrad.zeros(n), r, with_replacement=replace).shape
        assert tuple(got) == tuple(torch.combinations(torch.zeros(n), r, with_replacement=replace).shape)


def test_det_gradient_at_a_singular_matrix_is_its_cofactor_matrix():
    # rank 2 of 3: the cofactors are not 0 (finite differences agree); det's inverse does not exist
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    x = minigrad.tensor(a, dtype=minigrad.float64, requires_grad=True)
    minigrad.linalg.det(x).backward()
    e, fd = 1e-6, np.zeros((3, 3))
    for i, j in np.ndindex(3, 3):
        d = np.zeros((3, 3))
        d[i, j] = e
        fd[i, j] = (np.linalg.det(a + d) - np.linalg.det(a - d)) / (2 * e)
    np.testing.assert_allclose(x.grad.numpy(), fd, atol=1e-8)


def test_slogdet_of_a_singular_matrix_backpropagates_without_raising():
    x = minigrad.ones(3, 3, dtype=minigrad.float64, requires_grad=True)
    out = minigrad.linalg.slogdet(x).logabsdet
    out.backward()
    assert out.item() == -inf and not np.isfinite(x.grad.numpy()).any()


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_of_a_nan_pivot_raises_pytorchs_error(upper):
    a = minigrad.tensor([[[1.0, 0, 0], [0, 1, 0], [0, 0, 1]], [[1.0, 0, 0], [0, nan, 0], [0, 0, 1]]])
    with pytest.raises(RuntimeError, match=r"Batch element 1\): .*not positive-definite .*order 2"):
        minigrad.linalg.cholesky(a, upper=upper)


def test_sweep_special_lists_no_unexplained_difference_on_the_fixed_rows():
    torch = pytest.importorskip("torch")  # noqa: F841  (the sweep's oracle)
    sweep = os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "sweep_special.py"
    )
    rows = "prod,std,var,floor,remainder,pow_scalar,median,quantile,scatter_reduce,mode,det"
    out = run_python([sweep, "--only", rows], timeout=300).stdout
    assert "unexplained differences: none" in out.splitlines()[-1], out[-3000:]


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("create_graph", [False, True])
def test_scatter_reduce_extreme_gradient_is_pytorchs_product_with_the_masks(
    reduce, include_self, create_graph
):
    # an incoming gradient with inf and NaN, a NaN in self and in src: PyTorch multiplies
    # g / (number of ties) by each element's 0/1 mask, so 0 * inf is NaN too, silently
    torch = pytest.importorskip("torch")
    got = []
    for L in (minigrad, torch):
        x = L.tensor([1.0, nan, 3.0, 4.0, 2.0], dtype=L.float64, requires_grad=True)
        s = L.tensor([5.0, 0.5, 2.0, nan, 2.0], dtype=L.float64, requires_grad=True)
        out = x.scatter_reduce(0, L.tensor([0, 1, 1, 2, 4]), s, reduce, include_self=include_self)
        g = L.tensor([inf, 2.0, 0.0, nan, 1.0], dtype=L.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no numpy RuntimeWarning on the way
            grads = L.autograd.grad(out, (x, s), g, create_graph=create_graph)
        got.append([np.asarray(t.tolist()) for t in grads])
    for ours, theirs in zip(*got):
        np.testing.assert_array_equal(ours, theirs)


def test_mode_counts_the_nans_of_a_row_as_one_largest_value():
    # PyTorch's CPU mode std::sorts with `<`, undefined at NaN (tools/sweep_special.py's KNOWN):
    # minigrad's rule is np.unique's, NaNs counted together and larger than every number
    rows = minigrad.tensor(
        [[nan, 1.0, 2.0, 3.0], [nan, nan, 1.0, 1.0], [nan, nan, nan, 1.0], [2.0, nan, 2.0, 1.0]]
    )
    values, indices = rows.mode(1)
    np.testing.assert_array_equal(values.numpy(), [1.0, 1.0, nan, 2.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 3, 2, 2])


# prod's second derivative at zeros: its create_graph gradient was g * out / x, 0 / 0 = NaN
PROD_ZEROS = {
    "one_zero": (lambda x: x.prod(), [2.0, 0.0, 3.0, 0.5]),
    "two_zeros": (lambda x: x.prod(), [2.0, 0.0, 3.0, 0.0]),
    "three_zeros": (lambda x: x.prod(), [0.0, 0.0, 3.0, 0.0]),
    "no_zero": (lambda x: x.prod(), [2.0, -1.5, 3.0, 0.5]),
    "dim_one_and_two_zeros": (lambda x: x.prod(1), [[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]]),
    "dim0_keepdim": (lambda x: x.prod(0, keepdim=True), [[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]]),
    "all_dims_two_zeros": (lambda x: x.prod(), [[2.0, 0.0, 3.0], [0.0, 5.0, 4.0]]),
    "long_lane": (lambda x: x.prod(), [1.1, -0.9, 0.0, 1.2, 0.8, 1.3, -1.05, 0.95, 1.0, 0.0, 0.7]),
    "zero_d": (lambda x: x.prod(), 0.0),
}


def _prod_hessian_vector(L, fn, values, v, w):
    x = L.tensor(values, dtype=L.float64, requires_grad=True)
    out = fn(x)
    (g,) = L.autograd.grad(out, x, L.tensor(w, dtype=L.float64), create_graph=True)
    (h,) = L.autograd.grad(g, x, L.tensor(v, dtype=L.float64))
    return np.asarray(g.tolist()), np.asarray(h.tolist())


@pytest.mark.parametrize("name", sorted(PROD_ZEROS))
def test_prod_second_derivative_at_zeros_matches_finite_differences(name):
    fn, values = PROD_ZEROS[name]
    a = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(0)
    v = rng.standard_normal(a.shape)
    w = rng.standard_normal(np.shape(fn(minigrad.tensor(a)).numpy()))
    g, h = _prod_hessian_vector(minigrad, fn, values, v, w)

    def first(arr):  # the first-order gradient on arrays (exact with zeros), at arr
        x = minigrad.tensor(arr, dtype=minigrad.float64, requires_grad=True)
        fn(x).backward(minigrad.tensor(w, dtype=minigrad.float64))
        return x.grad.numpy()

    eps = 1e-6
    fd = (first(a + eps * v) - first(a - eps * v)) / (2 * eps)
    assert np.isfinite(h).all()
    np.testing.assert_allclose(g, first(a), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-8)
    x = minigrad.tensor(a, dtype=minigrad.float64, requires_grad=True)
    assert minigrad.autograd.gradgradcheck(fn, (x,))


# a 0-d prod's gradient is g itself: PyTorch's has no grad_fn to differentiate again
@pytest.mark.parametrize("name", sorted(set(PROD_ZEROS) - {"zero_d"}))
def test_prod_second_derivative_at_zeros_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    fn, values = PROD_ZEROS[name]
    rng = np.random.default_rng(1)
    v = rng.standard_normal(np.shape(values))
    w = rng.standard_normal(np.shape(fn(minigrad.tensor(values)).numpy()))
    for ours, theirs in zip(
        _prod_hessian_vector(minigrad, fn, values, v, w), _prod_hessian_vector(torch, fn, values, v, w)
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_prod_third_derivative_with_two_zeros_matches_pytorch():
    torch = pytest.importorskip("torch")
    got = []
    for L in (minigrad, torch):
        x = L.tensor([2.0, 0.0, 3.0, 0.0, 1.5], dtype=L.float64, requires_grad=True)
        (g,) = L.autograd.grad(x.prod(), x, create_graph=True)
        (h,) = L.autograd.grad(g[1], x, create_graph=True)
        (t,) = L.autograd.grad(h[3], x)
        got.append([np.asarray(a.tolist()) for a in (g, h, t)])
    for ours, theirs in zip(*got):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


# gradient contributions of inf and -inf meeting in the engine: NaN, silently (PyTorch's), at a
# leaf, at a node, across two backward calls into .grad, off the kernel's fast path (float16,
# a broadcast row), and recorded (create_graph)
ACCUMULATIONS = {
    "leaf": lambda L, x: [(x * inf + x * -inf).sum()],
    "node": lambda L, x: [((x * 2) * inf + (x * 2) * -inf).sum()],
    "two_backwards": lambda L, x: [(x * inf).sum(), (x * -inf).sum()],
    "float16": lambda L, x: [(x.half() * inf + x.half() * -inf).sum()],
    "broadcast_row": lambda L, x: [(x * inf + (x * -inf).expand(2, 2)[0]).sum()],
    "overflow": lambda L, x: [(x * 3e38 + x * 3e38).sum()],
}


def _accumulated(L, name, create_graph):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    for out in ACCUMULATIONS[name](L, x):
        out.backward(create_graph=create_graph)
    return np.asarray(x.grad.tolist())


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", sorted(ACCUMULATIONS))
def test_accumulating_inf_and_minus_inf_is_nan_without_a_warning(name, create_graph):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in add" fails
        got = _accumulated(minigrad, name, create_graph)
    assert np.isnan(got).all() if name != "overflow" else np.isposinf(got).all()
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():  # PyTorch's note on backward(create_graph=True)'s cycle
        warnings.simplefilter("ignore", UserWarning)
        theirs = _accumulated(torch, name, create_graph)
    np.testing.assert_array_equal(got, theirs)


def test_adaptive_avg_pool2d_nan_stays_in_its_window():
    x = minigrad.ones(1, 1, 4, 4)
    x[0, 0, 0, 0] = nan
    out = F.adaptive_avg_pool2d(x, 2).numpy()
    assert np.isnan(out[0, 0, 0, 0]) and np.isfinite(out).sum() == 3


def test_std_of_a_constant_slice_has_zero_gradient():
    x = minigrad.tensor([[1.0, 1.0, 3.0]], requires_grad=True)
    x[:, :2].std(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0]]


_SVD_INF = """
import minigrad
a = minigrad.eye(3, dtype=minigrad.float64); a[0, 0] = float("inf")
for out in (minigrad.linalg.svd(a), minigrad.linalg.svd(a[:2], full_matrices=True)):
    assert all(t.isnan().all().item() for t in out), out
assert minigrad.linalg.svdvals(a).isnan().all().item()
assert minigrad.linalg.pinv(a).isnan().all().item()
try:
    minigrad.linalg.svd(minigrad.full((2, 2), float("nan")))
except RuntimeError as e:
    assert "non-finite" in str(e), e
else:
    raise AssertionError("svd of NaN did not raise")
print("ok")
"""


def test_svd_of_an_infinite_entry_returns_instead_of_looping():
    # LAPACK's gesdd (numpy's svd) never returns on diag(inf, 1, 1): a child process with a
    # timeout, so a regression fails here instead of stalling the suite.
    r = run_python(_SVD_INF, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


# ----------------------------------------------------------------------------- files


def _crafted(array, root):
    import io
    import json

    buf = io.BytesIO()
    spec = json.dumps({"format": "minigrad.save", "version": 1, "root": root})
    np.savez(buf, **({} if array is None else {"a0": array}), __minigrad__=np.array(spec))
    buf.seek(0)
    return buf


@pytest.mark.parametrize("dtype", ["V8", "U3", "c8", "f16", "M8[s]", "u8", "u4", "f4,i4"])
def test_load_refuses_tensor_dtypes_minigrad_cannot_name(dtype):
    buf = _crafted(np.zeros(2, dtype=dtype), {"tensor": "a0", "requires_grad": False, "parameter": False})
    with pytest.raises(RuntimeError, match="no dtype for"):
        minigrad.load(buf)


def test_load_converts_a_big_endian_tensor_to_native_order():
    buf = _crafted(np.arange(3, dtype=">f4"), {"tensor": "a0", "requires_grad": False, "parameter": False})
    t = minigrad.load(buf)
    assert t.dtype == minigrad.float32 and t.tolist() == [0.0, 1.0, 2.0]


def test_load_of_deeply_nested_json_is_a_clear_error():
    s = '{"value": 1}'
    for _ in range(5000):
        s = '{"list": [' + s + "]}"
    import io

    buf = io.BytesIO()
    np.savez(buf, __minigrad__=np.array('{"format": "minigrad.save", "version": 1, "root": ' + s + "}"))
    buf.seek(0)
    with pytest.raises(RuntimeError, match="nested too deeply"):
        minigrad.load(buf)


def test_save_refuses_a_list_that_contains_itself(tmp_path):
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        minigrad.save(loop, tmp_path / "a.npz")


def test_save_refuses_nesting_deeper_than_it_can_load(tmp_path):
    deep = []
    for _ in range(1000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than"):
        minigrad.save(deep, tmp_path / "a.npz")


def test_an_expanded_view_is_saved_as_its_storage(tmp_path):
    path = tmp_path / "a.npz"
    minigrad.save(
        {"e": minigrad.ones(1).expand(2**26), "f": minigrad.arange(3.0).reshape(3, 1).expand(3, 4)}, path
    )
    assert os.path.getsize(path) < 4096
    loaded = minigrad.load(path)
    assert tuple(loaded["e"].shape) == (2**26,) and loaded["e"][-1].item() == 1.0
    assert loaded["f"].tolist() == [[0.0] * 4, [1.0] * 4, [2.0] * 4]
    loaded["f"][0, 0] = 5.0  # a loaded tensor owns its memory
    assert loaded["f"][0, 1].item() == 0.0


def test_saving_onto_a_symlink_writes_its_target(tmp_path):
    target, link = tmp_path / "target.npz", tmp_path / "link.npz"
    minigrad.save(minigrad.ones(2), target)
    os.symlink(target, link)
    minigrad.save(minigrad.zeros(3), link)
    assert os.path.islink(link) and tuple(minigrad.load(target).shape) == (3,)


CUMPROD_ZEROS = [[2.0, 0.0, 3.0, 0.5], [0.0, 2.0, 3.0], [2.0, 3.0, 0.0], [0.0, 0.0, 1.0],
                 [[1.0, 0.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0], [0.0, 1.0, 0.0, 2.0]]]  # fmt: skip


@pytest.mark.parametrize("values", CUMPROD_ZEROS)
def test_cumprod_gradient_with_zeros_is_finite_and_exact(values):
    """cumprod's gradient where the input has zeros: PyTorch's values, not 0/0 = NaN (the
    division formula is exact only without zeros); checked against finite differences."""
    x = np.array(values, dtype=np.float64)
    for dim in range(x.ndim):
        t = minigrad.tensor(x, requires_grad=True)
        assert minigrad.autograd.gradcheck(lambda a: minigrad.cumprod(a, dim), (t,))
        minigrad.cumprod(t, dim).sum().backward()
        assert np.isfinite(t.grad.numpy()).all()
    t = minigrad.tensor([2.0, 0.0, 3.0, 0.5], requires_grad=True)
    minigrad.cumprod(t, 0).sum().backward()
    assert t.grad.tolist() == [1.0, 11.0, 0.0, 0.0]  # PyTorch 2.13's values


@pytest.mark.parametrize("values", CUMPROD_ZEROS)
def test_cumprod_gradient_with_zeros_matches_torch(values):
    torch = pytest.importorskip("torch")
    x = np.array(values, dtype=np.float32)
    rng = np.random.default_rng(0)
    for dim in range(x.ndim):
        g = rng.standard_normal(x.shape).astype(np.float32)
        grads = []
        for M in (minigrad, torch):
            t = M.tensor(x, requires_grad=True)
            M.cumprod(t, dim).backward(M.tensor(g))
            grads.append(t.grad.numpy())
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, atol=1e-6)
