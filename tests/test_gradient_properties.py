"""Property tests (hypothesis) of GRADIENTS: every differentiable elementwise, reduction and
shape op passes a finite-difference check (``minigrad.autograd.gradcheck``, float64) on
random shapes and layouts. Issue 8.

``tests/test_properties.py`` checks forward values against numpy and ``tests/test_ops.py``
checks gradients on fixed shapes; here hypothesis draws the shapes (0-d, empty dimensions,
size-1 dimensions, broadcastable pairs) and the memory layout of each input (contiguous,
transposed, strided, and negative strides from numpy's flip, wrapped by ``from_numpy`` so the
op sees the layout; gradcheck perturbs the input in place through that same view).

Values are float64 and drawn inside each op's differentiable domain, kept away from its kinks
(``abs`` at 0, ``floor`` at integers, ties of ``max``) by more than the finite-difference step,
so a failure is a wrong derivative and not a finite difference across a kink. NaN and inf
are the forward tests' business: a finite difference of them means nothing.

Examples per test are few (``SETTINGS``): the whole file runs in well under 40 s.
"""

import minigrad.nn.functional as F
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.autograd import gradcheck

SETTINGS = settings(max_examples=12, deadline=None)
EPS = 1e-6  # gradcheck's finite-difference step
MARGIN = 1e-3  # how far drawn values stay from a kink or a pole


# ----------------------------------------------------------------------------- strategies

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
nonempty_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)

LAYOUTS = ("contiguous", "transposed", "strided", "flipped")


def _in_layout(values, layout):
    """An array equal to ``values`` whose memory layout is ``layout`` (a view of a bigger or
    differently ordered buffer), so the op receives a non-contiguous input."""
    if values.ndim == 0 or layout == "contiguous":
        return values.copy()
    if layout == "transposed":
        return np.ascontiguousarray(values.T).T
    if layout == "strided":
        buf = np.zeros((values.shape[0] * 2,) + values.shape[1:])
        buf[::2] = values
        return buf[::2]
    buf = np.ascontiguousarray(np.flip(values))  # "flipped": negative strides
    return np.flip(buf)


def _leaf(values, layout):
    arr = _in_layout(np.asarray(values, dtype=np.float64), layout)
    t = minigrad.from_numpy(arr).requires_grad_()
    assert t.numpy(force=True).strides == arr.strides
    return t


