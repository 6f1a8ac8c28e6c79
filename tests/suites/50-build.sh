# 50-build: the framework compiles warning-free under clang too, and the
# grader itself runs clean under ASan/UBSan (leaks included) while it grades
# solutions, a crash, a compile error and a missing lesson.
# beside: others
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

# ---- the cache is verified before use ---------------------------------------
# What a grading takes from the cache (course objects, the judge) must be what
# the grader built: a cached file changed afterwards (by student code that
# outlived a grading in plain mode, say) is rebuilt, never used. The cached
# judge, then every cached object, is overwritten with a judge that lists no
# test; the skeleton must still score 0 and the solution full marks.
work=$(tmpdir)
cache="$work/cache"
mkdir -p "$work/skel" "$work/sol"
cp "$ROOT/exercises/02-bank/bank.c" "$work/skel/"
cp "$ROOT/solutions/02-bank/bank.c" "$work/sol/"
GRADER_CACHE="$cache" "$GRADER" grade --quiet --lesson 02-bank --out "$work/warm.json" "$work/sol" >/dev/null 2>&1
fake="$work/fake-judge"
printf '#!/bin/sh\nfor a; do [ "$a" = --list ] && exec echo; done\nexit 0\n' >"$fake"
for what in judge objects; do
    planted=0
    for f in "$cache"/*; do
        case "$f" in *.sum | *.lock) continue ;; esac
        case "$what:$(basename "$f")" in judge:02-bank-judge-* | objects:*.o) ;; *) continue ;; esac
        cp "$fake" "$f"; chmod 755 "$f"; planted=$((planted + 1))
    done
    GRADER_CACHE="$cache" "$GRADER" grade --quiet --lesson 02-bank --out "$work/skel.json" "$work/skel" >/dev/null 2>&1
    GRADER_CACHE="$cache" "$GRADER" grade --quiet --lesson 02-bank --out "$work/sol.json" "$work/sol" >/dev/null 2>&1
    skel=$(jget "$work/skel.json" "r['score']" 2>/dev/null); sol=$(jget "$work/sol.json" "r['score']" 2>/dev/null)
    max=$(jget "$work/sol.json" "r['max_score']" 2>/dev/null)
    if [ "$planted" -ge 1 ] && [ "$skel" = 0.0 ] && [ -n "$max" ] && [ "$sol" = "$max" ]; then
        pass "a tampered cache ($what) is rebuilt, not used"
    else
        fail "a tampered cache ($what) is rebuilt, not used" \
            "planted $planted files; skeleton $skel, solution $sol of $max"
    fi
done

# ---- a shared cache: used when this uid cannot change it --------------------
# A cache the grading's uid can neither change nor swap (root's, read by a
# user whose student code runs under that same uid, without namespaces) is
# used as it is, even where results are not protected. Proof it is used: its
# 02-bank judge is replaced by 01-threads' (a genuine judge, with its sum) and
# the solution, graded by nobody, loses its marks in 01-threads' tests. Once that uid could change
# it (the file is its own; a dir above it is), it is not used: full marks.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
    mkdir -p "$work/t1"; cp "$ROOT/solutions/01-threads/threads.c" "$work/t1/"
    GRADER_CACHE="$cache" "$GRADER" grade --quiet --lesson 01-threads --out "$work/t1.json" "$work/t1" >/dev/null 2>&1
    shared="$work/shared"
    course_for_users "$shared" "$cache"
    j1=$(ls "$shared"/build/cache/01-threads-judge-* | grep -v '\.sum$' | head -1)
    # Every 02-bank judge: the cache may hold several (objects rebuilt above
    # differ in their debug info, so their judge's key does).
    j2s=$(ls "$shared"/build/cache/02-bank-judge-* | grep -v '\.sum$')
    utmp="$work/nobody"; mkdir -p "$utmp/sol"; cp "$ROOT/solutions/02-bank/bank.c" "$utmp/sol/"
    chown -R nobody "$utmp"; chmod 755 "$work" "$RESULTS_DIR"
    # shared_case NAME WANT: grades the solution as nobody; WANT full or less.
    shared_case() {
        rm -f "$utmp/out.json"
        runuser -u nobody -- env GRADER_SANDBOX=plain GRADER_CACHE="$shared/build/cache" TMPDIR="$utmp" \
            "$shared/build/grader" grade --quiet --lesson 02-bank --out "$utmp/out.json" "$utmp/sol" \
            >"$utmp/log" 2>&1
        local s m
        s=$(jget "$utmp/out.json" "r['score']" 2>/dev/null); m=$(jget "$utmp/out.json" "r['max_score']" 2>/dev/null)
        # "less" only by the planted judge: its tests are 01-threads'.
        local got=other; [ "$s" = "$m" ] && got=full
        [ "$s" != "$m" ] && jrun "$utmp/out.json" \
            "print(any(t['name'] == 'results_in_place' for t in r['lessons'][0]['tests']))" 2>/dev/null |
            grep -q True && got=less
        if [ -n "$s" ] && [ -n "$m" ] && [ "$got" = "$2" ]; then
            pass "shared cache: $1"
        else
            fail "shared cache: $1" "solution scored ${s:-nothing} of ${m:-?} ($2 expected): $(tail -c 300 "$utmp/log")"
        fi
    }
    planted=0
    for j2 in $j2s; do cp "$j1" "$j2" && cp "$j1.sum" "$j2.sum" && planted=$((planted + 1)); done
    if [ -n "$j1" ] && [ "$planted" -ge 1 ]; then
        shared_case "root's, as nobody without namespaces: used (its judge is 01-threads')" less
        chown nobody $j2s
        shared_case "a file nobody owns in it: not used" full
        chown root $j2s; chown nobody "$shared/build"
        shared_case "a dir above it that nobody owns: not used" full
        chown root "$shared/build"
        shared_case "root's again: used" less
    else
        fail "shared cache: set up" "no cached judges of 01-threads and 02-bank in $cache"
    fi
fi
