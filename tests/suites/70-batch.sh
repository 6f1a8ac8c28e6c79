# 70-batch: `grader batch` on a generated class (BATCH_SIZE students, default
# 30: solutions, skeletons, buggy variants, files that do not compile, empty
# submissions, one that hangs, one with markup in its compiler message).
# The batch is stopped twice (SIGTERM, then SIGKILL of the parent alone,
# leaving its graders orphaned) and resumed; then nobody is lost or graded
# twice, the class files agree with the JSONs, shards split the class and
# merge back, and report.html renders in headless Chromium without errors.
# beside: others
source "$ROOT/tests/lib.sh"

N=${BATCH_SIZE:-30}
work=$(tmpdir)
# A batch stopped by a signal below cannot remove its gradings' work dirs:
# they stay in this run's dir, not in /tmp.
export TMPDIR="$work/tmp"; mkdir -p "$TMPDIR"
subs="$work/subs" out="$work/out" types="$work/types"
mkdir -p "$subs"
: >"$types"
buggy=("$ROOT"/tests/lessons/01-threads/buggy/*.c "$ROOT"/tests/lessons/02-bank/buggy/*.c)
sol1="$ROOT/solutions/01-threads/threads.c" sol2="$ROOT/solutions/02-bank/bank.c"
for i in $(seq 1 "$N"); do
    id=$(printf "stu%03d" "$i"); d="$subs/$id"; mkdir -p "$d"
    case $((i % 10)) in
        0|1|2) kind=solution; cp "$sol1" "$sol2" "$d/" ;;
        3|4) kind=skeleton; cp "$ROOT"/exercises/01-threads/threads.c "$ROOT"/exercises/02-bank/bank.c "$d/" ;;
        5|6|7)
            v=${buggy[$(( i % ${#buggy[@]} ))]}
            case $v in
                */01-threads/*) kind=buggy1; cp "$v" "$d/threads.c"; cp "$sol2" "$d/" ;;
                *) kind=buggy2; cp "$v" "$d/bank.c"; cp "$sol1" "$d/" ;;
            esac ;;
        8) kind=compile; printf 'int run_all(void) { return ; \n' >"$d/threads.c"
           cp "$ROOT"/exercises/02-bank/bank.c "$d/" ;;
        9) kind=empty ;;
    esac
    # In folders, like a student's clone of the course, for every 4th one.
    if [ $((i % 4)) -eq 0 ] && [ "$kind" != empty ]; then
        mkdir -p "$d/01-threads" "$d/02-bank"
        [ -f "$d/threads.c" ] && mv "$d/threads.c" "$d/01-threads/"
        [ -f "$d/bank.c" ] && mv "$d/bank.c" "$d/02-bank/"
    fi
    echo "$id $kind" >>"$types"
done
# One that hangs (capped by --timeout), one whose compiler message is markup.
rm -rf "$subs/stu002"; mkdir "$subs/stu002"; cp "$ROOT/tests/robust/hangs.c" "$subs/stu002/bank.c"
sed -i 's/^stu002 .*/stu002 hang/' "$types"
rm -rf "$subs/stu008"; mkdir "$subs/stu008"
printf '#error <script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">\n' >"$subs/stu008/threads.c"
sed -i 's/^stu008 .*/stu008 compile/' "$types"
# Names that are not student ids are skipped, as are links.
mkdir -p "$subs/bad name" "$subs/-rf"; ln -s "$subs/stu001" "$subs/link001"

batch=("$GRADER" batch --jobs 2 --timeout 20 --lesson 01-threads --lesson 02-bank --out "$out" "$subs")
run_batch() { "${batch[@]}" 2>>"$work/batch.err"; }
count_json() { ls "$out" 2>/dev/null | grep -c '^stu[0-9]*\.json$'; }
wait_for() { # wait_for COUNT PID: until COUNT JSONs exist or the batch ends
    while [ "$(count_json)" -lt "$1" ] && kill -0 "$2" 2>/dev/null; do sleep 0.2; done
}

t0=$(date +%s.%N)
"${batch[@]}" 2>>"$work/batch.err" & pid=$!   # $pid is the grader itself
wait_for $((N / 3)) $pid
kill -TERM $pid; wait $pid; rc=$?
[ $rc -eq 143 ] && pass "batch stops on SIGTERM (exit 143)" || fail "batch stops on SIGTERM" "exit $rc"
after_term=$(count_json)

"${batch[@]}" 2>>"$work/batch.err" & pid=$!
wait_for $((2 * N / 3)) $pid
kill -KILL $pid; wait $pid 2>/dev/null
after_kill=$(count_json)

run_batch; rc=$?
t1=$(date +%s.%N)
[ $rc -eq 0 ] && pass "resumed batch finishes (exit 0)" || fail "resumed batch finishes" "exit $rc: $(tail -3 "$work/batch.err")"
echo "   ($N students: $after_term after SIGTERM, $after_kill after SIGKILL;" \
     "$(grep -c ' wait ' "$out/batch.log") waits on orphans' locks;" \
     "$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.1f submissions/min", n / ((b - a) / 60) }'))"

problems=$($PY "$ROOT/tests/batch_check.py" "$out" "$types" 2>&1)
[ -z "$problems" ] && pass "every student graded once, as expected; class files agree" \
    || fail "batch results" "$(head -5 <<<"$problems" | tr '\n' ' ')"
