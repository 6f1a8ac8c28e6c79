# 35-cli: the exit-status contract of GRADER.md: 0 graded (whatever the
# score), 2 bad usage, 1 grader failure; the JSON goes where --out says.
# beside: others
source "$ROOT/tests/lib.sh"

expect_rc() { # NAME RC COMMAND...
    local name=$1 want=$2; shift 2
    "$@" >/dev/null 2>&1
    local rc=$?
    if [ "$rc" = "$want" ]; then pass "$name"; else fail "$name" "exit $rc, expected $want"; fi
}

work=$(tmpdir)
expect_rc "no arguments: usage (2)" 2 "$GRADER"
expect_rc "unknown command: usage (2)" 2 "$GRADER" frobnicate
expect_rc "--help: 0" 0 "$GRADER" --help
expect_rc "grade without a directory: usage (2)" 2 "$GRADER" grade
expect_rc "grade a missing directory: usage (2)" 2 "$GRADER" grade "$work/nope"
expect_rc "grade an unknown lesson: usage (2)" 2 "$GRADER" grade --lesson 99-nope "$work"
expect_rc "grade an unknown format: usage (2)" 2 "$GRADER" grade --format xml "$work"
expect_rc "grade with a broken course: grader failure (1)" 1 "$GRADER" grade --course "$work" "$work"
expect_rc "grade an empty submission: graded (0)" 0 "$GRADER" grade --quiet --out "$work/empty.json" "$work"
if validate "$work/empty.json" >/dev/null 2>&1 &&
   [ "$(jget "$work/empty.json" "sorted(set(l['status'] for l in r['lessons']))")" = "['missing']" ]; then
    pass "empty submission: every lesson missing, valid JSON"
else
    fail "empty submission: every lesson missing, valid JSON" "$(head -c 300 "$work/empty.json")"
fi

# A lesson folder layout (NN-slug/slug.c) is found as well as a flat one.
mkdir -p "$work/nested/02-bank"
cp "$ROOT/solutions/02-bank/bank.c" "$work/nested/02-bank/"
grade "$work/nested.json" "$work/nested" --lesson bank --public
got=$(jget "$work/nested.json" "r['lessons'][0]['status'], r['lessons'][0]['score'] == r['lessons'][0]['max_score']")
if [ "$got" = "graded True" ]; then pass "nested NN-slug/slug.c layout found"; else fail "nested NN-slug/slug.c layout found" "$got"; fi

# --category: only that category's tests run, the JSON says so and stays
# valid, the others score nothing; an unknown category is bad usage.
expect_rc "grade --category bogus: usage (2)" 2 "$GRADER" grade --category bogus "$work/nested"
grade "$work/cat.json" "$work/nested" --lesson bank --category race --category timing
got=$(jget "$work/cat.json" "r['categories'], sorted(set(t['category'] for t in r['lessons'][0]['tests'])), r['lessons'][0]['score'] < r['lessons'][0]['max_score'], all(t['status'] == 'passed' for t in r['lessons'][0]['tests'])")
if validate "$work/cat.json" >/dev/null 2>&1 &&
   [ "$got" = "['race', 'timing'] ['race'] True True" ]; then
    pass "--category race --category timing: only those tests (02 has no timing), listed"
else
    fail "--category race --category timing: only those tests (02 has no timing), listed" "$got"
fi
got=$(jget "$work/nested.json" "'categories' in r")
if [ "$got" = False ]; then pass "a full grading has no categories field"; else fail "a full grading has no categories field" "$got"; fi

# The same seed is reported back, and in every test.
grade "$work/seed.json" "$work/nested" --lesson bank --public --seed 4242
got=$(jget "$work/seed.json" "r['seed'] == 4242 and all(t['seed'] == 4242 for t in r['lessons'][0]['tests'])")
if [ "$got" = True ]; then pass "--seed reported in the JSON"; else fail "--seed reported in the JSON" "$got"; fi

# --out onto a device writes to it: /dev/null must stay the device (an
# atomic rename over it once replaced the machine's /dev/null with a file).
grade /dev/null "$work/nested" --lesson bank --public
if [ -c /dev/null ]; then pass "--out /dev/null leaves /dev/null a device"
else fail "--out /dev/null leaves /dev/null a device" "$(ls -l /dev/null)"
     [ "$(id -u)" = 0 ] && rm -f /dev/null && mknod -m 666 /dev/null c 1 3; fi
