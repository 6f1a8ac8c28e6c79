#!/usr/bin/env bash
# flake-guard.sh - are the verdicts stable on a busy machine?
#
# Grades every lesson's reference solution and every correct alternative
# (tests/lessons/L/correct/*.c) N times each, and every buggy variant
# (tests/lessons/L/buggy/*.c, "expect: CATEGORY..." in its first comment) M
# times each, while busy loops keep every core loaded, and prints a table: how often the
# solution and each correct alternative got full marks and how often each
# buggy variant lost points in every category it expects; then the time of
# each lesson (its solution's gradings: median, 90th percentile, max). A correct
# submission must pass every run and a buggy one must be caught every run, so
# anything under 100% is a failure (exit status 1). The verdicts are
# tests/judge.py's, the same as the suite's lesson pass (tests/lesson-pass.sh,
# which is the quick form: solutions 3 times, each variant once, under load).
#
#   scripts/flake-guard.sh                 the long form: N=100, M=20
#   scripts/flake-guard.sh --quick         N=3, M=1
#   options: --solutions N --buggy M --lessons "03-transfer 02-bank"
#            --jobs J (parallel gradings, default 2) --no-load --keep DIR
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GRADER=$ROOT/build/grader
N=100 M=20 JOBS=2 LOAD=1 LESSONS="" KEEP=""
while [ $# -gt 0 ]; do
    case $1 in
    --quick) N=3 M=1 ;;
    --solutions) N=$2; shift ;;
    --buggy) M=$2; shift ;;
    --lessons) LESSONS=$2; shift ;;
    --jobs) JOBS=$2; shift ;;
    --no-load) LOAD=0 ;;
    --keep) KEEP=$2; shift ;;
    *) echo "usage: $0 [--quick] [--solutions N] [--buggy M] [--lessons L] [--jobs J] [--no-load] [--keep DIR]" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$GRADER" ] || { echo "flake-guard: build the grader first (make grader)" >&2; exit 2; }
work=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/flake-guard-XXXXXX")}
mkdir -p "$work"
loaders=()
cleanup() {
    for p in "${loaders[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "$KEEP" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$LOAD" = 1 ]; then
    for _ in $(seq "$(nproc)"); do
        ( while :; do :; done ) &
        loaders+=($!)
    done
fi
if [ -z "$LESSONS" ]; then
    for d in "$ROOT"/exercises/[0-9][0-9]-*/; do LESSONS="$LESSONS $(basename "$d")"; done
fi

# Runs one grading job and writes its verdict file ("1", or "0 why":
# tests/judge.py, the same judge as the suite's lesson pass). A buggy
# variant runs only the tests of the categories it must be caught in (as in
# the lesson pass): the verdict looks at nothing else.
one() { # ID KIND LESSON SUBDIR EXPECT
    local id=$1 kind=$2 lesson=$3 sub=$4 expect=$5 only=() c
    for c in $expect; do only+=(--category "$c"); done
    "$GRADER" grade --quiet --lesson "$lesson" "${only[@]}" --out "$work/$id.json" "$sub" >/dev/null 2>&1
    # shellcheck disable=SC2086 # the categories are words
    JUDGE_SOURCE=$(ls "$sub"/*.c 2>/dev/null | head -1) \
        python3 "$ROOT/tests/judge.py" "$kind" "$work/$id.json" $expect >"$work/$id.verdict"
}

# One entry per thing graded: "LESSON NAME KIND SUBDIR EXPECT COUNT".
jobs_list=()
for lesson in $LESSONS; do
    slug=${lesson#*-}
    [ -f "$ROOT/solutions/$lesson/$slug.c" ] &&
        jobs_list+=("$lesson solution solution $ROOT/solutions/$lesson - $N")
    for kind in buggy correct; do
        for v in "$ROOT"/tests/lessons/"$lesson"/$kind/*.c; do
            [ -f "$v" ] || continue
            name=$(basename "$v" .c)
            expect=-
            [ $kind = buggy ] &&
                expect=$(sed -n 's/.*expect: *\([a-z ]*\).*/\1/p' "$v" | head -1 | xargs | tr ' ' ,)
            sub="$work/src-$lesson-$kind-$name"; mkdir -p "$sub"; cp "$v" "$sub/$slug.c"
            count=$M; [ $kind = correct ] && count=$N # correct code: as often as the solution
            jobs_list+=("$lesson $name $kind $sub ${expect:--} $count")
        done
    done
done

start=$(date +%s)
pids=()
for entry in "${jobs_list[@]}"; do
    read -r lesson name kind sub expect count <<<"$entry"
    [ "$expect" = - ] && expect=""
    for i in $(seq "$count"); do
        one "$lesson-$kind-$name-$i" "$kind" "$lesson" "$sub" "${expect//,/ }" &
        pids+=($!)
        if [ "${#pids[@]}" -ge "$JOBS" ]; then
            wait "${pids[0]}"   # the busy loops are children too: never a bare wait
            pids=("${pids[@]:1}")
        fi
    done
done
for p in "${pids[@]}"; do wait "$p"; done

status=0
printf '%-14s %-26s %-22s %6s %6s %7s\n' lesson variant expect runs good rate
for entry in "${jobs_list[@]}"; do
    read -r lesson name kind sub expect count <<<"$entry"
    good=0 first_bad=""
    for i in $(seq "$count"); do
        v=$(cat "$work/$lesson-$kind-$name-$i.verdict" 2>/dev/null || echo "0 no verdict")
        if [ "${v%% *}" = 1 ]; then good=$((good + 1)); elif [ -z "$first_bad" ]; then first_bad=${v#0 }; fi
    done
    [ "$expect" = - ] && expect="full marks"
    [ $kind = correct ] && name="correct/$name"
    printf '%-14s %-26s %-22s %6d %6d %6d%%\n' "$lesson" "$name" "${expect//,/ }" "$count" "$good" \
        $((100 * good / count))
    if [ "$good" -ne "$count" ]; then status=1; echo "    first miss: $first_bad"; fi
done
echo "($(( $(date +%s) - start )) s, load: $([ "$LOAD" = 1 ] && echo "$(nproc) busy loops" || echo none), jobs $JOBS)"

# The time of each lesson: its solution's gradings (the lesson's
# duration_ms in the JSON: building, every test and its TSan runs), under
# the same load as the verdicts above.
echo
printf '%-14s %6s %9s %9s %9s\n' lesson runs median_s p90_s max_s
for lesson in $LESSONS; do
    python3 - "$work" "$lesson" <<'PY'
import glob, json, sys
work, lesson = sys.argv[1], sys.argv[2]
ms = []
for f in glob.glob('%s/%s-solution-solution-*.json' % (work, lesson)):
    try:
        ms += [L['duration_ms'] for L in json.load(open(f))['lessons'] if 'duration_ms' in L]
    except (OSError, ValueError, KeyError):
        pass
if ms:
    ms.sort()
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))] / 1000
    print('%-14s %6d %9.1f %9.1f %9.1f' % (lesson, len(ms), pick(0.5), pick(0.9), ms[-1] / 1000))
PY
done
exit $status
