#!/usr/bin/env bash
# bench-engine.sh - what the concurrency engine costs per test run, in CPU.
# For each lesson given, grades its reference solution once (cache warm: a
# grading first, unmeasured) under `perf record` (999 samples a second,
# every process of the grading) and counts the samples that fall in the
# engine's own source files inside the subjects (plain and ThreadSanitizer):
# the Makefile's ENGINE_SRC, the interception layer (intercept*.c,
# c11threads.c, atomics.c, leftovers.c). The student's own pthread calls
# (glibc's pthread_mutex_lock.c and the like) are not the engine's, even
# when a wrapper makes them. Prints per lesson: the grading's CPU, the
# subject processes that ran (one per test run and flavour, and those they
# forked), the engine's CPU per subject and its share of the grading. The engine's wall-clock cost (the
# schedule noise it sleeps, capped per test) is not CPU and not counted.
#     scripts/bench-engine.sh [LESSON...]   (default: every lesson)
# Needs perf (Debian: linux-perf), root (sampling every process) and a
# grader built with `make grader`. Measure on a quiet machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v perf >/dev/null || { echo "bench-engine: needs perf (apt-get install linux-perf)" >&2; exit 2; }
[ -x "$ROOT/build/grader" ] || { echo "bench-engine: run make grader first" >&2; exit 2; }
[ $# -gt 0 ] || set -- $(ls "$ROOT/solutions")
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-engine-XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
SEED=${SEED:-12345}
engine_src=$(sed -n 's/^ENGINE_SRC := //p' "$ROOT/Makefile")
(cd "$ROOT/grader/harness" && ls intercept*.c) >"$work/engine-files"
printf '%s\n' $engine_src c11threads.c atomics.c leftovers.c >>"$work/engine-files"

printf '%-16s %7s %8s %18s %7s\n' lesson "cpu s" subjects "engine ms/subject" share
for l in "$@"; do
    graded() {
        "$@" "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$l" --out "$work/o.json" \
            "$ROOT/solutions" >/dev/null 2>&1 || true
    }
    graded env # objects cached
    mkdir -p "$work/$l"
    # The work dir is kept so that perf can read the subjects' debug info.
    graded env GRADER_KEEP_WORKDIR=1 TMPDIR="$work/$l" perf record -q -F 999 -o "$work/$l.data" --
    perf report -i "$work/$l.data" --no-children --sort comm,srcfile --stdio 2>/dev/null >"$work/src.txt"
    perf script -i "$work/$l.data" -F comm,pid 2>/dev/null >"$work/samples.txt"
    python3 - "$l" "$work" <<'PY'
import re, sys
lesson, work = sys.argv[1:3]
engine = set(open(work + '/engine-files').read().split())
text = open(work + '/src.txt').read()
samples, subjects = 0, set()
for line in open(work + '/samples.txt'):
    f = line.split()
    samples += 1
    if len(f) == 2 and f[0].startswith('subject'):
        subjects.add(f[1])
runs = len(subjects)
share = 0.0
for line in text.splitlines():
    f = line.split()
    if len(f) == 3 and f[0].endswith('%') and f[1].startswith('subject') and f[2] in engine:
        share += float(f[0].rstrip('%'))
cpu = samples / 999.0
per_run = 1000 * cpu * share / 100 / runs if runs else 0
print('%-16s %7.2f %8d %18.1f %6.1f%%' % (lesson, cpu, runs, per_run, share))
PY
    rm -rf "${work:?}/$l" "$work/$l.data"
done
