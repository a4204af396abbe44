"""The tensor ops learner programs call (issue 12, item 4), checked against PyTorch: integer
0-d tensors wherever an index or a size goes, sort/topk values, indices, ties and stability,
all/any, isclose/allclose/equal, narrow, the histograms and bincount, and numpy's keywords.

The gradients of the differentiable ones are rows of tests/test_ops.py; here are the values
and behaviours a table row does not reach. Every expression is written once, as ``f(L)``
with ``L`` minigrad or torch, and the two results are compared.
"""

import numpy as np
import pytest

import minigrad

try:
    import torch
except ImportError:  # PyTorch is the oracle: the comparisons skip without it, the rest run
    torch = None


def _needs_torch():
    if torch is None:
        pytest.skip("PyTorch is the oracle of this test")


def _plain(out):
    """A result as comparable Python data: (dtype name, values) per tensor, recursively."""
    if isinstance(out, (tuple, list)):
        return [_plain(o) for o in out]
    if hasattr(out, "detach"):
        return (str(out.dtype).split(".")[-1], tuple(out.shape), out.detach().numpy().tolist())
    if hasattr(out, "__len__") and not isinstance(out, str):  # Size
        return tuple(out)
    return out


def _same(expr, rtol=1e-6):
    _needs_torch()
    ours, theirs = _plain(expr(minigrad)), _plain(expr(torch))
    _assert_same(ours, theirs, rtol)


def _assert_same(ours, theirs, rtol):
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b, rtol)
    elif isinstance(theirs, tuple) and len(theirs) == 3 and isinstance(theirs[0], str):
        assert ours[:2] == theirs[:2], (ours, theirs)
        np.testing.assert_allclose(
            np.asarray(ours[2], dtype=float),
            np.asarray(theirs[2], dtype=float),
            rtol=rtol,
            atol=1e-7,
            equal_nan=True,
        )
    else:
        assert ours == theirs, (ours, theirs)


# ----------------------------------------------------------------------------- integer 0-d tensors as ints

DATA = lambda L: L.arange(20.0)  # noqa: E731
I2 = lambda L: L.tensor(2)  # noqa: E731

AS_INDEX = {
    "slice_start_stop": lambda L: DATA(L)[I2(L) : I2(L) + 4],
    "slice_step": lambda L: DATA(L)[:: I2(L)],
    "slice_numpy_ints": lambda L: DATA(L)[np.int64(3) : np.int64(7) : np.int64(2)],
    "int_index": lambda L: DATA(L)[I2(L)],
    "int_index_numpy": lambda L: DATA(L)[np.int32(5)],
    "tuple_index": lambda L: DATA(L).reshape(4, 5)[I2(L), I2(L) + 1],
    "tuple_slice_and_int": lambda L: DATA(L).reshape(4, 5)[I2(L), 1 : I2(L) + 2],
    "one_element_tensor_as_bound": lambda L: DATA(L)[L.tensor([3]) : 8],
    "with_advanced_index": lambda L: DATA(L).reshape(4, 5)[I2(L), L.tensor([0, 4])],
    "setitem": lambda L: _setitem(L),
    "narrow": lambda L: DATA(L).narrow(0, I2(L), I2(L) + 1),
    "split": lambda L: DATA(L).split(I2(L) * 7),
    "chunk": lambda L: DATA(L).chunk(I2(L) + 1),
    "reshape": lambda L: DATA(L).reshape(I2(L) * 2, -1),
    "view": lambda L: DATA(L).view(I2(L) + 2, 5),
    "repeat": lambda L: DATA(L)[:3].repeat(I2(L)),
    "expand": lambda L: DATA(L)[:3].expand(I2(L), 3),
    "permute": lambda L: DATA(L).reshape(4, 5).permute(I2(L) - 1, 0),
    "unsqueeze_dim": lambda L: DATA(L).unsqueeze(I2(L) - 2),
    "flip_dim": lambda L: DATA(L)[:4].flip(I2(L) - 2),
    "roll_shift": lambda L: DATA(L)[:4].roll(I2(L)),
    "range": lambda L: [int(k) for k in range(I2(L))],
    "get_batch": lambda L: L.stack([DATA(L)[i : i + 3] for i in L.tensor([4, 0, 9])]),
}


