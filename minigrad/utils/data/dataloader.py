"""``DataLoader``: batches from a dataset, in this process or from worker processes.

The loader is PyTorch's, argument by argument: ``shuffle`` makes a ``RandomSampler`` (drawing
from ``generator``), ``batch_size`` wraps the sampler in a ``BatchSampler`` (``batch_size=None``
turns batching off: samples pass through ``default_convert``), a ``batch_sampler`` replaces
both, and an ``IterableDataset`` takes no sampler at all. The same argument conflicts raise
the same ``ValueError``s. ``pin_memory`` is accepted and does nothing but PyTorch's warning
on a machine without an accelerator (there is no device memory to pin); ``in_order=False`` is
accepted and batches still come in order; ``len(loader)`` is the number of batches.

Each ``iter(loader)`` first draws a base seed from ``generator`` (as PyTorch does, with or
without workers, so a seeded run draws the same numbers either way). With ``num_workers > 0``
it starts that many processes (``multiprocessing``, imported only then; the default start
method unless ``multiprocessing_context`` says otherwise) and keeps ``prefetch_factor`` tasks
per worker in flight, handed out round-robin; batches come back in sampler order whichever
worker finishes first. What a worker runs, how it is seeded and how tensors cross the process
boundary: ``_worker.py``. Workers stop when the epoch ends, when the iterator is dropped (a
``break`` out of the loop) or, with ``persistent_workers``, when the loader is dropped.

>>> ds = TensorDataset(minigrad.arange(10.0).reshape(5, 2), minigrad.arange(5))
>>> [y.tolist() for x, y in DataLoader(ds, batch_size=2)]
[[0, 1], [2, 3], [4]]
"""

import math
import os
import pickle
import queue
import threading
import time
import warnings

from ... import random as _random
from . import _worker
from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
_POLL_SECONDS = 0.2  # how often the main process, waiting for a batch, checks its workers
_JOIN_SECONDS = 5.0  # how long stopping workers may take before they are terminated
_FEEDER_SECONDS = 0.5  # how long the queues' feeder threads may take to flush (see _shutdown_workers)


class DataLoader:
    """Iterate over ``dataset`` in batches.

    ``DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
    worker_init_fn=None, multiprocessing_context=None, generator=None, *, prefetch_factor=None,
    persistent_workers=False)``, as in PyTorch.

    ``dataset``: map-style (``__getitem__``/``__len__``) or iterable; ``batch_size``: samples per
    batch (None: no batching); ``shuffle``: a new order each epoch (from ``generator`` or the
    global seed); ``sampler``, ``batch_sampler``: custom orders instead; ``collate_fn``: merges
    samples into a batch (default: stack tensors, recursively); ``drop_last``: drop a final short
    batch; ``num_workers``, ``timeout``, ``worker_init_fn``, ``multiprocessing_context``,
    ``prefetch_factor``, ``persistent_workers``: worker processes, as in PyTorch;
    ``pin_memory``, ``pin_memory_device``: accepted (CPU only); ``in_order``: with workers, yield
    batches in sampler order.

    >>> from minigrad.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(minigrad.arange(10.0).reshape(5, 2), minigrad.arange(5))
    >>> [(x.shape, y.tolist()) for x, y in DataLoader(ds, batch_size=2)]
    [(minigrad.Size([2, 2]), [0, 1]), (minigrad.Size([2, 2]), [2, 3]), (minigrad.Size([1, 2]), [4])]
    >>> len(DataLoader(ds, batch_size=2, drop_last=True))
    2
    """

    _initialized = False

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                f"num_workers option should be non-negative; use num_workers=0 to disable "
                f"multiprocessing (got num_workers={num_workers!r})"
            )
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative (got timeout={timeout})")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing. Let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to "
                "None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(f"prefetch_factor option should be non-negative (got {prefetch_factor})")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if generator is not None and not isinstance(generator, _random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a minigrad.Generator, not {type(generator).__name__}"
            )

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError(
                "sampler option is mutually exclusive with shuffle (DataLoader: the sampler "
                "already decides the order; pass one or the other)"
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last (DataLoader: the batch sampler already makes the "
                    "batches; leave those at their defaults)"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last (DataLoader: there are no batches to drop)"
            )
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order
        self.multiprocessing_context = _context(multiprocessing_context, num_workers)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)
        self.persistent_workers = persistent_workers
        self._iterable = iterable
        self._iterator = None
        self._initialized = True

    def __setattr__(self, attr, val):
        if self._initialized and attr in _FROZEN:
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if self._iterator is None or self._iterator._shutdown:
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator._reset()
        return self._iterator

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)  # an IterableDataset may define __len__; TypeError otherwise
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)


def _context(ctx, num_workers):
    """``multiprocessing_context``: None, a start method's name, or a multiprocessing context."""
    if ctx is None:
        return None
    if num_workers == 0:
        raise ValueError(
            f"multiprocessing_context can only be used with multi-process loading "
            f"(num_workers > 0), but got num_workers={num_workers}"
        )
    import multiprocessing
    import multiprocessing.context

    if isinstance(ctx, str):
        methods = multiprocessing.get_all_start_methods()
        if ctx not in methods:
            raise ValueError(
                f"multiprocessing_context option should specify a valid start method in "
                f"{methods!r}, but got multiprocessing_context={ctx!r}"
            )
        ctx = multiprocessing.get_context(ctx)
    if not isinstance(ctx, multiprocessing.context.BaseContext):
        raise TypeError(
            f"multiprocessing_context option should be a valid context object or a string "
            f"specifying the start method, but got multiprocessing_context={ctx!r}"
        )
    return ctx


