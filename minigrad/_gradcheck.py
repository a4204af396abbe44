"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck``, as in PyTorch.

>>> import minigrad
>>> x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
>>> minigrad.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
True

Design notes
------------
* Both Jacobians are laid out the way PyTorch prints them: one row per element of an input
  that requires grad, one column per element of an output.
* Numerical Jacobian: central differences ``(f(x + eps) - f(x - eps)) / (2 eps)`` in float64.
  Each element is perturbed *in place on the input's own storage* and restored exactly
  afterwards, so a transposed or sliced input stays transposed or sliced while ``fn`` runs.
  That is why inputs with a stride-0 dimension (``expand``) are refused: one write would
  perturb several elements at once.
* Analytical Jacobian: one vector-Jacobian product per output element (``autograd.grad``
  with a one-hot ``grad_outputs``, ``retain_graph=True``), i.e. column by column; it is
  computed twice to catch a backward that is not reentrant (``nondet_tol``).
* Comparison: column by column with ``|analytical - numerical| <= atol + rtol * |numerical|``
  (``allclose``); the error names the output and input (counted among the outputs and inputs
  that require grad, as PyTorch does), the first column that disagrees, and both Jacobians.
* ``fast_mode=True`` compares one number per (input, output) pair instead of whole
  Jacobians: ``v^T J u`` for random unit vectors ``u`` (input side) and ``v`` (output side),
  with ``J u`` from one central difference along ``u`` and ``v^T J`` from one backward. The
  entry-wise tolerance ``atol`` becomes ``atol * |u|_1 * |v|_1`` (the bound it implies for the
  product). On a mismatch the slow check runs for that pair to show the full Jacobians.
* ``gradgradcheck`` is ``gradcheck`` of the function ``(inputs, grad_outputs) ->
  autograd.grad(fn(inputs), inputs, grad_outputs, create_graph=True)``: it checks the
  derivative of the backward pass itself.
* minigrad has no forward-mode AD and no vmap, so the flags that ask for them raise
  ``NotImplementedError`` rather than being silently ignored.
"""

import warnings

import numpy as np

from ._tape import Tensor, _from_array
from ._tape import grad as _autograd_grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` and :func:`gradgradcheck` when a check fails.

    >>> class Wrong(minigrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g * 3
    >>> x = minigrad.tensor([1.0], dtype=minigrad.float64, requires_grad=True)
    >>> try:
    ...     minigrad.autograd.gradcheck(Wrong.apply, (x,))
    ... except minigrad.autograd.GradcheckError:
    ...     print("caught")
    caught
    """


# ----------------------------------------------------------------------------- inputs and outputs


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _diff_inputs(inputs):
    """The tensors of ``inputs`` that require grad, in order."""
    return [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]


def _diff_outputs(outputs):
    return [o for o in outputs if isinstance(o, Tensor) and o.requires_grad]


def _check_inputs(inputs):
    """PyTorch's input checks: float64 warning, no stride-0 dimensions, something to check."""
    found = False
    for idx, inp in enumerate(inputs):
        if not (isinstance(inp, Tensor) and inp.requires_grad):
            continue
        found = True
        if inp.numpy(force=True).dtype != np.float64:
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. Convert them with .double() first.",
                UserWarning,
                stacklevel=4,
            )
        arr = inp.numpy(force=True)
        # an empty input has no elements to overlap (numpy gives it zero strides)
        if arr.size and any(st == 0 and sz > 1 for st, sz in zip(arr.strides, arr.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                "inputs that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck."
            )
    if not found:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True. Set requires_grad=True on the inputs to check."
        )


def _evaluate(fn, inputs):
    """The tensor outputs of ``fn(*inputs)``, as flat float64 copies."""
    outs = _as_tuple(fn(*inputs))
    return [
        np.array(o.numpy(force=True), dtype=np.float64).reshape(-1) for o in outs if isinstance(o, Tensor)
    ]


# ----------------------------------------------------------------------------- Jacobians


