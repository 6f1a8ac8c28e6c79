# 45-engine: the concurrency engine (grader/harness/engine.h).
# - `grader stress` finds each sample bug in tests/engine/ (first comment:
#   "expect: STATUS") and reports ok for the correct ones;
# - each report has the right shape: a two- or three-lock cycle (whatever
#   thread locked first; mutexes, C11 mtx_t, spin locks, read-write locks),
#   a wait through a join or through a mutex whose holder exited, a plain
#   hang named as a timeout with the waits it saw (condition, join, barrier);
# - a lock taken in a thread-specific-data destructor is a live thread's;
# - a lock-order inversion is reported even when the run does not hang (a
#   read-write lock's readers included), and a common gate lock (or a
#   trylock) silences it;
# - a deadlocking transfer puts the cycle, with file:line, in the JSON;
# - each API misuse sample (misuse_*.c) is reported as a misuse naming the
#   line marked /* misuse here */, once; its correct twins pass (a recursive
#   mutex is one only under --no-recursive-mutex: a lesson forbids them;
#   a process-private mutex, condition variable or semaphore in shared
#   memory is one once a second process uses it: misuse_pshared_*.c);
# - `grader replay` reproduces a failure with the seed the JSON reported;
# - the engine's own books (live threads, open descriptors) order no
#   threads for ThreadSanitizer (tests/engine/tsan/);
# - the build-time rules (forbidden calls, non-API globals, constructors,
#   the grader's own symbols) reject what they must;
# - the benchmark's no-op round trips and event copies change no verdict.
# beside: others
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
CC=${CC:-cc}

# ---- grader stress on the samples ------------------------------------------
# A sample's "stress-options:" line (e.g. --compare-output) is passed on.
for src in "$ROOT"/tests/engine/*.c; do
    name=$(basename "$src" .c)
    expect=$(sed -n 's/.*expect: *\([a-z]*\).*/\1/p' "$src" | head -1)
    opts=$(sed -n 's/.*stress-options: *\([-a-z ]*\).*/\1/p' "$src" | head -1)
    bin="$work/$name"
    if ! $CC -std=c17 -g -O1 -pthread -Wall -Wextra -Werror "$src" -o "$bin" 2>"$bin.log"; then
        fail "stress $name builds" "$(head -c 300 "$bin.log")"; continue
    fi
    secs=2; [ "$expect" = ok ] && secs=3
    # shellcheck disable=SC2086 # opts: words
    "$GRADER" stress --seconds "$secs" --timeout 3000 --seed 11 $opts -- "$bin" >"$bin.json" 2>"$bin.err"
    rc=$?
    got=$(jget "$bin.json" "r['status']" 2>/dev/null)
    want_rc=3; [ "$expect" = ok ] && want_rc=0
    if [ "$got" = "$expect" ] && [ $rc -eq $want_rc ]; then pass "stress $name: $expect"
    else fail "stress $name: $expect" "status $got, exit $rc: $(head -c 400 "$bin.json") $(head -c 200 "$bin.err")"; fi
done

