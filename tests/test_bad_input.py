"""Bad input is harmless (issue 8): a table-driven walk of every public op with a catalogue of
bad inputs (``tests/bad_input_catalogue.py``: None, strings, plain lists, a torch tensor, int
and bool tensors, empty and wrongly shaped tensors, 0-d tensors, dims out of range, indices
and class labels past the end, lr=nan, ...).

Each (op, bad input) pair must either
* raise TypeError / ValueError / IndexError / RuntimeError / NotImplementedError (or a
  subclass) whose message names the op or says what was expected, or
* succeed where PyTorch (the oracle, when installed) also succeeds on the same call,
and must never take the interpreter down: each chunk of the catalogue runs in its own
subprocess, so a segfault fails that chunk's test (naming the case that was running) instead
of killing the test run. Warnings count as failures, as everywhere in this suite.
"""

import json
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import bad_input_catalogue as C  # noqa: E402
from child_process import run_python  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# A message "says what was expected" when it uses words like these (or names the op).
EXPECTATION = re.compile(
    r"expect|must|should|only|out of (bounds|range)|invalid|not supported|not implemented|cannot|can't|"
    r"unsupported|needs?\b|requires?|allowed|mismatch|match|at least|at most|positive|negative|"
    r"greater|smaller|less than|larger|between|in range|valid|wrong|too (big|small|large)|"
    r"could not|does not|is not|are not|not a|no attribute|different|too many|missing|has no",
    re.IGNORECASE,
)

# Known classes of lenient or unclear handling, found by this catalogue (issue 8) and left
# for a wider change than a local check; each is (name, why it is accepted for now, predicate
# on (case id, minigrad's outcome, PyTorch's outcome)). A case that matches none of them and
# is not acceptable fails. The report of issue 8 lists the counts and the proposed fixes.
_PY_VALUES = (
    "=None",
    "=str",
    "=list",
    "list_bound",
    "fill_None",
    "fill_list",
    "not_a_list",
    "steps_float",
    "float_features",
    "arange:None",
    "creation:zeros:float",
    "creation:ones:float",
    "creation:empty:float",
    "creation:rand:float",
    "creation:randn:float",
    "randperm:float",
)
KNOWN = [
    (
        "attribute_error_for_a_non_tensor",
        "function-form ops read .shape/.ndim/._data of their first argument before checking that it is a "
        "Tensor, so None/str/list/a torch tensor raise AttributeError instead of TypeError (no crash); "
        "fix: one type check per public wrapper",
        lambda cid, r, theirs: (
            r["kind"] == "raised" and r["type"] == "AttributeError" and "object has no attribute" in r["msg"]
        ),
    ),
    (
        "int_or_bool_tensor_accepted",
        "minigrad computes int/bool inputs in float32 (or keeps the int dtype) where PyTorch refuses some "
        "dtypes (abs/floor of bool, matmul/linear of ints, sub of bools, rand_like of ints, ...)",
        lambda cid, r, theirs: (
            r["kind"] == "ok" and cid.endswith(("=int_tensor", "=bool_tensor", "float64_input", "target_int"))
        ),
    ),
    (
        "plain_python_value_coerced",
        "numpy coercion lets some ops accept a plain list, None or a float size where PyTorch "
        "raises TypeError",
        lambda cid, r, theirs: (
            r["kind"] == "ok" and theirs == "TypeError" and any(k in cid for k in _PY_VALUES)
        ),
    ),
    (
        "foreign_tensor_converted",
        "a torch tensor reaching numpy through __array__ is converted (or numpy warns about its "
        "__array_wrap__) instead of a TypeError",
        lambda cid, r, theirs: (
            cid.endswith("=foreign_tensor")
            and (r["kind"] == "ok" or (r["kind"] == "warning" and r["type"] == "DeprecationWarning"))
        ),
    ),
]

# Single cases found by this catalogue and reported on issue 8 (open: each needs a check in
# its op, not a change here). Remove an entry when its op is fixed: the test then guards it.
KNOWN_CASES = {
    # kept on purpose: the mapping protocol's KeyError carries the missing key as its only argument
    "nn-layer:ModuleDict:ctor_missing_key": (
        "ModuleDict()['a'] raises KeyError('a'), as a dict (and PyTorch) does"
    ),
    # kept on purpose (issue 12): torch.utils.data raises these types, and code written for it may catch them
    "data:default_collate:missing_key": "a sample without a key of sample 0 raises KeyError, as in PyTorch",
    "data:TensorDataset:size_mismatch": "AssertionError('Size mismatch between tensors'), as in PyTorch",
    "data:TensorDataset:arg0=empty": "AssertionError('Size mismatch between tensors'), as in PyTorch",
    "data:ConcatDataset:empty": "AssertionError('datasets should not be an empty iterable'), as in PyTorch",
    "data:ConcatDataset:of_an_iterable_dataset": "AssertionError('ConcatDataset does not support ...')",
}

