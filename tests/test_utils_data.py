"""minigrad.utils.data (issue 12, item 2): datasets, samplers, collation and the DataLoader.

Where no randomness enters (a sequential loader, collation, lengths, random_split's lengths,
argument errors) the results are compared with torch.utils.data. Random parts are checked by
their properties: reproducible under a seed or generator, a permutation per epoch, frequencies
within tolerance. Worker processes are checked against the single-process loader (same
batches), and for seeding, worker info, persistence, errors and shutdown.
"""

import collections
import doctest
import importlib
import os
import pickle
import threading
import time

import numpy as np
import pytest
from child_process import run_python

import minigrad
from minigrad.utils import data as D

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def canon(x):
    """A library-neutral picture of a batch: tensors as (dtype name, values), containers kept."""
    if hasattr(x, "detach") and hasattr(x, "dtype"):
        return ("tensor", str(x.dtype).split(".")[-1], x.detach().numpy().tolist())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(canon(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [canon(v) for v in x])
    if isinstance(x, dict):
        return {k: canon(v) for k, v in x.items()}
    return x


def gen(seed):
    return minigrad.Generator().manual_seed(seed)


def both(torch, make):
    """``make(L)`` for L = minigrad and L = torch, as canonical pictures."""
    return canon(make(minigrad)), canon(make(torch))


# ----------------------------------------------------------------------------- against PyTorch

Point = collections.namedtuple("Point", "x y")

COLLATE_ROWS = {
    "tensors": lambda L: [L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0])],
    "int_tensors": lambda L: [L.tensor([1, 2]), L.tensor([3, 4])],
    "0d_tensors": lambda L: [L.tensor(1.5), L.tensor(2.5)],
    "numpy_float32": lambda L: [np.ones(3, np.float32), np.zeros(3, np.float32)],
    "numpy_float64": lambda L: [np.ones((2, 2)), np.zeros((2, 2))],
    "numpy_int64": lambda L: [np.arange(3), np.arange(3, 6)],
    "numpy_scalars": lambda L: [np.float32(1.5), np.float32(2.0)],
    "numpy_int_scalars": lambda L: [np.int64(1), np.int64(2)],
    "floats": lambda L: [1.5, 2.0, 3.25],
    "ints": lambda L: [1, 2, 3],
    "bools": lambda L: [True, False],
    "int_then_float": lambda L: [1, 2.5],
    "float_then_int": lambda L: [1.0, 2],
    "bool_then_int": lambda L: [True, 1],
    "strings": lambda L: ["a", "bc"],
    "tuples": lambda L: [(L.tensor([1.0]), 0), (L.tensor([2.0]), 1)],
    "lists": lambda L: [[1, 2.0], [3, 4.0]],
    "dicts": lambda L: [{"x": L.ones(2), "y": 1, "name": "a"}, {"x": L.zeros(2), "y": 2, "name": "b"}],
    "namedtuples": lambda L: [Point(1.0, np.ones(2)), Point(2.0, np.zeros(2))],
    "nested": lambda L: [{"a": [(1, "s"), {"b": 2.0}]}, {"a": [(3, "t"), {"b": 4.0}]}],
}


@pytest.mark.parametrize("row", sorted(COLLATE_ROWS))
def test_default_collate_matches_pytorch(torch, row):
    ours, theirs = both(torch, lambda L: L.utils.data.default_collate(COLLATE_ROWS[row](L)))
    assert ours == theirs


@pytest.mark.parametrize("row", sorted(COLLATE_ROWS))
def test_default_convert_matches_pytorch(torch, row):
    ours, theirs = both(torch, lambda L: L.utils.data.default_convert(COLLATE_ROWS[row](L)[0]))
    assert ours == theirs


