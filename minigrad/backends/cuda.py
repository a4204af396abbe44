"""``minigrad.backends.cuda``: ``matmul.allow_tf32`` and friends as settable flags with PyTorch's
defaults; minigrad has no CUDA, so setting them changes nothing."""


class _Matmul:
    """``backends.cuda.matmul``: the reduced-precision switches of CUDA matmuls."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()


def is_built():
    """False: minigrad is not built with CUDA."""
    return False
