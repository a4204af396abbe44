def get_num_threads() -> int:
    """The number of threads minigrad's parallel kernels may use (OpenMP's setting)."""

def set_num_threads(n: int) -> None:
    """Let minigrad's parallel kernels use up to ``n`` threads (a positive int), from this thread on."""
