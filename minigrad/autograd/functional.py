"""``minigrad.autograd.functional``: Jacobians, Hessians and their products with vectors.

Everything here is ``autograd.grad`` applied to a user function, with PyTorch's argument
conventions: ``inputs`` is a Tensor or a tuple of Tensors, ``func(*inputs)`` returns a Tensor
or a tuple of Tensors, and results mirror those structures (a Tensor where a Tensor was
given, a tuple where a tuple was). ``strict=True`` raises where a result would be all zeros
because an output does not depend on an input; otherwise such entries are zero tensors.

* ``vjp`` is one backward: ``v^T J``.
* ``jvp`` uses the double-backward trick: ``u -> J^T u`` is linear in ``u``, so the vjp
  of that map with ``v`` is ``J v`` (two reverse passes instead of a forward-mode pass).
* ``jacobian`` stacks one vjp per output element (``vectorize`` is accepted and computes the
  same rows; ``strategy="forward-mode"`` builds the columns with ``jvp`` instead).
* ``hessian`` is the jacobian of the gradient; ``vhp``/``hvp`` are backward of backward
  (``hvp`` through the double-backward trick, exact even where the Hessian is not symmetric).

>>> x = minigrad.tensor([1.0, 2.0])
>>> jacobian(lambda t: t ** 2, x)
tensor([[2., 0.],
        [0., 4.]])
"""

from .. import _creation as creation
from .._grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from .._tape import Tensor, grad
from ..ops import stack

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# ----------------------------------------------------------------------------- shared steps


def _as_tuple(value, what, fn):
    """(was it a tuple, the tuple of Tensors); PyTorch's TypeError for anything else."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {what}"
            raise TypeError(
                f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                f"{where} has type {type(item)}."
            )
    return is_tuple, items


def _fresh(tensors, create_graph, need_graph):
    """Inputs the function is differentiated at: new leaves, or (create_graph) views that keep
    their history so the result stays differentiable w.r.t. the caller's tensors."""
    out = []
    for t in tensors:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(tensors, create_graph):
    """Results as returned to the caller: detached unless a graph was asked for."""
    return tuple(t if t is None or create_graph else t.detach() for t in tensors)


def _unwrap(is_tuple, items):
    return items if is_tuple else items[0]


def _check_v(v, other, other_is_tuple):
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got {a.shape}.")


_STRICT_NO_GRAD = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs "
    "must be computed in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
    "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
    "function with respect to input {i} is independent of the input. This is not allowed in "
    "strict mode. You should ensure that your function is twice differentiable and that the "
    "jacobian depends on the inputs (this would be violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
    "independent of the input. This is not allowed in strict mode. You should ensure that your "
    "function is thrice differentiable and that the hessian depends on the inputs.",
}


def _check_requires_grad(tensors, kind, strict):
    """strict: every tensor must exist and carry a graph back to the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode."
            )
        if not t.requires_grad:
            raise RuntimeError(_STRICT_NO_GRAD[kind].format(i=i))


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad, None for unreachable inputs."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    return grad(
        outs,
        inputs,
        gouts,
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


_STRICT_NONE = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
    "grad_outputs when using the double backward trick to compute forward mode gradients. This "
    "is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
    "in the grad_jacobian. This is not allowed in strict mode as it prevents from using the "
    "double backward trick to replace forward mode AD.",
}


def _zeros_for_none(grads, refs, strict, create_graph, stage):
    """A zero tensor where an input was not reached (strict: PyTorch's error instead)."""
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_NONE[stage].format(i=i))
            g = creation.zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode when create_graph=True."
            )
        out.append(g)
    return tuple(out)


def _call(func, inputs, fn):
    out_is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
    return out_is_tuple, outputs


def _vector(v, other, other_is_tuple, create_graph, fn):
    _, v = _as_tuple(v, "v", fn)
    v = _fresh(v, create_graph, need_graph=False)
    _check_v(v, other, other_is_tuple)
    return v