def _numerical_jacobians(fn, inputs, eps):
    """``jac[j][i]``: d output i / d input j (input j counted among those requiring grad)."""
    n_outs = [o.size for o in _evaluate(fn, inputs)]
    jacobians = []
    for x in _diff_inputs(inputs):
        arr = x.numpy(force=True)
        per_output = [np.zeros((arr.size, n)) for n in n_outs]
        for row, idx in enumerate(np.ndindex(arr.shape)):
            orig = arr[idx].copy()
            arr[idx] = orig - eps
            lo = _evaluate(fn, inputs)
            arr[idx] = orig + eps
            hi = _evaluate(fn, inputs)
            arr[idx] = orig
            for jac, h, l in zip(per_output, hi, lo):
                jac[row, :] = (h - l) / (2 * eps)
        jacobians.append(per_output)
    return jacobians


def _one_hot(output, col):
    seed = np.zeros(output.numel(), dtype=output.numpy(force=True).dtype)
    seed[col] = 1
    return _from_array(seed.reshape(output.shape))


def _vjp(output, diff_inputs, grad_output, check_grad_dtypes):
    """``grad_output^T J`` for each input, checked for size and (optionally) dtype."""
    grads = _autograd_grad(output, diff_inputs, grad_output, retain_graph=True, allow_unused=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if g.shape != x.shape:
            raise GradcheckError(
                f"Analytical gradient has incorrect size: got {tuple(g.shape)} for an input of "
                f"shape {tuple(x.shape)}"
            )
        if check_grad_dtypes and g.dtype != x.dtype:
            raise GradcheckError(f"Gradient has dtype mismatch: got {g.dtype} for an input of {x.dtype}")
    return grads


def _analytical_jacobians(output, diff_inputs, check_grad_dtypes):
    """``jac[j]``: d output / d input j, built one column (output element) at a time."""
    n_out = output.numel()
    jacobians = [np.zeros((x.numel(), n_out)) for x in diff_inputs]
    for col in range(n_out):
        grads = _vjp(output, diff_inputs, _one_hot(output, col), check_grad_dtypes)
        for jac, g in zip(jacobians, grads):
            if g is not None:
                jac[:, col] = g.numpy(force=True).reshape(-1)
    return jacobians


def _check_reentrant(first, second, nondet_tol):
    for a, b in zip(first, second):
        if a.size and np.max(np.abs(a - b)) > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                f"gradient matches numerical gradient. The tolerance for nondeterminism was "
                f"{nondet_tol}: pass nondet_tol=<tol> if the op is non-deterministic on purpose."
            )


def _mismatch_message(analytical, numerical, out_idx, in_idx, col, output_shape):
    where = np.unravel_index(col, output_shape) if output_shape else ()
    return (
        f"Jacobian mismatch for output {out_idx:d} with respect to input {in_idx:d},\n"
        f"numerical:{_from_array(numerical)!r}\nanalytical:{_from_array(analytical)!r}\n\n"
        f"The first column that differs is {col} (output element {tuple(int(i) for i in where)}): "
        f"numerical {numerical[:, col].tolist()} vs analytical {analytical[:, col].tolist()}. "
        "Rows are the input's elements, columns the output's (both flattened in row-major order)."
    )


def _compare(analytical, numerical, out_idx, in_idx, output_shape, atol, rtol):
    """Column by column; raises on the first column that is not allclose."""
    for col in range(numerical.shape[1]):
        if not np.allclose(analytical[:, col], numerical[:, col], rtol=rtol, atol=atol):
            raise GradcheckError(_mismatch_message(analytical, numerical, out_idx, in_idx, col, output_shape))


# ----------------------------------------------------------------------------- the checks


def _check_no_differentiable_outputs(fn, inputs, eps):
    """With no output requiring grad, the function must not depend on the inputs."""
    for per_output in _numerical_jacobians(fn, inputs, eps):
        for jac in per_output:
            if np.any(jac != 0):
                raise GradcheckError(
                    "Numerical gradient for function expected to be zero: no output requires "
                    "grad, yet the outputs change with the inputs (was the result detached?)"
                )


