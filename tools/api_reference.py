"""The API reference: every public name of minigrad, by area, read from the code itself.

    python tools/api_reference.py [--out build/api] [--strict]

Writes one HTML page per area (Tensor, creation, ops, autograd, nn, optim, utils, viz, ...)
and an index into ``--out``, each name with its signature and docstring, and prints the
coverage: names, names with a docstring, with their parameters described, with an example.
``--strict`` (CI) exits 1 on any warning: a public name without a docstring, or one whose
signature cannot be read. The ``>>>`` examples themselves run in tests/test_doctests.py,
from the same list of names (``public_objects``).

The public names are the modules' ``__all__`` where they declare one, and otherwise their
names without a leading underscore that are not modules; a name re-exported by several areas
is documented in the first one listed in AREAS.
"""

import argparse
import ast
import html
import importlib
import inspect
import os
import re
import sys
import types

# area page -> (title, module path, what to take from it)
AREAS = [
    ("tensor", "Tensor", "minigrad", "Tensor"),
    ("creation", "Creating tensors, random numbers, files, devices", "minigrad", "creation"),
    ("ops", "Operations (minigrad.*)", "minigrad", None),
    ("linalg", "minigrad.linalg", "minigrad.linalg", None),
    ("autograd", "minigrad.autograd", "minigrad.autograd", None),
    ("autograd_functional", "minigrad.autograd.functional", "minigrad.autograd.functional", None),
    ("forward_ad", "minigrad.autograd.forward_ad", "minigrad.autograd.forward_ad", None),
    ("func", "minigrad.func", "minigrad.func", None),
    ("nn", "minigrad.nn", "minigrad.nn", None),
    ("nn_functional", "minigrad.nn.functional", "minigrad.nn.functional", None),
    ("nn_init", "minigrad.nn.init", "minigrad.nn.init", None),
    ("nn_utils", "minigrad.nn.utils", "minigrad.nn.utils", None),
    ("optim", "minigrad.optim", "minigrad.optim", None),
    ("lr_scheduler", "minigrad.optim.lr_scheduler", "minigrad.optim.lr_scheduler", None),
    ("swa_utils", "minigrad.optim.swa_utils", "minigrad.optim.swa_utils", None),
    ("utils_data", "minigrad.utils.data", "minigrad.utils.data", None),
    ("utils_checkpoint", "minigrad.utils.checkpoint", "minigrad.utils.checkpoint", None),
    ("distributions", "minigrad.distributions", "minigrad.distributions", None),
    ("testing", "minigrad.testing", "minigrad.testing", None),
    ("viz", "minigrad.viz", "minigrad.viz", None),
]

# dtype objects and other constants: documented by their type, not one by one
_CONSTANT_TYPES = (int, float, str, bool, tuple, list, dict, set, frozenset, type(None))

# minigrad.* names on the creation page: those defined in these modules (the rest is "ops")
_CREATION = (
    "minigrad._creation",
    "minigrad.random",
    "minigrad._sampling",
    "minigrad._interop",
    "minigrad.serialization",
    "minigrad._device",
    "minigrad._dtype_rules",
    "minigrad._dtypes",
)


def _names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return [n for n in names if not isinstance(getattr(module, n, None), types.ModuleType)]


def _is_documentable(obj):
    return not isinstance(obj, _CONSTANT_TYPES) and not type(obj).__name__ == "dtype"


def public_objects():
    """[(area, qualified name, object)] for every public name, each object once."""
    seen, out = set(), []
    for page, _, modname, attr in AREAS:
        module = importlib.import_module(modname)  # minigrad not importable: an error, not 0 names
        if attr == "creation":
            for n in _names(module):
                obj = getattr(module, n)
                if (
                    getattr(obj, "__module__", None) in _CREATION
                    and id(obj) not in seen
                    and _is_documentable(obj)
                ):
                    seen.add(id(obj))
                    out.append((page, f"{modname}.{n}", obj))
            continue
        if attr is not None:  # a class: its public members
            cls = getattr(module, attr)
            out.append((page, f"{modname}.{attr}", cls))
            members = [n for n in dir(cls) if not n.startswith("_")]
            for n in members:
                obj = inspect.getattr_static(cls, n)
                out.append((page, f"{modname}.{attr}.{n}", obj))
            seen.add(id(cls))  # its methods may also be functions (minigrad.exp): listed there too
            continue
        for n in _names(module):
            obj = getattr(module, n)
            if id(obj) in seen or not _is_documentable(obj):
                continue
            seen.add(id(obj))
            out.append((page, f"{modname}.{n}", obj))
    return out


def _unwrapped(obj):
    return obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj


def _doc(obj, name=None):
    target = _unwrapped(obj)
    doc = getattr(target, "__doc__", None)
    if doc and not isinstance(obj, type) and doc == getattr(type(target), "__doc__", None):
        # an instance inheriting its type's docstring says nothing about itself: its own is
        # the string literal after its assignment, if any (Sphinx's convention for module data)
        return _attribute_doc(name, obj) if name else ""
    return inspect.cleandoc(doc) if doc else ""


