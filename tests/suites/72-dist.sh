# 72-dist: the course's two distributions. `make gradescope` builds an
# autograder.zip whose run_autograder, in a directory laid out like
# /autograder/, grades a submission as an unprivileged user and writes
# Gradescope's results.json. `make handout` builds the student handout, which
# has no solutions or hidden tests and whose `make check` works on its own.
# beside: others
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
dist="$work/dist"

# --- Gradescope ---
if make -s -C "$ROOT" gradescope DIST="$dist" >"$work/gs.log" 2>&1 && [ -s "$dist/autograder.zip" ]; then
    pass "make gradescope builds autograder.zip"
else
    fail "make gradescope" "$(tail -3 "$work/gs.log" | tr '\n' ' ')"
fi
AG=$(mktemp -d /tmp/autograder-test-XXXXXX)   # readable by the unprivileged user
chmod 755 "$AG"
mkdir -p "$AG/source" "$AG/submission" "$AG/results"
(cd "$AG/source" && python3 -m zipfile -e "$dist/autograder.zip" . && chmod +x setup.sh run_autograder)
chmod -R a+rX "$AG/source"
files=$(cd "$AG/source" && ls setup.sh run_autograder Makefile tests/lessons/*/test_hidden.c 2>&1)
[ -x "$AG/source/run_autograder" ] && ! ls "$AG/source/solutions" >/dev/null 2>&1 \
    && pass "autograder.zip has setup.sh, run_autograder, hidden tests, no solutions" \
    || fail "autograder.zip contents" "$files"
make -s -C "$AG/source" -j2 grader >/dev/null 2>&1   # what setup.sh does, minus apt-get
# The submission: the reference solutions, except that account_new refuses
# to work as root, so full marks prove the student's code ran unprivileged.
cp "$ROOT/solutions/01-threads/threads.c" "$AG/submission/"
sed -e '1i #include <unistd.h>' -e '/^account_t \*account_new(long balance)/{n;s/$/\n    if (getuid() == 0) return NULL;/}' \
    "$ROOT/solutions/02-bank/bank.c" >"$AG/submission/bank.c"
AUTOGRADER_ROOT="$AG" "$AG/source/run_autograder" >"$work/ra.log" 2>&1
res="$AG/results/results.json"
if [ -s "$res" ]; then
    got=$(jrun "$res" "
mine = [t for t in r['tests'] if t['name'].startswith(('01-threads /', '02-bank /'))]
bad = [t['name'] for t in mine if t['status'] != 'passed']
print('ok' if mine and not bad and r['score'] == sum(t['max_score'] for t in mine) else ('failing: %s; score %s; %s' % (bad, r['score'], r.get('output', '')[:200])))")
    [ "$got" = ok ] && pass "run_autograder: full marks, student code unprivileged" || fail "run_autograder results" "$got"
    check "run_autograder writes Gradescope fields" $PY -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert {'score', 'execution_time', 'output', 'tests'} <= set(r), sorted(r)
for t in r['tests']:
    assert {'name', 'score', 'max_score', 'status', 'output', 'visibility', 'tags'} <= set(t), t
    assert t['visibility'] in ('visible', 'after_published') and t['status'] in ('passed', 'failed'), t
" "$res"
else
    fail "run_autograder results" "no results.json: $(tail -c 300 "$work/ra.log")"
fi
rm -rf "$AG"

# --- Student handout ---
if make -s -C "$ROOT" handout DIST="$dist" >"$work/ho.log" 2>&1 && [ -s "$dist/handout.tar.gz" ] && [ -d "$dist/handout" ]; then
    pass "make handout builds the directory and the tarball"
else
    fail "make handout" "$(tail -3 "$work/ho.log" | tr '\n' ' ')"
fi
fresh="$work/fresh"; mkdir -p "$fresh"
tar -C "$fresh" -xzf "$dist/handout.tar.gz"
h="$fresh/handout"
leaks=$(cd "$h" && { ls -d solutions tests 2>/dev/null; find . -name 'test_hidden*' -o -name buggy -o -name '*solution*'; })
[ -z "$leaks" ] && [ -f "$h/README.md" ] && [ -f "$h/Makefile" ] && [ -f "$h/exercises/02-bank/test_public.c" ] \
    && pass "handout has exercises and public tests, no solutions or hidden tests" \
    || fail "handout contents" "leaks: $leaks"
if (cd "$h" && make -s -j2 check) >"$work/check.log" 2>&1; then
    got=$(jrun "$h/results.json" "print(r['score'] == 0 and r['suite'] == 'public' and all(l['status'] == 'graded' for l in r['lessons']))")
    [ "$got" = True ] && pass "handout: make check grades the skeletons (0 points, exit 0)" \
        || fail "handout: make check" "$got: $(tail -3 "$work/check.log" | tr '\n' ' ')"
else
    fail "handout: make check" "exit $?: $(tail -3 "$work/check.log" | tr '\n' ' ')"
fi
(cd "$h" && make -s test) >"$work/test.log" 2>&1 && grep -q "not part of the student handout" "$work/test.log" \
    && pass "handout: make test explains itself" || fail "handout: make test" "$(cat "$work/test.log")"
