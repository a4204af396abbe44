"""Lines per layer of the project (issue 18: size is a signal; CI prints this).

    python tools/line_counts.py

Counts the lines of the files git tracks (generated files aside: ``.c``, ``_tape.pyi``),
grouped into the layers DESIGN.md names, with each layer's largest file.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (layer, test on the path), first match wins
LAYERS = [
    ("engine (_tape chapters)", lambda p: p.startswith("minigrad/_tape") and not p.endswith(".pyi")),
    (
        "kernels (.pyx/.pxi/.pxd)",
        lambda p: p.startswith("minigrad/") and p.endswith((".pyx", ".pxi", ".pxd")),
    ),
    ("op table (minigrad/ops)", lambda p: p.startswith("minigrad/ops/")),
    ("autograd, func", lambda p: p.startswith(("minigrad/autograd/", "minigrad/func/", "minigrad/_batched"))),
    (
        "utils, distributions, linalg",
        lambda p: p.startswith(("minigrad/utils/", "minigrad/distributions/")) or p == "minigrad/linalg.py",
    ),
    ("core Python (minigrad/*.py)", lambda p: p.startswith("minigrad/") and p.endswith(".py")),
    ("nn", lambda p: p.startswith("nn/")),
    ("optim", lambda p: p.startswith("optim/")),
    ("tests", lambda p: p.startswith("tests/") and p.endswith(".py")),
    ("examples", lambda p: p.startswith("examples/")),
    ("benchmarks", lambda p: p.startswith("benchmarks/")),
    ("tools, build, CI", lambda p: p.startswith(("tools/", ".ci/")) or p in ("setup.py", "pyproject.toml")),
    ("docs (.md)", lambda p: p.endswith(".md")),
]
GENERATED = (".c", "_tape.pyi", ".png", ".pt", ".supp")


def tracked():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [p for p in out.stdout.split() if not p.endswith(GENERATED)]


def count(path):
    try:
        with open(os.path.join(ROOT, path), "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0


def main():
    totals = {name: [0, 0, ("", 0)] for name, _ in LAYERS}
    for path in tracked():
        for name, test in LAYERS:
            if test(path):
                n = count(path)
                t = totals[name]
                t[0] += n
                t[1] += 1
                if n > t[2][1]:
                    t[2] = (path, n)
                break
    print(f"{'layer':32s} {'lines':>7s} {'files':>6s}  largest file")
    for name, (lines, files, (big, n)) in totals.items():
        print(f"{name:32s} {lines:7d} {files:6d}  {big} ({n})")
    print(f"{'total':32s} {sum(t[0] for t in totals.values()):7d} {sum(t[1] for t in totals.values()):6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
