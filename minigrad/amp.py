"""``minigrad.amp``: mixed precision, as far as a float32/float64 CPU library has it.

``autocast(device_type, dtype=None, enabled=True)`` is a context manager and a decorator that
leaves every dtype alone. On the CPU PyTorch 2.13 runs matmul-like ops (``@``, ``linear``,
convolutions) in bfloat16 inside ``autocast("cpu")`` (float16 with ``dtype=torch.float16``);
minigrad has no bfloat16 and keeps float32 there, so results are float32 and a little more
precise than PyTorch's. The warnings a CPU-only PyTorch gives are given too: ``autocast("cuda")``
disables itself (no CUDA), an unsupported CPU dtype disables it. ``fast_dtype`` is the requested
dtype, or None where PyTorch would use bfloat16 (``minigrad.bfloat16`` exists as a name for
this, but no tensor can hold it).

``GradScaler(device="cuda", ...)`` scales a loss so small float16 gradients do not underflow.
As in a CPU-only PyTorch, the ``"cuda"`` scaler (the default, and ``minigrad.cuda.amp``'s)
warns that CUDA is not available and disables itself: ``scale(loss)`` returns the loss,
``step(opt)`` calls ``opt.step()``, ``update()`` and ``unscale_`` do nothing, ``state_dict()``
is ``{}``. ``GradScaler("cpu")`` is enabled and does what PyTorch's does: multiplies the loss
by the scale, divides the gradients by it in ``unscale_``, skips ``step`` when a gradient is
inf or NaN, and grows or backs off the scale in ``update()``.
"""

import functools
import warnings

import numpy as np

from ._device import device as _device
from ._dtypes import bfloat16, float16


def _device_type(device_type, op):
    if not isinstance(device_type, str):
        raise ValueError(f"{op}: Expected `device_type` of type `str`, got: `{type(device_type)}`")
    return _device(device_type).type


class autocast:
    """A context manager and decorator that keeps every dtype as it is (see the module docstring).

    ``device_type``: ``"cpu"`` (``"cuda"`` warns and disables itself, as in a CPU-only
    PyTorch); ``dtype``: float16 or bfloat16 (PyTorch's CPU choices; others warn and disable);
    ``enabled``: False turns it off; ``cache_enabled``: accepted for PyTorch's signature.
    PyTorch's CPU autocast would run this matmul in bfloat16; here it stays float32.

    >>> with minigrad.autocast("cpu"):
    ...     (minigrad.ones(2, 2) @ minigrad.ones(2, 2)).dtype
    minigrad.float32
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        self.device = _device_type(device_type, "autocast")
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if self._enabled and self.device != "cpu":
            warnings.warn(
                f"{self.device.upper()} is not available (minigrad runs on the CPU only). "
                "Disabling autocast.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False
        elif self._enabled and dtype is not None and dtype is not float16 and dtype is not bfloat16:
            warnings.warn(
                "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return wrapped


class _BadFactor(ValueError, AssertionError):
    """A growth or backoff factor out of range (PyTorch raises an AssertionError)."""


class GradScaler:
    """Loss scaling for mixed precision: disabled on ``"cuda"`` (no CUDA), PyTorch's algorithm on
    ``"cpu"`` (see the module docstring).

    >>> scaler = minigrad.amp.GradScaler("cpu", init_scale=4.0)
    >>> scaler.scale(minigrad.tensor(1.5))
    tensor(6.)
    """

    def __init__(
        self,
        device="cuda",
        init_scale=2.0**16,
        growth_factor=2.0,
        backoff_factor=0.5,
        growth_interval=2000,
        enabled=True,
    ):
        self._device = _device_type(device, "GradScaler")
        self._enabled = bool(enabled)
        if self._enabled and self._device != "cpu":
            warnings.warn(
                f"torch.{self._device}.amp.GradScaler is enabled, but {self._device.upper()} is "
                "not available.  Disabling.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise _BadFactor(f"The growth factor must be > 1.0 (got {growth_factor}).")
            if not 0.0 < backoff_factor < 1.0:
                raise _BadFactor(f"The backoff factor must be < 1.0 and > 0 (got {backoff_factor}).")
            self._scale = float(init_scale)
            self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
            self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._per_optimizer = {}  # id(optimizer) -> {"unscaled", "stepped", "found_inf": bool}

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` (a tensor, or lists/tuples of them) times the scale; themselves when disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def _state(self, optimizer):
        return self._per_optimizer.setdefault(
            id(optimizer), {"unscaled": False, "stepped": False, "found_inf": False}
        )

    def unscale_(self, optimizer):
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, noting infs/NaNs."""
        if not self._enabled:
            return
        from ._grad_mode import no_grad

        state = self._state(optimizer)
        if state["unscaled"]:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if state["stepped"]:
            raise RuntimeError("unscale_() is being called after step().")
        found_inf = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.dtype is float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    p.grad.mul_(1.0 / self._scale)
                    found_inf = found_inf or not np.isfinite(p.grad.numpy()).all()
        state.update(unscaled=True, found_inf=found_inf)

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()``, after ``unscale_``, unless a gradient is inf or NaN (then skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stepped"]:
            raise RuntimeError("step() has already been called since the last update().")
        if not state["unscaled"]:
            self.unscale_(optimizer)
        state["stepped"] = True
        return None if state["found_inf"] else optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Back the scale off after a step with infs/NaNs, grow it after ``growth_interval`` clean ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        else:
            if not self._per_optimizer:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(s["found_inf"] for s in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self):
        """The scale and its settings (``{}`` when disabled), as PyTorch's keys."""
        if not self._enabled:
            return {}
        return {
            "scale": self._scale,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a "
                "disabled instance of GradScaler."
            )
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
