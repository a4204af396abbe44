"""minigrad: a tape-based reverse-mode autograd library with a compiled Cython core.

``import minigrad as torch`` and the autograd tutorials run: tensors, requires_grad,
grad_fn, backward(), .grad, no_grad(), detach().

Layout: ``_tape`` (compiled: Tensor, Node, engine) -> ``ops`` (the op table) ->
``creation`` (tensor, zeros, ...) -> this module (the public API).
"""

__version__ = "0.1.0"

import os as _os

# OpenMP's threads spin for a while after each parallel kernel before they sleep, and numpy's
# OpenBLAS threads do the same after each matrix product: with both pools on a machine of few
# cores they take the cores from each other, and a conv2d step of 0.4 ms took 20-90 ms at
# two threads (measured, issue 15). minigrad's kernels are only parallel above a size where
# waking a sleeping thread costs little, so their threads sleep at once, unless the user
# chose a policy. OpenMP reads this once, when it loads: before the compiled modules below.
if "OMP_WAIT_POLICY" not in _os.environ and "GOMP_SPINCOUNT" not in _os.environ:
    _os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

try:
    from . import _kernels, _tape, _threads  # noqa: F401
except ImportError as e:  # pragma: no cover - only without a build
    raise ImportError(
        "minigrad's compiled core is missing or stale (" + str(e) + "). Build it from the "
        "project folder with `pip install -e .` (or `python setup.py build_ext --inplace`)."
    ) from e

from . import _creation, _legacy, _sampling  # noqa: E402,F401  (their methods join Tensor's: x.type(), x.new_zeros())
from . import ops as _ops

_tape._set_ops(_ops)

from . import autograd, linalg, testing  # noqa: E402
from ._creation import (  # noqa: E402
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from ._device import device, get_default_device, set_default_device  # noqa: E402
from ._dtype_rules import can_cast, finfo, iinfo, is_floating_point, promote_types, result_type  # noqa: E402
from ._dtypes import (  # noqa: E402
    bfloat16,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from ._dtypes import (  # noqa: E402
    bool_ as bool,  # noqa: A001
)
from ._dtypes import (
    float16 as half,
)
from ._dtypes import (
    float32 as float,  # noqa: A001
)
from ._dtypes import (
    float64 as double,
)
from ._dtypes import (
    int16 as short,
)
from ._dtypes import (
    int32 as int,  # noqa: A001
)
from ._dtypes import (
    int64 as long,
)
from ._grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: E402
from ._legacy import (  # noqa: E402
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from ._printing import get_printoptions, set_printoptions  # noqa: E402
from ._sampling import (  # noqa: E402
    bernoulli,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from ._tape import Size, Tensor, is_grad_enabled  # noqa: E402
from .ops import *  # noqa: E402,F401,F403
from .ops import abs, all, any, max, min, pow, round, sum  # noqa: E402,A004
from .random import (  # noqa: E402
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)


def is_tensor(obj):
    """True if ``obj`` is a minigrad Tensor.

    ``obj``: any object (a Parameter is a Tensor; a numpy array is not).

    >>> minigrad.is_tensor(minigrad.zeros(1)), minigrad.is_tensor([1.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of ``input``.

    >>> minigrad.numel(minigrad.zeros(2, 3))
    6
    """
    return input.numel()


# optim is a top-level package that registers itself as minigrad.optim; imported last,
# once the API above exists (optim imports minigrad).
from ._siblings import import_sibling as _import_sibling  # noqa: E402

optim = _import_sibling("optim")


# nn is a top-level package beside minigrad/ (minigrad.nn is the same module object); loaded
# last, as nn uses the API above. save/load write checkpoints as .npz (never pickle) or, with
# format="torch", as PyTorch's zip (read back by a restricted unpickler).
from .ops import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, log_softmax, max_pool2d, softmax  # noqa: E402,E501
from .serialization import load, save  # noqa: E402

nn = _import_sibling("nn")
# utils (torch.utils.data after `import minigrad as torch`), then the stand-ins for what a CPU-only
# PyTorch has and minigrad does not need (README: "Not supported")
from . import (  # noqa: E402
    accelerator,
    amp,
    backends,
    cuda,
    distributed,
    distributions,
    func,  # noqa: E402  (torch.func: grad, vmap, jacrev, functional_call, ...)
    utils,
)
from ._compile import compile  # noqa: E402,A004
from ._flags import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from ._interop import from_dlpack  # noqa: E402  (also puts __dlpack__ on Tensor)
from ._threads import get_num_threads, set_num_threads  # noqa: E402
from .amp import autocast  # noqa: E402
