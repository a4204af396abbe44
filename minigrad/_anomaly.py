"""Anomaly detection: ``detect_anomaly()`` and ``set_detect_anomaly(mode)``, as in PyTorch.

>>> import minigrad, warnings
>>> x = minigrad.zeros(2, requires_grad=True)
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     with minigrad.autograd.detect_anomaly():
...         y = (minigrad.sqrt(x) * 0).sum()     # d sqrt(x)/dx at 0 is inf, times 0: NaN
...         y.backward()                          # doctest: +ELLIPSIS
Traceback (most recent call last):
RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output. ...

Design notes
------------
* The engine does the work, at C level (``_tape._set_anomaly``): while the mode is on, every
  node records the Python stack of its creation in ``node._trace``, and after each node's
  backward the engine checks the gradients it produced for NaN and raises a RuntimeError
  naming the node and showing that stack. This module only switches the mode and restores
  the previous one on exit, so nesting works.
* As in PyTorch, the mode is process-wide (not per thread), ``detect_anomaly`` warns that
  it slows things down, works as a context manager and as a decorator, and
  ``set_detect_anomaly(mode)`` takes effect as soon as it is called.
* ``check_nan=False`` (record the traces but do not check for NaN) needs the engine to keep
  the two apart; it does not yet, so that combination raises NotImplementedError instead of
  quietly checking anyway.
"""

import functools
import warnings

from . import _tape

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled():
    """Whether anomaly detection is on (nodes record where they were created).

    >>> minigrad.autograd.is_anomaly_enabled()
    False
    >>> with minigrad.autograd.set_detect_anomaly(True):
    ...     minigrad.autograd.is_anomaly_enabled()
    True
    """
    mode = _tape._set_anomaly(False)
    _tape._set_anomaly(mode)
    return mode


def is_anomaly_check_nan_enabled():
    """Whether backward checks gradients for NaN (always together with anomaly mode here)."""
    return is_anomaly_enabled()


def _require_check_nan(mode, check_nan):
    if mode and not check_nan:
        raise NotImplementedError(
            "anomaly detection with check_nan=False is not supported yet: minigrad's engine "
            "always checks for NaN while anomaly mode is on. Use check_nan=True (the default)."
        )


class detect_anomaly:
    """Context manager and decorator: record where each node is created, and make backward
    raise a RuntimeError with that forward traceback when a node's gradient has a NaN.

    ``check_nan``: check each node's gradient for NaN (True, the only mode here: minigrad
    records creation traces and checks NaN together).

    >>> import warnings
    >>> x = minigrad.tensor([0.0], requires_grad=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # its notice that anomaly mode slows things down
    ...     with minigrad.autograd.detect_anomaly():
    ...         try:
    ...             (x.sqrt() * 0).sum().backward()
    ...         except RuntimeError as e:
    ...             print(str(e).split(".")[0])
    Function 'SqrtBackward0' returned nan values in its 0th output
    """

    def __init__(self, check_nan=True):
        _require_check_nan(True, check_nan)
        self.check_nan = check_nan
        self._prev = False
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self):
        self._prev = _tape._set_anomaly(True)
        return self

    def __exit__(self, *exc):
        _tape._set_anomaly(self._prev)
        return False

    def __call__(self, fn):
        """As a decorator: anomaly mode on for each call of ``fn`` (warned once, here)."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _tape._set_anomaly(True)
            try:
                return fn(*args, **kwargs)
            finally:
                _tape._set_anomaly(prev)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off now; as a context manager, restore it on exit.

    ``mode``: True to record creation traces and check gradients for NaN, False to stop;
    ``check_nan``: must be True while ``mode`` is (see :class:`detect_anomaly`).

    >>> with minigrad.autograd.set_detect_anomaly(True):
    ...     minigrad.autograd.is_anomaly_enabled()
    True
    >>> minigrad.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode, check_nan=True):
        _require_check_nan(mode, check_nan)
        self._prev = _tape._set_anomaly(bool(mode))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _tape._set_anomaly(self._prev)
        return False
