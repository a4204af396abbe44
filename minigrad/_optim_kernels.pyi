"""Type stubs of minigrad._optim_kernels (compiled): fused optimizer updates.

Each function updates ``param`` and its state buffers in place (C-contiguous float32 or
float64 arrays of one dtype and shape); an unused optional buffer is None. See the module
docstring of ``_optim_kernels.pyx`` for the loop structure, threading and the choice of
instruction set (the functions below are those of the build named by ``ISA``).
"""

from typing import Any

from numpy.typing import NDArray

PARALLEL_MIN: int
"""Arrays with at least this many elements are updated by OpenMP threads (when built with it)."""
BLOCK: int
"""Elements per unit of work handed to a thread."""
CHUNK: int
"""Elements per inner loop; before each, the arrays' lines ``AHEAD`` bytes further on are prefetched."""
AHEAD: int
"""How far ahead of the loop (bytes) each array is prefetched."""
ISA: str
"""The build in use: ``"avx2"`` on a CPU that runs it (when built), else ``"baseline"``;
``MINIGRAD_ISA=baseline`` forces the baseline."""

def available() -> tuple[str, ...]:
    """The builds this CPU can run, the portable one first."""

def kernels(isa: str) -> Any:
    """The kernel functions (``sgd``, ``adam``, ``rmsprop``, ``adagrad``, ``adadelta``, ``adamax``,
    ``nadam``, ``radam``, ``asgd``, ``rprop``) of one build."""

def sgd(
    param: NDArray[Any],
    grad: NDArray[Any],
    momentum_buffer: NDArray[Any] | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
    first_step: bool,
) -> None:
    """One SGD step in place."""

def adam(
    param: NDArray[Any],
    grad: NDArray[Any],
    exp_avg: NDArray[Any],
    exp_avg_sq: NDArray[Any],
    max_exp_avg_sq: NDArray[Any] | None,
    *,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decay: float,
    step_size: float,
    bias_correction2_sqrt: float,
    maximize: bool,
) -> None:
    """One Adam/AdamW step in place."""

def rmsprop(
    param: NDArray[Any],
    grad: NDArray[Any],
    square_avg: NDArray[Any],
    grad_avg: NDArray[Any] | None,
    momentum_buffer: NDArray[Any] | None,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    maximize: bool,
) -> None:
    """One RMSprop step in place."""

def adagrad(
    param: NDArray[Any],
    grad: NDArray[Any],
    state_sum: NDArray[Any],
    *,
    clr: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """One Adagrad step in place."""

def adadelta(
    param: NDArray[Any],
    grad: NDArray[Any],
    square_avg: NDArray[Any],
    acc_delta: NDArray[Any],
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """One Adadelta step in place."""

def adamax(
    param: NDArray[Any],
    grad: NDArray[Any],
    exp_avg: NDArray[Any],
    exp_inf: NDArray[Any],
    *,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    clr: float,
    maximize: bool,
) -> None:
    """One Adamax step in place; ``clr = lr / (1 - beta1**step)``."""

def nadam(
    param: NDArray[Any],
    grad: NDArray[Any],
    exp_avg: NDArray[Any],
    exp_avg_sq: NDArray[Any],
    *,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decay: float,
    bias_correction2: float,
    grad_coef: float,
    avg_coef: float,
    maximize: bool,
) -> None:
    """One NAdam step in place."""

def radam(
    param: NDArray[Any],
    grad: NDArray[Any],
    exp_avg: NDArray[Any],
    exp_avg_sq: NDArray[Any],
    *,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decay: float,
    lr: float,
    bias_correction1: float,
    bias_correction2_sqrt: float,
    rect: float,
    rectified: bool,
    maximize: bool,
) -> None:
    """One RAdam step in place."""

def asgd(
    param: NDArray[Any],
    grad: NDArray[Any],
    ax: NDArray[Any],
    *,
    weight_decay: float,
    shrink: float,
    eta: float,
    mu: float,
    maximize: bool,
) -> None:
    """One ASGD step in place."""

def rprop(
    param: NDArray[Any],
    grad: NDArray[Any],
    prev: NDArray[Any],
    step_size: NDArray[Any],
    *,
    etaminus: float,
    etaplus: float,
    step_min: float,
    step_max: float,
    maximize: bool,
) -> None:
    """One Rprop step in place."""
