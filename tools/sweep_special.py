"""NaN / inf / constant / empty sweep of the whole op table against PyTorch (issue 16).

For every row of ``tests/test_ops.py`` (the op table's tests: one expression for minigrad
and torch), each float64 input in turn is given a special value (a NaN, +inf or -inf in its
first element, or all elements equal), and then every input an empty first dim; minigrad's
value and the gradients of ``out.sum()`` are compared with PyTorch's element by element
(NaN equal to NaN, a missing gradient equal to zeros). Differences are printed, then the
count of cases tried and of each kind of difference.

    python tools/sweep_special.py                 # all rows
    python tools/sweep_special.py --only relu,max # rows whose id contains one of these
"""

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))

import test_ops as T  # noqa: E402
import torch  # noqa: E402  (the oracle: this tool needs it)

import minigrad  # noqa: E402

VARIANTS = ("nan", "inf", "-inf", "constant")


def _special(arrays, k, variant):
    out = [a.copy() for a in arrays]
    if out[k].size == 0:
        return None
    if variant == "constant":
        out[k][...] = out[k].flat[0]
    else:
        out[k].flat[0] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[variant]
    return out


def _empty(arrays):
    if any(a.ndim == 0 for a in arrays):
        return None
    return [np.zeros((0,) + a.shape[1:], a.dtype) for a in arrays]


def _run(L, f, arrays):
    """(value, grads) or the exception's class name."""
    xs = [L.tensor(a, requires_grad=True) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = f(*xs)
            if out.requires_grad:
                out.sum().backward()
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return type(e).__name__
    grads = [np.zeros(a.shape) if x.grad is None else _array(x.grad) for a, x in zip(arrays, xs)]
    return _array(out.detach()), grads


def _array(t):
    """A tensor's values as float64 numpy, keeping its shape (tolist() of an empty one drops it)."""
    return np.asarray(t.tolist(), dtype=float).reshape(tuple(t.shape))


def _same(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)


def compare(row, arrays):
    ours, theirs = _run(minigrad, row.mg, arrays), _run(torch, row.th, arrays)
    if isinstance(ours, str) or isinstance(theirs, str):
        if isinstance(ours, str) and isinstance(theirs, str):
            return None
        return "error" if isinstance(ours, str) else "error_in_torch_only", ours, theirs
    if not _same(ours[0], theirs[0]):
        return "value", ours[0], theirs[0]
    for g, tg in zip(ours[1], theirs[1]):
        if not _same(g, tg):
            return "gradient", g, tg
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    tried, found = 0, {}
    for row in T.ROWS:
        if only and not any(s in row.id for s in only):
            continue
        base = T.make_inputs(row, np.float64)
        cases = [(f"{v}@{k}", _special(base, k, v)) for k in range(len(base)) for v in VARIANTS]
        cases.append(("empty", _empty(base)))
        for name, arrays in cases:
            if arrays is None:
                continue
            tried += 1
            diff = compare(row, arrays)
            if diff:
                found.setdefault(diff[0], []).append(f"{row.id}:{name}")
                print(
                    f"{diff[0]:>9} {row.id}:{name}\n"
                    f"    minigrad {diff[1]!r:.200}\n    torch    {diff[2]!r:.200}"
                )
    counts = ", ".join(f"{k} {len(v)}" for k, v in found.items()) or "no differences"
    print(f"sweep: {tried} cases over the op table; {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
