#!/usr/bin/env bash
# run.sh - the framework's own test suite (`make test`, what CI runs).
# Runs every tests/suites/NN-*.sh in order; each records results with the
# helpers in lib.sh (one entry per test). Each suite runs under a timeout (a
# hung suite is one failure and the run goes on) and prints its time. Ends
# with the failures, a table of the slowest parts (suites, and the lessons of
# the per-lesson pass), then "N passed, N failed" alone on the last line.
#   SUITES="20-lessons 30-robust" runs a subset; SUITES_DIR another folder of
#   suites (tests/suites/05-runner.sh tests this file that way).
#   A suite's timeout: a "# timeout: SECONDS" line in its first comment (the
#   comment lines the file starts with), else
#   SUITE_TIMEOUT (default 1200 s). A "# beside: others" line there lets it
#   run beside other such suites, SUITE_JOBS at a time (default 2).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export ROOT=$(cd "$here/.." && pwd)
export GRADER="$ROOT/build/grader"
export RESULTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/grader-tests-XXXXXX")
trap 'rm -rf "$RESULTS_DIR"' EXIT
: >"$RESULTS_DIR/passed"
mkdir -p "$RESULTS_DIR/failed.d"
: >"$RESULTS_DIR/times"
source "$here/lib.sh"

# run_suite SUITE: runs one suite under its timeout; prints "== NAME", its
# output and its time.
run_suite() {
    local suite=$1 name limit t0 rc secs
    name=$(basename "$suite" .sh)
    # Only the suite's first comment counts (a suite may write other suites).
    limit=$(awk '!/^#/ { exit } /^# timeout: *[0-9]+/ { print $3; exit }' "$suite")
    limit=${limit:-${SUITE_TIMEOUT:-1200}}
    t0=$(date +%s)
    echo "== $name"
    # timeout signals the suite's whole process group: the gradings it started too.
    timeout --kill-after=10 "$limit" bash "$suite"
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        fail "suite $name" "timed out after $limit s (its results so far are kept)"
    fi
    echo "   ($secs s)"
    record_time "$secs" "suite $name"
}

# A suite whose first comment has a line "# beside: others" may run while
# other such suites run (its checks hold on a busy machine and look only at
# what it started); SUITE_JOBS of them at once (default 2), each one's
# output printed whole when it ends. Every other suite runs alone, in order.
beside=()
run_beside() {
    local logs=() i=0 s
    for s in "${beside[@]}"; do
        logs+=("$RESULTS_DIR/suite-$i.log")
        while [ "$(jobs -rp | wc -l)" -ge "${SUITE_JOBS:-2}" ]; do wait -n; done
        { run_suite "$s" >"${logs[$i]}" 2>&1; flock "$RESULTS_DIR/print.lock" cat "${logs[$i]}"; } &
        i=$((i + 1))
    done
    wait
    beside=()
}
start=$(date +%s)
for suite in "${SUITES_DIR:-$here/suites}"/[0-9][0-9]-*.sh; do
    name=$(basename "$suite" .sh)
    if [ -n "${SUITES:-}" ] && ! grep -qw -- "$name" <<<"$SUITES"; then
        continue
    fi
    if awk '!/^#/ { exit } /^# beside: others/ { found = 1 } END { exit !found }' "$suite"; then
        beside+=("$suite")
    else
        [ ${#beside[@]} -gt 0 ] && run_beside
        run_suite "$suite"
    fi
done
[ ${#beside[@]} -gt 0 ] && run_beside

passed=$(count_passed)
failed=$(count_failed)
if [ "$failed" -gt 0 ]; then
    echo
    echo "Failures:"
    for f in $(ls "$RESULTS_DIR/failed.d"); do
        sed '1s/^/  /; 2,$s/^/    /' "$RESULTS_DIR/failed.d/$f"
    done
fi
echo
echo "Slowest parts (s):"
sort -t"$(printf '\t')" -k1,1nr "$RESULTS_DIR/times" | grep -v "$(printf '\t')grading " | head -n 12 |
    awk -F'\t' '{ printf "  %6d  %s\n", $1, $2 }'
if grep -q "$(printf '\t')grading " "$RESULTS_DIR/times"; then
    echo "Slowest gradings (s):"
    sort -t"$(printf '\t')" -k1,1nr "$RESULTS_DIR/times" | grep "$(printf '\t')grading " | head -n 8 |
        awk -F'\t' '{ sub(/^grading /, "", $2); printf "  %6d  %s\n", $1, $2 }'
fi
echo
echo "total time: $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