def _setitem(L):
    x = L.zeros(6)
    x[I2(L) : I2(L) + 2] = 1.0
    x[I2(L) + 3] = 5.0
    return x


@pytest.mark.parametrize("name", sorted(AS_INDEX))
def test_integer_0d_tensor_works_as_an_index_like_torch(name):
    _same(AS_INDEX[name])


def test_slice_of_0d_tensor_bounds_is_a_differentiable_slice():
    # issue 12: data[i:i + block] raised "eq(): unsupported operand of type NoneType"
    x = minigrad.arange(10.0, requires_grad=True)
    i = minigrad.randint(0, 5, (3,))[0]
    y = x[i : i + 3]
    assert type(y.grad_fn).__name__ == "SliceBackward0"
    y.sum().backward()
    expected = np.zeros(10)
    expected[int(i) : int(i) + 3] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_0d_integer_tensor_index_selects_like_an_int():
    x = minigrad.arange(6.0, requires_grad=True).reshape(2, 3)
    assert type(x[minigrad.tensor(1)].grad_fn).__name__ == "SelectBackward0"


BAD_INDEX = {
    "float_tensor_index": lambda L: DATA(L)[L.tensor(1.0)],
    "float_tensor_vector_index": lambda L: DATA(L)[L.tensor([1.0, 2.0])],
    "float_tensor_slice_bound": lambda L: DATA(L)[L.tensor(1.0) : 3],
    "vector_slice_bound": lambda L: DATA(L)[L.tensor([1, 2]) : 3],
    "float_slice_bound": lambda L: DATA(L)[1.5:3],
    "float_tensor_size": lambda L: DATA(L).reshape(L.tensor(4.0), 5),
}


@pytest.mark.parametrize("name", sorted(BAD_INDEX))
def test_non_integer_index_raises_torchs_error(name):
    _needs_torch()
    with pytest.raises(Exception) as theirs:
        BAD_INDEX[name](torch)
    with pytest.raises(type(theirs.value)):
        BAD_INDEX[name](minigrad)


# ----------------------------------------------------------------------------- sort, argsort, topk, kthvalue

TIES = [3.0, 1.0, 2.0, 1.0, 3.0, 0.0, 1.0]
NAN = [1.0, float("nan"), 0.0, float("nan"), 2.0]
M34 = lambda L: L.tensor([[0.5, -1.0, 2.0, 0.0], [3.0, 3.0, -2.0, 1.0], [1.0, 0.25, 0.25, -4.0]])  # noqa: E731
D34 = lambda L: L.tensor([[0.5, -1.0, 2.0, 0.0], [3.0, 2.5, -2.0, 1.0], [1.5, 0.25, 0.75, -4.0]])  # noqa: E731

ORDERING = {
    "sort_ties_stable": lambda L: L.tensor(TIES).sort(),
    "sort_ties_descending": lambda L: L.tensor(TIES).sort(descending=True),
    "sort_stable_keyword": lambda L: L.sort(L.tensor(TIES), stable=True, descending=True),
    "sort_nan_ascending": lambda L: L.tensor(NAN).sort(),
    "sort_nan_descending": lambda L: L.tensor(NAN).sort(descending=True),
    "sort_dim0": lambda L: M34(L).sort(0),
    "sort_int": lambda L: L.tensor([3, 1, 2, 1]).sort(descending=True),
    "sort_bool": lambda L: L.tensor([True, False, True]).sort(),
    "sort_0d": lambda L: L.tensor(2.5).sort(),
    "sort_empty": lambda L: L.ones(0, 3).sort(0),
    "argsort": lambda L: L.argsort(L.tensor(TIES)),
    "argsort_descending": lambda L: L.tensor(TIES).argsort(descending=True),
    "argsort_dim0_batched": lambda L: M34(L).reshape(2, 3, 2).argsort(dim=1),
    "msort": lambda L: L.msort(M34(L)),
    "topk_distinct": lambda L: D34(L).reshape(-1).topk(5),
    "topk_smallest": lambda L: D34(L).topk(2, largest=False),
    "topk_dim0": lambda L: D34(L).topk(2, dim=0),
    "topk_nan_is_largest": lambda L: L.tensor(NAN).topk(2),
    "topk_zero": lambda L: L.tensor([1.0, 2.0]).topk(0),
    "topk_0d": lambda L: L.tensor(2.0).topk(1),
    "kthvalue_distinct": lambda L: L.tensor([5.0, 1.0, 4.0, 2.0]).kthvalue(3),
    "kthvalue_keepdim": lambda L: D34(L).kthvalue(2, 0, keepdim=True),
    "kthvalue_0d": lambda L: L.tensor(3.0).kthvalue(1),
}


