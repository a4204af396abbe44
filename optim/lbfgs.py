"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure.

Unlike the other optimizers, one ``step(closure)`` runs up to ``max_iter`` iterations, each
calling ``closure()`` (which zeroes the gradients, computes the loss and calls backward) at
least once. The parameters are seen as one flat vector (all groups' parameters, in order);
the state lives with the first parameter, under PyTorch's keys, so a PyTorch LBFGS state
dict loads here. The work is a handful of dot products over that vector per iteration, so
it is plain numpy (no fused kernel: nothing elementwise to fuse).
"""

import numpy as np

from minigrad import enable_grad

from .optimizer import Optimizer


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped
    to ``bounds`` (default: between x1 and x2); the middle of the bounds if it has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    square = d1 * d1 - g1 * g2
    if square < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(square)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d satisfying the strong Wolfe conditions: sufficient decrease
    f(t) <= f + c1 t gtd and curvature |g(t).d| <= -c2 gtd. First grow t (cubic steps
    extrapolated up to 10x) until a bracket holds a minimum, then shrink the bracket by
    safeguarded cubic interpolation ("zoom", Nocedal & Wright, Alg. 3.5/3.6).
    Returns (f(t), g(t), t, number of evaluations)."""
    d_norm = np.abs(d).max()
    f_new, g_new = evaluate(t)
    evals, ls_iter = 1, 0
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    while ls_iter < max_ls:
        # in this order: no sufficient decrease, the Wolfe point itself, an uphill slope
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, fs, gs, gtds = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, fs, gs, gtds, done = [t], [f_new], [g_new], [gtd_new], True
            break
        if gtd_new >= 0:
            bracket, fs, gs, gtds = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        step = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev, t = t, f_new, g_new, gtd_new, step
        f_new, g_new = evaluate(t)
        gtd_new = float(g_new.dot(d))
        evals, ls_iter = evals + 1, ls_iter + 1
    if ls_iter == max_ls:  # no bracket found: take the last trial step
        bracket, fs, gs, gtds = [0.0, t], [f, f_new], [g, g_new], [gtd, gtd_new]

    insufficient = False
    low, high = (0, 1) if fs[0] <= fs[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], fs[0], gtds[0], bracket[1], fs[1], gtds[1])
        # safeguard: a step too close to an end makes no progress; move it 10% inside
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        gtd_new = float(g_new.dot(d))
        evals, ls_iter = evals + 1, ls_iter + 1
        if f_new > f + c1 * t * gtd or f_new >= fs[low]:
            bracket[high], fs[high], gs[high], gtds[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if fs[0] <= fs[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], fs[high], gs[high], gtds[high] = bracket[low], fs[low], gs[low], gtds[low]
            bracket[low], fs[low], gs[low], gtds[low] = t, f_new, g_new, gtd_new
    return fs[low], gs[low], bracket[low], evals


def _direction(g, dirs, steps, ro, h_diag, al):
    """-H g for the L-BFGS inverse-Hessian estimate H (two-loop recursion)."""
    q = -g
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = float(steps[i].dot(q)) * ro[i]
        q -= al[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        r += (al[i] - float(dirs[i].dot(r)) * ro[i]) * steps[i]
    return r


def _value(v):
    """A loaded state entry as numpy / Python values (PyTorch keeps tensors and 0-d tensors)."""
    if isinstance(v, list):
        return [_value(x) for x in v]
    if hasattr(v, "numpy") or isinstance(v, np.ndarray):
        a = np.array(v.detach().numpy() if hasattr(v, "detach") else getattr(v, "_data", v), copy=True)
        return a.item() if a.ndim == 0 else a
    return v


class LBFGS(Optimizer):
    r"""L-BFGS (Liu & Nocedal), as PyTorch's ``optim.LBFGS`` (after minFunc)::

        loss, g = closure(), flat gradient;  stop if max|g| <= tolerance_grad
        repeat up to max_iter times:
            if first ever iteration: d = -g, history empty, H_diag = 1
            else: y = g - g_prev;  s = t d;  if y.s > 1e-10: keep (y, s, 1 / y.s) (last
                  history_size pairs), H_diag = y.s / y.y;  d = -H g (two-loop recursion)
            t = lr * min(1, 1 / sum|g|) on the first ever iteration, else lr
            stop if g.d > -tolerance_change (not a descent direction)
            line_search_fn None: p += t d, then re-evaluate (except on the last iteration);
                           "strong_wolfe": t from a strong-Wolfe line search, p += t d
            stop after max_eval evaluations, or if max|g| <= tolerance_grad, or
                 max|t d| <= tolerance_change, or |loss - prev_loss| < tolerance_change

    ``step(closure)`` returns the loss of the first evaluation. State (of the first
    parameter): ``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``,
    ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``.

    ``params``: the tensors to optimise (or ``(name, tensor)`` pairs, or dicts: param groups
    with their own options) (one group only); ``lr``: the step length (default 1);
    ``max_iter``: iterations per ``step`` (default 20); ``max_eval``: closure evaluations
    per step (default max_iter * 5 / 4); ``tolerance_grad``, ``tolerance_change``: the
    stopping thresholds above (defaults 1e-7, 1e-9); ``history_size``: the (y, s) pairs kept
    (default 100); ``line_search_fn``: None or ``'strong_wolfe'``.

    >>> w = minigrad.tensor([1.5, -0.5], requires_grad=True)
    >>> opt = minigrad.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()]
    [1.0, 1.0]
    """

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        if isinstance(lr, (int, float)) and not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError(f"only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}")
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # -- the parameters as one flat vector ---------------------------------------------
    def _flat_grad(self):
        parts = [
            np.zeros(p._data.size, p._data.dtype) if p.grad is None else p.grad._data.reshape(-1)
            for p in self._params
        ]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _add(self, t, d):
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data[...] += (
                (t * d[offset : offset + n]).reshape(p._data.shape).astype(p._data.dtype, copy=False)
            )
            p._bump_version()
            offset += n

    def _set(self, values):
        for p, v in zip(self._params, values):
            p._data[...] = v
            p._bump_version()

    def _evaluate(self, closure):
        with enable_grad():
            loss = float(closure())
        return loss, self._flat_grad()

    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` re-evaluates the model and
        returns the loss (it must zero the gradients and call backward)."""
        if not callable(closure):
            raise TypeError(
                "LBFGS.step() requires a closure that re-evaluates the model and returns the loss"
            )
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            first_loss = closure()
        loss, g = float(first_loss), self._flat_grad()
        evals = 1
        state["func_evals"] += 1
        if np.abs(g).max(initial=0) <= tol_grad:
            return first_loss

        d, t = state.get("d"), state.get("t")
        dirs, steps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, g_prev, loss_prev = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, dirs, steps, ro, h_diag = -g, [], [], [], 1.0
            else:
                y, s = g - g_prev, d * t
                ys = float(y.dot(s))
                if ys > 1e-10:  # keep the pair only if it keeps H positive definite
                    if len(dirs) == history:
                        dirs.pop(0), steps.pop(0), ro.pop(0)
                    dirs.append(y), steps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / float(y.dot(y))
                al = state.setdefault("al", [None] * history)
                d = _direction(g, dirs, steps, ro, h_diag, al)
            g_prev, loss_prev = g.copy(), loss
            t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(g.dot(d))
            if gtd > -tol_change:
                break

            if group["line_search_fn"] == "strong_wolfe":
                start = [p._data.copy() for p in self._params]

                def along(step, start=start, d=d):
                    self._add(step, d)
                    result = self._evaluate(closure)
                    self._set(start)
                    return result

                loss, g, t, ls_evals = _strong_wolfe(along, t, d, loss, g, gtd)
                self._add(t, d)
            else:
                self._add(t, d)
                ls_evals = 0
                if n_iter != max_iter:  # the last iteration's loss is the next step's first
                    loss, g = self._evaluate(closure)
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or evals >= max_eval or np.abs(g).max(initial=0) <= tol_grad:
                break
            if np.abs(d * t).max(initial=0) <= tol_change or abs(loss - loss_prev) < tol_change:
                break

        state.update(d=d, t=t, old_dirs=dirs, old_stps=steps, ro=ro, H_diag=h_diag)
        state.update(prev_flat_grad=g_prev, prev_loss=loss_prev)
        return first_loss

    # -- state dicts (flat vectors and lists of them: no per-parameter shapes) ---------
    def state_dict(self):
        """PyTorch's layout: the whole state under parameter 0, vectors as copied arrays."""
        out = super().state_dict()
        out["state"] = {i: {k: _value(v) for k, v in entry.items()} for i, entry in out["state"].items()}
        return out

    def load_state_dict(self, state_dict):
        """Restore a state dict saved by this class or by PyTorch's ``optim.LBFGS``."""
        state = state_dict["state"]
        plain = {k: v for k, v in state_dict.items() if k != "state"}
        super().load_state_dict({**plain, "state": {}})
        dtype = self._params[0]._data.dtype if self._params else np.float32
        for index, entry in state.items():
            values = {k: _value(v) for k, v in entry.items()}
            for k in ("d", "prev_flat_grad"):
                if isinstance(values.get(k), np.ndarray):
                    values[k] = values[k].astype(dtype)
            for k in ("old_dirs", "old_stps"):
                if k in values:
                    values[k] = [np.asarray(v, dtype) for v in values[k]]
            self.state[self._params[index]] = values
        self._params = self.param_groups[0]["params"]
