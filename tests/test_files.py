"""Hostile and broken files (issue 8): ``minigrad.load`` on truncated, corrupted and hostile
files raises a clear error and never executes code; ``minigrad.save`` is atomic when the
writer fails or the writing process is interrupted or killed mid-write.

``tests/test_serialization.py`` covers round trips and the basic corrupt-file errors; here
are the adversarial cases. Hostile payloads would create a marker file if their code ran:
the tests assert that it never appears.
"""

import io
import json
import os
import pickle
import signal
import subprocess
import time
import zipfile

import numpy as np
import pytest
from child_process import popen_python

import minigrad
from minigrad import nn
from minigrad import serialization as S

NOT_READABLE = "is not a readable minigrad checkpoint"


class _Payload:
    """Unpickling this runs ``os.mkdir(marker)``: proof that code was executed."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _checkpoint(path, **extra):
    minigrad.save({"w": minigrad.arange(12.0).reshape(3, 4), "step": 7, **extra}, path)
    return path.read_bytes()


def _spec_npy(root):
    buf = io.BytesIO()
    np.save(buf, np.array(json.dumps({"format": "minigrad.save", "version": 1, "root": root})))
    return buf.getvalue()


# ----------------------------------------------------------------------------- truncated / corrupted


@pytest.mark.parametrize("keep", [0.0, 0.01, 0.25, 0.5, 0.9, 0.999])
def test_truncated_file_raises_a_clear_error(tmp_path, keep):
    path = tmp_path / "ckpt.pt"
    data = _checkpoint(path)
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(RuntimeError, match=NOT_READABLE):
        minigrad.load(path)


@pytest.mark.parametrize("where", [0.0, 0.1, 0.3, 0.5, 0.7, 0.95])
def test_corrupted_bytes_raise_a_clear_error_or_load_the_original_values(tmp_path, where):
    """Flipping bytes anywhere (headers, array data, the JSON spec, the zip directory) must
    raise the clear error: zip's CRC catches flipped array bytes."""
    path = tmp_path / "ckpt.pt"
    data = bytearray(_checkpoint(path))
    at = int(len(data) * where)
    for k in range(at, min(at + 8, len(data))):
        data[k] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match=NOT_READABLE):
        minigrad.load(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00" * 1000, b"PK\x03\x04 not really a zip", "héllo wörld\n".encode(), b"\x93NUMPY garbage"],
)
def test_non_zip_files_raise_a_clear_error(tmp_path, content):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=NOT_READABLE):
        minigrad.load(path)


def test_a_directory_raises_an_os_error(tmp_path):
    with pytest.raises(OSError):
        minigrad.load(tmp_path)


# ----------------------------------------------------------------------------- hostile


def test_a_pickle_file_is_refused_without_running_its_code(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"state": _Payload(marker)}))
    with pytest.raises(RuntimeError, match=NOT_READABLE):
        minigrad.load(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())  # the payload is live: plain pickle does run it
    assert marker.exists()


def test_a_torch_style_zip_with_a_pickle_inside_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(_Payload(marker)))
        z.writestr("__minigrad__.npy", _spec_npy({"value": 1}))
    # read as a PyTorch checkpoint (issue 17): the restricted unpickler refuses the global
    with pytest.raises(pickle.UnpicklingError, match="refused .*Unsupported global"):
        minigrad.load(path)
    assert not marker.exists()


