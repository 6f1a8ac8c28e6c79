# 05-runner: tests/run.sh itself, on a folder of made-up suites: a failure
# with a multi-line message counts as one test, a suite past its timeout is
# one failure and is stopped with what it started, every suite's time is in
# the table of the slowest parts, and the last line is exactly
# "N passed, N failed".
source "$ROOT/tests/lib.sh"

dir=$(tmpdir)
cat >"$dir/01-mixed.sh" <<'SUITE'
source "$ROOT/tests/lib.sh"
pass "first"
fail "multi-line" "$(printf 'line one\nline two\nline three')"
check "second" true
SUITE
cat >"$dir/02-hangs.sh" <<'SUITE'
# timeout: 2
source "$ROOT/tests/lib.sh"
pass "before the hang"
sleep 300 &
echo $! >"$MARK"
wait
SUITE
mark=$dir/sleeper.pid
start=$(date +%s)
out=$(MARK=$mark SUITES_DIR=$dir SUITES= "$ROOT/tests/run.sh" 2>&1)
rc=$?
took=$(( $(date +%s) - start ))

last=$(tail -n 1 <<<"$out")
if [ "$last" = "3 passed, 2 failed" ] && [ $rc -ne 0 ]; then
    pass "run.sh counts tests, not lines: $last"
else fail "run.sh counts tests, not lines" "last line [$last], exit $rc"; fi

if grep -q "suite 02-hangs: timed out after 2 s" <<<"$out" && [ "$took" -lt 60 ]; then
    pass "run.sh: a suite past its timeout fails and the run goes on ($took s)"
else fail "run.sh: a suite past its timeout fails and the run goes on" "$took s: $(tail -n 12 <<<"$out")"; fi

# Gone, or a zombie not yet reaped by whoever inherited it: give it 3 s.
alive() { [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
pid=$(cat "$mark" 2>/dev/null)
for _ in $(seq 30); do [ -n "$pid" ] && alive "$pid" && sleep 0.1; done
if [ -n "$pid" ] && ! alive "$pid"; then
    pass "run.sh: what a timed-out suite started is stopped"
else
    fail "run.sh: what a timed-out suite started is stopped" "pid ${pid:-?} still running"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
fi

if grep -A3 "Slowest parts" <<<"$out" | grep -q "suite 02-hangs" &&
   grep -A3 "Slowest parts" <<<"$out" | grep -q "suite 01-mixed"; then
    pass "run.sh: the slowest parts table names the suites"
else fail "run.sh: the slowest parts table names the suites" "$(grep -A4 'Slowest' <<<"$out")"; fi

# ---- suites beside others ------------------------------------------------
# Two "# beside: others" suites run at once (each sleeps 3 s: together under
# 6 s), each one's output whole; a suite without the line runs after them,
# alone; a beside suite past its timeout still fails alone.
bdir=$(tmpdir)
for n in 01-left 02-right; do
    printf '# beside: others\nsource "$ROOT/tests/lib.sh"\npass "%s one"\nsleep 3\npass "%s two"\n' "$n" "$n" \
        >"$bdir/$n.sh"
done
printf 'source "$ROOT/tests/lib.sh"\npass "03-alone ran"\n' >"$bdir/03-alone.sh"
printf '# timeout: 1\n# beside: others\nsource "$ROOT/tests/lib.sh"\nsleep 30\n' >"$bdir/04-hangs.sh"
start=$(date +%s)
out=$(SUITES_DIR=$bdir SUITES= SUITE_JOBS=2 "$ROOT/tests/run.sh" 2>&1)
took=$(( $(date +%s) - start ))
whole=$(awk '/^== / { n = $2 ~ /^0[12]/ ? $2 : ""; next }
             n != "" && /^   ok / && index($0, n) == 0 { bad = 1 }
             END { print bad ? "mixed" : "whole" }' <<<"$out")
order=$(grep -o "^== 0[0-9]-[a-z]*" <<<"$out" | tr '\n' ' ')
if [ "$(tail -n 1 <<<"$out")" = "5 passed, 1 failed" ] && [ "$whole" = whole ] && [ "$took" -lt 6 ] &&
   [ "${order##*== 03-alone }" = "== 04-hangs " ] && grep -q "suite 04-hangs: timed out after 1 s" <<<"$out"; then
    pass "run.sh: beside suites run at once ($took s), each one's output whole, the others alone"
else fail "run.sh: beside suites run at once, each one's output whole, the others alone" "$took s, $whole, order $order: $out"; fi

# ---- 20-lessons' runner: lessons in parallel, each under its timeout -------
# A made-up course whose lesson pass hangs for one lesson and breaks for
# another: the first fails as timed out (what it started is stopped), the
# second fails with its exit status, the third still passes, and every
# lesson's time reaches the slowest-parts table.
fake=$(tmpdir)
mkdir -p "$fake/tests" "$fake/exercises/01-quick" "$fake/exercises/02-hangs" "$fake/exercises/03-breaks"
cp "$ROOT/tests/lib.sh" "$fake/tests/"
cat >"$fake/tests/lesson-pass.sh" <<'PASS'
#!/usr/bin/env bash
source "$ROOT/tests/lib.sh"
if [ "$1" = 03-breaks ]; then
    exit 3 # a pass that breaks before it records anything
fi
if [ "$1" = 02-hangs ]; then
    sleep 300 &
    echo $! >"$MARK"
    wait
fi
pass "$1 lesson pass ran"
PASS
chmod +x "$fake/tests/lesson-pass.sh"
sub=$(tmpdir)
: >"$sub/passed"; mkdir -p "$sub/failed.d"; : >"$sub/times"
start=$(date +%s)
out=$(ROOT=$fake RESULTS_DIR=$sub MARK=$mark LESSON_TIMEOUT=3 LESSON_JOBS=2 \
      bash "$ROOT/tests/suites/20-lessons.sh" 2>&1)
took=$(( $(date +%s) - start ))
got="$(cat "$sub/passed" | tr '\n' ,) $(cat "$sub"/failed.d/* 2>/dev/null | sed 's/ exited 3:.*/ exited 3/' | sort | tr '\n' ,)"
if [ "$got" = "01-quick lesson pass ran, 02-hangs lesson pass: timed out after 3 s: a grading hung (see the log above),03-breaks lesson pass: tests/lesson-pass.sh exited 3," ] &&
   [ "$took" -lt 40 ]; then
    pass "20-lessons: a hung or broken lesson pass fails alone ($took s), the others pass"
else fail "20-lessons: a hung or broken lesson pass fails alone, the others pass" "$took s: $got $out"; fi
pid=$(cat "$mark" 2>/dev/null)
for _ in $(seq 30); do [ -n "$pid" ] && alive "$pid" && sleep 0.1; done
if [ -n "$pid" ] && ! alive "$pid"; then pass "20-lessons: what a timed-out lesson started is stopped"
else
    fail "20-lessons: what a timed-out lesson started is stopped" "pid ${pid:-?} still running"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
fi
if [ "$(grep -c "lesson 0[123]-" "$sub/times")" -eq 3 ]; then
    pass "20-lessons: each lesson's time is recorded"
else fail "20-lessons: each lesson's time is recorded" "$(cat "$sub/times")"; fi
