# 30-robust: every submission in tests/robust/ (and tests/hostile/, when
# present) is graded as its header expects, the grader exits 0, the JSON
# validates, and nothing it started is left running. See
# tests/robust/README.md for the header format.
#
# As root the sandboxed processes run under a uid of their own for this run
# (GRADER_SANDBOX_UID), so "left running" is exact: any process with that uid
# after a case is a stray; it is reported and killed by its pid. A few hostile
# cases are then graded again at weaker levels (as root without namespaces,
# as an ordinary user with and without them), see the end of this file.
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
# Gradings at once (run_slot below): each slot has uids of its own.
slots=${ROBUST_SLOTS:-3}
trap 'if [ -n "$marker_uid" ]; then for ((s = 0; s < slots; s++)); do kill_strays $((marker_uid + s)); done; fi
      for u in "${users[@]}"; do kill_strays "$(id -u "$u")"; done' EXIT

# The checkout's path, for the cases' @COURSE_ROOT@ (see tests/robust/README.md):
# a case names the course only through it, so it attacks this checkout
# wherever it is, never a path that happens to exist on one machine.
root_sed=$(printf '%s' "$ROOT" | sed 's/[\\|&]/\\&/g')
# A line @PROOF@ is replaced by tests/hostile/proof.inc (the proof helpers).
# A line @LOCKED_BANK@ by tests/hostile/locked_bank.inc (an honest bank but for account_balance).
with_root() {
    sed -e "/^@PROOF@\$/{r $ROOT/tests/hostile/proof.inc" -e 'd}' \
        -e "/^@LOCKED_BANK@\$/{r $ROOT/tests/hostile/locked_bank.inc" -e 'd}' \
        -e "s|@COURSE_ROOT@|$root_sed|g" "$@"
}

# Host files a case's processes (uid $1) own outside this run's own dirs:
# what a contained submission must never leave behind.
# Whatever the uid creates has a top that it owns, at most a few levels below
# a world-writable dir: a bounded depth keeps this fast on a full /tmp.
leftovers() {
    [ -n "$1" ] || return 0
    find "$ROOT" /tmp /var/tmp /dev/shm -xdev -maxdepth 4 \( -path "$RESULTS_DIR" -o -path "$ROOT/build" \) -prune \
         -o -user "$1" -print 2>/dev/null | head -5
}

