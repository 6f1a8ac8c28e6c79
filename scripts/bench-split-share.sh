#!/usr/bin/env bash
# bench-split-share.sh - what the judge/subject split costs today, as a share
# of a grading's CPU time, measured two ways for each lesson's reference
# solution (a grading first, unmeasured, so that the objects are cached):
#
# 1. counted: what the split adds, counted in one grading with kernel
#    tracepoints (perf, the grading's processes only), times what each piece
#    costs on this machine (scripts/rpc-unit-costs.c, run just before):
#      - round trips: the protocol messages the judge and the subject sent,
#        two per round trip (CALL and RETURN, CALLBACK and CB_RETURN; SPAWN,
#        NEWCHAN, EVENT and FINISH count as half a trip each);
#      - threads and channels: one per judge thread (its partner in the
#        subject is a stub, or the judge thread serves a student thread's
#        callbacks; either way one of the two is new with the split);
#      - judge processes: one start (exec, Check, exit) per test run.
#    This leaves out what the split does not add: the test's own logic (it
#    ran in the test process before), the student's code, the engine, the
#    sanitizer, the grader and the compiler.
# 2. sampled (an upper bound): perf samples every process of the grading
#    and counts every sample of a judge process (so the test's own logic
#    too: a test that spins on sched_yield is all "split" here) and the
#    subject's side of the protocol (its stub threads' time outside the API
#    calls they make, callback round trips, its main thread).
# Prints one row per lesson, then the unit costs used.
#     scripts/bench-split-share.sh [LESSON...]   (default: the six lessons
#     that were ported to the split first: 01 02 03 06 07 12)
# Needs perf (Debian: linux-perf), root (tracepoints) and a grader built
# with `make grader`. Measure on a quiet machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v perf >/dev/null || { echo "bench-split-share: needs perf (apt-get install linux-perf)" >&2; exit 2; }
[ -x "$ROOT/build/grader" ] || { echo "bench-split-share: run make grader first" >&2; exit 2; }
[ $# -gt 0 ] || set -- 01-threads 02-bank 03-transfer 06-event 07-wallet 12-turns
work=$(mktemp -d "${TMPDIR:-/tmp}/split-share-XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
SEED=${SEED:-12345}

gcc -std=c17 -O2 -D_GNU_SOURCE -o "$work/unit-costs" "$ROOT/scripts/rpc-unit-costs.c" \
    "$ROOT/grader/harness/rpc.c" -lpthread
grade() { "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$1" --out "$work/o.json" "$ROOT/solutions" >/dev/null 2>&1 || true; }

printf '%-14s %7s %7s %8s %8s %6s %8s %8s\n' lesson "cpu s" "wall s" trips threads judges counted sampled
for l in "$@"; do
    grade "$l" # objects cached: the gradings below compile only the student's file
    judge=$(ls -t "$ROOT"/build/cache/"$l"-judge-* | grep -v '\.sum$' | head -1)
    install -m 755 "$judge" "$work/judge"
    "$work/unit-costs" "$work/judge" >"$work/units.txt"
    /usr/bin/time -f '%e %U %S' -o "$work/time.txt" \
        "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$l" --out "$work/o.json" "$ROOT/solutions" >/dev/null 2>&1 || true
    perf record -q -c 1 -o "$work/$l.trace" -e syscalls:sys_enter_sendmsg -e task:task_newtask \
        -e sched:sched_process_exec -- \
        "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$l" --out "$work/o.json" "$ROOT/solutions" >/dev/null 2>&1 || true
    perf script -i "$work/$l.trace" -F comm,event 2>/dev/null | sort | uniq -c >"$work/counts.txt"
    mkdir -p "$work/$l"
    # The work dir is kept so that perf can read the subject's symbols.
    GRADER_KEEP_WORKDIR=1 TMPDIR="$work/$l" perf record -q -g -F 999 -o "$work/$l.data" -- \
        "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$l" --out "$work/o.json" "$ROOT/solutions" >/dev/null 2>&1 || true
    perf report -i "$work/$l.data" --no-children --sort comm --stdio -g none 2>/dev/null >"$work/comm.txt"
    perf report -i "$work/$l.data" --children --sort comm,sym --stdio -g none 2>/dev/null >"$work/sym.txt"
    python3 - "$l" "$work" <<'PY'
import re, sys
lesson, work = sys.argv[1:3]
unit = {}
for line in open(work + '/units.txt'):
    name, cpu, _wall = line.split()
    unit[name] = float(cpu) / 1e6
wall, user, sys_ = (float(x) for x in open(work + '/time.txt').read().split()[-3:])
cpu = user + sys_
count = {}
for line in open(work + '/counts.txt'):
    n, comm, event = line.split()
    count[(comm, event.rstrip(':'))] = int(n)
def sent(comm):
    return count.get((comm, 'syscalls:sys_enter_sendmsg'), 0)
trips = (sent('judge') + sent('subject') + sent('subject_tsan')) / 2
judges = count.get(('judge', 'sched:sched_process_exec'), 0)
# A judge's task_newtask events: its threads, and Check's fork (one per judge).
threads = max(count.get(('judge', 'task:task_newtask'), 0) - judges, 0)
split = (trips * unit['round_trip'] + threads * (unit['thread'] + unit['channel'])
         + judges * unit['judge_start'])

def pct(line):
    return float(line.split('%')[0])
judge_pct = sum(pct(x) for x in open(work + '/comm.txt') if re.match(r'\s+[\d.]+%\s+judge\s*$', x))
sym = {}
for x in open(work + '/sym.txt'):
    m = re.match(r'\s+([\d.]+)%\s+[\d.]+%\s+(subject(?:_tsan)?)\s+\[\.\]\s+(\S+)', x)
    if m:
        sym[m.group(3)] = sym.get(m.group(3), 0) + float(m.group(1))
rpc = max((sym.get('serve', 0) - sym.get('call_checked', 0)) + sym.get('remote_run_callback', 0)
          + sym.get('main', 0), 0)
print('%-14s %7.2f %7.2f %8d %8d %6d %7.1f%% %7.1f%%' % (lesson, cpu, wall, trips, threads, judges,
                                                       100 * split / cpu, judge_pct + rpc))
PY
    rm -rf "${work:?}/$l" "$work/$l.data" "$work/$l.trace"
done
echo "unit costs (CPU us, this machine, last lesson's judge): $(tr '\n' ' ' <"$work/units.txt")"
