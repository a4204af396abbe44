"""Property tests (hypothesis): forward values of minigrad ops against numpy.

Random shapes (0-d, empty and size-1 dimensions), broadcastable pairs, float32 and float64,
values that include inf, -inf, NaN and -0.0, and inputs in non-contiguous layouts:
transposed, strided slices, and negative strides (numpy's flip, wrapped by from_numpy).
The reference is numpy, except where PyTorch's rules differ (type promotion with 0-d
tensors, the sign of NaN); those rules are spelled out below. Examples are kept few per
test so the file runs in seconds.
"""

import operator
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad

SETTINGS = settings(max_examples=40, deadline=None, derandomize=False)
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5]
RTOL = {np.float32: 2e-6, np.float64: 1e-12}
ATOL = {np.float32: 1e-30, np.float64: 1e-300}

dtypes = st.sampled_from([np.float32, np.float64])
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def elements(dtype, bound=None):
    """Special values often, ordinary ones otherwise (bounded for sums and products)."""
    width = 32 if dtype == np.float32 else 64
    if bound is None:
        ordinary = st.floats(width=width, allow_subnormal=False)
    else:
        ordinary = st.floats(-bound, bound, width=width, allow_subnormal=False)
    return st.one_of(st.sampled_from(SPECIAL), ordinary)


@st.composite
def arrays(draw, dtype=None, shape=None, bound=None):
    dtype = draw(dtypes) if dtype is None else dtype
    shape = draw(shapes) if shape is None else shape
    return draw(hnp.arrays(dtype, shape, elements=elements(dtype, bound)))


LAYOUTS = {
    "contiguous": lambda a: a,
    "transposed": lambda a: a.T,
    "strided": lambda a: a[::2] if a.ndim else a,
    "negative_strides": lambda a: np.flip(a) if a.ndim else a,
}


@st.composite
def laid_out(draw, bound=None):
    """An array in one of LAYOUTS (values and strides both random)."""
    a = draw(arrays(bound=bound))
    return LAYOUTS[draw(st.sampled_from(sorted(LAYOUTS)))](a)


def wrap(a):
    t = minigrad.from_numpy(a)
    assert t.numpy().strides == a.strides  # the layout reaches the op unchanged
    return t


def assert_matches(got, want, exact=False):
    """Same shape and dtype; values equal up to rounding, NaN where NaN, same sign of zero."""
    got = got.numpy()
    assert got.shape == want.shape
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if exact:
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    else:
        np.testing.assert_allclose(
            got, want, rtol=RTOL[want.dtype.type], atol=ATOL[want.dtype.type], equal_nan=True
        )


def numpy_ref(fn, *arrays):
    """numpy's result, without its warnings (PyTorch computes NaN and inf silently)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(fn(*arrays))


# ----------------------------------------------------------------------------- elementwise


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _torch_sign(a):
    return np.where(np.isnan(a), 0, np.sign(a)).astype(a.dtype)


UNARY = {
    "neg": (np.negative, True),
    "abs": (np.abs, True),
    "exp": (np.exp, False),
    "log": (np.log, False),
    "sqrt": (np.sqrt, False),
    "sin": (np.sin, False),
    "cos": (np.cos, False),
    "tanh": (np.tanh, False),
    "sigmoid": (_sigmoid, False),
    "floor": (np.floor, True),
    "ceil": (np.ceil, True),
    "round": (np.round, True),
    "trunc": (np.trunc, True),
    "log1p": (np.log1p, False),
    "expm1": (np.expm1, False),
    "reciprocal": (np.reciprocal, False),
    "square": (np.square, False),
    "atan": (np.arctan, False),
    "asin": (np.arcsin, False),
    "acos": (np.arccos, False),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(a=laid_out())
def test_unary_ops_match_numpy(name, a):
    ref, exact = UNARY[name]
    assert_matches(getattr(minigrad, name)(wrap(a)), numpy_ref(ref, a), exact)


@SETTINGS
@given(a=laid_out())
def test_sign_matches_pytorch_except_nan(a):
    a = np.where(np.isnan(a), 1.0, a).astype(a.dtype)
    assert_matches(minigrad.sign(wrap(a)), _torch_sign(a), exact=True)


def test_sign_of_nan_is_zero_like_pytorch():
    assert minigrad.sign(minigrad.tensor(float("nan"))).item() == 0.0


def _torch_result_dtype(a, b):
    """PyTorch's promotion of two float tensors: a dimensioned tensor beats a 0-d one."""
    if a.dtype == b.dtype:
        return a.dtype
    if (a.ndim == 0) != (b.ndim == 0):
        return b.dtype if a.ndim == 0 else a.dtype
    return np.promote_types(a.dtype, b.dtype)