# cycle_problems JSON SOURCE N: checks that the report in JSON is one cycle
# of N steps, whatever thread went first: N distinct threads, N distinct
# locks, each thread holding one lock and waiting for (or locking, in a
# lock-order report) the next one's, every site a line of SOURCE that locks
# (a mutex, a C11 mtx_t, a spin lock or a read-write lock), and each lock number always on lines that lock the same mutex.
# Prints nothing when it holds, else what is wrong.
cycle_problems() {
    $PY - "$1" "$2" "$3" <<'PYEOF' 2>&1
import json, os, re, sys
doc, src, n = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
lines = open(src).read().split('\n')
base = re.escape(os.path.basename(src))
msg = doc.get('message', '')
site = r'(%s):(\d+)' % base
waits = re.findall(r'thread (\d+) holds lock (\d+) \(locked at %s\) and waits for lock (\d+) \(at %s\)' % (site, site), msg)
order = re.findall(r'thread (\d+) locked lock (\d+) \(at %s\) while holding lock (\d+) \(locked at %s\)' % (site, site), msg)
# (thread, held, held line, wanted, wanted line)
steps = [(w[0], w[1], int(w[3]), w[4], int(w[6])) for w in waits] + \
        [(o[0], o[4], int(o[6]), o[1], int(o[3])) for o in order]
p = []
if len(steps) != n or (waits and order):
    p.append('%d cycle steps, %d expected' % (len(steps), n))
if len({s[0] for s in steps}) != len(steps): p.append('a thread appears twice')
held = [s[1] for s in steps]
if len(set(held)) != len(held): p.append('a lock is held twice')
if sorted(held) != sorted(s[3] for s in steps): p.append('the waited-for locks are not the held ones')
nxt = {s[1]: s[3] for s in steps}
if held and not p:
    at, seen = held[0], set()
    while at not in seen and at in nxt:
        seen.add(at); at = nxt[at]
    if len(seen) != n: p.append('not one cycle through every lock')
mutex_of = {}
for s in steps:
    for lock, line in ((s[1], s[2]), (s[3], s[4])):
        m = re.search(r'(?:pthread_mutex_lock|mtx_lock|pthread_spin_lock|pthread_rwlock_[rw][dr]lock)\(&(\w+)\)',
                      lines[line - 1] if 0 < line <= len(lines) else '')
        if not m: p.append('line %d does not lock a mutex' % line); continue
        mutex_of.setdefault(lock, set()).add(m.group(1))
if any(len(v) != 1 for v in mutex_of.values()): p.append('one lock number on lines locking different mutexes')
if len({min(v) for v in mutex_of.values()}) != len(mutex_of): p.append('two lock numbers for one mutex')
if p: print('; '.join(p) + ': ' + msg)
PYEOF
}

# Deadlock reports name both threads, both locks and the lines (abba.c:NN),
# in whichever order the threads happened to lock.
got=$(cycle_problems "$work/abba.json" "$ROOT/tests/engine/abba.c" 2)
if [ -z "$got" ]; then pass "stress names the deadlock cycle with file:line"
else fail "stress names the deadlock cycle with file:line" "$got"; fi

# The same for C11 mtx_t (c11threads.c routes mtx_lock through the engine),
# spin locks, and a read-write lock (its readers hold it like a mutex).
for name in c11_abba spin_abba rwlock_inversion; do
    got=$(cycle_problems "$work/$name.json" "$ROOT/tests/engine/$name.c" 2)
    if [ -z "$got" ]; then pass "stress names the $name cycle with file:line"
    else fail "stress names the $name cycle with file:line" "$got"; fi
done

# Three locks, three threads that never overlap: the lock-order graph finds
# the cycle A -> B -> C -> A without a hang.
got=$(cycle_problems "$work/three_lock_cycle.json" "$ROOT/tests/engine/three_lock_cycle.c" 3)
[ -z "$got" ] && [ "$(jget "$work/three_lock_cycle.json" "r.get('potential')")" != True ] &&
    got="not reported as a potential deadlock (the run cannot hang)"
if [ -z "$got" ]; then pass "lock-order graph finds a three-lock cycle across three threads, no hang"
else fail "lock-order graph finds a three-lock cycle across three threads, no hang" "$got"; fi

# line_of FILE PATTERN [N]: the line number of the Nth line matching PATTERN.
line_of() { grep -n -- "$2" "$1" | sed -n "${3:-1}p" | cut -d: -f1; }

