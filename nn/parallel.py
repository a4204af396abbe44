"""``nn.parallel``: ``DataParallel`` as a CPU-only PyTorch has it, ``DistributedDataParallel`` refused.

On a machine without GPUs PyTorch's ``DataParallel(model)`` runs ``model`` itself (there is
nothing to split the batch over), and so does this one: ``forward`` calls ``self.module``, and
the state dict's keys carry the ``module.`` prefix PyTorch's have. ``DistributedDataParallel``
raises: minigrad runs in one process (see ``minigrad.distributed``).
"""

from .module import Module


class DataParallel(Module):
    """Runs ``module`` unchanged (no GPUs to spread the batch over), as PyTorch does on the CPU.

    ``module``: the Module to wrap; ``device_ids``, ``output_device``: accepted and ignored (there
    is one CPU device; both are stored as ``[]`` and None); ``dim``: the batch dimension PyTorch
    would scatter (kept, unused).

    >>> net = minigrad.nn.DataParallel(minigrad.nn.Linear(2, 1))
    >>> list(net.state_dict())
    ['module.weight', 'module.bias']
    >>> net(minigrad.zeros(4, 2)).shape
    minigrad.Size([4, 1])
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel(): module must be an nn.Module, got {type(module).__name__}")
        self.module = module
        self.device_ids = []
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    """Raises RuntimeError: minigrad runs in one process on the CPU."""

    def __init__(self, module, *args, **kwargs):
        raise RuntimeError(
            "DistributedDataParallel(): minigrad runs in one process on the CPU; use "
            "PyTorch for distributed training"
        )
