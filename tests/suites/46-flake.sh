# 46-flake: scripts/flake-guard.sh itself still works (the per-lesson verdicts
# under load are tests/lesson-pass.sh's, in 20-lessons). On one small lesson,
# once each, with no busy loops of its own: the guard grades the solution, every buggy
# variant and every correct alternative, prints one table row for each, and
# exits 0, then the lesson's time; and it exits 1 and names the miss when a verdict is wrong (a
# course copy whose "correct" alternative is a buggy variant).
# beside: others
source "$ROOT/tests/lib.sh"

lesson=02-bank
work=$(tmpdir)
guard() { "$ROOT/scripts/flake-guard.sh" --lessons "$lesson" --solutions 1 --buggy 1 --no-load "$@"; }

out=$work/guard.txt
guard --keep "$work/kept" >"$out" 2>&1
rc=$?
want=$(( 1 + $(ls "$ROOT/tests/lessons/$lesson/buggy/"*.c "$ROOT/tests/lessons/$lesson/correct/"*.c | wc -l) ))
rows=$(grep -c "^$lesson .*%$" "$out") # verdict rows (the timing table's have no %)
if [ $rc -eq 0 ] && [ "$rows" -eq "$want" ] && grep -q "correct/" "$out"; then
    pass "flake guard: $lesson solution, buggy and correct variants, all stable"
else
    fail "flake guard: $lesson solution, buggy and correct variants, all stable" \
         "exit $rc, $rows rows of $want: $(grep -A1 'first miss' "$out" | head -c 800)"
fi
# Then the time of the lesson: its solution's one grading, in seconds.
if grep -Eq "^$lesson +1 +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+\.[0-9]$" "$out"; then
    pass "flake guard: the lesson's time (median, p90, max of its solution's gradings)"
else
    fail "flake guard: the lesson's time (median, p90, max of its solution's gradings)" "$(tail -3 "$out")"
fi
sed 's/^/   | /' "$out"
# A buggy variant is graded in the categories its expect: line names, and
# only those; the solution and the correct alternatives in every category.
v=$(ls "$ROOT/tests/lessons/$lesson/buggy/"*.c | head -1)
name=$(basename "$v" .c)
want_cats=$(sed -n 's/.*expect: *\([a-z ]*\).*/\1/p' "$v" | head -1 | xargs -n1 | sort | xargs)
got_b=$(jget "$work/kept/$lesson-buggy-$name-1.json" "' '.join(sorted(r.get('categories', []))), sorted(set(t['category'] for t in r['lessons'][0]['tests'])) == sorted(r.get('categories', []))")
got_s=$(jget "$work/kept/$lesson-solution-solution-1.json" "'categories' in r")
if [ "$got_b" = "$want_cats True" ] && [ "$got_s" = False ]; then
    pass "flake guard: a buggy variant graded in its expected categories only ($name: $want_cats)"
else
    fail "flake guard: a buggy variant graded in its expected categories only ($name: $want_cats)" \
         "buggy: $got_b; solution has categories: $got_s"
fi

# A wrong verdict is a failure: a copy of the course where a buggy variant
# stands in as a correct alternative.
copy=$work/course
mkdir -p "$copy"
cp -r "$ROOT/exercises" "$ROOT/solutions" "$ROOT/grader" "$ROOT/sandbox" "$ROOT/scripts" "$copy/"
mkdir -p "$copy/tests/lessons/$lesson/correct" "$copy/build"
cp "$ROOT/tests/judge.py" "$copy/tests/"
cp "$ROOT/tests/lessons/$lesson/test_hidden.c" "$copy/tests/lessons/$lesson/"
cp "$ROOT/tests/lessons/$lesson/buggy/no_lock_at_all.c" "$copy/tests/lessons/$lesson/correct/"
ln -s "$GRADER" "$copy/build/grader"
GRADER_COURSE=$copy "$copy/scripts/flake-guard.sh" --lessons "$lesson" --solutions 1 --buggy 1 --no-load >"$out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "correct/no_lock_at_all .* 0%" "$out" && grep -q "first miss" "$out"; then
    pass "flake guard: a buggy file among correct/ fails the guard"
else
    fail "flake guard: a buggy file among correct/ fails the guard" "exit $rc: $(head -c 600 "$out")"
fi

# The judge's "says:" lines: a buggy variant caught in its category by a
# failure that does not say what its "says:" line says is not caught.
cat >"$work/variant.c" <<'SRC'
/* BUG: a sample.
 * expect: functional
 * says: forked at fork.c:26 */
SRC
cat >"$work/verdict.json" <<'JSON'
{"lessons": [{"status": "graded", "score": 0, "max_score": 4, "tests": [
 {"name": "t", "category": "functional", "status": "failed", "seed": 1,
  "message": "2 zombies. Yours: 2 processes forked at fork.c:26 (pids 6, 7)"}]}]}
JSON
said=$(JUDGE_SOURCE="$work/variant.c" python3 "$ROOT/tests/judge.py" buggy "$work/verdict.json" functional)
sed -i 's/fork.c:26/fork.c:30/' "$work/verdict.json"
unsaid=$(JUDGE_SOURCE="$work/variant.c" python3 "$ROOT/tests/judge.py" buggy "$work/verdict.json" functional)
if [ "$said" = 1 ] && [[ $unsaid == "0 no failing test says 'forked at fork.c:26'"* ]]; then
    pass "judge: a variant's says: line must be in a failing test's message"
else
    fail "judge: a variant's says: line must be in a failing test's message" "said '$said', unsaid '$unsaid'"
fi
