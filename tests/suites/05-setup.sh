# 05-setup: the set-up works everywhere. scripts/install-deps.sh picks root,
# sudo (never waiting for a password without a terminal) or a clear refusal,
# and installs only what is missing; .ci/run installs with no standard input;
# the Containerfile of the grading image uses the same script, copies paths
# that exist, names the image README's Kubernetes example runs, and its
# steps, replayed here, give a course that grades (no container runtime
# needed). apt-get, dpkg-query, sudo and make are fakes that record their
# calls: nothing is installed.
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
# A world-readable copy of what the scripts need, so that the user `nobody`
# can run them whatever the checkout's permissions.
sand=$(mktemp -d /tmp/setup-test-XXXXXX)   # /tmp: nobody must reach it
trap 'rm -rf "$sand"' EXIT
mini="$sand/course"
mkdir -p "$mini/scripts" "$mini/.ci"
cp "$ROOT/scripts/install-deps.sh" "$mini/scripts/"
cp "$ROOT/.ci/run" "$ROOT/.ci/packages" "$mini/.ci/"
printf 'gcc libjansson-dev\nchromium  make\n' >"$sand/packages"   # two lines, extra spaces
log="$sand/calls"

# bin/: the real tools the scripts use, and nothing else (no sudo).
bin="$sand/bin"
mkdir -p "$bin"
for t in bash env dirname tr grep id mktemp tail cat sed rm; do
    ln -s "$(command -v "$t")" "$bin/$t"
