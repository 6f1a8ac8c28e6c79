# 37-private-course: the grader works wherever the course lives. A course
# installed under a private directory (mode 0700: a root home, a mktemp dir,
# a container without user namespaces) must still grade, also when the
# sandbox runs the student's code and the compiler as nobody without
# namespaces (GRADER_SANDBOX=plain as root): everything the sandbox user reads
# is staged in the grading's work dir.
# beside: others
source "$ROOT/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    pass "private course dir: skipped (needs root to run the sandbox as nobody)"
    return 0 2>/dev/null || exit 0
fi
private=$(mktemp -d "$RESULTS_DIR/private-XXXXXX")   # 0700, as mktemp makes it
chmod 700 "$private"
course="$private/course"; mkdir -p "$course/build" "$course/tests"
cp -a "$ROOT/build/grader" "$course/build/" && cp -a "$ROOT/exercises" "$ROOT/grader" "$ROOT/solutions" "$course/" &&
    cp -a "$ROOT/tests/lessons" "$course/tests/"
out=$(tmpdir); chmod 755 "$out"
if [ "$(stat -c %a "$private")" != 700 ] || runuser -u nobody -- test -r "$course/exercises" 2>/dev/null; then
    fail "private course dir: setup" "nobody can read $course: the test would prove nothing"
fi

for mode in plain default; do
    env_mode=()
    [ "$mode" = plain ] && env_mode=(GRADER_SANDBOX=plain)
    # A fresh cache each time: the course objects are compiled by the sandbox user too.
    env -u GRADER_SANDBOX_UID "${env_mode[@]}" GRADER_CACHE="$private/cache-$mode" \
        "$course/build/grader" grade --quiet --lesson 02-bank --lesson 03-transfer \
        --out "$out/$mode.json" "$course/solutions" >"$out/$mode.log" 2>&1
    rc=$?
    got=$(jrun "$out/$mode.json" "
print(' '.join('%s:%s:%s/%s' % (l['id'], l['status'], l['score'], l['max_score']) for l in r['lessons']), r['sandbox']['level'], r['sandbox']['run_as_uid'])")
    if [ "$rc" = 0 ] && grep -q "^02-bank:graded:10.0/10.0 03-transfer:graded:15.0/15.0 " <<<"$got" &&
       { [ "$mode" != plain ] || grep -q " rlimits 65534$" <<<"$got"; }; then
        pass "course in a 0700 dir, sandbox $mode: solutions get full marks"
    else
        fail "course in a 0700 dir, sandbox $mode: solutions get full marks" "rc=$rc $got $(tail -c 300 "$out/$mode.log")"
    fi
done