# ----------------------------------------------------------------------------- products


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    ``func``: takes the tensors of ``inputs`` (a tensor or a tuple of them); ``v`` is shaped
    like the outputs (optional when the output has one element); ``create_graph``: the
    results are differentiable (for higher derivatives); ``strict``: an
    output independent of an input is an error rather than zeros.

    >>> out, g = vjp(lambda t: (t ** 2).sum(), minigrad.tensor([1.0, 3.0]))
    >>> g
    tensor([2., 6.])
    """
    with enable_grad():
        in_is_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        out_is_tuple, outputs = _call(func, inputs, "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is not None:
            v = _vector(v, outputs, out_is_tuple, create_graph, "vjp")
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single "
                "Tensor with a single element."
            )
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        grads = _zeros_for_none(grads, inputs, strict, create_graph, "back")
    outputs, grads = _finish(outputs, create_graph), _finish(grads, create_graph)
    return _unwrap(out_is_tuple, outputs), _unwrap(in_is_tuple, grads)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick.

    ``func``: takes the tensors of ``inputs`` (a tensor or a tuple of them); ``v`` is shaped
    like the inputs (optional when the input has one element); ``create_graph``: the results
    are differentiable (for higher derivatives); ``strict``: an
    output independent of an input is an error rather than zeros.

    >>> out, t = jvp(lambda x: x ** 2, minigrad.tensor([1.0, 3.0]), minigrad.tensor([1.0, 0.0]))
    >>> t
    tensor([2., 0.])
    """
    with enable_grad():
        in_is_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _vector(v, inputs, in_is_tuple, create_graph, "jvp")
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        out_is_tuple, outputs = _call(func, inputs, "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # u -> J^T u is linear, so any finite u works; its vjp with v is J v
        u = tuple(creation.zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, u, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        tangents = _grad(grad_inputs, u, v, create_graph=create_graph)
        tangents = _zeros_for_none(tangents, outputs, strict, create_graph, "back_trick")
    outputs, tangents = _finish(outputs, create_graph), _finish(tangents, create_graph)
    return _unwrap(out_is_tuple, outputs), _unwrap(out_is_tuple, tangents)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a function with a single-element output.

    ``func``: takes the tensors of ``inputs``; ``v``: shaped like the inputs;
    ``create_graph``: the results are differentiable (for higher derivatives); ``strict``:
    an
    output independent of an input is an error rather than zeros.

    >>> out, r = vhp(lambda x: (x ** 3).sum(), minigrad.tensor([1.0, 2.0]), minigrad.ones(2))
    >>> r
    tensor([ 6., 12.])
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a function with a single-element output (double-backward
    trick: H v is the vjp, with v, of the linear map u -> H^T u).

    ``func``: takes the tensors of ``inputs``; ``v``: shaped like the inputs;
    ``create_graph``: the results are differentiable (for higher derivatives); ``strict``:
    an
    output independent of an input is an error rather than zeros.

    >>> out, r = hvp(lambda x: (x ** 3).sum(), minigrad.tensor([1.0, 2.0]), minigrad.ones(2))
    >>> r
    tensor([ 6., 12.])
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _check_single(out_is_tuple, outputs, fn):
    if out_is_tuple:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn} should contain a single element"
        )


