"""tools/fuzz.py's in-process mode (issue 16): every target in one process, as check_memory.sh
runs it under valgrind; a failed example is still a finding and fails the run."""

import importlib.util
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "fuzz.py")


@pytest.fixture
def fuzz():
    spec = importlib.util.spec_from_file_location("fuzz_tool", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _planted():
    @given(n=st.integers(0, 10))
    def run(n):
        assert n < 7, "planted finding"

    return run


def test_in_process_reports_a_failed_example_as_a_finding(fuzz, capsys, monkeypatch):
    monkeypatch.setattr(fuzz, "_cap_memory", lambda: None)  # not this test process's address space
    monkeypatch.setitem(fuzz.TARGETS, "planted", _planted)
    assert fuzz.main(["--in-process", "--only", "planted,planes", "--seconds", "1", "--examples", "20"]) == 1
    out = capsys.readouterr().out
    assert "FINDING planted (round 0)" in out and "planted finding" in out
    assert "TARGET planes round 0" in out  # the run went on to the next target
    found = [line for line in out.splitlines() if line.startswith("FINDING ")]
    assert all(line.startswith("FINDING planted ") for line in found)  # each round of it fails
    assert out.splitlines()[-1].startswith("fuzz: ") and f", {len(found)} findings" in out.splitlines()[-1]


def test_in_process_gives_every_target_a_round_and_counts_its_examples(fuzz, capsys, monkeypatch):
    monkeypatch.setattr(fuzz, "_cap_memory", lambda: None)
    assert (
        fuzz.main(["--in-process", "--only", "planes,elementwise", "--seconds", "0", "--examples", "10"]) == 0
    )
    out = capsys.readouterr().out
    assert "planes: " in out and "elementwise: " in out and "in 1 rounds" in out
    assert ", 0 findings" in out.splitlines()[-1]
