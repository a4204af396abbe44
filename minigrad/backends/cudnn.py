"""``minigrad.backends.cudnn``: settable flags with PyTorch's defaults; minigrad has no cuDNN,
so setting them changes nothing."""

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available():
    """False: minigrad has no cuDNN."""
    return False


def version():
    """None: no cuDNN (what a CPU-only PyTorch answers)."""
    return None