def floats_in(lo, hi, kinks=()):
    """float64 values in [lo, hi], at least MARGIN away from every kink."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False).filter(
        lambda v: all(abs(v - k) > MARGIN for k in kinks)
    )


@st.composite
def leaf(draw, shape=shapes, elements=None, unique=False):
    """A float64 leaf tensor that requires grad, of a drawn shape and layout."""
    shape = draw(shape) if not isinstance(shape, tuple) else shape
    elements = floats_in(-3, 3) if elements is None else elements
    values = draw(hnp.arrays(np.float64, shape, elements=elements, unique=unique))
    return _leaf(values, draw(st.sampled_from(LAYOUTS)))


@st.composite
def separated_leaf(draw, shape=nonempty_shapes):
    """A leaf whose values are pairwise at least 0.1 apart (a shuffled, shifted, scaled
    grid): no ties for max/min, no (near-)zero spread for std, with no filtering."""
    shape = draw(shape)
    n = int(np.prod(shape))
    order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    scale, shift = draw(floats_in(0.1, 1.0)), draw(floats_in(-1.0, 1.0))
    values = ((order - n / 2) * scale + shift).reshape(shape)
    return _leaf(values, draw(st.sampled_from(LAYOUTS)))


def check(fn, *inputs):
    assert gradcheck(fn, inputs, eps=EPS, atol=1e-5, rtol=1e-3)


# ----------------------------------------------------------------------------- elementwise
# name: (function, domain of the values)

ROUNDING_KINKS = tuple(np.arange(-3, 3.5, 0.5))  # round/floor/... step at (half-)integers

UNARY = {
    "neg": (minigrad.neg, floats_in(-3, 3)),
    "abs": (minigrad.abs, floats_in(-3, 3, kinks=(0,))),
    "exp": (minigrad.exp, floats_in(-3, 3)),
    "log": (minigrad.log, floats_in(0.1, 3)),
    "sqrt": (minigrad.sqrt, floats_in(0.1, 3)),
    "rsqrt": (minigrad.rsqrt, floats_in(0.1, 3)),
    "sin": (minigrad.sin, floats_in(-3, 3)),
    "cos": (minigrad.cos, floats_in(-3, 3)),
    "tan": (minigrad.tan, floats_in(-1.2, 1.2)),
    "tanh": (minigrad.tanh, floats_in(-3, 3)),
    "sigmoid": (minigrad.sigmoid, floats_in(-3, 3)),
    "relu": (minigrad.relu, floats_in(-3, 3, kinks=(0,))),
    "sign": (minigrad.sign, floats_in(-3, 3, kinks=(0,))),
    "log1p": (minigrad.log1p, floats_in(-0.9, 3)),
    "expm1": (minigrad.expm1, floats_in(-3, 3)),
    "square": (minigrad.square, floats_in(-3, 3)),
    "reciprocal": (minigrad.reciprocal, floats_in(0.2, 3)),
    "asin": (minigrad.asin, floats_in(-0.9, 0.9)),
    "acos": (minigrad.acos, floats_in(-0.9, 0.9)),
    "atan": (minigrad.atan, floats_in(-3, 3)),
    "floor": (minigrad.floor, floats_in(-3, 3, kinks=ROUNDING_KINKS)),
    "ceil": (minigrad.ceil, floats_in(-3, 3, kinks=ROUNDING_KINKS)),
    "round": (minigrad.round, floats_in(-3, 3, kinks=ROUNDING_KINKS)),
    "trunc": (minigrad.trunc, floats_in(-3, 3, kinks=ROUNDING_KINKS)),
    "pow_scalar": (lambda x: x**2.5, floats_in(0.1, 3)),
    "pow_negative_int": (lambda x: x**-2, floats_in(0.2, 3)),
    "rpow": (lambda x: 2.0**x, floats_in(-3, 3)),
    "rsub_rdiv": (lambda x: (1.5 - x) + 2.0 / x, floats_in(0.2, 3)),
    "clamp": (lambda x: x.clamp(-1, 1), floats_in(-3, 3, kinks=(-1, 1))),
    "clamp_min": (lambda x: x.clamp_min(0.5), floats_in(-3, 3, kinks=(0.5,))),
    "clamp_max": (lambda x: x.clamp_max(0.5), floats_in(-3, 3, kinks=(0.5,))),
    "softplus": (F.softplus, floats_in(-3, 3)),
    "gelu": (F.gelu, floats_in(-3, 3)),
    "silu": (F.silu, floats_in(-3, 3)),
    "elu": (F.elu, floats_in(-3, 3, kinks=(0,))),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), floats_in(-3, 3, kinks=(0,))),
    "logsigmoid": (F.logsigmoid, floats_in(-3, 3)),
    "masked_fill": (lambda x: x.masked_fill(x > 0, 2.0), floats_in(-3, 3, kinks=(0,))),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(data=st.data())
def test_unary_gradient(name, data):
    fn, elements = UNARY[name]
    check(fn, data.draw(leaf(elements=elements)))


@st.composite
def broadcast_pair(draw, elements_a=None, elements_b=None):
    shape_a, shape_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3)
    ).input_shapes
    return draw(leaf(shape_a, elements_a)), draw(leaf(shape_b, elements_b))


BINARY = {
    "add": (minigrad.add, None, None),
    "add_alpha": (lambda a, b: minigrad.add(a, b, alpha=-2.5), None, None),
    "sub": (minigrad.sub, None, None),
    "mul": (minigrad.mul, None, None),
    "div": (minigrad.div, None, floats_in(0.3, 3)),
    "pow": (minigrad.pow, floats_in(0.3, 3), floats_in(-2, 2)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(data=st.data())
def test_binary_broadcast_gradient(name, data):
    fn, ea, eb = BINARY[name]
    a, b = data.draw(broadcast_pair(ea, eb))
    check(fn, a, b)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@SETTINGS
@given(data=st.data())
def test_maximum_minimum_gradient_away_from_ties(name, data):
    a, b = data.draw(broadcast_pair())
    av, bv = np.broadcast_arrays(a.detach().numpy(), b.detach().numpy())
    assume(np.all(np.abs(av - bv) > MARGIN))
    check(getattr(minigrad, name), a, b)


@SETTINGS
@given(data=st.data())
def test_where_gradient_reaches_both_branches(data):
    a, b = data.draw(broadcast_pair())
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    cond = minigrad.tensor(data.draw(hnp.arrays(np.bool_, shape)))
    check(lambda x, y: minigrad.where(cond, x, y), a, b)


@SETTINGS
@given(data=st.data())
def test_matmul_gradient_for_vectors_matrices_and_batches(data):
    n, k, m = (data.draw(st.integers(0, 3)) for _ in range(3))
    batch = data.draw(st.sampled_from([(), (2,), (1,), (2, 1)]))
    kind = data.draw(st.sampled_from(["mm", "mv", "vm", "dot", "batched", "broadcast_batch"]))
    shapes_ = {
        "mm": ((n, k), (k, m)),
        "mv": ((n, k), (k,)),
        "vm": ((k,), (k, m)),
        "dot": ((k,), (k,)),
        "batched": (batch + (n, k), batch + (k, m)),
        "broadcast_batch": (batch + (n, k), (k, m)),
    }
    sa, sb = shapes_[kind]
    check(minigrad.matmul, data.draw(leaf(sa)), data.draw(leaf(sb)))


# ----------------------------------------------------------------------------- reductions


@st.composite
def dims_for(draw, ndim, allow_none=True):
    """``dim`` for a tensor of ``ndim`` dims: None, an int or a tuple, possibly negative."""
    if ndim == 0:
        return None if allow_none else draw(st.sampled_from([0, -1]))
    axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim))
    if draw(st.booleans()):
        axes = [a - ndim for a in axes]
    options = [axes[0], tuple(axes)] + ([None] if allow_none else [])
    return draw(st.sampled_from(options))


def _reduced_sizes(x, dim):
    shape = tuple(x.shape)
    if dim is None:
        return shape
    dims = (dim,) if isinstance(dim, int) else dim
    return tuple(shape[d] for d in dims) if shape else ()


@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp", "prod"])
@SETTINGS
@given(data=st.data(), keepdim=st.booleans())
def test_sum_like_reduction_gradient(name, data, keepdim):
    x = data.draw(leaf(elements=floats_in(0.3, 2)))
    dim = data.draw(dims_for(x.ndim, allow_none=name != "logsumexp"))
    if name in ("mean", "logsumexp"):  # mean of nothing is nan, logsumexp of nothing -inf
        assume(all(_reduced_sizes(x, dim)))
    if dim is None:
        check(lambda t: getattr(t, name)(), x)
    else:
        check(lambda t: getattr(t, name)(dim, keepdim=keepdim), x)


@pytest.mark.parametrize("name", ["var", "std"])
@SETTINGS
@given(data=st.data(), keepdim=st.booleans(), correction=st.sampled_from([0, 1]))
def test_var_std_gradient(name, data, keepdim, correction):
    x = data.draw(separated_leaf())
    dim = data.draw(dims_for(x.ndim))
    assume(np.prod(_reduced_sizes(x, dim)) > correction + 1)  # a defined, non-zero spread
    check(lambda t: getattr(t, name)(dim, correction=correction, keepdim=keepdim), x)


@pytest.mark.parametrize("name", ["amax", "amin", "max", "min"])
@SETTINGS
@given(data=st.data(), keepdim=st.booleans())
def test_extreme_value_gradient_without_ties(name, data, keepdim):
    x = data.draw(separated_leaf())
    if name in ("max", "min"):
        if data.draw(st.booleans()) or x.ndim == 0:
            check(lambda t: getattr(t, name)(), x)
        else:
            dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
            check(lambda t: getattr(t, name)(dim, keepdim=keepdim).values, x)
    else:
        dim = data.draw(dims_for(x.ndim, allow_none=False))
        check(lambda t: getattr(t, name)(dim, keepdim=keepdim), x)


@SETTINGS
@given(data=st.data(), keepdim=st.booleans(), p=st.sampled_from([1, 2, 3, "fro"]))
def test_norm_gradient_away_from_zero(data, keepdim, p):
    x = data.draw(leaf(shape=nonempty_shapes, elements=floats_in(-3, 3, kinks=(0,))))
    dim = data.draw(dims_for(x.ndim))
    if p == "fro" and dim is not None and not isinstance(dim, tuple):
        dim = (dim,)
    check(lambda t: t.norm(p, dim, keepdim), x)


@SETTINGS
@given(data=st.data())
def test_cumsum_gradient(data):
    x = data.draw(leaf())
    dim = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    check(lambda t: t.cumsum(dim), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(data=st.data())
def test_softmax_gradient_any_dim(name, data):
    x = data.draw(leaf())
    dim = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    check(lambda t: getattr(t, name)(dim), x)


# ----------------------------------------------------------------------------- shape ops


@SETTINGS
@given(data=st.data())
def test_reshape_view_flatten_gradient(data):
    x = data.draw(leaf())
    check(lambda t: t.reshape(-1) * 2, x)
    check(lambda t: t.flatten(), x)
    check(lambda t: t.contiguous().view(tuple(reversed(t.shape))) if t.ndim else t.view(1), x)
    if x.ndim:
        start = data.draw(st.integers(0, x.ndim - 1))
        check(lambda t: t.flatten(start), x)
        check(lambda t: t.unflatten(0, (1, t.shape[0])), x)


@SETTINGS
@given(data=st.data())
def test_permute_transpose_gradient(data):
    x = data.draw(leaf())
    perm = data.draw(st.permutations(range(x.ndim)))
    check(lambda t: t.permute(*perm), x)
    if x.ndim:
        d0, d1 = (data.draw(st.integers(-x.ndim, x.ndim - 1)) for _ in range(2))
        check(lambda t: t.transpose(d0, d1), x)
    if x.ndim <= 2:
        check(lambda t: t.t(), x)


@SETTINGS
@given(data=st.data())
def test_squeeze_unsqueeze_gradient(data):
    x = data.draw(leaf())
    dim = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check(lambda t: t.unsqueeze(dim), x)
    check(lambda t: t.squeeze(), x)
    if x.ndim:
        one = data.draw(st.integers(-x.ndim, x.ndim - 1))
        check(lambda t: t.squeeze(one), x)


@SETTINGS
@given(data=st.data())
def test_expand_gradient_sums_back(data):
    x = data.draw(leaf())
    target = tuple(data.draw(st.integers(0, 3)) if s == 1 else s for s in x.shape)
    extra = tuple(data.draw(st.lists(st.integers(0, 2), max_size=2)))
    check(lambda t: t.expand(extra + target), x)


@SETTINGS
@given(data=st.data())
def test_repeat_flip_roll_gradient(data):
    x = data.draw(leaf())
    reps = tuple(data.draw(st.lists(st.integers(0, 2), min_size=x.ndim, max_size=x.ndim + 1)))
    check(lambda t: t.repeat(*reps) if reps else t.repeat(()), x)
    if x.ndim:
        dims = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, min_size=1))
        check(lambda t: t.flip(dims), x)
        shift, dim = data.draw(st.integers(-4, 4)), data.draw(st.integers(-x.ndim, x.ndim - 1))
        check(lambda t: t.roll(shift, dim), x)
    flat_shift = data.draw(st.integers(-4, 4))
    check(lambda t: t.roll(flat_shift), x)


@SETTINGS
@given(data=st.data())
def test_basic_and_advanced_indexing_gradient(data):
    x = data.draw(leaf())
    if x.ndim == 0:
        check(lambda t: t[()], x)
        check(lambda t: t[None], x)
        return
    n = x.shape[0]
    step = data.draw(st.integers(1, 3))
    check(lambda t: t[::step], x)
    check(lambda t: t[..., None], x)
    if n:
        i = data.draw(st.integers(-n, n - 1))
        check(lambda t: t[i], x)
        idx = data.draw(st.lists(st.integers(-n, n - 1), max_size=4))  # repeats accumulate
        index = minigrad.tensor(idx, dtype=minigrad.int64)
        check(lambda t: t[index], x)
    mask = minigrad.tensor(data.draw(hnp.arrays(np.bool_, tuple(x.shape))))
    check(lambda t: t[mask], x)


@st.composite
def gather_case(draw):
    x = draw(leaf(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    shape = tuple(
        draw(st.integers(0, s)) if d != dim % x.ndim else draw(st.integers(0, 4))
        for d, s in enumerate(x.shape)
    )
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, x.shape[dim] - 1)))
    return x, dim, minigrad.tensor(index)


@SETTINGS
@given(case=gather_case())
def test_gather_gradient(case):
    x, dim, index = case
    check(lambda t: t.gather(dim, index), x)


@SETTINGS
@given(case=gather_case(), data=st.data())
def test_scatter_add_gradient_to_input_and_source(case, data):
    x, dim, index = case
    src = data.draw(leaf(tuple(index.shape)))
    check(lambda t, s: t.scatter_add(dim, index, s), x, src)


@SETTINGS
@given(data=st.data())
def test_scatter_gradient_with_unique_targets(data):
    x = data.draw(leaf(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)))
    n = x.shape[0]
    rows = data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))  # no duplicate writes
    index = minigrad.tensor(
        np.broadcast_to(
            np.array(rows, np.int64).reshape((-1,) + (1,) * (x.ndim - 1)), (len(rows),) + tuple(x.shape[1:])
        ).copy()
    )
    src = data.draw(leaf(tuple(index.shape)))
    check(lambda t, s: t.scatter(0, index, s), x, src)


@SETTINGS
@given(data=st.data())
def test_index_select_gradient(data):
    x = data.draw(leaf(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    idx = data.draw(st.lists(st.integers(0, x.shape[dim] - 1), max_size=4))
    check(lambda t: t.index_select(dim, minigrad.tensor(idx, dtype=minigrad.int64)), x)


@SETTINGS
@given(data=st.data())
def test_cat_stack_gradient(data):
    a = data.draw(leaf())
    shape = tuple(a.shape)
    if a.ndim:
        dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
        other = list(shape)
        other[dim] = data.draw(st.integers(0, 3))
        b = data.draw(leaf(tuple(other)))
        check(lambda s, t: minigrad.cat([s, t], dim), a, b)
    c = data.draw(leaf(shape))
    sdim = data.draw(st.integers(-a.ndim - 1, a.ndim))
    check(lambda s, t: minigrad.stack([s, t], sdim), a, c)


@SETTINGS
@given(data=st.data())
def test_split_chunk_unbind_gradient(data):
    x = data.draw(leaf(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    size = data.draw(st.integers(1, 3))
    check(lambda t: t.split(size, dim), x)
    check(lambda t: t.chunk(size, dim), x)
    check(lambda t: t.unbind(dim), x)


@SETTINGS
@given(data=st.data())
def test_clone_and_dtype_round_trip_gradient(data):
    x = data.draw(leaf())
    check(lambda t: t.clone() * t, x)
    check(lambda t: t.to(minigrad.float64) + 1, x)


def test_gradcheck_accepts_empty_inputs_issue_8():
    """Regression (issue 8): numpy gives a 0-size array zero strides, which gradcheck took
    for an overlapping (expanded) input and refused; PyTorch checks empty inputs."""
    x = minigrad.zeros(0, 3, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: t.exp().sum(dim=0), (x,))


def test_prod_over_several_dims_differentiates_every_reduced_dim_issue_8():
    """Regression (issue 8, found by the property test above): the gradient of ``prod`` over a
    tuple of dims took the products along the first of them only."""
    v = np.ones((2, 2, 3))
    v[1, 1, 2] = 2.0
    v[0, 0, 0] = 0.0
    x = minigrad.tensor(v, requires_grad=True)
    x.prod((0, 1)).sum().backward()
    others = np.prod(v, axis=(0, 1), keepdims=True) / np.where(v == 0, 1, v)
    others[0, 0, 0] = 1.0  # the zero's co-factors: the three ones of its lane
    np.testing.assert_array_equal(x.grad.numpy(), others)


def test_unbind_of_a_vector_gives_0d_tensors_issue_8():
    """Regression (issue 8, found by the property test above): unbind of a 1-d tensor gave
    (1,)-shaped slices (np.ascontiguousarray makes numpy scalars 1-d), so its backward
    stacked them into the wrong shape."""
    x = minigrad.zeros(2, dtype=minigrad.float64, requires_grad=True)
    assert [tuple(t.shape) for t in x.unbind(0)] == [(), ()]
    assert gradcheck(lambda t: t.unbind(0), (x,))
