"""minigrad.viz: training curves and pictures of the tape, drawn with matplotlib.

* ``plot_losses(history, path)`` — loss (or accuracy) curves, several runs on one axes;
* ``draw_graph(tensor, path)`` — the recorded graph as boxes and arrows, PNG or SVG (by the
  file's extension);
* ``to_dot(tensor)`` — the same graph as Graphviz DOT text, for ``dot -Tpng g.dot -o g.png``;
* ``figure(path)`` — one labelled matplotlib Axes, saved when the ``with`` block ends (the
  examples draw their fits and decision boundaries with it).

Design notes
------------
* matplotlib is optional: it is imported inside the functions, never by ``import minigrad``.
  Figures are ``matplotlib.figure.Figure`` objects, not pyplot ones, so nothing global is
  touched: PNGs are rendered by Agg (SVGs by matplotlib's SVG backend) whatever interactive
  backend the caller selected, no ``matplotlib.use()`` call, no figure to close.
* The graph walk is ``minigrad.autograd.tape`` (``tape_view.py``): one row per node in tape
  order, inputs as row numbers, leaves as ``AccumulateGrad`` rows holding ``.variable``. This
  module only lays those rows out.
* Layout, a small layered (Sugiyama) drawing. A box's layer is its longest path down to the
  output, so every box sits just above its nearest consumer (rows arrive in tape order, so
  one backwards pass computes it). An edge crossing several layers gets a waypoint in each,
  so it is routed between the boxes instead of through them. Within a layer, boxes are
  ordered by the mean position of their neighbours (a few sweeps down and up, to cut
  crossings), then placed with their real widths (monospace text), so they never overlap.
"""

import contextlib
import math
import sys

from ._tape_view import tape

__all__ = ["plot_losses", "draw_graph", "to_dot", "figure"]

_FONT_SIZE = 9  # points, monospace, in graph boxes
_CHAR_W = 0.602 * _FONT_SIZE / 72  # inches per monospace character
_LINE_H = 1.3 * _FONT_SIZE / 72  # inches per text line
_PAD_W, _PAD_H, _GAP_X, _GAP_Y = 0.22, 0.16, 0.3, 0.45
_LINE_STYLES = ("-", "--", ":", "-.")  # curves that coincide stay visible
_COLORS = {"leaf": "#cfe2f3", "op": "#eeeeee", "output": "#d9ead3"}
_KEY = (
    "blue: leaf tensors (backward fills their .grad)   grey: recorded ops (grad_fn)   "
    "green: the result\narrows: data flow, inputs -> outputs; backward runs against them"
)


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            'minigrad.viz needs matplotlib: pip install matplotlib (or pip install -e ".[examples]")'
        ) from e
    return Figure


