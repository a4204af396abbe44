"""``minigrad.accelerator``: what a CPU-only PyTorch answers (there is no accelerator)."""


def is_available():
    """False: minigrad runs on the CPU only."""
    return False


def current_accelerator(check_available=False):
    """None: there is no accelerator."""
    return None


def device_count():
    """0: there is no accelerator."""
    return 0
