# 30-robust: every submission in tests/robust/ (and tests/hostile/, when
# present) is graded as its header expects, the grader exits 0, the JSON
# validates, and nothing it started is left running. See
# tests/robust/README.md for the header format.
#
# As root the sandboxed processes run under a uid of their own for this run
# (GRADER_SANDBOX_UID), so "left running" is exact: any process with that uid
# after a case is a stray; it is reported and killed by its pid. A few hostile
# cases are then graded again as an ordinary user (weaker isolation: no
# cgroup), see the end of this file.
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
chmod 755 "$work" "$RESULTS_DIR"
marker_uid=""
if [ "$(id -u)" = 0 ]; then
    marker_uid=$(( 61000 + $$ % 3000 ))
    export GRADER_SANDBOX_UID=$marker_uid
fi

# Pids of processes running under uid $1 (none when no uid).
# Zombies are not running: their reaping is the system's init's business.
strays() { [ -n "$1" ] && ps -e -o pid=,uid=,stat= | awk -v u="$1" '$2 == u && $3 !~ /^Z/ { print $1 }'; }
kill_strays() { local p; for p in $(strays "$1"); do kill -9 "$p" 2>/dev/null; done; }
trap 'kill_strays "$marker_uid"; [ -n "${user_uid:-}" ] && kill_strays "$user_uid"' EXIT

# grade_case FILE [RUNNER...]: grades one case file and checks its header.
grade_case() {
    local f=$1; shift
    local name tag=${RUNAS_TAG:-}
    name="$(basename "$(dirname "$f")")/$(basename "$f" .c)$tag"
    field() { sed -n "s/^[ /*]*$1: *\(.*\)$/\1/p" "$f" | head -1 | sed 's/ *$//'; }
    fields() { sed -n "s/^[ /*]*$1: *\(.*\)$/\1/p" "$f" | sed 's/ *$//'; }
    local lesson; lesson=$(field lesson)
    [ -n "$lesson" ] || { fail "$name" "no 'lesson:' line"; return; }
    local sub="${CASE_DIR:-$work}/$(basename "$f" .c)${tag:+-user$RANDOM}"; mkdir -p "$sub"
    local link; link=$(field setup-symlink)
    if [ -n "$link" ]; then ln -s "$link" "$sub/${lesson#*-}.c"; else cp "$f" "$sub/${lesson#*-}.c"; fi
    chmod -R a+rX "$sub"
    [ -n "${CASE_OWNER:-}" ] && chown -R "$CASE_OWNER" "$sub" "${CASE_DIR:-$work}"
    local out="$sub.json" rc
    "$@" "$GRADER" grade --quiet --out "$out" --lesson "$lesson" "$sub" >"$sub.log" 2>&1
    rc=$?
    local left i
    for i in 1 2 3 4 5; do  # SIGKILL is delivered asynchronously
        left=$(strays "${CASE_UID:-}"); [ -z "$left" ] && break; sleep 0.2
    done
    if [ -n "$left" ]; then
        kill_strays "${CASE_UID:-}"
        fail "$name" "processes left running: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" 2>/dev/null | head -3)"
        return
    fi
    if [ $rc -ne 0 ]; then fail "$name" "grader exited $rc: $(tail -c 300 "$sub.log")"; return; fi
    if ! validate "$out" >"$sub.val" 2>&1; then fail "$name" "invalid JSON: $(cat "$sub.val")"; return; fi
    local p
    while read -r p; do
        [ -n "$p" ] && [ -e "$p" ] && { fail "$name" "the submission created $p outside its sandbox"; rm -f "$p"; return; }
    done <<<"$(fields expect-no-file)"
    local status max min
    status=$(field expect-status); status=${status:-graded}
    max=$(field expect-max-score); max=${max:-0}
    min=$(field expect-min-score); min=${MIN_SCORE:-${min:-0}}
    local problems
    problems=$(jrun "$out" "
L = r['lessons'][0]
msgs = [L.get('message', '')] + [t.get('message', '') for t in L['tests']]
p = []
if L['status'] != '$status': p.append('status %s, expected $status' % L['status'])
if L['score'] > $max: p.append('scored %s, at most $max expected' % L['score'])
if L['score'] < $min: p.append('scored %s, at least $min expected: %r' % (L['score'], [(t['name'], t.get('message')) for t in L['tests'] if t['status'] != 'passed'][:2]))
t = '$(field expect-test)'
if t and not any(x['status'] == t for x in L['tests']): p.append('no test with status ' + t)
m = '''$(field expect-message)'''
if m and not any(m in x for x in msgs): p.append('no message contains %r: %r' % (m, msgs[:3]))
for n in '''$(fields expect-not-message)'''.splitlines():
    if n and any(n in x for x in msgs): p.append('a message shows %r' % n)
sb = r.get('sandbox', {})
want = '${EXPECT_LEVEL:-}'
if want and sb.get('level') != want: p.append('sandbox level %s, expected %s' % (sb.get('level'), want))
print('; '.join(p))")
    if [ -z "$problems" ]; then pass "$name"; else fail "$name" "$problems"; fi
}