def _hessian_product(func, inputs, v, create_graph, strict, fn):
    with enable_grad():
        in_is_tuple, inputs = _as_tuple(inputs, "inputs", fn)
        inputs = _fresh(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _vector(v, inputs, in_is_tuple, create_graph, fn)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        out_is_tuple, outputs = _call(func, inputs, fn)
        _check_requires_grad(outputs, "outputs", strict)
        _check_single(out_is_tuple, outputs, fn)
        jac = _grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        if fn == "hvp":
            u = tuple(creation.zeros_like(x, requires_grad=True) for x in inputs)
            back = _grad(jac, inputs, u, create_graph=True)
            _check_requires_grad(jac, "hessian", strict)  # (PyTorch checks jac here too)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        if fn == "vhp":
            res = _grad(jac, inputs, v, create_graph=create_graph)
            res = _zeros_for_none(res, inputs, strict, create_graph, "double_back")
        else:
            res = _grad(back, u, v, create_graph=create_graph)
            res = _zeros_for_none(res, inputs, strict, create_graph, "double_back_trick")
    outputs, res = _finish(outputs, create_graph), _finish(res, create_graph)
    return outputs[0], _unwrap(in_is_tuple, res)


# ----------------------------------------------------------------------------- full matrices


def jacobian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    strategy="reverse-mode",
):
    """The Jacobian of ``func`` at ``inputs``: entry ``[i][j]`` has shape
    ``outputs[i].shape + inputs[j].shape`` (a Tensor when both were single Tensors).

    ``func``: takes the tensors of ``inputs`` (a tensor or a tuple of them) and returns a tensor
    or a tuple of them. ``create_graph``: the result is differentiable (for higher
    derivatives). ``strict``: an output independent of an input is an error rather than zeros.
    ``strategy="reverse-mode"`` computes a row per output element: one backward each, or with
    ``vectorize=True`` one backward vmapped over all rows (``func.vmap`` over the one-hot
    cotangents, as PyTorch does); ``"forward-mode"`` (which PyTorch allows only with
    ``vectorize=True``) a column per input element, each a ``jvp``.

    >>> jacobian(lambda a, b: a * b, (minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])))[1]
    tensor([[1., 0.],
            [0., 2.]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.'
            )
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`strict=False` or `strategy="reverse-mode"`.'
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only "
                "implemented for `vectorize=True`."
            )
        return _jacobian_by_columns(func, inputs)
    with enable_grad():
        in_is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        out_is_tuple, outputs = _call(func, inputs, "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                "supported together. Please either set `strict=False` or `vectorize=False`."
            )
        if vectorize:  # every row in one backward, vmapped over the one-hot cotangents
            from ..func._grad import _jacobian_rows

            blocks = []
            for out in outputs:
                rows = _jacobian_rows(out, inputs, create_graph, None)
                shaped = (r.reshape(tuple(out.shape) + tuple(x.shape)) for r, x in zip(rows, inputs))
                blocks.append(tuple(m if create_graph else m.detach() for m in shaped))
            return _nest(blocks, out_is_tuple, in_is_tuple)
        blocks = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(flat.numel()):
                if out.requires_grad:
                    row = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                else:
                    row = (None,) * len(inputs)
                for j, (g, x) in enumerate(zip(row, inputs)):
                    if g is not None and strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            f"The jacobian of the user-provided function is independent of input "
                            f"{i}. This is not allowed in strict mode when create_graph=True."
                        )
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {j}. This is not allowed in strict mode."
                            )
                        g = creation.zeros_like(x)
                    rows[j].append(g)
            block = tuple(
                _stack_rows(r, x, out, create_graph, in_dtype=x.dtype) for r, x in zip(rows, inputs)
            )
            blocks.append(block)
    return _nest(blocks, out_is_tuple, in_is_tuple)


def _stack_rows(rows, x, out, create_graph, in_dtype):
    if rows:
        m = stack(rows).reshape(tuple(out.shape) + tuple(x.shape))
    else:  # an empty output: no rows
        m = creation.zeros(tuple(out.shape) + tuple(x.shape), dtype=in_dtype)
    return m if create_graph else m.detach()


def _nest(blocks, out_is_tuple, in_is_tuple):
    if not out_is_tuple:
        return _unwrap(in_is_tuple, blocks[0])
    return tuple(_unwrap(in_is_tuple, b) for b in blocks)


def _jacobian_by_columns(func, inputs):
    """The Jacobian a column at a time: ``jvp`` with each basis vector of the inputs."""
    in_is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    out_is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
    cols = [[[] for _ in inputs] for _ in outputs]
    for j, x in enumerate(inputs):
        for k in range(x.numel()):
            v = [creation.zeros_like(t) for t in inputs]
            v[j].view(-1)[k] = 1.0
            _, t = jvp(func, tuple(inputs), tuple(v))
            for i, ti in enumerate(t if out_is_tuple else (t,)):
                cols[i][j].append(ti)
    blocks = []
    for i, out in enumerate(outputs):
        block = []
        for j, x in enumerate(inputs):
            if cols[i][j]:
                m = stack(cols[i][j], dim=-1).reshape(tuple(out.shape) + tuple(x.shape))
            else:
                m = creation.zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)
            block.append(m.detach())
        blocks.append(tuple(block))
    return _nest(blocks, out_is_tuple, in_is_tuple)


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
):
    """The Hessian of a function with a single-element output: entry ``[i][j]`` has shape
    ``inputs[i].shape + inputs[j].shape`` (a Tensor for a single input).

    ``func``: takes the tensors of ``inputs`` and returns one element; ``create_graph``: the
    results are differentiable (for higher derivatives); ``strict``: an
    output independent of an input is an error rather than zeros.
    ``vectorize`` and ``outer_jacobian_strategy`` are those of :func:`jacobian` for the outer
    Jacobian (of the gradient).

    >>> hessian(lambda x: (x ** 3).sum(), minigrad.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    in_is_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def gradient(*xs):
        out_is_tuple, outs = _call(func, xs, "hessian")
        _check_requires_grad(outs, "outputs", strict)
        _check_single(out_is_tuple, outs, "hessian")
        jac = _grad(outs, xs, create_graph=True)
        jac = _zeros_for_none(jac, xs, False, True, "double_back")
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return res if in_is_tuple else res[0][0]
