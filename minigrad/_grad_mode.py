"""Grad mode: whether operations are recorded on the tape (per thread, on by default).

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators, like PyTorch's. The flag itself is a C thread-local in ``_tape.pyx``, so
reading it on every op costs nothing measurable.
"""

import functools

from ._tape import _set_grad_enabled, is_grad_enabled


class _GradMode:
    """Base: enter sets the mode, exit restores the previous one; usable as a decorator."""

    mode = True

    def __enter__(self):
        self._prev = _set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        _set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._fresh(self):
                return fn(*args, **kwargs)

        return wrapper

    @staticmethod
    def _fresh(template):
        return template.__class__()


class no_grad(_GradMode):
    """Do not record operations: results have ``requires_grad=False``.

    >>> x = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Record operations again (inside a ``no_grad`` block).

    >>> x = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.no_grad():
    ...     with minigrad.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    mode = True


class set_grad_enabled(_GradMode):
    """Turn recording on or off: a function call, a context manager or a decorator.

    ``mode``: True records, False does not (as ``no_grad``).

    >>> x = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.set_grad_enabled(False):
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = _set_grad_enabled(self.mode)  # takes effect immediately, as in PyTorch

    def __enter__(self):
        return self

    @staticmethod
    def _fresh(template):
        return set_grad_enabled(template.mode)


inference_mode = no_grad

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]
