#!/bin/sh
# run.sh — runs every Criterion suite and every end-to-end script, then
# prints one closing line "tests: N passed, M failed".
# Environment: OPTBENCH (the binary under test), TEST_BIN_DIR (the suites).
set -u
passed=0
failed=0
for suite in "$TEST_BIN_DIR"/test_*; do
    [ -x "$suite" ] || continue
    out=$("$suite" --jobs 2 2>&1)
    code=$?
    printf '%s\n' "$out" | grep -E 'Synthesis|FAIL|fail|Assert|CRASH|signal' | sed "s|^|$(basename "$suite"): |"
    line=$(printf '%s\n' "$out" | grep 'Synthesis' | tail -n 1)
    p=$(printf '%s' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p') # crashes are counted as failing
    if [ -z "$p" ]; then
        echo "$(basename "$suite"): no synthesis line (exit $code)"
        failed=$((failed + 1))
        continue
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$code" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
done
for script in tests/e2e/*.sh; do
    [ -f "$script" ] || continue
    if log=$(OPTBENCH="$OPTBENCH" sh "$script" 2>&1); then
        passed=$((passed + 1))
        echo "PASS $script"
    else
        failed=$((failed + 1))
        echo "FAIL $script"
        printf '%s\n' "$log" | tail -n 20 | sed 's/^/    /'
    fi
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