def test_collating_tensors_that_require_grad_records_the_stack():
    a, b = minigrad.ones(2, requires_grad=True), minigrad.zeros(2, requires_grad=True)
    batch = D.default_collate([(a, 1), (b, 2)])[0]
    assert batch.requires_grad and type(batch.grad_fn).__name__.startswith("Stack")
    (batch * minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert a.grad.tolist() == [1.0, 2.0] and b.grad.tolist() == [3.0, 4.0]
    plain = D.default_collate([minigrad.ones(2), minigrad.zeros(2)])
    assert plain.grad_fn is None and not plain.requires_grad


def test_default_convert_leaves_string_arrays_alone(torch):
    for L in (minigrad, torch):
        a = np.array(["a", "b"])
        assert L.utils.data.default_convert(a) is a


def _tensor_dataset(L, n=7):
    return L.utils.data.TensorDataset(L.arange(2.0 * n).reshape(n, 2), L.arange(n))


@pytest.mark.parametrize(
    "batch_size,drop_last",
    [(1, False), (2, False), (3, True), (3, False), (7, False), (10, False), (10, True)],
)
def test_sequential_loader_gives_pytorchs_batches_and_len(torch, batch_size, drop_last):
    def run(L):
        loader = L.utils.data.DataLoader(_tensor_dataset(L), batch_size=batch_size, drop_last=drop_last)
        return len(loader), len(iter(loader)), list(loader)

    assert canon(run(minigrad)) == canon(run(torch))


def test_loader_without_batching_gives_pytorchs_samples(torch):
    ours, theirs = both(torch, lambda L: list(L.utils.data.DataLoader(_tensor_dataset(L), batch_size=None)))
    assert ours == theirs
    ours, theirs = both(
        torch, lambda L: list(L.utils.data.DataLoader([np.arange(2), np.arange(2, 4)], batch_size=None))
    )
    assert ours == theirs


def test_loader_over_a_list_of_dicts_with_a_collate_fn(torch):
    samples = [{"v": i, "w": float(i)} for i in range(5)]
    ours, theirs = both(torch, lambda L: list(L.utils.data.DataLoader(samples, batch_size=2)))
    assert ours == theirs
    ours, theirs = both(torch, lambda L: list(L.utils.data.DataLoader(samples, batch_size=2, collate_fn=len)))
    assert ours == theirs == ("list", [2, 2, 1])


def test_batch_sampler_and_sequential_sampler_match_pytorch(torch):
    def run(L):
        d = L.utils.data
        out = []
        for bs, drop in [(1, False), (2, False), (2, True), (4, False), (5, True)]:
            s = d.BatchSampler(d.SequentialSampler(range(9)), bs, drop)
            out.append((len(s), list(s)))
        out.append(list(d.BatchSampler([5, 3, 1], 2, False)))
        return out

    assert run(minigrad) == run(torch)


class Squares(D.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


def test_subset_concat_and_tensor_dataset_match_pytorch(torch):
    def run(L):
        d = L.utils.data
        sq = [i * i for i in range(5)]
        cat = d.ConcatDataset([sq, d.Subset(list(range(10)), [7, 3]), [100]])
        ds = _tensor_dataset(L, 4)
        return (
            len(cat),
            [cat[i] for i in range(len(cat))],
            cat[-1],
            cat[-8],
            cat.cumulative_sizes,
            len(ds),
            ds[2],
            ds[-1],
            len(d.Subset(ds, [0, 2])),
            d.Subset(ds, [3, 1])[0],
            [d.Subset(sq, [4, 0])[i] for i in range(2)],
        )

    assert canon(run(minigrad)) == canon(run(torch))


def test_dataset_plus_dataset_concatenates(torch):
    def run(L):
        class Sq(L.utils.data.Dataset):
            def __init__(self, n):
                self.n = n

            def __len__(self):
                return self.n

            def __getitem__(self, i):
                return i * i

        joined = Sq(3) + Sq(2)
        return type(joined).__name__, [joined[i] for i in range(len(joined))]

    assert run(minigrad) == run(torch) == ("ConcatDataset", [0, 1, 4, 0, 1])


class Count(D.IterableDataset):
    """range(n), each worker taking every num_workers-th item (the sharding PyTorch documents)."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = D.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


@pytest.mark.parametrize(
    "batch_size,drop_last", [(None, False), (1, False), (3, False), (3, True), (5, False)]
)
def test_iterable_dataset_loader_matches_pytorch(torch, batch_size, drop_last):
    def run(L):
        class Stream(L.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(10))

            def __len__(self):
                return 10

        loader = L.utils.data.DataLoader(Stream(), batch_size=batch_size, drop_last=drop_last)
        return len(loader), list(loader)

    assert canon(run(minigrad)) == canon(run(torch))


@pytest.mark.parametrize(
    "n,fractions",
    [
        (10, [0.3, 0.3, 0.4]),
        (11, [0.5, 0.5]),
        (7, [0.1, 0.2, 0.7]),
        (10, [1 / 3] * 3),
        (5, [0.25, 0.25, 0.25, 0.25]),
        (100, [0.8, 0.2]),
        (3, [0.5, 0.5]),
    ],
)
def test_random_split_fraction_lengths_match_pytorch(torch, n, fractions):
    ours, theirs = both(torch, lambda L: [len(s) for s in L.utils.data.random_split(range(n), fractions)])
    assert ours == theirs


def test_random_split_warns_about_an_empty_split_as_pytorch(torch):
    for L in (minigrad, torch):
        with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
            lengths = [len(s) for s in L.utils.data.random_split(range(2), [0.5, 0.5, 0.0])]
        assert lengths == [1, 1, 0]


def test_pin_memory_warns_as_pytorch_on_a_cpu_only_machine(torch):
    for L in (minigrad, torch):
        if L is torch and torch.accelerator.is_available():  # pragma: no cover - a GPU machine
            continue
        with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator"):
            batches = list(L.utils.data.DataLoader(_tensor_dataset(L), batch_size=4, pin_memory=True))
        assert len(batches) == 2


# Argument conflicts: the same exception type as PyTorch, and PyTorch's first words.
ARG_ERRORS = {
    "shuffle_with_sampler": (
        lambda L, d, ds: d.DataLoader(ds, shuffle=True, sampler=[0, 1]),
        "sampler option is mutually exclusive with shuffle",
    ),
    "batch_sampler_with_batch_size": (
        lambda L, d, ds: d.DataLoader(ds, batch_size=2, batch_sampler=[[0]]),
        "batch_sampler option is mutually exclusive",
    ),
    "batch_sampler_with_shuffle": (
        lambda L, d, ds: d.DataLoader(ds, shuffle=True, batch_sampler=[[0]]),
        "batch_sampler option is mutually exclusive",
    ),
    "batch_sampler_with_drop_last": (
        lambda L, d, ds: d.DataLoader(ds, drop_last=True, batch_sampler=[[0]]),
        "batch_sampler option is mutually exclusive",
    ),
    "no_batching_with_drop_last": (
        lambda L, d, ds: d.DataLoader(ds, batch_size=None, drop_last=True),
        "batch_size=None option disables auto-batching",
    ),
    "negative_workers": (
        lambda L, d, ds: d.DataLoader(ds, num_workers=-1),
        "num_workers option should be non-negative",
    ),
    "negative_timeout": (
        lambda L, d, ds: d.DataLoader(ds, timeout=-1),
        "timeout option should be non-negative",
    ),
    "prefetch_without_workers": (
        lambda L, d, ds: d.DataLoader(ds, prefetch_factor=2),
        "prefetch_factor option could only be specified in multiprocessing",
    ),
    "negative_prefetch": (
        lambda L, d, ds: d.DataLoader(ds, num_workers=1, prefetch_factor=-1),
        "prefetch_factor option should be non-negative",
    ),
    "persistent_without_workers": (
        lambda L, d, ds: d.DataLoader(ds, persistent_workers=True),
        "persistent_workers option needs num_workers > 0",
    ),
    "context_without_workers": (
        lambda L, d, ds: d.DataLoader(ds, multiprocessing_context="fork"),
        "multiprocessing_context can only be used with multi-process loading",
    ),
    "unknown_start_method": (
        lambda L, d, ds: d.DataLoader(ds, num_workers=1, multiprocessing_context="x"),
        "multiprocessing_context option should specify a valid start method",
    ),
    "context_of_a_wrong_type": (
        lambda L, d, ds: d.DataLoader(ds, num_workers=1, multiprocessing_context=3),
        "multiprocessing_context option should be a valid context object",
    ),
    "zero_batch_size": (
        lambda L, d, ds: d.DataLoader(ds, batch_size=0),
        "batch_size should be a positive integer value",
    ),
    "float_batch_size": (
        lambda L, d, ds: d.DataLoader(ds, batch_size=2.0),
        "batch_size should be a positive integer value",
    ),
    "bool_drop_last_expected": (
        lambda L, d, ds: d.BatchSampler(range(3), 2, drop_last=1),
        "drop_last should be a boolean value",
    ),
    "random_sampler_replacement_not_bool": (
        lambda L, d, ds: d.RandomSampler(ds, replacement=1),
        "replacement should be a boolean value",
    ),
    "random_sampler_zero_samples": (
        lambda L, d, ds: d.RandomSampler(ds, num_samples=0),
        "num_samples should be a positive integer value",
    ),
    "weighted_sampler_2d_weights": (
        lambda L, d, ds: d.WeightedRandomSampler([[1.0, 2.0]], 2),
        "weights should be a 1d sequence",
    ),
    "weighted_sampler_zero_samples": (
        lambda L, d, ds: d.WeightedRandomSampler([1.0, 2.0], 0),
        "num_samples should be a positive integer value",
    ),
    "weighted_sampler_replacement_not_bool": (
        lambda L, d, ds: d.WeightedRandomSampler([1.0], 1, "yes"),
        "replacement should be a boolean value",
    ),
    "random_split_wrong_sum": (
        lambda L, d, ds: d.random_split(range(5), [2, 2]),
        "Sum of input lengths does not equal the length of the input dataset",
    ),
    "random_split_fraction_out_of_range": (
        lambda L, d, ds: d.random_split(range(5), [1.5, -0.5]),
        "Fraction at index 0 is not between 0 and 1",
    ),
    "tensor_dataset_size_mismatch": (
        lambda L, d, ds: d.TensorDataset(L.ones(3), L.ones(4)),
        "Size mismatch between tensors",
    ),
    "concat_of_nothing": (lambda L, d, ds: d.ConcatDataset([]), "datasets should not be an empty iterable"),
    "concat_index_too_negative": (
        lambda L, d, ds: d.ConcatDataset([[1, 2]])[-3],
        "absolute value of index should not exceed dataset length",
    ),
    "iterable_with_shuffle": (
        lambda L, d, ds: d.DataLoader(_stream(L), shuffle=True),
        "DataLoader with IterableDataset: expected unspecified shuffle option",
    ),
    "iterable_with_sampler": (
        lambda L, d, ds: d.DataLoader(_stream(L), sampler=[0]),
        "DataLoader with IterableDataset: expected unspecified sampler option",
    ),
    "iterable_with_batch_sampler": (
        lambda L, d, ds: d.DataLoader(_stream(L), batch_sampler=[[0]]),
        "DataLoader with IterableDataset: expected unspecified batch_sampler",
    ),
    "len_of_an_iterable_without_len": (
        lambda L, d, ds: len(d.DataLoader(_stream(L, with_len=False))),
        "has no len",
    ),
    "setting_batch_size_after_init": (
        lambda L, d, ds: setattr(d.DataLoader(ds), "batch_size", 3),
        "batch_size attribute should not be set after DataLoader",
    ),
    "collate_ragged_tensors": (
        lambda L, d, ds: d.default_collate([L.ones(2), L.ones(3)]),
        "stack expects each tensor to be equal size",
    ),
    "collate_ragged_lists": (
        lambda L, d, ds: d.default_collate([[1, 2], [3]]),
        "each element in list of batch should be of equal size",
    ),
    "collate_an_object": (
        lambda L, d, ds: d.default_collate([object(), object()]),
        "default_collate: batch must contain tensors, numpy arrays, numbers",
    ),
    "collate_a_string_array": (
        lambda L, d, ds: d.default_collate([np.array(["a"]), np.array(["b"])]),
        "default_collate: batch must contain tensors, numpy arrays, numbers",
    ),
    "collate_missing_key": (lambda L, d, ds: d.default_collate([{"a": 1}, {"b": 2}]), ""),
    "collate_tensor_beside_a_number": (lambda L, d, ds: d.default_collate([L.ones(2), 3]), ""),
}


def _stream(L, with_len=True):
    class Stream(L.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    if with_len:
        Stream.__len__ = lambda self: 3
    return Stream()


@pytest.mark.parametrize("name", sorted(ARG_ERRORS))
def test_bad_arguments_raise_what_pytorch_raises(torch, name):
    make, first_words = ARG_ERRORS[name]
    outcomes = []
    for L in (minigrad, torch):
        with pytest.raises(Exception) as info:
            make(L, L.utils.data, _tensor_dataset(L))
        outcomes.append(info.type)
        assert first_words in str(info.value), (L.__name__, str(info.value))
    assert outcomes[0] is outcomes[1]


@pytest.mark.parametrize(
    "samples,where,shapes",
    [
        (
            [{"x": minigrad.ones(2), "y": 0}, {"x": minigrad.ones(3), "y": 1}],
            "key 'x'",
            "[2] at entry 0 and [3] at entry 1",
        ),
        (
            [(0, minigrad.ones(2, 2)), (1, minigrad.ones(2))],
            "position 1",
            "[2, 2] at entry 0 and [2] at entry 1",
        ),
        (
            [{"a": [Point(minigrad.ones(1), 1)]}, {"a": [Point(minigrad.ones(4), 2)]}],
            "key 'a', position 0, field 'x'",
            "[1] at entry 0 and [4] at entry 1",
        ),
        ([(np.ones(2), 1), (np.ones(5), 2)], "position 0", "[2] at entry 0 and [5] at entry 1"),
    ],
)
def test_collate_error_names_the_field_and_the_shapes(samples, where, shapes):
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size") as info:
        D.default_collate(samples)
    assert where in str(info.value) and shapes in str(info.value)


def test_collate_error_for_mixed_types_names_the_field():
    with pytest.raises(TypeError, match=r"expected a Tensor at entry 1 of the batch \(in key 'x'\).*got int"):
        D.default_collate([{"x": minigrad.ones(2)}, {"x": 5}])
    with pytest.raises(TypeError, match=r"expected a number at entry 1 of the batch \(in position 1\).*str"):
        D.default_collate([(1, 2.0), (1, "a")])


def test_a_loader_reports_the_field_of_an_uncollatable_sample():
    ds = [{"img": minigrad.ones(3, 4)}, {"img": minigrad.ones(3, 5)}]
    with pytest.raises(RuntimeError, match=r"\[3, 4\] at entry 0 and \[3, 5\] at entry 1 \(in key 'img'\)"):
        next(iter(D.DataLoader(ds, batch_size=2)))


def test_datasets_and_samplers_subscript_like_pytorchs_generic_classes(torch):
    def run(L):
        d = L.utils.data

        class Chars(d.Dataset[str]):
            def __getitem__(self, i):
                return "abc"[i]

            def __len__(self):
                return 3

        class Backwards(d.Sampler[int]):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n - 1, -1, -1))

            def __len__(self):
                return self.n

        return list(d.DataLoader(Chars(), batch_size=2, sampler=Backwards(3))), isinstance(Chars(), d.Dataset)

    assert run(minigrad) == run(torch) == ([["c", "b"], ["a"]], True)
    for L in (minigrad, torch):
        with pytest.raises(TypeError):
            L.utils.data.Sampler(range(3))  # PyTorch 2.13's Sampler takes no data_source


def test_iterable_dataset_is_abstract_as_in_pytorch(torch):
    for L in (minigrad, torch):
        with pytest.raises(TypeError, match="abstract"):
            L.utils.data.IterableDataset()


LEARNER_PROGRAM = """
X = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(12, 2)
y = (X @ torch.tensor([[2.0], [-3.0]], dtype=torch.float64)) + 0.5
train, val = torch.utils.data.Subset(torch.utils.data.TensorDataset(X, y), range(9)), \\
    torch.utils.data.Subset(torch.utils.data.TensorDataset(X, y), range(9, 12))
loader = torch.utils.data.DataLoader(train, batch_size=4, shuffle=False)
model = torch.nn.Linear(2, 1).double()
with torch.no_grad():
    model.weight.fill_(0.1)
    model.bias.fill_(0.0)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for epoch in range(3):
    for xb, yb in loader:
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
with torch.no_grad():
    val_loss = sum(torch.nn.functional.mse_loss(model(xb), yb).item()
                   for xb, yb in torch.utils.data.DataLoader(val, batch_size=2))
"""


def test_a_learner_style_training_loop_gives_pytorchs_numbers(torch):
    results = []
    for L in (minigrad, torch):
        scope = {"torch": L}
        exec(LEARNER_PROGRAM, scope)
        results.append((scope["losses"], scope["val_loss"], scope["model"].weight.detach().numpy().tolist()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-10)
    assert len(results[0][0]) == 9 and results[0][0][-1] < results[0][0][0]


def test_import_minigrad_loads_neither_utils_data_nor_multiprocessing():
    code = (
        "import sys, minigrad as torch; assert 'multiprocessing' not in sys.modules; "
        "assert 'minigrad.utils.data' not in sys.modules; torch.utils.data.DataLoader; "
        "assert 'multiprocessing' not in sys.modules; print('ok')"
    )
    out = run_python(code)
    assert out.stdout.strip() == "ok", out.stderr


def test_utils_data_is_reachable_as_an_attribute_and_as_an_import():
    import minigrad.utils.data as direct

    assert minigrad.utils.data is direct
    assert minigrad.utils.data.DataLoader is direct.DataLoader
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        minigrad.utils.nothing


@pytest.mark.parametrize("name", ["", ".dataset", ".sampler", "._collate", ".dataloader", "._worker"])
def test_docstring_examples_run(name):
    module = importlib.import_module("minigrad.utils.data" + name)
    globs = {"minigrad": minigrad, "np": np, **{k: getattr(D, k) for k in D.__all__}}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# ----------------------------------------------------------------------------- randomness


def _epochs(sampler, k=3):
    return [list(sampler) for _ in range(k)]


def test_random_sampler_gives_a_permutation_each_epoch_and_new_orders():
    epochs = _epochs(D.RandomSampler(range(50)), 4)
    for e in epochs:
        assert sorted(e) == list(range(50))
    assert len({tuple(e) for e in epochs}) == 4


def test_random_sampler_repeats_under_a_seeded_generator_and_under_manual_seed():
    runs = [_epochs(D.RandomSampler(range(30), generator=gen(7))) for _ in range(2)]
    assert runs[0] == runs[1]
    other = _epochs(D.RandomSampler(range(30), generator=gen(8)))
    assert other != runs[0]
    seeded = []
    for _ in range(2):
        minigrad.manual_seed(123)
        seeded.append(_epochs(D.RandomSampler(range(30))))
    assert seeded[0] == seeded[1]


def test_random_sampler_num_samples_without_replacement_takes_whole_permutations():
    out = list(D.RandomSampler(range(10), num_samples=25, generator=gen(0)))
    assert len(out) == 25
    assert sorted(out[:10]) == sorted(out[10:20]) == list(range(10))
    assert len(set(out[20:])) == 5


def test_random_sampler_with_replacement_draws_num_samples_in_range_with_repeats():
    s = D.RandomSampler(range(10), replacement=True, num_samples=1000, generator=gen(1))
    out = list(s)
    assert len(s) == len(out) == 1000
    assert set(out) == set(range(10))  # every value appears (P(miss one) ~ 1e-45)
    counts = np.bincount(out, minlength=10) / 1000
    assert np.all(np.abs(counts - 0.1) < 0.05)


def test_subset_random_sampler_permutes_its_indices():
    s = D.SubsetRandomSampler([3, 9, 27, 81], generator=gen(2))
    epochs = _epochs(s, 6)
    assert all(sorted(e) == [3, 9, 27, 81] for e in epochs) and len(s) == 4
    assert len({tuple(e) for e in epochs}) > 1


def test_weighted_sampler_frequencies_follow_the_weights():
    w = [1.0, 2.0, 3.0, 4.0, 0.0]
    out = list(D.WeightedRandomSampler(w, 40000, generator=gen(3)))
    freq = np.bincount(out, minlength=5) / len(out)
    np.testing.assert_allclose(freq, np.array(w) / sum(w), atol=0.01)
    assert freq[4] == 0


def test_weighted_sampler_without_replacement_never_repeats():
    for seed in range(5):
        w = minigrad.tensor([5.0, 1.0, 1.0, 1.0, 0.5, 3.0])
        out = list(D.WeightedRandomSampler(w, 6, replacement=False, generator=gen(seed)))
        assert sorted(out) == list(range(6))


def test_random_split_is_a_reproducible_partition():
    def split(seed):
        return [list(s) for s in D.random_split(range(20), [0.5, 0.3, 0.2], generator=gen(seed))]

    a = split(5)
    assert [len(p) for p in a] == [10, 6, 4]
    assert sorted(sum(a, [])) == list(range(20))
    assert split(5) == a and split(6) != a
    parts = D.random_split(Squares(6), [4, 2], generator=gen(0))
    assert sorted([parts[0][i] for i in range(4)] + [parts[1][i] for i in range(2)]) == [0, 1, 4, 9, 16, 25]


def test_shuffled_loader_is_a_reproducible_permutation_under_its_generator():
    ds = _tensor_dataset(minigrad, 10)

    def epochs(seed):
        loader = D.DataLoader(ds, batch_size=3, shuffle=True, generator=gen(seed))
        return [sum((y.tolist() for _, y in loader), []) for _ in range(3)]

    a = epochs(11)
    assert all(sorted(e) == list(range(10)) for e in a)
    assert a == epochs(11) and a != epochs(12)
    assert len({tuple(e) for e in a}) == 3


class _OneByOne(D.TensorDataset):
    """A TensorDataset whose samples are read one at a time (its own __getitem__)."""

    def __getitem__(self, index):
        return super().__getitem__(index)


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (4, False), (4, True), (12, False)])
def test_tensor_dataset_batches_are_one_gather_equal_to_collating_the_samples(batch_size, drop_last):
    # issue 15 (P13): the gather must give exactly what default_collate of the samples gives
    x = minigrad.randn(10, 3, 2, dtype=minigrad.float64)
    y = minigrad.arange(10)
    runs = [
        list(D.DataLoader(cls(x, y), batch_size, shuffle=True, drop_last=drop_last, generator=gen(3)))
        for cls in (D.TensorDataset, _OneByOne)
    ]
    assert len(runs[0]) == len(runs[1]) == (10 // batch_size if drop_last else -(-10 // batch_size))
    for fast, slow in zip(*runs):
        assert isinstance(fast, list) and len(fast) == 2
        for a, b in zip(fast, slow):
            assert a.dtype == b.dtype and a.shape == b.shape and a.grad_fn is None
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tensor_dataset_gather_is_not_used_where_it_would_differ():
    x = minigrad.ones(4, 2, requires_grad=True)
    batch = next(iter(D.DataLoader(D.TensorDataset(x), batch_size=2)))[0]
    assert type(batch.grad_fn).__name__.startswith("Stack")  # as collating the samples records
    ds = D.TensorDataset(minigrad.arange(4))
    samples = next(iter(D.DataLoader(ds, batch_size=2, collate_fn=lambda b: b)))  # a collate_fn sees samples
    assert [tuple(t.item() for t in sample) for sample in samples] == [(0,), (1,)]
    assert ds._collated([0.0, 1.0]) is None and ds._collated([[0, 1]]) is None


def test_tensor_dataset_gather_rejects_an_index_out_of_range_as_pytorch():
    ds = D.TensorDataset(minigrad.arange(4))
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 0 with size 4"):
        next(iter(D.DataLoader(ds, batch_sampler=[[1, 4]])))
    assert next(iter(D.DataLoader(ds, batch_sampler=[[-1, 0]])))[0].tolist() == [3, 0]


# ----------------------------------------------------------------------------- worker processes


class Probe(D.Dataset):
    """Sample i: (i, worker id, worker seed, the worker's pid, a draw from minigrad's default generator)."""

    def __init__(self, n=8):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = D.get_worker_info()
        return i, info.id, info.seed, os.getpid(), minigrad.rand(1).item()


def _probe(loader):
    return [
        (int(i), int(w), int(s), int(p), float(r))
        for i, w, s, p, r in ((b[0], b[1], b[2], b[3], b[4]) for b in loader)
    ]


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (None, False)])
def test_workers_give_the_same_batches_as_the_main_process(workers, batch_size, drop_last):
    ds = _tensor_dataset(minigrad, 10)
    ref = canon(list(D.DataLoader(ds, batch_size=batch_size, drop_last=drop_last)))
    out = D.DataLoader(ds, batch_size=batch_size, drop_last=drop_last, num_workers=workers)
    assert canon(list(out)) == ref


def test_shuffled_batches_do_not_depend_on_the_number_of_workers():
    ds = _tensor_dataset(minigrad, 12)
    runs = [
        canon(list(D.DataLoader(ds, batch_size=4, shuffle=True, num_workers=w, generator=gen(4))))
        for w in (0, 2)
    ]
    assert runs[0] == runs[1]


class Slow(D.Dataset):
    """Later samples are faster, so workers finish out of order."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        time.sleep(0.02 * (6 - i))
        return i


def test_batches_arrive_in_order_when_workers_finish_out_of_order():
    assert [b.tolist() for b in D.DataLoader(Slow(), batch_size=1, num_workers=3, prefetch_factor=1)] == [
        [i] for i in range(6)
    ]


def test_worker_seeds_are_base_seed_plus_worker_id_and_change_every_epoch():
    loader = D.DataLoader(Probe(8), batch_size=None, num_workers=2, generator=gen(9))
    epochs = [_probe(loader) for _ in range(2)]
    for e in epochs:
        seeds = {w: s for _, w, s, _, _ in e}
        assert sorted(seeds) == [0, 1] and seeds[1] == seeds[0] + 1
        draws = [r for *_, r in e]
        assert len(set(draws)) == len(draws)  # workers draw different numbers
    assert epochs[0][0][2] != epochs[1][0][2]
    again = D.DataLoader(Probe(8), batch_size=None, num_workers=2, generator=gen(9))
    assert [(i, w, s, r) for i, w, s, _, r in _probe(again)] == [(i, w, s, r) for i, w, s, _, r in epochs[0]]


class InitialSeed(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return minigrad.initial_seed(), D.get_worker_info().seed


def test_initial_seed_in_a_worker_is_the_worker_seed():
    """PyTorch's reproducibility recipe seeds numpy and random from torch.initial_seed() in worker_init_fn."""
    out = [tuple(int(v) for v in b) for b in D.DataLoader(InitialSeed(), batch_size=None, num_workers=2)]
    assert all(a == b for a, b in out) and out[1][0] == out[0][0] + 1


class Draws(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        import random

        return random.random(), float(np.random.rand())


def test_worker_seeds_python_and_numpy_random_per_worker():
    out = [tuple(float(v) for v in b) for b in D.DataLoader(Draws(), batch_size=None, num_workers=2)]
    assert out[0][0] != out[1][0] and out[0][1] != out[1][1]


class Info(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        info = D.get_worker_info()
        try:
            info.id = 5
        except RuntimeError as e:
            msg = str(e)
        return info.id, info.num_workers, type(info.dataset).__name__, msg


def test_get_worker_info_is_none_in_the_main_process_and_read_only_in_workers():
    assert D.get_worker_info() is None
    out = list(D.DataLoader(Info(), batch_size=None, num_workers=2))
    assert [o[:3] for o in out] == [[0, 2, "Info"], [1, 2, "Info"]]  # a tuple sample converts to a list
    assert "Cannot assign attributes to WorkerInfo" in out[0][3]


def _init(worker_id):
    os.environ["MINIGRAD_TEST_WORKER"] = f"init {worker_id}"
    minigrad.manual_seed(1000 + worker_id)


class EnvProbe(D.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return os.environ.get("MINIGRAD_TEST_WORKER", ""), minigrad.rand(1).item()


def test_worker_init_fn_runs_in_each_worker_with_its_id():
    out = list(D.DataLoader(EnvProbe(), batch_size=None, num_workers=2, worker_init_fn=_init))
    assert [o[0] for o in out] == ["init 0", "init 1", "init 0", "init 1"]
    minigrad.manual_seed(1000)
    first = minigrad.rand(1).item()
    assert out[0][1] == first  # the seed set in worker_init_fn drives the worker's draws
    assert "MINIGRAD_TEST_WORKER" not in os.environ


def test_iterable_dataset_sharded_with_get_worker_info_yields_each_item_once():
    out = [x for b in D.DataLoader(Count(23), batch_size=4, num_workers=3) for x in b.tolist()]
    assert sorted(out) == list(range(23))


class Span(D.IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))


def _split_span(worker_id):
    """Shard in worker_init_fn: each worker narrows its own copy of the dataset."""
    info = D.get_worker_info()
    span = info.dataset
    per = -(-(span.end - span.start) // info.num_workers)
    span.start, span.end = span.start + worker_id * per, min(span.end, span.start + (worker_id + 1) * per)


def test_worker_init_fn_can_shard_the_workers_copy_of_the_dataset():
    ds = Span(3, 20)
    loader = D.DataLoader(ds, batch_size=4, num_workers=3, worker_init_fn=_split_span)
    out = [x for b in loader for x in b.tolist()]
    assert sorted(out) == list(range(3, 20))
    assert (ds.start, ds.end) == (3, 20)  # the main process's dataset is untouched


class Broken(D.IterableDataset):
    def __iter__(self):
        raise OSError("cannot open the stream")


def test_an_iterable_dataset_whose_iter_fails_in_a_worker_is_reported():
    with pytest.raises(OSError, match="Caught OSError in DataLoader worker process 0(.|\n)*cannot open the"):
        list(D.DataLoader(Broken(), num_workers=1))


def test_iterable_dataset_without_sharding_is_repeated_by_every_worker():
    out = [x for b in D.DataLoader(Count(5, shard=False), batch_size=2, num_workers=2) for x in b.tolist()]
    assert sorted(out) == sorted(list(range(5)) * 2)


def test_persistent_workers_are_reused_across_epochs_and_restart_their_streams():
    loader = D.DataLoader(Probe(6), batch_size=2, num_workers=2, persistent_workers=True)
    pids = [{int(p) for b in loader for p in b[3]} for _ in range(3)]
    assert len(pids[0]) == 2 and pids[0] == pids[1] == pids[2]
    for b in loader:  # a broken epoch; the next one is whole
        break
    assert [int(i) for b in loader for i in b[0]] == list(range(6))
    stream = D.DataLoader(Count(7), batch_size=3, num_workers=2, persistent_workers=True)
    assert [sorted(x for b in stream for x in b.tolist()) for _ in range(2)] == [list(range(7))] * 2
    fresh = D.DataLoader(Probe(6), batch_size=2, num_workers=2)
    assert {int(p) for b in fresh for p in b[3]}.isdisjoint({int(p) for b in fresh for p in b[3]})


class Leaves(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return minigrad.full((2, 3), float(i), dtype=minigrad.float64, requires_grad=bool(i))


def test_tensors_cross_the_process_boundary_with_dtype_shape_and_requires_grad():
    out = list(D.DataLoader(Leaves(), batch_size=None, num_workers=1))
    assert [(o.dtype, tuple(o.shape), o.requires_grad, o.tolist()) for o in out] == [
        (minigrad.float64, (2, 3), False, [[0.0] * 3] * 2),
        (minigrad.float64, (2, 3), True, [[1.0] * 3] * 2),
    ]
    with pytest.raises(TypeError, match="not pickled"):  # the transport does not make tensors picklable
        pickle.dumps(out[0])


def test_spawned_workers_give_the_same_batches():
    ds = _tensor_dataset(minigrad, 9)
    ref = canon(list(D.DataLoader(ds, batch_size=4)))
    assert canon(list(D.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn"))) == ref


class Faulty(D.Dataset):
    def __init__(self, exc):
        self.exc = exc

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            raise self.exc
        return i


@pytest.mark.parametrize(
    "exc",
    [ValueError("sample 3 is broken"), KeyError("sample 3 is broken"), IndexError("sample 3 is broken")],
)
def test_a_worker_exception_is_reraised_naming_the_worker_and_the_original_traceback(exc):
    it = iter(D.DataLoader(Faulty(exc), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    with pytest.raises(type(exc)) as info:
        next(it)
    msg = str(info.value)
    assert "Caught " + type(exc).__name__ + " in DataLoader worker process 1" in msg
    assert "Original Traceback" in msg and "in __getitem__" in msg and "sample 3 is broken" in msg
    assert "\n" in msg  # a KeyError too keeps its line breaks
    assert next(it).tolist() == [4, 5]  # as PyTorch: the other batches still come


class OddError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def test_an_exception_that_cannot_be_rebuilt_from_a_message_comes_back_as_runtime_error():
    with pytest.raises(RuntimeError, match="Caught OddError in DataLoader worker process 0"):
        list(D.DataLoader(Faulty(OddError(1, 2)), batch_size=6, num_workers=1))


def _failing_init(worker_id):
    raise ValueError(f"init of worker {worker_id} failed")


def test_a_failing_worker_init_fn_is_reported():
    with pytest.raises(ValueError, match=r"in worker_init_fn of DataLoader worker process \d(.|\n)*init of"):
        list(D.DataLoader(Squares(4), num_workers=2, worker_init_fn=_failing_init))


class Dies(D.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            os._exit(7)
        return i


def test_a_worker_that_dies_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(D.DataLoader(Dies(), batch_size=1, num_workers=1))


class Sleeps(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(0.6)
        return i


def test_timeout_raises_when_a_batch_takes_too_long():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(iter(D.DataLoader(Sleeps(), num_workers=1, timeout=0.2)))


def _wait_dead(workers, seconds=10.0):
    deadline = time.monotonic() + seconds
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(w.is_alive() for w in workers)


def test_workers_stop_when_the_loop_breaks_or_the_epoch_ends():
    loader = D.DataLoader(_tensor_dataset(minigrad, 50), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    workers = list(it._workers)
    assert all(w.is_alive() for w in workers)
    del it
    assert _wait_dead(workers)
    it = iter(loader)
    list(it)
    assert _wait_dead(it._workers, 0.5)


def test_no_queue_thread_outlives_the_workers():
    """A thread left running would make the next loader fork a multi-threaded process."""
    before = threading.active_count()
    ds = _tensor_dataset(minigrad, 40)
    list(D.DataLoader(ds, batch_size=4, num_workers=2))
    it = iter(D.DataLoader(ds, batch_size=4, num_workers=2))
    next(it)
    del it
    assert threading.active_count() == before


BIG_TASKS_AND_A_DEAD_WORKER = """
import os, minigrad
from minigrad.utils import data as D
class Dies(D.Dataset):
    def __len__(self):
        return 10 ** 6
    def __getitem__(self, i):
        os._exit(1)
try:
    list(D.DataLoader(Dies(), batch_size=100000, num_workers=2))
except RuntimeError as e:
    print(e)
"""


def test_a_dead_worker_with_large_tasks_still_unread_does_not_hang_the_shutdown():
    """Index lists bigger than a pipe's buffer stay stuck in the queue's feeder thread when their
    worker dies; shutting down must not wait for that thread."""
    start = time.monotonic()
    out = run_python(BIG_TASKS_AND_A_DEAD_WORKER, timeout=60)
    assert "exited unexpectedly" in out.stdout, out.stderr
    assert time.monotonic() - start < 30


class _ShutsDownWhenPickled:
    """Pickled by a queue's feeder thread: runs the iterator's shutdown there, as a garbage
    collection that happens to run in that thread does with ``__del__``."""

    def __init__(self, it):
        self.it, self.error, self.finished = it, None, threading.Event()

    def __reduce__(self):
        try:
            self.it._shutdown_workers()
        except Exception as e:  # noqa: BLE001 - the feeder thread would only print it
            self.error = e
        finally:
            self.finished.set()
        return int, (0,)


def test_shutdown_from_a_queue_feeder_thread_does_not_join_that_thread():
    it = iter(D.DataLoader(_tensor_dataset(minigrad, 40), batch_size=4, num_workers=1))
    next(it)
    probe = _ShutsDownWhenPickled(it)
    it._index_queues[0].put(probe)
    assert probe.finished.wait(timeout=20)
    assert probe.error is None, probe.error
    assert it._shutdown and _wait_dead(it._workers)
