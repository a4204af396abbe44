"""PyTorch's checkpoint format, read and written without PyTorch (issue 17).

A ``torch.save`` file is a zip archive ``<name>/...`` holding ``data.pkl`` (a protocol-2
pickle of the saved object) and one raw little-endian record ``data/<key>`` per storage. In
the pickle a tensor is ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, OrderedDict())``, where ``storage`` is a persistent id ``('storage',
torch.FloatStorage, key, 'cpu', numel)``; a Parameter wraps that in ``_rebuild_parameter``.

* Writing (``write``) emits those opcodes by hand (there is no torch module for pickle's
  global lookup to find). Tensors that share memory share one storage, with their offsets and
  strides, so views and tied weights come back shared in PyTorch too.
* Reading (``read``) runs a restricted unpickler: ``find_class`` resolves only the names in
  ``_ALLOWED`` (mapped to our own functions, never to anything imported by name), and BUILD
  is allowed only on an OrderedDict (a state dict's ``_metadata``). Anything else (a hostile
  ``os.system``, a class to instantiate) is refused before it runs. Offsets and strides are
  checked against the storage's size before a tensor is made over it.
"""

import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from ._parameter import Parameter
from ._tape import Tensor, _from_array

# storage class name <-> numpy dtype (minigrad's dtypes; PyTorch's others are refused by name)
_STORAGES = {
    "HalfStorage": np.float16,
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "ByteStorage": np.uint8,
    "CharStorage": np.int8,
    "ShortStorage": np.int16,
    "IntStorage": np.int32,
    "LongStorage": np.int64,
    "BoolStorage": np.bool_,
}
# PyTorch's storages with no minigrad dtype: named, so loading one says which dtype is missing
_FOREIGN = ["BFloat16Storage", "ComplexFloatStorage", "ComplexDoubleStorage"]
_STORAGE_OF = {np.dtype(v): k for k, v in _STORAGES.items()}
_ALIGN = 64  # torch aligns each record's data to 64 bytes (so it can mmap them)


# ----------------------------------------------------------------------------- reading
class _ForeignDtype(Exception):
    """A storage of a dtype minigrad has no tensor for (its name in args[0])."""


class _StorageType:
    """What ``torch.FloatStorage`` & co. resolve to: a name, not a callable."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


def _checked_int(value, what):
    if type(value) is not int or value < 0:
        raise pickle.UnpicklingError(f"{what} must be a non-negative int, got {value!r}")
    return value


def _rebuild_tensor(storage, offset, size, stride, requires_grad, *_hooks_and_metadata):
    if not isinstance(storage, np.ndarray):
        raise pickle.UnpicklingError(
            f"a tensor's storage must be a storage record, got {type(storage).__name__}"
        )
    offset = _checked_int(offset, "storage offset")
    size = tuple(_checked_int(s, "a size") for s in size)
    stride = tuple(_checked_int(s, "a stride") for s in stride)
    if len(size) != len(stride):
        raise pickle.UnpicklingError(f"size {size} and stride {stride} differ in length")
    if 0 not in size:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.size:
            raise pickle.UnpicklingError(
                f"a tensor of size {size}, stride {stride} at offset {offset} reaches element {last} "
                f"of a storage of {storage.size} elements"
            )
    item = storage.itemsize
    # an ndarray over the storage's buffer (numpy checks the bounds again): its base is the
    # storage, so tensors over one storage share memory, and saving them shares it again
    arr = np.ndarray(
        size, storage.dtype, storage, offset * item if 0 not in size else 0, tuple(s * item for s in stride)
    )
    return _from_array(arr, bool(requires_grad))


def _rebuild_parameter(data, requires_grad, *_hooks):

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"a Parameter must wrap a tensor, got {type(data).__name__}")
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, hooks, state):
    return _rebuild_parameter(data, requires_grad)


def _encode(text, encoding="latin1"):
    """``_codecs.encode``: how protocol 2 spells bytes; text to bytes, nothing else."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed only to turn a str into latin-1 bytes")
    return text.encode("latin1")


_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("_codecs", "encode"): _encode,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    **{("torch", name): _StorageType(name) for name in [*_STORAGES, *_FOREIGN]},
}


