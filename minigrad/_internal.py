"""The internal API: what ``nn``, ``optim`` and the packages above the core may use besides
the public one. Each name here is a promise, kept as stable as the public API and tested
through the layers that use it; nothing else underscored may be imported from outside the
core (``tests/test_layering.py`` checks it). The public ``minigrad.ops`` op table (its
unprefixed names, e.g. ``ops.nn.im2col``, ``ops.rnn.recurrent_layer``) is part of it too.

Tensors and arrays
    from_array(a)             a Tensor around the ndarray ``a``, no copy, not recorded
    dtype_from_numpy(d)       minigrad's dtype for a numpy dtype (TypeError if it has none)
    dtype_to_numpy(d)         the numpy dtype of a minigrad dtype, name or numpy dtype
    parse_to(args, kw, op)    ``.to(...)``'s arguments read as PyTorch reads them
    check_device(dev, op)     a device argument checked ("cpu"; "cuda" raises PyTorch's error)
    rng(generator=None)       the numpy Generator behind a minigrad Generator (or the default)
    random_lead()             ``(B,)`` inside ``func.vmap(randomness='different')`` (draw with the
                              batch dim in front), else ``()``
    random_result(a, lead)    the tensor of such a draw (batched when ``lead`` is not empty)

Checks before a kernel (kernels run without bounds checks)
    check_alloc(op, count, itemsize, what, why)   refuse a buffer too big to allocate
    int_tuple(v, n, name, op)                     an int or n-tuple argument, validated

Convolution and pooling geometry (the compiled kernels of ``_conv_kernels``)
    conv_geometry(op, xshape, wshape, stride, padding, dilation)
    pool_out(size, k, s, p, d, ceil_mode)         one output size of a pooling window

Layers
    Parameter                 the class ``nn.Parameter`` re-exports (declared in the core so
                              that loading a checkpoint needs no ``nn``)

Optimizer kernels
    optim_kernels             ``_optim_kernels``: the fused one-pass updates (baseline or
                              AVX2, picked at import)
"""

from . import _optim_kernels as optim_kernels
from ._batched import random_lead, random_result
from ._device import check_device, parse_to
from ._dtypes import from_numpy as dtype_from_numpy
from ._dtypes import to_numpy as dtype_to_numpy
from ._parameter import Parameter
from ._tape import _from_array as from_array
from .ops._core import _check_alloc as check_alloc
from .ops.nn import _conv_geometry as conv_geometry
from .ops.nn import _pool_out as pool_out
from .ops.nn import _tuple as int_tuple
from .random import _rng as rng

__all__ = [
    "Parameter",
    "check_alloc",
    "check_device",
    "conv_geometry",
    "dtype_from_numpy",
    "dtype_to_numpy",
    "from_array",
    "int_tuple",
    "optim_kernels",
    "parse_to",
    "pool_out",
    "random_lead",
    "random_result",
    "rng",
]
