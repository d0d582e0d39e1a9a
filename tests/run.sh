#!/bin/sh
# run.sh — runs every Criterion suite and every end-to-end script, then
# prints one closing line "tests: N passed, M failed, K skipped".
# A Criterion test skips itself with cr_skip_test (reported "[SKIP]"); an
# end-to-end script skips by exiting 77 after printing why. Each skip is
# printed with its reason, so that a check that did not run (a GPU test on a
# machine without one, say) is never counted as passed.
# Environment: OPTBENCH (the binary under test), TEST_BINS (the suites of
# this build, space-separated: a suite left from another build is not run),
# E2E_SCRIPTS (the end-to-end scripts to run; default every tests/e2e/*.sh),
# TEST_LOG_DIR (when set, each suite's whole verbose output goes to
# TEST_LOG_DIR/SUITE.log).
set -u
passed=0
failed=0
skipped=0
for suite in $TEST_BINS; do
    [ -x "$suite" ] || continue
    out=$("$suite" --jobs 2 --verbose 2>&1)
    code=$?
    [ -z "${TEST_LOG_DIR:-}" ] || printf '%s\n' "$out" >"$TEST_LOG_DIR/$(basename "$suite").log"
    # the outcome lines, and the message of every failed assertion ("[----]   text")
    printf '%s\n' "$out" | grep -v -E '^\[(RUN |PASS)\]' |
        grep -E 'Synthesis|FAIL|fail|Assert|CRASH|signal|SKIP|^\[----\]   +[^ ]' |
        sed "s|^|$(basename "$suite"): |"
    line=$(printf '%s\n' "$out" | grep 'Synthesis' | tail -n 1)
    p=$(printf '%s' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p') # crashes are counted as failing
    s=$(printf '%s\n' "$out" | grep -c '^\[SKIP\]')
    if [ -z "$p" ]; then
        echo "$(basename "$suite"): no synthesis line (exit $code)"
        failed=$((failed + 1))
        continue
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    [ "$code" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
done
for script in ${E2E_SCRIPTS:-tests/e2e/*.sh}; do
    [ -f "$script" ] || continue
    log=$(OPTBENCH="$OPTBENCH" sh "$script" 2>&1)
    code=$?
    if [ "$code" -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS $script"
    elif [ "$code" -eq 77 ]; then
        skipped=$((skipped + 1))
        echo "SKIP $script: $(printf '%s\n' "$log" | tail -n 1)"
    else
        failed=$((failed + 1))
        echo "FAIL $script"
        printf '%s\n' "$log" | tail -n 20 | sed 's/^/    /'
    fi
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
