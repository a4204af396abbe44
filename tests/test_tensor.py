"""Tensor attributes, creation functions, dtypes and conversions, and the package itself."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minigrad


def test_version_and_tensor_class():
    assert isinstance(minigrad.__version__, str)
    t = minigrad.ones(2)
    assert isinstance(t, minigrad.Tensor) and minigrad.is_tensor(t)


def test_dtype_aliases():
    assert minigrad.float is minigrad.float32
    assert minigrad.double is minigrad.float64
    assert minigrad.long is minigrad.int64
    assert repr(minigrad.float64) == "minigrad.float64"


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, "float32"),
        ([1, 2], "int64"),
        ([True, False], "bool"),
        ([[1.0, 2.0]], "float32"),
        (np.zeros(2, np.float64), "float64"),
        (np.zeros(2, np.int32), "int32"),
    ],
)
def test_tensor_infers_pytorch_default_dtypes(data, dtype):
    assert minigrad.tensor(data).dtype is getattr(minigrad, dtype if dtype != "bool" else "bool")


def test_tensor_copies_but_from_numpy_shares_memory():
    a = np.zeros(3, np.float32)
    t, s = minigrad.tensor(a), minigrad.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 0 and s[0].item() == 5


def test_numpy_shares_memory_and_refuses_tensors_requiring_grad():
    t = minigrad.zeros(2)
    t.numpy()[1] = 3
    assert t.tolist() == [0.0, 3.0]
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        minigrad.zeros(2, requires_grad=True).numpy()


def test_shape_size_dim_numel_item_tolist():
    t = minigrad.ones(2, 3)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3
    assert t.dim() == 2 and t.ndim == 2 and t.numel() == 6 and len(t) == 2
    assert minigrad.tensor([[7.0]]).item() == 7.0
    assert t.tolist() == [[1.0] * 3] * 2
    assert repr(t.shape) == "minigrad.Size([2, 3])"


@pytest.mark.parametrize(
    "make",
    [
        lambda: minigrad.zeros(2, 3),
        lambda: minigrad.zeros((2, 3)),
        lambda: minigrad.ones([2, 3]),
        lambda: minigrad.empty(2, 3),
        lambda: minigrad.full((2, 3), 1.5),
        lambda: minigrad.rand(2, 3),
        lambda: minigrad.randn(2, 3),
    ],
)
def test_creation_shapes_and_float32_default(make):
    t = make()
    assert t.shape == (2, 3) and t.dtype is minigrad.float32 and not t.requires_grad


@pytest.mark.parametrize("fn", [minigrad.zeros, minigrad.ones, minigrad.rand, minigrad.randn, minigrad.empty])
def test_creation_takes_dtype_and_requires_grad(fn):
    t = fn(2, dtype=minigrad.float64, requires_grad=True)
    assert t.dtype is minigrad.float64 and t.requires_grad and t.is_leaf


def test_eye_arange_linspace_randint_full_like():
    np.testing.assert_array_equal(minigrad.eye(3).numpy(), np.eye(3))
    assert minigrad.arange(5).tolist() == [0, 1, 2, 3, 4] and minigrad.arange(5).dtype is minigrad.int64
    assert minigrad.arange(0, 1, 0.25).dtype is minigrad.float32
    np.testing.assert_allclose(minigrad.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    r = minigrad.randint(0, 10, (100,))
    assert r.dtype is minigrad.int64 and 0 <= r.numpy().min() and r.numpy().max() < 10
    assert minigrad.full((2,), 3).dtype is minigrad.int64
    x = minigrad.ones(2, 3, dtype=minigrad.float64)
    for like in (minigrad.zeros_like, minigrad.ones_like, minigrad.rand_like, minigrad.randn_like):
        y = like(x)
        assert y.shape == (2, 3) and y.dtype is minigrad.float64
    assert minigrad.full_like(x, 7).tolist() == [[7.0] * 3] * 2


def test_manual_seed_is_reproducible():
    minigrad.manual_seed(123)
    a = minigrad.randn(5).tolist()
    minigrad.manual_seed(123)
    assert minigrad.randn(5).tolist() == a


@pytest.mark.parametrize(
    "method, dtype",
    [("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32"), ("bool", "bool")],
)
def test_dtype_conversion_methods(method, dtype):
    t = getattr(minigrad.tensor([0.0, 1.5]), method)()
    assert t.dtype is getattr(minigrad, dtype)


def test_float_conversions_are_differentiable():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype is minigrad.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_to_and_type_as():
    x = minigrad.ones(2)
    assert x.to(minigrad.float64).dtype is minigrad.float64
    assert x.to(minigrad.float32) is x
    assert x.type_as(minigrad.zeros(1, dtype=minigrad.int64)).dtype is minigrad.int64


def test_clone_keeps_history_and_copies():
    x = minigrad.ones(2, requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0"
    c.detach().zero_()
    assert x.tolist() == [1.0, 1.0]


def test_grad_is_settable_and_checked():
    x = minigrad.ones(2, requires_grad=True)
    x.grad = minigrad.zeros(2)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        x.grad = minigrad.zeros(3)
    x.grad = None
    assert x.grad is None


def test_requires_grad_underscore_returns_self():
    a = minigrad.ones(2)
    assert a.requires_grad_() is a and a.requires_grad


def test_python_number_conversions_and_truthiness():
    assert float(minigrad.tensor(2.5)) == 2.5 and int(minigrad.tensor(3)) == 3
    assert bool(minigrad.tensor([1.0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(minigrad.ones(2))


def test_tensors_are_hashable_by_identity():
    a, b = minigrad.ones(1), minigrad.ones(1)
    assert len({a, b}) == 2


def test_comparisons_give_bool_tensors_without_grad():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype is minigrad.bool and not m.requires_grad and m.tolist() == [False, True, True]


def test_numpy_operands_defer_to_tensor():
    x = minigrad.ones(2)
    r = np.float32(2.0) * x
    assert isinstance(r, minigrad.Tensor) and r.dtype is minigrad.float32


def test_import_without_compiled_core_says_how_to_build(tmp_path):
    pkg = tmp_path / "minigrad"
    src = os.path.dirname(minigrad.__file__)
    shutil.copytree(src, pkg, ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__"))
    # drop pip's editable-install finders so the copy, which has no .so, is what imports
    code = (
        "import sys; sys.meta_path = [f for f in sys.meta_path "
        "if 'editable' not in repr(f).lower()]; import minigrad"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert proc.returncode != 0
    assert "pip install -e ." in proc.stderr


def test_deepcopy_copies_storage_flags_and_grad():
    import copy

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.grad.tolist() == [2.0, 2.0]
    y.detach().zero_()
    assert x.tolist() == [1.0, 2.0]
    state = copy.deepcopy({"w": x, "again": x})
    assert state["w"] is state["again"]


def test_deepcopy_of_non_leaf_raises_like_pytorch():
    import copy

    with pytest.raises(RuntimeError, match="^Only Tensors created explicitly by the user"):
        copy.deepcopy(minigrad.ones(2, requires_grad=True) * 2)


def test_grad_of_another_dtype_is_refused():
    w = minigrad.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="^assigned grad has data of a different type"):
        w.grad = minigrad.ones(2, dtype=minigrad.float64)


def test_a_0d_tensor_formats_as_its_number_as_in_pytorch():
    # learner code prints f"{loss}" and f"{-log_likelihood / n}": PyTorch gives the number
    t = minigrad.tensor(2.5)
    assert f"{t}" == "2.5" and f"{t:.3f}" == "2.500" and f"{t=}" == "t=tensor(2.5000)"
    assert "{}".format(minigrad.tensor(3)) == "3"
    assert f"{minigrad.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    torch = pytest.importorskip("torch")
    exprs = ("f'{L.tensor(2.5)}'", "f'{L.tensor(7)}'", "f'{L.tensor(1.25):.1f}'", "f'{L.tensor([1.0, 2.0])}'")
    for expr in exprs:
        assert eval(expr, {"L": minigrad}) == eval(expr, {"L": torch})


@pytest.mark.parametrize("fn", ["cat", "stack"])
def test_cat_and_stack_promote_as_pytorch(fn):
    # an int64 tensor joined to a float32 one gives float32 (numpy's rule would give float64)
    cases = [
        ("int64", "float32"),
        ("int64", "bool"),
        ("float32", "float64"),
        ("int32", "int64"),
        ("bool", "float32"),
        ("int64", "float16"),
    ]
    expected = ["float32", "int64", "float64", "int64", "float32", "float16"]
    for (a, b), want in zip(cases, expected):
        out = getattr(minigrad, fn)(
            [minigrad.ones(2, dtype=getattr(minigrad, a)), minigrad.ones(2, dtype=getattr(minigrad, b))]
        )
        assert out.dtype == getattr(minigrad, want), (a, b)
    torch = pytest.importorskip("torch")
    for (a, b), want in zip(cases, expected):
        pair = [torch.ones(2, dtype=getattr(torch, a)), torch.ones(2, dtype=getattr(torch, b))]
        out = getattr(torch, fn)(pair)
        assert str(out.dtype) == f"torch.{want}"


def test_bfloat16_is_a_name_no_tensor_holds():
    # nanoGPT's train.py builds {'float32': torch.float32, 'bfloat16': torch.bfloat16, ...}
    table = {"float32": minigrad.float32, "bfloat16": minigrad.bfloat16}
    assert table["bfloat16"].is_floating_point and repr(minigrad.bfloat16) == "minigrad.bfloat16"
    bf16 = minigrad.bfloat16
    for make in (
        lambda: minigrad.zeros(2, dtype=bf16),
        lambda: minigrad.ones(2).to(bf16),
        lambda: minigrad.tensor([1.0], dtype=bf16),
    ):
        with pytest.raises(TypeError, match="no bfloat16 tensors"):
            make()
    with minigrad.autocast("cpu", dtype=minigrad.bfloat16):  # PyTorch accepts it on the CPU; no warning
        assert (minigrad.ones(2, 2) @ minigrad.ones(2, 2)).dtype == minigrad.float32


def test_comparing_with_none_is_false_as_in_pytorch():
    x = minigrad.ones(2)
    assert (x == None) is False and (x != None) is True  # noqa: E711  (the idiom under test)


@pytest.mark.parametrize("a, b", [("float64", "float32"), ("int64", "float32"), ("float32", "float16")])
def test_matmul_refuses_mixed_dtypes_as_pytorch(a, b):
    # issue 17: float64 @ float32 used to promote silently; PyTorch raises
    for shapes in (((2, 3), (3, 2)), ((3,), (3,)), ((2, 2, 3), (3, 4))):
        x = minigrad.ones(*shapes[0], dtype=getattr(minigrad, a))
        y = minigrad.ones(*shapes[1], dtype=getattr(minigrad, b))
        with pytest.raises(RuntimeError, match="same dtype"):
            x @ y
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.ones(2, 3, dtype=getattr(torch, a)) @ torch.ones(3, 2, dtype=getattr(torch, b))


# ----------------------------------------------------------------------------- PyTorch's messages (issue 17)
@pytest.mark.parametrize(
    "index, message",
    [
        (0, r"invalid index of a 0-dim tensor\. Use `tensor\.item\(\)` in Python"),
        (slice(0, 1), r"slice\(\) cannot be applied to a 0-dim tensor\."),
        ((0, 0), r"too many indices for tensor of dimension 0"),
    ],
)
def test_indexing_a_0d_tensor_raises_pytorchs_message(index, message):
    with pytest.raises(IndexError, match=message):
        minigrad.tensor(1.0)[index]


@pytest.mark.parametrize(
    "data, message",
    [
        ([[1, 2], [3]], r"expected sequence of length 2 at dim 1 \(got 1\)"),
        ([[1, 2], [3, 4, 5]], r"expected sequence of length 2 at dim 1 \(got 3\)"),
        ([[[1], [2]], [[3]]], r"expected sequence of length 2 at dim 1 \(got 1\)"),
        ([[[1, 2]], [[3]]], r"expected sequence of length 2 at dim 2 \(got 1\)"),
        ([[1, 2], 3], r"expected sequence of length 2 at dim 1 \(got int\)"),
    ],
)
def test_ragged_nested_list_raises_pytorchs_message(data, message):
    with pytest.raises(ValueError, match=message):
        minigrad.tensor(data)
