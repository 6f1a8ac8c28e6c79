#!/usr/bin/env bash
# bench-split.sh [BASE_REV] - what the judge/subject split costs: each
# lesson's grading time (reference solution, full tests, TSan included,
# objects cached, a fixed seed, one lesson at a time) at BASE_REV (default
# 99a045d, the last commit before the split) and at HEAD, median of RUNS runs
# (default 3). Prints a table with the change in percent. Run it on a quiet
# machine: it measures wall time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:-99a045d}
RUNS=${RUNS:-3}
SEED=${SEED:-12345}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-split-XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# checkout NAME REV: a built clone of REV in $work/NAME.
checkout() {
    git clone -q "$ROOT" "$work/$1"
    git -C "$work/$1" checkout -q "$2"
    [ -e "$ROOT/../shared" ] && ln -sfn "$(cd "$ROOT/../shared" && pwd)" "$work/shared"
    make -s -C "$work/$1" grader >/dev/null
}
# lesson_time NAME LESSON: median wall time of grading LESSON's solution.
lesson_time() {
    local dir=$work/$1 t0 t
    "$dir/build/grader" grade --quiet --seed "$SEED" --lesson "$2" --out "$work/warm.json" "$dir/solutions" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        t0=$(now)
        "$dir/build/grader" grade --quiet --seed "$SEED" --lesson "$2" --out "$work/out.json" "$dir/solutions" >/dev/null 2>&1 || true
        awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }'
    done | median
}

checkout base "$BASE"
checkout head HEAD
printf '%-16s %10s %10s %8s\n' lesson "$BASE (s)" "HEAD (s)" change
for l in "$work"/head/exercises/[0-9][0-9]-*/; do
    l=$(basename "$l")
    [ -d "$work/base/exercises/$l" ] || continue
    b=$(lesson_time base "$l"); h=$(lesson_time head "$l")
    awk -v l="$l" -v b="$b" -v h="$h" 'BEGIN { printf "%-16s %10.2f %10.2f %+7.0f%%\n", l, b, h, (h - b) * 100 / b }'
done
