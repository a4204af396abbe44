"""``minigrad.autograd.explain(loss)``: run backward and keep a record of every step.

The engine runs backward as usual (``.grad`` is filled exactly as by ``loss.backward()``) and
reports each node to an observer as it runs it: the gradient that arrived at the node's
output and the gradient it sent to each input. The record lists those steps in the order
the engine ran them, each with its derivative rule (read from the op table by
``autograd.rules``), the gradients (values for small tensors, shape and statistics for big
ones) and where each gradient went: the node that consumes it next, or a leaf's ``.grad``,
saying when it adds to a contribution that arrived earlier. ``print(record)`` shows the
table; ``record.draw(path)`` draws the tape with the gradients on its edges and
``record.to_dot()`` gives the same as Graphviz text (both through minigrad.viz).

>>> x = minigrad.tensor([1.0, 2.0], requires_grad=True)
>>> loss = (x * x).sum()
>>> print(explain(loss))
backward of loss: 2 steps, in the order the engine ran them
step  node                 rule                                     gradient         goes to
----  -------------------  ---------------------------------------  ---------------  --------------------------
#1    SumBackward0 (loss)  sum: grad_x = expand(grad_out, x.shape)  in   1.0
                                                                    x    [1.0, 1.0]  #2 MulBackward0
#2    MulBackward0         mul: grad_a = grad_out * b               in   [1.0, 1.0]
                           grad_b = grad_out * a                    a    [1.0, 2.0]  x.grad
                                                                    b    [1.0, 2.0]  x.grad (+= the line above)
>>> x.grad
tensor([2., 4.])
"""

import sys

import numpy as np

from .. import _tape
from .._tape import Tensor

__all__ = ["explain", "Explanation", "Step"]

_SMALL = 6  # tensors with at most this many elements are shown in full
_RULE_WIDTH = 40


def explain(loss, gradient=None, retain_graph=None, names=None):
    """Run ``loss.backward(gradient)`` and return the step-by-step :class:`Explanation`.

    ``loss``: the tensor to backpropagate from; ``gradient``: its incoming gradient (needed
    when ``loss`` has more than one element); ``retain_graph``: keep the graph for another
    backward; ``names`` maps variable names to tensors to label leaves and nodes (default: the
    caller's local variables, as ``autograd.tape`` does).

    >>> a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> steps = minigrad.autograd.explain((a * a).sum())
    >>> [s.rule[0] for s in steps.steps]
    ['sum: grad_x = expand(grad_out, x.shape)', 'mul: grad_a = grad_out * b']
    >>> a.grad
    tensor([2., 4.])
    """
    if names is None:
        names = sys._getframe(1).f_locals
    if not isinstance(loss, Tensor):
        raise TypeError(f"explain() expects a Tensor, got {type(loss).__name__}")
    observer = _Observer()
    tensors, grads = _tape._prepare_roots((loss,), None if gradient is None else (gradient,), False)
    _tape._run_backward(tensors, grads, bool(retain_graph), False, None, True, observer.see)
    return Explanation(observer.steps, observer.had_grad, names, _root_label(loss, names), loss)


class Step:
    """One node the engine ran: ``node``, ``name``, ``rule`` (lines), ``grad_out`` (the
    gradient at its output) and ``grads`` (per input: (input name, gradient, target)), where
    target is the next Node, a leaf Tensor, or None (an input that needs no gradient)."""

    __slots__ = ("index", "node", "name", "rule", "grad_out", "grads")

    def __init__(self, index, node, grad_out, grads):
        from . import rules  # (ast and inspect load only when a backward is explained)

        self.index, self.node, self.name = index, node, node.name()
        op = rules.op_of(node)
        self.rule = rules.rule_text(op) if op is not None else _function_rule(node)
        self.grad_out = grad_out
        self.grads = grads

    def __repr__(self):
        return f"<Step #{self.index} {self.name}>"


class _Observer:
    """Receives (node, grad at its output, grads to its inputs) from the engine."""

    def __init__(self):
        self.steps = []
        self.had_grad = set()  # ids of leaves whose .grad held a value before this backward

    def see(self, node, g, in_grads):
        if in_grads is None:  # a leaf's total, about to be accumulated
            if node.grad is not None:
                self.had_grad.add(id(node))
            return
        targets = [None if fn is None else getattr(fn, "variable", fn) for fn, _ in node.next_functions]
        names = _input_names(node, len(targets))
        grads = tuple(
            (names[i], None if gi is None else _array(gi), targets[i]) for i, gi in enumerate(in_grads)
        )
        self.steps.append(Step(len(self.steps) + 1, node, _array(g), grads))


def _array(g):
    if isinstance(g, Tensor):
        g = g.detach().numpy()
    elif hasattr(g, "grads"):  # gradients of a multi-output Function's outputs
        return [None if x is None else _array(x) for x in g.grads]
    return np.array(g, copy=True)


def _input_names(node, n):
    from . import rules

    op = rules.op_of(node)
    if op is not None:
        for d in op.derivs:
            if d is not None:
                return d.__code__.co_varnames[1 : 1 + n]
    return tuple(f"input{i}" for i in range(n))


def _function_rule(node):
    return [f"{node.name()}: the custom Function's backward(ctx, grad_out)"]


