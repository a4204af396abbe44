"""How many of the torch.* callables and Tensor methods named in PyTorch's tutorials minigrad has.

    PYTHONPATH=. python tools/api_coverage.py [names file]

The names file (default tools/api_coverage_names.txt) lists ``torch NAME`` / ``Tensor NAME``
lines gathered from PyTorch's own tutorials and examples (names only); each is looked up by
name on ``minigrad``, ``minigrad.Tensor`` (``minigrad.linalg`` for ``linalg NAME``,
``minigrad.nn`` for ``nn NAME``), and the missing ones are printed.
"""

import os
import sys

import minigrad

HERE = os.path.dirname(os.path.abspath(__file__))


def read_names(path):
    names = {"torch": [], "Tensor": [], "linalg": [], "nn": []}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) == 2 and line[0] in names and line[1] not in names[line[0]]:
                names[line[0]].append(line[1])
    return names


def main(path):
    names = read_names(path)
    where = {
        "torch": minigrad,
        "Tensor": minigrad.Tensor,
        "linalg": getattr(minigrad, "linalg", None),
        "nn": minigrad.nn,
    }
    for kind, listed in names.items():
        if not listed:
            continue
        missing = [n for n in listed if not hasattr(where[kind], n)]
        present = len(listed) - len(missing)
        print(f"{kind}: {present} of {len(listed)} present; missing: {', '.join(missing) or '-'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "api_coverage_names.txt"))
