"""minigrad.save / minigrad.load: checkpoints as numpy ``.npz`` files, never pickle (PyTorch's
zip format, both ways, is ``format="torch"`` on save and detected on load: ``_torch_format.py``).

A checkpoint is a zip of ``.npy`` arrays (``a0``, ``a1``, ...) plus one JSON document
(``__minigrad__``) describing the saved object: nested dicts (any order, keys of any plain
type), lists and tuples of tensors, arrays, numbers, strings, bools and None. Loading runs
``np.load(..., allow_pickle=False)``, so a checkpoint can hold data but never code.

* A tensor saved twice (e.g. tied weights) is stored once and comes back as one object;
  Parameters come back as Parameters, ``requires_grad`` is kept.
* Saving to a path is atomic: the file is written beside the target, flushed and synced,
  then renamed over it (``os.replace``), so a crash leaves the old checkpoint intact.
* A file that is not a complete minigrad checkpoint raises a RuntimeError that says so.
"""

import math
import os
from collections import OrderedDict

import numpy as np

from . import _dtypes
from ._parameter import Parameter
from ._tape import Tensor, _from_array

_SPEC = "__minigrad__"
_FORMAT = "minigrad.save"
_VERSION = 1
_PLAIN = (type(None), bool, int, float, str)
_MAX_DEPTH = 200  # containers inside containers: far below Python's recursion limit

_UMASK = os.umask(0)  # read once (at import) to give saved files the usual permissions
os.umask(_UMASK)


