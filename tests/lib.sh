# lib.sh - helpers for the suites in tests/suites/: record a result, grade a
# directory, read a JSON field. Sourced, not run.
#
# Results: one entry per test, whatever its message holds. A pass is one line
# of "$RESULTS_DIR/passed" (its name, newlines flattened: names are short, and
# a short O_APPEND write is atomic, so parallel lesson passes may record at
# once). A failure is one file in "$RESULTS_DIR/failed.d/" holding
# "NAME: MESSAGE" in full, so a multi-line message is still one failure.
: "${ROOT:?run through tests/run.sh}"
PY=/usr/bin/python3

pass() {
    printf '%s\n' "$(tr '\n' ' ' <<<"$1" | sed 's/ *$//')" >>"$RESULTS_DIR/passed"
    echo "   ok   $1"
}
fail() {
    mkdir -p "$RESULTS_DIR/failed.d"
    # Named by time first, so the closing list keeps the order they happened in.
    local f
    f=$(mktemp "$RESULTS_DIR/failed.d/$(date +%s%N)-XXXXXX")
    printf '%s: %s\n' "$1" "$2" >"$f"
    echo "   FAIL $1: $2"
}

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

# The counts the closing line reports: one per test.
count_passed() { wc -l <"$RESULTS_DIR/passed"; }
count_failed() { find "$RESULTS_DIR/failed.d" -type f 2>/dev/null | wc -l; }

# record_time SECONDS WHAT: one line for the closing table of the slowest
# parts ("suite 20-lessons", "lesson 03-transfer").
record_time() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS_DIR/times"; }

# course_for_users DIR [CACHE]: a copy of the grader and the course in DIR,
# owned by root and readable by all (the checkout may be private: a 0700
# mktemp dir), for gradings run as another user; its build/cache is a copy
# of CACHE (default: the checkout's): a shared cache those users read but
# cannot change (grader/src/objcache.c). DIR's parents must be readable by them.
course_for_users() {
    local copy=$1 cache=${2:-$ROOT/build/cache}
    mkdir -p "$copy/build" "$copy/tests" &&
        cp -a "$ROOT/build/grader" "$copy/build/" && cp -a "$ROOT/exercises" "$ROOT/grader" "$copy/" &&
        cp -a "$ROOT/tests/lessons" "$copy/tests/" &&
        { [ ! -d "$cache" ] || cp -a "$cache" "$copy/build/cache"; } &&
        find "$copy/build/cache" \( -name '*.lock' -o -name '*.tmp' \) -delete 2>/dev/null
    chmod -R a+rX,go-w "$copy"
}