@contextlib.contextmanager
def figure(path, *, title=None, xlabel=None, ylabel=None, figsize=(6.4, 4.4), dpi=110):
    """One matplotlib Axes, saved to ``path`` (PNG, SVG, PDF by extension) when the block ends.

    A legend is added if something was labelled and no legend was drawn; ``ax.figure`` is
    the Figure (no window opens: it is not a pyplot figure).

    ``path``: where to save; ``title``, ``xlabel``, ``ylabel``: the axes' texts; ``figsize``:
    (width, height) in inches (default (6.4, 4.4)); ``dpi``: the saved image's resolution
    (default 110).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with figure(os.path.join(tmp, "fit.png"), title="a fit", xlabel="x", ylabel="y") as ax:
    ...         _ = ax.plot([0, 1], [0, 1], label="line")
    ...     saved = os.listdir(tmp)
    >>> saved, ax.get_title(), ax.get_legend() is not None
    (['fit.png'], 'a fit', True)
    """
    fig = _figure_class()(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    ax.set_title(title or "")
    ax.set_xlabel(xlabel or "")
    ax.set_ylabel(ylabel or "")
    yield ax
    if ax.get_legend_handles_labels()[0] and ax.get_legend() is None:
        ax.legend()
    fig.savefig(path, dpi=dpi)


def plot_losses(
    history, path, *, log_scale=False, smooth=None, title="Training loss", xlabel="step", ylabel="loss"
):
    """Plot one or several curves on one axes, save them to ``path``, return the Figure.

    ``history`` is a list of numbers (one run) or a dict ``name -> list`` (several runs,
    one legend entry each; solid, dashed, dotted... so equal curves stay visible). Point
    ``i`` of a run is drawn at x = i + 1. ``log_scale`` puts the y axis on a log scale;
    ``smooth=k`` draws the k-point trailing moving average over the raw curve (shown faint).
    ``path``: the image file; ``title``, ``xlabel``, ``ylabel``: the axes' texts (defaults
    "Training loss", "step", "loss"; ``ylabel`` also names a single run).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     fig = plot_losses({"train": [2.0, 1.0, 0.5], "valid": [2.1, 1.3, 0.9]},
    ...                       os.path.join(tmp, "loss.png"), log_scale=True)
    ...     saved = os.listdir(tmp)
    >>> saved, fig.axes[0].get_yscale(), [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    (['loss.png'], 'log', ['train', 'valid'])
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    runs = _runs(history, ylabel)
    if smooth is not None and (not isinstance(smooth, int) or smooth < 1):
        raise ValueError(f"plot_losses: smooth must be a window length >= 1, got {smooth!r}")
    with figure(path, title=title, xlabel=xlabel, ylabel=ylabel) as ax:
        fig = ax.figure
        for k, (name, ys) in enumerate(runs):
            xs = range(1, len(ys) + 1)
            style = dict(linestyle=_LINE_STYLES[k % 4], linewidth=2.4 if k == 0 else 1.9)
            if smooth and smooth > 1:
                (line,) = ax.plot(xs, ys, alpha=0.25, linewidth=1)
                ax.plot(xs, _moving_average(ys, smooth), color=line.get_color(), label=name, **style)
            else:
                ax.plot(xs, ys, label=name, marker="o" if len(ys) < 20 else None, markersize=3, **style)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if log_scale:
            ax.set_yscale("log")
            low, high = ax.get_ylim()
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            if high / low < 1e3:  # few decades: label 2, 3 and 5 x 10^k too
                ax.yaxis.set_minor_formatter(FuncFormatter(_minor_log_label))
        ax.grid(alpha=0.3)
        if smooth and smooth > 1:
            ax.legend(title=f"moving averages of {smooth} (raw values faint)", title_fontsize="small")
    return fig


def _runs(history, ylabel):
    items = history.items() if isinstance(history, dict) else [(ylabel, history)]
    runs = [(str(name), [float(v) for v in ys]) for name, ys in items]
    if not runs or not any(ys for _, ys in runs):
        raise ValueError(
            "plot_losses: history is empty; pass a list of numbers or a dict name -> list of numbers"
        )
    return runs


def _minor_log_label(v, _):
    mantissa = round(v / 10 ** math.floor(math.log10(v) + 1e-9), 6)
    return f"{v:g}" if mantissa in (2, 3, 5) else ""


def _moving_average(ys, k):
    out, total = [], 0.0
    for i, y in enumerate(ys):
        total += y - (ys[i - k] if i >= k else 0.0)
        out.append(total / min(i + 1, k))
    return out


# ----------------------------------------------------------------------------- the graph


def to_dot(tensor, names=None, *, edge_labels=None):
    """The tape that produced ``tensor`` as Graphviz DOT text, edges in data-flow direction.

    ``names`` maps names to tensors to label boxes (default: the caller's local variables;
    ``dict(model.named_parameters())`` names a model's weights). ``edge_labels`` maps (input
    row, consumer row) of ``autograd.tape(tensor)`` to a text drawn on that edge
    (``autograd.explain(loss).edge_labels()`` gives the gradients).

    >>> x = minigrad.ones(2, requires_grad=True)
    >>> print(to_dot((x * 2).sum(), names={"x": x}))  # doctest: +NORMALIZE_WHITESPACE
    digraph tape {
      node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];
      n0 [label="x (2,)\\nrequires_grad=True", fillcolor="#cfe2f3"];
      n1 [label="MulBackward0\\n(2,)", fillcolor="#eeeeee"];
      n2 [label="SumBackward0\\n()", fillcolor="#d9ead3"];
      n0 -> n1;
      n1 -> n2;
    }
    <BLANKLINE>
    """
    boxes, edges = _graph(tensor, sys._getframe(1).f_locals if names is None else names)
    lines = [
        "digraph tape {",
        '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];',
    ]
    for i, (text, kind) in boxes.items():
        label = "\\n".join(s.replace("\\", "\\\\").replace('"', '\\"') for s in text)
        lines.append(f'  n{i} [label="{label}", fillcolor="{_COLORS[kind]}"];')
    labels = edge_labels or {}
    lines += [
        f'  n{a} -> n{b} [label="{labels[a, b]}"];' if (a, b) in labels else f"  n{a} -> n{b};"
        for a, b in edges
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_graph(tensor, path, names=None, *, title=None, dpi=110, edge_labels=None):
    """Draw the tape that produced ``tensor`` and save it to ``path`` (.png, .svg, .pdf).

    One box per recorded node (its grad_fn name and output shape, when known), leaves with
    their shape and ``requires_grad``; arrows go from inputs to the op that used them, the
    way the data flowed (backward walks them in reverse). ``names`` labels boxes as in
    :func:`to_dot`, and ``edge_labels`` writes a text on edges, as there. ``title``: a title
    above the graph; ``dpi``: the saved image's resolution (default 110). Returns the Figure
    (a notebook displays it).

    >>> import os, tempfile
    >>> w = minigrad.randn(3, requires_grad=True)
    >>> loss = (w * w).sum()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     fig = draw_graph(loss, os.path.join(tmp, "graph.png"), title="w * w")
    ...     saved = os.listdir(tmp)
    >>> saved, type(fig).__name__
    (['graph.png'], 'Figure')
    """
    boxes, edges = _graph(tensor, sys._getframe(1).f_locals if names is None else names)
    size = {
        i: (_CHAR_W * max(map(len, text)) + _PAD_W, _LINE_H * len(text) + _PAD_H)
        for i, (text, _) in boxes.items()
    }
    layers, chains = _layers(list(boxes), edges)
    xs = _place(layers, chains, size)
    pitch = max(h for _, h in size.values()) + _GAP_Y
    ys = {v: -k * pitch for k, layer in enumerate(layers) for v in layer}

    title = title or "Computational graph"
    head = 0.95
    left = min(xs[v] - size.get(v, (0, 0))[0] / 2 for v in xs) - 0.25
    right = max(xs[v] + size.get(v, (0, 0))[0] / 2 for v in xs) + 0.25
    width = max(right - left, _text_width(title, 11, "bold") + 0.6, _text_width(_KEY, 8) + 0.6)
    left -= (width - (right - left)) / 2
    bottom = -(len(layers) - 1) * pitch - pitch / 2
    height = pitch / 2 + head - bottom

    fig = _figure_class()(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, left + width)
    ax.set_ylim(bottom, bottom + height)
    ax.axis("off")
    _draw_edges(ax, chains, xs, ys, size, edge_labels or {})
    _draw_boxes(ax, boxes, xs, ys, size)
    fig.text(0.5, 1 - 0.15 / height, title, ha="center", va="top", fontsize=11, fontweight="bold")
    fig.text(
        0.5, 1 - 0.42 / height, _KEY, ha="center", va="top", fontsize=8, color="#444444", linespacing=1.4
    )
    fig.savefig(path, dpi=dpi)
    return fig


def _text_width(text, size, weight="normal"):
    """Inches taken by the widest line of ``text`` in matplotlib's default font."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    font = FontProperties(size=size, weight=weight)
    return max(TextPath((0, 0), line, prop=font).get_extents().width for line in text.split("\n")) / 72


