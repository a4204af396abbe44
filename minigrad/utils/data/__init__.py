"""minigrad.utils.data, as ``torch.utils.data``: datasets (``dataset.py``), samplers
(``sampler.py``), batching (``_collate.py``), the ``DataLoader`` (``dataloader.py``) and what
its worker processes run (``_worker.py``). Nothing here is compiled, and ``multiprocessing`` is
imported only when a loader starts workers.

>>> import minigrad as torch
>>> loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(4)), batch_size=2)
>>> [b.tolist() for (b,) in loader]
[[0, 1], [2, 3]]
"""

from ._collate import default_collate, default_convert
from ._worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