class Explanation:
    """The record of one backward: ``steps`` (a list of :class:`Step`); prints as a table."""

    def __init__(self, steps, had_grad, names, root_label, loss):
        self.steps, self._had_grad, self.root_label, self._loss = steps, had_grad, root_label, loss
        self._names = {k: v for k, v in names.items() if isinstance(v, Tensor)}
        self._labels = _labels(self._names)

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def _destinations(self):
        """Per step, per input: 'goes to' text, with accumulation noted."""
        step_of = {id(s.node): s for s in self.steps}
        seen = {}  # target id -> (step index, input position) of its first contribution
        out = []
        for s in self.steps:
            texts = []
            for k, (_, g, target) in enumerate(s.grads):
                if target is None or g is None:
                    texts.append("(no gradient needed)" if target is None else "(none)")
                    continue
                if isinstance(target, Tensor):
                    where = f"{self._labels.get(('leaf', id(target)), 'leaf')}.grad"
                else:
                    nxt = step_of.get(id(target))
                    where = f"#{nxt.index} {target.name()}" if nxt else target.name()
                first = seen.setdefault(id(target), (s.index, k))
                if first == (s.index, k - 1):
                    where += " (+= the line above)"
                elif first != (s.index, k):
                    where += f" (+= what step #{first[0]} sent)"
                elif id(target) in self._had_grad:
                    where += " (+= its earlier value)"
                texts.append(where)
            out.append(texts)
        return out

    def __str__(self):
        import textwrap

        header = ("step", "node", "rule", "gradient", "goes to")
        rows = []
        for s, dests in zip(self.steps, self._destinations()):
            rule = [w for line in s.rule for w in textwrap.wrap(line, _RULE_WIDTH)]
            label = self._labels.get(("node", id(s.node)))
            grad_lines = [("in", summary(s.grad_out), "")]
            grad_lines += [(name, summary(g), d) for (name, g, _), d in zip(s.grads, dests)]
            for i in range(max(len(rule), len(grad_lines))):
                name, value, dest = grad_lines[i] if i < len(grad_lines) else ("", "", "")
                rows.append(
                    (
                        f"#{s.index}" if i == 0 else "",
                        (s.name + (f" ({label})" if label else "")) if i == 0 else "",
                        rule[i] if i < len(rule) else "",
                        f"{name:<4} {value}".rstrip(),
                        dest,
                    )
                )
        widths = [max([len(h)] + [len(r[c]) for r in rows]) for c, h in enumerate(header)]
        lines = [f"backward of {self.root_label}: {len(self.steps)} steps, in the order the engine ran them"]
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join(lines)

    __repr__ = __str__

    def edge_labels(self):
        """{(input's row, consumer's row): gradient summary} for the rows of
        ``autograd.tape(loss)``, the edges minigrad.viz draws."""
        from .._tape_view import tape

        rows = tape(self._loss, names={})
        row_of_node = {id(r.node): r.index for r in rows if r.node is not None}
        labels = {}
        for s in self.steps:
            j = row_of_node.get(id(s.node))
            if j is None:
                continue
            for k, (_, g, _) in enumerate(s.grads):
                i = rows[j].inputs[k] if k < len(rows[j].inputs) else None
                if i is not None and g is not None:
                    text = summary(g, short=True)
                    labels[(i, j)] = labels[(i, j)] + " + " + text if (i, j) in labels else text
        return labels

    def to_dot(self):
        """The tape of the loss as Graphviz DOT text, each edge labelled with its gradient."""
        from .. import viz

        return viz.to_dot(self._loss, names=self._names, edge_labels=self.edge_labels())

    def draw(self, path, *, title=None, dpi=110):
        """The tape of the loss with each edge labelled by the gradient that ran along it
        (against the arrow: backward goes from the loss to the leaves). Returns the Figure."""
        from .. import viz

        return viz.draw_graph(
            self._loss,
            path,
            names=self._names,
            title=title or f"backward of {self.root_label}: the gradient on each edge",
            dpi=dpi,
            edge_labels=self.edge_labels(),
        )


def summary(g, short=False):
    """Values for small gradients, shape and statistics for big ones."""
    if g is None:
        return "None"
    if isinstance(g, list):  # a multi-output Function's gradients
        return "(" + ", ".join(summary(x, short) for x in g) + ")"
    g = np.asarray(g)
    if g.size <= (_SMALL if not short else 4):
        return _fmt(g.tolist())
    finite = g[np.isfinite(g)] if g.dtype.kind == "f" else g
    shape = "(" + ", ".join(map(str, g.shape)) + ("," if g.ndim == 1 else "") + ")"
    if short:
        return f"{shape} mean {_num(g.mean())}"
    stats = f"mean {_num(g.mean())} std {_num(g.std())} min {_num(finite.min())} max {_num(finite.max())}"
    return f"{shape} {stats}" if finite.size else f"{shape} (no finite values)"


def _num(v):
    return f"{float(v):.4g}"


def _fmt(v):
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return repr(round(float(v), 4)) if isinstance(v, float) else str(v)


def _labels(names):
    from .._tape_view import _labels as labels

    return labels(names)


def _root_label(t, names):
    from .._tape_view import _root_label as root_label

    return root_label(t, names)
