"""Forward-mode transforms: jvp and jacfwd, on ``autograd.forward_ad``'s dual tensors."""

import numpy as np

from .. import _tape
from .._tape import Tensor
from ..autograd import forward_ad
from . import _tree
from ._grad import _argnums, _split_aux


def jvp(func, primals, tangents, *, has_aux=False):
    """``(func(*primals), J @ tangents)``: the output and its directional derivative.

    ``func``: takes tensors, returns tensors; ``primals``: a tuple of its arguments;
    ``tangents``: a tuple of directions, one per primal, of the same shapes; ``has_aux``:
    ``func`` returns ``(output, aux)`` and the result is ``(output, jvp_out, aux)``.

    >>> import minigrad.func as F
    >>> F.jvp(minigrad.sin, (minigrad.tensor([0.0]),), (minigrad.tensor([2.0]),))
    (tensor([0.]), tensor([2.]))
    """
    api = "jvp(f, primals, tangents)"
    for name, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, tuple):
            raise RuntimeError(
                f"{api}: Expected {name} to be a tuple. E.g. it should be valid to call f(*{name})."
            )
    ps, p_spec = _tree.flatten(primals)
    ts, t_spec = _tree.flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            f"{api}: Expected primals and tangents to have the same python structure. For example, if "
            "primals is a tuple of 3 tensors, tangents also must be."
        )
    for i, (p, t) in enumerate(zip(ps, ts)):
        if not isinstance(p, Tensor) or not isinstance(t, Tensor):
            raise RuntimeError(f"{api}: Expected primals and tangents to be Tensors (element {i} is not)")
        if p.shape != t.shape:
            raise RuntimeError(
                f"{api}: Expected primals and tangents to have the same shape, but got primal {i} of "
                f"shape {list(p.shape)} and tangent of shape {list(t.shape)}"
            )
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(ps, ts)]
        out, aux = _split_aux(func(*_tree.unflatten(p_spec, duals)), has_aux, "jvp")
        outs, out_spec = _tree.flatten(out)
        if not outs or not all(isinstance(o, Tensor) for o in outs):
            raise RuntimeError(
                f"{api}: Expected f(*primals) to return only tensors, got {type(out).__name__}"
            )
        values, jvps = [], []
        for o in outs:
            primal, tangent = forward_ad.unpack_dual(o)
            if tangent is None:
                tangent = _tape._from_array(np.zeros(o._data.shape, o._data.dtype))
            values.append(primal)
            jvps.append(tangent)
    result = (_tree.unflatten(out_spec, values), _tree.unflatten(out_spec, jvps))
    return (*result, aux) if has_aux else result


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """``func`` -> a function returning its Jacobian w.r.t. ``argnums`` by forward mode (one
    jvp per input element), shaped ``output.shape + input.shape``.

    ``func``, ``argnums``: as in :func:`jacrev`; ``has_aux``: ``func`` returns
    ``(output, aux)`` and the result is ``(jacobian, aux)``; ``randomness``: accepted for
    PyTorch's signature (as in ``vmap``).

    >>> import minigrad.func as F
    >>> F.jacfwd(lambda x: x ** 2)(minigrad.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """

    def wrapper(*args):
        from ..ops import stack

        forward_ad.refuse_inside_vmap()
        nums = _argnums(argnums, len(args), "jacfwd")
        leaves, specs = [], []
        for n in nums:
            flat, spec = _tree.flatten(args[n])
            leaves.append(flat)
            specs.append(spec)
        columns = []  # per differentiated leaf: list of output trees (one per input element)
        aux = out_spec = None
        for a, flat in enumerate(leaves):
            for j, x in enumerate(flat):
                cols = []
                for k in range(x.numel()):
                    basis = np.zeros(x._data.size, x._data.dtype)
                    basis[k] = 1
                    tangents = [
                        [_tape._from_array(np.zeros(y._data.shape, y._data.dtype)) for y in f] for f in leaves
                    ]
                    tangents[a][j] = _tape._from_array(basis.reshape(x._data.shape))

                    def f(*ds):
                        call = list(args)
                        for n, d, spec in zip(nums, ds, specs):
                            call[n] = _tree.unflatten(spec, d)
                        return func(*call)

                    primals = tuple(tuple(f_) for f_ in leaves)
                    res = jvp(f, primals, tuple(tuple(t) for t in tangents), has_aux=has_aux)
                    outs, out_spec = _tree.flatten(res[1])
                    aux = res[2] if has_aux else None
                    cols.append(outs)
                columns.append((x, cols))
        per_out = []
        n_out = len(columns[0][1][0]) if columns and columns[0][1] else 0
        for i in range(n_out):
            jacs = []
            for x, cols in columns:
                o = cols[0][i]
                # stack the columns on a last axis, then split it into the input's shape
                jac = stack([c[i] for c in cols], dim=-1).reshape(tuple(o.shape) + tuple(x.shape))
                jacs.append(jac)
            trees, k = [], 0
            for flat, spec in zip(leaves, specs):
                trees.append(_tree.unflatten(spec, jacs[k : k + len(flat)]))
                k += len(flat)
            per_out.append(trees[0] if isinstance(argnums, int) else tuple(trees))
        jac = _tree.unflatten(out_spec, per_out)
        return (jac, aux) if has_aux else jac

    return wrapper
