#!/usr/bin/env bash
# bench-split-share.sh - what the judge/subject split costs today, as a share
# of a grading's CPU time. bench-split.sh compares with the commit before the
# split, but the tests and the engine have grown since, so that comparison
# no longer isolates the split. This one samples every process of a grading
# of each lesson's reference solution (perf record, all CPUs the grading
# uses, call graphs) and counts as the split's cost:
#   - every sample of a judge process: its start, Check's fork, its threads,
#     its sockets, and the test's own logic, which before the split ran in
#     the test process (so this overcounts);
#   - the subject's side of the protocol: its stub threads' time outside the
#     API calls they make (serve minus call_checked), the callbacks' round
#     trips (remote_run_callback) and its main thread (control channel,
#     spawning stubs; also the engine's start, which is older than the split).
# The rest (the student's code, the engine, the sanitizer, the grader, the
# compiler) is there with or without the split. Prints one row per lesson.
#     scripts/bench-split-share.sh [LESSON...]   (default: the six lessons
#     that were ported to the split: 01 02 03 06 07 12)
# Needs perf (Debian: linux-perf) and a grader built with `make grader`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v perf >/dev/null || { echo "bench-split-share: needs perf (apt-get install linux-perf)" >&2; exit 2; }
[ -x "$ROOT/build/grader" ] || { echo "bench-split-share: run make grader first" >&2; exit 2; }
[ $# -gt 0 ] || set -- 01-threads 02-bank 03-transfer 06-event 07-wallet 12-turns
work=$(mktemp -d "${TMPDIR:-/tmp}/split-share-XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
SEED=${SEED:-12345}

printf '%-14s %8s %8s %10s %8s\n' lesson "cpu s" "judge" "subj rpc" split
for l in "$@"; do
    # Objects cached first, so the grading below compiles only the student's file.
    "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$l" --out "$work/o.json" "$ROOT/solutions" >/dev/null 2>&1 || true
    mkdir -p "$work/$l"
    # The work dir is kept so that perf can read the subject's symbols.
    GRADER_KEEP_WORKDIR=1 TMPDIR="$work/$l" perf record -q -g -F 999 -o "$work/$l.data" -- \
        "$ROOT/build/grader" grade --quiet --seed "$SEED" --lesson "$l" --out "$work/o.json" "$ROOT/solutions" >/dev/null 2>&1 || true
    perf report -i "$work/$l.data" --no-children --sort comm --stdio -g none 2>/dev/null >"$work/comm.txt"
    perf report -i "$work/$l.data" --children --sort comm,sym --stdio -g none 2>/dev/null >"$work/sym.txt"
    python3 - "$l" "$work/comm.txt" "$work/sym.txt" "$work/$l.data" <<'PY'
import re, subprocess, sys
lesson, comm_txt, sym_txt, data = sys.argv[1:5]
def pct(line):
    return float(line.split('%')[0])
judge = sum(pct(l) for l in open(comm_txt) if re.match(r'\s+[\d.]+%\s+judge\s*$', l))
# children % of a symbol in the subject's two flavours
sym = {}
for l in open(sym_txt):
    m = re.match(r'\s+([\d.]+)%\s+[\d.]+%\s+(subject(?:_tsan)?)\s+\[\.\]\s+(\S+)', l)
    if m:
        key = m.group(3)
        sym[key] = sym.get(key, 0) + float(m.group(1))
rpc = (sym.get('serve', 0) - sym.get('call_checked', 0)) + sym.get('remote_run_callback', 0) + sym.get('main', 0)
rpc = max(rpc, 0)
out = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--sort', 'comm', '-g', 'none',
                      '--show-total-period'], capture_output=True, text=True).stdout
m = re.search(r'Event count \(approx\.\): (\d+)', out)
cpu = int(m.group(1)) / 1e9 if m else 0
print('%-14s %8.2f %7.1f%% %9.1f%% %7.1f%%' % (lesson, cpu, judge, rpc, judge + rpc))
PY
    rm -rf "${work:?}/$l" "$work/$l.data"
done
