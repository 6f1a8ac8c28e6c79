# 20-lessons: one pass per lesson (tests/lesson-pass.sh): the skeleton scores
# 0, the solution gets full marks twice, every buggy variant is caught in
# each category its "expect:" line names, every correct alternative gets full
# marks, every JSON validates. Every folder exercises/NN-slug/ is a lesson: no
# list to edit. Busy loops keep the machine loaded for the whole pass (a
# verdict must not depend on a quiet machine): one per two cores
# (LOAD_LOOPS), so that one core at least is always taken and the lessons,
# four at once, fight over the rest. (One loop per core left the lessons
# half the machine, and on the slower CI machine the whole test run went
# past its 30-minute budget; the long flake guard, scripts/flake-guard.sh,
# still loads every core.) Lessons run LESSON_JOBS at a
# time, each under LESSON_TIMEOUT seconds (default 600: a hung grading fails
# that lesson, the pass goes on). LESSON_JOBS defaults to twice the cores: a
# grading mostly waits (its tests sleep, time out, wait for wake-ups; about
# a third of a core each), and 4 lessons at once on 2 cores took 194 s
# where 2 took 314 s, with the same verdicts.
# The long flake guard (100 and 20 gradings) is scripts/flake-guard.sh.
# timeout: 2400
source "$ROOT/tests/lib.sh"

jobs=${LESSON_JOBS:-$(( 2 * $(nproc) ))}
limit=${LESSON_TIMEOUT:-600}
work=$(tmpdir)
mkdir -p "$work/groups"

loaders=()
stop_all() {
    # Each lesson's `timeout` leads a process group of its own: a timeout of
    # this whole suite must end them too, not only the busy loops.
    for g in "$work"/groups/*; do [ -f "$g" ] && kill -TERM -- "-$(cat "$g")" 2>/dev/null; done
    for p in "${loaders[@]}"; do kill "$p" 2>/dev/null; done
}
trap stop_all EXIT
trap 'exit 143' TERM INT
loops=${LOAD_LOOPS:-$(( $(nproc) / 2 ))}
[ "$loops" -ge 1 ] || loops=1
for _ in $(seq "$loops"); do
    ( while :; do :; done ) &
    loaders+=($!)
done

# one_lesson ID: runs the lesson's pass under its timeout, prints its output
# as one block and its time.
one_lesson() {
    local id=$1 t0 rc secs
    t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$ROOT/tests/lesson-pass.sh" "$id" >"$work/$id.log" 2>&1 &
    echo $! >"$work/groups/$id"
    wait $!
    rc=$?
    rm -f "$work/groups/$id"
    secs=$(( $(date +%s) - t0 ))
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        fail "$id lesson pass" "timed out after $limit s: a grading hung (see the log above)" >>"$work/$id.log"
    elif [ $rc -ne 0 ]; then
        fail "$id lesson pass" "tests/lesson-pass.sh exited $rc: $(tail -n 2 "$work/$id.log" | tr '\n' ' ')" \
            >>"$work/$id.log"
    fi
    record_time "$secs" "lesson $id"
    { echo " -- $id ($secs s)"; cat "$work/$id.log"; } 
}
export -f one_lesson pass fail record_time
export work limit PY

# LESSONS="05-semaphore 13-pool" passes only those (while working on them).
ls -d "$ROOT"/exercises/[0-9][0-9]-*/ | xargs -n1 basename |
    while read -r id; do [ -z "${LESSONS:-}" ] || grep -qw -- "$id" <<<"$LESSONS" && echo "$id"; done |
    xargs -P "$jobs" -I{} bash -c 'one_lesson "$1"' _ {}
