"""``minigrad.distributed``: importable, but minigrad runs in one process on the CPU.

``is_available()`` is False and ``is_initialized()`` False (no process group exists, as a
PyTorch program asks before using one); every other function raises ``RuntimeError`` saying
so, and a name this module does not define raises ``AttributeError`` with the same advice.
``ReduceOp.SUM`` and friends exist so that ``all_reduce(t, op=ReduceOp.SUM)`` reaches that error.
"""

_MESSAGE = "minigrad runs in one process on the CPU; use PyTorch for distributed training"


def is_available():
    """False: minigrad has no distributed backend."""
    return False


def is_initialized():
    """False: no process group exists (there can be none)."""
    return False


class ReduceOp:
    """The reduction names of ``all_reduce`` (they reach its error)."""

    SUM, PRODUCT, MIN, MAX, AVG = "sum", "product", "min", "max", "avg"


def _refuse(name):
    def refused(*args, **kwargs):
        raise RuntimeError(f"distributed.{name}(): {_MESSAGE}")

    refused.__name__ = name
    refused.__doc__ = f"Raises RuntimeError: {_MESSAGE}."
    return refused


for _name in (
    "init_process_group",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "get_backend",
    "barrier",
    "all_reduce",
    "all_gather",
    "all_gather_object",
    "broadcast",
    "broadcast_object_list",
    "reduce",
    "reduce_scatter",
    "gather",
    "scatter",
    "send",
    "recv",
    "new_group",
):
    globals()[_name] = _refuse(_name)
del _name


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"module 'minigrad.distributed' has no attribute '{name}': {_MESSAGE}")