class _Encoder:
    """Turns an object into a JSON-able description plus the arrays it references."""

    def __init__(self):
        self.arrays = {}
        self.tensors = {}  # id(tensor) -> array name, so shared tensors are stored once
        self.open = set()  # ids of the containers being encoded: a list inside itself is refused

    def _array(self, arr):
        name = f"a{len(self.arrays)}"
        self.arrays[name] = np.asarray(arr)
        return name

    def encode(self, obj, where="obj"):
        if isinstance(obj, Tensor):
            arr = obj.detach().numpy()
            if id(obj) not in self.tensors:
                self.tensors[id(obj)] = self._array(_compact(arr))
            spec = {
                "tensor": self.tensors[id(obj)],
                "requires_grad": obj.requires_grad,
                "parameter": type(obj).__name__ == "Parameter",
            }
            if 0 in arr.strides and arr.size > 1:
                spec["expand"] = list(arr.shape)
            return spec
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biufc":
                raise TypeError(f"minigrad.save: cannot save the {obj.dtype} array at {where} without pickle")
            return {"ndarray": self._array(obj)}
        if isinstance(obj, (np.generic,)):
            return {"value": obj.item()}
        if isinstance(obj, _PLAIN):
            return {"value": obj}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.open:
                raise ValueError(
                    f"minigrad.save: {where} contains itself (a self-referencing "
                    f"{type(obj).__name__}); "
                    "checkpoints hold trees of containers, not cycles"
                )
            if len(self.open) >= _MAX_DEPTH:
                raise ValueError(
                    f"minigrad.save: containers nested more than {_MAX_DEPTH} levels deep "
                    f"(at {where[:40]}...)"
                )
            self.open.add(id(obj))
            try:
                return self._container(obj, where)
            finally:
                self.open.discard(id(obj))
        raise TypeError(
            f"minigrad.save: cannot save {type(obj).__name__} at {where}; checkpoints hold tensors, arrays, "
            "numbers, strings, bools, None and (nested) dicts, lists and tuples of them (save "
            "model.state_dict(), not the model)"
        )

    def _container(self, obj, where):
        if isinstance(obj, dict):
            items = [[self.encode(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()]
            return {"dict": items, "ordered": isinstance(obj, OrderedDict)}
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}


def _compact(arr):
    """An expanded view's storage (issue 16): each broadcast dim (stride 0) cut to length 1,
    so ``ones(1).expand(2**26)`` saves one element, as PyTorch saves the storage."""
    if 0 not in arr.strides or arr.size <= 1:
        return arr
    return np.ascontiguousarray(arr[tuple(slice(0, 1) if st == 0 else slice(None) for st in arr.strides)])


class _Decoder:
    def __init__(self, arrays):
        self.arrays = arrays
        self.tensors = {}

    def decode(self, spec):
        if "tensor" in spec:
            name = spec["tensor"]
            key = (name, tuple(spec.get("expand", ())))
            if key not in self.tensors:
                arr = self.arrays[name]
                if "expand" in spec:  # materialised: a loaded tensor owns writeable memory
                    arr = np.array(np.broadcast_to(arr, tuple(spec["expand"])))
                self.tensors[key] = self._tensor(arr, spec)
            return self.tensors[key]
        if "ndarray" in spec:
            return self.arrays[spec["ndarray"]]
        if "value" in spec:
            return spec["value"]
        if "dict" in spec:
            items = [(self.decode(k), self.decode(v)) for k, v in spec["dict"]]
            return OrderedDict(items) if spec["ordered"] else dict(items)
        if "list" in spec:
            return [self.decode(v) for v in spec["list"]]
        return tuple(self.decode(v) for v in spec["tuple"])

    @staticmethod
    def _tensor(arr, spec):
        if arr.dtype.kind in "biuf" and not arr.dtype.isnative:  # written on a big-endian machine
            arr = arr.astype(arr.dtype.newbyteorder("="))
        if arr.dtype not in _dtypes._FROM_NUMPY:
            raise TypeError(f"a tensor of numpy's {arr.dtype}, which minigrad has no dtype for")
        t = _from_array(arr)
        if spec["parameter"]:
            return Parameter(t, spec["requires_grad"])
        return t.requires_grad_(spec["requires_grad"])


def save(obj, f, format="minigrad"):
    """Write ``obj`` (typically a state dict) to the path or binary file ``f``.

    ``format="torch"`` writes PyTorch's zip checkpoint instead (``minigrad/_torch_format.py``),
    which ``torch.load(f, weights_only=True)`` reads as tensors and state dicts.

    >>> minigrad.save(model.state_dict(), "model.npz")    # doctest: +SKIP
    >>> minigrad.save(model.state_dict(), "model.pt", format="torch")    # doctest: +SKIP
    """
    if format == "torch":
        from . import _torch_format

        name = _torch_format.archive_name(f) if not hasattr(f, "write") else "archive"
        write = lambda out: _torch_format.write(obj, out, name)
    elif format == "minigrad":
        import json  # here, not at import: most scripts never save

        enc = _Encoder()
        root = enc.encode(obj)
        spec = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root})
        arrays = dict(enc.arrays, **{_SPEC: np.array(spec)})
        write = lambda out: np.savez(out, **arrays)
    else:
        raise ValueError(f"minigrad.save: format must be 'minigrad' or 'torch', got {format!r}")
    if hasattr(f, "write"):
        write(f)
        return
    path = os.path.realpath(os.fspath(f))  # through a symlink to its target, not over the link
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(100):
        # the name is chosen before the file exists, so the except clause below can remove it
        # whenever an interrupt lands, even between its creation and the next line (with
        # tempfile.mkstemp a Ctrl-C there left the file behind)
        tmp = os.path.join(folder, f".minigrad-{os.urandom(8).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            break
        except FileExistsError:  # someone else's file: leave it, draw another name
            continue
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        raise FileExistsError(f"save: could not create a temporary file in {folder}")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _check_declared_sizes(zf):
    """Refuse a member whose .npy header declares more data than the member holds (a crafted
    "zip bomb" header asking for terabytes), before numpy allocates the array (issue 8)."""
    fmt = np.lib.format
    for info in zf.infolist():
        with zf.open(info) as member:
            version = fmt.read_magic(member)
            read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = read_header(member)
            declared = math.prod(shape) * dtype.itemsize
            held = info.file_size - member.tell()
            if declared > held:
                raise ValueError(
                    f"{info.filename} declares a {shape} {dtype} array ({declared} bytes) "
                    f"but holds only {held} bytes"
                )


def _read(fileobj, name):
    import json  # json and zipfile: imported on first load, not with minigrad (~6 ms)
    import zipfile

    try:
        npz = np.load(fileobj, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array")
        with npz:
            _check_declared_sizes(npz.zip)
            if _SPEC not in npz.files:
                raise ValueError("no minigrad description inside")
            spec = json.loads(str(npz[_SPEC][()]))
            if spec.get("format") != _FORMAT:
                raise ValueError("not written by minigrad.save")
            if spec.get("version", 0) > _VERSION:
                raise ValueError(f"format version {spec['version']} is newer than this minigrad reads")
            arrays = {k: npz[k] for k in npz.files if k != _SPEC}
        return _Decoder(arrays).decode(spec["root"])
    except RecursionError:
        raise RuntimeError(
            f"minigrad.load: {name} describes containers nested too deeply to read; minigrad.save "
            f"writes at most {_MAX_DEPTH} levels"
        ) from None
    except (ValueError, OSError, EOFError, KeyError, TypeError, IndexError, zipfile.BadZipFile) as e:
        raise RuntimeError(
            f"minigrad.load: {name} is not a readable minigrad checkpoint ({type(e).__name__}: {e}); "
            "it may be truncated or written by another program. Re-save it with minigrad.save."
        ) from e


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read an object written by ``minigrad.save`` or ``torch.save`` from the path or binary file ``f``.

    PyTorch's keywords are accepted. Loading is always weights-only and never runs code: a
    minigrad checkpoint is never unpickled, and a PyTorch one goes through a restricted unpickler
    that accepts only tensors, state dicts and plain containers (``minigrad/_torch_format.py``),
    so ``weights_only`` and the safe-globals list change nothing and a ``pickle_module`` is refused.
    ``map_location`` may be None, the CPU (``'cpu'``, a ``device``), a dict of locations
    (``{'cuda:0': 'cpu'}``: only the entry for ``'cpu'`` applies) or a callable
    ``fn(tensor, 'cpu')`` returning a tensor (or None to keep it); a location on any other
    device raises ``DeviceError``. ``mmap=True`` needs a path, as in PyTorch; the arrays are
    read into memory. ``**pickle_load_args``: PyTorch's extra unpickler keywords (``encoding``
    ...), accepted and ignored.

    >>> import io
    >>> buf = io.BytesIO()
    >>> minigrad.save({"w": minigrad.ones(2), "step": 3}, buf)
    >>> _ = buf.seek(0)
    >>> minigrad.load(buf, map_location="cpu")
    {'w': tensor([1., 1.]), 'step': 3}
    """
    if pickle_module is not None:
        raise TypeError(
            "minigrad.load: checkpoints are never unpickled by a pickle_module (PyTorch ones go through "
            "minigrad's restricted unpickler), so pickle_module must be None"
        )
    if mmap and hasattr(f, "read"):
        raise ValueError("f must be a file path in order to use the mmap argument")
    relocate = _relocation(map_location)
    if hasattr(f, "read"):
        obj = _read_any(f, getattr(f, "name", "the file"))
    else:
        with open(os.fspath(f), "rb") as fileobj:
            obj = _read_any(fileobj, repr(os.fspath(f)))
    return obj if relocate is None else _map_tensors(obj, relocate)


def _read_any(fileobj, name):
    """A PyTorch checkpoint (a zip holding data.pkl) or a minigrad one."""
    from . import _torch_format

    if fileobj.seekable() and _torch_format.is_torch_zip(fileobj):
        return _torch_format.read(fileobj, name)
    return _read(fileobj, name)


def _relocation(map_location):
    """None (tensors stay on the CPU) or a function applied to each loaded tensor."""
    from ._device import _is_device, check_device

    if map_location is None or (_is_device(map_location) and not isinstance(map_location, int)):
        check_device(map_location, "load")
        return None
    if isinstance(map_location, dict):
        check_device(map_location.get("cpu"), "load")
        return None
    if callable(map_location):

        def relocate(t):
            moved = map_location(t, "cpu")
            if moved is not None and not isinstance(moved, Tensor):
                raise TypeError(
                    f"minigrad.load: map_location returned {type(moved).__name__}; it must "
                    "return a tensor (or None to keep the loaded one)"
                )
            return t if moved is None else moved

        return relocate
    raise TypeError(
        f"minigrad.load: map_location must be None, a device, a string, a dict or a callable, "
        f"got {type(map_location).__name__}"
    )


def _map_tensors(obj, fn):
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, dict):
        return type(obj)((k, _map_tensors(v, fn)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_map_tensors(v, fn) for v in obj)
    return obj


# ----------------------------------------------------------------------------- safe globals
# PyTorch's weights-only unpickler loads only the classes on this list. minigrad never
# unpickles, so the list changes nothing; it is kept so programs that register classes run.
_SAFE_GLOBALS = []


def add_safe_globals(safe_globals):
    """Add classes or functions (or ``(obj, name)`` pairs) to the safe-globals list."""
    _SAFE_GLOBALS.extend(list(safe_globals))


def get_safe_globals():
    """A copy of the safe-globals list."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals():
    """Empty the safe-globals list."""
    _SAFE_GLOBALS.clear()


class safe_globals:
    """``with safe_globals([MyClass]): ...``: the list extended for the block, restored after it."""

    def __init__(self, safe_globals):
        self._added = list(safe_globals)

    def __enter__(self):
        self._before = get_safe_globals()
        add_safe_globals(self._added)

    def __exit__(self, *exc):
        _SAFE_GLOBALS[:] = self._before
        return False
