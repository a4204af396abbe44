"""A tour of autograd, one idea at a time, printing what each line does.

    python examples/autograd_tour.py

requires_grad, grad_fn, backward, gradient accumulation, zero_grad, leaf tensors, detach,
no_grad; then the tape of a small expression, as text (minigrad.autograd.tape), as a
picture (autograd_tour_graph.png, via minigrad.viz.draw_graph) and as Graphviz DOT text
(autograd_tour_graph.dot); last, its backward step by step (minigrad.autograd.explain: each
node in the engine's order with its derivative rule and the gradients it passed on, printed
and drawn on the tape's edges, autograd_tour_explain.png). Swap the import for `import torch`
and the prints match (PyTorch has no explain: that section is skipped).
"""

import argparse

from _common import OUT, out_path

import minigrad as torch
from minigrad import viz


def section(title):
    print(f"\n-- {title}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--out", default=OUT, help="folder for the figures (default: examples/out)")
    args = p.parse_args(argv)

    section("requires_grad: ask autograd to record what happens to a tensor")
    x = torch.tensor([2.0], requires_grad=True)
    y = torch.tensor([3.0], requires_grad=True)
    print("x =", x, "  y =", y)

    section("grad_fn: every result remembers the op that made it")
    z = (x**2) * y
    print("z = x**2 * y =", z)
    print("z.grad_fn =", z.grad_fn.name(), " its inputs:", [fn.name() for fn, _ in z.grad_fn.next_functions])

    section("backward(): fill .grad with dz/dx = 2xy and dz/dy = x**2")
    z.backward(retain_graph=True)  # keep the graph: we backpropagate it again below
    print("x.grad =", x.grad, "  y.grad =", y.grad)

    section("accumulation: a second backward() adds to .grad")
    z.backward()
    print("x.grad =", x.grad, "  y.grad =", y.grad, "  (twice the true gradient)")

    section("zero_grad: reset .grad before the next backward (optimizer.zero_grad() does this)")
    x.grad.zero_()
    y.grad = None  # also fine: the next backward starts from scratch
    print("x.grad =", x.grad, "  y.grad =", y.grad)

    section("leaf tensors: created by you, not by an op; only leaves get .grad")
    print("x.is_leaf =", x.is_leaf, "  z.is_leaf =", z.is_leaf, "  z.grad_fn is None:", z.grad_fn is None)

    section("detach(): same values, cut from the graph")
    d = z.detach()
    print("d =", d, "  d.requires_grad =", d.requires_grad, "  d.grad_fn =", d.grad_fn)

    section("no_grad(): nothing is recorded inside (evaluation, weight updates)")
    with torch.no_grad():
        w = x * 2
    print("w = x * 2 under no_grad:", w, "  w.requires_grad =", w.requires_grad)

    section("the tape of a small expression")
    a = torch.tensor([[0.5, -1.0], [1.5, 2.0]], requires_grad=True)
    b = torch.tensor([1.0, -0.5], requires_grad=True)
    h = (a + 1) * b
    loss = h.tanh().sum() + (a**2).mean()
    print(torch.autograd.tape(loss))
    path = out_path(args, "autograd_tour_graph.png")
    viz.draw_graph(loss, path, title="The tape of loss = ((a + 1) * b).tanh().sum() + (a ** 2).mean()")
    with open(out_path(args, "autograd_tour_graph.dot"), "w") as f:
        f.write(viz.to_dot(loss))
    if hasattr(torch.autograd, "explain"):  # minigrad's own
        section("backward, step by step: autograd.explain runs it and keeps a record")
        record = torch.autograd.explain(loss)
        print(record)
        record.draw(out_path(args, "autograd_tour_explain.png"))
    else:
        loss.backward()
    print("after backward: a.grad =", a.grad, "\n                b.grad =", b.grad)
    print(f"\nwrote {path} and autograd_tour_graph.dot (render it with: dot -Tpng ... -o graph.png)")


if __name__ == "__main__":
    main()
