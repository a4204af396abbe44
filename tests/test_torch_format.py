"""PyTorch checkpoints both ways without PyTorch (``minigrad/_torch_format.py``, issue 17):
``minigrad.load`` reads a file written by ``torch.save`` (a committed fixture, so this runs
without torch), ``minigrad.save(..., format="torch")`` writes one ``torch.load(...,
weights_only=True)`` reads, sharing and views survive both ways, and a hostile file is refused
before anything in it runs."""

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
from minigrad import nn

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "torch_save.pt")


def fixture_object(torch):
    """What tests/fixtures/torch_save.pt holds; ``torch`` is torch (to write it) or minigrad
    (to check it). Regenerate: ``python -c "import torch, tests.test_torch_format as t;
    torch.save(t.fixture_object(torch), t.FIXTURE)"`` (test_fixture_matches_its_recipe checks)."""
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.arange(6.0).reshape(2, 3) / 8)
        lin.bias.copy_(torch.tensor([-1.0, 0.5]))
    base = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    return {
        "state_dict": lin.state_dict(),
        "base": base,
        "view": base[1:, 1:],  # a view: offset 5, strides (4, 1), one storage with base
        "transposed": base.t(),
        "nested": {"ints": [torch.tensor([1, -2, 3]), 7, "text", 2.5, None, True, (1, 2)]},
        "param": torch.nn.Parameter(torch.ones(2)),
        "half": torch.tensor([0.5, -2.0], dtype=torch.float16),
        "flags": torch.tensor([True, False]),
        "empty": torch.zeros(0, 3),
        "bytes": b"\x00\xff",
    }


