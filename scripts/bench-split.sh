#!/usr/bin/env bash
# bench-split.sh [BASE_REV [REV]] - what the judge/subject split costs: each
# lesson's grading time (reference solution, full tests, TSan included,
# objects cached, a fixed seed, one lesson at a time) at BASE_REV (default
# 99a045d, the last commit before the split) and at REV (default HEAD): the median of RUNS
# runs (default 5) of each, taken in turns, wall time and CPU time (user +
# system of the grader and everything it started). Prints a table with the
# changes in percent. LESSONS="03-transfer 06-event" measures only these.
# Run it on a quiet machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:-99a045d}
REV=${2:-HEAD}
RUNS=${RUNS:-5}
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
# one_run NAME LESSON: wall and CPU seconds (user + system, children
# included) of one grading of LESSON's solution, as "WALL CPU".
one_run() {
    local dir=$work/$1 t0
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$work/cpu" \
        "$dir/build/grader" grade --quiet --seed "$SEED" --lesson "$2" --out "$work/out.json" "$dir/solutions" >/dev/null 2>&1 || true
    awk -v a="$(now)" -v b="$t0" -v c="$(cat "$work/cpu")" 'BEGIN { split(c, u, " "); print a - b, u[1] + u[2] }'
}

checkout base "$BASE"
checkout head "$(git -C "$ROOT" rev-parse "$REV")"
printf '%-16s %10s %10s %8s %10s %10s %8s\n' lesson "wall base" "wall HEAD" change "cpu base" "cpu HEAD" change
for l in "$work"/head/exercises/[0-9][0-9]-*/; do
    l=$(basename "$l")
    [ -d "$work/base/exercises/$l" ] || continue
    [ -z "${LESSONS:-}" ] || grep -qw -- "$l" <<<"$LESSONS" || continue
    one_run base "$l" >/dev/null; one_run head "$l" >/dev/null # objects cached
    # Base and HEAD in turns, so a drift in the machine's load hits both.
    : >"$work/b"; : >"$work/h"
    for _ in $(seq "$RUNS"); do
        one_run base "$l" >>"$work/b"
        one_run head "$l" >>"$work/h"
    done
    bw=$(cut -d' ' -f1 "$work/b" | median); hw=$(cut -d' ' -f1 "$work/h" | median)
    bc=$(cut -d' ' -f2 "$work/b" | median); hc=$(cut -d' ' -f2 "$work/h" | median)
    awk -v l="$l" -v bw="$bw" -v hw="$hw" -v bc="$bc" -v hc="$hc" 'BEGIN {
        printf "%-16s %10.2f %10.2f %+7.0f%% %10.2f %10.2f %+7.0f%%\n", l, bw, hw, (hw - bw) * 100 / bw,
               bc, hc, (hc - bc) * 100 / bc }'
done
