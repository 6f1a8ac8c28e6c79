#!/usr/bin/env bash
# containment-table.sh - what each robust and hostile case scored at each
# sandbox level: the table issue 9's note asks for ("every class contained
# at every level, with the level and the score seen"). Runs
# tests/suites/30-robust.sh alone (as root it grades every level; as a user,
# the levels a user has) and prints one markdown row per case: its score (or
# lesson status) at full, namespaces, rlimits as root, and rlimits as a user
# (results not protected), then the suite's own count of passed and failed
# checks. The suite's checks are the verdict (each case within its
# expect-max-score, nothing left behind); this only shows what it saw.
#   scripts/containment-table.sh            run the suite, then the table
#   scripts/containment-table.sh --from DIR only the table, from the
#                                           RESULTS_DIR of an earlier run
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT GRADER=$ROOT/build/grader
if [ "${1:-}" = --from ]; then
    dir=${2:?usage: $0 [--from RESULTS_DIR]}
else
    [ -x "$GRADER" ] || { echo "containment-table: build the grader first (make grader)" >&2; exit 2; }
    dir=$(mktemp -d "${TMPDIR:-/tmp}/containment-XXXXXX")
    trap 'rm -rf "$dir"' EXIT
    mkdir -p "$dir/failed.d"; : >"$dir/passed"; : >"$dir/times"
    RESULTS_DIR=$dir bash "$ROOT/tests/suites/30-robust.sh" >"$dir/suite.log" 2>&1
fi
python3 - "$dir" <<'PY'
import collections, glob, json, os, sys
rows = collections.defaultdict(dict)
for f in glob.glob(sys.argv[1] + '/t-*/**/*.json', recursive=True):
    try:
        r = json.load(open(f))
        L = r['lessons'][0]
    except Exception:
        continue
    sb = r.get('sandbox', {})
    level = sb.get('level', '?') + ('' if sb.get('results_protected', True) else ', as a user')
    name = os.path.basename(f)[:-len('.json')].split('-user')[0]
    rows[name][level] = '%g' % L['score'] if L['status'] == 'graded' else L['status']
cols = ['full', 'namespaces', 'rlimits', 'rlimits, as a user']
print('| case | ' + ' | '.join(cols) + ' |')
print('|---' * (len(cols) + 1) + '|')
for n in sorted(rows):
    print('| %s | %s |' % (n, ' | '.join(rows[n].get(c, '') for c in cols)))
PY
echo "$(wc -l <"$dir/passed") passed, $(find "$dir/failed.d" -type f | wc -l) failed (tests/suites/30-robust.sh)"