def _start(loader):
    """What every iterator does first (PyTorch's order): the pin_memory warning, the base seed."""
    if loader.pin_memory:
        warnings.warn(
            "'pin_memory' argument is set as true but no accelerator is found, then device pinned "
            "memory won't be used.",
            stacklevel=4,
        )
    return int(_random._rng(loader.generator).integers(0, 1 << 63))


class _SingleProcessIter:
    """Batches made in this process, one per ``next``."""

    def __init__(self, loader):
        self._base_seed = _start(loader)
        self._indices = iter(loader._index_sampler)
        self._fetch = _worker._Fetcher(
            loader.dataset, loader._iterable, loader._auto_collation, loader.collate_fn, loader.drop_last
        )
        self._loader = loader

    def __iter__(self):
        return self

    def __next__(self):
        return self._fetch(next(self._indices))

    def __len__(self):
        return len(self._loader)


class _MultiProcessIter:
    """Batches made by ``loader.num_workers`` worker processes, delivered in task order."""

    def __init__(self, loader):
        ctx = loader.multiprocessing_context
        if ctx is None:
            import multiprocessing as ctx
        self._loader = loader
        self._timeout = loader.timeout
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._persistent = loader.persistent_workers
        self._shutdown = False
        self._pid = os.getpid()
        self._base_seed = _start(loader)
        spec = (
            loader.dataset,
            loader._iterable,
            loader._auto_collation,
            loader.collate_fn,
            loader.drop_last,
            loader.worker_init_fn,
        )
        payload = spec if ctx.get_start_method() == "fork" else _worker.dumps(spec)
        self._results = ctx.Queue()
        self._done = ctx.Event()
        self._index_queues, self._workers = [], []
        try:
            for wid in range(loader.num_workers):
                iq = ctx.Queue()
                args = (payload, iq, self._results, self._done, wid, loader.num_workers, self._base_seed)
                w = ctx.Process(target=_worker._worker_loop, args=args, daemon=True)
                w.start()
                self._index_queues.append(iq)
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        self._start_epoch()

    def _start_epoch(self):
        self._indices = iter(self._loader._index_sampler)
        self._active = [True] * len(self._workers)
        self._next_worker = 0
        self._send_idx = self._rcvd_idx = 0
        self._tasks = {}  # task number -> [worker id] while pending, [worker id, batch] once arrived
        for _ in range(self._prefetch):
            self._put_task()

    def _reset(self):
        """A new epoch on the same (persistent) workers: restart their fetchers, drop stale results."""
        for iq in self._index_queues:
            iq.put(_worker._RESUME)
        waiting = len(self._workers)
        while waiting:
            msg = self._get()
            if isinstance(msg, tuple) and msg[0] == _worker._RESUME:
                waiting -= 1
        self._start_epoch()

    def _put_task(self):
        if not any(self._active):
            return
        try:
            index = next(self._indices)
        except StopIteration:
            return
        while not self._active[self._next_worker]:
            self._next_worker = (self._next_worker + 1) % len(self._workers)
        wid = self._next_worker
        self._next_worker = (wid + 1) % len(self._workers)
        self._index_queues[wid].put((self._send_idx, index))
        self._tasks[self._send_idx] = [wid]
        self._send_idx += 1

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                task = self._tasks.get(self._rcvd_idx)
                if task is not None and (len(task) == 2 or self._active[task[0]]):
                    break
                self._tasks.pop(self._rcvd_idx, None)  # its worker has ended: nothing more will come
                self._rcvd_idx += 1
                self._put_task()  # to a worker still running, if any
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(task) == 2:
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
                self._put_task()
                data = task[1]
                if isinstance(data, _worker._ExceptionWrapper):
                    data.reraise()
                return data
            idx, data = self._get()
            if idx == _worker._RESUME:
                continue
            if isinstance(data, _worker._IterableEnd):
                self._active[data.worker_id] = False
                self._tasks.pop(idx, None)
                continue
            if idx in self._tasks:
                self._tasks[idx].append(data)

    def _get(self):
        """The next message from any worker, checking on the workers while waiting."""
        start = time.monotonic()
        while True:
            wait = _POLL_SECONDS if self._timeout <= 0 else min(_POLL_SECONDS, self._timeout)
            try:
                return pickle.loads(self._results.get(timeout=wait))
            except queue.Empty:
                pass
            dead = [w.pid for w in self._workers if not w.is_alive()]
            if dead:
                self._shutdown_workers()
                pids = ", ".join(map(str, dead))
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
            if self._timeout > 0 and time.monotonic() - start >= self._timeout:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        self._done.set()
        for iq, w in zip(self._index_queues, self._workers):
            if w.is_alive():
                try:
                    iq.put(None)
                except (OSError, ValueError):
                    pass
        deadline = time.monotonic() + _JOIN_SECONDS
        for w in self._workers:
            w.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.is_alive():
                w.terminate()
                w.join()
        # The index queues' feeder threads should end here, not later: a process forked while one
        # runs is multi-threaded (Python 3.12 warns). But a feeder can be stuck for good writing
        # large tasks into the pipe of a worker that is gone, so the wait is bounded (the thread is
        # a daemon) and exiting this process never waits for it (cancel_join_thread).
        deadline = time.monotonic() + _FEEDER_SECONDS
        for q in self._index_queues + [self._results]:
            q.cancel_join_thread()
            q.close()
            feeder = getattr(q, "_thread", None)  # where CPython's Queue keeps its feeder thread
            # __del__ runs wherever the garbage collector does: in a feeder thread too
            if feeder is not None and feeder is not threading.current_thread():
                feeder.join(timeout=max(0.0, deadline - time.monotonic()))

    def __del__(self):
        # A forked worker holds a copy of this object: only the process that started the workers stops them.
        if not getattr(self, "_shutdown", True) and os.getpid() == self._pid:
            self._shutdown_workers()