try:
    import torch
except ImportError:  # pragma: no cover - CI installs torch
    torch = None

CASES = {c.id: c for c in C.all_cases()}


def _names(case):
    spec = case.spec
    names = {spec.name, spec.name.rstrip("_"), *spec.names}
    names |= {n.replace("_", "") for n in list(names)}
    return {n.lower() for n in names if n}


def _torch_outcome(case):
    """PyTorch's outcome of the same call: "ok", or the class name of what it raised or warned."""
    if torch is None:
        return None
    result = C.run_case(case, torch)
    return "ok" if result["kind"] == "ok" else result["type"]


# PyTorch's answers where the judgment needs the oracle, recorded so that the suite judges the
# same way without torch installed (issue 17: a missing torch was read as torch's answer). Each is
# (case id pattern, minigrad's outcome type, a fragment of its message, PyTorch's outcome); with
# torch installed, judge() checks every recorded answer that applies against the live one.
RECORDED = (
    (
        r":(mse_loss|l1_loss|huber_loss|smooth_l1_loss|MSELoss|L1Loss|HuberLoss|SmoothL1Loss):",
        "UserWarning",
        "Using a target size",
        "UserWarning",
    ),
    (r":(kl_div|KLDivLoss):", "UserWarning", "reduction: 'mean' divides", "UserWarning"),
    (r"^optim:\w+:group_without_params$", "KeyError", "'params'", "KeyError"),
    (r":([Dd]ropout[23]d):arg0=0d$", "UserWarning", "Received a 0-D input", "UserWarning"),
)


def _recorded(result):
    for pattern, kind, fragment, theirs in RECORDED:
        if re.search(pattern, result["id"]) and result.get("type") == kind and fragment in result["msg"]:
            return theirs
    return None


def judge(result):
    """(problems, known class) for one case's outcome; no problems means acceptable."""
    case = CASES[result["id"]]
    kind = result["kind"]
    recorded = _recorded(result) if kind != "ok" else None
    theirs = _torch_outcome(case) if torch is not None else recorded
    problems = []
    if torch is not None and recorded is not None and recorded != theirs:
        problems.append(
            f"the recorded PyTorch answer {recorded} is not PyTorch's ({theirs}): update RECORDED"
        )
    if kind == "warning":
        if theirs != result["type"]:  # PyTorch gives the same warning (e.g. mse_loss's size warning)
            problems.append(f"emitted {result['type']} (PyTorch: {theirs}): {result['msg']}")
    elif kind == "raised":
        if (
            not any(k in result["mro"] for k in C.ALLOWED) and result["type"] != theirs
        ):  # e.g. KeyError of a dict
            problems.append(f"raised {result['type']} (not one of {', '.join(C.ALLOWED)}): {result['msg']}")
        msg = result["msg"].lower()
        if not msg.strip() or not (
            any(n in msg.replace("_", "") or n in msg for n in _names(case)) or EXPECTATION.search(msg)
        ):
            problems.append(
                f"message neither names the op nor says what was expected: "
                f"{result['type']}: {result['msg']!r}"
            )
    elif theirs not in (None, "ok", "AttributeError") and not theirs.endswith("Warning"):
        problems.append(f"succeeded where PyTorch raises {theirs}")
    if problems and result["id"] in KNOWN_CASES:
        return [], "single_case"
    if problems:
        for name, _, matches in KNOWN:
            if matches(result["id"], result, theirs):
                return [], name
    return problems, None


def run_chunk(chunk):
    """Run one chunk in a subprocess: (results, returncode, last case started, stderr tail)."""
    proc = run_python([os.path.join(HERE, "bad_input_catalogue.py"), "--chunk", chunk], timeout=300)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    started = [line[6:] for line in proc.stderr.splitlines() if line.startswith("START ")]
    return results, proc.returncode, (started[-1] if started else None), proc.stderr[-2000:]


@pytest.mark.parametrize("chunk", C.CHUNKS)
def test_bad_inputs_raise_clear_errors_and_never_crash(chunk):
    if chunk == "foreign" and torch is None:
        pytest.skip("no other tensor library installed")
    results, code, last, tail = run_chunk(chunk)
    assert code == 0, (
        f"the interpreter died (exit {code}) while running case {last!r} of chunk {chunk!r}:\n{tail}"
    )
    expected = [c.id for c in CASES.values() if C.chunk_of(c) == chunk]
    assert [r["id"] for r in results] == expected
    bad = {r["id"]: p for r in results for p, _ in [judge(r)] if p}
    assert not bad, f"{len(bad)} of {len(results)} bad inputs handled badly:\n" + "\n".join(
        f"  {k}: {'; '.join(v)}" for k, v in sorted(bad.items())
    )