def _graph(tensor, names):
    """Boxes {row: (text lines, kind)} and deduplicated edges (input row, consumer row)."""
    rows = tape(tensor, names=names)
    if not rows.entries:
        raise ValueError(str(rows))
    boxes, edges = {}, []
    for row in rows:
        shape = "" if row.output_shape is None else str(tuple(row.output_shape))
        if row.is_leaf:
            text = [f"{row.label or 'leaf'} {shape}", f"requires_grad={row.variable.requires_grad}"]
            kind = "leaf"
        else:
            detail = f"{row.label} {shape}".strip() if row.label else shape
            text = [row.name, detail] if detail else [row.name]
            kind = "op"
            for i in dict.fromkeys(i for i in row.inputs if i is not None):
                edges.append((i, row.index))
        boxes[row.index] = (text, kind)
    last = rows.entries[-1].index
    boxes[last] = (boxes[last][0], "output")
    return boxes, edges


def _layers(rows, edges):
    """Rows grouped by layer (top = 0), with waypoints for long edges, and each edge's chain."""
    consumers = {r: [] for r in rows}
    for a, b in edges:
        consumers[a].append(b)
    depth = {}  # longest path down to the output
    for r in reversed(rows):
        depth[r] = max((depth[c] + 1 for c in consumers[r]), default=0)
    top = max(depth.values())
    layer_of = {r: top - d for r, d in depth.items()}
    layers = [[] for _ in range(top + 1)]
    for r in rows:
        layers[layer_of[r]].append(r)
    chains = []
    for a, b in edges:  # a waypoint per layer an edge crosses
        chain = [a]
        for k in range(layer_of[a] + 1, layer_of[b]):
            waypoint = ("via", a, b, k)
            layers[k].append(waypoint)
            chain.append(waypoint)
        chains.append(chain + [b])
    _order(layers, chains)
    return layers, chains


