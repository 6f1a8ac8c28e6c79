#!/usr/bin/env bash
# mutation-check.sh - do the framework's tests notice when a protection is
# gone? For each mutation below (one protection disabled with sed), copy the
# checkout to a scratch dir, apply it there, build, run the suites that
# guard it, and expect them to FAIL; print which tests caught it. A mutation
# whose sed changes nothing is an error (it would "pass" without testing
# anything), and so is one that no test catches.
#
#   scripts/mutation-check.sh              every mutation
#   scripts/mutation-check.sh NAME...      only these
#
# Not part of `make test`: each mutation is a build plus a suite run (about
# a minute each with 45-engine). The checkout itself is never modified.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)

# name % file % sed script % suites % extra environment (VAR=value ...)
mutations=(
    "lockorder-no-cycle%grader/harness/lockorder.c%s/if (!reachable(to, from))/if (!reachable(to, from) || 1)/%45-engine%"
    "lockorder-no-gates%grader/harness/lockorder.c%/^static bool unprotected/,/^}/ s/if (!common)/if (1)/%45-engine%"
    "trylock-adds-edges%grader/harness/engine.c%/^int eng_mutex_trylock/,/^}/ s/acquired(t, m, site, false)/acquired(t, m, site, true)/%45-engine%"
    "wait-cycle-none%grader/harness/watchdog.c%/^bool eng_find_wait_cycle/,/^}/ s/^    buf\[0\] = '\\\\0';/    buf[0] = '\\\\0'; return false;/%45-engine%"
    "no-hang-report%grader/harness/watchdog.c%s/^        if (any)$/        if (any \&\& 0)/%45-engine%"
    "stress-no-timeout-verdict%grader/src/cmd_stress.c%s/^    if (r->timed_out) {/    if (0) {/%45-engine%"
    "grade-no-timeout-verdict%grader/src/runtest.c%s/} else if (res->timed_out || res->cpu_exceeded) {/} else if (0) {/%30-robust%CASES=sleep_forever"
)

# apply DIR FILE SED: true when the sed changed the file.
apply() {
    local before after
    before=$(md5sum <"$1/$2")
    sed -i -e "$3" "$1/$2" || return 1
    after=$(md5sum <"$1/$2")
    [ "$before" != "$after" ]
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mutation-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
problems=0
for m in "${mutations[@]}"; do
    IFS='%' read -r name file script suites extra <<<"$m"
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx -- "$name"; then continue; fi
    tree="$scratch/$name"
    mkdir -p "$tree"
    # The working tree as it is (uncommitted edits included), without builds.
    tar -C "$here" --exclude=./build --exclude=./.git --exclude=./dist -cf - . | tar -C "$tree" -xf -
    if ! apply "$tree" "$file" "$script"; then
        echo "$name: the sed changed nothing in $file: fix the mutation"; problems=$((problems + 1)); continue
    fi
    if ! make -C "$tree" -j2 grader >"$tree.build.log" 2>&1; then
        echo "$name: does not build: $(tail -n 3 "$tree.build.log" | tr '\n' ' ')"; problems=$((problems + 1)); continue
    fi
    # shellcheck disable=SC2086 # $extra is a list of VAR=value words
    env $extra SUITES="$suites" bash "$tree/tests/run.sh" >"$tree.log" 2>&1
    rc=$?
    caught=$(sed -n 's/^   FAIL \([^:]*\):.*/\1/p' "$tree.log")
    if [ $rc -ne 0 ] && [ -n "$caught" ]; then
        echo "$name: caught by $(wc -l <<<"$caught") test(s) in $suites:"
        sed 's/^/    /' <<<"$caught"
    else
        echo "$name: NOT caught by $suites ($(tail -n 1 "$tree.log"))"; problems=$((problems + 1))
    fi
    rm -rf "$tree"
done
[ $problems -eq 0 ]