check "every student's JSON validates" validate "$out"/stu*.json
[ ! -e "$out/bad name.json" ] && [ ! -e "$out/-rf.json" ] && [ ! -e "$out/link001.json" ] \
    && pass "unsafe names and links skipped" || fail "unsafe names and links skipped" "$(ls "$out")"

# Nothing left running: no grader and no test of ours still alive.
sleep 0.5
left=$(pgrep -f -- "--out $out/" | wc -l)
[ "$left" -eq 0 ] && pass "no grader left running" || fail "no grader left running" "$left processes"

# A second run grades nobody; a changed submission is graded again.
before=$(grep -c ' start ' "$out/batch.log")
run_batch
[ "$(grep -c ' start ' "$out/batch.log")" -eq "$before" ] && pass "rerun grades nobody" || fail "rerun grades nobody" "new starts"
cp "$ROOT"/exercises/02-bank/bank.c "$subs/stu001/bank.c"
run_batch
new=$(( $(grep -c ' start ' "$out/batch.log") - before ))
got=$(jget "$out/stu001.json" "r['score']")
[ "$new" -eq 1 ] && [ "$got" = "10.0" ] && pass "changed submission regraded" || fail "changed submission regraded" "$new starts, score $got"

# A results file rewritten after its grading (what code that outlived it
# could do under the grader's own uid) is not used: full marks for lessons
# whose tests say otherwise, with the real submission_hash, is caught by
# the re-validation before the summary and graded again by the next run.
forged=$(awk '$2 == "skeleton" { print $1; exit }' "$types")
$PY -c "
import json, sys
p = sys.argv[1]; r = json.load(open(p))
for l in r['lessons']: l['score'] = l['max_score']
r['score'] = r['max_score']
json.dump(r, open(p, 'w'))" "$out/$forged.json"
run_batch
row=$(grep "^$forged," "$out/summary.csv" | cut -d, -f2)
if grep -q "invalid $forged " "$out/batch.log" && [ "$row" = 0 ]; then
    run_batch
    again=$(jget "$out/$forged.json" "r.get('grading_error', 'graded')")
    [ "$again" = graded ] && pass "a forged results file is caught and graded again" \
        || fail "a forged results file is caught and graded again" "not regraded: $again"
else
    fail "a forged results file is caught and graded again" "summary shows $row for $forged"
fi

# LMS formats for everyone, from the JSONs alone.
"$GRADER" batch --summary-only --format gradescope --out "$out" >/dev/null 2>&1
"$GRADER" convert --format gradescope "$out/stu003.json" >"$work/gs.json"
n_gs=$(ls "$out/gradescope" | wc -l)
[ "$n_gs" -eq "$(count_json)" ] && cmp -s "$work/gs.json" "$out/gradescope/stu003.json" \
    && pass "batch --format gradescope" || fail "batch --format gradescope" "$n_gs files"

# Shards: three machines split the class, merge puts it back together.
cls="$work/cls"; mkdir -p "$cls"
for i in 1 2 3 4 5 6 7 8 9; do mkdir "$cls/k$i"; cp "$ROOT"/exercises/02-bank/bank.c "$cls/k$i/"; done
for s in 0 1 2; do
    "$GRADER" batch --jobs 2 --lesson 02-bank --shard $s/3 --out "$work/shard$s" "$cls" 2>/dev/null
done
shard_ids=$(cd "$work" && ls shard0 shard1 shard2 | grep '^k.*\.json$' | sort)
"$GRADER" merge --out "$work/merged" "$work"/shard0 "$work"/shard1 "$work"/shard2 2>/dev/null
merged=$(jget "$work/merged/summary.json" "r['student_count']")
[ "$(wc -l <<<"$shard_ids")" -eq 9 ] && [ "$(sort -u <<<"$shard_ids" | wc -l)" -eq 9 ] && [ "$merged" = 9 ] \
    && pass "shards are disjoint and merge into the class" || fail "shards" "$(tr '\n' ' ' <<<"$shard_ids"); merged $merged"

# The instructor's report in a real browser.
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    art="$ROOT/build/test-artifacts"; mkdir -p "$art"
    if facts=$($PY "$ROOT/tests/report_check.py" "$out/report.html" "$art/report.png" 2>&1); then
        pass "report.html renders: $(tail -1 <<<"$facts" | cut -c1-120)"
    else
        fail "report.html renders" "$(tail -2 <<<"$facts" | tr '\n' ' ')"
    fi
    # A class of one whose compiler message is markup: shown, escaped, inert.
    mkdir -p "$work/xss"; cp "$out/stu008.json" "$work/xss/"
    "$GRADER" merge "$work/xss" 2>/dev/null
    if grep -q '&lt;script&gt;window.__pwned' "$work/xss/report.html" && ! grep -q '<script' "$work/xss/report.html" \
        && $PY "$ROOT/tests/report_check.py" "$work/xss/report.html" "$art/report-xss.png" >/dev/null 2>&1; then
        pass "report.html escapes student text"
    else
        fail "report.html escapes student text" "raw markup, or the page ran it"
    fi
else
    fail "report.html renders" "no chromium (apt-get install chromium)"
fi
