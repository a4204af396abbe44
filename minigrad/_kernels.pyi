"""Type stubs of minigrad._kernels (compiled): fused C loops for elementwise ops.

Kernels take and return numpy arrays (float32/float64); the op table wraps them. See the
module docstring of ``_kernels.pyx`` for when each path is taken.
"""

from typing import Any, Callable

from numpy.typing import NDArray

UNARY: dict[str, int]
"""Name -> kernel id of the unary forward kernels (exp, log, sqrt, sin, cos, tanh, ...)."""
UNARY_BACKWARD: dict[str, int]
"""Name -> kernel id of the fused backward kernels (tanh, sigmoid, relu)."""
BINARY: dict[str, int]
"""Name -> kernel id of the binary fast paths (add, sub, mul, div)."""
_UFUNCS: dict[int, Any]

def unary(kind: int, x: NDArray[Any]) -> NDArray[Any]:
    """Apply the unary kernel ``kind`` (a value of ``UNARY``) elementwise; float arrays only."""

def unary_backward(kind: int, g: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
    """The fused gradient of tanh/sigmoid/relu from the incoming ``g`` and the result ``y``."""

def binary(kind: int, a: Any, b: Any) -> NDArray[Any] | None:
    """``a (op) b`` for a value of ``BINARY`` on the fast path, or None if it does not apply."""

def binary_into(kind: int, x: NDArray[Any], other: Any) -> bool:
    """``x (op)= other`` written into ``x`` when the fast path applies; whether it wrote."""

class Binary:
    """A binary op's forward: the C fast path, else ``fallback(a, b)`` (numpy, validated)."""
    def __init__(self, name: str, fallback: Callable[[Any, Any], Any]) -> None: ...
    def __call__(self, a: Any, b: Any) -> Any:
        """``a (op) b`` as an ndarray."""

class FusedBackward:
    """``f(g, out)`` for tanh/sigmoid/relu: one C pass, else the composed minigrad ops."""
    def __init__(self, name: str, composed: Callable[[Any, Any], Any]) -> None: ...
    def __call__(self, g: Any, out: Any) -> Any:
        """The gradient of the op's input."""

class Unary:
    """A unary op's forward: the C kernel on float arrays, numpy's ufunc on big ones."""
    def __init__(self, name: str, int_fallback: Callable[[Any], Any] | None = ...) -> None: ...
    def __call__(self, x: Any) -> Any:
        """The op applied to each element of ``x``."""
