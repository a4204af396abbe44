#!/usr/bin/env bash
# Memory-safety check of minigrad's compiled kernels (issue 8).
#
#   bash tools/check_memory.sh            # the check (CI runs this; ~3-4 min on 2 cores)
#   KEEP=1 bash tools/check_memory.sh     # keep the scratch build and the valgrind logs
#
# What it does:
#  1. copies the sources (working tree, uncommitted edits included) to a scratch folder and
#     builds the extensions there with Cython's bounds, wraparound and initialisation checks
#     on (MINIGRAD_CYTHON_DEBUG=1) and debug info (-g): the in-place build of the checkout
#     that others use is not touched;
#  2. runs the kernel tests (tests/test_kernels.py, test_nn_kernels.py, test_conv_kernels.py, test_optim_kernels.py:
#     every kernel on every shape and layout, and their bad-input rejections) under valgrind
#     Memcheck with PYTHONMALLOC=malloc, so every Python object and numpy buffer is a malloc
#     block valgrind watches; any invalid read/write, use of uninitialised memory, or
#     definitely lost block fails the run (--error-exitcode=1
#     --errors-for-leak-kinds=definite). tools/valgrind-python.supp silences the
#     interpreter's, numpy's and the loader's own noise, never a frame of minigrad;
#  2b. with FUZZ_SECONDS=N, runs the fuzzer (tools/fuzz.py) with each target's process under
#     the same Memcheck, N seconds in all, at least one round of 25 examples per target;
#  3. proves the suppressions hide nothing of ours (the canary): in the scratch copy it
#     removes the index-range check of _conv_kernels.scatter_add_planes, rebuilds, writes one
#     element past an array's end through it, and requires valgrind to report that write.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$(python -c 'import sys; print(sys.executable)')"     # the real interpreter, not a pyenv shim
SUPP="$ROOT/tools/valgrind-python.supp"
KERNEL_TESTS=(tests/test_kernels.py tests/test_nn_kernels.py tests/test_conv_kernels.py tests/test_optim_kernels.py)

if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "check_memory: installing valgrind"
        (apt-get update -qq && apt-get install -y -qq valgrind) >/dev/null
    else
        echo "check_memory: valgrind is not installed (apt-get install valgrind)" >&2
        exit 2
    fi
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/minigrad-memcheck.XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then
    echo "check_memory: scratch folder kept at $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi

# 1. a scratch copy of the sources, built with bounds checks and debug info
cp -r "$ROOT/minigrad" "$ROOT/nn" "$ROOT/optim" "$ROOT/tests" "$ROOT/setup.py" "$ROOT/pyproject.toml" "$WORK/"
find "$WORK" \( -name '*.so' -o -name '*.c' -o -name '__pycache__' \) -prune -exec rm -rf {} +
cd "$WORK"
echo "check_memory: building the extensions with bounds checks in $WORK"
MINIGRAD_CYTHON_DEBUG=1 CFLAGS="-g -fno-omit-frame-pointer" \
    python setup.py build_ext --inplace --force >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log"; echo "check_memory: build failed" >&2; exit 1; }

VALGRIND=(valgrind --tool=memcheck --error-exitcode=1 --errors-for-leak-kinds=definite
          --leak-check=full --show-leak-kinds=definite --num-callers=40 --suppressions="$SUPP")

# 2. the kernel tests under Memcheck
echo "check_memory: running ${KERNEL_TESTS[*]} under valgrind (a few minutes)"
start=$SECONDS
status=0
PYTHONMALLOC=malloc "${VALGRIND[@]}" --log-file="$WORK/valgrind.%p.log" \
    "$PY" -m pytest -q -p no:cacheprovider "${KERNEL_TESTS[@]}" || status=$?
summary="$(grep -h "ERROR SUMMARY" "$WORK"/valgrind.*.log | sed 's/^==[0-9]*== //' | sort | uniq -c)"
if [ "$status" != 0 ]; then
    for log in "$WORK"/valgrind.*.log; do
        grep -q "ERROR SUMMARY: 0 errors" "$log" || { echo "----- $log"; cat "$log"; }
    done
    echo "check_memory: FAILED (pytest/valgrind exit $status); valgrind: $summary" >&2
    exit 1
fi
echo "check_memory: kernel tests clean under valgrind in $((SECONDS - start)) s: $summary"

# 2b. on request, the fuzzer (tools/fuzz.py, issue 16) with every target's child process under
# Memcheck on the same build: an invalid read or write that does not crash is a finding too.
# Each child's start under valgrind takes minutes, so CI does not (it fuzzes the bounds-checked
# build without valgrind); run it with FUZZ_SECONDS=600 bash tools/check_memory.sh.
FUZZ_SECONDS="${FUZZ_SECONDS:-0}"
if [ "$FUZZ_SECONDS" != 0 ]; then
    echo "check_memory: the fuzzer under valgrind for ${FUZZ_SECONDS} s (at least one round per target)"
    start=$SECONDS
    PYTHONMALLOC=malloc PYTHONPATH="$WORK" "$PY" "$ROOT/tools/fuzz.py" --seconds "$FUZZ_SECONDS" --examples 25 \
        --under "${VALGRIND[*]}" || { echo "check_memory: FAILED: the fuzzer under valgrind found something" >&2; exit 1; }
    echo "check_memory: fuzzer clean under valgrind in $((SECONDS - start)) s"
fi

# 3. the canary: an out-of-bounds write in a kernel must be reported
python - <<'PATCH'
import pathlib
p = pathlib.Path("minigrad/_conv_kernels.pyx")
s = p.read_text()
guarded = "            if 0 <= i < plane_size:\n                out[p * plane_size + i] += g"
assert s.count(guarded) == 1, "check_memory: canary patch did not apply"
p.write_text(s.replace(guarded, "            if True:\n                out[p * plane_size + i] += g"))
PATCH
MINIGRAD_CYTHON_DEBUG=1 CFLAGS="-g -fno-omit-frame-pointer" \
    python setup.py build_ext --inplace >"$WORK/build-canary.log" 2>&1 \
    || { tail -30 "$WORK/build-canary.log"; echo "check_memory: canary build failed" >&2; exit 1; }
canary_status=0
PYTHONMALLOC=malloc "${VALGRIND[@]}" --log-file="$WORK/canary.log" "$PY" -c '
import numpy as np
from minigrad import _conv_kernels as CK
CK.scatter_add_planes(np.ones((1, 4)), np.array([[0, 1, 2, 4]]), 4)   # writes out[0, 4]: one past the end
' || canary_status=$?
if [ "$canary_status" = 0 ] || ! grep -q "Invalid write" "$WORK/canary.log"; then
    cat "$WORK/canary.log"
    echo "check_memory: FAILED: valgrind did not report the canary's out-of-bounds write" >&2
    exit 1
fi
echo "check_memory: canary caught (valgrind reports the planted out-of-bounds write in _conv_kernels)"
echo "check_memory: OK"
