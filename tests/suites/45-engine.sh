# 45-engine: the concurrency engine (grader/harness/engine.h).
# - `grader stress` finds each sample bug in tests/engine/ (first comment:
#   "expect: STATUS") and reports ok for the correct ones;
# - a lock-order inversion is reported even when the run does not hang, and
#   a common gate lock silences it;
# - a deadlocking transfer puts the cycle, with file:line, in the JSON;
# - `grader replay` reproduces a failure with the seed the JSON reported;
# - the build-time rules (forbidden calls, non-API globals, constructors,
#   the grader's own symbols) reject what they must.
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
CC=${CC:-cc}

# ---- grader stress on the samples ------------------------------------------
for src in "$ROOT"/tests/engine/*.c; do
    name=$(basename "$src" .c)
    expect=$(sed -n 's/.*expect: *\([a-z]*\).*/\1/p' "$src" | head -1)
    bin="$work/$name"
    if ! $CC -std=c17 -g -O1 -pthread -Wall -Wextra -Werror "$src" -o "$bin" 2>"$bin.log"; then
        fail "stress $name builds" "$(head -c 300 "$bin.log")"; continue
    fi
    secs=2; [ "$expect" = ok ] && secs=3
    "$GRADER" stress --seconds "$secs" --timeout 3000 --seed 11 -- "$bin" >"$bin.json" 2>"$bin.err"
    rc=$?
    got=$(jget "$bin.json" "r['status']" 2>/dev/null)
    want_rc=3; [ "$expect" = ok ] && want_rc=0
    if [ "$got" = "$expect" ] && [ $rc -eq $want_rc ]; then pass "stress $name: $expect"
    else fail "stress $name: $expect" "status $got, exit $rc: $(head -c 400 "$bin.json") $(head -c 200 "$bin.err")"; fi
done

# Deadlock reports name both threads and the lines (abba.c:NN).
msg=$(jget "$work/abba.json" "r.get('message', '')" 2>/dev/null)
if grep -q "thread 2 holds lock 1 (locked at abba.c:[0-9]*) and waits for lock 2 (at abba.c:[0-9]*)" <<<"$msg" &&
   grep -q "thread 3 holds lock 2 (locked at abba.c:[0-9]*) and waits for lock 1" <<<"$msg"; then
    pass "stress names the deadlock cycle with file:line"
else fail "stress names the deadlock cycle with file:line" "$msg"; fi

# The hang report names a condition wait.
msg=$(jget "$work/lost_wakeup.json" "r.get('message', '')" 2>/dev/null)
if grep -q "waits on condition variable 1 (at lost_wakeup.c:[0-9]*)" <<<"$msg"; then
    pass "hang report names the condition wait"
else fail "hang report names the condition wait" "$msg"; fi

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
seed=$(jget "$sub.json" "[t['seed'] for t in r['lessons'][0]['tests'] if t['name'] == 'total_is_a_snapshot'][0]")
out=$("$GRADER" replay --lesson 03-transfer --test total_is_a_snapshot --seed "$seed" "$sub" 2>&1)
if grep -q "^total_is_a_snapshot failed (seed $seed" <<<"$out"; then pass "replay reproduces a failure with its seed"
else fail "replay reproduces a failure with its seed" "$out"; fi
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
rule forbidden_call "system()" '#include <stdlib.h>' \
     '__attribute__((used)) static void f(void) { system("true"); }'
rule constructor "constructor" 'static volatile int early_ran;' '__attribute__((constructor)) static void early(void) { early_ran = 1; }'
rule grader_symbol "belongs to the grader" '#include <stdint.h>' 'uint64_t harness_seed(void);' \
     '__attribute__((used)) static uint64_t peek(void) { return harness_seed(); }'
rule engine_symbol "belongs to the grader" '#include <stdbool.h>' 'bool engine_ready(void);' \
     '__attribute__((used)) static bool peek(void) { return engine_ready(); }'
