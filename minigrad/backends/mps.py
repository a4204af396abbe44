"""``minigrad.backends.mps``: Apple's Metal backend, which minigrad does not have."""


def is_available():
    """False: minigrad runs on the CPU only."""
    return False


def is_built():
    """False: minigrad is not built with MPS."""
    return False
