"""Tests of minigrad.save / minigrad.load (``minigrad/serialization.py``): exact round trips of
tensors and nested containers, sharing, atomic writes, no pickle, and clear errors for files
that are not complete minigrad checkpoints."""

import io
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
from minigrad import nn


def _roundtrip(obj, tmp_path):
    path = tmp_path / "ckpt.pt"
    minigrad.save(obj, path)
    return minigrad.load(path)


@pytest.mark.parametrize(
    "dtype",
    [
        minigrad.float16,
        minigrad.float32,
        minigrad.float64,
        minigrad.int64,
        minigrad.int32,
        minigrad.uint8,
        minigrad.bool,
    ],
)
def test_tensor_round_trips_exactly_with_dtype(dtype, tmp_path):
    t = minigrad.tensor(np.random.default_rng(0).normal(size=(3, 2)) * 5).to(dtype)
    back = _roundtrip(t, tmp_path)
    assert back.dtype == dtype and back.shape == t.shape
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_state_dict_round_trips_exactly(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    model(minigrad.randn(4, 1, 4, 4))
    back = _roundtrip(model.state_dict(), tmp_path)
    assert isinstance(back, OrderedDict) and list(back) == list(model.state_dict())
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    fresh.load_state_dict(back)
    for (k, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
        assert a.dtype == b.dtype


def test_nested_containers_and_plain_values_round_trip(tmp_path):
    obj = {
        "epoch": 3,
        "lr": 0.1,
        "name": "run",
        "done": False,
        "none": None,
        "nan": float("nan"),
        "state": {0: {"step": 5, "buf": minigrad.ones(2)}, 1: {}},
        "groups": [{"params": [0, 1]}],
        "shape": (2, 3),
        "array": np.arange(3),
    }
    back = _roundtrip(obj, tmp_path)
    assert back["epoch"] == 3 and back["lr"] == 0.1 and back["name"] == "run" and back["done"] is False
    assert back["none"] is None and np.isnan(back["nan"])
    assert list(back["state"]) == [0, 1] and back["state"][0]["step"] == 5
    assert back["state"][0]["buf"].tolist() == [1.0, 1.0]
    assert back["groups"] == [{"params": [0, 1]}] and back["shape"] == (2, 3)
    np.testing.assert_array_equal(back["array"], np.arange(3))


def test_shared_tensors_stay_shared_and_parameters_stay_parameters(tmp_path):
    p = nn.Parameter(minigrad.ones(2))
    x = minigrad.zeros(2, requires_grad=True)
    back = _roundtrip({"a": p, "b": p, "x": x}, tmp_path)
    assert back["a"] is back["b"] and isinstance(back["a"], nn.Parameter)
    assert back["x"].requires_grad and back["x"].is_leaf


def test_save_and_load_file_objects():
    buf = io.BytesIO()
    minigrad.save({"w": minigrad.arange(3.0)}, buf)
    buf.seek(0)
    assert minigrad.load(buf)["w"].tolist() == [0.0, 1.0, 2.0]


def test_saved_file_is_a_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "ckpt.npz"
    minigrad.save({"w": minigrad.ones(2)}, path)
    with np.load(path, allow_pickle=False) as z:
        assert "__minigrad__" in z.files and z["a0"].tolist() == [1.0, 1.0]


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "ckpt.pt"
    minigrad.save({"v": minigrad.ones(1)}, path)
    with pytest.raises(TypeError):
        minigrad.save({"v": minigrad.zeros(1), "bad": object()}, path)
    assert minigrad.load(path)["v"].tolist() == [1.0]
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_save_unsupported_type_names_where_it_is(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save Linear at obj\['model'\].*state_dict"):
        minigrad.save({"model": nn.Linear(1, 1)}, tmp_path / "x")


def test_save_object_array_is_refused(tmp_path):
    with pytest.raises(TypeError, match="without pickle"):
        minigrad.save(np.array([object()]), tmp_path / "x")


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage(path):
    path.write_bytes(b"not a checkpoint at all")


def _plain_npy(path):
    with open(path, "wb") as f:
        np.save(f, np.ones(3))


def _foreign_npz(path):
    with open(path, "wb") as f:
        np.savez(f, x=np.ones(3))


def _bad_json(path):
    with zipfile.ZipFile(path, "w") as z:
        buf = io.BytesIO()
        np.save(buf, np.array("{not json"))
        z.writestr("__minigrad__.npy", buf.getvalue())


@pytest.mark.parametrize("corrupt", [_truncated, _garbage, _plain_npy, _foreign_npz, _bad_json])
def test_load_corrupt_file_raises_runtime_error(corrupt, tmp_path):
    path = tmp_path / "ckpt.pt"
    minigrad.save({"w": minigrad.ones(4)}, path)
    corrupt(path)
    with pytest.raises(RuntimeError, match="is not a readable minigrad checkpoint"):
        minigrad.load(path)


def test_load_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        minigrad.load(tmp_path / "nope.pt")


def test_load_accepts_pytorch_keyword_arguments(tmp_path):
    minigrad.save(minigrad.ones(1), tmp_path / "x")
    assert minigrad.load(tmp_path / "x", map_location="cpu", weights_only=True).item() == 1.0
