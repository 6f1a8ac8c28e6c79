# 30-robust: every submission in tests/robust/ (and tests/hostile/, when
# present) is graded as its header expects, the grader exits 0, and the JSON
# validates. See tests/robust/README.md for the header format.
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
for f in "$ROOT"/tests/robust/*.c "$ROOT"/tests/hostile/*.c; do
    [ -f "$f" ] || continue
    name="$(basename "$(dirname "$f")")/$(basename "$f" .c)"
    field() { sed -n "s/^[ /*]*$1: *\(.*\)$/\1/p" "$f" | head -1 | sed 's/ *$//'; }
    lesson=$(field lesson)
    [ -n "$lesson" ] || { fail "$name" "no 'lesson:' line"; continue; }
    sub="$work/$(basename "$f" .c)"; mkdir -p "$sub"
    cp "$f" "$sub/${lesson#*-}.c"
    out="$sub.json"
    grade "$out" "$sub" --lesson "$lesson" >"$sub.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then fail "$name" "grader exited $rc: $(tail -c 300 "$sub.log")"; continue; fi
    if ! validate "$out" >"$sub.val" 2>&1; then fail "$name" "invalid JSON: $(cat "$sub.val")"; continue; fi
    status=$(field expect-status); status=${status:-graded}
    max=$(field expect-max-score); max=${max:-0}
    problems=$(jrun "$out" "
L = r['lessons'][0]
msgs = [L.get('message', '')] + [t.get('message', '') for t in L['tests']]
p = []
if L['status'] != '$status': p.append('status %s, expected $status' % L['status'])
if L['score'] > $max: p.append('scored %s, at most $max expected' % L['score'])
t = '$(field expect-test)'
if t and not any(x['status'] == t for x in L['tests']): p.append('no test with status ' + t)
m = '''$(field expect-message)'''
if m and not any(m in x for x in msgs): p.append('no message contains %r: %r' % (m, msgs[:3]))
print('; '.join(p))")
    if [ -z "$problems" ]; then pass "$name"; else fail "$name" "$problems"; fi
done