# ---- API misuse: each rule's sample names its marked line -------------------------
# Every tests/engine/misuse_*.c marks the line its report must name with
# /* misuse here */; the report must also be the rule's own (its phrases,
# separated by |, each in the message).
misuse_phrase() {
    case $1 in
    # The other spender may lock between the two unlocks: "no thread holds it"
    # and "thread N holds it" are both right, so the phrase names neither.
    misuse_unlock_twice) echo "unlocked mutex 1 at misuse_unlock_twice.c:LINE, but |holds it: only the thread that locked a mutex may unlock it" ;;
    misuse_unlock_other) echo "unlocked mutex 1 at misuse_unlock_other.c:LINE, but thread 1 holds it" ;;
    misuse_relock) echo "locked mutex 1 at misuse_relock.c:LINE, which it already holds" ;;
    misuse_destroy_locked) echo "destroyed mutex 1 at misuse_destroy_locked.c:LINE, still locked by thread 1" ;;
    misuse_destroy_cond) echo "destroyed condition variable 1 at misuse_destroy_cond.c:LINE while 1 thread waits on it" ;;
    misuse_free_locked) echo "freed memory at misuse_free_locked.c:LINE holding mutex 1, still locked" ;;
    misuse_exit_holding) echo "exited while holding mutex 1 (locked at misuse_exit_holding.c:LINE)" ;;
    # Who holds the mutex at the wait depends on timing (main may be signalling
    # then), so the phrase names no holder: either is a right report.
    misuse_wait_unlocked) echo "waits on condition variable 1 at misuse_wait_unlocked.c:LINE with a mutex it does not hold: |. Lock the mutex, check the condition, then wait" ;;
    misuse_two_mutexes) echo "waits on condition variable 1 with mutex|at misuse_two_mutexes.c:LINE while thread|with mutex|must use the same mutex" ;;
    misuse_two_mutexes_later) echo "waits on condition variable 1 with mutex 2 at misuse_two_mutexes_later.c:LINE while thread|waited on it before with mutex 1 (at misuse_two_mutexes_later.c:|must use the same mutex" ;;
    misuse_join_self) echo "pthread_join at misuse_join_self.c:LINE returned EDEADLK" ;;
    misuse_bad_nsec) echo "pthread_cond_timedwait at misuse_bad_nsec.c:LINE with tv_nsec =" ;;
    misuse_wrong_clock) echo "pthread_cond_timedwait at misuse_wrong_clock.c:LINE with a deadline|years in the past on the wait's clock (CLOCK_REALTIME): wrong clock?" ;;
    misuse_recursive_forbidden) echo "locked mutex 1 at misuse_recursive_forbidden.c:LINE, a recursive mutex|this exercise forbids recursive mutexes" ;;
    misuse_pshared_mutex) echo "mutex 1, used at misuse_pshared_mutex.c:LINE by thread 1 of a second process, was made for one process only|(the mmap at misuse_pshared_mutex.c:|pthread_mutexattr_setpshared" ;;
    misuse_pshared_cond) echo "condition variable 1, used at misuse_pshared_cond.c:LINE by thread 1 of a second process|(the mmap at misuse_pshared_cond.c:|pthread_condattr_setpshared" ;;
    misuse_pshared_sem) echo "semaphore 1, used at misuse_pshared_sem.c:LINE by thread 1 of a second process|(the mmap at misuse_pshared_sem.c:|sem_init(s, 1, value)" ;;
    misuse_monotonic_realtime) echo "pthread_cond_timedwait at misuse_monotonic_realtime.c:LINE with a deadline|years in the future on the wait's clock (CLOCK_MONOTONIC): wrong clock?" ;;
    esac
}
for src in "$ROOT"/tests/engine/misuse_*.c; do
    name=$(basename "$src" .c)
    line=$(grep -n '/\* misuse here \*/' "$src" | head -1 | cut -d: -f1)
    phrase=$(misuse_phrase "$name")
    msg=$(jget "$work/$name.json" "r.get('message', '')" 2>/dev/null)
    if [ -z "$line" ] || [ -z "$phrase" ]; then
        fail "misuse $name names its line" "no /* misuse here */ marker or no phrase in this suite"
    else
        missing=
        IFS='|' read -ra parts <<<"${phrase/LINE/$line}"
        for part in "${parts[@]}"; do grep -qF -- "$part" <<<"$msg" || missing+="'$part' "; done
        if [ -z "$missing" ]; then pass "misuse $name names its line"
        else fail "misuse $name names its line" "want $missing in: $msg"; fi
    fi
done
# Each misuse is reported once per rule and line: the double unlock runs
# 200 times in two threads; each unlock line that misfires gives one record.
LD_PRELOAD="$ROOT/build/libgrader_engine.so" GRADER_ENGINE_FD=3 GRADER_SEED=5 \
    "$work/misuse_unlock_twice" 3>"$work/unlock_twice.records" >/dev/null 2>&1
n=$(grep -c '^misuse ' "$work/unlock_twice.records")
dups=$(grep '^misuse ' "$work/unlock_twice.records" | grep -o ' at @[0-9a-f]*' | sort | uniq -d)
if [ "$n" -ge 1 ] && [ "$n" -le 2 ] && [ -z "$dups" ]; then pass "a misuse is reported once per rule and line"
else fail "a misuse is reported once per rule and line" "$n records: $(head -c 400 "$work/unlock_twice.records")"; fi

