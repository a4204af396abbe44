"""The in-place forms ``x.<name>_`` that ``export(inplace=True)`` writes (issue 18): each names
its function's parameters, shows their signature, and carries an example of itself (the
examples themselves run in tests/test_doctests.py)."""

import inspect
import re

import pytest

import minigrad
from minigrad.ops import _core


def _generated(f):
    code = getattr(f, "__code__", None)
    return code is not None and code.co_qualname == "_inplace.<locals>.method"


GENERATED = sorted(n for n, f in _core.METHODS.items() if _generated(f))


def test_the_generated_forms_are_found():
    assert {"abs_", "clamp_", "addcmul_", "index_add_", "tril_"} <= set(GENERATED)
    assert len(GENERATED) == 81


@pytest.mark.parametrize("name", GENERATED)
def test_inplace_form_shows_its_function_signature_and_parameters(name):
    method, fn = _core.METHODS[name], _core.METHODS[name].__wrapped__
    assert inspect.signature(method) == inspect.signature(fn)
    doc = method.__doc__
    for param in inspect.signature(fn).parameters:
        assert re.search(rf"\b{param}\b", doc), (name, param)


@pytest.mark.parametrize("name", GENERATED)
def test_inplace_form_has_an_example_of_itself(name):
    doc = _core.METHODS[name].__doc__
    assert f">>> x.{name}(" in doc, f"give export(...) an inplace_example for {name}"


def test_an_inplace_example_is_what_the_declaration_gives():
    doc = minigrad.Tensor.clamp_.__doc__
    assert ">>> x = minigrad.tensor([-2.0, 0.5, 3.0])\n>>> x.clamp_(-1, 1)\n" in doc
    assert minigrad.Tensor.clip_.__doc__.count(">>> x.clip_(-1, 1)") == 1
