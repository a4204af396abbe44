"""``default_collate`` (a list of samples -> one batch) and ``default_convert`` (one sample, no
batching: numpy becomes tensors), with PyTorch's rules and dtypes:

    tensors                  -> stacked on a new dim 0
    numpy arrays / scalars   -> tensors (then stacked), keeping their dtype
    Python float / int / bool -> float64 / int64 / bool tensors (an int first: ``tensor(batch)``)
    str, bytes               -> left as they are
    dict / namedtuple        -> the same type, each field collated
    tuple / list             -> a list of collated fields (as PyTorch, a tuple comes back a list)

What PyTorch does not say, we add: a sample that cannot be collated (shapes that differ, a
tensor beside a number) raises naming the field (``key 'x'``, ``position 1``) and the shapes.

>>> default_collate([(1.0, 2), (3.0, 4)])
[tensor([1., 3.], dtype=minigrad.float64), tensor([2, 4])]
"""

import collections.abc

import numpy as np

from ... import _dtypes
from ..._creation import as_tensor, tensor
from ..._tape import Tensor, _from_array
from ...ops import stack

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_str_array(a):
    return a.dtype.kind in "OSUV"  # object, bytes, str, void: nothing a tensor can hold


def _where(path):
    return f" (in {path})" if path else ""


def _field(path, part):
    return f"{path}, {part}" if path else part


def _stack(batch, path):
    for i, t in enumerate(batch):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"default_collate: expected a Tensor at entry {i} of the batch{_where(path)}, "
                f"as at entry 0, but got {type(t).__name__}"
            )
    shapes = [tuple(t.shape) for t in batch]
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shapes[0])} at "
                f"entry 0 and {list(s)} at entry {i}{_where(path)}; pad the samples or pass a "
                f"collate_fn"
            )
    if any(t.requires_grad for t in batch):
        return stack(list(batch), 0)
    # NOTE: speed. Without a graph to record, one np.stack is the whole op; minigrad.stack's
    # per-call checks cost half the time of a shuffled MNIST-sized epoch (0.84 -> 0.5 s, measured).
    return _from_array(np.stack([t._data for t in batch]))


def _collate(batch, path):
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch, path)
    if isinstance(elem, np.ndarray):
        if _is_str_array(elem):
            raise TypeError(_ERROR.format(elem.dtype) + _where(path))
        return _stack([as_tensor(b) if isinstance(b, np.ndarray) else b for b in batch], path)
    if isinstance(elem, (np.bool_, np.number)):
        return as_tensor(np.array(batch))
    if isinstance(elem, float):
        return _numbers(batch, path, _dtypes.float64)
    if isinstance(elem, int):  # bool too: tensor([True, False]) is a bool tensor
        return _numbers(batch, path, None)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        for i, d in enumerate(batch):
            missing = [k for k in elem if k not in d]
            if missing:
                raise KeyError(
                    f"default_collate: sample {i} has no key {missing[0]!r}{_where(path)}, which sample 0 has"
                )
        fields = {k: _collate([d[k] for d in batch], _field(path, f"key {k!r}")) for k in elem}
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(
            *(_collate(s, _field(path, f"field {name!r}")) for name, s in zip(elem._fields, zip(*batch)))
        )
    if isinstance(elem, collections.abc.Sequence):
        for i, s in enumerate(batch):
            if len(s) != len(elem):
                raise RuntimeError(
                    f"each element in list of batch should be of equal size: sample {i} has "
                    f"{len(s)} fields, sample 0 has {len(elem)}{_where(path)}"
                )
        fields = [_collate(s, _field(path, f"position {i}")) for i, s in enumerate(zip(*batch))]
        if isinstance(elem, (tuple, list)):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_ERROR.format(type(elem)) + _where(path))


def _numbers(batch, path, dtype):
    for i, b in enumerate(batch):
        if not isinstance(b, (int, float)):
            raise TypeError(
                f"default_collate: expected a number at entry {i} of the batch{_where(path)}, "
                f"as at entry 0, but got {type(b).__name__}"
            )
    return tensor(list(batch), dtype=dtype)


def default_collate(batch):
    """Collate a list of samples into a batch (tensors stacked on a new first dimension).

    >>> default_collate([{"x": minigrad.ones(2), "y": 0}, {"x": minigrad.zeros(2), "y": 1}])["x"].shape
    minigrad.Size([2, 2])
    """
    if len(batch) == 0:
        raise IndexError(
            "default_collate: the batch is empty (list index out of range); a batch needs at least one sample"
        )
    return _collate(batch, "")


def default_convert(data):
    """One sample without batching: numpy arrays and scalars become tensors, containers recurse.

    ``data``: a sample (an array, a number, a Tensor, or a dict/list/tuple/namedtuple of them);
    strings and other objects are returned as they are.

    >>> default_convert({"a": np.arange(3)})
    {'a': tensor([0, 1, 2])}
    >>> default_convert([np.float64(1.5), "label"])
    [tensor(1.5000, dtype=minigrad.float64), 'label']
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_str_array(data) else as_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        fields = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(fields)
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
