"""A learner's view of the tape: ``minigrad.autograd.tape(t)`` lists what produced ``t``.

Every operation on a tensor that requires grad records a node (its ``grad_fn``) with a
sequence number from the tape's clock; backward visits the nodes in decreasing sequence
number. ``tape(t)`` shows that record for one result, oldest first, one row per node:

* leaves (tensors you created with ``requires_grad=True``) are shown as ``AccumulateGrad``,
  the sink their gradient flows into, just before the first node that uses them;
* ``<- [...]`` lists a node's inputs by row number (``const``: an input that needs no
  gradient, such as a Python number or a tensor without ``requires_grad``);
* ``saved:`` is what the node keeps for its backward (tensors, its own output, or only an
  input's shape), or ``freed`` once a backward without ``retain_graph`` has run;
* rows are labelled with the names of the caller's local variables that hold the leaf or
  the node's result, when there are such names.

Design notes
------------
* The walk follows ``next_functions`` with an explicit stack (no recursion), so graphs of
  any depth work; nodes are ordered by ``_sequence_nr()``.
* The engine does not store output shapes on nodes. A row's output shape comes from, in
  order: ``node._out_shape`` or a consumer's ``node._input_shapes()`` (if the core provides
  them), ``t`` itself for its ``grad_fn``, a local variable or a saved tensor that is that
  node's result, a leaf's own shape; else ``?``. Input shapes are the output shapes of the
  input rows.
* What an op saves is read from its op-table entry (which inputs its derivatives read in
  full or only the shape of, and whether they read the output), the same rule the engine
  applies when it records the node; custom Functions show ``ctx.save_for_backward``.
"""

import sys

from . import _tape
from ._tape import AccumulateGrad, Tensor

__all__ = ["tape", "Tape", "TapeEntry"]

_READ_META, _READ_FULL = 1, 2


class TapeEntry:
    """One row of a :class:`Tape`: a recorded node, or a leaf shown as AccumulateGrad."""

    __slots__ = (
        "index",
        "name",
        "seq",
        "node",
        "variable",
        "label",
        "inputs",
        "input_shapes",
        "output_shape",
        "saved",
        "created_at",
    )

    def __init__(self, index, name, node=None, variable=None):
        self.index = index  # row number in the listing (#index)
        self.name = name  # "MulBackward0", or "AccumulateGrad" for a leaf
        self.seq = None if node is None else node._sequence_nr()
        self.node = node  # the grad_fn (None for a leaf)
        self.variable = variable  # the leaf tensor (None for a node)
        self.label = None  # a variable name holding the leaf or the result
        self.inputs = ()  # per input: row index, or None for a constant
        self.input_shapes = ()  # per input: shape, or None for a constant
        self.output_shape = None  # tuple, or None when unknown
        self.saved = ()  # descriptions of what the node keeps for backward
        self.created_at = None  # "file.py:12" when recorded under detect_anomaly

    @property
    def is_leaf(self):
        return self.variable is not None

    def __repr__(self):
        return f"<TapeEntry #{self.index} {self.name}>"


class Tape:
    """The recorded operations that produced a tensor, oldest first (see :func:`tape`)."""

    def __init__(self, entries, root_label, message=None):
        self.entries = entries
        self.root_label = root_label
        self._message = message

    def __len__(self):
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def __getitem__(self, i):
        return self.entries[i]

    def __str__(self):
        if self._message:
            return self._message
        return _format(self.entries, self.root_label)

    __repr__ = __str__


