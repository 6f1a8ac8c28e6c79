#!/usr/bin/env bash
# bench-grading.sh - how long grading takes, for the numbers we quote (issue
# #8's targets: the full course <= 16 s on 2 cores, a warm `make check
# LESSON=02-bank` <= 1 s):
#   - the full course, warm: `grader grade` of the reference solutions, every
#     lesson, full tests (public + hidden), TSan included, course objects cached;
#   - the full course, cold: the same with an empty object cache;
#   - `make check LESSON=02-bank`, warm, with the lesson solved;
#   - each lesson alone, warm (where the time goes).
# Each timing is the median of RUNS runs (default 3), on a clone of this
# checkout. JOBS sets `grader grade --jobs` (default: the grader's, the
# number of cores). Run it on a quiet machine; it prints a table.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-grading-XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }'; }
row() { printf '%-40s %8.2f\n' "$1" "$2"; }

git clone -q "$ROOT" "$work/course"
[ -e "$ROOT/../shared" ] && ln -s "$(cd "$ROOT/../shared" && pwd)" "$work/shared"
cd "$work/course"
make -s grader >/dev/null
jobs=()
[ -n "${JOBS:-}" ] && jobs=(--jobs "$JOBS")
grade_all() { build/grader grade --quiet "${jobs[@]}" --out "$work/out.json" "$@" solutions; }

cold=$(for _ in $(seq "$RUNS"); do rm -rf build/cache; timeit grade_all; done | median)
warm=$(for _ in $(seq "$RUNS"); do timeit grade_all; done | median)
cp solutions/02-bank/bank.c exercises/02-bank/
make -s check LESSON=02-bank >/dev/null 2>&1 || true # warms the public test objects
check=$(for _ in $(seq "$RUNS"); do timeit make check LESSON=02-bank; done | median)

printf '%-40s %8s\n' "what" "seconds"
row "full course, warm (grade solutions)" "$warm"
row "full course, cold (empty object cache)" "$cold"
row "make check LESSON=02-bank, warm" "$check"
for d in solutions/*/; do
    id=$(basename "$d")
    t=$(for _ in $(seq "$RUNS"); do timeit grade_all --lesson "$id"; done | median)
    row "  one lesson, warm: $id" "$t"
done
echo "(median of $RUNS runs; --jobs ${JOBS:-default}; $(nproc) cores; load average $(cut -d' ' -f1 /proc/loadavg) at the end)"
