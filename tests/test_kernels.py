"""Tests of the Cython elementwise kernels (minigrad/_kernels.pyx), called directly.

``K.unary(K.UNARY[name], x)`` must equal numpy's function of ``x`` and
``K.unary_backward(K.UNARY_BACKWARD[name], g, y)`` the fused gradient from the forward
result ``y``: g*(1-y*y) for tanh, g*y*(1-y) for sigmoid, g*(y>0) for relu. Both must hold
for every shape (empty, size 1, 0-d), both float dtypes, any memory layout and the special
values inf/nan/-0.0, without floating-point warnings, and must reject bad input with a
Python exception rather than crash.
"""

import warnings

import numpy as np
import pytest

from minigrad import _kernels as K

DTYPES = [np.float32, np.float64]
TOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-13}


# ----------------------------------------------------------------------------- references


def _stable_sigmoid(x):
    # exp of a non-positive number never overflows
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


REFERENCE = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": _stable_sigmoid,
    "relu": lambda x: np.maximum(x, 0),  # propagates NaN
    "abs": np.abs,
    "neg": np.negative,
}
POSITIVE_ONLY = {"log", "sqrt"}

BACKWARD_REFERENCE = {
    "tanh": lambda g, y: g * (1 - y * y),
    "sigmoid": lambda g, y: g * y * (1 - y),
    "relu": lambda g, y: np.where(y <= 0, 0, g),  # NaN passes g through (issue 16, PyTorch)
}
# the range of the forward result each backward is fed
Y_RANGE = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (-2.0, 2.0)}

SPECIAL = [
    0.0,
    -0.0,
    np.inf,
    -np.inf,
    np.nan,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1000.0,
    -1000.0,
    88.0,
    -88.0,
    710.0,
    -745.0,
    1e-30,
    -1e-30,
    1e30,
    -1e30,
    3.0,
    -3.0,
]


def test_unary_table_lists_every_kernel():
    assert set(K.UNARY) == set(REFERENCE)
    assert set(K.UNARY_BACKWARD) == set(BACKWARD_REFERENCE)
    assert len(set(K.UNARY.values())) == len(K.UNARY)
    assert len(set(K.UNARY_BACKWARD.values())) == len(K.UNARY_BACKWARD)


def reference(name, x):
    with np.errstate(all="ignore"):
        return np.asarray(REFERENCE[name](x)).astype(x.dtype)


def backward_reference(name, g, y):
    with np.errstate(all="ignore"):
        return np.asarray(BACKWARD_REFERENCE[name](g, y)).astype(y.dtype)


def assert_matches(out, expected, check_zero_sign=True):
    """Equal up to rounding, with NaN where expected has NaN, the same infinities and,
    where the expected value is zero, the same sign of zero."""
    assert isinstance(out, np.ndarray)
    assert out.dtype == expected.dtype
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=TOL[expected.dtype], atol=0, equal_nan=True)
    if check_zero_sign:
        zero = expected == 0
        np.testing.assert_array_equal(np.signbit(out[zero]), np.signbit(expected[zero]))


def random_input(name, shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    lo = 1e-3 if name in POSITIVE_ONLY else -10.0
    return rng.uniform(lo, 10.0, shape).astype(dtype)


def unary(name, x):
    return K.unary(K.UNARY[name], x)


def unary_backward(name, g, y):
    return K.unary_backward(K.UNARY_BACKWARD[name], g, y)


NAMES = sorted(K.UNARY)
BACKWARD_NAMES = sorted(K.UNARY_BACKWARD)


# ----------------------------------------------------------------------------- unary forward


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(1000,), (7, 9), (2, 3, 4)], ids=str)
def test_unary_random_matches_numpy(name, dtype, shape):
    x = random_input(name, shape, dtype)
    assert_matches(unary(name, x), reference(name, x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 3)], ids=str)
def test_unary_empty_keeps_shape_and_dtype(name, dtype, shape):
    out = unary(name, np.zeros(shape, dtype))
    assert isinstance(out, np.ndarray)
    assert out.shape == shape and out.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(1,), (1, 1)], ids=str)
