#!/usr/bin/env bash
# bench-grading.sh - how long grading takes, for the numbers we quote:
#   - `make check` cold (fresh clone: grader and course objects built) and
#     warm (`make check LESSON=02-bank` with the lesson solved),
#   - `grader grade` of the reference solutions, per lesson and in all,
#     TSan runs included, with the full (public + hidden) tests.
# Each timing is the median of RUNS runs (default 3). Run it on a quiet
# machine; it prints a table.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-grading-XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }'; }

git clone -q "$ROOT" "$work/course"
[ -e "$ROOT/../shared" ] && ln -s "$(cd "$ROOT/../shared" && pwd)" "$work/shared"
cd "$work/course"
cold=$(timeit make check)
cp solutions/02-bank/bank.c exercises/02-bank/
warm=$(for _ in $(seq "$RUNS"); do timeit make check LESSON=02-bank; done | median)

printf '%-34s %8s\n' "what" "seconds"
printf '%-34s %8.2f\n' "make check, cold (builds grader)" "$cold"
printf '%-34s %8.2f\n' "make check LESSON=02-bank, warm" "$warm"
total=0
for d in solutions/*/; do
    id=$(basename "$d")
    t=$(for _ in $(seq "$RUNS"); do timeit build/grader grade --quiet --lesson "$id" --out /dev/null solutions; done | median)
    printf '%-34s %8.2f\n' "grade solutions, $id" "$t"
done
t=$(for _ in $(seq "$RUNS"); do timeit build/grader grade --quiet --out /dev/null solutions; done | median)
printf '%-34s %8.2f\n' "grade solutions, every lesson" "$t"
echo "(median of $RUNS runs; $(nproc) cores; load average $(cut -d' ' -f1 /proc/loadavg) at the end)"
