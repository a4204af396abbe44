"""nn.utils.rnn: batches of sequences of different lengths, padded or packed.

A ``PackedSequence`` holds the rows of every sequence in time-major order: first the
first element of each sequence (longest first), then the second element of each sequence
that has one, and so on; ``batch_sizes[t]`` counts the sequences still running at step t.
The recurrent layers take it as is (``minigrad.ops.rnn``'s packed layout) and skip the
padding entirely. ``sorted_indices`` / ``unsorted_indices`` remember the permutation when
the batch was not sorted by length (``enforce_sorted=False``).

Packing and unpacking are one ``index_select`` each (a gather of rows), so gradients flow
through both; padding is ``cat`` with a constant block.

>>> from minigrad.nn.utils.rnn import pack_sequence, pad_packed_sequence
>>> packed = pack_sequence([minigrad.ones(3, 2), minigrad.ones(1, 2)])
>>> packed.batch_sizes
tensor([2, 1, 1])
>>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
>>> tuple(padded.shape), lengths
((2, 3, 2), tensor([3, 1]))
"""

from collections import namedtuple

import numpy as np

import minigrad

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "pack_sequence",
    "unpad_sequence",
    "unpack_sequence",
]


def _ints(values):
    if isinstance(values, minigrad.Tensor):
        values = values.tolist()
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _index(values):
    return minigrad.from_numpy(np.ascontiguousarray(values, dtype=np.int64))


def invert_permutation(permutation):
    """The inverse of a permutation given as an int64 tensor (None stays None)."""
    if permutation is None:
        return None
    p = _ints(permutation)
    inverse = np.empty_like(p)
    inverse[p] = np.arange(p.size)
    return _index(inverse)


_Fields = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_Fields):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``: see the module docstring.
    Build it with ``pack_padded_sequence`` or ``pack_sequence`` rather than by hand."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None and not isinstance(batch_sizes, minigrad.Tensor):
            batch_sizes = _index(_ints(batch_sizes))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with ``data.to(*args, **kwargs)``."""
        data = self.data.to(*args, **kwargs)
        return (
            self
            if data is self.data
            else type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)
        )

    def cpu(self):
        return self

    def double(self):
        return self.to(dtype=minigrad.float64)

    def float(self):
        return self.to(dtype=minigrad.float32)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _batch_sizes(lengths):
    """How many of the (sorted, decreasing) ``lengths`` exceed each step t."""
    return np.array([int(np.count_nonzero(lengths > t)) for t in range(int(lengths[0]))], dtype=np.int64)


def _offsets(batch_sizes):
    return np.concatenate(([0], np.cumsum(batch_sizes)[:-1])).astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of the
    given ``lengths``. With ``enforce_sorted=False`` the batch may come in any order."""
    lengths = _ints(lengths)
    batch_dim = 0 if batch_first else 1
    if input.ndim < 2 or lengths.size != input.shape[batch_dim]:
        raise ValueError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
            f"(batch_size={input.shape[batch_dim] if input.ndim >= 2 else 'n/a'}); "
            f"pack_padded_sequence got input of shape {tuple(input.shape)}"
        )
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                f"exportability. (got lengths {lengths.tolist()})"
            )
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths, sorted_indices = lengths[order], _index(order)
        input = input.index_select(batch_dim, sorted_indices)
    if lengths.size and lengths[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            f"'lengths' that is <= 0 (pack_padded_sequence got lengths {lengths.tolist()})"
        )
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lengths[0] > steps:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {int(lengths[0])} exceeds the {steps} steps "
            f"of the input of shape {tuple(input.shape)}"
        )
    sizes = _batch_sizes(lengths)
    rows = np.concatenate([t * batch + np.arange(n) for t, n in enumerate(sizes)])
    data = input.reshape((steps * batch,) + tuple(input.shape[2:])).index_select(0, _index(rows))
    return PackedSequence(data, _index(sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of ``pack_padded_sequence``: (padded (T, B, *), lengths), in the batch's
    original order; ``total_length`` pads to that many steps."""
    data, sizes = sequence.data, _ints(sequence.batch_sizes)
    steps, batch = sizes.size, int(sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        steps = total_length
    rest = tuple(data.shape[1:])
    filler = minigrad.full((1,) + rest, padding_value, dtype=data.dtype)
    source = minigrad.cat([data, filler], 0)  # row N is the padding
    rows = np.full((steps, batch), data.shape[0], dtype=np.int64)
    for t, (off, n) in enumerate(zip(_offsets(sizes), sizes)):
        rows[t, :n] = off + np.arange(n)
    lengths = np.count_nonzero(sizes[None, :] > np.arange(batch)[:, None], axis=1)
    if sequence.unsorted_indices is not None:
        order = _ints(sequence.unsorted_indices)
        rows, lengths = rows[:, order], lengths[order]
    padded = source.index_select(0, _index(rows.reshape(-1))).reshape((steps, batch) + rest)
    return (padded.transpose(0, 1) if batch_first else padded), _index(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (max L, B, *) (or (B, max L, *)), padding each
    with ``padding_value`` on ``padding_side``."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = minigrad.full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            s = minigrad.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return minigrad.stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (longest first, unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, : int(n)] for i, n in enumerate(_ints(lengths))]


def unpack_sequence(packed_sequences):
    """The list of sequences held in a ``PackedSequence``, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
