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

    >>> minigrad.device("cpu")
    device(type='cpu')
    >>> str(minigrad.device("cpu:0"))
    'cpu:0'
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            self.type, self.index = type.type, type.index
            return
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