def _pack(data_pkl, records=(), prefix="archive"):
    """A zip laid out like torch.save's, holding the given data.pkl and storage records."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{prefix}/data.pkl", data_pkl)
        zf.writestr(f"{prefix}/byteorder", "little")
        for key, raw in records:
            zf.writestr(f"{prefix}/data/{key}", raw)
        zf.writestr(f"{prefix}/version", "3\n")
    buf.seek(0)
    return buf


def _assert_same(got, want, where="obj"):
    if isinstance(want, minigrad.Tensor):
        assert isinstance(got, minigrad.Tensor), where
        assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape, where
        assert got.requires_grad == want.requires_grad, where
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy(), err_msg=where)
    elif isinstance(want, dict):
        assert type(got) is type(want) and list(got) == list(want), where
        for k in want:
            _assert_same(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{i}]")
    else:
        assert got == want and type(got) is type(want), where


def test_load_reads_a_checkpoint_written_by_torch_save():
    _assert_same(minigrad.load(FIXTURE), fixture_object(minigrad))


def test_load_keeps_torch_storage_sharing_as_shared_memory():
    ck = minigrad.load(FIXTURE)
    ck["base"][1, 1] = 100.0
    assert ck["view"][0, 0].item() == 100.0 and ck["transposed"][1, 1].item() == 100.0


def test_load_keeps_state_dict_metadata_and_loads_into_a_module():
    sd = minigrad.load(FIXTURE)["state_dict"]
    assert isinstance(sd, OrderedDict) and sd._metadata[""] == {"version": 1}
    lin = nn.Linear(3, 2)
    lin.load_state_dict(sd)
    np.testing.assert_array_equal(lin.weight.detach().numpy(), np.arange(6.0).reshape(2, 3) / 8)


def test_save_torch_format_round_trips_without_torch(tmp_path):
    obj = fixture_object(minigrad)
    minigrad.save(obj, tmp_path / "m.pt", format="torch")
    back = minigrad.load(tmp_path / "m.pt")
    _assert_same(back, obj)
    back["base"][0, 1] = -1.0  # views written here share one storage again
    assert back["transposed"][1, 0].item() == -1.0
    with zipfile.ZipFile(tmp_path / "m.pt") as zf:
        assert zf.namelist()[0] == "m/data.pkl"
        for info in zf.infolist():  # each record's bytes 64-aligned, as torch writes them
            assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0


def test_save_torch_format_keeps_a_tensor_saved_twice_one_object(tmp_path):
    p = nn.Parameter(minigrad.ones(2))
    minigrad.save({"a": p, "b": p}, tmp_path / "m.pt", format="torch")
    back = minigrad.load(tmp_path / "m.pt")
    assert back["a"] is back["b"] and isinstance(back["a"], nn.Parameter)


def test_save_torch_format_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save Linear at obj\['model'\]"):
        minigrad.save({"model": nn.Linear(1, 1)}, tmp_path / "m.pt", format="torch")
    with pytest.raises(ValueError, match="format must be 'minigrad' or 'torch'"):
        minigrad.save({}, tmp_path / "m.pt", format="onnx")


class _Hostile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_load_refuses_a_hostile_checkpoint_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    f = _pack(pickle.dumps({"w": _Hostile(marker)}, protocol=2))
    with pytest.raises(
        pickle.UnpicklingError, match=r"refused .*Unsupported global: GLOBAL (posix|nt)\.system"
    ):
        minigrad.load(f)
    assert not marker.exists()


@pytest.mark.parametrize(
    "data_pkl, match",
    [
        # BUILD on a list: state may be set only on an OrderedDict (a state dict's _metadata)
        (b"\x80\x02]}b.", "BUILD on list refused"),
        # a class to instantiate by name
        (b"\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.", "GLOBAL builtins.eval"),
        # a persistent id that is not a storage
        (b"\x80\x02X\x03\x00\x00\x00abcQ.", "unknown persistent id"),
    ],
)
def test_load_refuses_pickles_a_weights_only_load_never_needs(data_pkl, match):
    with pytest.raises(pickle.UnpicklingError, match=match):
        minigrad.load(_pack(data_pkl))


def _fixture_pickle():
    with zipfile.ZipFile(FIXTURE) as zf:
        name = next(n for n in zf.namelist() if n.endswith("/data.pkl"))
        return zf.read(name), {n.split("/data/")[1]: zf.read(n) for n in zf.namelist() if "/data/" in n}


def test_load_refuses_a_tensor_reaching_past_its_storage():
    # offset 0, size (2, 3), stride (3, 1) on a 2-element storage: numpy would read past it
    pid = b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQ"
    args = b"(" + pid + b"K\x00K\x02K\x03\x86K\x03K\x01\x86\x89ccollections\nOrderedDict\n)Rt"
    data_pkl = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R."
    with pytest.raises(pickle.UnpicklingError, match="reaches element 5 of a storage of 2 elements"):
        minigrad.load(_pack(data_pkl, [("0", np.zeros(2, np.float32).tobytes())]))


def test_load_refuses_a_storage_record_of_the_wrong_size():
    data_pkl, records = _fixture_pickle()
    records["0"] = records["0"][:-4]
    with pytest.raises(pickle.UnpicklingError, match="storage 0 .* should hold"):
        minigrad.load(_pack(data_pkl, records.items()))


def test_load_names_a_torch_dtype_minigrad_lacks():
    data_pkl, records = _fixture_pickle()
    data_pkl = data_pkl.replace(b"torch\nHalfStorage\n", b"torch\nBFloat16Storage\n")
    with pytest.raises(TypeError, match="holds a torch.BFloat16Storage, a dtype minigrad has no tensor for"):
        minigrad.load(_pack(data_pkl, records.items()))


# ----------------------------------------------------------------------------- with PyTorch
def test_fixture_matches_its_recipe(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save(fixture_object(torch), tmp_path / "again.pt")
    _assert_same(minigrad.load(tmp_path / "again.pt"), minigrad.load(FIXTURE))


def test_checkpoint_round_trips_minigrad_to_torch_to_minigrad(tmp_path):
    torch = pytest.importorskip("torch")
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    model(minigrad.randn(4, 1, 4, 4))  # BatchNorm's running stats move off their defaults
    minigrad.save(model.state_dict(), tmp_path / "mg.pt", format="torch")

    twin = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(), torch.nn.Linear(8, 3)
    )
    twin.load_state_dict(torch.load(tmp_path / "mg.pt", weights_only=True))
    x = np.random.default_rng(1).normal(size=(2, 1, 4, 4)).astype(np.float32)
    model.eval()
    twin.eval()
    want = model(minigrad.tensor(x)).detach().numpy()
    np.testing.assert_allclose(twin(torch.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-6)

    torch.save(twin.state_dict(), tmp_path / "torch.pt")
    back = minigrad.load(tmp_path / "torch.pt")
    _assert_same(back, model.state_dict())


def test_torch_reads_views_and_parameters_written_here(tmp_path):
    torch = pytest.importorskip("torch")
    obj = fixture_object(minigrad)
    minigrad.save(obj, tmp_path / "m.pt", format="torch")
    got = torch.load(tmp_path / "m.pt", weights_only=True)
    assert isinstance(got["param"], torch.nn.Parameter) and got["param"].requires_grad
    assert got["view"].untyped_storage().data_ptr() == got["base"].untyped_storage().data_ptr()
    assert got["view"].storage_offset() == 5 and got["transposed"].stride() == (1, 4)
    assert got["half"].dtype == torch.float16 and got["bytes"] == b"\x00\xff"
    np.testing.assert_array_equal(got["nested"]["ints"][0].numpy(), [1, -2, 3])
    assert got["nested"]["ints"][1:] == [7, "text", 2.5, None, True, (1, 2)]
