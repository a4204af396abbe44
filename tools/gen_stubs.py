"""Write ``minigrad/_tape.pyi``: the compiled Tensor class as editors and mypy see it.

Run ``python tools/gen_stubs.py`` after adding a method to the op table (``ops.METHODS``);
``tests/test_stubs.py`` fails until the stub is regenerated.

How it works: the stub's first part (Size, Node, the engine functions, Tensor's operators)
is written by hand in the stub itself, down to the marker line in ``class Tensor``; this
script rewrites only what follows it. Tensor's properties and methods are read from the
running class, compiled ones and op-table ones alike: the signature from
``inspect.signature`` (an in-place wrapper ``x.exp_()`` takes the signature of ``exp``),
the type of each parameter from its name (``PARAM_TYPES``), the return type from the
method's name (``RETURNS``, else ``Tensor``) and the docstring's first line. A parameter
name without a rule is typed ``Any`` and reported, so new names get a rule.
"""

import inspect
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import minigrad  # noqa: E402
from minigrad import ops  # noqa: E402

STUB = os.path.join(ROOT, "minigrad", "_tape.pyi")

# parameter name -> (type, type when the default is None)
_DIMS = "int | Sequence[int]"
PARAM_TYPES = {
    "other": "Tensor | float",
    "exponent": "Tensor | float",
    "value": "Tensor | float",
    "src": "Tensor | float",
    "min": "Tensor | float",
    "max": "Tensor | float",
    "alpha": "float",
    "memo": "dict",
    "dim": _DIMS,
    "dims": _DIMS,
    "shifts": _DIMS,
    "shape": _DIMS,
    "sizes": _DIMS,
    "split_size_or_sections": _DIMS,
    "dim0": "int",
    "dim1": "int",
    "start_dim": "int",
    "end_dim": "int",
    "chunks": "int",
    "keepdim": "bool",
    "unbiased": "bool",
    "correction": "float",
    "dtype": "dtype",
    "p": "float | str",
    "index": "Tensor",
    "indices": "Tensor | Sequence[Tensor]",
    "reduce": "str",
    "rounding_mode": "str",
    "include_self": "bool",
    "accumulate": "bool",
    "as_tuple": "bool",
    "return_inverse": "bool",
    "return_counts": "bool",
    "mask": "Tensor",
    "condition": "Tensor",
    "force": "bool",
    "gradient": "Tensor",
    "retain_graph": "bool",
    "create_graph": "bool",
    "inputs": "Tensor | Sequence[Tensor]",
    "requires_grad": "bool",
    "hook": "Callable[[Tensor], Tensor | None]",
    "stream": "Any",
    "max_version": "tuple[int, int]",
    "dl_device": "tuple[int, int]",
    "copy": "bool",
    "args": "Any",
    "kwargs": "Any",
    "spec": "str",
    "axis": _DIMS,
    "mat2": "Tensor",
    # random samplers
    "generator": "Generator",
    "a": "float",
    "b": "float",
    "low": "int",
    "high": "int",
    "kw": "Any",
    "lambd": "float",
    "mean": "float",
    "std": "float",
    "median": "float",
    "sigma": "float",
    "num_samples": "int",
    "replacement": "bool",
    # issue 19: the long tail
    "end": "Tensor | float",
    "eps": "float",
    "n": "int",
    "nan": "float",
    "posinf": "float",
    "neginf": "float",
    "tensor1": "Tensor",
    "tensor2": "Tensor",
    "values": "Tensor",
    "batch1": "Tensor",
    "batch2": "Tensor",
    "beta": "float",
    "mat": "Tensor",
    "mat1": "Tensor",
    "tensor": "Tensor",
    "vec": "Tensor",
    "vec1": "Tensor",
    "vec2": "Tensor",
    "destination": _DIMS,
    "source": _DIMS,
    "dim2": "int",
    "dimension": "int",
    "indices_or_sections": "int | Sequence[int] | Tensor",
    "interpolation": "str",
    "offset": "int",
    "output_size": "int",
    "q": "float | Tensor",
    "repeats": "int | Tensor",
    "step": "int",
    # issue 12: sorting, histograms, tolerances, narrow, tril/triu
    "start": "int | Tensor",
    "length": "int",
    "diagonal": "int",
    "k": "int",
    "descending": "bool",
    "stable": "bool",
    "largest": "bool",
    "sorted": "bool",
    "rtol": "float",
    "atol": "float",
    "equal_nan": "bool",
    "bins": "int | Tensor",
    "range": "tuple[float, float]",
    "weight": "Tensor",
    "weights": "Tensor",
    "density": "bool",
    "minlength": "int",
    "keepdims": "bool",
    # devices and construction
    "device": "device | str | int",
    "non_blocking": "bool",
    "memory_format": "Any",
    "size": "int | Sequence[int]",
    "fill_value": "float | bool",
    "data": "Any",
}

