# 50-build: the framework compiles warning-free under clang too, and the
# grader itself runs clean under ASan/UBSan (leaks included) while it grades
# solutions, a crash, a compile error and a missing lesson.
source "$ROOT/tests/lib.sh"

if command -v clang >/dev/null; then
    check "clang -Werror build" make -s -C "$ROOT" CC=clang BUILD="$RESULTS_DIR/clang-build" grader
else
    fail "clang -Werror build" "clang not installed"
fi

if make -s -C "$ROOT" build/grader-san >"$RESULTS_DIR/san-build.log" 2>&1; then
    work=$(tmpdir)
    mkdir -p "$work/sub"
    cp "$ROOT/solutions/02-bank/bank.c" "$work/sub/"
    cp "$ROOT/tests/robust/segfaults.c" "$work/sub/threads.c" # wrong lesson: compile error
    for args in "--lesson 02-bank" "--lesson 01-threads" "--lesson 02-bank --public --table --details"; do
        # shellcheck disable=SC2086
        if ASAN_OPTIONS=detect_leaks=1 "$ROOT/build/grader-san" grade --quiet $args \
            --out "$work/out.json" "$work/sub" >"$work/log" 2>&1 && validate "$work/out.json"; then
            pass "sanitized grader: grade $args"
        else
            fail "sanitized grader: grade $args" "$(grep -m3 -E 'ERROR|runtime error|SUMMARY' "$work/log" | tr '\n' ' ')"
        fi
    done
else
    fail "sanitized grader build" "$(tail -n 3 "$RESULTS_DIR/san-build.log")"
fi
