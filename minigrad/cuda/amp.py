"""``minigrad.cuda.amp``: the deprecated ``torch.cuda.amp.GradScaler`` / ``autocast`` spellings.

As in PyTorch 2.13 each warns that it is deprecated (FutureWarning) and is the ``'cuda'`` form
of ``minigrad.amp``'s class; with no CUDA device both then warn and disable themselves, as in a
CPU-only PyTorch, so the scaler passes losses and steps through and autocast changes nothing.
"""

import warnings

from .. import amp as _amp


class GradScaler(_amp.GradScaler):
    """``minigrad.amp.GradScaler("cuda", ...)``, which disables itself (there is no CUDA)."""

    def __init__(
        self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True
    ):
        warnings.warn(
            "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
            "`torch.amp.GradScaler('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class autocast(_amp.autocast):
    """``minigrad.amp.autocast("cuda", ...)``, which disables itself (there is no CUDA)."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
            "`torch.amp.autocast('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