def test_unary_size_one_matches_numpy(name, dtype, shape):
    x = np.full(shape, 0.75, dtype)
    assert_matches(unary(name, x), reference(name, x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_unary_zero_dim_returns_zero_dim_array(name, dtype):
    x = np.array(0.75, dtype)
    out = unary(name, x)
    assert isinstance(out, np.ndarray) and out.shape == ()
    assert_matches(out, reference(name, x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("layout", ["stepped", "transposed", "negative_stride"])
def test_unary_non_contiguous_matches_numpy(name, dtype, layout):
    base = random_input(name, (6, 8), dtype)
    x = {"stepped": base[::2], "transposed": base.T, "negative_stride": base[:, ::-3]}[layout]
    assert not x.flags.c_contiguous
    out = unary(name, x)
    assert_matches(out, reference(name, x))
    assert out.flags.c_contiguous


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_unary_special_values_match_numpy(name, dtype):
    with np.errstate(all="ignore"):
        x = np.array(SPECIAL, dtype)
    # max(-0.0, 0) has no defined sign of zero (numpy's depends on the argument order)
    assert_matches(unary(name, x), reference(name, x), check_zero_sign=name != "relu")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_unary_nan_propagates(name, dtype):
    out = unary(name, np.array([np.nan, -np.nan], dtype))
    assert np.isnan(out).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_sigmoid_does_not_overflow_at_large_inputs(dtype):
    x = np.array([-1000.0, -100.0, -50.0, 50.0, 100.0, 1000.0], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            out = unary("sigmoid", x)
    assert np.isfinite(out).all()
    assert out[0] == 0.0 and out[-1] == 1.0
    assert_matches(out, reference("sigmoid", x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "name, values",
    [
        ("log", [0.0]),
        ("log", [-1.0]),
        ("log", [0.0, -1.0, -0.0, -np.inf]),
        ("sqrt", [-1.0]),
        ("exp", [1000.0]),
        ("sin", [np.inf]),
        ("cos", [-np.inf]),
    ],
    ids=lambda v: v if isinstance(v, str) else str(v),
)
def test_unary_invalid_domain_emits_no_warning(name, values, dtype):
    x = np.array(values, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            out = unary(name, x)
    assert_matches(out, reference(name, x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_log_zero_is_minus_inf_and_log_negative_is_nan(dtype):
    out = unary("log", np.array([0.0, -0.0, -1.0], dtype))
    assert out[0] == -np.inf and out[1] == -np.inf and np.isnan(out[2])


@pytest.mark.parametrize("name", NAMES)
def test_unary_does_not_modify_or_alias_input(name):
    x = random_input(name, (4, 5), np.float64)
    before = x.copy()
    out = unary(name, x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


@pytest.mark.parametrize("name", NAMES)
def test_unary_read_only_input_accepted(name):
    x = random_input(name, (5,), np.float64)
    x.flags.writeable = False
    assert_matches(unary(name, x), reference(name, x))


@pytest.mark.parametrize("name", NAMES)
def test_unary_numpy_scalar_input_gives_zero_dim(name):
    out = unary(name, np.float64(0.75))
    assert isinstance(out, np.ndarray) and out.shape == ()
    assert_matches(out, reference(name, np.array(0.75)))


def _byte_swapped(a):
    """The same values stored in the non-native byte order."""
    swapped = a.astype(a.dtype.newbyteorder(">" if a.dtype.byteorder in "=<" else "<"))
    assert np.array_equal(swapped, a) and not swapped.dtype.isnative
    return swapped


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_byte_swapped_input_is_correct_or_rejected(dtype):
    # a non-native float array must be read correctly or refused, never reinterpreted
    for name in NAMES:
        x = random_input(name, (5,), dtype)
        try:
            out = unary(name, _byte_swapped(x))
        except TypeError:
            continue
        np.testing.assert_allclose(out, reference(name, x), rtol=TOL[np.dtype(dtype)], err_msg=name)


# ----------------------------------------------------------------------------- unary: bad input


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float16, np.complex128, object])
def test_unary_non_float_array_raises_type_error(name, dtype):
    with pytest.raises(TypeError):
        unary(name, np.ones(3, dtype))


@pytest.mark.parametrize("value", [None, "abc", {"a": 1}], ids=["none", "str", "dict"])
def test_unary_non_array_raises_type_error(value):
    with pytest.raises(TypeError):
        unary("exp", value)


@pytest.mark.parametrize("value", [[0.5, 1.5], [[0.5], [1.5]], [1, 2], [], (0.25,)], ids=str)
def test_unary_list_is_handled_or_type_error(value):
    try:
        out = unary("exp", value)
    except TypeError:
        return
    expected = np.exp(np.asarray(value, dtype=np.float64))
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    assert out.shape == expected.shape


@pytest.mark.parametrize("kind", [-1, len(K.UNARY), 99, 2**31 - 1, -(2**31)])
def test_unary_unknown_kind_raises_value_error(kind):
    with pytest.raises(ValueError):
        K.unary(kind, np.ones(3))


def test_unary_out_of_int_range_kind_raises():
    with pytest.raises((ValueError, OverflowError)):
        K.unary(2**40, np.ones(3))


def test_unary_kind_of_wrong_type_raises_type_error():
    with pytest.raises(TypeError):
        K.unary("exp", np.ones(3))


# ----------------------------------------------------------------------------- unary backward


def backward_inputs(name, shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = Y_RANGE[name]
    y = rng.uniform(lo, hi, shape).astype(dtype)
    g = rng.uniform(-3.0, 3.0, shape).astype(dtype)
    return g, y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKWARD_NAMES)
@pytest.mark.parametrize("shape", [(1000,), (7, 9), (2, 3, 4), (1,), ()], ids=str)
def test_unary_backward_matches_formula(name, dtype, shape):
    g, y = backward_inputs(name, shape, dtype)
    out = unary_backward(name, g, y)
    assert_matches(out, backward_reference(name, g, y), check_zero_sign=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKWARD_NAMES)
@pytest.mark.parametrize("shape", [(0,), (3, 0)], ids=str)
def test_unary_backward_empty_keeps_shape_and_dtype(name, dtype, shape):
    out = unary_backward(name, np.zeros(shape, dtype), np.zeros(shape, dtype))
    assert isinstance(out, np.ndarray)
    assert out.shape == shape and out.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_unary_backward_relu_mask_at_zero_and_negative(name, dtype):
    y = np.array([-1.0, -0.0, 0.0, 1e-30, 2.0], dtype)
    g = np.full(5, 3.0, dtype)
    assert_matches(unary_backward(name, g, y), backward_reference(name, g, y), check_zero_sign=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_unary_backward_special_y_matches_formula(name, dtype):
    y = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0], dtype)
    g = np.linspace(0.5, 2.0, y.size).astype(dtype)
    assert_matches(unary_backward(name, g, y), backward_reference(name, g, y), check_zero_sign=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_unary_backward_special_g_propagates(name, dtype):
    g = np.array([np.nan, np.inf, -np.inf, 1.0], dtype)
    y = np.full(4, 0.5, dtype)
    assert_matches(unary_backward(name, g, y), backward_reference(name, g, y), check_zero_sign=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_backward_relu_passes_special_g_where_active(dtype):
    # where y > 0 the incoming gradient passes unchanged (NaN and inf included); where
    # y <= 0 the gradient is exactly 0 whatever g is (as PyTorch's threshold_backward)
    g = np.array([np.nan, np.inf, -np.inf, np.nan, np.inf], dtype)
    y = np.array([1.0, 1.0, 1.0, -1.0, 0.0], dtype)
    out = unary_backward("relu", g, y)
    np.testing.assert_array_equal(out, np.array([np.nan, np.inf, -np.inf, 0.0, 0.0], dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKWARD_NAMES)
@pytest.mark.parametrize("layout", ["stepped", "transposed"])
def test_unary_backward_non_contiguous_matches_formula(name, dtype, layout):
    g, y = backward_inputs(name, (6, 8), dtype)
    view = (lambda a: a[::2, ::3]) if layout == "stepped" else (lambda a: a.T)
    g, y = view(g), view(y)
    assert not g.flags.c_contiguous and not y.flags.c_contiguous
    assert_matches(unary_backward(name, g, y), backward_reference(name, g, y), check_zero_sign=False)


@pytest.mark.parametrize("name", BACKWARD_NAMES)
@pytest.mark.parametrize("g_shape", [(), (1,), (4,), (3, 1), (1, 4)], ids=str)
def test_unary_backward_broadcastable_g_allowed(name, g_shape):
    _, y = backward_inputs(name, (3, 4), np.float64)
    g = np.random.default_rng(3).uniform(-2, 2, g_shape)
    out = unary_backward(name, g, y)
    assert out.shape == y.shape
    assert_matches(out, backward_reference(name, np.broadcast_to(g, y.shape), y), check_zero_sign=False)


@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_unary_backward_python_float_g_allowed(name):
    _, y = backward_inputs(name, (3,), np.float64)
    assert_matches(
        unary_backward(name, 2.0, y), backward_reference(name, np.full(3, 2.0), y), check_zero_sign=False
    )


@pytest.mark.parametrize("g_dtype, y_dtype", [(np.float64, np.float32), (np.float32, np.float64)])
@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_unary_backward_result_has_dtype_of_y(name, g_dtype, y_dtype):
    g, y = backward_inputs(name, (5,), np.float64)
    g, y = g.astype(g_dtype), y.astype(y_dtype)
    out = unary_backward(name, g, y)
    assert out.dtype == y_dtype
    expected = backward_reference(name, g.astype(y_dtype), y)
    np.testing.assert_allclose(out, expected, rtol=TOL[np.dtype(np.float32)])


@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_unary_backward_does_not_modify_inputs(name):
    g, y = backward_inputs(name, (4, 5), np.float64)
    g0, y0 = g.copy(), y.copy()
    out = unary_backward(name, g, y)
    np.testing.assert_array_equal(g, g0)
    np.testing.assert_array_equal(y, y0)
    assert not np.shares_memory(out, g) and not np.shares_memory(out, y)


@pytest.mark.parametrize("name", BACKWARD_NAMES)
@pytest.mark.parametrize(
    "g_shape, y_shape",
    [((3,), (2,)), ((2, 3), (3, 2)), ((3, 4), (4,)), ((2,), ()), ((0,), (3,)), ((3,), (0,))],
    ids=str,
)
def test_unary_backward_non_broadcastable_g_raises_value_error(name, g_shape, y_shape):
    with pytest.raises(ValueError):
        unary_backward(name, np.ones(g_shape), np.full(y_shape, 0.5))


@pytest.mark.parametrize("name", BACKWARD_NAMES)
@pytest.mark.parametrize("which", ["g", "y"])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float16, object])
def test_unary_backward_non_float_raises_type_error(name, which, dtype):
    good, bad = np.full(3, 0.5), np.ones(3, dtype)
    g, y = (bad, good) if which == "g" else (good, bad)
    with pytest.raises(TypeError):
        unary_backward(name, g, y)


@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_unary_backward_none_raises_type_error(name):
    with pytest.raises(TypeError):
        unary_backward(name, None, np.ones(3))
    with pytest.raises(TypeError):
        unary_backward(name, np.ones(3), None)


@pytest.mark.parametrize("kind", [-1, len(K.UNARY_BACKWARD), 99, 2**31 - 1])
def test_unary_backward_unknown_kind_raises_value_error(kind):
    with pytest.raises(ValueError):
        K.unary_backward(kind, np.ones(3), np.ones(3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_backward_byte_swapped_input_is_correct_or_rejected(dtype):
    for name in BACKWARD_NAMES:
        g, y = backward_inputs(name, (5,), dtype)
        try:
            out = unary_backward(name, _byte_swapped(g), _byte_swapped(y))
        except TypeError:
            continue
        np.testing.assert_allclose(
            out, backward_reference(name, g, y), rtol=TOL[np.dtype(dtype)], err_msg=name
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_unary_backward_emits_no_warning(name, dtype):
    g = np.array([np.inf, np.nan, 1e30, -1e30], dtype)
    y = np.array([0.5, 0.5, 1e30, -1e30], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            unary_backward(name, g, y)
