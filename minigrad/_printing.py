"""Tensor repr formatting that reproduces PyTorch's ``repr(tensor)`` output.

Design:
  * ``_OPTIONS`` holds the global print options (``set_printoptions``).
  * ``_Formatter`` inspects the (possibly summarized) data once and decides
    the element style shared by every element: integer-valued floats
    (``2.``), fixed point (``2.5000``) or scientific (``2.5000e+00``), plus a
    common width so that columns line up.
  * ``_body`` renders nested ``[...]`` lists recursively; 1-D rows wrap at
    ``linewidth`` and large tensors are summarized with ``...``.
  * ``format_tensor`` wraps the body in ``tensor(...)`` and appends suffixes
    (``size=``, ``dtype=``, ``requires_grad=``/``grad_fn=``), moving a suffix
    to its own line when the current line would exceed ``linewidth``.
Pure Python + numpy; the default dtype is assumed to be float32.
"""

import math

import numpy as np

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


class _PrintOptions:
    # a plain class: importing ``dataclasses`` cost 1.5 ms, 6% of minigrad's own import time
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision, self.threshold, self.edgeitems, self.linewidth = 4, 1000, 3, 80
        self.sci_mode = None  # None: automatic

    def asdict(self):
        return {name: getattr(self, name) for name in self.__slots__}


_OPTIONS = _PrintOptions()


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
):
    """Set global print options; same semantics as ``torch.set_printoptions``.

    ``precision``: digits after the point (4); ``threshold``: more elements than this print
    summarised with ``...`` (1000); ``edgeitems``: how many at each end of a summarised dim
    (3); ``linewidth``: characters per line (80). A known ``profile`` (``"default"``,
    ``"short"``, ``"full"``) resets the four numeric options first; explicit arguments then
    override it. ``sci_mode`` is always assigned (``None`` means automatic), exactly as torch
    does; unknown profiles are ignored.

    >>> minigrad.set_printoptions(precision=2)
    >>> minigrad.tensor([1.23456])
    tensor([1.23])
    >>> minigrad.set_printoptions(profile="default")
    """
    for name, value in _PROFILES.get(profile, {}).items():
        setattr(_OPTIONS, name, value)
    overrides = dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth)
    for name, value in overrides.items():
        if value is not None:
            setattr(_OPTIONS, name, value)
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """Return the current print options as a dict usable by set_printoptions (minigrad's own:
    PyTorch keeps them in ``torch._tensor_str.PRINT_OPTS``).

    >>> minigrad.get_printoptions()["precision"]
    4
    """
    return _OPTIONS.asdict()


class _Formatter:
    """Chooses one element style and width for all elements of a tensor."""

    def __init__(self, data: np.ndarray):
        self.floating = data.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = data.reshape(-1)
        if not self.floating:
            self.width = max([1] + [len(str(v)) for v in flat.tolist()])
            return
        valid = flat[np.isfinite(flat) & (flat != 0)]
        if valid.size == 0:
            return
        magnitudes = np.abs(valid).astype(np.float64)
        low, high = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(valid == np.ceil(valid)))
        if _OPTIONS.sci_mode is None:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
        else:
            self.sci_mode = _OPTIONS.sci_mode
        self.width = max(self._measure(v) for v in valid.tolist())

    def _measure(self, value: float) -> int:
        precision = _OPTIONS.precision
        if self.sci_mode:
            return len(f"{value:.{precision}e}")
        if self.int_mode:
            return len(f"{value:.0f}") + 1
        return len(f"{value:.{precision}f}")

    def format(self, value) -> str:
        precision = _OPTIONS.precision
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{precision}f}"
        return text.rjust(self.width)


def _is_cut(length: int, summarize: bool) -> bool:
    return summarize and length > 2 * _OPTIONS.edgeitems


def _edges(arr: np.ndarray):
    """The leading and trailing ``edgeitems`` sub-arrays along axis 0."""
    edge = _OPTIONS.edgeitems
    return arr[:edge], arr[len(arr) - edge :]


def _summarized_data(arr: np.ndarray) -> np.ndarray:
    """The elements that remain visible after summarization."""
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        return np.concatenate(_edges(arr)) if _is_cut(len(arr), True) else arr
    if not _OPTIONS.edgeitems:
        return np.empty((0,) * arr.ndim, dtype=arr.dtype)
    if _is_cut(len(arr), True):
        arr = np.concatenate(_edges(arr))
    return np.stack([_summarized_data(row) for row in arr])


def _vector(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, math.floor((_OPTIONS.linewidth - indent) / (fmt.width + 2)))
    if summarize and not _OPTIONS.edgeitems:
        items = ["..."]
    elif _is_cut(len(arr), summarize):
        head, tail = _edges(arr)
        items = [fmt.format(v) for v in head.tolist()] + [" ..."] + [fmt.format(v) for v in tail.tolist()]
    else:
        items = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt)
    if _is_cut(len(arr), summarize):
        head, tail = _edges(arr)
        slices = (
            [_body(row, indent + 1, summarize, fmt) for row in head]
            + ["..."]
            + [_body(row, indent + 1, summarize, fmt) for row in tail]
        )
    else:
        slices = [_body(row, indent + 1, summarize, fmt) for row in arr]
    separator = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _add_suffixes(text: str, suffixes, indent: int) -> str:
    """Append ``, suffix`` entries, breaking the line when it gets too long.

    The running line length deliberately starts 2 larger than the real last
    line (it mirrors torch's arithmetic) so wrapping matches torch exactly.
    """
    parts = [text]
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > _OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(parts) + ")"


def _torch_dtype_name(dtype: np.dtype) -> str:
    return "torch." + np.dtype(dtype).name


def format_tensor(arr: np.ndarray, dtype_suffix: "str | None" = None, suffixes=()) -> str:
    """Return the torch-style repr of ``arr``, e.g. ``'tensor([1., 2.])'``.

    ``dtype_suffix`` is printed as ``dtype=<dtype_suffix>`` when given. Empty
    tensors always show their dtype unless it is float32 (torch cannot infer
    it from elements); if no ``dtype_suffix`` is given it is derived from the
    numpy dtype as ``torch.<name>``. ``suffixes`` are appended in order.
    """
    arr = np.asarray(arr)
    prefix = "tensor("
    indent = len(prefix)
    extra = []
    if arr.size == 0:
        if arr.ndim != 1:
            extra.append(f"size={tuple(arr.shape)}")
        if dtype_suffix is None and arr.dtype != np.float32:
            dtype_suffix = _torch_dtype_name(arr.dtype)
        body = "[]"
    else:
        if not _OPTIONS.edgeitems:
            extra.append(f"size={tuple(arr.shape)}")
        summarize = arr.size > _OPTIONS.threshold
        fmt = _Formatter(_summarized_data(arr) if summarize else arr)
        body = _body(arr, indent, summarize, fmt)
    if dtype_suffix is not None:
        extra.append(f"dtype={dtype_suffix}")
    return _add_suffixes(prefix + body, extra + list(suffixes), indent)
