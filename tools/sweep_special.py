"""NaN / inf / constant / empty sweep of the whole op table against PyTorch (issue 16).

For every row of ``tests/test_ops.py`` (the op table's tests: one expression for minigrad
and torch), each float64 input in turn is given a special value (a NaN, +inf or -inf in its
first element, or all elements equal), and then every input an empty first dim; minigrad's
value and the gradients of ``out.sum()`` are compared with PyTorch's element by element
(NaN equal to NaN, a missing gradient equal to zeros). Differences are printed, then the
count of cases tried and of each kind of difference.

The differences minigrad keeps on purpose are in ``KNOWN``, each with its reason: they are
listed (one line each, ``--verbose`` for their values) and counted apart, so the summary's
"unexplained" count is what needs work. A known case that no longer differs is reported too.

    python tools/sweep_special.py                 # all rows
    python tools/sweep_special.py --only relu,max # rows whose id contains one of these
    python tools/sweep_special.py --verbose       # the known differences' values as well
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

_LAPACK_INF = (
    "LAPACK on an infinite entry: minigrad gives that matrix NaN factors (numpy's gesdd can loop "
    "forever on one, see test_reliability), PyTorch's LAPACK returns finite singular/eigen vectors "
    "(and pinv drops its NaN singular values, giving 0)"
)
_NULL_SPACE = (
    "a rank-deficient matrix: the gradient through U, V at zero singular values depends on the "
    "null-space basis LAPACK picks (not unique); numpy's two exact zeros make the SVD backward "
    "0/0 where PyTorch's 1.6e-16 and 1.9e-48 give a finite value"
)
# Differences kept on purpose, case -> why (the README's Reliability section summarises them).
KNOWN = {
    **dict.fromkeys(
        [f"einsum_three:{v}" for v in ("inf@0", "-inf@0", "inf@2", "-inf@2")],
        "contraction order: numpy's optimal path (as PyTorch's with opt_einsum installed) rather than "
        "PyTorch's default left to right, which is ~100x slower on einsum('ij,jk,k->i') at 400x400; an inf "
        "meets inf - inf in one order and not in the other",
    ),
    **dict.fromkeys(
        ["topk_values:constant@0", "kthvalue:constant@0"],
        "ties: which of equal elements is returned (and gets the gradient) is left open by PyTorch's docs "
        "(its quickselect returns indices 2 and 3 for topk(2) of four equal values, 0 for kthvalue(2)); "
        "minigrad's stable sort takes the first",
    ),
    "polygamma_1:inf@0": "PyTorch's polygamma(2, +inf) is NaN (cephes' zeta tail computes 0 * inf); "
    "the limit is 0, which minigrad gives, as PyTorch's own trigamma(+inf) = 0 does",
    "polygamma_1:-inf@0": "PyTorch's polygamma(2, -inf) is -inf (cephes treats -inf as a pole); there is no "
    "limit at -inf, minigrad gives NaN",
    **dict.fromkeys(
        ["linalg_det:inf@0", "linalg_det:-inf@0", "det_method_batched:inf@0", "det_method_batched:-inf@0"],
        "one entry of det's gradient (det * A^-T, inf * 0 terms) is NaN against inf: the IEEE order of "
        "the LU elimination around an infinite entry",
    ),
    "linalg_slogdet:constant@0": "a singular matrix: the gradient of log|det| is infinite; PyTorch "
    "perturbs LU's zero pivots by eps and gives a mix of +-inf and NaN, minigrad cofactors / det (NaN "
    "where the cofactor is 0 too)",
    **dict.fromkeys(
        [f"linalg_cholesky{u}:{v}" for u in ("", "_upper") for v in ("inf@0", "-inf@0")],
        "an infinite entry: numpy's LAPACK (OpenBLAS potrf) completes with inf factors where PyTorch's "
        "stops at the NaN pivot that inf / inf gives and raises not-positive-definite; a NaN input raises "
        "in both",
    ),
    **dict.fromkeys(
        [
            f"{r}:{v}"
            for r in ("linalg_eigvalsh", "linalg_svdvals", "linalg_pinv", "linalg_matrix_norm_nuc")
            for v in ("inf@0", "-inf@0")
        ],
        _LAPACK_INF,
    ),
    **dict.fromkeys(["linalg_pinv:constant@0", "linalg_matrix_norm_nuc:constant@0"], _NULL_SPACE),
    "mode_values:nan@0": "PyTorch's CPU mode std::sorts each row with `<`, which NaN makes no strict weak "
    "order (undefined in C++): its answer depends on where the NaN sits and on libstdc++'s algorithm "
    "([nan, 1, 2, 3] gives NaN, [1, nan, 2, 3] gives 1, [nan, nan, 1, 1] gives 1); minigrad counts the NaNs "
    "of a row as one value, larger than any other, as its sort orders them",
    **dict.fromkeys(
        ["cdist_p1:nan@0", "cdist_p1:nan@1"],
        "PyTorch's fused cdist backward kernel takes sign(NaN) = NaN, while its own sign, abs and "
        "vector_norm give 0; minigrad composes cdist from vector_norm and keeps their 0",
    ),
}


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
    ap.add_argument("--verbose", action="store_true", help="print the known differences' values too")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    tried, found, known, stale = 0, {}, {}, []
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
            case = f"{row.id}:{name}"
            diff = compare(row, arrays)
            if diff and case in KNOWN:
                known.setdefault(diff[0], []).append(case)
                print(f"    known {diff[0]} {case}: {KNOWN[case]}")
            elif diff:
                found.setdefault(diff[0], []).append(case)
            elif case in KNOWN:
                stale.append(case)
            if diff and (case not in KNOWN or args.verbose):
                print(f"{diff[0]:>9} {case}\n    minigrad {diff[1]!r:.200}\n    torch    {diff[2]!r:.200}")
    for case in stale:
        print(f"    stale {case}: listed in KNOWN but no longer differs (remove it)")
    counts = ", ".join(f"{k} {len(v)}" for k, v in found.items()) or "none"
    kept = ", ".join(f"{k} {len(v)}" for k, v in known.items()) or "none"
    print(
        f"sweep: {tried} cases over the op table; unexplained differences: {counts}; "
        f"known (listed above): {kept}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
