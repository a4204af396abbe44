"""``minigrad.autograd.graph``: hooks on what the tape saves for backward.

Inside ``with saved_tensors_hooks(pack, unpack):`` every tensor a recorded node keeps for its
derivative (an input it reads, or its own output) is handed to ``pack`` when the node is
recorded, and only what ``pack`` returns is kept; backward calls ``unpack`` on it to get the
tensor back. That is how ``utils.checkpoint`` drops activations and recomputes them. The
hooks in effect are those of the innermost context of the current thread (PyTorch's rule);
a node recorded outside every context keeps its tensors as usual.

>>> x = minigrad.ones(2, requires_grad=True)
>>> packed = []
>>> with saved_tensors_hooks(lambda t: packed.append(t) or len(packed) - 1, lambda i: packed[i]):
...     y = (x * x).sum()
>>> y.backward(); x.grad
tensor([2., 2.])
"""

import threading

from .. import _tape
from .._tape import Node

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu"]

_local = threading.local()  # .stack: this thread's (pack, unpack) pairs, innermost last


def _current():
    """The (pack, unpack) pair in effect in this thread, or None."""
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Context manager: ``pack(tensor) -> anything`` when a tensor is saved for backward,
    ``unpack(anything) -> tensor`` when backward needs it (see the module docstring)."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        stack = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        stack.append((self.pack_hook, self.unpack_hook))
        _tape._saved_hooks_entered(1)
        return self

    def __exit__(self, *exc):
        _local.stack.pop()
        _tape._saved_hooks_entered(-1)
        return False


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """PyTorch moves saved tensors to (pinned) CPU memory here; minigrad's tensors already
    live there, so the hooks keep each tensor as it is."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(_keep, _keep)


def _keep(t):
    return t


_tape._set_saved_hooks_lookup(_current)
