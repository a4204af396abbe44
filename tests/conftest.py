"""Every test starts with recorded nodes hidden from the cyclic garbage collector, as a fresh
process does (``_tape.py``'s "Garbage collection"): the first hook or create_graph backward of
one test would otherwise switch hiding off for all the tests after it."""

import pytest

from minigrad import _tape


@pytest.fixture(autouse=True)
def _fresh_gc_hiding():
    _tape._set_gc_hiding(True)
    yield
