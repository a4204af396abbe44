"""``einsum``: Einstein summation over any number of operands (``"bhqd,bhkd->bhqk"``).

It takes any number of tensors, which the fixed-arity op table does not express, so it is a
custom ``autograd.Function`` (as ``cat`` is). The forward is numpy's einsum (which finds a
BLAS contraction order for two or more operands). The gradient for one operand is itself an
einsum: the incoming gradient contracted with the other operands onto that operand's labels;
labels the operand alone sums over (or broadcasts, with size 1) come back by expanding. It is
written with differentiable ops, so higher-order gradients work. The equation is first
rewritten with explicit labels (``...`` becomes unused letters, right-aligned as numpy and
PyTorch broadcast it; an implicit output is the labels seen once, in ASCII order).
"""

import string
from collections import Counter

import numpy as np

from .._function import Function
from .._tape import Tensor
from ._core import export


def _canonical(equation, shapes):
    """(input label strings, output label string) with every ``...`` spelled out."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    for c in eq.replace("...", "").replace("->", "").replace(",", ""):
        if c not in string.ascii_letters:
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {eq.index(c)} in the equation "
                f"string '{equation}': subscripts must be in [a-zA-Z]"
            )
    if len(terms) != len(shapes):
        raise RuntimeError(
            f"einsum(): {'more' if len(shapes) > len(terms) else 'fewer'} operands were "
            f"provided than specified in the equation '{equation}' "
            f"({len(shapes)} operands, {len(terms)} subscripts)"
        )
    free = [c for c in string.ascii_letters if c not in eq]
    spans = [len(shape) - (len(t) - 3) for t, shape in zip(terms, shapes) if "..." in t]
    n_ell = max(spans, default=0)
    ell = "".join(free[:n_ell])
    canon = []
    for i, (t, shape) in enumerate(zip(terms, shapes)):
        if "..." in t:
            k = len(shape) - (len(t) - 3)
            t = t.replace("...", ell[n_ell - k :] if k > 0 else "") if k >= 0 else t
        if len(t) != len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(t)}) does not "
                f"match the number of dimensions ({len(shape)}) for operand {i} of shape "
                f"{tuple(shape)}"
            )
        canon.append(t)
    if arrow:
        out = out.replace("...", ell)
        counts = Counter(out)
        for c in out:
            if counts[c] > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in t for t in canon):
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
    else:
        counts = Counter("".join(canon))
        out = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    return canon, out


def _sizes(canon, shapes, equation):
    """Each label's size (the one that is not 1; others must match it or be 1)."""
    size = {}
    for t, shape in zip(canon, shapes):
        for c, n in zip(t, shape):
            m = size.get(c, 1)
            if n != m and 1 not in (n, m):
                raise RuntimeError(
                    f"einsum(): operands do not broadcast with remapped shapes: subscript {c} "
                    f"has size {m} in one operand and {n} in another "
                    f"(equation '{equation}', shapes {[tuple(s) for s in shapes]})"
                )
            size[c] = m if n == 1 else n  # 1 broadcasts to any size, 0 included
    return size


class _Einsum(Function):
    grad_fn_name = "EinsumBackward0"

    @staticmethod
    def forward(ctx, canon, out, *tensors):
        ctx.canon, ctx.out = canon, out
        ctx.save_for_backward(*tensors)
        eq = ",".join(canon) + "->" + out
        try:
            result = np.einsum(eq, *(t._data for t in tensors), optimize=len(tensors) > 1)
        except ValueError as e:
            raise RuntimeError(
                f"einsum(): {e} (equation '{eq}', shapes {[tuple(t.shape) for t in tensors]})"
            ) from None
        return _wrap(result)

    @staticmethod
    def backward(ctx, g):
        tensors = ctx.saved_tensors
        canon, out = ctx.canon, ctx.out
        size = _sizes(canon, [t.shape for t in tensors], "")
        grads = [None, None]
        for i, t in enumerate(tensors):
            if not ctx.needs_input_grad[2 + i]:
                grads.append(None)
                continue
            labels = canon[i]
            others = [canon[j] for j in range(len(tensors)) if j != i]
            seen = set(out).union(*others)
            uniq = "".join(dict.fromkeys(labels))
            first = {c: t.shape[labels.index(c)] for c in uniq}
            keep = "".join(c for c in uniq if c in seen and first[c] == size[c])
            operands = [g] + [tensors[j] for j in range(len(tensors)) if j != i]
            r = einsum(",".join([out] + others) + "->" + keep, *operands)
            r = r.reshape(tuple(r.shape[keep.index(c)] if c in keep else 1 for c in uniq))
            r = r.expand(tuple(first[c] for c in uniq))
            if len(uniq) < len(labels):
                r = _on_diagonals(r, uniq, labels, canon, out)
            grads.append(r)
        return tuple(grads)


def _on_diagonals(r, uniq, labels, canon, out):
    """Put ``r`` (labelled ``uniq``) where an operand labelled ``labels`` (a label repeated, as
    in ``"ii"``) has its diagonals: each repeat gets a fresh label tied by an identity matrix."""
    from .._creation import eye

    used = set("".join(canon) + out)
    fresh = iter(c for c in string.ascii_letters if c not in used)
    new, ties, eyes = [], [], []
    for k, c in enumerate(labels):
        if c in labels[:k]:
            d = next(fresh)
            new.append(d)
            ties.append(c + d)
            eyes.append(eye(r.shape[uniq.index(c)], dtype=r.dtype))
        else:
            new.append(c)
    return einsum(",".join([uniq] + ties) + "->" + "".join(new), r, *eyes)


def _wrap(array):
    from .._tape import _from_array

    array = np.asarray(array)
    return _from_array(array if array.flags.c_contiguous else np.ascontiguousarray(array))


@export(method=False)
def einsum(equation, *operands):
    """Sum of products over the labelled dimensions: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``;
    ``"bij->bji"`` transposes, ``"ii->i"`` takes a diagonal, ``"...ij,...jk"`` batches.

    ``equation``: one letter per dim of each operand, comma-separated, then ``->`` and the
    output's letters (without ``->``: the letters seen once, alphabetically); ``operands``: the
    tensors (or one list of them).

    >>> a, b = minigrad.ones(2, 3), minigrad.ones(3, 4)
    >>> minigrad.einsum("ij,jk->ik", a, b).shape
    minigrad.Size([2, 4])
    >>> minigrad.einsum("ii", minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(t).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"einsum(): expected scalar type of every operand to be the same, got "
            f"{sorted(str(d) for d in dtypes)}"
        )
    shapes = [tuple(t.shape) for t in operands]
    canon, out = _canonical(equation, shapes)
    _sizes(canon, shapes, equation)
    return _Einsum.apply(canon, out, *operands)
