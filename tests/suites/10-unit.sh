# 10-unit: the grader's own unit tests (Check), built with ASan and UBSan.
source "$ROOT/tests/lib.sh"

if ! make -s -C "$ROOT" unit >"$RESULTS_DIR/unit-build.log" 2>&1; then
    fail "unit tests build" "$(tail -n 5 "$RESULTS_DIR/unit-build.log" | tr '\n' ' ')"
    return 0 2>/dev/null || exit 0
fi
out=$("$ROOT/build/unit_tests" 2>&1)
echo "$out" | sed 's/^/   /' | tail -n 3
if grep -q "Failures: 0, Errors: 0" <<<"$out"; then pass "unit tests (ASan+UBSan)"
else fail "unit tests (ASan+UBSan)" "$(grep -E '^[^ ]+:[0-9]+:' <<<"$out" | head -3 | tr '\n' ' ')"; fi
