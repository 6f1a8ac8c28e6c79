#!/usr/bin/env bash
# bench-faults.sh - where a grading's page faults go. On a virtual machine a
# page fault (and a context switch) costs far more than on bare metal, and
# under load the kernel's share of a grading grows with them: this says
# which processes take them, so that work on a grading's cost starts from
# numbers. For each lesson given, grades its reference solution once (cache
# warm: a grading first, unmeasured) under `perf record -e page-faults -c 1`
# and prints the faults per process kind (grader, judge, subject,
# subject_tsan, the compiler) with how many such processes ran, then each
# ThreadSanitizer subject's threads and faults (TSan's per-thread start-up
# is its largest cost).
#     scripts/bench-faults.sh [LESSON...]   (default: 02-bank 05-semaphore)
# Needs perf (Debian: linux-perf), root (system-wide sampling) and a grader
# built with `make grader`. Measure on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
grader=$root/build/grader
[ -x "$grader" ] || { echo "build the grader first: make grader" >&2; exit 1; }
command -v perf >/dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-faults-XXXXXX")
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- 02-bank 05-semaphore
for id in "$@"; do
    slug=${id#*-}
    sub=$work/$id; mkdir -p "$sub"
    cp "$root/solutions/$id/$slug.c" "$sub/"
    "$grader" grade --quiet --out "$work/$id.json" --lesson "$id" "$sub"
    perf record -q -e page-faults -c 1 -a -o "$work/$id.data" -- \
        "$grader" grade --quiet --out "$work/$id.json" --lesson "$id" "$sub" 2>/dev/null
    echo "== $id: page faults per process kind (processes of that kind)"
    perf script -i "$work/$id.data" -F comm,pid 2>/dev/null | awk '
        { faults[$1]++; seen[$1 " " $2] = 1; total++ }
        END {
            for (k in seen) { split(k, a, " "); procs[a[1]]++ }
            for (c in faults) printf "  %8d  %5.1f%%  %-14s (%d)\n", faults[c], 100 * faults[c] / total, c, procs[c]
            printf "  %8d  total\n", total
        }' | sort -k1,1nr
    echo "   ThreadSanitizer subjects: threads, faults"
    perf script -i "$work/$id.data" -F comm,pid,tid 2>/dev/null | awk '
        $1 == "subject_tsan" { split($2, a, "/"); t[a[1] " " a[2]] = 1; f[a[1]]++ }
        END { for (k in t) { split(k, b, " "); n[b[1]]++ } for (p in n) printf "  %5d %8d\n", n[p], f[p] }' |
        sort -n
done
