# 71-formats: the LMS formats. A fixed native document converts to exactly
# the expected Gradescope and PrairieLearn documents (tests/fixtures/formats),
# and `grade --format` writes the same view of a real grading.
# beside: others
source "$ROOT/tests/lib.sh"

fx="$ROOT/tests/fixtures/formats"
work=$(tmpdir)
# same_json A B: equal documents, same keys in the same order, same types.
same_json() {
    $PY - "$1" "$2" <<'PY'
import json, sys
def load(p):
    return json.load(open(p), object_pairs_hook=lambda kv: [("__obj__", kv)])
a, b = load(sys.argv[1]), load(sys.argv[2])
def walk(x, y, path):
    if type(x) != type(y):
        sys.exit(f"{path}: {type(x).__name__} vs {type(y).__name__}")
    if isinstance(x, list):
        if len(x) != len(y):
            sys.exit(f"{path}: {len(x)} vs {len(y)} items")
        for i, (u, v) in enumerate(zip(x, y)):
            walk(u, v, f"{path}[{i}]")
    elif isinstance(x, tuple):
        if x[0] != y[0]:
            sys.exit(f"{path}: key {x[0]!r} vs {y[0]!r}")
        walk(x[1], y[1], f"{path}.{x[0]}")
    elif x != y:
        sys.exit(f"{path}: {x!r} vs {y!r}")
walk(a, b, "$")
PY
}

check "fixture native.json validates" validate "$fx/native.json"
for f in gradescope prairielearn; do
    if "$GRADER" convert --format "$f" --out "$work/$f.json" "$fx/native.json"; then
        check "convert $f matches fixture" same_json "$work/$f.json" "$fx/$f.json"
    else
        fail "convert $f" "grader exited $?"
    fi
done

# A real grading in each format: full marks stay full marks.
sol=$(tmpdir)
cp "$ROOT"/solutions/02-bank/bank.c "$sol/"
for f in gradescope prairielearn; do
    if grade "$work/real-$f.json" "$sol" --lesson 02-bank --format "$f"; then
        got=$(jrun "$work/real-$f.json" "
if '$f' == 'gradescope':
    ok = r['score'] == sum(t['max_score'] for t in r['tests']) > 0 and all(t['status'] == 'passed' for t in r['tests'])
else:
    ok = r['gradable'] and r['score'] == 1 and all(t['points'] == t['max_points'] for t in r['tests'])
print(ok)")
        [ "$got" = True ] && pass "grade --format $f (full marks)" || fail "grade --format $f (full marks)" "$got"
    else
        fail "grade --format $f" "grader exited $?"
    fi
done
"$GRADER" grade --format nonsense "$sol" >/dev/null 2>&1
[ $? -eq 2 ] && pass "unknown format is bad usage" || fail "unknown format is bad usage" "exit status not 2"