def _attribute_doc(name, obj):
    """The docstring literal right after ``attr = ...`` at the top level of the module named
    by ``name`` or of the module defining ``obj``'s type (``default_generator``)."""
    attr = name.rsplit(".", 1)[-1]
    for modname in (name.rsplit(".", 1)[0], type(obj).__module__):
        try:
            source = inspect.getsource(importlib.import_module(modname))
        except (ImportError, OSError, TypeError):
            continue
        body = ast.parse(source).body
        for stmt, after in zip(body, body[1:]):
            targets = [t.id for t in getattr(stmt, "targets", []) if isinstance(t, ast.Name)]
            literal = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            if attr in targets and literal and isinstance(after.value.value, str):
                return inspect.cleandoc(after.value.value)
    return ""


def _signature(obj):
    target = _unwrapped(obj)
    if inspect.isdatadescriptor(target) or not callable(target):  # properties, attributes, objects
        return ""
    try:
        return str(inspect.signature(target))
    except (TypeError, ValueError):
        doc = getattr(target, "__doc__", "") or ""
        m = re.match(r"\w+(\(.*?\))", doc)  # Cython's embedded signature, "name(args)"
        if m:
            return m.group(1)
        return "" if isinstance(target, type) else None  # a class built on a C type (an exception)


def _parameters(obj, sig):
    """The parameter names a docstring should mention (self, *args, **kwargs aside): the
    names at the top level of the signature's parentheses, not inside a default value (a
    default of ``(1e-06, 50)`` is not two parameters)."""
    if not sig:
        return []
    names, depth, quote, start = [], 0, None, True
    for i, ch in enumerate(sig):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
            start = depth == 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 1:
            start = True
        elif start and depth == 1 and not ch.isspace() and ch != "*":
            m = re.match(r"\w+", sig[i:])
            if m and not sig[i].isdigit():
                names.append(m.group())
            start = False
    return [p for p in names if p not in ("self", "cls", "args", "kwargs")]


def audit(entries):
    """Per name: (has docstring, parameters all mentioned, has example); and warnings."""
    rows, warnings = [], []
    for page, name, obj in entries:
        doc, sig = _doc(obj, name), _signature(obj)
        if not doc:
            warnings.append(f"{name}: no docstring")
        if sig is None:
            warnings.append(f"{name}: no readable signature")
        params = _parameters(obj, sig)
        described = all(re.search(rf"\b{re.escape(p)}\b", doc) for p in params)
        rows.append((page, name, obj, doc, sig or "", bool(doc), described, ">>>" in doc))
    return rows, warnings


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title} - minigrad API</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
pre{{background:#f6f6f6;padding:.6em;overflow-x:auto}}code.sig{{font-size:1.05em}}
h3{{margin-bottom:.2em;border-top:1px solid #ddd;padding-top:.8em}}</style></head>
<body><p><a href="index.html">minigrad API</a></p><h1>{title}</h1>
{body}</body></html>
"""


def write_pages(rows, out):
    os.makedirs(out, exist_ok=True)
    by_page = {}
    for row in rows:
        by_page.setdefault(row[0], []).append(row)
    index = []
    for page, title, _, _ in AREAS:
        if page not in by_page:
            continue
        items = sorted(by_page[page], key=lambda r: r[1].lower())
        toc = ", ".join(
            f'<a href="#{html.escape(r[1])}">{html.escape(r[1].rsplit(".", 1)[-1])}</a>' for r in items
        )
        body = [f"<p>{toc}</p>"]
        for _, name, obj, doc, sig, *_ in items:
            short = name.rsplit(".", 1)[-1]
            kind = "class " if isinstance(obj, type) else ""
            body.append(
                f'<h3 id="{html.escape(name)}"><code class="sig">{kind}{html.escape(short + sig)}</code></h3>'
                f"<p><small>{html.escape(name)}</small></p><pre>{html.escape(doc)}</pre>"
            )
        with open(os.path.join(out, f"{page}.html"), "w") as f:
            f.write(_PAGE.format(title=html.escape(title), body="\n".join(body)))
        index.append(f'<li><a href="{page}.html">{html.escape(title)}</a> ({len(items)} names)</li>')
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(_PAGE.format(title="minigrad API reference", body="<ul>" + "\n".join(index) + "</ul>"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join("build", "api"))
    ap.add_argument("--strict", action="store_true", help="exit 1 on any warning (CI)")
    args = ap.parse_args(argv)
    rows, warnings = audit(public_objects())
    write_pages(rows, args.out)
    n = len(rows)
    docs, params, examples = (sum(r[i] for r in rows) for i in (5, 6, 7))
    for w in warnings:
        print("warning:", w)
    print(
        f"api reference: {n} names on {len({r[0] for r in rows})} pages in {args.out}; "
        f"docstring {docs}/{n}, parameters described {params}/{n}, example {examples}/{n}; "
        f"{len(warnings)} warnings"
    )
    if not rows:  # nothing read is a failure, never an empty "0 warnings" pass
        print("error: no public names found: is minigrad importable from here?")
        return 1
    return 1 if args.strict and warnings else 0


if __name__ == "__main__":
    # run as a script, sys.path[0] is tools/: the project root is where minigrad lives
    sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
