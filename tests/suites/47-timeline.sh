# 47-timeline: every failure names the student's lines (issue 10, point 6).
# - a failing lesson variant (07-wallet: `if` instead of `while` around the
#   wait; 03-transfer: locks in opposite orders) carries in its JSON a
#   timeline of its threads' last synchronisation events, each naming the
#   line of the student's file where it happened, and that line makes that
#   call (a wait line waits, a lock line locks);
# - a passing test carries none, and the correct twin none at all;
# - `--table --details` prints it under the failure, one event per line
#   (the table goes to stderr when --out names a file);
# - the class report draws it (lanes per thread), markup escaped.
# - a busy waiter (05-semaphore) is named with the line it loops on.
# (A forged timeline: tests/hostile/forge_timeline.c, in 30-robust.)
# beside: others
source "$ROOT/tests/lib.sh"

work=$(tmpdir)

# timeline_problems JSON SOURCE: what is wrong with the timelines of JSON
# (graded from SOURCE), or nothing.
timeline_problems() {
    $PY - "$1" "$2" <<'PYEOF' 2>&1
import json, os, re, sys
doc, src = json.load(open(sys.argv[1])), sys.argv[2]
lines = open(src).read().split('\n')
base = re.escape(os.path.basename(src))
calls = {'lock': 'pthread_mutex_lock', 'unlock': 'pthread_mutex_unlock',
         'wait': 'pthread_cond_wait', 'timedwait': 'pthread_cond_timedwait',
         'woke': 'pthread_cond_', 'timed out': 'pthread_cond_timedwait',
         'signal': 'pthread_cond_signal', 'broadcast': 'pthread_cond_broadcast'}
p, named = [], 0
for L in doc['lessons']:
    for t in L['tests']:
        tl = t.get('timeline')
        if t['status'] == 'passed':
            if tl is not None: p.append('passing test %s carries a timeline' % t['name'])
            continue
        for x in tl or []:
            m = re.match(r'^T[0-9]+ (%s):([0-9]+) ([a-z ]+)\(' % base, x)
            if not m: continue
            named += 1
            want = calls.get(m.group(3))
            code = lines[int(m.group(2)) - 1] if 0 < int(m.group(2)) <= len(lines) else ''
            if want and want not in code:
                p.append('%s: line %s is %r, not a %s' % (x, m.group(2), code.strip(), want))
if not named and not p: p.append('no failing test names a line of %s' % os.path.basename(src))
print('; '.join(p[:3]))
PYEOF
}