CASE_UID=$marker_uid
for f in "$ROOT"/tests/robust/*.c "$ROOT"/tests/hostile/*.c; do
    [ -f "$f" ] || continue
    grade_case "$f"
done

# As root without namespaces (GRADER_SANDBOX=plain, as in a container that
# forbids them): the command must still run as nobody and stay contained.
if [ "$(id -u)" = 0 ]; then
    # (/tmp stays shared without a mount namespace: write_outside is not
    # containable here, and the JSON's level says so.)
    for c in rewrite_test_binary kill_everything read_grader_proc ptrace_parent; do
        [ -f "$ROOT/tests/hostile/$c.c" ] || continue
        RUNAS_TAG=" (root, no namespaces)" EXPECT_LEVEL=rlimits \
            grade_case "$ROOT/tests/hostile/$c.c" env GRADER_SANDBOX=plain
    done
fi

# As an ordinary user: namespaces without a cgroup (or the plain fallback);
# the JSON must say so and the cases still score 0.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
    user=graderci
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null
    if user_uid=$(id -u "$user" 2>/dev/null); then
        chmod 755 "$ROOT/build" 2>/dev/null
        # The checkout may be private (a 0700 mktemp dir): $user grades with
        # a readable copy of the grader and the course.
        copy="$work/course-for-$user"; mkdir -p "$copy/build" "$copy/tests"
        cp -a "$ROOT/build/grader" "$copy/build/" && cp -a "$ROOT/exercises" "$ROOT/grader" "$copy/" &&
            cp -a "$ROOT/tests/lessons" "$copy/tests/" && chmod -R a+rX "$copy"
        GRADER="$copy/build/grader"
        CASE_DIR=$(mktemp -d "$work/user-XXXXXX"); CASE_OWNER=$user
        cache="$CASE_DIR/cache"; mkdir -p "$cache"; chown -R "$user" "$CASE_DIR"
        CASE_UID=$user_uid
        for c in fork_bomb heap_bomb read_solution write_outside raw_syscalls fake_results_stdout threads_64; do
            [ -f "$ROOT/tests/hostile/$c.c" ] || continue
            RUNAS_TAG=" (as $user)" EXPECT_LEVEL=namespaces \
                grade_case "$ROOT/tests/hostile/$c.c" runuser -u "$user" -- env GRADER_CACHE="$cache" TMPDIR="$CASE_DIR"
        done
        for c in fork_bomb fake_results_stdout rewrite_test_binary; do
            # Without a user namespace RLIMIT_NPROC counts all of the user's
            # processes: a bomb's dying processes may starve later tests, so
            # only the upper bound holds here.
            RUNAS_TAG=" (as $user, no namespaces)" EXPECT_LEVEL=rlimits MIN_SCORE=0 \
                grade_case "$ROOT/tests/hostile/$c.c" runuser -u "$user" -- env GRADER_CACHE="$cache" TMPDIR="$CASE_DIR" GRADER_SANDBOX=plain
        done
    fi
fi