@pytest.mark.parametrize("name", sorted(ORDERING))
def test_ordering_values_and_indices_match_torch(name):
    _same(ORDERING[name])


@pytest.mark.parametrize(
    "expr",
    [
        lambda L, x: x.topk(3),
        lambda L, x: x.topk(3, largest=False),
        lambda L, x: x.topk(3, sorted=False),
        lambda L, x: x.kthvalue(2),
    ],
    ids=["topk", "topk_smallest", "topk_unsorted", "kthvalue"],
)
def test_topk_and_kthvalue_with_ties_give_torchs_values_at_their_own_indices(expr):
    _needs_torch()
    # which of equal elements PyTorch's selection returns is unspecified (and differs from a
    # stable order); values match, and each index points at its value
    ours, theirs = expr(minigrad, minigrad.tensor(TIES)), expr(torch, torch.tensor(TIES))
    values = np.sort(ours.values.numpy().reshape(-1))
    np.testing.assert_array_equal(values, np.sort(theirs.values.numpy().reshape(-1)))
    np.testing.assert_array_equal(np.asarray(TIES)[ours.indices.numpy()], ours.values.numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_of_many_ties_gives_torchs_indices(descending):
    _needs_torch()
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, (3, 200)).astype(np.float32)
    x[0, ::7] = np.nan
    for dim in (0, 1):
        ours = minigrad.tensor(x).sort(dim=dim, descending=descending, stable=True)
        theirs = torch.tensor(x).sort(dim=dim, descending=descending, stable=True)
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        args = minigrad.tensor(x).argsort(dim=dim, descending=descending, stable=True)
        np.testing.assert_array_equal(args.numpy(), theirs.indices.numpy())


