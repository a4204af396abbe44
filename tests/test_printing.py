"""Tests for minigrad._printing: torch-identical tensor reprs."""

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest


def _load_printing():
    try:
        import minigrad._printing as module
    except Exception:
        path = pathlib.Path(__file__).resolve().parents[1] / "minigrad" / "_printing.py"
        spec = importlib.util.spec_from_file_location("_minigrad_printing", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


printing = _load_printing()

DEFAULT_DTYPES = {"float32", "int64", "bool"}
F32 = np.float32


@pytest.fixture(autouse=True)
def default_printoptions():
    yield
    printing.set_printoptions(profile="default")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_printoptions(profile="default")


def caller_dtype_suffix(arr):
    """The rule a Tensor.__repr__ caller applies: name non-default dtypes."""
    name = arr.dtype.name
    return None if name in DEFAULT_DTYPES else "torch." + name


def _grid(*shape, dtype=F32, scale=1.0, offset=0.0):
    values = np.arange(math.prod(shape), dtype=np.float64) * scale + offset
    return values.reshape(shape).astype(dtype)


def _random(*shape, seed=0, dtype=F32, scale=1.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(dtype)


# (id, array, autograd mode) where mode is None, "requires_grad" or "grad_fn".
CASES = [
    ("0d_int_valued", np.array(16, F32), None),
    ("0d_fraction", np.array(-0.1324, F32), None),
    ("0d_nan", np.array(np.nan, F32), None),
    ("0d_neg_zero", np.array(-0.0, F32), None),
    ("0d_int64", np.array(5), None),
    ("0d_tiny_f64", np.array(1e-9), None),
    ("1d_small", np.array([1.5, -2.25, 3.0], F32), None),
    ("1d_int_valued", np.array([1.0, -2.0, 30.0], F32), None),
    ("1d_neg_zero", np.array([-0.0, 0.0], F32), None),
    ("1d_all_nonfinite", np.array([np.nan, np.inf, -np.inf, 0.0], F32), None),
    ("1d_nan_inf_mixed", np.array([np.nan, -np.inf, np.inf, 1.5], F32), None),
    ("1d_sci_small", np.array([1e-5, 1.0, 1000.0], F32), None),
    ("1d_sci_ratio", np.array([1.0, 2000.0], F32), None),
    ("1d_sci_large", np.array([1.5e9, 2.0], F32), None),
    ("1d_sci_int_valued", np.array([1.0, 1e9], F32), None),
    ("1d_sci_nan", np.array([1e-6, np.nan, -np.inf], F32), None),
    ("1d_long_wrapped", _grid(30), None),
    ("1d_long_fraction", _random(25), None),
    ("1d_float16", np.array([0.5, 1.25, -3.0], np.float16), None),
    ("1d_float64", np.array([1.0, 2.5], np.float64), None),
    ("2d_twos", np.full((2, 2), 2, F32), None),
    ("2d_random", _random(3, 4, seed=1) * 10, None),
    ("2d_mixed_width", np.array([[1.5, -1000.25], [0.125, 7.0]], F32), None),
    ("3d_grid", _grid(2, 3, 4, scale=0.5), None),
    ("4d_grid", _grid(2, 2, 2, 3), None),
    ("int64_matrix", np.array([[1, -20], [300, 4]], np.int64), None),
    ("int32_3d", np.arange(8, dtype=np.int32).reshape(2, 2, 2), None),
    ("int8", np.array([-128, 0, 127], np.int8), None),
    ("int16", np.array([-300, 7], np.int16), None),
    ("uint8", np.array([0, 255, 3], np.uint8), None),
    ("bool", np.array([True, False]), None),
    ("bool_2d", np.array([[True], [False]]), None),
    ("empty_1d", np.zeros(0, F32), None),
    ("empty_2d", np.zeros((0, 3), F32), None),
    ("empty_int64", np.zeros(0, np.int64), None),
    ("empty_f64_grad", np.zeros((2, 0), np.float64), "requires_grad"),
    ("summarized_1d", np.arange(2000, dtype=np.int64), None),
    ("summarized_2d", _random(40, 50, seed=2), None),
    ("summarized_3d", _grid(11, 10, 12, scale=0.1), None),
    ("summarized_rows_only", _grid(2, 1200, scale=1e-3), None),
    ("requires_grad", np.full((2, 2), 2, F32), "requires_grad"),
    ("grad_fn", np.full((2, 2), 2, F32), "grad_fn"),
    ("grad_fn_wraps", np.arange(6, dtype=F32) + 0.5, "grad_fn"),
    ("f64_grad_fn_wraps", np.arange(4, dtype=np.float64) + 0.5, "grad_fn"),
    ("f64_long_grad_fn", _random(12, dtype=np.float64), "grad_fn"),
    ("multiline_grad_fn", _random(3, 9, seed=3), "grad_fn"),
]


def _torch_and_suffixes(torch, arr, mode):
    tensor = torch.from_numpy(arr.copy())
    if mode is None:
        return tensor, []
    tensor.requires_grad_(True)
    if mode == "requires_grad":
        return tensor, ["requires_grad=True"]
    return tensor * 1, ["grad_fn=<MulBackward0>"]


def _assert_matches_torch(torch, arr, mode):
    tensor, suffixes = _torch_and_suffixes(torch, arr, mode)
    expected = repr(tensor)
    assert printing.format_tensor(arr, caller_dtype_suffix(arr), suffixes) == expected


@pytest.mark.parametrize("arr, mode", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(arr, mode):
    torch = pytest.importorskip("torch")
    _assert_matches_torch(torch, arr, mode)


OPTION_SETS = [
    dict(precision=2),
    dict(precision=0),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(threshold=5, edgeitems=1),
    dict(edgeitems=0, threshold=3),
    dict(linewidth=30),
    dict(profile="short"),
    dict(profile="full"),
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=str)
@pytest.mark.parametrize(
    "name",
    ["1d_sci_small", "1d_long_fraction", "3d_grid", "int64_matrix", "f64_grad_fn_wraps", "1d_all_nonfinite"],
)
def test_matches_torch_with_options(options, name):
    torch = pytest.importorskip("torch")
    _, arr, mode = next(case for case in CASES if case[0] == name)
    torch.set_printoptions(**options)
    printing.set_printoptions(**options)
    assert printing.get_printoptions() == torch._tensor_str.get_printoptions()
    _assert_matches_torch(torch, arr, mode)


# Expected strings observed from torch 2.13 (these run without torch).
HARDCODED = [
    (np.array(16, F32), None, [], "tensor(16.)"),
    (np.array(-0.1324, F32), None, [], "tensor(-0.1324)"),
    (np.array(9.9120, F32), None, [], "tensor(9.9120)"),
    (np.full((2, 2), 2, F32), None, [], "tensor([[2., 2.],\n        [2., 2.]])"),
    (
        np.full((2, 2), 2, F32),
        None,
        ["requires_grad=True"],
        "tensor([[2., 2.],\n        [2., 2.]], requires_grad=True)",
    ),
    (
        np.array([[5.4968, 5.1123, 5.9465], [5.0520, 5.7710, 5.6281]], F32),
        None,
        [],
        "tensor([[5.4968, 5.1123, 5.9465],\n        [5.0520, 5.7710, 5.6281]])",
    ),
    (np.array([1e-5, 1.0, 1000.0], F32), None, [], "tensor([1.0000e-05, 1.0000e+00, 1.0000e+03])"),
    (np.array([np.nan, -np.inf, np.inf, 1.5], F32), None, [], "tensor([   nan,   -inf,    inf, 1.5000])"),
    (np.array([-0.0, 0.0], F32), None, [], "tensor([-0., 0.])"),
    (np.array([True, False]), None, [], "tensor([ True, False])"),
    (np.array([1.0, 2.5]), "torch.float64", [], "tensor([1.0000, 2.5000], dtype=torch.float64)"),
    (np.zeros((0, 3), F32), None, [], "tensor([], size=(0, 3))"),
    (np.arange(2000), None, [], "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
    (
        np.arange(8, dtype=np.int32).reshape(2, 2, 2),
        "torch.int32",
        [],
        "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], dtype=torch.int32)",
    ),
    (
        np.arange(30, dtype=F32),
        None,
        [],
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
        "        28., 29.])",
    ),
    (
        np.arange(4, dtype=np.float64) + 0.5,
        "torch.float64",
        ["grad_fn=<MulBackward0>"],
        "tensor([0.5000, 1.5000, 2.5000, 3.5000], dtype=torch.float64,\n       grad_fn=<MulBackward0>)",
    ),
]


@pytest.mark.parametrize("arr, dtype_suffix, suffixes, expected", HARDCODED)
def test_hardcoded_torch_output(arr, dtype_suffix, suffixes, expected):
    assert printing.format_tensor(arr, dtype_suffix, suffixes) == expected


def test_set_printoptions_precision():
    printing.set_printoptions(precision=2)
    assert printing.format_tensor(np.array([1.12345, 2.0], F32)) == "tensor([1.12, 2.00])"
    printing.set_printoptions(profile="default")
    assert printing.format_tensor(np.array([1.12345], F32)) == "tensor([1.1235])"


def test_printoptions_profiles_and_sci_mode_reset():
    defaults = printing.get_printoptions()
    assert defaults == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
    printing.set_printoptions(profile="short", sci_mode=True)
    assert printing.get_printoptions() == dict(
        precision=2, threshold=1000, edgeitems=2, linewidth=80, sci_mode=True
    )
    printing.set_printoptions(linewidth=100)
    assert printing.get_printoptions()["sci_mode"] is None
    printing.set_printoptions(profile="full")
    assert printing.get_printoptions()["threshold"] == math.inf
    printing.set_printoptions(profile="default")
    assert printing.get_printoptions() == defaults


def test_threshold_controls_summarization():
    printing.set_printoptions(threshold=5)
    assert printing.format_tensor(np.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    printing.set_printoptions(profile="default")
    assert printing.format_tensor(np.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
