"""DLPack interop: ``Tensor.__dlpack__``, ``Tensor.__dlpack_device__`` and ``from_dlpack``.

DLPack is the common protocol through which array libraries hand each other memory without
copying: ``torch.from_dlpack(t)`` and ``numpy.from_dlpack(t)`` see a minigrad tensor's
values in place, and ``minigrad.from_dlpack(x)`` wraps a PyTorch tensor, an ndarray or any
other DLPack producer (or a raw ``"dltensor"`` capsule) as a minigrad tensor.

>>> import numpy as np
>>> t = minigrad.zeros(3)
>>> a = np.from_dlpack(t)
>>> a[0] = 5.0
>>> t
tensor([5., 0., 0.])

Design notes
------------
* A tensor's values are a numpy ndarray, and numpy implements DLPack (export and import,
  versioned and legacy capsules, read-only flags), so both directions delegate to it: no
  capsule is built or parsed here.
* Exporting a tensor that requires grad is refused with PyTorch's error: the consumer could
  change values the tape relies on, behind autograd's back. ``t.detach()`` shares memory
  and may be exported.
* Imported memory becomes a new leaf that does not require grad, with its own version
  counter (like ``from_numpy``); minigrad only runs on the CPU, so other devices are refused
  by numpy's importer.
* The two methods join the op table (``ops.METHODS``) and ``_tape._set_ops`` installs them
  on the compiled Tensor class; importing this module does that (``minigrad/__init__``).
"""

import numpy as np

from . import _dtypes, _tape, ops
from ._tape import _from_array

__all__ = ["from_dlpack"]


def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Export this tensor's memory as a DLPack capsule (consumers: ``from_dlpack``)."""
    if self.requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {"stream": stream}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    return self.numpy().__dlpack__(**kwargs)


def __dlpack_device__(self):
    """``(device_type, device_id)`` in DLPack's codes: ``(1, 0)``, the CPU."""
    return self.numpy(force=True).__dlpack_device__()


class _Capsule:
    """Presents a bare DLPack capsule to numpy's importer, which expects a producer object."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with a DLPack producer (PyTorch tensor, ndarray, capsule).

    ``ext_tensor``: an object with ``__dlpack__`` (a NumPy array, a PyTorch tensor ...) or a
    DLPack capsule; writes to either side show in the other.

    >>> import numpy as np
    >>> a = np.arange(3.0)
    >>> t = minigrad.from_dlpack(a)
    >>> a[0] = 7.0
    >>> t
    tensor([7., 1., 2.], dtype=minigrad.float64)
    """
    producer = ext_tensor
    if type(ext_tensor).__name__ == "PyCapsule":
        producer = _Capsule(ext_tensor)
    elif not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(
            f"from_dlpack(): expected an object with __dlpack__ (a tensor or an array) or a "
            f"DLPack capsule, got {type(ext_tensor).__name__}; for lists use minigrad.tensor()"
        )
    try:
        arr = np.from_dlpack(producer)
    except RuntimeError as e:  # numpy's words for dtypes it has no counterpart of
        raise TypeError(
            f"from_dlpack(): {e} minigrad imports bool, integer and float16/32/64 tensors; "
            "convert first (for example with .float())"
        ) from None
    if arr.dtype not in _dtypes._FROM_NUMPY:
        raise TypeError(
            f"from_dlpack(): minigrad has no dtype for {arr.dtype}; convert the tensor first "
            "(for example with .float() or .double())"
        )
    return _from_array(arr)


ops.METHODS.update(__dlpack__=__dlpack__, __dlpack_device__=__dlpack_device__)
_tape._set_ops(ops)
