#!/usr/bin/env bash
# bench-split-share.sh - what the judge/subject split costs today, as a share
# of a grading's time, measured three ways for each lesson's reference
# solution (a grading first, unmeasured, so that the objects are cached):
#
# 1. in situ (the one that answers the question): the same grading, run
#    RUNS times (default 7) as it is and RUNS times with K no-op round trips
#    added before every call and every callback's answer (the judge's
#    --bench-extra-trips, through GRADER_BENCH_EXTRA_TRIPS), interleaved. K
#    (2 to 99) about doubles the grading's messages. A trip costs what the
#    extra ones added, divided by how many there were (counted with kernel
#    tracepoints, as in 2); the round trips' share is then trips x that cost
#    over the grading's own time, CPU and wall clock. A lesson with
#    asynchronous callbacks (events: one message each, not waited for; 300
#    or more) gets a third arm, RUNS gradings with every event sent twice
#    (GRADER_BENCH_EVENT_COPY: the copy goes to a judge thread of its own
#    that drops it, so it wakes a sleeping reader as the real one does):
#    the events are then counted exactly and priced on their own, the same
#    way. Elsewhere an event is half a trip, as in 2. Priced twice: at the
#    lesson's own price per trip (and event) and at the price pooled over
#    every lesson measured (a lesson of few calls and a long grading has a
#    noisy own). Threads, channels and judge starts are added at the unit
#    costs of 2. This prices a trip where it happens: inside a grading,
#    with the other tests of the lesson running beside it.
# 2. counted: what the split adds, counted in one grading with kernel
#    tracepoints (perf, the grading's processes only), times what each piece
#    costs alone on this machine (scripts/rpc-unit-costs.c, run just before):
#      - round trips: the protocol messages the judge and the subject sent,
#        two per round trip (CALL and RETURN, CALLBACK and CB_RETURN; SPAWN,
#        NEWCHAN, EVENT and FINISH count as half a trip each);
#      - threads and channels: one per judge thread (its partner in the
#        subject is a stub, or the judge thread serves a student thread's
#        callbacks; either way one of the two is new with the split);
#      - judge processes: one start (exec, Check, exit) per test run.
#    A round trip alone, between two otherwise idle CPUs, pays for waking
#    an idle CPU each way, which on a virtual machine costs tens of
#    microseconds more than it does in a grading that keeps both CPUs busy:
#    this column is the pessimistic one.
#    Both leave out what the split does not add: the test's own logic (it
#    ran in the test process before), the student's code, the engine, the
#    sanitizer, the grader and the compiler.
# 3. sampled (an upper bound): perf samples every process of the grading
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
# graded LESSON [PREFIX...]: one grading of LESSON's solution, run by PREFIX
# (env with its assignments, then a measuring command, if any)
graded() {
    local l=$1
    shift
    "$@" "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$l" --out "$work/o.json" \
        "$ROOT/solutions" >/dev/null 2>&1 || true
}
RUNS=${RUNS:-7}
# timed LABEL LESSON [ENV...]: one grading, its "LABEL wall user sys" appended to times.txt
timed() { graded "$2" env "${@:3}" /usr/bin/time -f "$1 %e %U %S" -a -o "$work/times.txt"; }
# trace LESSON FILE [ENV...]: one grading under perf, the counts of its events in FILE
trace() {
    graded "$1" env "${@:3}" perf record -q -c 1 -o "$work/$1.trace" -e syscalls:sys_enter_sendmsg \
        -e task:task_newtask -e sched:sched_process_exec --
    perf script -i "$work/$1.trace" -F comm,event 2>/dev/null | sort | uniq -c >"$2"
}