RETURNS = {
    "split": "tuple[Tensor, ...]",
    "chunk": "tuple[Tensor, ...]",
    "unbind": "tuple[Tensor, ...]",
    "max": "Any",
    "min": "Any",
    "sort": "_ValuesIndices",
    "topk": "_ValuesIndices",
    "kthvalue": "_ValuesIndices",
    "mode": "_ValuesIndices",
    "unique": "Any",
    "unique_consecutive": "Any",
    "nonzero": "Any",
    "slogdet": "Any",
    "histogram": "_Histogram",
    "allclose": "bool",
    "equal": "bool",
    "__dlpack__": "Any",
    "__dlpack_device__": "tuple[int, int]",
    "dim": "int",
    "numel": "int",
    "nelement": "int",
    "element_size": "int",
    "is_floating_point": "bool",
    "item": "int | float | bool",
    "tolist": "Any",
    "numpy": "NDArray[Any]",
    "__array__": "NDArray[Any]",
    "__format__": "str",
    "retain_grad": "None",
    "register_hook": "_HookHandle",
    "backward": "None",
    "get_device": "int",
    "type": "Any",
}

# hand-written members: overloads, and fill_(value) which takes a number only
MANUAL = {
    "size": [
        "@overload",
        "def size(self, dim: None = ...) -> Size:",
        '    """The shape, or the length of one dimension: ``x.size()``, ``x.size(0)``."""',
        "@overload",
        "def size(self, dim: _int) -> _int: ...",
    ],
    "fill_": ["def fill_(self, value: _float) -> Tensor:", '    """Fill with ``value`` in place."""'],
    "__array__": [
        "def __array__(self, dtype: Any = ..., copy: _bool | None = ...) -> NDArray[Any]:",
        '    """The values as an ndarray (numpy calls this for ``np.asarray(t)``)."""',
    ],
}

# methods whose function has no docstring yet (or is a lambda); see tests/test_stubs.py
FALLBACK_DOCS = {
    "float": "This tensor as float32 (itself if it already is).",
    "double": "This tensor as float64 (itself if it already is).",
    "half": "This tensor as float16 (itself if it already is).",
    "long": "This tensor as int64 (itself if it already is).",
    "int": "This tensor as int32 (itself if it already is).",
    "bool": "This tensor as bool (itself if it already is).",
    "element_size": "The size of one element in bytes.",
    "contiguous": "This tensor if it is C-contiguous, else a contiguous copy (in the graph).",
    "expand_as": "``self.expand(other.shape)``: a broadcast view shaped like ``other``.",
    "type_as": "This tensor converted to ``other``'s dtype.",
    "where": "``self`` where ``condition`` is True, else ``other`` (broadcast).",
    "isnan": "Whether each element is NaN, as a bool tensor.",
    "isinf": "Whether each element is +inf or -inf, as a bool tensor.",
    "isfinite": "Whether each element is finite (not inf, not NaN), as a bool tensor.",
    "clamp_min": "Limit values from below: ``clamp(self, min=min)``.",
    "clamp_max": "Limit values from above: ``clamp(self, max=max)``.",
    "__format__": "A one-element tensor formats like its number (``f'{x:.3f}'``), others like repr.",
    "is_floating_point": "Whether the dtype is a floating point type.",
    "nelement": "The number of elements (same as ``numel()``).",
}

PROPERTIES = {  # name -> (type, settable)
    "shape": ("Size", False),
    "ndim": ("int", False),
    "dtype": ("dtype", False),
    "device": ("device", False),
    "is_cuda": ("bool", False),
    "is_cpu": ("bool", False),
    "requires_grad": ("bool", True),
    "grad_fn": ("Node | None", False),
    "is_leaf": ("bool", False),
    "retains_grad": ("bool", False),
    "grad": ("Tensor | None", True),
    "data": ("Tensor", True),
    "_version": ("int", False),
    "T": ("Tensor", False),
    "mT": ("Tensor", False),
    "mH": ("Tensor", False),
    "H": ("Tensor", False),
    "_data": ("NDArray[Any]", False),
}

PRIVATE_METHODS = {"_check_inplace", "_bump_version", "__reduce__"}

MARKER = "    # ---- generated by tools/gen_stubs.py below this line: edit the script, not the stub ----\n"


_BUILTIN_NAMES = re.compile(r"\b(float|int|bool|dtype|device)\b")