done
# fake/: dpkg-query (installed: FAKE_INSTALLED, or ALL), apt-get and make
# (they record their arguments and whether stdin is a terminal; apt-get
# fails when FAKE_APT_FAIL is set), and sudo (records, then runs the rest).
fake="$sand/fake"
mkdir -p "$fake"
cat >"$fake/dpkg-query" <<'EOF'
#!/bin/bash
pkg=${!#}
if [ "${FAKE_INSTALLED:-}" = ALL ] || [[ " ${FAKE_INSTALLED:-} " == *" $pkg "* ]]; then
    printf 'ii '
else
    echo "dpkg-query: no packages found matching $pkg" >&2; exit 1
fi
EOF
for t in apt-get make sudo; do
    cat >"$fake/$t" <<EOF
#!/bin/bash
tty=notty; [ -t 0 ] && tty=tty
echo "$t \$tty \$*" >>"\$FAKE_LOG"
EOF
done
echo '[ -n "${FAKE_APT_FAIL:-}" ] && { echo "E: Unable to locate package $FAKE_APT_FAIL" >&2; exit 100; }; exit 0' >>"$fake/apt-get"
echo '[ "$1" = -n ] && shift; exec "$@"' >>"$fake/sudo"
mkdir -m 1777 "$sand/tmp"
chmod -R a+rX "$sand"
chmod 755 "$bin"/../fake/* "$mini/scripts/install-deps.sh" "$mini/.ci/run"
: >"$log"; chmod 666 "$log"

# deps AS TOOLS INSTALLED [ARGS...]: runs install-deps.sh on $sand/packages
# as AS (root, or nobody), with TOOLS (nosudo: no sudo in PATH; sudo: the
# fake one) and INSTALLED (ALL, or a list), stdin not a terminal. Sets out
# (stdout+stderr), rc, calls (what the fakes recorded).
deps() {
    local as=$1 tools=$2 installed=$3; shift 3
    local path="$bin"
    local f
    for f in apt-get dpkg-query; do ln -sf "$fake/$f" "$bin/$f"; done
    rm -f "$bin/sudo"
    [ "$tools" = sudo ] && ln -sf "$fake/sudo" "$bin/sudo"
    [ "$tools" = noapt ] && rm -f "$bin/apt-get"
    local run=(env -i PATH="$path" DEPS_FILE="$sand/packages" FAKE_LOG="$log" FAKE_INSTALLED="$installed"
               FAKE_APT_FAIL="${FAKE_APT_FAIL:-}" TMPDIR="$sand/tmp" "$mini/scripts/install-deps.sh" "$@")
    [ "$as" = nobody ] && run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
    : >"$log"
    out=$("${run[@]}" </dev/null 2>&1); rc=$?
    calls=$(cat "$log")
}
# expect NAME CONDITION-COMMAND...: pass when the command succeeds, else fail
# with what the script printed and what it called.
expect() {
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name" "rc=$rc out: $(tr '\n' ' ' <<<"$out") calls: $(tr '\n' ';' <<<"$calls")"; fi
}
has() { grep -qxF -- "$1" <<<"$2"; }

update='env DEBIAN_FRONTEND=noninteractive apt-get update -qq'
install='env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends'

# --- install-deps.sh: who installs ---
if [ "$(id -u)" = 0 ]; then
    deps root nosudo "gcc make" --print
    expect "install-deps --print as root: apt-get itself, only the missing packages" \
        eval '[ $rc = 0 ] && [ "$out" = "$update
$install libjansson-dev chromium" ] && [ -z "$calls" ]'

    deps root nosudo "gcc make"
    expect "install-deps as root: runs apt-get update then install, stdin not a terminal" \
        eval '[ $rc = 0 ] && [ "$calls" = "apt-get notty update -qq
apt-get notty install -y -qq --no-install-recommends libjansson-dev chromium" ]'

    deps root nosudo ALL
    expect "install-deps with nothing missing: runs nothing" \
        eval '[ $rc = 0 ] && [ -z "$calls" ] && grep -q "is installed" <<<"$out"'

    FAKE_APT_FAIL=chromium deps root nosudo "gcc make"
    expect "install-deps: a failing apt-get fails the script and shows why" \
        eval '[ $rc = 1 ] && grep -q "Unable to locate package chromium" <<<"$out"'

    deps root noapt ""
    expect "install-deps without apt-get: exit 4, names the packages" \
        eval '[ $rc = 4 ] && grep -q "apt-get not found" <<<"$out" && grep -q "gcc libjansson-dev chromium make" <<<"$out"'

    deps nobody sudo "gcc" --print
    expect "install-deps --print as a user with sudo, no terminal: sudo -n (never waits)" \
        eval '[ $rc = 0 ] && has "sudo -n $update" "$out" && has "sudo -n $install libjansson-dev chromium make" "$out" && [ -z "$calls" ]'

    deps nobody sudo "gcc"
    expect "install-deps as a user with sudo: apt-get through sudo -n" \
        eval '[ $rc = 0 ] && [ "$calls" = "sudo notty -n $update
apt-get notty update -qq
sudo notty -n $install libjansson-dev chromium make
apt-get notty install -y -qq --no-install-recommends libjansson-dev chromium make" ]'

    # On a terminal sudo may ask for the password: plain sudo.
    ln -sf "$fake/sudo" "$bin/sudo"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$(command -v script)" -qec \
        "env -i PATH=$bin DEPS_FILE=$sand/packages FAKE_INSTALLED=gcc $mini/scripts/install-deps.sh --print" /dev/null 2>&1 | tr -d '\r')
    rc=$? calls=
    expect "install-deps --print as a user with sudo, on a terminal: sudo (may prompt)" \
        eval 'has "sudo $update" "$out" && has "sudo $install libjansson-dev chromium make" "$out"'

    deps nobody nosudo "gcc"
    expect "install-deps as a user without sudo: exit 3, says what to do, installs nothing" \
        eval '[ $rc = 3 ] && [ -z "$calls" ] && grep -q "needs root" <<<"$out" && grep -q "run this script as root" <<<"$out" && grep -q "Missing: libjansson-dev chromium make" <<<"$out"'
    deps nobody nosudo "gcc" --print
    expect "install-deps --print without root or sudo: exit 3 too" eval '[ $rc = 3 ] && [ -z "$calls" ]'

    deps nobody nosudo ALL
    expect "install-deps without root or sudo, nothing missing: exit 0" eval '[ $rc = 0 ] && [ -z "$calls" ]'

    deps root nosudo "" --grading-only --print
    expect "install-deps --grading-only leaves out the test-only packages" \
        eval '[ $rc = 0 ] && has "$install gcc libjansson-dev make" "$out"'

    deps root nosudo "" --frobnicate
    expect "install-deps: an unknown option is exit 2" eval '[ $rc = 2 ]'

    # .ci/run: no standard input at all, as a user with sudo: the install
    # goes through sudo -n, then `make test`, neither on a terminal even when
    # .ci/run itself has one.
    ln -sf "$fake/make" "$bin/make"
    ln -sf "$fake/sudo" "$bin/sudo"
    : >"$log"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$(command -v script)" -qec \
        "env -i PATH=$bin DEPS_FILE=$sand/packages FAKE_LOG=$log FAKE_INSTALLED=gcc TMPDIR=$sand/tmp $mini/.ci/run" /dev/null 2>&1 | tr -d '\r')
    rc=$? calls=$(cat "$log")
    expect ".ci/run on a terminal: installs through sudo -n, then make test, stdin never a terminal" \
        eval '[ "$(cut -d" " -f1-3 <<<"$calls")" = "sudo notty -n
apt-get notty update
sudo notty -n
apt-get notty install
make notty test" ]'
    : >"$log"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH="$bin" DEPS_FILE="$sand/packages" \
        FAKE_LOG="$log" FAKE_INSTALLED=gcc TMPDIR="$sand/tmp" "$mini/.ci/run" <&- 2>&1)
    rc=$? calls=$(cat "$log")
    expect ".ci/run with stdin closed: installs, then make test" \
        eval '[ $rc = 0 ] && [ "$(cut -d" " -f1,3 <<<"$calls" | tr "\n" " ")" = "sudo -n apt-get update sudo -n apt-get install make test " ]'
    rm -f "$bin/make" "$bin/sudo"
else
    echo "   (not root: the root, sudo and nobody cases of install-deps.sh need root to switch users)"
fi

# The real thing, read-only: on this machine (where make test runs after the
# install) dpkg reports every package of .ci/packages installed.
out=$("$ROOT/scripts/install-deps.sh" --print </dev/null 2>&1); rc=$?
expect "install-deps --print here: dpkg says every package of .ci/packages is installed" \
    eval '[ $rc = 0 ] && grep -q "every package in .ci/packages is installed" <<<"$out"'
# Its test-only list names packages that .ci/packages has (no drift).
test_only=$(sed -n 's/^TEST_ONLY="\(.*\)"$/\1/p' "$ROOT/scripts/install-deps.sh")
missing_from_list=$(for p in $test_only; do tr -s ' \n' '\n' <"$ROOT/.ci/packages" | grep -qxF "$p" || echo "$p"; done)
[ -n "$test_only" ] && [ -z "$missing_from_list" ] && pass "install-deps TEST_ONLY packages are all in .ci/packages" \
    || fail "install-deps TEST_ONLY packages are all in .ci/packages" "not in the list: '$missing_from_list' (TEST_ONLY='$test_only')"
# README's quick start is the one line, without sudo.
grep -qxE 'scripts/install-deps.sh && make check +# .*' "$ROOT/README.md" && ! grep -q 'sudo scripts/install-deps' "$ROOT/README.md" \
    && pass "README quick start: scripts/install-deps.sh && make check, no sudo" \
    || fail "README quick start" "$(grep -n 'install-deps.sh &&' "$ROOT/README.md")"

# --- Containerfile, statically ---
cf="$ROOT/Containerfile"
if [ -f "$cf" ]; then
    got=$($PY - "$cf" "$ROOT" <<'EOF'
import fnmatch, os, re, sys
cf, root = sys.argv[1], sys.argv[2]
text = open(cf).read()
lines = [l.strip() for l in re.sub(r'\\\n', ' ', text).splitlines()]
instr = [l for l in lines if l and not l.startswith('#')]
problems = []
def first(prefix):
    return next((i for i, l in enumerate(instr) if l.upper().startswith(prefix)), None)
if not re.match(r'FROM\s+(docker\.io/(library/)?)?debian:(bookworm|12)\b', instr[0]):
    problems.append('not FROM Debian 12: ' + instr[0])
runs_script = [i for i, l in enumerate(instr) if l.startswith('RUN') and 'scripts/install-deps.sh' in l]
copies_script = first('COPY SCRIPTS/INSTALL-DEPS.SH')
copies_list = first('COPY .CI/PACKAGES')
if not runs_script:
    problems.append('no RUN of scripts/install-deps.sh')
elif copies_script is None or copies_list is None or max(copies_script, copies_list) > runs_script[0]:
    problems.append('install-deps.sh or .ci/packages not copied before it runs')
ignore = [l for l in open(os.path.join(root, '.containerignore')).read().splitlines()
          if l.strip() and not l.startswith('#')]
def ignored(rel):
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p + '/*') for p in ignore)
for l in instr:
    if not l.startswith('COPY'):
        continue
    parts = l.split()[1:]
    parts = [p for p in parts if not p.startswith('--')]
    for src in parts[:-1]:
        if not os.path.exists(os.path.join(root, src)):
            problems.append('COPY of a missing path: ' + src)
        elif ignored(src):
            problems.append('COPY of an ignored path: ' + src)
workdir = [l.split()[1] for l in instr if l.startswith('WORKDIR')]
entry = [l for l in instr if l.startswith('ENTRYPOINT')]
if workdir[-1:] != ['/course'] or not entry or '"/course/build/grader"' not in entry[-1]:
    problems.append('not WORKDIR /course with ENTRYPOINT /course/build/grader')
if not any(l.startswith('RUN') and 'make' in l and 'grader' in l for l in instr):
    problems.append('no RUN make grader')
users = [l.split()[1] for l in instr if l.startswith('USER')]
if not users or users[-1] in ('root', '0') or users[-1].startswith(('root:', '0:')):
    problems.append('the image does not end as an unprivileged USER')
m = re.search(r'^# Image: (\S+)$', text, re.M)
readme = open(os.path.join(root, 'README.md')).read()
k8s = re.findall(r'^\s+image: (\S+)', readme, re.M)
if not m:
    problems.append('no "# Image: NAME" line')
elif k8s != [m.group(1)]:
    problems.append('README Kubernetes image %s, Containerfile %s' % (k8s, m.group(1)))
if '/course/build/grader batch' not in readme:
    problems.append("README's Kubernetes example does not run /course/build/grader batch")
print('; '.join(problems) or 'ok')
EOF
)
    [ "$got" = ok ] && pass "Containerfile: Debian 12, install-deps.sh, COPY paths exist, image name = README's, unprivileged" \
        || fail "Containerfile static checks" "$got"
else
    fail "Containerfile static checks" "no Containerfile"
fi
for f in .containerignore .dockerignore; do
    [ -f "$ROOT/$f" ] || fail "$f exists" "missing"
done
if cmp -s <(grep -v '^#' "$ROOT/.containerignore") <(grep -v '^#' "$ROOT/.dockerignore") \
    && grep -qx solutions "$ROOT/.containerignore" && grep -qx 'tests/lessons/\*/buggy' "$ROOT/.containerignore"; then
    pass ".containerignore = .dockerignore, and they leave out solutions and buggy variants"
else
    fail ".containerignore/.dockerignore" "$(diff <(grep -v '^#' "$ROOT/.containerignore") <(grep -v '^#' "$ROOT/.dockerignore") | head -5 | tr '\n' ' ')"
fi

# --- Containerfile, replayed: its COPY steps (with .containerignore) into a
# fresh directory, its install step as --print, its build step; the result
# must grade a lesson to full marks without solutions or buggy variants. ---
stage="$work/image/course"
mkdir -p "$stage"
if $PY - "$ROOT" "$stage" "$cf" <<'EOF' >"$work/stage.log" 2>&1
import fnmatch, os, re, shutil, sys
root, stage, cf = sys.argv[1:]
ignore = [l for l in open(os.path.join(root, '.containerignore')).read().splitlines()
          if l.strip() and not l.startswith('#')]
def ignored(rel):
    for p in ignore:
        if p.startswith('**/') and fnmatch.fnmatch(os.path.basename(rel), p[3:]):
            return True
        if fnmatch.fnmatch(rel, p):
            return True
    return False
# COPY as Docker does it, relative to WORKDIR (the stage): a directory's
# contents go into DEST; a file goes to DEST, or into it when DEST ends in /.
text = re.sub(r'\\\n', ' ', open(cf).read())
for line in text.splitlines():
    if not line.startswith('COPY'):
        continue
    parts = [p for p in line.split()[1:] if not p.startswith('--')]
    srcs, dest = parts[:-1], parts[-1]
    for src in srcs:
        s = os.path.join(root, src)
        if os.path.isdir(s):
            for d, dirs, files in os.walk(s):
                rel_d = os.path.relpath(d, root)
                dirs[:] = [x for x in dirs if not ignored(os.path.normpath(os.path.join(rel_d, x)))]
                for f in files:
                    if ignored(os.path.normpath(os.path.join(rel_d, f))):
                        continue
                    out = os.path.join(stage, dest, os.path.relpath(os.path.join(d, f), s))
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    shutil.copy2(os.path.join(d, f), out)
        else:
            out = os.path.join(stage, dest, os.path.basename(src)) if dest.endswith('/') else os.path.join(stage, dest)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copy2(s, out)
EOF
then
    leaks=$(cd "$stage" && { ls -d solutions build .git 2>/dev/null; find . -name buggy -o -name correct -o -name '*.o'; })
    ok_tree=$([ -z "$leaks" ] && [ -f "$stage/Makefile" ] && [ -x "$stage/scripts/install-deps.sh" ] \
        && ls "$stage"/tests/lessons/*/test_hidden.c >/dev/null 2>&1 && echo yes)
    [ "$ok_tree" = yes ] && pass "image context: course, hidden tests, install script; no solutions, variants or builds" \
        || fail "image context" "leaks: $leaks; $(cd "$stage" && ls -A | tr '\n' ' ')"
    out=$("$stage/scripts/install-deps.sh" --grading-only --print </dev/null 2>&1); rc=$?
    expect "image step: install-deps.sh --grading-only runs from the copied files" eval '[ $rc = 0 ]'
    if make -s -C "$stage" -j2 grader >"$work/image-make.log" 2>&1; then
        mkdir -p "$work/image/sub"
        cp "$ROOT/solutions/02-bank/bank.c" "$work/image/sub/"
        if "$stage/build/grader" grade --quiet --lesson 02-bank --out "$work/image/out.json" "$work/image/sub" >"$work/image-grade.log" 2>&1; then
            got=$(jrun "$work/image/out.json" "l = r['lessons'][0]; print('ok' if r['suite'] == 'full' and l['status'] == 'graded' and l['score'] == l['max_score'] and any(t['visibility'] == 'hidden' for t in l['tests']) else '%s %s %s/%s' % (r['suite'], l['status'], l['score'], l['max_score']))")
            [ "$got" = ok ] && pass "image step: make grader, then the copied course grades 02-bank (hidden tests too) to full marks" \
                || fail "image: grading 02-bank" "$got"
        else
            fail "image: grading 02-bank" "exit $?: $(tail -3 "$work/image-grade.log" | tr '\n' ' ')"
        fi
    else
        fail "image step: make grader" "$(tail -3 "$work/image-make.log" | tr '\n' ' ')"
    fi
else
    fail "image context: replaying COPY" "$(tail -3 "$work/stage.log" | tr '\n' ' ')"
fi
