#!/usr/bin/env bash
# lesson-pass.sh LESSON - everything the suite checks about one lesson, once:
#   - the skeleton (exercises/L/slug.c) is graded and scores 0;
#   - the reference solution (solutions/L/slug.c) gets full marks
#     LESSON_RUNS times (default 2; tests/suites/20-lessons.sh keeps the
#     machine loaded meanwhile);
#   - every buggy variant (tests/lessons/L/buggy/*.c) loses points in each
#     category its first comment's "expect:" line names, and each
#     "says: TEXT" line there is in some failing test's message; a variant
#     runs only the tests of those categories (`grader grade --category`):
#     what the check looks at, without the minutes a broken variant spends
#     timing out in the others;
#   - every correct alternative (tests/lessons/L/correct/*.c) gets full marks;
#   - every JSON validates against the schema.
# A lesson needs buggy/ and correct/, each with at least one file.
# Run by tests/suites/20-lessons.sh for every lesson (in parallel); on its own
# (`tests/lesson-pass.sh NN-slug`) it prints its own "N passed, N failed".
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
GRADER=${GRADER:-$ROOT/build/grader}
export ROOT GRADER
standalone=0
if [ -z "${RESULTS_DIR:-}" ]; then
    standalone=1
    RESULTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lesson-pass-XXXXXX")
    export RESULTS_DIR
    trap 'rm -rf "$RESULTS_DIR"' EXIT
    : >"$RESULTS_DIR/passed"
fi
source "$ROOT/tests/lib.sh"

id=${1:?usage: lesson-pass.sh NN-slug}
id=${id%/}
slug=${id#*-}
ldir=$ROOT/exercises/$id
tdir=$ROOT/tests/lessons/$id
runs=${LESSON_RUNS:-2}
work=$(tmpdir)
jsons=()

# judged NAME KIND JSON [CATEGORY...]: one entry for one grading's verdict.
judged() {
    local name=$1 kind=$2 json=$3; shift 3
    local v
    v=$($PY "$ROOT/tests/judge.py" "$kind" "$json" "$@")
    if [ "$v" = 1 ]; then pass "$name"; else fail "$name" "${v#0 }"; fi
}

# graded NAME KIND SRC [CATEGORY...]: grades SRC as the lesson's file, judges it.
# $only (--category options) narrows the grading.
only=()
graded() {
    local name=$1 kind=$2 src=$3; shift 3
    local sub
    sub=$(mktemp -d "$work/sub-XXXXXX")
    cp "$src" "$sub/$slug.c"
    local t0=$SECONDS
    grade "$sub.json" "$sub" --lesson "$id" "${only[@]}" >"$sub.log" 2>&1
    local rc=$?
    # Each grading's time joins the run's "Slowest parts": a variant that
    # costs a minute shows by name.
    record_time $((SECONDS - t0)) "grading $id $kind $(basename "$src" .c)"
    if [ $rc -ne 0 ]; then
        fail "$name" "grader exited $rc: $(tail -n 3 "$sub.log" | tr '\n' ' ')"
        return
    fi
    jsons+=("$sub.json")
    judged "$name" "$kind" "$sub.json" "$@"
}

[ -f "$ldir/$slug.c" ] || fail "$id skeleton present" "no exercises/$id/$slug.c"
[ -f "$ldir/$slug.c" ] && graded "$id skeleton scores 0" skeleton "$ldir/$slug.c"

sol=$ROOT/solutions/$id/$slug.c
if [ -f "$sol" ]; then
    for i in $(seq "$runs"); do
        graded "$id solution full marks (run $i of $runs)" solution "$sol"
    done
else
    fail "$id solution present" "no solutions/$id/$slug.c"
fi

for kind in buggy correct; do
    set -- "$tdir/$kind"/*.c
    if [ ! -f "$1" ]; then
        fail "$id has $kind/ variants" "tests/lessons/$id/$kind/ holds no .c file"
        continue
    fi
    for v in "$@"; do
        name=$(basename "$v" .c)
        if [ $kind = buggy ]; then
            expect=$(sed -n 's/.*expect: *\([a-z ]*\).*/\1/p' "$v" | head -1 | xargs)
            only=()
            for c in $expect; do only+=(--category "$c"); done
            # shellcheck disable=SC2086 # the categories are words
            JUDGE_SOURCE=$v graded "$id buggy $name caught (${expect:-no expect: line})" buggy \
                "$v" $expect
            only=()
        else
            graded "$id correct $name: full marks" correct "$v"
        fi
    done
done

if [ ${#jsons[@]} -gt 0 ]; then
    check "$id: every JSON valid (${#jsons[@]})" validate "${jsons[@]}"
fi

if [ $standalone = 1 ]; then
    echo "$(count_passed) passed, $(count_failed) failed"
    [ "$(count_failed)" -eq 0 ]
    exit
fi
exit 0 # in the suite: any other status means this script broke (20-lessons fails the lesson)
