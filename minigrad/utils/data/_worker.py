"""What a ``DataLoader`` worker process runs, and what it shares with the main process: the
fetcher (indices -> collated batch, also used without workers), ``get_worker_info``, the wire
format for batches, and the wrapper that carries a worker's exception home.

A worker reads ``(task number, indices)`` from its own index queue and puts ``(task number,
batch)`` on the result queue shared by all workers; the main process puts the batches back in
task order. ``_RESUME`` restarts a worker's fetcher for a new epoch (``persistent_workers``) and
is acknowledged, so the main process knows that nothing of the old epoch follows.

A worker stops on ``None`` from its index queue, when the ``done`` event is set, or when its
parent has died. The event is the signal that always arrives: an iterator dropped inside a
reference cycle (a traceback held by an exception) is finalised by the garbage collector after
its queues' own finalisers have already stopped their feeder threads, so a ``None`` put then
is never sent; setting an event needs no thread.

Seeding, as PyTorch: worker ``i`` of an epoch gets ``seed = base_seed + i``, where the main
process draws ``base_seed`` from the loader's generator (the default one when none is given)
each time an iterator starts; ``seed`` goes to minigrad's default generator and to Python's
``random``, and a seed derived from ``(base_seed, i)`` to numpy's global ``np.random``.

Wire format. minigrad tensors refuse ``pickle`` on purpose (checkpoints are ``.npz``, never
pickle), so batches are pickled here by a private ``Pickler`` whose ``reducer_override`` sends a
tensor as its numpy array and its ``requires_grad`` flag; a plain ``pickle.loads`` in the main
process rebuilds it. Only these two processes of one program read what it writes. Pickling
happens in the worker before the batch is queued, so a batch that cannot be pickled comes back
as an error naming the worker instead of a message printed by the queue's feeder thread.
"""

import io
import itertools
import pickle
import queue
import random
import sys
import traceback

import numpy as np

from ... import random as _random
from ..._tape import Tensor, _from_array
from ._collate import default_collate

_POLL_SECONDS = 0.2  # how often a waiting worker checks the done event and its parent
_RESUME = "resume"


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: ``id``, ``num_workers``, ``seed``,
    ``dataset`` (this worker's copy). Read-only, as in PyTorch.

    ``fields``: those four, by keyword (the DataLoader builds it).

    >>> info = WorkerInfo(id=0, num_workers=2, seed=7, dataset=None)
    >>> info.id, info.num_workers
    (0, 2)
    """

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, **fields):
        for k, v in fields.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, key, val):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects (tried {key!r})")

    def __repr__(self):
        return (
            f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
            f"dataset={self.dataset!r})"
        )


_worker_info = None


def get_worker_info():
    """Inside a ``DataLoader`` worker process, its ``WorkerInfo``; in the main process, ``None``.

    >>> get_worker_info() is None
    True
    """
    return _worker_info


class _Fetcher:
    """Indices -> one collated batch. For an iterable dataset the indices only say how many
    samples to read; the end of its iterator raises StopIteration."""

    def __init__(self, dataset, iterable, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = (
            dataset,
            auto_collation,
            collate_fn,
            drop_last,
        )
        self.it = iter(dataset) if iterable else None
        # a TensorDataset under the default collation: a batch is one gather per tensor
        gather = (
            getattr(dataset, "_collated", None) if auto_collation and collate_fn is default_collate else None
        )
        self.gather = gather

    def __call__(self, index):
        if self.it is not None:
            if not self.auto_collation:
                return self.collate_fn(next(self.it))
            data = list(itertools.islice(self.it, len(index)))
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        elif self.auto_collation:
            batch = None if self.gather is None else self.gather(index)
            if batch is not None:
                return batch
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if getitems is not None else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _KeyErrorMessage(str):
    """KeyError's str() is the repr of its argument: this keeps the traceback's line breaks."""

    def __repr__(self):
        return str(self)


class _ExceptionWrapper:
    """An exception caught in a worker, with its traceback as text, re-raised in the main process."""

    def __init__(self, worker_id, where="in DataLoader worker process"):
        exc_type, exc, _ = sys.exc_info()
        self.exc_type = exc_type
        self.msg = f"Caught {exc_type.__name__} {where} {worker_id}.\nOriginal " + "".join(
            traceback.format_exception(exc_type, exc, exc.__traceback__)
        )

    def reraise(self):
        msg = _KeyErrorMessage(self.msg) if self.exc_type is KeyError else self.msg
        try:
            err = self.exc_type(msg)
        except Exception:  # an exception class that takes other arguments
            err = None
        if err is None:
            raise RuntimeError(self.msg) from None
        raise err


class _IterableEnd:
    """A worker's iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


def _rebuild_tensor(array, requires_grad):
    return _from_array(array, requires_grad)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if not isinstance(obj, Tensor):
            return NotImplemented
        if obj.requires_grad and not obj.is_leaf:
            raise RuntimeError(
                "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
                "autograd does not support crossing process boundaries: call .detach() on the "
                "samples the dataset returns"
            )
        return _rebuild_tensor, (obj._data, obj.requires_grad)


def dumps(obj):
    """Pickle ``obj`` (tensors included) for the other side of a DataLoader queue."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def _seed_worker(base_seed, worker_id):
    seed = base_seed + worker_id
    random.seed(seed)
    _random.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _worker_loop(payload, index_queue, result_queue, done, worker_id, num_workers, base_seed):
    """The body of worker process ``worker_id``. ``payload``: (dataset, iterable, auto_collation,
    collate_fn, drop_last, worker_init_fn), or those pickled by ``dumps`` (spawn, forkserver)."""
    import multiprocessing

    global _worker_info
    result_queue.cancel_join_thread()  # exiting never waits for the main process to read
    parent = multiprocessing.parent_process()
    spec = pickle.loads(payload) if isinstance(payload, bytes) else payload
    dataset, iterable, auto_collation, collate_fn, drop_last, worker_init_fn = spec
    seed = _seed_worker(base_seed, worker_id)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

    def start(where="in DataLoader worker process"):
        """(fetcher, None), or (None, the error every task will be answered with)."""
        try:
            return _Fetcher(dataset, iterable, auto_collation, collate_fn, drop_last), None
        except Exception:
            return None, _ExceptionWrapper(worker_id, where)

    fetch, error = None, None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception:
        error = _ExceptionWrapper(worker_id, "in worker_init_fn of DataLoader worker process")
    if error is None:
        fetch, error = start()
    try:
        while True:
            try:
                task = index_queue.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if done.is_set() or (parent is not None and not parent.is_alive()):
                    return
                continue
            if task is None or done.is_set():
                return
            if task == _RESUME:
                if fetch is not None:
                    fetch, error = start()
                result_queue.put(dumps((_RESUME, worker_id)))
                continue
            idx, index = task
            out = error
            if out is None:
                try:
                    out = fetch(index)
                except StopIteration:
                    out = _IterableEnd(worker_id)
                except Exception:
                    out = _ExceptionWrapper(worker_id)
            try:
                msg = dumps((idx, out))
            except Exception:
                err = _ExceptionWrapper(worker_id, "while sending a batch from DataLoader worker")
                msg = dumps((idx, err))
            result_queue.put(msg)
    except KeyboardInterrupt:  # Ctrl-C reaches every process of the group; the main process reports it
        return
