def get_num_threads() -> int:
    """The number of threads minigrad's parallel kernels may use (OpenMP's setting)."""

def set_num_threads(n: int) -> None:
    """Compute with up to ``n`` threads: minigrad's parallel kernels and numpy's BLAS."""

def blas_library() -> tuple[str, int]:
    """(path of the OpenBLAS library numpy uses, its thread count), or ("", 0)."""

def matmul(a, b, out=None):
    """``np.matmul`` on one BLAS thread for a small product."""

def dot(a, b, out=None):
    """``np.dot`` on one BLAS thread for a small product."""

def _set_blas_threads(n: int) -> None: ...
