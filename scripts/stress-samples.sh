#!/usr/bin/env bash
# stress-samples.sh - what `grader stress` finds on the engine's sample
# programs, one row each, for notes and reviews: every tests/engine/*.c
# (the plain engine) and tests/engine/vtime/*.c (--virtual-time), with the
# status its first comment expects ("expect: STATUS"), the status found,
# after how many runs and how long, and the start of the report. The suite
# checks the same samples (45-engine, 48-vtime); this only shows them.
#     scripts/stress-samples.sh [SECONDS]   (per sample, default 2)
# Needs a grader built with `make grader`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-2}
[ -x "$ROOT/build/grader" ] || { echo "stress-samples: run make grader first" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/stress-samples-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "| sample | clock | expected | found | runs | seconds | report |"
echo "|---|---|---|---|---|---|---|"
for src in "$ROOT"/tests/engine/*.c "$ROOT"/tests/engine/vtime/*.c; do
    name=$(basename "$src" .c)
    expect=$(sed -n 's/.*expect: *\([a-z-]*\).*/\1/p' "$src" | head -1)
    opts=$(sed -n 's/.*stress-options: *\([-a-z ]*\).*/\1/p' "$src" | head -1)
    clock=real
    case $src in */vtime/*) clock=virtual opts="$opts --virtual-time" ;; esac
    bin=$work/$name
    if ! cc -std=c17 -g -O1 -pthread "$src" -o "$bin" -lm 2>"$bin.log"; then
        echo "| $name | $clock | $expect | does not build | | | |"
        continue
    fi
    # As the suite: a busy waiter is found by the CPU it burns, so its limit is longer.
    limit=3000; [ "$expect" = busy-wait ] && limit=10000
    # shellcheck disable=SC2086 # opts: words
    "$ROOT/build/grader" stress --seconds "$SECS" --timeout "$limit" --seed 11 $opts -- "$bin" \
        >"$bin.json" 2>/dev/null || true
    python3 - "$bin.json" "$name" "$clock" "$expect" <<'PY'
import json, sys
path, name, clock, expect = sys.argv[1:5]
try:
    r = json.load(open(path))
except (OSError, ValueError):
    r = {}
found = r.get('status', 'no report')
msg = ' '.join(str(r.get('message', '')).split())
msg = (msg[:110] + '...') if len(msg) > 110 else msg
mark = '' if found == expect else ' (expected ' + expect + ')'
print('| %s | %s | %s | %s%s | %s | %.2f | %s |' % (
    name, clock, expect, found, mark, r.get('runs', ''), float(r.get('seconds', 0) or 0),
    msg.replace('|', '/')))
PY
done
