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


ROOT = CORE.parent


def _private(module, name=None):
    """Whether ``module`` (and ``name`` from it) is underscored below minigrad, other than the
    internal API, minigrad.nn/optim's own modules aside."""
    parts = module.split(".")
    if parts[0] != "minigrad" or _layer(module):
        return False
    if any(p.startswith("_") and p != "_internal" for p in parts[1:]):
        return True
    if module == "minigrad" and name == "_internal":
        return False
    return name is not None and name.startswith("_") and module != "minigrad._internal"


def _layer_files():
    for top in ("nn", "optim"):
        folder = ROOT / top if (ROOT / top).is_dir() else CORE / top  # a checkout, or installed
        yield from sorted(folder.rglob("*.py"))


def test_nn_and_optim_use_the_public_and_the_internal_api_only():
    found = []
    for path in _layer_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and not node.level
                and (node.module or "").startswith("minigrad")
            ):
                bad = [a.name for a in node.names if _private(node.module, a.name)]
                if bad or _private(node.module):
                    found.append(
                        f"{path.name}:{node.lineno} from {node.module} import {', '.join(bad) or '...'}"
                    )
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.name}:{node.lineno} import {a.name}" for a in node.names if _private(a.name)
                ]
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "minigrad"
            ):
                if _private(f"minigrad.{node.attr}"):
                    found.append(f"{path.name}:{node.lineno} minigrad.{node.attr}")
    assert not found, "nn/optim reach into the core's private names:\n" + "\n".join(found)


def test_the_private_name_rule():
    assert _private("minigrad._tape", "Tensor") and _private("minigrad.ops.nn", "_tuple")
    assert _private("minigrad.random", "_rng") and _private("minigrad._optim_kernels")
    assert not _private("minigrad._internal", "from_array") and not _private("minigrad.ops.nn", "im2col")
    assert not _private("minigrad.nn.functional", "_reduce")  # nn's own helpers
