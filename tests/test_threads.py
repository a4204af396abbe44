"""Threads (issue 15): ``set_num_threads`` sets minigrad's OpenMP kernels and numpy's BLAS, the
matrix products of the ops run on one BLAS thread when small, and OpenMP's threads sleep at
once after a parallel kernel unless the user chose a wait policy."""

import os
import subprocess
import sys

import numpy as np
import pytest
from child_process import TESTS, child_env

import minigrad
from minigrad import _threads as T

BLAS_FOUND = bool(T.blas_library()[0])
needs_openblas = pytest.mark.skipif(not BLAS_FOUND, reason="numpy's BLAS is not an OpenBLAS found here")


@pytest.fixture
def restored():
    omp, blas = minigrad.get_num_threads(), T.blas_library()[1]
    yield
    minigrad.set_num_threads(omp)
    if blas:
        T._set_blas_threads(blas)


@needs_openblas
def test_set_num_threads_sets_numpy_blas_too(restored):
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_info

    for n in (1, 2):
        minigrad.set_num_threads(n)
        assert T.blas_library()[1] == n
        # an independent reader of the same library agrees (scipy, once imported, brings
        # another OpenBLAS of its own, which minigrad leaves alone)
        ours = os.path.realpath(T.blas_library()[0])
        pools = [p for p in threadpool_info() if os.path.realpath(p["filepath"]) == ours]
        assert [p["num_threads"] for p in pools] == [n]


SHAPES = [
    ((16, 9), (9, 4096)),  # small: narrowed to one thread
    ((300, 200), (200, 300)),  # above the threshold: left alone
    ((4, 5, 6), (6, 7)),
    ((3, 4, 5), (3, 5, 2)),
    ((5,), (5, 3)),
    ((3, 5), (5,)),
    ((5,), (5,)),
]


@pytest.mark.parametrize("sa, sb", SHAPES)
@pytest.mark.parametrize("fn", ["matmul", "dot"])
def test_products_equal_numpys_and_restore_the_thread_count(sa, sb, fn, restored):
    if fn == "dot" and len(sa) > 2 and len(sb) > 2:
        pytest.skip("np.dot of two stacks is not a matrix product")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32)
    ref = getattr(np, fn)(a, b)
    if BLAS_FOUND:
        minigrad.set_num_threads(2)
    got = getattr(T, fn)(a, b)
    # the same BLAS routine; one thread or two may sum a dot product in another order
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    out = np.empty_like(ref)
    result = getattr(T, fn)(a, b, out=out)
    assert result is out or ref.ndim == 0  # numpy returns a 0-d result as a scalar
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    if BLAS_FOUND:
        assert T.blas_library()[1] == 2  # restored after the product


def test_a_failing_product_restores_the_thread_count(restored):
    if BLAS_FOUND:
        minigrad.set_num_threads(2)
    with pytest.raises(ValueError):
        T.matmul(np.ones((2, 3), np.float32), np.ones((4, 2), np.float32))
    if BLAS_FOUND:
        assert T.blas_library()[1] == 2


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "PASSIVE"),  # minigrad's choice
        ({"OMP_WAIT_POLICY": "ACTIVE"}, "ACTIVE"),  # the user's stands
        ({"GOMP_SPINCOUNT": "1000"}, None),  # a spin count chosen: no policy added
    ],
)
def test_openmp_wait_policy_is_passive_unless_chosen(env, expected):
    child = child_env(**env)
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):  # this process's minigrad set one
        if name not in env:
            child.pop(name, None)
    code = "import os, minigrad; print(os.environ.get('OMP_WAIT_POLICY'))"
    r = subprocess.run([sys.executable, "-c", code], env=child, cwd=TESTS, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(expected)
