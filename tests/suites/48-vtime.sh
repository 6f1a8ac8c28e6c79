# 48-vtime: the engine's virtual clock (grader/harness/vclock.c).
# - `grader stress --virtual-time` gives each sample in tests/engine/vtime/
#   its "expect:" status: a program whose threads are all blocked with no
#   deadline pending is a deadlock reported at once (under 1 s, not at the
#   run's timeout), a 5000 ms timeout whose deadline wraps in 32 bits and a
#   timed wait that restarts after a wake-up fail their own checks in under
#   1 s, and correct timed waits, sleeps (an hour) and timed locks pass,
#   exact to the millisecond, also a timed wait that runs out while a
#   sleeper holds its mutex, and semaphores (sem_timedwait virtual, a
#   semaphore nobody posts reported at once); a thread that spins while
#   another sleeps, or that polls the clock, is busy-wait (not a timeout),
#   and a thread that computes beside a sleeper is ok; a busy waiter's
#   finding names the line it loops on;
# - the all-blocked report names each thread's wait with file:line.
# Off (no --virtual-time) is 45-engine's business: it must not change.
source "$ROOT/tests/lib.sh"
work=$(tmpdir)
CC=${CC:-cc}
for src in "$ROOT"/tests/engine/vtime/*.c; do
    name=$(basename "$src" .c)
    expect=$(sed -n 's/.*expect: *\([a-z-]*\).*/\1/p' "$src" | head -1)
    bin="$work/$name"
    if ! $CC -std=c17 -g -O1 -pthread -Wall -Wextra -Werror "$src" -o "$bin" 2>"$bin.log"; then
        fail "vtime $name builds" "$(head -c 300 "$bin.log")"; continue
    fi
    secs=1; [ "$expect" = ok ] && secs=2
    # A busy waiter is found by the CPU it burns (0.5 s): a spinner that
    # yields gets little of a loaded machine, so its run may take longer.
    limit=3000; [ "$expect" = busy-wait ] && limit=10000
    "$GRADER" stress --virtual-time --seconds "$secs" --timeout "$limit" --seed 11 -- "$bin" \
        >"$bin.json" 2>"$bin.err"
    rc=$?
    got=$(jget "$bin.json" "r['status']" 2>/dev/null)
    want_rc=3; [ "$expect" = ok ] && want_rc=0
    if [ "$got" = "$expect" ] && [ $rc -eq $want_rc ]; then pass "vtime $name: $expect"
    else fail "vtime $name: $expect" "status $got, exit $rc: $(head -c 400 "$bin.json") $(head -c 200 "$bin.err")"; fi
    if [ "$expect" = busy-wait ]; then
        # Found by its own CPU time (0.5 s of it), before the run's timeout:
        # the status says so. The finding names a line the sample marks
        # "spins here" (the spinner's stack, sampled when it is reported).
        line=$(jget "$bin.json" "r['line']" 2>/dev/null)
        if [ -n "$line" ] && sed -n "${line}p" "$src" | grep -q "spins here"; then
            pass "vtime $name: names the line it spins on ($name.c:$line)"
        else fail "vtime $name: names the line it spins on" "line ${line:-none}: $(head -c 300 "$bin.json")"; fi
    elif [ "$expect" != ok ]; then
        took=$(jget "$bin.json" "r['seconds']" 2>/dev/null)
        if $PY -c "import sys; sys.exit(0 if float('${took:-9}') < 1.0 else 1)"; then
            pass "vtime $name: found in under 1 s (${took} s)"
        else fail "vtime $name: found in under 1 s" "took ${took:-?} s"; fi
    else
        runs=$(jget "$bin.json" "r['runs']" 2>/dev/null)
        if [ "${runs:-0}" -ge 5 ]; then pass "vtime $name: an hour of virtual waits per run, $runs runs in $secs s"
        else fail "vtime $name: many runs" "only ${runs:-0} runs in $secs s"; fi
    fi
done
msg=$(jget "$work/all_blocked.json" "r['message']" 2>/dev/null)
case $msg in
*"every thread is blocked"*"waits in pthread_join (at all_blocked.c:"*"waits on condition variable 1 (at all_blocked.c:"*)
    pass "vtime all_blocked: names each thread's wait with file:line" ;;
*) fail "vtime all_blocked: names each thread's wait with file:line" "$msg" ;;
esac
