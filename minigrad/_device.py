"""Devices, as a CPU-only library honestly can: ``minigrad.device`` and the one check every
``device=`` argument and ``.to(...)`` goes through.

minigrad computes on the CPU only. ``device("cuda")`` can be written down (programs build it
before asking ``cuda.is_available()``), as in a CPU-only PyTorch, but a tensor is never put
there: creating or moving a tensor to any device but the CPU raises ``DeviceError``, a
``RuntimeError`` (also an ``AssertionError``, the type a CPU-only PyTorch raises for CUDA).
"""

_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "ipu", "hpu", "privateuseone")


class DeviceError(RuntimeError, AssertionError):
    """A tensor was asked to live on a device minigrad does not have (anything but the CPU)."""


class device:
    """Where a tensor lives: ``minigrad.device("cpu")``, ``device("cpu", 0)``, ``device("cpu:0")``.

    ``type``: ``'cpu'`` (``'cuda'``, ``'mps'`` ... make a device object, but tensors cannot go
    there: minigrad runs on the CPU only), or ``'type:index'``; ``index``: the device number
    (None or 0 for the CPU).

    >>> minigrad.device("cpu")
    device(type='cpu')
    >>> str(minigrad.device("cpu:0"))
    'cpu:0'
    >>> minigrad.device("cpu", 0).index
    0
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, (str, int)) and isinstance(getattr(type, "type", None), str):
            if index is None:  # another library's device object (torch.device)
                type, index = type.type, getattr(type, "index", None)
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type  # device(0) is cuda:0, as in PyTorch
        if not isinstance(type, str):
            raise TypeError(f"device(): argument 'type' must be str, not {type.__class__.__name__}")
        name, sep, idx = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}"
            )
        if sep:
            if index is not None:
                raise RuntimeError(
                    f"device(): type (string) must not include an index because index was "
                    f"passed explicitly: {type}"
                )
            if not idx.isdigit() or (len(idx) > 1 and idx[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): argument 'index' must be int, not {index.__class__.__name__}")
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = name, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        """``with minigrad.device("cpu"):``: the CPU is the default already; another device raises
        ``DeviceError``."""
        check_device(self, "device")
        return self

    def __exit__(self, *exc):
        return False


CPU = device("cpu")


def check_device(dev, op="to"):
    """``dev`` (None, a string, an int or a device) as a device, if it is the CPU; else
    ``DeviceError`` saying that minigrad runs on the CPU only."""
    if dev is None:
        return None
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu" or d.index not in (None, 0):
        raise DeviceError(
            f"{op}(): minigrad runs on the CPU only, so a tensor cannot be put on device '{d}'. "
            "Write device = 'cuda' if torch.cuda.is_available() else 'cpu' (minigrad's "
            "cuda.is_available() is False) or pass device='cpu'."
        )
    return d


def _is_dtype(a):
    import numpy as np

    from ._dtypes import dtype

    # numpy dtypes too: minigrad's own ops convert with them (x.to(np.dtype("float64")))
    return isinstance(a, (dtype, np.dtype)) or any(a is t for t in (float, int, bool))


def _as_dtype(a):
    """A dtype argument of ``to``: Python's float, int and bool mean float64, int64 and bool there,
    as in PyTorch."""
    from . import _dtypes

    if a is float or a is int or a is bool:
        return _dtypes.float64 if a is float else _dtypes.int64 if a is int else _dtypes.bool_
    return a if a is None or isinstance(a, _dtypes.dtype) else _dtypes.from_numpy(a)


def _is_device(a):
    return (
        isinstance(a, (str, device))
        or (isinstance(a, int) and not isinstance(a, bool))
        or (isinstance(getattr(a, "type", None), str) and hasattr(a, "index"))
    )


_TO_FORMS = (
    "to(device=None, dtype=None, non_blocking=False, copy=False)",
    "to(dtype, non_blocking=False, copy=False)",
    "to(tensor, non_blocking=False, copy=False)",
)


def parse_to(args, kwargs, op="to"):
    """``(device, dtype, non_blocking, copy)`` from the arguments of ``Tensor.to`` / ``Module.to``,
    read as PyTorch reads them: one of ``to(device=None, dtype=None, non_blocking=False,
    copy=False)``, ``to(dtype, non_blocking=False, copy=False)`` or ``to(tensor, non_blocking=False,
    copy=False)`` (device and dtype of the tensor), plus ``memory_format=None``. The device is
    checked (the CPU only); a mix of the forms is a TypeError listing them."""
    from ._tape import Tensor

    kwargs = dict(kwargs)
    if kwargs.pop("memory_format", None) is not None:
        raise TypeError(f"{op}(): minigrad has one memory format (contiguous); pass memory_format=None")
    first = args[0] if args else None
    if isinstance(first, Tensor):
        names, rest, dev, dt = ("non_blocking", "copy"), args[1:], CPU, first.dtype
    elif _is_dtype(first):
        names, rest, dev, dt = ("non_blocking", "copy"), args[1:], None, first
    else:
        names, rest, dev, dt = ("device", "dtype", "non_blocking", "copy"), args, None, None
    got = dict(zip(names, rest))
    if len(rest) > len(names) or set(got) & set(kwargs) or set(kwargs) - set(names):
        raise _bad_to(op, args, kwargs)
    got.update(kwargs)
    dev, dt = got.get("device", dev), got.get("dtype", dt)
    if dev is not None and not _is_device(dev) or dt is not None and not _is_dtype(dt):
        raise _bad_to(op, args, kwargs)
    for flag in ("non_blocking", "copy"):
        if not isinstance(got.get(flag, False), bool):
            raise _bad_to(op, args, kwargs)
    return check_device(dev, op), _as_dtype(dt), got.get("non_blocking", False), got.get("copy", False)


def _bad_to(op, args, kwargs):
    got = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    return TypeError(
        f"{op}() received an invalid combination of arguments - got ({', '.join(got)}), but "
        f"expected one of: {'; '.join(_TO_FORMS)}"
    )


# ----------------------------------------------------------------------------- the default device
def get_default_device():
    """Where new tensors are created: always ``device(type='cpu')`` in minigrad.

    >>> minigrad.get_default_device()
    device(type='cpu')
    """
    return CPU


def set_default_device(dev):
    """Accepts the CPU (or None); any other device raises ``DeviceError``, as minigrad has no other.

    ``dev``: ``'cpu'``, a CPU ``device``, or None.

    >>> minigrad.set_default_device("cpu")
    >>> minigrad.get_default_device()
    device(type='cpu')
    """
    check_device(dev, "set_default_device")
