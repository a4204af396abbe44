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
#  2b. runs the fuzzer (tools/fuzz.py --in-process, issue 16) under the same Memcheck: every
#     target in one process, FUZZ_SECONDS (default 100; 0 skips it) of fuzzing in rounds of 5
#     examples after a start of a minute or two (numpy, minigrad and hypothesis imported under
#     Memcheck); an invalid access, a crash or a failed example fails the run;
#  3. proves the suppressions hide nothing of ours and that the fuzzer's run reports what
#     valgrind sees (the canary): in the scratch copy it removes the index-range check of
#     _conv_kernels.scatter_add_planes, rebuilds, runs the fuzzer's planes target (whose
#     first example writes one element past an array's end through it) under the same
#     Memcheck, and requires a non-zero exit and valgrind's report of that write.
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
# the fuzzer's runs: valgrind's own exit status 3, apart from the fuzzer's 1 (a failed example)
FUZZ_VALGRIND=("${VALGRIND[@]/--error-exitcode=1/--error-exitcode=3}")

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

# 2b. the fuzzer (tools/fuzz.py, issue 16), every target in one process under Memcheck on the
# same build: an invalid read or write that does not crash is a finding too.
FUZZ_SECONDS="${FUZZ_SECONDS:-100}"
if [ "$FUZZ_SECONDS" != 0 ]; then
    echo "check_memory: the fuzzer under valgrind, in one process, ${FUZZ_SECONDS} s after its start"
    start=$SECONDS
    fuzz_status=0
    PYTHONMALLOC=malloc PYTHONPATH="$WORK" "${FUZZ_VALGRIND[@]}" --log-file="$WORK/fuzz.log" \
        "$PY" "$ROOT/tools/fuzz.py" --in-process --seconds "$FUZZ_SECONDS" --examples 5 \
        >"$WORK/fuzz.out" 2>&1 || fuzz_status=$?
    grep -v "^TARGET " "$WORK/fuzz.out" | tail -12
    if [ "$fuzz_status" != 0 ]; then
        grep -q "ERROR SUMMARY: 0 errors" "$WORK/fuzz.log" || cat "$WORK/fuzz.log"
        tail -3 "$WORK/fuzz.out"
        echo "check_memory: FAILED: the fuzzer under valgrind found something (exit $fuzz_status:" \
            "3 valgrind's errors, 1 a failed example, above 128 a signal)" >&2
        exit 1
    fi
    echo "check_memory: fuzzer clean under valgrind in $((SECONDS - start)) s:" \
        "$(grep -h "ERROR SUMMARY" "$WORK/fuzz.log" | sed 's/^==[0-9]*== //')"
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
start=$SECONDS
PYTHONMALLOC=malloc PYTHONPATH="$WORK" "${FUZZ_VALGRIND[@]}" --log-file="$WORK/canary.log" \
    "$PY" "$ROOT/tools/fuzz.py" --in-process --only planes --seconds 1 --examples 5 \
    >"$WORK/canary.out" 2>&1 || canary_status=$?
if [ "$canary_status" != 3 ] || ! grep -q "Invalid write" "$WORK/canary.log"; then
    cat "$WORK/canary.log" "$WORK/canary.out"
    echo "check_memory: FAILED: the fuzzer under valgrind did not report the canary's out-of-bounds write" \
        "(exit $canary_status)" >&2
    exit 1
fi
echo "check_memory: canary caught in $((SECONDS - start)) s (the fuzzer's run under valgrind exits $canary_status" \
    "and valgrind reports the planted out-of-bounds write in _conv_kernels)"
echo "check_memory: OK"
