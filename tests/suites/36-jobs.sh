# 36-jobs: `grader grade --jobs N` grades lessons in parallel child
# processes. The results and the progress lines must not depend on N; a
# lesson whose child dies is an `error` lesson, never a missing one; a killed
# grader leaves nothing running.
# beside: others
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
sub="$work/sub"; mkdir -p "$sub"
for l in 01-threads 02-bank 12-turns; do
    mkdir -p "$sub/$l"; cp "$ROOT"/solutions/$l/*.c "$sub/$l/"
done
lessons=(--lesson 01-threads --lesson 02-bank --lesson 12-turns)

# The same grading, one lesson at a time and three at once.
"$GRADER" grade --public --seed 77 --jobs 1 "${lessons[@]}" --out "$work/j1.json" "$sub" 2>"$work/j1.err"
"$GRADER" grade --public --seed 77 --jobs 3 "${lessons[@]}" --out "$work/j3.json" "$sub" 2>"$work/j3.err"
if cmp -s "$work/j1.err" "$work/j3.err" && [ -s "$work/j1.err" ]; then pass "--jobs 3: the same progress lines, in the same order, as --jobs 1"
else fail "--jobs 3: the same progress lines, in the same order, as --jobs 1" "$(diff "$work/j1.err" "$work/j3.err" | head -4 | tr '\n' ' ')"; fi
same=$($PY - "$work/j1.json" "$work/j3.json" <<'PY'
import json, sys
def norm(o):
    if isinstance(o, dict): return {k: norm(v) for k, v in o.items() if k not in ('duration_ms', 'graded_at')}
    if isinstance(o, list): return [norm(x) for x in o]
    return o
a, b = (norm(json.load(open(f))) for f in sys.argv[1:3])
print('same' if a == b else 'differ: %s vs %s' % ([l['id'] for l in a['lessons']], [l['id'] for l in b['lessons']]))
PY
)
if [ "$same" = same ]; then pass "--jobs 3: the same JSON as --jobs 1 (lesson order, tests, scores)"
else fail "--jobs 3: the same JSON as --jobs 1 (lesson order, tests, scores)" "$same"; fi

# One lesson with cores to spare: its tests run side by side (timing tests
# alone). Same JSON, same progress as one at a time.
for l in 01-threads 12-turns; do
    "$GRADER" grade --seed 78 --jobs 1 --lesson $l --out "$work/t1-$l.json" "$sub" 2>"$work/t1-$l.err"
    "$GRADER" grade --seed 78 --jobs 4 --lesson $l --out "$work/t4-$l.json" "$sub" 2>"$work/t4-$l.err"
    same=$($PY - "$work/t1-$l.json" "$work/t4-$l.json" <<'PY'
import json, sys
def norm(o):
    if isinstance(o, dict): return {k: norm(v) for k, v in o.items() if k not in ('duration_ms', 'graded_at')}
    if isinstance(o, list): return [norm(x) for x in o]
    return o
a, b = (norm(json.load(open(f))) for f in sys.argv[1:3])
print('same' if a == b and a['lessons'][0]['tests'] else 'differ: %s' % [(x['name'], x['status'], y['name'], y['status']) for x, y in zip(a['lessons'][0]['tests'], b['lessons'][0]['tests']) if x != y][:3])
PY
)
    if [ "$same" = same ] && cmp -s "$work/t1-$l.err" "$work/t4-$l.err"; then pass "$l, tests side by side (--jobs 4): the same JSON and progress as one at a time"
    else fail "$l, tests side by side (--jobs 4): the same JSON and progress as one at a time" "$same $(diff "$work/t1-$l.err" "$work/t4-$l.err" | head -3 | tr '\n' ' ')"; fi
done

for bad in 0 -1 x 257; do
    "$GRADER" grade --jobs "$bad" --out "$work/bad.json" "$sub" >/dev/null 2>&1
    rc=$?
    [ "$rc" = 2 ] || { fail "--jobs $bad: usage (2)" "exit $rc"; continue; }
    pass "--jobs $bad: usage (2)"
done

# A lesson's child killed mid-grading: that lesson is `error` with a message,
# the next one is still graded, the grader exits 0.
"$GRADER" grade --public --jobs 1 --lesson 02-bank --lesson 12-turns --out "$work/kill.json" "$sub" 2>"$work/kill.err" &
gpid=$!
child=
for _ in $(seq 200); do
    child=$(pgrep -x -P "$gpid" grader | head -1) # not its cgroup keeper (grader-cgkeep)
    [ -n "$child" ] && grep -q "02-bank:" "$work/kill.err" 2>/dev/null && break
    sleep 0.05
done
[ -n "$child" ] && kill -KILL "$child"
wait "$gpid"; rc=$?
got=$(jrun "$work/kill.json" "
L = {l['id']: l for l in r['lessons']}
print(L['02-bank']['status'], 'signal 9' in L['02-bank'].get('message', ''), L['12-turns']['status'], L['12-turns']['score'] == L['12-turns']['max_score'])" 2>&1)
if [ "$rc" = 0 ] && [ "$got" = "error True graded True" ]; then pass "a lesson's child killed: that lesson is error (signal named), the next graded"
else fail "a lesson's child killed: that lesson is error (signal named), the next graded" "rc=$rc child=$child $got"; fi

# The grader killed: its lesson children and their test runs go with it.
tmp="$work/killtmp"; mkdir -p "$tmp"
TMPDIR="$tmp" "$GRADER" grade --quiet --jobs 2 --out "$work/k2.json" "$sub" &
gpid=$!
for _ in $(seq 200); do
    [ "$(pgrep -x -P "$gpid" grader | wc -l)" -ge 2 ] && break # two lesson children
    sleep 0.05
done
sleep 0.5
kids=$(pgrep -P "$gpid" | tr '\n' ' ') # its cgroup keeper too: it must die with it
kill -KILL "$gpid"; wait "$gpid" 2>/dev/null
sleep 1
left=
alive() { grep -q '^State:[[:space:]]*[^Z[:space:]]' "/proc/$1/status" 2>/dev/null; } # zombies are dead
for k in $kids; do alive "$k" && left="$left lesson child $k ($(grep State /proc/$k/status; tr "\\0" " " </proc/$k/cmdline));"; done
for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "$tmp" && alive "${p#/proc/}"; then
        left="$left ${p#/proc/};"
    fi
done
if [ -n "$kids" ] && [ -z "$left" ]; then pass "grader killed (SIGKILL): no lesson child or test run left"
else fail "grader killed (SIGKILL): no lesson child or test run left" "children: ${kids:-none}; still running:$left"
     for k in $kids; do kill -KILL "$k" 2>/dev/null; done; fi
