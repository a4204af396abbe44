"""``minigrad.backends``: the backend flags PyTorch programs set, answered as a CPU-only PyTorch does.

``backends.cudnn.benchmark = True`` and friends are plain settable flags that change nothing
(minigrad has no cuDNN); ``cudnn.is_available()``, ``mps.is_available()``/``is_built()`` and
``cuda.is_built()`` are False.
"""

from . import cuda, cudnn, mps  # noqa: F401
