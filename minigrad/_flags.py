"""Global switches PyTorch programs set for speed or reproducibility, kept as settable flags.

minigrad's matmuls are numpy's float32/float64 BLAS calls (no TF32 or bfloat16 shortcuts), and
its kernels are deterministic, so ``set_float32_matmul_precision`` and
``use_deterministic_algorithms`` change no result; their getters return what was set, and
``"high"``/``"medium"`` precision sets ``backends.cuda.matmul.allow_tf32`` as PyTorch does.
"""

_PRECISIONS = ("highest", "high", "medium")
_state = {"precision": "highest", "deterministic": False, "warn_only": False}


def get_float32_matmul_precision():
    """The precision last set (``"highest"`` unless changed); minigrad always computes at it.

    >>> minigrad.get_float32_matmul_precision()
    'highest'
    """
    return _state["precision"]


def set_float32_matmul_precision(precision):
    """Accepts ``"highest"``, ``"high"`` or ``"medium"``; minigrad's float32 matmuls stay full precision.

    ``precision``: one of the three strings (``"high"``/``"medium"`` also set
    ``backends.cuda.matmul.allow_tf32``, as PyTorch does).

    >>> minigrad.set_float32_matmul_precision("high")
    >>> minigrad.get_float32_matmul_precision()
    'high'
    >>> minigrad.set_float32_matmul_precision("highest")
    """
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in _PRECISIONS:
        raise RuntimeError(
            f"set_float32_matmul_precision expects one of {', '.join(_PRECISIONS)}, got '{precision}'"
        )
    from .backends import cuda

    _state["precision"] = precision
    cuda.matmul.allow_tf32 = precision != "highest"


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Records the setting; minigrad's operations are deterministic either way.

    ``mode``: a bool; ``warn_only``: PyTorch's choice of a warning instead of an error for an
    op with no deterministic version (recorded; no op here needs it).

    >>> minigrad.use_deterministic_algorithms(True)
    >>> minigrad.are_deterministic_algorithms_enabled()
    True
    >>> minigrad.use_deterministic_algorithms(False)
    """
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    """What ``use_deterministic_algorithms`` last set (False by default).

    >>> minigrad.are_deterministic_algorithms_enabled()
    False
    """
    return _state["deterministic"]
