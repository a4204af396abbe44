"""``minigrad.cuda``: what a CPU-only PyTorch answers about CUDA.

minigrad computes on the CPU only, so this stand-in lets the usual first lines run unchanged
(``device = "cuda" if torch.cuda.is_available() else "cpu"``, ``torch.cuda.manual_seed_all(0)``):
``is_available()`` is False, ``device_count()`` 0, ``is_initialized()`` False, the memory
counters 0; the seeding, ``synchronize`` and ``empty_cache`` calls do nothing (as in a
CPU-only PyTorch, where ``synchronize`` raises; here it is harmless). Anything that needs a
device (``current_device()``, ``get_device_name()``, ``set_device()``, ...) raises
``DeviceError`` (a RuntimeError and an AssertionError, PyTorch's type for "not compiled with
CUDA"). ``minigrad.cuda.amp`` holds the deprecated ``GradScaler`` and ``autocast`` spellings.
"""

from .._device import DeviceError
from . import amp  # noqa: F401


def _no_cuda(op):
    raise DeviceError(
        f"cuda.{op}(): minigrad runs on the CPU only and has no CUDA device "
        "(minigrad.cuda.is_available() is False)"
    )


def is_available():
    """False: minigrad has no CUDA device."""
    return False


def device_count():
    """0: minigrad has no CUDA device."""
    return 0


def is_initialized():
    """False: there is no CUDA to initialise."""
    return False


def is_bf16_supported(including_emulation=True):
    """False: there is no CUDA device."""
    return False


def manual_seed(seed):
    """Does nothing: there is no CUDA generator to seed (seed the CPU with minigrad.manual_seed)."""


def manual_seed_all(seed):
    """Does nothing: there is no CUDA generator to seed (seed the CPU with minigrad.manual_seed)."""


def seed():
    """Does nothing: there is no CUDA generator."""


def seed_all():
    """Does nothing: there is no CUDA generator."""


def synchronize(device=None):
    """Does nothing: minigrad runs every operation to completion on the CPU."""


def empty_cache():
    """Does nothing: minigrad keeps no device memory cache."""


def memory_allocated(device=None):
    """0: minigrad allocates no CUDA memory."""
    return 0


def max_memory_allocated(device=None):
    """0: minigrad allocates no CUDA memory."""
    return 0


def current_device():
    """Raises DeviceError: there is no CUDA device."""
    _no_cuda("current_device")


def get_device_name(device=None):
    """Raises DeviceError: there is no CUDA device."""
    _no_cuda("get_device_name")


def get_device_properties(device=None):
    """Raises DeviceError: there is no CUDA device."""
    _no_cuda("get_device_properties")


def get_device_capability(device=None):
    """Raises DeviceError: there is no CUDA device."""
    _no_cuda("get_device_capability")


def set_device(device):
    """Raises DeviceError: there is no CUDA device."""
    _no_cuda("set_device")