class _Unpickler(pickle._Unpickler):
    """pickle's own (pure-Python) unpickler with the globals and BUILD restricted (see above)."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, data, records):
        super().__init__(io.BytesIO(data))
        self.records = records
        self.storages = {}

    def find_class(self, module, name):
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"Unsupported global: GLOBAL {module}.{name}")
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r:.80}")
        _, kind, key, _location, numel = pid
        if not isinstance(kind, _StorageType) or not isinstance(key, str):
            raise pickle.UnpicklingError(f"bad storage reference {pid!r:.80}")
        if kind.name in _FOREIGN:
            raise _ForeignDtype(kind.name)
        if key not in self.storages:
            dtype = np.dtype(_STORAGES[kind.name])
            raw = self.records(f"data/{key}")
            if raw is None or len(raw) != _checked_int(numel, "a storage's numel") * dtype.itemsize:
                raise pickle.UnpicklingError(
                    f"storage {key} ({kind.name}) should hold {numel} elements; its record is "
                    f"{'missing' if raw is None else f'{len(raw)} bytes'}"
                )
            self.storages[key] = np.frombuffer(bytearray(raw), dtype.newbyteorder("<"))
        return self.storages[key]

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not OrderedDict or type(state) is not dict:
            raise pickle.UnpicklingError(
                f"BUILD on {type(inst).__name__} refused (a weights-only load sets state only on an "
                "OrderedDict: a state dict's _metadata)"
            )
        # NOTE: OrderedDict instances take attributes (torch keeps `_metadata` there); keep them
        vars(inst).update(state)

    dispatch[pickle.BUILD[0]] = load_build


def is_torch_zip(fileobj):
    """Whether the seekable binary file ``fileobj`` is a zip with a ``data.pkl`` (left at 0)."""
    try:
        if not zipfile.is_zipfile(fileobj):
            return False
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            return any(n == "data.pkl" or n.endswith("/data.pkl") for n in zf.namelist())
    finally:
        fileobj.seek(0)


def read(fileobj, name):
    """The object in the PyTorch checkpoint ``fileobj`` (see the module docstring)."""
    try:
        with zipfile.ZipFile(fileobj) as zf:
            pkl = next(n for n in zf.namelist() if n == "data.pkl" or n.endswith("/data.pkl"))
            prefix = pkl[: -len("data.pkl")]
            names = set(zf.namelist())
            if prefix + "byteorder" in names and zf.read(prefix + "byteorder") != b"little":
                raise pickle.UnpicklingError("only little-endian checkpoints are read")

            def records(key):
                return zf.read(prefix + key) if prefix + key in names else None

            return _Unpickler(zf.read(pkl), records).load()
    except _ForeignDtype as e:
        raise TypeError(
            f"minigrad.load: {name} holds a torch.{e.args[0]}, a dtype minigrad has no tensor for; "
            "convert it in PyTorch first (e.g. {k: v.float() for k, v in sd.items()})"
        ) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, zipfile.BadZipFile) as e:
        raise pickle.UnpicklingError(
            f"minigrad.load: refused {name}: {e}. Only tensors, state dicts and plain containers of "
            "them load (what torch.load(..., weights_only=True) accepts); nothing in the file was run."
        ) from None


# ----------------------------------------------------------------------------- writing
class _Pickle:
    """A protocol-2 pickle of plain containers, numbers, strings and tensors, written opcode
    by opcode the way torch.save lays it out."""

    def __init__(self):
        self.out = io.BytesIO()
        self.memo = {}  # id(tensor) -> memo slot, so a tensor saved twice is one object
        self.keep = []  # the objects memoized (their ids stay valid)
        self.storages = {}  # id(owner array) -> (key, owner array), which keeps the id valid

    def op(self, *parts):
        for p in parts:
            self.out.write(p)

    def put(self, obj):
        slot = len(self.memo)
        self.memo[id(obj)] = slot
        self.keep.append(obj)
        self.op(b"r", struct.pack("<I", slot))

    def text(self, s):
        b = s.encode("utf-8", "surrogatepass")
        self.op(b"X", struct.pack("<I", len(b)), b)

    def global_(self, module, name):
        self.op(b"c", f"{module}\n{name}\n".encode())

    def empty_ordered_dict(self):
        self.global_("collections", "OrderedDict")
        self.op(b")R")

    def dump(self, obj, where="obj"):
        if id(obj) in self.memo:
            self.op(b"j", struct.pack("<I", self.memo[id(obj)]))
        elif obj is None:
            self.op(b"N")
        elif obj is True or obj is False:
            self.op(b"\x88" if obj else b"\x89")
        elif isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            n = int(obj)
            if -(2**31) <= n < 2**31:
                self.op(b"J", struct.pack("<i", n))
            else:
                b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
                self.op(b"\x8a", bytes([len(b)]), b)
        elif isinstance(obj, (float, np.floating)):
            self.op(b"G", struct.pack(">d", float(obj)))
        elif isinstance(obj, str):
            self.text(obj)
        elif isinstance(obj, bytes):  # protocol 2 spells bytes as _codecs.encode(text, "latin1")
            self.global_("_codecs", "encode")
            self.op(b"(")
            self.text(obj.decode("latin1"))
            self.text("latin1")
            self.op(b"tR")
        elif isinstance(obj, Tensor):
            self.tensor(obj, where)
        elif isinstance(obj, dict):
            if type(obj) is OrderedDict:
                self.empty_ordered_dict()
            else:
                self.op(b"}")
            self.op(b"(")
            for k, v in obj.items():
                self.dump(k, where)
                self.dump(v, f"{where}[{k!r}]")
            self.op(b"u")
        elif isinstance(obj, list):
            self.op(b"](")
            for i, v in enumerate(obj):
                self.dump(v, f"{where}[{i}]")
            self.op(b"e")
        elif isinstance(obj, tuple):
            self.op(b"(")
            for i, v in enumerate(obj):
                self.dump(v, f"{where}[{i}]")
            self.op(b"t")
        else:
            raise TypeError(
                f"minigrad.save(format='torch'): cannot save {type(obj).__name__} at {where}; a "
                "PyTorch checkpoint written here holds tensors, numbers, strings, bytes, bools, None and "
                "(nested) dicts, lists and tuples of them (save model.state_dict(), not the model)"
            )

    def tensor(self, t, where):
        arr = t.detach().numpy()
        if arr.dtype not in _STORAGE_OF:
            raise TypeError(
                f"minigrad.save(format='torch'): no PyTorch storage for the {arr.dtype} at {where}"
            )
        owner, offset, strides = _storage_of(arr)
        key, _ = self.storages.setdefault(id(owner), (str(len(self.storages)), owner))
        parameter = type(t).__name__ == "Parameter"
        if parameter:  # _rebuild_parameter(<the tensor below>, requires_grad, OrderedDict())
            self.global_("torch._utils", "_rebuild_parameter")
            self.op(b"(")
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.op(b"((")  # the call's argument tuple, then the persistent id tuple
        self.text("storage")
        self.global_("torch", _STORAGE_OF[arr.dtype])
        self.text(key)
        self.text("cpu")
        self.dump(owner.size)
        self.op(b"tQ")
        self.dump(offset)
        self.dump(tuple(arr.shape))
        self.dump(strides)
        self.dump(bool(t.requires_grad) and not parameter)
        self.empty_ordered_dict()
        self.op(b"tR")
        if parameter:
            self.dump(bool(t.requires_grad))
            self.empty_ordered_dict()
            self.op(b"tR")
        self.put(t)


def _storage_of(arr):
    """(owner, offset, strides in elements): the contiguous array ``arr``'s memory belongs to,
    so tensors viewing one buffer share one storage; a copy when ``arr`` cannot be described so."""
    owner = arr
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    item = arr.itemsize
    if owner is not arr and owner.dtype == arr.dtype and owner.flags.c_contiguous and arr.size:
        start = arr.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
        if start % item == 0 and all(s >= 0 and s % item == 0 for s in arr.strides):
            return owner, start // item, tuple(s // item for s in arr.strides)
    flat = np.ascontiguousarray(arr)  # arr itself when it is already contiguous
    return flat, 0, _contiguous(arr.shape)


def _contiguous(shape):
    out, n = [], 1
    for s in reversed(shape):
        out.append(n)
        n *= max(s, 1)
    return tuple(reversed(out))


def write(obj, out, archive="archive"):
    """Write ``obj`` to the binary file ``out`` as a PyTorch checkpoint."""
    p = _Pickle()
    p.op(b"\x80\x02")
    p.dump(obj)
    p.op(b".")
    records = [("data.pkl", p.out.getvalue()), (".format_version", b"1"), (".storage_alignment", b"64")]
    records.append(("byteorder", b"little"))
    for key, owner in p.storages.values():
        records.append((f"data/{key}", np.ascontiguousarray(owner, owner.dtype.newbyteorder("<")).tobytes()))
    records.append(("version", b"3\n"))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, data in records:
            info = zipfile.ZipInfo(f"{archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            # pad the local header's extra field so the record's bytes start 64-aligned
            here = out.tell() + 30 + len(info.filename.encode())
            pad = (-(here + 4)) % _ALIGN
            info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # 'FB', as torch does
            zf.writestr(info, data)


def archive_name(path):
    """The folder name inside the zip: the file's stem, as torch.save uses."""
    stem = os.path.splitext(os.path.basename(os.fspath(path)))[0]
    return stem or "archive"