def _order(layers, chains, sweeps=4):
    """Reorder each layer by the mean position of its neighbours (barycentre heuristic)."""
    up, down = {}, {}
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    for sweep in range(sweeps):
        neighbours = up if sweep % 2 == 0 else down
        order = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        for k in order:
            pos = {v: i for layer in layers for i, v in enumerate(layer)}
            key = {
                v: sum(pos[n] for n in neighbours[v]) / len(neighbours[v]) if neighbours.get(v) else pos[v]
                for v in layers[k]
            }
            layers[k].sort(key=key.get)


def _place(layers, chains, size, sweeps=6):
    """x of each box centre: packed left to right without overlap, pulled toward neighbours."""
    width = {v: size[v][0] if v in size else 0.0 for layer in layers for v in layer}
    neighbours = {}
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            neighbours.setdefault(a, []).append(b)
            neighbours.setdefault(b, []).append(a)
    xs = {}
    for layer in layers:  # start packed and centred on 0
        x = -(sum(width[v] for v in layer) + _GAP_X * (len(layer) - 1)) / 2
        for v in layer:
            xs[v] = x + width[v] / 2
            x += width[v] + _GAP_X
    for _ in range(sweeps):
        for layer in layers:
            want = [
                sum(xs[n] for n in neighbours[v]) / len(neighbours[v]) if neighbours.get(v) else xs[v]
                for v in layer
            ]
            placed = []
            for i, v in enumerate(layer):  # push right past the previous box
                lo = placed[-1] + (width[layer[i - 1]] + width[v]) / 2 + _GAP_X if i else -1e9
                placed.append(max(want[i], lo))
            shift = (sum(placed) - sum(want)) / len(layer)  # then recentre the whole layer
            for v, x in zip(layer, placed):
                xs[v] = x - shift
    return xs


def _draw_boxes(ax, boxes, xs, ys, size):
    from matplotlib.patches import FancyBboxPatch

    for i, (text, kind) in boxes.items():
        w, h = size[i]
        ax.add_patch(
            FancyBboxPatch(
                (xs[i] - w / 2, ys[i] - h / 2),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=_COLORS[kind],
                edgecolor="#555555",
                zorder=2,
            )
        )
        ax.text(
            xs[i],
            ys[i] + _LINE_H * (len(text) - 1) / 2,
            text[0],
            ha="center",
            va="center",
            family="monospace",
            fontsize=_FONT_SIZE,
            fontweight="bold",
            zorder=3,
        )
        for k, line in enumerate(text[1:], 1):
            ax.text(
                xs[i],
                ys[i] + _LINE_H * ((len(text) - 1) / 2 - k),
                line,
                ha="center",
                va="center",
                family="monospace",
                fontsize=_FONT_SIZE,
                zorder=3,
            )


def _draw_edges(ax, chains, xs, ys, size, labels):
    """Polylines through the waypoints; ends spread along the box sides, sorted by x."""
    outs, ins = {}, {}
    for chain in chains:
        outs.setdefault(chain[0], []).append(chain)
        ins.setdefault(chain[-1], []).append(chain)

    def spread(v, group, end):
        group.sort(key=lambda c: xs[c[1] if end == 0 else c[-2]])
        w = size[v][0] * 0.6
        return {id(c): xs[v] - w / 2 + w * (k + 1) / (len(group) + 1) for k, c in enumerate(group)}

    start = {k: x for v, g in outs.items() for k, x in spread(v, g, 0).items()}
    end = {k: x for v, g in ins.items() for k, x in spread(v, g, -1).items()}
    for chain in chains:
        a, b = chain[0], chain[-1]
        pts = [(start[id(chain)], ys[a] - size[a][1] / 2)]
        pts += [(xs[v], ys[v]) for v in chain[1:-1]]
        pts.append((end[id(chain)], ys[b] + size[b][1] / 2))
        if len(pts) > 2:
            ax.plot(
                [p[0] for p in pts[:-1]], [p[1] for p in pts[:-1]], color="#666666", linewidth=1, zorder=1
            )
        ax.annotate(
            "",
            xy=pts[-1],
            xytext=pts[-2],
            zorder=1,
            arrowprops=dict(arrowstyle="-|>", color="#666666", linewidth=1, shrinkA=0, shrinkB=0),
        )
        if (a, b) in labels:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            ax.text(
                (x0 + x1) / 2,
                (y0 + y1) / 2,
                labels[a, b],
                ha="center",
                va="center",
                family="monospace",
                fontsize=_FONT_SIZE - 2,
                color="#a61c00",
                zorder=4,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85),
            )
