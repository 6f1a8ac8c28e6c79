# lib.sh - helpers for the suites in tests/suites/: record a result, grade a
# directory, read a JSON field. Sourced, not run.
: "${ROOT:?run through tests/run.sh}"
PY=/usr/bin/python3

pass() { echo "$1" >>"$RESULTS_DIR/passed"; echo "   ok   $1"; }
fail() { echo "$1: $2" >>"$RESULTS_DIR/failed"; echo "   FAIL $1: $2"; }

# check NAME COMMAND...: pass when the command exits 0, else fail with its output.
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(tail -n 5 <<<"$out" | tr '\n' ' ')"; fi
}

# grade OUT_JSON SUBMISSION_DIR [grader options...]: runs `grader grade`,
# fails the calling test's expectations if the exit status is not 0.
grade() {
    local out=$1 dir=$2; shift 2
    "$GRADER" grade --quiet --out "$out" "$@" "$dir"
}

# validate JSON_FILE: the native results schema.
validate() {
    $PY "$ROOT/tests/validate_json.py" "$ROOT/grader/schema/results.schema.json" "$@"
}

# jq-like reads with python: jget FILE EXPR (EXPR in Python, `r` is the document)
jget() {
    $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

# A fresh temp dir inside the run's results dir.
tmpdir() { mktemp -d "$RESULTS_DIR/t-XXXXXX"; }

# jrun FILE CODE: runs Python statements with the document in `r`; whatever
# they print is the output. A Python error prints "python error: ..." so a
# broken check can never look like an empty (passing) result.
jrun() {
    $PY -c "
import json, sys
r = json.load(open(sys.argv[1]))
try:
    exec(sys.argv[2])
except Exception as e:
    print('python error:', e)
" "$1" "$2" 2>&1
}
