"""The layers sit on the core, never the other way round (issue 18): no module of the
``minigrad`` package imports ``minigrad.nn`` or ``minigrad.optim`` (by any spelling) or
reaches them as ``minigrad.nn.X`` in code, so the engine, the op table, autograd, func, utils,
linalg and distributions stand without them."""

import ast
import pathlib

import minigrad

CORE = pathlib.Path(minigrad.__file__).parent
LAYERS = ("minigrad.nn", "minigrad.optim")


def _package(path):
    rel = path.relative_to(CORE.parent).with_suffix("")
    return list(rel.parts[:-1])


def _uses(source, package):
    """(line, module) for every import, relative ones resolved in ``package``, and for every
    ``minigrad.<name>.<attr>`` attribute chain in the code (docstrings and strings aside)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "minigrad"
        ):
            yield node.lineno, f"minigrad.{node.attr}"


def _layer(module):
    return any(module == layer or module.startswith(layer + ".") for layer in LAYERS)


def test_the_core_never_imports_nn_or_optim():
    found = [
        f"{path.relative_to(CORE.parent)}:{line} uses {module}"
        for path in sorted(CORE.rglob("*.py"))
        for line, module in _uses(path.read_text(), _package(path))
        if _layer(module)
    ]
    assert not found, "\n".join(found)


def test_the_scan_sees_each_spelling():
    # the check above can fail: each way of reaching nn is seen
    for source, package in [
        ("from .nn import functional\n", ["minigrad"]),
        ("from ..nn import Linear\n", ["minigrad", "ops"]),
        ("import minigrad.optim\n", ["minigrad"]),
        ("import minigrad\nx = minigrad.nn.Parameter\n", ["minigrad"]),
    ]:
        assert any(_layer(m) for _, m in _uses(source, package)), source
    assert not any(
        _layer(m) for _, m in _uses('"""minigrad.nn.Linear"""\nfrom .ops import nn\n', ["minigrad"])
    )