@st.composite
def broadcastable_pair(draw):
    shape_a, shape_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3)
    ).input_shapes
    return draw(arrays(shape=shape_a)), draw(arrays(shape=shape_b))


KNOWN_CORE_WARNINGS = ()


def quietly(fn, *args, **kwargs):
    """``fn`` with only the numpy warnings the xfail tests below document ignored."""
    with warnings.catch_warnings():
        for message in KNOWN_CORE_WARNINGS:
            warnings.filterwarnings("ignore", message, RuntimeWarning)
        return fn(*args, **kwargs)


def promoting(fn, a, b):
    return quietly(fn, wrap(a), wrap(b))


def test_promotion_that_overflows_gives_inf_without_a_warning():
    big = minigrad.tensor(3.4e38 * 2, dtype=minigrad.float64)
    assert (minigrad.zeros(2) - big).tolist() == [float("-inf")] * 2


def test_sum_of_opposite_infinities_is_nan_without_a_warning():
    assert np.isnan(minigrad.tensor([float("inf"), float("-inf")]).sum().item())


BINARY = {  # name: (numpy reference, exact); comparisons give bool tensors
    "add": (np.add, False),
    "sub": (np.subtract, False),
    "mul": (np.multiply, False),
    "div": (np.divide, False),
    "maximum": (np.maximum, False),
    "minimum": (np.minimum, False),
    "pow": (np.power, False),
    "eq": (operator.eq, True),
    "ne": (operator.ne, True),
    "lt": (operator.lt, True),
    "le": (operator.le, True),
    "gt": (operator.gt, True),
    "ge": (operator.ge, True),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(pair=broadcastable_pair())
def test_binary_ops_broadcast_and_promote_like_pytorch(name, pair):
    a, b = pair
    ref, exact = BINARY[name]
    dt = _torch_result_dtype(a, b)
    want = numpy_ref(lambda x, y: ref(x.astype(dt), y.astype(dt)), a, b)
    assert_matches(promoting(getattr(minigrad, name), a, b), want, exact)


@SETTINGS
@given(a=laid_out(), scalar=st.sampled_from([2, -1.5, 0.0, float("inf")]))
def test_tensor_and_python_number_keep_the_tensor_dtype(a, scalar):
    want = numpy_ref(lambda x: x * a.dtype.type(scalar), a)
    assert_matches(wrap(a) * scalar, want)


# ----------------------------------------------------------------------------- reductions


@st.composite
def reduction_case(draw):
    """An array and a ``dim`` argument for it: None, an int or a tuple of distinct axes."""
    a = draw(laid_out(bound=100.0))
    if a.ndim == 0:
        return a, None
    axes = draw(st.lists(st.integers(0, a.ndim - 1), unique=True, min_size=1, max_size=a.ndim))
    negative = draw(st.booleans())
    axes = tuple(ax - a.ndim if negative else ax for ax in axes)
    return a, draw(st.sampled_from([None, axes[0], axes]))


def _assert_reduction_close(got, want, a, axis, keepdims):
    """Tolerance scaled by the sum of magnitudes: summation order may differ from numpy's."""
    got = got.numpy()
    assert got.shape == want.shape and got.dtype == want.dtype
    with np.errstate(all="ignore"):
        scale = np.sum(np.abs(np.nan_to_num(a, posinf=0, neginf=0)), axis=axis, keepdims=keepdims) + 1
    finite = np.isfinite(want)
    np.testing.assert_array_equal(np.isfinite(got), finite)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    assert np.all(np.abs(got[finite] - want[finite]) <= 8 * np.finfo(want.dtype).eps * scale[finite])


REDUCTIONS = {"sum": np.sum, "mean": np.mean}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@SETTINGS
@given(case=reduction_case(), keepdim=st.booleans())
def test_sum_and_mean_over_dims(name, case, keepdim):
    a, dim = case
    kwargs = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    got = quietly(getattr(minigrad, name), wrap(a), **kwargs)
    keep = keepdim and dim is not None
    want = numpy_ref(lambda x: REDUCTIONS[name](x, axis=dim, keepdims=keep), a).astype(a.dtype)
    _assert_reduction_close(got, want, a, dim, keep)


@SETTINGS
@given(case=reduction_case(), keepdim=st.booleans())
def test_amax_and_amin_propagate_nan(case, keepdim):
    a, dim = case
    if a.size == 0:  # see the two tests below
        return
    if dim is None:
        dim = tuple(range(a.ndim))
    for name, ref in (("amax", np.amax), ("amin", np.amin)):
        want = numpy_ref(lambda x: ref(x, axis=dim if a.ndim else None, keepdims=keepdim), a)
        assert_matches(getattr(minigrad, name)(wrap(a), dim=dim, keepdim=keepdim), want, exact=True)


def test_amax_of_empty_tensor_over_a_non_empty_dim_is_empty():
    assert minigrad.zeros(0, 3).amax(dim=1).shape == (0,)


def test_amax_over_an_empty_dim_is_pytorchs_index_error():
    with pytest.raises(IndexError, match="amax\\(\\): Expected reduction dim 0 to have non-zero size"):
        minigrad.zeros(0, 3).amax(dim=0)


@SETTINGS
@given(a=laid_out(bound=2.0))
def test_prod_of_all_elements(a):
    want = numpy_ref(np.prod, a).astype(a.dtype)
    assert_matches(quietly(minigrad.prod, wrap(a)), want)


# ----------------------------------------------------------------------------- shape ops


@SETTINGS
@given(a=laid_out(), data=st.data())
def test_permute_and_transpose(a, data):
    if a.ndim == 0:
        assert_matches(wrap(a).permute(), a, exact=True)
        return
    perm = data.draw(st.permutations(range(a.ndim)))
    assert_matches(wrap(a).permute(*perm), np.transpose(a, perm), exact=True)
    assert_matches(wrap(a).transpose(0, -1), np.swapaxes(a, 0, -1), exact=True)


@SETTINGS
@given(a=laid_out(), data=st.data())
def test_flip_any_dims(a, data):
    if a.ndim == 0:
        return
    dims = data.draw(st.lists(st.integers(0, a.ndim - 1), unique=True, min_size=1))
    assert_matches(wrap(a).flip(dims), np.flip(a, dims), exact=True)


@SETTINGS
@given(a=laid_out())
def test_reshape_flatten_and_back(a):
    flat = wrap(a).reshape(-1)
    assert_matches(flat, a.reshape(-1), exact=True)
    assert_matches(flat.reshape(a.shape), a, exact=True)
    assert_matches(wrap(a).flatten(), a.reshape(-1), exact=True)


@SETTINGS
@given(a=laid_out(), data=st.data())
def test_squeeze_and_unsqueeze(a, data):
    dim = data.draw(st.integers(-a.ndim - 1, a.ndim))
    assert_matches(wrap(a).unsqueeze(dim), np.expand_dims(a, dim), exact=True)
    assert_matches(wrap(a).squeeze(), np.squeeze(a), exact=True)


@SETTINGS
@given(a=laid_out(), data=st.data())
def test_cat_and_stack_with_a_copy(a, data):
    b = (a[::-1] if a.ndim else a).copy()
    dim = data.draw(st.integers(-a.ndim - 1, a.ndim))
    assert_matches(minigrad.stack([wrap(a), wrap(b)], dim=dim), np.stack([a, b], axis=dim), exact=True)
    if a.ndim:
        cat_dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
        assert_matches(
            minigrad.cat([wrap(a), wrap(b)], dim=cat_dim), np.concatenate([a, b], axis=cat_dim), exact=True
        )


@SETTINGS
@given(a=laid_out())
def test_views_made_by_minigrad_match_numpy_views(a):
    c = a.copy()
    t = wrap(c)
    if a.ndim:
        assert_matches(t[::2], c[::2], exact=True)
        assert_matches(t.flip(0), np.flip(a, 0), exact=True)
    assert_matches(t.permute(*reversed(range(a.ndim))), c.T, exact=True)
    assert_matches(t.contiguous(), a, exact=True)