def test_sort_gradient_goes_to_the_returned_indices_at_ties():
    _needs_torch()
    x = minigrad.tensor(TIES, dtype=minigrad.float64, requires_grad=True)
    tx = torch.tensor(TIES, dtype=torch.float64, requires_grad=True)
    w = np.arange(1.0, 8.0)
    (x.sort(descending=True).values * minigrad.tensor(w)).sum().backward()
    (tx.sort(descending=True).values * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_return_types_read_like_torchs():
    out = minigrad.tensor([3.0, 1.0]).topk(1)
    values, indices = out
    assert out.values is values and out.indices is indices and len(out) == 2
    assert repr(out).startswith("minigrad.return_types.topk(\nvalues=tensor([3.])")
    h = minigrad.histogram(minigrad.tensor([1.0, 2.0]), bins=2)
    hist, edges = h
    assert h.hist is hist and h.bin_edges is edges
    assert repr(h).startswith("minigrad.return_types.histogram(\nhist=")


# ----------------------------------------------------------------------------- numpy's keywords

ALIASES = {
    "sum": lambda L, x: x.sum(axis=0, keepdims=True),
    "sum_fn": lambda L, x: L.sum(x, axis=(0, 1)),
    "mean": lambda L, x: x.mean(axis=1, keepdims=True),
    "std": lambda L, x: x.std(axis=1, keepdims=True),
    "var": lambda L, x: x.var(axis=0),
    "max": lambda L, x: x.max(axis=1, keepdims=True),
    "min": lambda L, x: L.min(x, axis=0),
    "amax": lambda L, x: x.amax(axis=1, keepdims=True),
    "amin": lambda L, x: x.amin(axis=(0, 1)),
    "argmax": lambda L, x: x.argmax(axis=1, keepdims=True),
    "argmin": lambda L, x: x.argmin(axis=0),
    "prod": lambda L, x: x.prod(axis=1, keepdims=True),
    "cumsum": lambda L, x: x.cumsum(axis=1),
    "logsumexp": lambda L, x: x.logsumexp(axis=1, keepdims=True),
    "all": lambda L, x: (x > 0).all(axis=1, keepdims=True),
    "any": lambda L, x: L.any(x > 2, axis=0),
    "cat": lambda L, x: L.cat([x, x], axis=1),
    "stack": lambda L, x: L.stack([x, x], axis=1),
    "squeeze": lambda L, x: x[:1].squeeze(axis=0),
    "unsqueeze": lambda L, x: x.unsqueeze(axis=0),
    "gather": lambda L, x: x.gather(axis=1, index=L.zeros(3, 1, dtype=L.int64)),
    "index_select": lambda L, x: x.index_select(axis=1, index=L.tensor([0, 0])),
    "chunk": lambda L, x: x.chunk(2, axis=1),
    "unbind": lambda L, x: x.unbind(axis=1),
    "sort": lambda L, x: x.sort(axis=0),
    "argsort": lambda L, x: x.argsort(axis=0),
    "topk": lambda L, x: D34(L).topk(2, axis=0),
    "kthvalue": lambda L, x: D34(L).kthvalue(1, axis=1, keepdims=True),
    "narrow": lambda L, x: x.narrow(axis=0, start=1, length=2),
    "softmax": lambda L, x: x.softmax(axis=1),
    "softmax_fn": lambda L, x: L.softmax(x, axis=0),
    "log_softmax": lambda L, x: x.log_softmax(axis=-1),
}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_numpy_keywords_accepted_like_torch(name):
    _same(lambda L: ALIASES[name](L, M34(L)))


BOTH_SPELLINGS = {
    "sum_dim_axis": lambda L: L.ones(2).sum(dim=0, axis=0),
    "mean_keepdim_keepdims": lambda L: L.ones(2).mean(0, keepdim=True, keepdims=True),
    "max_dim_axis": lambda L: L.ones(2).max(dim=0, axis=0),
    "all_dim_axis": lambda L: L.ones(2).all(dim=0, axis=0),
    "cumsum_dim_axis": lambda L: L.ones(2).cumsum(dim=0, axis=0),
    "sum_positional_dim_and_axis": lambda L: L.ones(2).sum(0, axis=0),
}


@pytest.mark.parametrize("name", sorted(BOTH_SPELLINGS))
def test_both_spellings_of_a_keyword_raise_typeerror_like_torch(name):
    with pytest.raises(TypeError):
        BOTH_SPELLINGS[name](minigrad)
    if torch is not None:
        with pytest.raises(TypeError):
            BOTH_SPELLINGS[name](torch)


@pytest.mark.parametrize(
    "expr",
    [
        lambda L, x: x.norm(axis=0),
        lambda L, x: x.flip(axis=0),
        lambda L, x: x.split(1, axis=0),
        lambda L, x: x.tril(axis=0),
        lambda L, x: L.nn.functional.softmax(x, axis=1),
    ],
    ids=["norm", "flip", "split", "tril", "functional_softmax"],
)
def test_numpy_keywords_refused_where_torch_refuses_them(expr):
    with pytest.raises(TypeError):
        expr(minigrad, minigrad.ones(2, 2))
    if torch is not None:
        with pytest.raises(TypeError):
            expr(torch, torch.ones(2, 2))


# ----------------------------------------------------------------------------- all/any, closeness

B23 = lambda L: L.tensor([[True, False, True], [True, True, True]])  # noqa: E731
LOGICAL = {
    "all": lambda L: B23(L).all(),
    "all_dim": lambda L: B23(L).all(1),
    "all_tuple_keepdim": lambda L: L.all(B23(L), (0, 1), keepdim=True),
    "all_no_dims": lambda L: B23(L).all(dim=()),
    "any_dim0": lambda L: B23(L).logical_not().any(0),
    "all_float": lambda L: M34(L).all(),
    "any_float_neg_dim": lambda L: M34(L).any(-1),
    "all_uint8_stays_uint8": lambda L: L.tensor([1, 0], dtype=L.uint8).all(),
    "all_int": lambda L: L.tensor([1, 2]).all(),
    "all_empty": lambda L: L.ones(0).all(),
    "any_empty": lambda L: L.ones(0, 2).any(0),
    "all_0d": lambda L: L.tensor(0.0).all(0),
    "isclose": lambda L: L.isclose(
        L.tensor([1.0, float("nan"), 1e-9, float("inf"), float("inf")]),
        L.tensor([1.0 + 1e-6, float("nan"), 0.0, float("inf"), -float("inf")]),
    ),
    "isclose_equal_nan": lambda L: L.tensor([1.0, float("nan")]).isclose(
        L.tensor([1.0, float("nan")]), equal_nan=True
    ),
    "isclose_int_rtol": lambda L: L.isclose(L.tensor([1, 2, 100]), L.tensor([1, 3, 101]), rtol=0.01),
    "isclose_zero_tolerance": lambda L: L.isclose(L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0 + 1e-6]), 0, 0),
    "isclose_broadcast": lambda L: L.isclose(L.ones(2, 3), L.ones(3) + 1e-3, atol=1e-2),
    "allclose": lambda L: L.allclose(L.ones(3), L.ones(3) + 1e-9),
    "allclose_false": lambda L: L.ones(3).allclose(L.ones(3) + 1e-3),
    "allclose_broadcast": lambda L: L.allclose(L.ones(2, 3), L.ones(3)),
    "equal": lambda L: L.equal(M34(L), M34(L).clone()),
    "equal_shapes_differ": lambda L: L.equal(L.ones(2), L.ones(3)),
    "equal_dtypes_differ": lambda L: L.equal(L.tensor([1, 2]), L.tensor([1.0, 2.0])),
    "equal_nan": lambda L: L.tensor([float("nan")]).equal(L.tensor([float("nan")])),
}