# Pids of processes (the judge, its Check child: outside the sandbox, as
# the grader's user) whose binary lies under one of the dirs given (a
# grader's TMPDIR: its work dirs). Nothing may outlive the grading.
# (One find over /proc, not a readlink per process: this runs after every
# case, and processes are dear here.)
judges_under() {
    local d tests=()
    for d in "$@"; do [ -n "$d" ] && tests+=(-o -lname "$d/*"); done
    [ ${#tests[@]} -gt 0 ] || return 0
    find /proc -mindepth 2 -maxdepth 2 -name exe \( "${tests[@]:1}" \) -printf '%h\n' 2>/dev/null |
        sed 's|^/proc/||' | sort -un
}

# grade_case FILE [RUNNER...]: grades one case file and checks its header.
grade_case() {
    local f=$1; shift
    local name tag=${RUNAS_TAG:-}
    name="$(basename "$(dirname "$f")")/$(basename "$f" .c)$tag"
    # A header field's values ("NAME: VALUE" lines), @COURSE_ROOT@ replaced:
    # read in bash (no sed per field: a case asks for about fifteen).
    local case_lines; mapfile -t case_lines <"$f"
    fields() {
        local l v re="^[ /*]*$1: *(.*)\$" n=${2:-0}
        for l in "${case_lines[@]}"; do
            [[ $l =~ $re ]] || continue
            v=${BASH_REMATCH[1]}; v=${v%"${v##*[! ]}"}
            printf '%s\n' "${v//@COURSE_ROOT@/"$ROOT"}"
            [ "$n" = 1 ] && return
        done
    }
    field() { fields "$1" 1; }
    local lesson; lesson=$(field lesson)
    [ -n "$lesson" ] || { fail "$name" "no 'lesson:' line"; return; }
    # A case that could not even attempt its attack proves nothing: what it
    # goes for must exist here, be named through @COURSE_ROOT@ when it is in
    # the course, and a contained attack must leave its proof in the JSON.
    local t code
    code=$(sed '1,/\*\//d' "$f")
    while read -r t; do
        [ -z "$t" ] && continue
        [ -e "$t" ] || { fail "$name" "its attack-target $t does not exist: the attack could not be attempted"; return; }
    done <<<"$(fields attack-target)"
    if [ -n "$(fields attack-target | grep -F -- "$ROOT")" ] && ! grep -q '@COURSE_ROOT@' <<<"$code"; then
        fail "$name" "attacks the course but its code does not name it through @COURSE_ROOT@"; return
    fi
    if [ "$(basename "$(dirname "$f")")" = hostile ] && [ -z "$(fields expect-message)" ] &&
       [ -z "$(field no-attack)" ]; then
        fail "$name" "no 'expect-message:' line: nothing proves the attack was attempted"; return
    fi
    if [ "$(basename "$(dirname "$f")")" = hostile ] && [ -z "$(field expect-max-score)" ] &&
       [ "$(field expect-status)" = "" ]; then
        fail "$name" "no 'expect-max-score:' line: the most its honest twin would score"; return
    fi
    local sub="${CASE_DIR:-$work}/$(basename "$f" .c)${tag:+-user$RANDOM}"; mkdir -p "$sub"
    local link; link=$(field setup-symlink)
    if [ -n "$link" ]; then ln -s "$link" "$sub/${lesson#*-}.c"; else with_root "$f" >"$sub/${lesson#*-}.c"; fi
    # The attack's twin outside the sandbox must succeed: proof that the
    # code goes for the real thing (a path of this checkout, not of some
    # other machine), so that its failure inside means containment.
    local host; host=$(field host-check)
    if [ -n "$host" ]; then
        printf '#include "%s.h"\nint main(void)\n{\n    %s;\n}\n' "${lesson#*-}" "$host" >"$sub.host.c"
        if ! ${CC:-cc} -std=c17 -D_DEFAULT_SOURCE -pthread -I "$ROOT/exercises/$lesson" -o "$sub.host" \
                "$sub/${lesson#*-}.c" "$sub.host.c" >"$sub.host.log" 2>&1 ||
           ! (timeout 20 "$sub.host") >>"$sub.host.log" 2>&1; then
            fail "$name" "its attack fails even outside the sandbox (host-check: $host): it could not be attempted: $(tail -c 300 "$sub.host.log")"
            return
        fi
    fi
    chmod -R a+rX "$sub"
    [ -n "${CASE_OWNER:-}" ] && chown -R "$CASE_OWNER" "$sub" "${CASE_DIR:-$work}"
    local out="$sub.json" rc table=()
    # expect-clean-table: the case's messages carry terminal control bytes;
    # the student's table (--table --details, what `make check` prints) must
    # show them escaped (\x1B), never raw.
    [ -n "$(field expect-clean-table)" ] && table=(--table --details)
    # The grader's work dirs go under $gtmp (a runner's TMPDIR comes after
    # and wins: then under it), where the judges it starts are found.
    local gtmp="$sub.tmp"; mkdir -p "$gtmp"; chmod 1777 "$gtmp"
    local t0=$SECONDS
    TMPDIR="$gtmp" "$@" "$GRADER" grade --quiet "${table[@]}" --out "$out" --lesson "$lesson" "$sub" >"$sub.log" 2>&1
    rc=$?
    record_time $((SECONDS - t0)) "grading $name"
    local left i
    for i in 1 2 3 4 5; do  # SIGKILL is delivered asynchronously
        left="$(strays "${CASE_UID:-}") $(judges_under "$gtmp" "${CASE_DIR:-}")"
        [ -z "${left// /}" ] && break; sleep 0.2
    done
    if [ -n "${left// /}" ]; then
        kill_strays "${CASE_UID:-}"
        fail "$name" "processes left running: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" 2>/dev/null | head -3)"
        for i in $(judges_under "$gtmp" "${CASE_DIR:-}"); do kill -9 "$i" 2>/dev/null; done
        return
    fi
    if [ $rc -ne 0 ]; then fail "$name" "grader exited $rc: $(tail -c 300 "$sub.log")"; return; fi
    if ! validate "$out" >"$sub.val" 2>&1; then fail "$name" "invalid JSON: $(cat "$sub.val")"; return; fi
    if [ ${#table[@]} -gt 0 ] && ! python3 - "$sub.log" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
bad = [b for b in data if (b < 0x20 and b not in b'\n\t') or b == 0x7f]
sys.exit(1 if bad or b'\\x1B' not in data else 0)
PY
    then fail "$name" "the table printed raw control bytes (or no escaped \\x1B at all): $(tail -c 300 "$sub.log" | cat -v)"; return; fi
    local p
    while read -r p; do
        [ -n "$p" ] && [ -e "$p" ] && { fail "$name" "the submission created $p outside its sandbox"; rm -f "$p"; return; }
    done <<<"$(fields expect-no-file)"
    # Only the sandbox's own uid (as root) tells the case's files from ours.
    if [ -n "$marker_uid" ] && [ "${CASE_UID:-}" = "$marker_uid" ]; then
        left=$(leftovers "$marker_uid")
        [ -n "$left" ] && { fail "$name" "left files behind: $(echo $left)"; return; }
    fi
    local status max min
    status=$(field expect-status); status=${status:-graded}
    max=$(field expect-max-score); max=${max:-0}
    min=$(field expect-min-score); min=${MIN_SCORE:-${min:-0}}
    local problems
    # The header's values reach Python through the environment (never
    # pasted into its source: a regex's backslashes would be mangled).
    problems=$(X_STATUS=$status X_MAX=$max X_MIN=$min X_TEST=$(field expect-test) \
               X_MESSAGES=$(sed -n "s/^[ /*]*expect-message: *\(.*\)$/\1/p" "$f" | sed 's/ *$//') \
               X_NOT=$(fields expect-not-message) X_TIMELINE=$(fields expect-timeline) X_LEVEL=${EXPECT_LEVEL:-} X_ROOT=$ROOT \
               X_PROT=${EXPECT_PROTECTED:-true} jrun "$out" "
import os, re
E = os.environ
L = r['lessons'][0]
msgs = [L.get('message', '')] + [t.get('message', '') for t in L['tests']]
# A failure's timeline (grader/src/timeline_text.h): rebuilt by the grader,
# so every line has its shape whatever the subject wrote; and none on a pass.
tl = [x for t in L['tests'] for x in t.get('timeline', [])]
shape = re.compile(r'^T[0-9]+ ([^ ]+:[0-9]+ )?(lock\(m[0-9]+\)|unlock\(m[0-9]+\)|trylock: busy|'
                   r'(timed)?wait\(c[0-9]+, m[0-9]+\)|(woke|timed out)\(c[0-9]+\)( with no signal)?|'
                   r'signal\(c[0-9]+\)|broadcast\(c[0-9]+\)|create a thread|thread starts|'
                   r'join(\(T[0-9]+\))?|sleep)$')
p = ['timeline line %r has not the grader\'s shape' % x for x in tl if not shape.match(x)][:1]
p += ['passing test %s carries a timeline' % t['name'] for t in L['tests']
      if t['status'] == 'passed' and 'timeline' in t][:1]
for m in E['X_TIMELINE'].splitlines():
    if m and not any(re.search(m, x) for x in tl): p.append('no timeline line matches %r: %r' % (m, tl[:6]))
msgs += tl
if L['status'] != E['X_STATUS']: p.append('status %s, expected %s' % (L['status'], E['X_STATUS']))
if L['score'] > float(E['X_MAX']): p.append('scored %s, at most %s expected' % (L['score'], E['X_MAX']))
if L['score'] < float(E['X_MIN']): p.append('scored %s, at least %s expected: %r' % (L['score'], E['X_MIN'], [(t['name'], t.get('message')) for t in L['tests'] if t['status'] != 'passed'][:2]))
t = E['X_TEST']
if t and not any(x['status'] == t for x in L['tests']): p.append('no test with status ' + t)
for m in E['X_MESSAGES'].splitlines():
    rx = m.replace('@COURSE_ROOT@', re.escape(E['X_ROOT']))
    if m and not any(re.search(rx, x) for x in msgs): p.append('no message matches %r: %r' % (rx, msgs[:3]))
for n in E['X_NOT'].splitlines():
    if n and any(n in x for x in msgs): p.append('a message shows %r' % n)
sb = r.get('sandbox', {})
want = E['X_LEVEL']
if want and sb.get('level') != want: p.append('sandbox level %s, expected %s' % (sb.get('level'), want))
if str(sb.get('results_protected')).lower() != E['X_PROT']: p.append('sandbox.results_protected is %s, expected %s' % (sb.get('results_protected'), E['X_PROT']))
print('; '.join(p))")
    if [ -z "$problems" ]; then pass "$name"; else fail "$name" "$problems"; fi
}

# CASES="read_solution write_outside" grades only those (while working on them).
wanted() { [ -z "${CASES:-}" ] || grep -qw -- "$1" <<<"$CASES"; }

# Every grading of this suite is a job, one line: TAG|LEVEL|MIN|PROTECTED|HOW|FILE.
# HOW is how the grader runs: "sandbox" (full isolation), "plain" (as root,
# GRADER_SANDBOX=plain), "user" and "user-plain" (as an ordinary user, with
# and without namespaces). LEVEL, MIN and PROTECTED are what the JSON must
# say (empty: the case's own header decides).
jobs=()
for f in "$ROOT"/tests/robust/*.c "$ROOT"/tests/hostile/*.c; do
    [ -f "$f" ] && wanted "$(basename "$f" .c)" && jobs+=("||||sandbox|$f")
done

# A grader killed with SIGKILL while a test sleeps takes its sandbox with it
# (the parent-death signal of the sandbox's init, and of the command in
# plain mode): nothing of the sandbox's uid may be left running.
# kill_grader_mid_test [RUNNER...]
kill_grader_mid_test() {
    local name="hostile/sleep_forever: grader killed mid-test${RUNAS_TAG:-}" sub i
    sub=$(mktemp -d "$work/killed-XXXXXX")
    with_root "$ROOT/tests/hostile/sleep_forever.c" >"$sub/bank.c"; chmod -R a+rX "$sub"
    # Its work dir stays behind (SIGKILL): keep it inside this run's dir.
    mkdir -p "$sub.tmp"; chmod 755 "$sub.tmp"
    TMPDIR="$sub.tmp" "$@" "$GRADER" grade --quiet --out "$sub.json" --lesson 02-bank "$sub" >"$sub.log" 2>&1 &
    local g=$!
    # Until a test's subject (the student's code) runs under the sandbox's
    # uid (not a compile step).
    testing() { ps -e -o uid=,comm= | awk -v u="$marker_uid" '$1 == u && $2 ~ /^subject/' | grep -q .; }
    for i in $(seq 1 600); do testing && break; sleep 0.1; done
    testing || { kill -9 $g; wait $g; kill_strays "$marker_uid"; fail "$name" "no test ever ran"; return; }
    sleep 0.5
    kill -9 $g; wait $g 2>/dev/null
    # The judge too (the tests, outside the sandbox) and its Check child.
    local left
    for i in 1 2 3 4 5 6 7 8 9 10; do
        left="$(strays "$marker_uid") $(judges_under "$sub.tmp")"; [ -z "${left// /}" ] && break; sleep 0.2
    done
    if [ -n "${left// /}" ]; then
        fail "$name" "left running: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" | head -3)"
        kill_strays "$marker_uid"
        for i in $(judges_under "$sub.tmp"); do kill -9 "$i" 2>/dev/null; done
    else
        pass "$name"
    fi
}
if [ -n "$marker_uid" ] && wanted sleep_forever; then
    kill_grader_mid_test
    RUNAS_TAG=" (root, no namespaces)" kill_grader_mid_test env GRADER_SANDBOX=plain
fi

# One case per attack class of docs/SECURITY.md that every level must
# contain (the verdict's classes first): graded again at each level below,
# besides the cases each level adds. Escapes that only namespaces contain
# (write_outside, read_solution as the grader's own user) are not here.
# (Exhaustion: tsan_heap_bomb, which every level grades below.)
matrix="forge_pass_token check_longjmp ifunc_list rpc_forge_return kill_judge ctor_fake_results
        fake_results_stdout tsan_default_options tsan_detect_env raw_syscalls
        rewrite_test_binary line_16kb_name"
# level_jobs TAG LEVEL MIN PROTECTED HOW CASE...: the matrix and the level's
# own cases, once each, as jobs.
level_jobs() {
    local tag=$1 level=$2 min=$3 prot=$4 how=$5 c m; shift 5
    for c in $(printf '%s\n' $matrix "$@" | awk '!seen[$0]++'); do
        [ -f "$ROOT/tests/hostile/$c.c" ] && wanted "$c" || continue
        # Without a user namespace RLIMIT_NPROC counts every process of the
        # uid: a fork bomb's dying processes may starve the next tests, so
        # only its upper bound holds there.
        m=$min; [ "$c" = fork_bomb ] && [ "${how%plain}" != "$how" ] && m=0
        jobs+=("$tag|$level|$m|$prot|$how|$ROOT/tests/hostile/$c.c")
    done
}

# As root without namespaces (GRADER_SANDBOX=plain, as in a container that
# forbids them): the command must still run as nobody and stay contained.
# (/tmp stays shared without a mount namespace: write_outside is not
# containable here, and the JSON's level says so.)
# (tsan_detect_*: telling the TSan run at run time, where the level
# changes what the process sees.)
[ -n "$marker_uid" ] && level_jobs " (root, no namespaces)" rlimits "" true plain \
    rewrite_test_binary kill_everything read_grader_proc ptrace_parent kill_judge \
    tsan_detect_env tsan_detect_maps tsan_heap_bomb scratch_fill

# As an ordinary user: namespaces without a cgroup (or the plain fallback);
# the JSON must say so and the cases still score 0. Each slot grades as a
# user of its own (graderci0, graderci1, ...): its strays are its own. Without a
# user namespace RLIMIT_NPROC counts all of the user's processes: a bomb's
# dying processes may starve later tests, so only the upper bound holds.
users=()
if [ -n "$marker_uid" ] && command -v runuser >/dev/null; then
    for ((s = 0; s < slots; s++)); do
        u=graderci$s
        id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u" 2>/dev/null
        id -u "$u" >/dev/null 2>&1 && users+=("$u")
    done
fi
if [ ${#users[@]} -eq "$slots" ]; then
    chmod 755 "$ROOT/build" 2>/dev/null
    # The checkout may be private (a 0700 mktemp dir): the users grade with
    # a readable copy of the grader and the course, whose cache (root's, warm
    # from the lessons' suite) they read but cannot change: each grading
    # builds only what it lacks (in a cache of its own when results are not
    # protected, else in the user's).
    copy="$work/course-for-users"
    course_for_users "$copy"
    for u in "${users[@]}"; do
        mkdir -p "$work/user-$u"; chown -R "$u" "$work/user-$u"
    done
    level_jobs " (as a user)" namespaces "" true user \
        fork_bomb heap_bomb tsan_heap_bomb scratch_fill read_solution write_outside raw_syscalls \
        fake_results_stdout threads_64 kill_judge echo_kill_socket_maker
    level_jobs " (as a user, no namespaces)" rlimits 0 false user-plain \
        fork_bomb fake_results_stdout rewrite_test_binary tsan_heap_bomb kill_judge forge_pass_token
fi

# The cases whose header says "slow: yes" (they run into time limits, or
# fill their limits) start first, at every level: the slots then end
# together, not with one slow case running alone at the end.
slow_first=() rest=()
for j in "${jobs[@]}"; do
    if grep -q '^ \* slow: yes' "${j##*|}"; then slow_first+=("$j"); else rest+=("$j"); fi
done
jobs=("${slow_first[@]}" "${rest[@]}")

# next_job: the index of the next job no slot has taken (a shared counter).
echo 0 >"$work/next-job"
next_job() {
    (
        flock 9
        local n; n=$(cat "$work/next-job"); echo $((n + 1)) >"$work/next-job"; echo "$n"
    ) 9>"$work/next-job.lock"
}

# run_slot SLOT: grades the next job until none is left (a slow case does
# not hold back the cases dealt to its slot). $slots slots at once
# (ROBUST_SLOTS, default 3: the gradings wait on time limits and the kernel
# more than they compute; alone on 2 cores the suite took 254 s with 2
# slots, 207 s with 3, 194 s with 4), each with uids of its own
# (the sandbox's, as root; its user's): the strays and leftover files after
# a case are that case's.
run_slot() {
    local slot=$1 i tag level min prot how f user
    if [ -n "$marker_uid" ]; then
        marker_uid=$((marker_uid + slot))
        export GRADER_SANDBOX_UID=$marker_uid
    fi
    user=${users[$slot]:-}
    while i=$(next_job) && [ "$i" -lt ${#jobs[@]} ]; do
        IFS='|' read -r tag level min prot how f <<<"${jobs[$i]}"
        case $how in
        sandbox | plain)
            local runner=(); [ "$how" = plain ] && runner=(env GRADER_SANDBOX=plain)
            CASE_UID=$marker_uid RUNAS_TAG=$tag EXPECT_LEVEL=$level MIN_SCORE=$min EXPECT_PROTECTED=${prot:-true} \
                grade_case "$f" "${runner[@]}" ;;
        user | user-plain)
            local mode=(); [ "$how" = user-plain ] && mode=(GRADER_SANDBOX=plain)
            CASE_UID=$(id -u "$user") CASE_DIR="$work/user-$user" CASE_OWNER=$user GRADER="$copy/build/grader" \
                RUNAS_TAG=$tag EXPECT_LEVEL=$level MIN_SCORE=$min EXPECT_PROTECTED=$prot \
                grade_case "$f" runuser -u "$user" -- env GRADER_CACHE="$copy/build/cache" \
                TMPDIR="$work/user-$user" "${mode[@]}" ;;
        esac
    done
}

for ((s = 0; s < slots; s++)); do run_slot "$s" & done
wait