# A hang across processes: the first process's report says, seen from
# /proc, what each forked process waits for (procwait.c).
msg=$(jget "$work/pipe_hang.json" "r.get('message', '')" 2>/dev/null)
missing=
for part in "waits to read a pipe (its descriptor" "whose write end is held by that process itself" \
            "close the ends a process does not use" "waits on semaphore 1"; do
    grep -qF -- "$part" <<<"$msg" || missing+="'$part' "
done
if [ -z "$missing" ]; then pass "a hang report names what each forked process waits for"
else fail "a hang report names what each forked process waits for" "want $missing in: $msg"; fi

# A wait-for cycle through a join: the worker waits for the lock main holds
# while main joins it.
f="$ROOT/tests/engine/join_cycle.c"
got=$(jrun "$work/join_cycle.json" "
import re
m = r.get('message', '')
w = re.search(r'thread (\d+) waits for lock (\d+) \(at join_cycle.c:$(line_of "$f" 'pthread_mutex_lock(&lock)' 1)\)', m)
h = re.search(r'thread (\d+) holds lock (\d+) \(locked at join_cycle.c:$(line_of "$f" 'pthread_mutex_lock(&lock)' 2)\) and waits in pthread_join \(at join_cycle.c:$(line_of "$f" 'pthread_join')\) for thread (\d+) to finish', m)
ok = w and h and w.group(2) == h.group(2) and h.group(3) == w.group(1) and w.group(1) != h.group(1)
print('' if ok and r.get('potential') is False else m)")
if [ -z "$got" ]; then pass "wait-for cycle through a join, with both lines"
else fail "wait-for cycle through a join, with both lines" "$got"; fi

# A wait for a mutex whose holder exited without unlocking it.
f="$ROOT/tests/engine/exited_holder.c"
got=$(jrun "$work/exited_holder.json" "
import re
m = r.get('message', '')
ok = re.search(r'thread (\d+) waits for lock (\d+) \(at exited_holder.c:$(line_of "$f" 'pthread_mutex_lock(&lock)' 2)\), which thread (?!\1\b)\d+ locked \(at exited_holder.c:$(line_of "$f" 'pthread_mutex_lock(&lock)' 1)\) and never unlocked before it exited', m)
print('' if ok and r.get('potential') is False else m)")
if [ -z "$got" ]; then pass "wait-for cycle through a mutex held by an exited thread"
else fail "wait-for cycle through a mutex held by an exited thread" "$got"; fi

# The hang report names a condition wait.
msg=$(jget "$work/lost_wakeup.json" "r.get('message', '')" 2>/dev/null)
if grep -q "waits on condition variable 1 (at lost_wakeup.c:$(line_of "$ROOT/tests/engine/lost_wakeup.c" pthread_cond_wait))" <<<"$msg"; then
    pass "hang report names the condition wait"
else fail "hang report names the condition wait" "$msg"; fi

# A wake-up sent without the mutex between a waiter's check and its wait
# (held open by waitpause.c): a timeout whose report names the wait's line
# and says the wake-up was lost. Its correct twin passed above.
f="$ROOT/tests/engine/lost_wakeup_window.c"
got=$(jrun "$work/lost_wakeup_window.json" "
import re
m = r.get('message', '')
ok = r['status'] == 'timeout' and re.search(r'waits on condition variable \d+ \(at lost_wakeup_window.c:$(line_of "$f" pthread_cond_wait)\) for a signal it missed: .*a lost wake-up', m)
print('' if ok else '%s: %s' % (r['status'], m))")
if [ -z "$got" ]; then pass "a wake-up lost between check and wait is named as one"
else fail "a wake-up lost between check and wait is named as one" "$got"; fi

# A plain hang (no cycle): a timeout, never a deadlock, naming both waits.
f="$ROOT/tests/engine/never_signalled.c"
got=$(jrun "$work/never_signalled.json" "
import re
m = r.get('message', '')
cw = re.search(r'thread (\d+) waits on condition variable \d+ \(at never_signalled.c:$(line_of "$f" pthread_cond_wait)\) for a signal that never came', m)
jw = re.search(r'thread \d+ waits in pthread_join \(at never_signalled.c:$(line_of "$f" pthread_join)\) for thread (\d+)', m)
ok = r['status'] == 'timeout' and cw and jw and cw.group(1) == jw.group(1) and 'lock-order' not in m
print('' if ok else '%s: %s' % (r['status'], m))")
if [ -z "$got" ]; then pass "timeout verdict names the condition wait and the join"
else fail "timeout verdict names the condition wait and the join" "$got"; fi

# Threads stuck at a barrier: a timeout whose report names the barrier wait.
f="$ROOT/tests/engine/barrier_hang.c"
got=$(jrun "$work/barrier_hang.json" "
import re
m = r.get('message', '')
waits = re.findall(r'thread \d+ waits at barrier 1 \(at barrier_hang.c:$(line_of "$f" 'pthread_barrier_wait(&all_ready)')\) for threads that never arrive', m)
print('' if r['status'] == 'timeout' and len(waits) == 3 else '%s: %s' % (r['status'], m))")
if [ -z "$got" ]; then pass "timeout verdict names the barrier waits"
else fail "timeout verdict names the barrier waits" "$got"; fi

# A thread-specific-data destructor that locks runs on a live thread:
# tsd_destructor_ok (ok above) over more seeds.
for seed in 1 2 3; do
    "$GRADER" stress --seconds 1 --timeout 3000 --seed $seed -- "$work/tsd_destructor_ok" >"$work/tsd$seed.json"
    got=$(jget "$work/tsd$seed.json" "r['status']")
    if [ "$got" = ok ]; then pass "TSD destructor that locks: ok (seed $seed)"
    else fail "TSD destructor that locks: ok (seed $seed)" "$(head -c 400 "$work/tsd$seed.json")"; fi
done

# ---- lock-order inversion without a hang --------------------------------------
cat >"$work/order_only.c" <<'EOF'
#include <pthread.h>
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
int main(void)
{
    pthread_mutex_lock(&a); pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b); pthread_mutex_unlock(&a);
    pthread_mutex_lock(&b); pthread_mutex_lock(&a);
    pthread_mutex_unlock(&a); pthread_mutex_unlock(&b);
    return 0;
}
EOF
$CC -std=c17 -g -pthread "$work/order_only.c" -o "$work/order_only"
"$GRADER" stress --seconds 1 --seed 3 -- "$work/order_only" >"$work/order_only.json"
got=$(jrun "$work/order_only.json" "print(r['status'], r.get('potential'), 'order_only.c:' in r.get('message', ''))")
if [ "$got" = "deadlock True True" ]; then pass "lock-order inversion reported without a hang"
else fail "lock-order inversion reported without a hang" "$got $(head -c 300 "$work/order_only.json")"; fi

# The same through a read-write lock held for reading by both threads: a
# writer queued on it (a writer-preferring lock) would make the second
# reader wait, so the order counts whatever the mode.
cat >"$work/rw_order_only.c" <<'EOF'
#define _DEFAULT_SOURCE
#include <pthread.h>
static pthread_rwlock_t a = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
int main(void)
{
    pthread_rwlock_rdlock(&a); pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b); pthread_rwlock_unlock(&a);
    pthread_mutex_lock(&b); pthread_rwlock_rdlock(&a);
    pthread_rwlock_unlock(&a); pthread_mutex_unlock(&b);
    return 0;
}
EOF
$CC -std=c17 -g -pthread "$work/rw_order_only.c" -o "$work/rw_order_only"
"$GRADER" stress --seconds 1 --seed 3 -- "$work/rw_order_only" >"$work/rw_order_only.json"
got=$(jrun "$work/rw_order_only.json" "m = r.get('message', ''); print(r['status'], r.get('potential'), 'rw_order_only.c:7' in m, 'rw_order_only.c:9' in m)")
if [ "$got" = "deadlock True True True" ]; then pass "read-write lock inversion reported without a hang"
else fail "read-write lock inversion reported without a hang" "$got $(head -c 300 "$work/rw_order_only.json")"; fi

# ---- lesson 03: the cycle in the JSON, replay -----------------------------------
sub="$work/inconsistent"; mkdir -p "$sub"
cp "$ROOT/tests/lessons/03-transfer/buggy/inconsistent_order.c" "$sub/transfer.c"
grade "$sub.json" "$sub" --lesson 03-transfer --seed 4242
got=$(jrun "$sub.json" "
t = [t for t in r['lessons'][0]['tests'] if t['name'] == 'opposite_directions'][0]
m = t.get('message', '')
print(t['status'], m.startswith('deadlock: thread') or m.startswith('lock-order inversion'), 'transfer.c:' in m)")
if [ "$got" = "failed True True" ]; then pass "deadlocking transfer: cycle with file:line in the JSON"
else fail "deadlocking transfer: cycle with file:line in the JSON" "$got"; fi
check "deadlock JSON valid" validate "$sub.json"

sub="$work/per_account"; mkdir -p "$sub"
cp "$ROOT/tests/lessons/03-transfer/buggy/total_one_lock_at_a_time.c" "$sub/transfer.c"
grade "$sub.json" "$sub" --lesson 03-transfer
# The JSON must carry the failing run's seed (a number: an empty or missing
# seed would replay as seed 0), and the replay must run with exactly it.
seed=$(jrun "$sub.json" "
t = [t for t in r['lessons'][0]['tests'] if t['name'] == 'total_is_a_snapshot'][0]
s = t.get('seed')
print(s if t['status'] == 'failed' and type(s) is int and s >= 0 else 'no seed: %r' % t)")
if ! [[ $seed =~ ^[0-9]+$ ]]; then
    fail "replay reproduces a failure with its seed" "the graded test has $seed"
else
    out=$("$GRADER" replay --lesson 03-transfer --test total_is_a_snapshot --seed "$seed" "$sub" 2>&1)
    if grep -q "^total_is_a_snapshot failed (seed $seed, " <<<"$out"; then pass "replay reproduces a failure with its seed"
    else fail "replay reproduces a failure with its seed" "$out"; fi
fi
out=$("$GRADER" replay --lesson 03-transfer --test total_is_a_snapshot --seed "$seed" \
      "$ROOT/solutions/03-transfer" 2>&1)
if grep -q "^total_is_a_snapshot passed" <<<"$out"; then pass "replay of the solution passes"
else fail "replay of the solution passes" "$out"; fi
"$GRADER" replay --lesson 03-transfer --test no_such_test --seed 1 "$sub" >/dev/null 2>&1
[ $? -eq 2 ] && pass "replay of an unknown test: exit 2" || fail "replay of an unknown test: exit 2" "exit $?"

# ---- build-time rules ---------------------------------------------------------------
rule() { # NAME EXPECTED_TEXT SOURCE...
    local name=$1 text=$2; shift 2
    local sub="$work/rule-$name"; mkdir -p "$sub"
    cat "$ROOT/solutions/03-transfer/transfer.c" >"$sub/transfer.c"
    printf '%s\n' "$@" >>"$sub/transfer.c"
    grade "$sub.json" "$sub" --lesson 03-transfer
    local got
    got=$(jrun "$sub.json" "L = r['lessons'][0]; print(L['status'], '''$text''' in L.get('message', ''))")
    if [ "$got" = "forbidden True" ]; then pass "build rule: $name"
    else fail "build rule: $name" "$got: $(jget "$sub.json" "r['lessons'][0].get('message')")"; fi
}
rule global_helper "make it static" 'int helper_count;'
# The tests' own functions are not in the student's process at all.
sub="$work/rule-judge_symbol"; mkdir -p "$sub"
{ cat "$ROOT/solutions/03-transfer/transfer.c"
  printf '%s\n' '#include <stdint.h>' 'uint64_t harness_seed(void);' \
      '__attribute__((used)) static uint64_t peek(void) { return harness_seed(); }'; } >"$sub/transfer.c"
grade "$sub.json" "$sub" --lesson 03-transfer
got=$(jrun "$sub.json" "L = r['lessons'][0]; print(L['status'], 'harness_seed' in L.get('message', ''))")
if [ "$got" = "compile_error True" ]; then pass "build rule: the tests' functions do not link"
else fail "build rule: the tests' functions do not link" "$got"; fi
rule forbidden_call "system()" '#include <stdlib.h>' \
     '__attribute__((used)) static void f(void) { system("true"); }'
rule constructor "constructor" 'static volatile int early_ran;' '__attribute__((constructor)) static void early(void) { early_ran = 1; }'
rule grader_symbol "belongs to the grader" '#include <stdint.h>' \
     'uint64_t remote_run_callback(uint64_t id, unsigned long n, const uint64_t *a);' \
     '__attribute__((used)) static uint64_t peek(void) { return remote_run_callback(0, 0, 0); }'
rule atomic_wrapper "belongs to the grader" '#include <stdint.h>' \
     'uint32_t grader_tsan_atomic32_load(const volatile void *a, int mo);' \
     '__attribute__((used)) static uint32_t peek(const volatile void *a) { return grader_tsan_atomic32_load(a, 5); }'
rule engine_symbol "belongs to the grader" '#include <stdbool.h>' 'bool engine_ready(void);' \
     '__attribute__((used)) static bool peek(void) { return engine_ready(); }'

# ---- sockets: intercept_io.c's seeded short transfers and EINTR ----------------
# Its unit test (tests/engine/io/io_faults.c) links the file alone: the
# first read and write on a socket are short and the second ones EINTR
# (every seed), a retrying loop moves every byte, pipes only when asked
# (never a write of at most PIPE_BUF cut), EAGAIN where a call does not
# block when asked, copies of descriptors counted, the
# book of served clients and open descriptors is exact,
# remote_io_cut_writes cuts the calling thread's writes after its budget,
# remote_io_loop_thread counts the marked thread's waiting calls, and a
# one-read reader of a 100-byte message is caught under every seed (a framing
# bug), on a pipe and on a socket.
bin="$work/io_faults"
if $CC -std=c17 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -I"$ROOT/grader/harness" \
       "$ROOT/tests/engine/io/io_faults.c" "$ROOT/grader/harness/intercept_io.c" \
       -o "$bin" 2>"$bin.log"; then
    if "$bin" >"$bin.out" 2>&1; then pass "intercept_io: short transfers, EINTR, served clients, open fds"
    else fail "intercept_io: short transfers, EINTR, served clients, open fds" "$(head -c 600 "$bin.out")"; fi
else
    fail "intercept_io unit test builds" "$(head -c 300 "$bin.log")"
fi

# ---- threads: the count of the threads the student's code starts ---------------
# Its unit test (tests/engine/threads/thread_count.c) links intercept.c with
# the engine's sources (the Makefile's ENGINE_SRC), no subject: pthread and
# C11 creations counted, joinable or detached; running until return or
# pthread_exit; a reset zeroes the count; injected creation failures after
# n successes, not counted, until disarmed.
bin="$work/thread_count"
engine_src=$(sed -n 's/^ENGINE_SRC := //p' "$ROOT/Makefile")
# shellcheck disable=SC2046 # one word per source file
if $CC -std=c17 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -I"$ROOT/grader/harness" \
       "$ROOT/tests/engine/threads/thread_count.c" \
       $(for f in intercept.c intercept_ucontext.c c11threads.c $engine_src; do echo "$ROOT/grader/harness/$f"; done) \
       -o "$bin" -lpthread 2>"$bin.log"; then
    if "$bin" >"$bin.out" 2>&1; then pass "intercept: the student's thread creations counted (pthread, C11), failures injected"
    else fail "intercept: the student's thread creations counted (pthread, C11), failures injected" "$(head -c 600 "$bin.out")"; fi
else
    fail "intercept thread-count unit test builds" "$(head -c 300 "$bin.log")"
fi

# ---- the engine orders nothing under ThreadSanitizer ---------------------------
# tests/engine/tsan/engine_orders_nothing.c, instrumented, calls the wrappers
# of intercept.c and intercept_io.c; the grader's files are built as the
# TSan flavour of a subject builds them (grader/src/objcache.c: without
# TSan's instrumentation, -DGRADER_TSAN_BUILD). Its two races (a write
# before a thread's exit read after another thread's start; a write before
# a pipe() read after another pipe()) must both be reported: the engine's
# books of live threads and open descriptors, which both threads go
# through, must not order them (with the engine instrumented, neither was).
bin="$work/engine_orders_nothing"
mkdir -p "$bin.d"
built=1
for f in intercept.c intercept_ucontext.c c11threads.c intercept_io.c $engine_src; do
    $CC -std=c17 -D_GNU_SOURCE -g -O1 -pthread -Wall -Wextra -Werror -DGRADER_TSAN_BUILD \
        -I"$ROOT/grader/harness" -c "$ROOT/grader/harness/$f" -o "$bin.d/${f%.c}.o" 2>>"$bin.log" || built=0
done
if [ $built = 1 ] &&
   $CC -std=c17 -g -O1 -Wall -Wextra -Werror -fsanitize=thread -I"$ROOT/grader/harness" \
       -c "$ROOT/tests/engine/tsan/engine_orders_nothing.c" -o "$bin.d/test.o" 2>>"$bin.log" &&
   $CC -fsanitize=thread -pthread "$bin.d"/*.o -o "$bin" -ldl 2>>"$bin.log"; then
    TSAN_OPTIONS="exitcode=66 history_size=4" "$bin" >"$bin.out" 2>&1
    rc=$?
    missed=""
    for v in written_before_exit written_before_open; do
        grep -q "Location is global '$v'" "$bin.out" || missed="$missed $v"
    done
    if [ $rc = 66 ] && [ -z "$missed" ]; then pass "the engine's books hide no race from ThreadSanitizer"
    else fail "the engine's books hide no race from ThreadSanitizer" "exit $rc, not reported:$missed; $(head -c 600 "$bin.out")"; fi
else
    fail "engine_orders_nothing builds" "$(head -c 300 "$bin.log")"
fi

# ---- coroutines: intercept_ucontext.c's task stack overflows -------------------
# Its unit test (tests/engine/ucontext/stack_overflow.c) links the file
# alone: a task within its stack is not reported and gets its makecontext
# arguments; an overrun stack is reported (once) when the task switches
# away or returns, naming its size and the makecontext call; a fault in a
# guard page below a stack is that stack's overflow (the handler on the
# alternate stack the wrapper gave the thread), a fault elsewhere is not.
bin="$work/stack_overflow"
if $CC -std=c17 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -I"$ROOT/grader/harness" \
       "$ROOT/tests/engine/ucontext/stack_overflow.c" "$ROOT/grader/harness/intercept_ucontext.c" \
       -o "$bin" 2>"$bin.log"; then
    if "$bin" >"$bin.out" 2>&1; then pass "intercept_ucontext: task stack overflows reported as such"
    else fail "intercept_ucontext: task stack overflows reported as such" "$(head -c 600 "$bin.out")"; fi
else
    fail "intercept_ucontext unit test builds" "$(head -c 300 "$bin.log")"
fi

# ---- processes: intercept_proc.c's injected fork failures, the children look --
# Its unit test (tests/engine/proc/proc_children.c) links the file alone:
# the k-th fork fails with the errno asked (and later ones), vfork is a
# fork, the look counts children and zombies without reaping, reap ends all;
# the book of forks and reaps: the most alive at once, CPU time per child.
bin="$work/proc_children"
if $CC -std=c17 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -I"$ROOT/grader/harness" \
       "$ROOT/tests/engine/proc/proc_children.c" "$ROOT/grader/harness/intercept_proc.c" \
       -o "$bin" 2>"$bin.log"; then
    if "$bin" >"$bin.out" 2>&1; then pass "intercept_proc: injected fork failures, children and zombies"
    else fail "intercept_proc: injected fork failures, children and zombies" "$(head -c 600 "$bin.out")"; fi
else
    fail "intercept_proc unit test builds" "$(head -c 300 "$bin.log")"
fi

# ---- the benchmark's no-op messages change no verdict ----------------------
# scripts/bench-split-share.sh prices a round trip by adding no-op ones
# before every call and every callback's answer (GRADER_BENCH_EXTRA_TRIPS,
# the judge's --bench-extra-trips), and an event by sending each one twice
# (GRADER_BENCH_EVENT_COPY, --bench-event-copy: the copy to a reader that
# drops it). 12-turns makes an event per word said: with both, the solution
# keeps full marks, the skeleton scores 0 and a variant that speaks out of
# turn is still caught.
PY=${PY:-python3}
for kind in solution skeleton buggy; do
    case $kind in
    solution) src=$ROOT/solutions/12-turns/turns.c cats= ;;
    skeleton) src=$ROOT/exercises/12-turns/turns.c cats= ;;
    buggy) src=$ROOT/tests/lessons/12-turns/buggy/reverse_order.c cats="functional ordering" ;;
    esac
    sub=$(mktemp -d "$work/extra-XXXXXX")
    cp "$src" "$sub/turns.c"
    GRADER_BENCH_EXTRA_TRIPS=2 GRADER_BENCH_EVENT_COPY=1 "$GRADER" grade --quiet --lesson 12-turns \
        --out "$sub.json" "$sub" >/dev/null 2>&1
    # shellcheck disable=SC2086 # cats: words
    v=$(JUDGE_SOURCE=$src $PY "$ROOT/tests/judge.py" "$kind" "$sub.json" $cats)
    if [ "$v" = 1 ]; then pass "no-op trips and event copies (bench options) change no verdict: 12-turns $kind"
    else fail "no-op trips and event copies (bench options) change no verdict: 12-turns $kind" "${v#0 }"; fi
done