@pytest.mark.parametrize("name", sorted(LOGICAL))
def test_logical_reductions_and_closeness_match_torch(name):
    _same(LOGICAL[name])


def test_allclose_and_equal_return_python_bools():
    assert minigrad.allclose(minigrad.ones(2), minigrad.ones(2)) is True
    assert minigrad.equal(minigrad.ones(2), minigrad.zeros(2)) is False


# ----------------------------------------------------------------------------- counting, triangles

X6 = lambda L: L.tensor([1.0, 2.0, 1.0, 2.5, 4.0, 0.5])  # noqa: E731
COUNTING = {
    "histc": lambda L: L.histc(X6(L), bins=4, min=0, max=3),
    "histc_data_range": lambda L: X6(L).histc(3),
    "histc_constant": lambda L: L.histc(L.tensor([2.0, 2.0]), bins=4),
    "histc_float64_2d": lambda L: L.histc(X6(L).double().reshape(2, 3), bins=5, min=1, max=2),
    "histc_empty": lambda L: L.histc(L.ones(0), bins=3),
    "histc_outside_and_nan_ignored": lambda L: L.histc(L.tensor([-1.0, 0.5, 9.0, float("nan")]), 2, 0, 1),
    "histogram_nan_ignored": lambda L: L.histogram(L.tensor([float("nan"), 0.5]), bins=2, range=(0.0, 1.0)),
    "histogram": lambda L: L.histogram(X6(L), bins=4),
    "histogram_range_density": lambda L: L.histogram(X6(L), bins=4, range=(0.0, 3.0), density=True),
    "histogram_edges_weight": lambda L: L.histogram(X6(L), bins=L.tensor([0.0, 1.0, 3.0, 5.0]), weight=X6(L)),
    "histogram_method": lambda L: X6(L).histogram(3),
    "histogram_single_value": lambda L: L.histogram(L.tensor([0.75]), bins=4),
    "histogram_empty": lambda L: L.histogram(L.ones(0), bins=2),
    "bincount": lambda L: L.bincount(L.tensor([0, 2, 2, 5])),
    "bincount_minlength": lambda L: L.tensor([1, 1]).bincount(minlength=4),
    "bincount_float_weights": lambda L: L.bincount(L.tensor([0, 2, 2]), weights=L.tensor([0.5, 1.0, 2.0])),
    "bincount_int_weights": lambda L: L.bincount(L.tensor([0, 2]), weights=L.tensor([1, 2])),
    "bincount_float64_weights": lambda L: L.bincount(L.tensor([1]), weights=L.tensor([1.5], dtype=L.float64)),
    "bincount_empty": lambda L: L.bincount(L.tensor([], dtype=L.int64)),
    "bincount_int32": lambda L: L.bincount(L.tensor([1, 2], dtype=L.int32)),
    "tril_indices": lambda L: L.tril_indices(3, 4, 1),
    "triu_indices": lambda L: L.triu_indices(4, 3, -1),
    "tril_indices_int32_empty": lambda L: L.tril_indices(0, 3, dtype=L.int32),
    "tril_0d_tensor_diagonal": lambda L: L.ones(3, 3).tril(L.tensor(-1)),
    "triu_bool": lambda L: L.ones(2, 3, dtype=L.bool).triu(),
}