def tape(t, names=None):
    """The operations recorded on the tape that produced ``t``, oldest first, as a table.

    ``names`` maps variable names to tensors, to label rows; by default the caller's local
    variables are used (pass ``names={}`` for none). Each row is a :class:`TapeEntry` with
    ``name``, ``seq``, ``inputs``, ``input_shapes``, ``output_shape`` and ``saved``.

    >>> x = minigrad.ones(2, 2, requires_grad=True)
    >>> y = x + 1
    >>> z = y ** 2
    >>> loss = z.mean()
    >>> print(minigrad.autograd.tape(loss))  # doctest: +ELLIPSIS
    tape of loss: 4 rows, oldest first (backward runs them bottom-up)
    #0  AccumulateGrad  x     (2, 2)  leaf, requires_grad=True
    #1  AddBackward0    y     (2, 2)  <- [#0 (2, 2), const]                         seq=...
    #2  PowBackward0    z     (2, 2)  <- [#1 (2, 2), const]     saved: #1 (2, 2)    seq=...
    #3  MeanBackward0   loss  ()      <- [#2 (2, 2)]            saved: shape of #2  seq=...

    Reading it: ``y = x + 1`` is row #1; its inputs are row #0 (x) and a constant (the 1);
    ``y ** 2`` saved y (row #1) because d(y**2)/dy = 2y needs it; ``mean`` kept only the
    shape of its input. backward() walks the rows from #3 up to #0 and adds the gradient
    into ``x.grad``. An output shape the tape cannot tell (an unnamed intermediate such as
    ``(y ** 2)`` in ``(y ** 2).mean()``) is shown as ``?``.
    """
    if names is None:
        names = sys._getframe(1).f_locals
    if not isinstance(t, Tensor):
        raise TypeError(f"tape() expects a Tensor, got {type(t).__name__}")
    labels = _labels(names)
    root_label = _root_label(t, names)
    if not t.requires_grad:
        return Tape(
            [],
            root_label,
            (
                f"tape of {root_label}: empty. It does not require grad, so nothing was recorded: "
                "create its inputs with requires_grad=True (and outside no_grad())."
            ),
        )
    if t.grad_fn is None:
        entry = _leaf_entry(0, t, labels)
        return Tape([entry], root_label)
    local_tensors = [v for v in names.values() if isinstance(v, Tensor)]
    return Tape(_build(t, labels, local_tensors), root_label)


# ----------------------------------------------------------------------------- walking the graph


def _walk(root):
    """All nodes reachable from ``root`` and the leaves they consume, without recursion."""
    nodes, leaves, edges = {id(root): root}, {}, {}
    stack = [root]
    while stack:
        node = stack.pop()
        ins = []
        for fn, _ in node.next_functions:
            if fn is None:
                ins.append(None)
            elif isinstance(fn, AccumulateGrad):
                leaves.setdefault(id(fn.variable), fn.variable)
                ins.append(("leaf", id(fn.variable)))
            else:
                ins.append(("node", id(fn)))
                if id(fn) not in nodes:
                    nodes[id(fn)] = fn
                    stack.append(fn)
        edges[id(node)] = ins
    return nodes, leaves, edges


def _build(t, labels, local_tensors):
    nodes, leaves, edges = _walk(t.grad_fn)
    rows, where = [], {}
    for node in sorted(nodes.values(), key=lambda n: n._sequence_nr()):
        for edge in edges[id(node)]:
            if edge is not None and edge[0] == "leaf" and edge not in where:
                where[edge] = len(rows)
                rows.append(_leaf_entry(len(rows), leaves[edge[1]], labels))
        where[("node", id(node))] = len(rows)
        rows.append(_node_entry(len(rows), node, labels))
    shapes = _output_shapes(t, nodes, edges, _known_tensors(rows, local_tensors))
    for row in rows:
        if row.node is not None:
            row.output_shape = shapes.get(id(row.node))
            row.inputs = tuple(None if e is None else where[e] for e in edges[id(row.node)])
    for row in rows:
        if row.node is not None:
            row.input_shapes = tuple(None if i is None else rows[i].output_shape for i in row.inputs)
            row.saved = _saved(row, rows, where)
    return rows


def _leaf_entry(index, variable, labels):
    entry = TapeEntry(index, "AccumulateGrad", variable=variable)
    entry.label = labels.get(("leaf", id(variable)))
    entry.output_shape = tuple(variable.shape)
    return entry


def _node_entry(index, node, labels):
    entry = TapeEntry(index, node.name(), node=node)
    entry.label = labels.get(("node", id(node)))
    entry.created_at = _created_at(getattr(node, "_trace", None))
    return entry


def _labels(names):
    """(kind, id) -> the first variable name that holds that leaf or that node's result."""
    labels = {}
    for name, value in names.items():
        if name.startswith("_") or not isinstance(value, Tensor):
            continue
        key = ("leaf", id(value)) if value.grad_fn is None else ("node", id(value.grad_fn))
        labels.setdefault(key, name)
    return labels


def _root_label(t, names):
    for name, value in names.items():
        if value is t and not name.startswith("_"):
            return name
    return "the tensor"


def _output_shapes(t, nodes, edges, known_tensors):
    """id(node) -> output shape, from every source that knows it (see the module notes)."""
    shapes = {}
    for node in nodes.values():
        out_shape = getattr(node, "_out_shape", None)
        if out_shape is not None:
            shapes[id(node)] = tuple(out_shape)
    for node in nodes.values():
        _shapes_from_consumer(node, edges[id(node)], shapes)
    shapes.setdefault(id(t.grad_fn), tuple(t.shape))
    for value in known_tensors:
        if value.grad_fn is not None and id(value.grad_fn) in nodes:
            shapes.setdefault(id(value.grad_fn), tuple(value.shape))
    return shapes