def test_catalogue_walks_every_public_op():
    import minigrad.nn as nn
    import minigrad.nn.functional as F

    import minigrad
    import minigrad.ops as ops

    covered = {c.spec.name for c in CASES.values()}
    public = set(ops.__all__) | set(F.__all__) | {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"}
    public |= {
        n
        for n in dir(minigrad._creation)
        if not n.startswith("_")
        and callable(getattr(minigrad._creation, n))
        and n not in ("Tensor", "np", "seed")
    }
    public |= {n for n in dir(nn) if n[:1].isupper() and n not in ("Parameter",)}
    assert not public - covered, f"ops with no bad-input cases: {sorted(public - covered)}"
    assert len(CASES) > 2500


def test_a_crash_in_a_chunk_is_reported_with_the_case_that_caused_it(tmp_path):
    """The harness itself: a subprocess killed by a signal is a failing result, not a dead run."""
    script = tmp_path / "crash.py"
    script.write_text(
        "import os, sys, signal\nsys.stderr.write('START ops-x:boom\\n'); sys.stderr.flush()\n"
        "os.kill(os.getpid(), signal.SIGSEGV)\n"
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert proc.returncode == -11 and "START ops-x:boom" in proc.stderr


# Valid calls next to the single cases fixed above (issue 8): still accepted, with PyTorch's values.
NEIGHBOURS = {
    "flatten_0d": lambda L: L.flatten(L.tensor(2.0), 0, -1),
    "Flatten_start_equals_end": lambda L: L.nn.Flatten(1, 1)(C.R(2, 3, 4)(L)),
    "Flatten_negative_dims": lambda L: L.nn.Flatten(-2, -1)(C.R(2, 3, 4)(L)),
    "arange_descending": lambda L: L.arange(5, 0, -1),
    "arange_float_descending": lambda L: L.arange(1.0, 0.0, -0.25),
    "arange_empty_either_sign": lambda L: L.arange(3, 3, -1),
    "randperm_zero": lambda L: L.randperm(0),
    "avg_pool2d_negative_divisor": lambda L: L.nn.functional.avg_pool2d(
        C.R(1, 1, 4, 4)(L), 2, divisor_override=-2
    ),
    "embedding_2d_weight": lambda L: L.nn.functional.embedding(L.tensor([[0, 2]]), C.R(3, 2)(L)),
    "logsigmoid": lambda L: L.nn.functional.logsigmoid(C.R(2, 3)(L)),
    "bce_at_zero_and_one": lambda L: L.nn.functional.binary_cross_entropy(
        L.tensor([0.0, 1.0, 0.5]), L.tensor([0.0, 1.0, 1.0])
    ),
    "huber_small_delta": lambda L: L.nn.functional.huber_loss(C.R(2, 3)(L), L.zeros(2, 3), delta=1e-3),
    "smooth_l1_beta_zero": lambda L: L.nn.functional.smooth_l1_loss(C.R(2, 3)(L), L.zeros(2, 3), beta=0.0),
    "nll_loss_class_weight": lambda L: L.nn.functional.nll_loss(
        C.R(2, 4)(L), L.tensor([1, 3]), weight=L.tensor([1.0, 2.0, 3.0, 4.0])
    ),
    "cross_entropy_class_weight": lambda L: L.nn.functional.cross_entropy(
        C.R(2, 4)(L), L.tensor([1, 3]), weight=L.tensor([1.0, 2.0, 3.0, 4.0])
    ),
    "mm": lambda L: L.mm(C.R(2, 3)(L), C.R(3, 4)(L)),
    "split_with_empty_sections": lambda L: L.split(C.R(2, 3)(L), [0, 2, 0], 0),
    "to_cpu": lambda L: C.R(2)(L).to("cpu"),
    "to_cpu_and_dtype": lambda L: C.R(2)(L).to("cpu:0", L.float64),
    "to_device_keyword": lambda L: C.R(2)(L).to(device="cpu", dtype=L.float64),
    "optimizer_group_with_empty_params": lambda L: L.optim.SGD([{"params": []}], lr=0.1).param_groups[0][
        "lr"
    ],
}


def _values(out):
    if isinstance(out, (tuple, list)):
        return [_values(o) for o in out]
    if hasattr(out, "detach"):
        return (str(out.dtype).split(".")[-1], out.detach().numpy().tolist())
    return out


@pytest.mark.parametrize("name", sorted(NEIGHBOURS))
def test_valid_inputs_next_to_the_fixed_single_cases_still_work(name):
    if torch is None:
        pytest.skip("PyTorch is the oracle")
    import minigrad

    ours, theirs = _values(NEIGHBOURS[name](minigrad)), _values(NEIGHBOURS[name](torch))
    assert repr(ours) == repr(theirs) or (
        ours
        and theirs
        and __import__("numpy").allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-7)
        and ours[0] == theirs[0]
    ), (ours, theirs)