@pytest.mark.parametrize("name", sorted(COUNTING))
def test_counting_and_triangles_match_torch(name):
    _same(COUNTING[name])


def test_histc_bins_match_torch_on_random_data_and_edges():
    _needs_torch()
    rng = np.random.default_rng(12)
    for trial in range(50):
        x = rng.integers(-8, 9, size=40) / 4 if trial % 2 else rng.normal(size=40)  # exact edges, or not
        x = x.astype(np.float32)
        bins = int(rng.integers(1, 13))
        for kw in ({"bins": bins}, {"bins": bins, "min": -1.0, "max": 1.0}):
            np.testing.assert_array_equal(
                minigrad.histc(minigrad.tensor(x), **kw).numpy(), torch.histc(torch.tensor(x), **kw).numpy()
            )
        ours, theirs = minigrad.histogram(minigrad.tensor(x), bins), torch.histogram(torch.tensor(x), bins)
        np.testing.assert_array_equal(ours.bin_edges.numpy(), theirs.bin_edges.numpy())
        np.testing.assert_array_equal(ours.hist.numpy(), theirs.hist.numpy())


# ----------------------------------------------------------------------------- in-place forms

INPLACE = {
    "tril_": lambda L, x: x.tril_(),
    "triu_": lambda L, x: x.triu_(-1),
    "log10_": lambda L, x: x.abs_().log10_(),
    "log2_": lambda L, x: x.abs_().log2_(),
    "exp2_": lambda L, x: x.exp2_(),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_forms_write_into_the_tensor_like_torch(name):
    def run(L):
        x = M34(L)
        version = x._version
        out = INPLACE[name](L, x)
        assert out is x and x._version > version
        return x

    _same(run)


def test_inplace_tril_records_its_backward_through_a_non_leaf():
    x = minigrad.ones(3, 3, requires_grad=True)
    y = x * 2
    y.tril_()
    assert type(y.grad_fn).__name__ == "TrilBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tril(np.full((3, 3), 2.0)))


# ----------------------------------------------------------------------------- docstring examples


@pytest.mark.parametrize(
    "name", ["narrow", "tril", "sort", "topk", "histc", "histogram", "bincount", "isclose", "tril_indices"]
)
def test_docstring_example_runs(name):
    import doctest

    fn = getattr(minigrad, name)
    tests = doctest.DocTestFinder().find(fn, name, globs={"minigrad": minigrad})
    assert tests and tests[0].examples, f"{name} has no example"
    runner = doctest.DocTestRunner()
    for t in tests:
        runner.run(t)
    assert runner.summarize(verbose=False).failed == 0


# ----------------------------------------------------------------------------- the idioms, end to end


def _causal_head_and_top_k(L, x_np, w_np):
    """A masked self-attention step and nanoGPT's top-k filter of the last logits, as learner
    code writes them: tril buffer, masked_fill(tril[:T, :T] == 0, -inf), topk, v[:, [-1]]."""
    x = L.tensor(x_np, requires_grad=True)
    w = L.tensor(w_np, requires_grad=True)
    B, T, C = x.shape
    tril = L.tril(L.ones(8, 8, dtype=x.dtype))
    att = (x @ w) @ x.transpose(-2, -1) * C**-0.5
    att = att.masked_fill(tril[:T, :T] == 0, float("-inf")).softmax(dim=-1)
    out = att @ x
    logits = out[:, -1, :]
    v, _ = L.topk(logits, 2)
    kept = logits.clone()
    kept[kept < v[:, [-1]]] = -float("inf")
    loss = (out.sum(axis=-1, keepdims=True) ** 2).mean() + L.log2(att.sum(1) + 1).sum()
    loss.backward()
    return loss.detach(), kept.detach(), x.grad, w.grad


def test_causal_attention_and_top_k_filter_match_torch():
    _needs_torch()
    rng = np.random.default_rng(3)
    x_np, w_np = rng.normal(size=(2, 5, 4)), rng.normal(size=(4, 4))
    ours = _causal_head_and_top_k(minigrad, x_np, w_np)
    theirs = _causal_head_and_top_k(torch, x_np, w_np)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