for l in "$@"; do
    graded "$l" # objects cached: the gradings below compile only the student's file
    trace "$l" "$work/counts.txt"
    # K: enough no-op trips per call to about double the grading's messages.
    # A lesson whose messages are mostly asynchronous callbacks (12's `say`)
    # makes few calls, and a K of 2 would add too few trips to measure.
    K=$(awk '$2 == "judge" && $3 ~ /sendmsg/ { j = $1 } $2 ~ /^subject/ && $3 ~ /sendmsg/ { s += $1 }
             END { k = j ? int((j + s) / 2 / j + 0.999) : 2; print (k < 2 ? 2 : k > 99 ? 99 : k) }' \
        "$work/counts.txt")
    extra=GRADER_BENCH_EXTRA_TRIPS=$K
    echo "$l $K" >>"$work/k.txt"
    graded "$l" env "$extra"
    # A lesson with asynchronous callbacks (events: what the subject sends
    # beyond its answers to the judge, a few hundred or more) gets a third
    # arm: every event sent twice (GRADER_BENCH_EVENT_COPY).
    copy=GRADER_BENCH_EVENT_COPY=1
    events=$(awk '$2 == "judge" && $3 ~ /sendmsg/ { j = $1 } $2 ~ /^subject/ && $3 ~ /sendmsg/ { s += $1 }
                  END { print s - j }' "$work/counts.txt")
    : >"$work/times.txt"
    for _ in $(seq "$RUNS"); do
        timed plain "$l"
        timed extra "$l" "$extra"
        [ "$events" -lt 300 ] || timed copy "$l" "$copy"
    done
    trace "$l" "$work/counts-extra.txt" "$extra"
    rm -f "$work/counts-copy.txt"
    [ "$events" -lt 300 ] || trace "$l" "$work/counts-copy.txt" "$copy"
    judge=$(ls -t "$ROOT"/build/cache/"$l"-judge-* | grep -v '\.sum$' | head -1)
    install -m 755 "$judge" "$work/judge"
    "$work/unit-costs" "$work/judge" >"$work/units.txt"
    mkdir -p "$work/$l"
    # The work dir is kept so that perf can read the subject's symbols.
    graded "$l" env GRADER_KEEP_WORKDIR=1 TMPDIR="$work/$l" perf record -q -g -F 999 -o "$work/$l.data" --
    perf report -i "$work/$l.data" --no-children --sort comm --stdio -g none 2>/dev/null >"$work/comm.txt"
    perf report -i "$work/$l.data" --children --sort comm,sym --stdio -g none 2>/dev/null >"$work/sym.txt"
    python3 - "$l" "$work" <<'PY'
import re, sys
lesson, work = sys.argv[1:3]
unit = {}
for line in open(work + '/units.txt'):
    name, cpu, _wall = line.split()
    unit[name] = float(cpu) / 1e6
from statistics import median
runs = {'plain': [], 'extra': [], 'copy': []}
for line in open(work + '/times.txt'):
    label, w, u, s_ = line.split()
    runs[label].append((float(w), float(u) + float(s_)))
wall = median(r[0] for r in runs['plain'])
cpu = median(r[1] for r in runs['plain'])
def counts(path):
    count = {}
    for line in open(path):
        n, comm, event = line.split()
        count[(comm, event.rstrip(':'))] = int(n)
    return count
def trips_of(count):
    sent = lambda comm: count.get((comm, 'syscalls:sys_enter_sendmsg'), 0)
    return (sent('judge') + sent('subject') + sent('subject_tsan')) / 2
count = counts(work + '/counts.txt')
trips = trips_of(count)
added = trips_of(counts(work + '/counts-extra.txt')) - trips
if added <= 0:
    sys.exit('bench-split-share: GRADER_BENCH_EXTRA_TRIPS added no round trip: is the grader rebuilt?')
# With the copy arm, the events are counted exactly (each copy is one more
# message from the subject) and priced on their own; the rest are trips.
import os
events = 0
if os.path.exists(work + '/counts-copy.txt'):
    events = 2 * (trips_of(counts(work + '/counts-copy.txt')) - trips)
    if events <= 0:
        sys.exit('bench-split-share: GRADER_BENCH_EVENT_COPY added no event: is the grader rebuilt?')
    trips -= events / 2
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
# In situ: what the added trips cost (the median of the paired
# differences); priced at the end, per lesson and pooled.
pairs = list(zip(runs['plain'], runs['extra']))
cpairs = list(zip(runs['plain'], runs['copy']))
row = dict(lesson=lesson, cpu=cpu, wall=wall, trips=trips, threads=threads, judges=judges,
           added=added, k=dict(l.split() for l in open(work + '/k.txt'))[lesson],
           dcpu=median(e[1] - p[1] for p, e in pairs), dwall=median(e[0] - p[0] for p, e in pairs),
           events=events,
           ecpu=median(e[1] - p[1] for p, e in cpairs) if events else 0,
           ewall=median(e[0] - p[0] for p, e in cpairs) if events else 0,
           others=threads * (unit['thread'] + unit['channel']) + judges * unit['judge_start'],
           counted=100 * split / cpu, sampled=judge_pct + rpc)
import json
with open(work + '/rows.jsonl', 'a') as f:
    f.write(json.dumps(row) + '\n')
PY
    rm -rf "${work:?}/$l" "$work/$l.data" "$work/$l.trace"
done
python3 - "$work" "$RUNS" <<'PY'
# The table. A trip's in-situ price is the lesson's own (its added trips'
# cost over their number) and the pooled one (all lessons' added cost over
# all their added trips): a lesson whose grading varies more than its added
# trips cost (few calls, a long grading) has a noisy price of its own.
import json, sys
work, runs = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(work + '/rows.jsonl')]
pool_cpu = max(sum(r['dcpu'] for r in rows), 0) / sum(r['added'] for r in rows)
pool_wall = max(sum(r['dwall'] for r in rows), 0) / sum(r['added'] for r in rows)
erows = [r for r in rows if r['events']]
pool_ecpu = max(sum(r['ecpu'] for r in erows), 0) / sum(r['events'] for r in erows) if erows else 0
pool_ewall = max(sum(r['ewall'] for r in erows), 0) / sum(r['events'] for r in erows) if erows else 0
print('%-14s %6s %6s %6s %6s %7s %6s %21s %21s %8s %8s' % (
    'lesson', 'cpu s', 'wall s', 'trips', 'events', 'threads', 'judges', 'in situ cpu own/pool',
    'in situ wall own/pool', 'counted', 'sampled'))
for r in rows:
    ev = r['events'] or 1
    own = lambda d, e: (max(r[d], 0) / r['added'], max(r[e], 0) / ev)
    share = lambda prices, of: 100 * (r['trips'] * prices[0] + r['events'] * prices[1]
                                      + r['others']) / r[of]
    print('%-14s %6.2f %6.2f %6d %6d %7d %6d %9.1f%% / %6.1f%% %9.1f%% / %6.1f%% %7.1f%% %7.1f%%' % (
        r['lesson'], r['cpu'], r['wall'], r['trips'], r['events'], r['threads'], r['judges'],
        share(own('dcpu', 'ecpu'), 'cpu'), share((pool_cpu, pool_ecpu), 'cpu'),
        share(own('dwall', 'ewall'), 'wall'), share((pool_wall, pool_ewall), 'wall'),
        r['counted'], r['sampled']))
print('in situ, a round trip (K no-op trips added per call and callback, %s runs each):' % runs)
for r in rows:
    print('    %s: K=%s, %d trips added, %.1f us CPU and %.1f us wall each' % (
        r['lesson'], r['k'], r['added'], 1e6 * max(r['dcpu'], 0) / r['added'],
        1e6 * max(r['dwall'], 0) / r['added']))
print('    pooled: %.1f us CPU and %.1f us wall each' % (1e6 * pool_cpu, 1e6 * pool_wall))
if erows:
    print('in situ, an event (each sent twice, the copy to a reader that drops it; %s runs each):'
          % runs)
    for r in erows:
        print('    %s: %d events added, %.1f us CPU and %.1f us wall each' % (
            r['lesson'], r['events'], 1e6 * max(r['ecpu'], 0) / r['events'],
            1e6 * max(r['ewall'], 0) / r['events']))
    print('    pooled: %.1f us CPU and %.1f us wall each' % (1e6 * pool_ecpu, 1e6 * pool_ewall))
PY
echo "unit costs (CPU us, this machine, last lesson's judge): $(tr '\n' ' ' <"$work/units.txt")"