def test_an_npz_with_an_object_array_is_refused_without_unpickling_it(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "ckpt.npz"
    hostile = np.empty(1, dtype=object)
    hostile[0] = _Payload(marker)
    with open(path, "wb") as f:
        np.savez(
            f,
            a0=hostile,
            __minigrad__=np.array(
                json.dumps({"format": "minigrad.save", "version": 1, "root": {"ndarray": "a0"}})
            ),
        )
    with pytest.raises(RuntimeError, match=NOT_READABLE):
        minigrad.load(path)
    assert not marker.exists()


def test_a_huge_declared_array_is_refused_before_any_allocation_issue_8(tmp_path):
    """Regression (issue 8): a member whose .npy header declares 8 TiB made numpy try to
    allocate it (MemoryError, or swap on a machine that overcommits). The declared size is
    now checked against what the member holds first."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)})
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a0.npy", buf.getvalue() + b"\0" * 64)
        z.writestr(
            "__minigrad__.npy", _spec_npy({"tensor": "a0", "requires_grad": False, "parameter": False})
        )
    with pytest.raises(RuntimeError, match="declares a .* array .* but holds only 64 bytes"):
        minigrad.load(path)


def test_a_zip_entry_that_inflates_far_beyond_its_size_is_bounded_by_its_declared_size(tmp_path):
    """A deflate bomb member (64 KB on disk, 64 MB inflated) that declares a tiny array: only
    the declared bytes are read, the rest is never inflated into memory."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (2,)})
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a0.npy", buf.getvalue() + b"\0" * (64 * 2**20))
        z.writestr(
            "__minigrad__.npy", _spec_npy({"tensor": "a0", "requires_grad": False, "parameter": False})
        )
    assert path.stat().st_size < 2**20
    t = minigrad.load(path)
    assert t.shape == (2,)


def test_a_spec_pointing_at_a_missing_array_raises_a_clear_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    with open(path, "wb") as f:
        np.savez(
            f,
            __minigrad__=np.array(
                json.dumps(
                    {
                        "format": "minigrad.save",
                        "version": 1,
                        "root": {"tensor": "a9", "requires_grad": False, "parameter": False},
                    }
                )
            ),
        )
    with pytest.raises(RuntimeError, match=NOT_READABLE):
        minigrad.load(path)


def test_a_future_format_version_is_refused(tmp_path):
    path = tmp_path / "ckpt.npz"
    with open(path, "wb") as f:
        np.savez(
            f,
            __minigrad__=np.array(
                json.dumps({"format": "minigrad.save", "version": 99, "root": {"value": 1}})
            ),
        )
    with pytest.raises(RuntimeError, match="newer than this minigrad reads"):
        minigrad.load(path)


def test_wrong_array_shapes_in_a_state_dict_are_refused_by_load_state_dict(tmp_path):
    path = tmp_path / "ckpt.pt"
    minigrad.save({"weight": minigrad.ones(5, 3), "bias": minigrad.ones(4)}, path)
    model = nn.Linear(3, 4)
    before = model.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        model.load_state_dict(minigrad.load(path))
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)


# ----------------------------------------------------------------------------- atomic save


def _only(tmp_path, name):
    assert sorted(os.listdir(tmp_path)) == [name], "no temporary file may be left behind"


def test_a_writer_failing_halfway_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    minigrad.save({"v": minigrad.ones(3)}, path)
    old = path.read_bytes()
    real_savez = np.savez

    def half_then_crash(f, **arrays):
        buf = io.BytesIO()
        real_savez(buf, **arrays)
        f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(S.np, "savez", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        minigrad.save({"v": minigrad.zeros(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert minigrad.load(path)["v"].tolist() == [1.0, 1.0, 1.0]
    _only(tmp_path, "ckpt.pt")


def test_an_interrupt_during_the_final_sync_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    minigrad.save({"v": minigrad.ones(2)}, path)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(S.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        minigrad.save({"v": minigrad.zeros(2)}, path)
    monkeypatch.undo()
    assert minigrad.load(path)["v"].tolist() == [1.0, 1.0]
    _only(tmp_path, "ckpt.pt")


_WRITER = """
import sys, numpy as np, minigrad
big = minigrad.from_numpy(np.ones(int(sys.argv[2]) // 8))
print("ready", flush=True)
while True:
    minigrad.save({"big": big, "tag": "new"}, sys.argv[1])
"""


def _kill_mid_write(tmp_path, sig):
    """Start a process that saves a big checkpoint in a loop over ckpt.pt, wait until its
    temporary file exists (a write is under way), then send it ``sig``."""
    path = tmp_path / "ckpt.pt"
    minigrad.save({"big": minigrad.zeros(4), "tag": "old"}, path)
    with popen_python(["-c", _WRITER, str(path), str(64 * 2**20)], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().strip() == "ready"
            deadline = time.monotonic() + 30
            while not any(n.startswith(".minigrad-") for n in os.listdir(tmp_path)):
                assert time.monotonic() < deadline, "the writer never started a save"
                time.sleep(0.001)
            proc.send_signal(sig)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return path


def test_killing_a_writer_mid_write_leaves_a_complete_checkpoint(tmp_path):
    """SIGKILL allows no cleanup: the target is still a complete checkpoint (the old one, or a
    new one if a rename had already happened); only the hidden temporary file can remain."""
    path = _kill_mid_write(tmp_path, signal.SIGKILL)
    obj = minigrad.load(path)
    assert obj["tag"] in ("old", "new")
    if obj["tag"] == "new":
        assert obj["big"].shape == (8 * 2**20,)
    leftovers = [n for n in os.listdir(tmp_path) if n != "ckpt.pt"]
    assert all(n.startswith(".minigrad-") and n.endswith(".tmp") for n in leftovers)


def test_interrupting_a_writer_mid_write_leaves_no_temporary_file(tmp_path):
    """SIGINT (Ctrl-C) raises KeyboardInterrupt inside save: the temporary file is removed."""
    path = _kill_mid_write(tmp_path, signal.SIGINT)
    assert minigrad.load(path)["tag"] in ("old", "new")
    _only(tmp_path, "ckpt.pt")
