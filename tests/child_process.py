"""Child Python processes that import the same minigrad as the tests do.

A test run from an unpacked sdist or a clone imports minigrad from wherever it is installed or
built; a child started with ``python -c`` would put its working folder first on ``sys.path``
and, run from the project's root, import the unbuilt ``minigrad/`` there instead. So children
run in ``tests/`` (no package of that name) with PYTHONPATH starting at the folder the tests'
own minigrad came from, then ``tests/`` (for helpers such as ``test_reliability``).
"""

import os
import subprocess
import sys

import minigrad

TESTS = os.path.dirname(os.path.abspath(__file__))
MINIGRAD_HOME = os.path.dirname(os.path.dirname(os.path.abspath(minigrad.__file__)))


def child_env(**extra):
    """os.environ with PYTHONPATH = minigrad's folder, tests/, then the inherited path."""
    path = os.pathsep.join(p for p in (MINIGRAD_HOME, TESTS, os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, PYTHONPATH=path, **extra)


def run_python(args, *, env=None, cwd=TESTS, **kwargs):
    """subprocess.run of ``[python, *args]`` (a list, or one string of code for ``-c``) with
    child_env() (plus ``env``'s entries) in ``cwd``; output captured as text."""
    if isinstance(args, str):
        args = ["-c", args]
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run([sys.executable, *args], env=child_env(**(env or {})), cwd=cwd, **kwargs)


def popen_python(args, **kwargs):
    """subprocess.Popen of ``[python, *args]`` with child_env(), in tests/."""
    return subprocess.Popen([sys.executable, *args], env=child_env(), cwd=TESTS, **kwargs)
