#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages the course needs (listed in
# .ci/packages) that are not installed yet. One command for every machine:
# in a root shell (a container, CI) it runs apt-get itself; as an ordinary
# user it goes through sudo; with neither it stops and says what to do. When
# nothing is missing it installs nothing and needs no privileges, so it is
# safe to run again (the README's `scripts/install-deps.sh && make check`).
#
# usage: scripts/install-deps.sh [--print] [--grading-only]
#   --print          print the commands it would run (one a line), run nothing
#   --grading-only   leave out what only the framework's tests use (listed in
#                    TEST_ONLY in this script): for a grading machine or the
#                    container image (Containerfile)
# DEPS_FILE=FILE replaces .ci/packages (the suite 05-setup uses it).
# Exit status: 0 done (or nothing to do); 1 apt-get failed; 2 bad usage;
# 3 not root and no sudo; 4 no apt-get (not Debian or Ubuntu).
set -euo pipefail
cd "$(dirname "$0")/.."

# Packages in .ci/packages that only the framework's own tests and benchmarks
# use: the browser (report.html), clang (the -Werror build), Python's
# jsonschema (validating results), bubblewrap (scripts/bench-sandbox.sh).
# Grading compiles with cc (gcc) and needs none of them.
TEST_ONLY="chromium clang python3-jsonschema bubblewrap"

print_only=0 grading_only=0
for arg in "$@"; do
    case $arg in
    --print) print_only=1 ;;
    --grading-only) grading_only=1 ;;
    -h | --help) sed -n '9,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

list=${DEPS_FILE:-.ci/packages}
[ -r "$list" ] || { echo "install-deps.sh: cannot read $list" >&2; exit 2; }
# Whitespace-separated names, one or more a line, no comments (the other
# readers of .ci/packages split it the same way).
wanted=$(tr -s ' \t\n' '\n' <"$list" | grep . || true)
if [ "$grading_only" = 1 ]; then
    wanted=$(grep -vxF -f <(tr ' ' '\n' <<<"$TEST_ONLY") <<<"$wanted" || true)
fi

# The ones dpkg does not list as installed. Without dpkg everything counts
# as missing, and the apt-get check below explains.
missing=()
for pkg in $wanted; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    # The second letter is the state: i = installed (the first, what is
    # wanted, may be h for a package on hold).
    [ "${status:1:1}" = i ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps.sh: every package in $list is installed"
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "install-deps.sh: apt-get not found: this script knows Debian and Ubuntu only." >&2
    echo "Install these packages (or your system's equivalents) yourself: ${missing[*]}" >&2
    exit 4
fi

# Who runs apt-get: root itself, or sudo for anyone else.
as_root=()
if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null; then
        cat >&2 <<EOF
install-deps.sh: installing packages needs root, and you are $(id -un 2>/dev/null || id -u) without sudo.
Missing: ${missing[*]}
Do one of:
  - run this script as root (in a container: a root shell, or --user root);
  - install sudo and give $(id -un 2>/dev/null || echo this user) the right to use it, then run it again;
  - ask an administrator to run: apt-get install --no-install-recommends ${missing[*]}
EOF
        exit 3
    fi
    # sudo may ask for a password on the terminal. With no terminal on our
    # standard input (CI, a pipe) it must not wait for one: -n fails at once.
    # sudo drops the environment, hence `env` for the one variable apt needs.
    if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
fi
update=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq)
install=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive
         apt-get install -y -qq --no-install-recommends "${missing[@]}")

if [ "$print_only" = 1 ]; then
    echo "${update[*]}"
    echo "${install[*]}"
    exit 0
fi

echo "install-deps.sh: installing ${missing[*]}${as_root:+ (through sudo)}"
log=$(mktemp "${TMPDIR:-/tmp}/install-deps-XXXXXX")
trap 'rm -f "$log"' EXIT
# No standard input: CI and containers have none, and apt must not wait for it.
if ! "${update[@]}" </dev/null >"$log" 2>&1 || ! "${install[@]}" </dev/null >>"$log" 2>&1; then
    echo "install-deps.sh: the install failed (${as_root:+sudo or }apt-get); the last lines it printed:" >&2
    tail -n 15 "$log" >&2
    exit 1
fi
echo "install-deps.sh: done"