def in_class(kind):
    """A type as written inside ``class Tensor``, where ``float``, ``int``, ``bool``, ``dtype`` and
    ``device`` name members: the module-level aliases ``_float``, ... are used instead."""
    return _BUILTIN_NAMES.sub(lambda m: "_" + m.group(1), kind)


def first_line(doc):
    """The first sentence-line of a docstring, skipping Cython's embedded signature."""
    lines = [ln.strip() for ln in (doc or "").strip().splitlines() if ln.strip()]
    if lines and lines[0].startswith("Tensor.") and "(" in lines[0]:
        lines = lines[1:]
    return lines[0].replace('"""', "'") if lines else None


def signature_of(name, fn):
    """The signature a method shows: in-place wrappers take their base function's."""
    sig = inspect.signature(fn)
    base = ops.METHODS.get(name[:-1]) if name.endswith("_") else None
    if base is not None and list(sig.parameters) == ["self", "args", "kwargs"]:
        sig = inspect.signature(base)
    return sig


def annotate(param, unknown):
    """``name: type = ...`` for one parameter (``self`` stays bare)."""
    rule = PARAM_TYPES.get(param.name)
    if param.name == "dim" and param.default not in (None, ()):
        rule = "int"  # one dim (required or an int default): softmax, cumsum, chunk
    if rule is None:
        unknown.add(param.name)
        rule = "Any"
    if param.default is None and rule != "Any":
        rule += " | None"
    prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}.get(param.kind, "")
    default = "" if param.default is inspect.Parameter.empty else " = ..."
    return f"{prefix}{param.name}: {in_class(rule)}{default}"


def wrap(opening, parts, closing, width=106):
    """A signature as lines no wider than ``width`` (plus the class indent)."""
    lines, line = [], opening
    for i, part in enumerate(parts):
        piece = part + (", " if i < len(parts) - 1 else "")
        if len(line) + len(piece.rstrip()) > width and line.strip() != opening.strip():
            lines.append(line.rstrip())
            line = " " * len(opening) + piece
        else:
            line += piece
    lines.append(line + closing)
    return lines


def method_lines(name, fn, unknown):
    if name in MANUAL:
        return MANUAL[name]
    params = list(signature_of(name, fn).parameters.values())[1:]  # drop self / input
    parts, star_done = ["self"], False
    for p in params:
        if p.kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
            parts.append("*")
        star_done = star_done or p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_POSITIONAL)
        parts.append(annotate(p, unknown))
    head = wrap(f"def {name}(", parts, f") -> {in_class(RETURNS.get(name, 'Tensor'))}:")
    doc = first_line(fn.__doc__) or FALLBACK_DOCS.get(name) or f"See ``minigrad.{name.rstrip('_')}``."
    return head + [f'    """{doc}"""']


def property_lines(name, kind, settable):
    doc = first_line(getattr(minigrad.Tensor, "__dict__")[name].__doc__) or f"The tensor's ``{name}``."
    out = ["@property", f"def {name}(self) -> {in_class(kind)}:", f'    """{doc}"""']
    if settable:
        out += [f"@{name}.setter", f"def {name}(self, value: {in_class(kind)}) -> None: ..."]
    return out


def tensor_methods():
    """name -> function for every public method: compiled ones, then the op table."""
    methods = {}
    for name, value in minigrad.Tensor.__dict__.items():
        if type(value).__name__ == "cython_function_or_method" and name not in PRIVATE_METHODS:
            methods[name] = value
    methods.update(
        (k, v) for k, v in ops.METHODS.items() if not isinstance(v, property)
    )  # properties: PROPERTIES
    return methods


def render(current):
    """The stub text: ``current`` up to MARKER (written by hand), then the generated members."""
    if MARKER not in current:
        raise SystemExit(f"{STUB} lacks the marker line {MARKER.strip()!r}")
    unknown = set()
    body = []
    for name in sorted(PROPERTIES):
        body.extend("    " + ln + "\n" for ln in property_lines(name, *PROPERTIES[name]))
    for name, fn in sorted(tensor_methods().items()):
        body.extend("    " + ln + "\n" for ln in method_lines(name, fn, unknown))
    return current[: current.index(MARKER) + len(MARKER)] + "".join(body), unknown


def main():
    with open(STUB) as f:
        current = f.read()
    text, unknown = render(current)
    with open(STUB, "w") as f:
        f.write(text)
    if unknown:
        print("typed as Any (add a rule to PARAM_TYPES):", ", ".join(sorted(unknown)))
    print(f"wrote {os.path.relpath(STUB, ROOT)}")


if __name__ == "__main__":
    main()
