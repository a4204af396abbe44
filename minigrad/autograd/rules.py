"""The derivative rules of the op table as text: ``tanh: grad_x = grad_out * (1 - out²)``.

The text is read from the op table itself, never from a second list: the source of each
derivative formula of an ``Op`` (the lambdas in ``minigrad/ops/*.py``) is found in its
module's syntax tree, the op vocabulary (``mul``, ``sub``, ``div``, ...) is turned back into
operators, one-expression helpers such as ``_tanh_backward`` are inlined, and ``g`` (the
gradient arriving at the node) is written ``grad_out``. A formula this cannot read (a helper
with statements) keeps its call as written: ``_pow_da(grad_out, a, b)``.
"""

import ast
import functools
import inspect
import sys

__all__ = ["rule_text", "op_of"]

_OPERATORS = {
    "add": ast.Add,
    "sub": ast.Sub,
    "mul": ast.Mult,
    "div": ast.Div,
    "matmul": ast.MatMult,
    "pow": ast.Pow,
}
_GRAD_OUT = "grad_out"
# helpers that only tie a gradient to an input for second derivatives (the value is their
# first argument): shown as that argument
_TIES = ("_reading",)


def op_of(node):
    """The ``Op`` (op-table entry) that recorded ``node``, or None (custom Functions)."""
    from .._tape_view import _op_of

    return _op_of(node)


def rule_text(op):
    """One line per input with a derivative: ``grad_<input> = <formula>``, prefixed by the
    op's name on the first line."""
    lines = []
    for i, deriv in enumerate(op.derivs):
        if deriv is None:
            continue
        params = deriv.__code__.co_varnames[: deriv.__code__.co_argcount]
        lines.append(f"grad_{params[1 + i]} = {formula_text(deriv)}")
    return [f"{op.name}: {lines[0]}"] + lines[1:] if lines else [f"{op.name}: (no gradient)"]


@functools.lru_cache(maxsize=None)
def formula_text(fn):
    """The body of a derivative formula as infix text (see the module docstring)."""
    tree = _lambda_ast(fn)
    if tree is None:  # a helper with statements: shown as its call
        params = fn.__code__.co_varnames[: fn.__code__.co_argcount]
        return f"{fn.__name__}({', '.join(_GRAD_OUT if p == 'g' else p for p in params)})"
    body = _Infix(fn.__globals__).visit(_rename(tree.body, {"g": ast.Name(_GRAD_OUT)}))
    return ast.unparse(ast.fix_missing_locations(body)).replace(" ** 2", "²")


@functools.lru_cache(maxsize=None)
def _module_tree(path):
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read())


@functools.lru_cache(maxsize=None)
def _module_lambdas(path):
    return [n for n in ast.walk(_module_tree(path)) if isinstance(n, (ast.Lambda, ast.FunctionDef))]


def _assigned_lambda(path, name):
    """``name = Kernel(..., lambda ...: ...)`` at the top of a module: that lambda (how the
    fused unary backwards declare their composed formula)."""
    for stmt in _module_tree(path).body:
        if (
            isinstance(stmt, ast.Assign)
            and [getattr(t, "id", None) for t in stmt.targets] == [name]
            and isinstance(stmt.value, ast.Call)
            and stmt.value.args
            and isinstance(stmt.value.args[-1], ast.Lambda)
        ):
            return stmt.value.args[-1]
    return None


def _lambda_ast(fn):
    """The ast.Lambda (or single-return FunctionDef, as a Lambda) that defines ``fn``."""
    try:
        path = inspect.getsourcefile(fn)
    except TypeError:
        return None
    if path is None:
        return None
    code = fn.__code__
    if code.co_name != "<lambda>":
        for node in _module_lambdas(path):
            if isinstance(node, ast.FunctionDef) and node.name == code.co_name:
                body = [s for s in node.body if not _is_docstring(s)]
                if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value:
                    return ast.Lambda(node.args, body[0].value)
        return None
    starts = [(line, col) for line, _, col, _ in code.co_positions() if line is not None and col]
    if not starts:
        return None
    for node in _module_lambdas(path):
        if isinstance(node, ast.Lambda) and (node.body.lineno, node.body.col_offset) == min(starts):
            return node
    return None


def _is_docstring(stmt):
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _rename(tree, names):
    """A copy of ``tree`` with each Name in ``names`` replaced by its expression."""

    class Sub(ast.NodeTransformer):
        def visit_Name(self, node):
            return names.get(node.id, node)

    return Sub().visit(_copy(tree))


def _copy(tree):
    return ast.parse(ast.unparse(tree), mode="eval").body


class _Infix(ast.NodeTransformer):
    """Op-vocabulary calls to operators; one-expression helpers inlined."""

    def __init__(self, scope):
        self.scope = scope

    def visit_Call(self, node):
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in _OPERATORS and len(node.args) == 2 and not node.keywords:
            a, b = node.args
            if name == "mul" and ast.dump(a) == ast.dump(b):
                return ast.BinOp(a, ast.Pow(), ast.Constant(2))
            return ast.BinOp(a, _OPERATORS[name](), b)
        if name in _TIES and node.args:
            return node.args[0]
        if name == "neg" and len(node.args) == 1:
            return ast.UnaryOp(ast.USub(), node.args[0])
        helper = self._inline(name, node.args) if name and not node.keywords else None
        return node if helper is None else helper

    def _inline(self, name, args):
        target = self.scope.get(name)
        if hasattr(target, "__code__"):
            tree, scope = _lambda_ast(target), target.__globals__
        elif target is not None and self.scope.get("__file__"):  # e.g. a K.FusedBackward
            tree, scope = _assigned_lambda(self.scope["__file__"], name), self.scope
        else:
            return None
        if tree is None or any(
            isinstance(n, ast.IfExp) or (isinstance(n, ast.Name) and n.id in ("isinstance", "apply"))
            for n in ast.walk(tree.body)
        ):
            return None
        params = [a.arg for a in tree.args.args]
        if len(params) != len(args):
            return None
        body = _rename(tree.body, dict(zip(params, args)))
        return _Infix(scope).visit(body)


def _loaded_ops():
    """Every Op in the loaded op-table modules (for tests and listings)."""
    from .._tape import Op

    for name, module in list(sys.modules.items()):
        if name.startswith("minigrad.ops") and module is not None:
            for value in vars(module).values():
                if isinstance(value, Op):
                    yield value
