"""What the text examples share: a corpus every machine has, and a character vocabulary.

Not an example itself: open ``char_gpt.py``, ``char_lstm.py`` or ``names.py``.

The corpus is the source of Python's own standard library: the ``.py`` files under
``sysconfig.get_paths()["stdlib"]`` (``site-packages`` and the test suites left out), walked
in sorted order and concatenated, so the same Python gives the same text on every machine.
Plain Python only (no tensors here), so each example turns the text into tensors itself.
"""

import os
import re
import sysconfig

SKIP = {"site-packages", "dist-packages", "test", "tests", "idle_test", "__pycache__"}


def stdlib_files():
    """The standard library's ``.py`` files, top-level modules first, in sorted order."""
    root = sysconfig.get_paths()["stdlib"]
    paths = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIP)  # os.walk visits these next
        paths += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".py")]
    return paths


def stdlib_text(max_chars):
    """The first ``max_chars`` characters of the standard library's source, files joined."""
    parts, size = [], 0
    for path in stdlib_files():
        with open(path, encoding="utf-8", errors="replace") as f:
            parts.append(f.read())
        size += len(parts[-1])
        if size >= max_chars:
            break
    return "".join(parts)[:max_chars]


class Vocab:
    """The sorted set of characters in a text; ``encode`` maps str -> ids, ``decode`` back."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        return [self.index[c] for c in text]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)


def split(ids, fraction=0.9):
    """The first 90% of a sequence for training, the rest for validation (no shuffling:
    neighbouring characters are not independent, so a random split would leak)."""
    n = int(fraction * len(ids))
    return ids[:n], ids[n:]


def stdlib_names():
    """Names for ``names.py``: the public function and method names defined in the standard
    library (``def name(``, not starting with ``_``), lower-cased, only those made of the
    letters a-z, deduplicated and sorted."""
    found = set()
    for path in stdlib_files():
        with open(path, encoding="utf-8", errors="replace") as f:
            found.update(re.findall(r"^[ \t]*def ([A-Za-z][A-Za-z0-9_]*)[ \t]*\(", f.read(), re.M))
    return sorted({n.lower() for n in found if re.fullmatch("[A-Za-z]+", n)})


def shown(text):
    """``text`` with newlines and tabs visible, for one-line printing."""
    return text.replace("\n", "⏎").replace("\t", "⇥")
