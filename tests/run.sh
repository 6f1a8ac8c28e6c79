#!/usr/bin/env bash
# run.sh - the framework's own test suite (`make test`, what CI runs).
# Runs every tests/suites/NN-*.sh in order; each records results with the
# helpers in lib.sh. Prints the failures, then "N passed, N failed".
# SUITES="20-lessons 30-robust" runs a subset.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export ROOT=$(cd "$here/.." && pwd)
export GRADER="$ROOT/build/grader"
export RESULTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/grader-tests-XXXXXX")
trap 'rm -rf "$RESULTS_DIR"' EXIT
: >"$RESULTS_DIR/passed"
: >"$RESULTS_DIR/failed"
start=$(date +%s)
for suite in "$here"/suites/[0-9][0-9]-*.sh; do
    name=$(basename "$suite" .sh)
    if [ -n "${SUITES:-}" ] && ! grep -qw -- "$name" <<<"$SUITES"; then
        continue
    fi
    t0=$(date +%s)
    echo "== $name"
    bash "$suite"
    echo "   ($(( $(date +%s) - t0 )) s)"
done
passed=$(wc -l <"$RESULTS_DIR/passed")
failed=$(wc -l <"$RESULTS_DIR/failed")
if [ "$failed" -gt 0 ]; then
    echo
    echo "Failures:"
    sed 's/^/  /' "$RESULTS_DIR/failed"
fi
echo
echo "total time: $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