def _check_mul_by_grad_output(outputs, diff_inputs):
    """A zero grad_output must give zero gradients (also how a missing one is treated)."""
    zeros = [_from_array(np.zeros(o.shape, dtype=o.numpy(force=True).dtype)) for o in outputs]
    grads = _autograd_grad(outputs, diff_inputs, zeros, retain_graph=True, allow_unused=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if np.any(g.numpy(force=True) != 0):
            raise GradcheckError(
                "backward not multiplied by grad_output: a zero grad_output gave a nonzero "
                "gradient (does backward ignore or add to its incoming gradient?)"
            )
        if g.dtype != x.dtype:
            raise GradcheckError(f"grad is incorrect type: {g.dtype} for an input of {x.dtype}")


def _slow_check(fn, inputs, outputs, diff_inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    numerical = _numerical_jacobians(fn, inputs, eps)
    differentiable = [k for k, o in enumerate(_tensor_outputs(outputs)) if o.requires_grad]
    for out_idx, k in enumerate(differentiable):
        output = _tensor_outputs(outputs)[k]
        analytical = _analytical_jacobians(output, diff_inputs, check_grad_dtypes)
        again = _analytical_jacobians(output, diff_inputs, check_grad_dtypes)
        _check_reentrant(analytical, again, nondet_tol)
        for in_idx, a in enumerate(analytical):
            _compare(a, numerical[in_idx][k], out_idx, in_idx, tuple(output.shape), atol, rtol)


def _tensor_outputs(outputs):
    return [o for o in outputs if isinstance(o, Tensor)]


def _unit(rng, shape):
    v = rng.standard_normal(shape)
    norm = np.linalg.norm(v)
    return v / norm if norm else v


def _directional_derivative(fn, inputs, x, u, eps):
    """``J u`` for every tensor output, by one central difference of input ``x`` along ``u``."""
    arr = x.numpy(force=True)
    orig = arr.copy()
    arr[...] = orig - eps * u
    lo = _evaluate(fn, inputs)
    arr[...] = orig + eps * u
    hi = _evaluate(fn, inputs)
    arr[...] = orig
    return [(h - l) / (2 * eps) for h, l in zip(hi, lo)]


def _fast_check(fn, inputs, outputs, diff_inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    rng = np.random.default_rng(0)
    tensors = _tensor_outputs(outputs)
    us = [_unit(rng, x.shape) for x in diff_inputs]
    jus = [_directional_derivative(fn, inputs, x, u, eps) for x, u in zip(diff_inputs, us)]
    differentiable = [k for k, o in enumerate(tensors) if o.requires_grad]
    for out_idx, k in enumerate(differentiable):
        output = tensors[k]
        v = _unit(rng, output.shape)
        grad_output = _from_array(v.astype(output.numpy(force=True).dtype))
        vjps = _vjp(output, diff_inputs, grad_output, check_grad_dtypes)
        for in_idx, (g, u) in enumerate(zip(vjps, us)):
            analytical = 0.0 if g is None else float(np.sum(g.numpy(force=True) * u))
            numerical = float(np.dot(v.reshape(-1), jus[in_idx][k]))
            tol = atol * np.abs(u).sum() * np.abs(v).sum()
            if not np.isclose(analytical, numerical, rtol=rtol, atol=tol):
                _slow_check(fn, inputs, outputs, diff_inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes)
                raise GradcheckError(
                    f"Jacobian mismatch for output {out_idx:d} with respect to input {in_idx:d} "
                    f"(fast mode): v^T J u is {numerical!r} numerically and {analytical!r} "
                    "analytically, although the full Jacobians agree entry by entry within "
                    "tolerance. Rerun with fast_mode=False, or loosen atol/rtol."
                )


def _reject_unsupported(**flags):
    for name, value in flags.items():
        if value:
            raise NotImplementedError(
                f"gradcheck: {name}=True needs forward-mode AD or vmap, which minigrad does not "
                f"have; leave {name}=False (the reverse-mode checks still run)"
            )


def gradcheck(
    fn,
    inputs,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_batched_forward_grad=False,
    check_forward_ad=False,
    check_backward_ad=True,
    fast_mode=False,
):
    """Check the gradients of ``fn`` at ``inputs`` against finite differences (float64).

    Args: ``fn`` takes the inputs and returns a tensor or a tuple of tensors; ``inputs`` is
    a tensor or a tuple (tensors that require grad are checked, other values are passed
    through); ``eps`` is the perturbation; an entry passes when
    ``|analytical - numerical| <= atol + rtol * |numerical|``; ``nondet_tol`` is how much two
    backward runs may differ; ``check_undefined_grad`` checks that a zero ``grad_output``
    gives zero gradients; ``check_grad_dtypes`` that gradients have their input's dtype;
    ``fast_mode`` compares random projections instead of whole Jacobians.
    ``check_backward_ad`` must stay True (the reverse-mode check); ``check_forward_ad``,
    ``check_batched_grad`` and ``check_batched_forward_grad`` are not implemented here
    (True raises NotImplementedError).
    Returns True; on a mismatch raises :class:`GradcheckError` (or returns False when
    ``raise_exception=False``). Inputs that are not float64 trigger a warning.

    >>> x = minigrad.tensor([0.5, 2.0], dtype=minigrad.float64, requires_grad=True)
    >>> minigrad.autograd.gradcheck(minigrad.log, (x,))
    True
    """
    _reject_unsupported(
        check_batched_grad=check_batched_grad,
        check_forward_ad=check_forward_ad,
        check_batched_forward_grad=check_batched_forward_grad,
    )
    if not check_backward_ad:
        raise ValueError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True; minigrad "
            "only has reverse mode, so keep check_backward_ad=True"
        )
    inputs = _as_tuple(inputs)
    try:
        _gradcheck(
            fn, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode
        )
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _gradcheck(fn, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode):
    _check_inputs(inputs)
    outputs = _as_tuple(fn(*inputs))
    diff_outputs = _diff_outputs(outputs)
    if not diff_outputs:
        _check_no_differentiable_outputs(fn, inputs, eps)
        return
    diff_inputs = _diff_inputs(inputs)
    check = _fast_check if fast_mode else _slow_check
    check(fn, inputs, outputs, diff_inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes)
    if check_undefined_grad:
        _check_mul_by_grad_output(diff_outputs, diff_inputs)


# ----------------------------------------------------------------------------- second order


def _random_grad_output(output, non_contiguous):
    """Uniform in [-1, 1) like PyTorch's, from minigrad's generator; optionally a strided view."""
    from .random import _rng

    arr = output.numpy(force=True)
    shape = arr.shape
    if non_contiguous and len(shape) > 0:
        wide = _rng().uniform(-1, 1, shape[:-1] + (2 * shape[-1],)).astype(arr.dtype)
        values = wide[..., ::2]
    else:
        values = _rng().uniform(-1, 1, shape).astype(arr.dtype)
    return _from_array(values, requires_grad=True)


def _backward_function(fn, n_grad_outputs):
    """``(inputs..., grad_outputs...) -> gradients of fn's outputs w.r.t. its inputs``."""

    def grads_of(*args):
        inputs = args[: len(args) - n_grad_outputs]
        grad_outputs = args[len(args) - n_grad_outputs :]
        outputs = _diff_outputs(_as_tuple(fn(*inputs)))
        grads = _autograd_grad(
            outputs, _diff_inputs(inputs), grad_outputs, create_graph=True, allow_unused=True
        )
        return tuple(g for g in grads if g is not None)

    return grads_of


def gradgradcheck(
    fn,
    inputs,
    grad_outputs=None,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    gen_non_contig_grad_outputs=False,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_fwd_over_rev=False,
    check_rev_over_rev=True,
    fast_mode=False,
):
    """Check second derivatives: :func:`gradcheck` of the backward pass of ``fn``.

    The backward pass is ``(inputs, grad_outputs) -> autograd.grad(fn(*inputs), inputs,
    grad_outputs, create_graph=True)``. ``grad_outputs`` defaults to random values in
    [-1, 1) (from minigrad's generator; ``gen_non_contig_grad_outputs=True`` makes them
    strided views), and then requires grad, so the check also covers the backward's
    dependence on them. ``eps``, ``atol``, ``rtol``, ``raise_exception``, ``nondet_tol``,
    ``check_undefined_grad``, ``check_grad_dtypes`` and ``fast_mode`` are as in
    :func:`gradcheck`; ``check_rev_over_rev`` must stay True; ``check_fwd_over_rev`` and
    ``check_batched_grad`` are not implemented here (True raises NotImplementedError).

    >>> x = minigrad.tensor([0.5, 2.0], dtype=minigrad.float64, requires_grad=True)
    >>> minigrad.autograd.gradgradcheck(lambda t: t ** 3, (x,))
    True
    """
    _reject_unsupported(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev)
    if not check_rev_over_rev:
        raise ValueError(
            "gradgradcheck: check_rev_over_rev=False leaves nothing to check (minigrad has no "
            "forward-over-reverse mode); keep it True"
        )
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _diff_outputs(_as_tuple(fn(*inputs)))
        grad_outputs = tuple(_random_grad_output(o, gen_non_contig_grad_outputs) for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    return gradcheck(
        _backward_function(fn, len(grad_outputs)),
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        fast_mode=fast_mode,
    )