# ---- a failing variant and its correct twin, by lesson ----------------------
for pair in "07-wallet:if_not_while:wait(" "03-transfer:inconsistent_order:lock("; do
    lesson=${pair%%:*} rest=${pair#*:}; variant=${rest%%:*} event=${rest#*:}
    slug=${lesson#*-} src="$ROOT/tests/lessons/$lesson/buggy/$variant.c"
    d="$work/$variant"; mkdir -p "$d"; cp "$src" "$d/$slug.c"
    if ! "$GRADER" grade --quiet --table --details --lesson "$lesson" --out "$d.json" "$d" >"$d.table" 2>&1; then
        fail "timeline $lesson/$variant: graded" "$(tail -c 300 "$d.table")"; continue
    fi
    check "timeline $lesson/$variant: JSON valid" validate "$d.json"
    probs=$(timeline_problems "$d.json" "$d/$slug.c")
    if [ -z "$probs" ]; then pass "timeline $lesson/$variant: failures name the student's lines"
    else fail "timeline $lesson/$variant: failures name the student's lines" "$probs"; fi
    # The table: under a failure, one event per line, e.g. "    T2 wallet.c:54 wait(c1, m1)".
    if grep -q "what your threads did last" "$d.table" &&
       grep -Eq "^    T[0-9]+ $slug\.c:[0-9]+ ${event//(/\\(}" "$d.table"; then
        pass "timeline $lesson/$variant: --details prints it"
    else fail "timeline $lesson/$variant: --details prints it" "$(head -c 600 "$d.table")"; fi

    # The LMS formats carry it in the test's output text.
    "$GRADER" convert --format gradescope --out "$d.gs.json" "$d.json" 2>/dev/null
    if $PY -c "
import json, re, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if any(re.search(r'What your threads did last.*\n  T[0-9]+ $slug\.c:[0-9]+ ', t.get('output', ''), re.S)
                  for t in d['tests']) else 1)" "$d.gs.json"; then
        pass "timeline $lesson/$variant: gradescope output shows it"
    else fail "timeline $lesson/$variant: gradescope output shows it" "$(head -c 300 "$d.gs.json")"; fi

    twin="$work/$lesson-solution"; mkdir -p "$twin"; cp "$ROOT/solutions/$lesson/$slug.c" "$twin/"
    "$GRADER" grade --quiet --lesson "$lesson" --out "$twin.json" "$twin" >/dev/null 2>&1
    got=$(jget "$twin.json" "'%s %s' % (r['score'], sum('timeline' in t for l in r['lessons'] for t in l['tests']))")
    max=$(jget "$twin.json" "r['max_score']")
    if [ "$got" = "$max 0" ]; then pass "timeline $lesson: the solution passes and carries none"
    else fail "timeline $lesson: the solution passes and carries none" "score and timelines: $got (max $max)"; fi
done

# ---- the class report draws it ----------------------------------------------
cls="$work/class"; mkdir -p "$cls/alice" "$cls/bob"
cp "$ROOT/tests/lessons/07-wallet/buggy/if_not_while.c" "$cls/alice/wallet.c"
cp "$ROOT/solutions/07-wallet/wallet.c" "$cls/bob/wallet.c"
"$GRADER" batch --jobs 2 --lesson 07-wallet --out "$cls.out" "$cls" >"$cls.log" 2>&1
if $PY - "$cls.out/report.html" <<'PYEOF'
import re, sys
h = open(sys.argv[1]).read()
lanes = re.findall(r'<table class="lanes">(.*?)</table>', h, re.S)
ok = lanes and all(re.search(r'<th>T[0-9]+</th>', x) for x in lanes) and \
     any(re.search(r'<code>wallet\.c:[0-9]+ wait\(c[0-9]+, m[0-9]+\)</code>', x) for x in lanes)
sys.exit(0 if ok else 1)
PYEOF
then pass "timeline: the class report draws lanes naming wallet.c lines"
else fail "timeline: the class report draws lanes naming wallet.c lines" "$(grep -o '<details class="timeline">.\{0,300\}' "$cls.out/report.html" | head -2) $(tail -c 200 "$cls.log")"; fi

# ---- a busy waiter is named with the line it loops on ------------------------
# (vclock.c reports it; sample.c takes the spinner's stack; the grader names
# the first frame of the student's code.)
spin="$work/spin"; mkdir -p "$spin"
cp "$ROOT/tests/lessons/05-semaphore/buggy/busy_wait_yield.c" "$spin/semaphore.c"
"$GRADER" grade --quiet --public --lesson 05-semaphore --out "$spin.json" "$spin" >/dev/null 2>&1
if $PY - "$spin.json" "$spin/semaphore.c" <<'PYEOF'
import json, re, sys
d, src = json.load(open(sys.argv[1])), open(sys.argv[2]).read().split('\n')
start = next(i for i, l in enumerate(src) if l.startswith('void csem_acquire'))
end = next(i for i in range(start, len(src)) if src[i].startswith('}'))
named = [int(m.group(1)) for L in d['lessons'] for t in L['tests']
         for m in [re.match(r'busy waiting in csem_acquire \(semaphore\.c:([0-9]+)\): thread',
                            t.get('message') or '')] if m]
sys.exit(0 if named and all(start < n <= end + 1 for n in named) else 1)
PYEOF
then pass "busy waiting: the message names the student's spinning line (csem_acquire)"
else fail "busy waiting: the message names the student's spinning line (csem_acquire)" \
    "$(jget "$spin.json" "[t.get('message','')[:120] for l in r['lessons'] for t in l['tests'] if t['status'] != 'passed']")"; fi
