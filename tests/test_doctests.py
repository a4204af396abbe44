"""Every ``>>>`` example in a public docstring runs, and prints what it says (issue 18).

The names are the API reference's (tools/api_reference.py ``public_objects``): each area's
page is one test. Examples see their module's globals (as under ``doctest.testmod``) and
``minigrad`` (also as ``torch``), ``nn``, ``F`` and ``np``, with the seed reset to 0 before each
docstring.
"""

import doctest
import os
import sys

import minigrad.nn.functional as F
import numpy as np
import pytest

import minigrad
from minigrad import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import api_reference  # noqa: E402

ENTRIES = api_reference.public_objects()
PAGES = sorted({page for page, _, _ in ENTRIES})
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _examples(page):
    parser = doctest.DocTestParser()
    for entry_page, name, obj in ENTRIES:
        doc = api_reference._doc(obj, name)
        if entry_page == page and ">>>" in doc:
            yield parser.get_doctest(doc, _globals(obj), name, None, 0)


def _globals(obj):
    """What doctest.testmod would give: the defining module's globals, plus the usual names."""
    target = obj.fget if isinstance(obj, property) else getattr(obj, "__func__", obj)
    module = sys.modules.get(getattr(target, "__module__", None) or "", minigrad)
    return {**vars(module), "minigrad": minigrad, "torch": minigrad, "nn": nn, "F": F, "np": np}


# pages whose examples need an optional dependency (the examples extra): skipped without it
NEEDS = {"viz": "matplotlib"}


@pytest.mark.parametrize("page", PAGES)
def test_docstring_examples_run(page, capsys):
    if page in NEEDS:
        pytest.importorskip(NEEDS[page])
    failures = []
    count = 0
    for test in _examples(page):
        if not test.examples:
            continue
        minigrad.manual_seed(0)
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        out = []
        with np.errstate(all="ignore"):
            runner.run(test, out=out.append)
        count += len(test.examples)
        if runner.failures:
            failures.append("".join(out))
    if not count:
        pytest.skip(f"no examples on the {page} page yet")
    assert not failures, f"{len(failures)} docstrings on {page} fail:\n" + "\n".join(failures)[:8000]


def test_the_reference_lists_the_core_names():
    names = {name for _, name, _ in ENTRIES}
    for expected in (
        "minigrad.Tensor.backward",
        "minigrad.tensor",
        "minigrad.exp",
        "minigrad.nn.Linear",
        "minigrad.optim.Adam",
        "minigrad.utils.data.DataLoader",
        "minigrad.func.vmap",
    ):
        assert expected in names


def test_every_area_of_the_reference_has_names():
    """Each area of the reference is read (an import error or an empty area fails, never an
    empty page that passes --strict), and running the tool as CI does finds the same names."""
    assert {page for page, *_ in api_reference.AREAS} == set(PAGES)
    rows, _ = api_reference.audit(ENTRIES)
    assert len(rows) == len(ENTRIES)