def _shapes_from_consumer(node, node_edges, shapes):
    """A node's input shapes are its producers' output shapes (if the core exposes them)."""
    input_shapes = getattr(node, "_input_shapes", None)
    if input_shapes is None:
        return
    for edge, shape in zip(node_edges, input_shapes()):
        if edge is not None and edge[0] == "node" and shape is not None:
            shapes.setdefault(edge[1], tuple(shape))


def _known_tensors(rows, local_tensors):
    """Tensors whose grad_fn tells a node's output shape: locals and saved tensors."""
    found = list(local_tensors)
    for row in rows:
        if row.node is not None:
            found.extend(t for t in _saved_tensors(row.node) or () if t is not None)
    return found


def _saved_tensors(node):
    """The tensors a node saved, or None once backward has freed them."""
    ctx = getattr(node, "ctx", None)
    try:
        if ctx is not None:
            return None if ctx._freed else tuple(ctx._saved)
        return tuple(getattr(node, "saved_tensors", ()))
    except RuntimeError:
        return None


# ----------------------------------------------------------------------------- what was saved

_OPS_BY_NODE_CLASS = {}


def _op_of(node):
    """The op-table entry (``Op``) that recorded ``node``, or None (custom Functions)."""
    if not _OPS_BY_NODE_CLASS:
        for name, module in list(sys.modules.items()):
            if name.startswith("minigrad.ops") and module is not None:
                for value in vars(module).values():
                    if isinstance(value, _tape.Op):
                        _OPS_BY_NODE_CLASS[value.node_cls] = value
    return _OPS_BY_NODE_CLASS.get(type(node))


def _saved(row, rows, where):
    if isinstance(row.node, _tape._FunctionOutput):
        return (f"none (one output of #{row.inputs[0]})",)
    tensors = _saved_tensors(row.node)
    if tensors is None:
        return ("freed",)
    out = [_describe_tensor(t, rows, where) for t in tensors if t is not None]
    op = _op_of(row.node)
    if op is not None:
        out.extend(_op_reads(op, row))
    return tuple(out)


def _describe_tensor(t, rows, where):
    key = ("leaf", id(t)) if t.grad_fn is None else ("node", id(t.grad_fn))
    source = f"#{where[key]}" if key in where else "const"
    return f"{source} {_shape_str(tuple(t.shape))}"


def _op_reads(op, row):
    """Shape-only inputs and the saved output, by the rule the engine records with."""
    live = [i for i, e in enumerate(row.inputs) if e is not None]
    out = []
    for j, source in enumerate(row.inputs):
        level = max((op.reads[i][j] for i in live), default=0)
        if level == _READ_META and source is not None:
            out.append(f"shape of #{source}")
    if any(op.reads_out[i] for i in live):
        out.append(f"output {_shape_str(row.output_shape)}")
    return out


# ----------------------------------------------------------------------------- the table


def _shape_str(shape):
    return "?" if shape is None else str(tuple(shape))


def _created_at(trace):
    """'file.py:12' of the innermost frame outside minigrad in a recorded stack."""
    for frame in reversed(trace or ()):
        first = frame.strip().splitlines()[0] if frame.strip() else ""
        if first.startswith("File ") and "/minigrad/" not in first:
            parts = first.split('"')
            line = first.split("line ")[-1].split(",")[0]
            return f"{parts[1].rsplit('/', 1)[-1]}:{line}"
    return None


def _cells(row):
    if row.is_leaf:
        detail = f"leaf, requires_grad={row.variable.requires_grad}"
        return [f"#{row.index}", row.name, row.label or "", _shape_str(row.output_shape), detail, "", ""]
    ins = ", ".join(
        "const" if i is None else f"#{i} {_shape_str(s)}" for i, s in zip(row.inputs, row.input_shapes)
    )
    saved = f"saved: {', '.join(row.saved)}" if row.saved else ""
    tail = f"seq={row.seq}" + (f"  at {row.created_at}" if row.created_at else "")
    return [
        f"#{row.index}",
        row.name,
        row.label or "",
        _shape_str(row.output_shape),
        f"<- [{ins}]",
        saved,
        tail,
    ]


def _format(rows, root_label):
    cells = [_cells(r) for r in rows]
    widths = [max(len(c[k]) for c in cells) for k in range(len(cells[0]))]
    count = "1 row" if len(rows) == 1 else f"{len(rows)} rows"
    lines = [f"tape of {root_label}: {count}, oldest first (backward runs them bottom-up)"]
    for c in cells:
        line = "  ".join(v.ljust(w) for v, w in zip(c, widths) if w)
        lines.append(line.rstrip())
    return "\n".join(lines)
