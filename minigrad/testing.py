"""``minigrad.testing.assert_close``: PyTorch's closeness assertion, tolerances and message.

The default tolerances depend on the dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7
both; integers and bools: exact); shapes and, unless ``check_dtype=False``, dtypes must match.
"""

import numpy as np

from ._tape import Size, Tensor

_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _as_array(x):
    if isinstance(x, Tensor):
        return x.detach()._data, f"minigrad.{x.dtype.name}"
    a = np.asarray(x)
    if a.dtype == np.float64 and not isinstance(x, np.ndarray) and not isinstance(x, float):
        a = a.astype(np.float32)  # a list of floats is a float32 tensor-like, as torch.tensor makes it
    return a, f"minigrad.{a.dtype.name}"


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True, msg=None, **_):
    """Raise AssertionError unless ``|actual - expected| <= atol + rtol * |expected|`` elementwise.

    ``actual``, ``expected``: tensors, arrays or numbers of one shape; ``rtol``, ``atol``: the
    relative and absolute tolerances (give both or neither; default: by dtype, e.g. 1.3e-6 and
    1e-5 for float32, 0 for integers); ``equal_nan``: NaN equals NaN; ``check_dtype``: require one
    dtype; ``msg``: a message replacing the default one; ``**_``: PyTorch's other keywords
    (``check_device`` ...), accepted and ignored.

    >>> minigrad.testing.assert_close(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 2.0 + 1e-7]))
    >>> minigrad.testing.assert_close(minigrad.tensor([1.0]), minigrad.tensor([1.1]), rtol=0.0, atol=0.2)
    >>> try:
    ...     minigrad.testing.assert_close(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 2.5]))
    ... except AssertionError as e:
    ...     print(str(e).splitlines()[0])
    Tensor-likes are not close!
    """
    if (rtol is None) != (atol is None):
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got rtol={rtol} and atol={atol}"
        )
    a, a_name = _as_array(actual)
    e, e_name = _as_array(expected)
    if a.shape != e.shape:
        _fail(msg, f"The values for attribute 'shape' do not match: {Size(a.shape)} != {Size(e.shape)}.")
    if check_dtype and a.dtype != e.dtype:
        _fail(msg, f"The values for attribute 'dtype' do not match: {a_name} != {e_name}.")
    if rtol is None:
        rtol, atol = max(_TOLERANCES.get(a.dtype.name, (0.0, 0.0)), _TOLERANCES.get(e.dtype.name, (0.0, 0.0)))
    exact = rtol == 0 and atol == 0
    ft = np.float64
    with np.errstate(all="ignore"):
        af, ef = a.astype(ft), e.astype(ft)
        diff = np.abs(af - ef)
        close = (af == ef) | (np.isfinite(diff) & (diff <= atol + rtol * np.abs(ef)))
        if equal_nan:
            close |= np.isnan(af) & np.isnan(ef)
        if close.all():
            return
        # PyTorch measures the differences in the inputs' float type (float32 for float32 inputs)
        # (scalars in float64)
        rt = np.dtype(ft) if a.ndim == 0 else a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
        rel = (np.abs(af.astype(rt) - ef.astype(rt)) / np.abs(ef.astype(rt))).astype(ft)
    bad = ~close
    n, total = int(bad.sum()), a.size
    diff = np.where(np.isnan(diff), np.inf, diff)
    i_abs = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), a.shape) if a.ndim else ()
    i_rel = (
        np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(rel, nan=np.inf), -1))), a.shape)
        if a.ndim
        else ()
    )
    kind = "equal" if exact else "close"
    scalar = a.ndim == 0
    head = f"Scalars are not {kind}!" if scalar else f"Tensor-likes are not {kind}!"
    lines = [head, ""]
    if scalar:
        lines.append(f"Expected {e.item()} but got {a.item()}.")
    else:
        lines.append(f"Mismatched elements: {n} / {total} ({100 * n / total:.1f}%)")
    where = lambda i: "" if scalar else f" at index {tuple(int(k) for k in i)}"  # noqa: E731
    d_abs, d_rel = _num(diff[i_abs], a.dtype), float(rel[i_rel])
    tol_abs = "" if exact else f" (up to {atol} allowed)"
    tol_rel = "" if exact else f" (up to {rtol} allowed)"
    lines.append(
        f"{'Absolute' if scalar else 'Greatest absolute'} difference: {d_abs}{where(i_abs)}{tol_abs}"
    )
    lines.append(
        f"{'Relative' if scalar else 'Greatest relative'} difference: {d_rel}{where(i_rel)}{tol_rel}"
    )
    _fail(msg, "\n".join(lines))


def _num(v, dtype):
    return int(v) if dtype.kind in "iub" and np.isfinite(v) else float(v)


def _fail(msg, text):
    raise AssertionError(msg if msg is not None else text)
