# 40-contract: the lesson headers match shared/CURRICULUM.md; the API the
# grader reads from each header (grader/src/header_api.c) is exactly what the
# reference solution defines; a course whose lesson.json or test table is
# wrong is refused with a clear message; scripts/new-lesson.sh lays out a
# lesson that the per-lesson pass accepts with no other edit.
# timeout: 600
# beside: others
source "$ROOT/tests/lib.sh"
work=$(tmpdir)

cc_check=$ROOT/../shared/tools/contract-check
if [ -x "$cc_check" ]; then
    check "contract-check" "$cc_check" "$ROOT"
else
    fail "contract-check" "shared/tools/contract-check not found beside the repo"
fi

# ---- the API: the header's prototypes = what the solution defines ----------
cat >"$work/api.c" <<'C'
#include "header_api.h"
#include <stdio.h>
int main(int argc, char **argv)
{
    static char buf[1 << 20];
    FILE *f = argc == 2 ? fopen(argv[1], "r") : NULL;
    if (!f)
        return 2;
    buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
    fclose(f);
    char **v;
    size_t n;
    if (header_api(buf, &v, &n) != 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        puts(v[i]);
    header_api_free(v, n);
    return 0;
}
C
if cc -std=c17 -Wall -Wextra -Werror -I "$ROOT/grader/src" "$work/api.c" \
      "$ROOT/grader/src/header_api.c" -o "$work/api" 2>"$work/api.log"; then
    # The parser on what plain headers may hold besides prototypes.
    cat >"$work/sample.h" <<'H'
#ifndef SAMPLE_H
#define SAMPLE_H \
    int not_api(void);
typedef struct thing thing_t;
struct thing { int (*cb)(int); long n; };
typedef enum { ONE, TWO } num_t;
struct fwd;
extern int counter, table[4];
extern void (*handler)(int sig);
static inline int helper(int x) { return x + 1; }
int after_inline(const char *s /* ; */, char c);
/* int in_comment(void); */
// int in_line_comment(void);
__attribute__((noreturn)) void die(const char *why);
thing_t *thing_new(size_t n, void *(*fn)(void *), void *const args[]);
#endif
H
    got=$("$work/api" "$work/sample.h" | tr '\n' ' ')
    want="counter table handler after_inline die thing_new "
    if [ "$got" = "$want" ]; then pass "header API parser: prototypes and externs only"
    else fail "header API parser: prototypes and externs only" "got [$got], want [$want]"; fi
    for ldir in "$ROOT"/exercises/[0-9][0-9]-*/; do
        id=$(basename "$ldir"); slug=${id#*-}
        sol="$ROOT/solutions/$id/$slug.c"
        [ -f "$sol" ] || continue
        obj=$work/$id.o
        if ! cc -std=c17 -D_DEFAULT_SOURCE -pthread -c -I "$ldir" "$sol" -o "$obj" 2>/dev/null; then
            fail "$id API" "solution does not compile"; continue
        fi
        defined=$(nm -g --defined-only "$obj" | awk '{print $3}' | sort | tr '\n' ' ')
        declared=$("$work/api" "$ldir/$slug.h" | sort | tr '\n' ' ')
        if [ -n "$declared" ] && [ "$defined" = "$declared" ]; then pass "$id API: $slug.h declares what the solution defines"
        else fail "$id API: $slug.h declares what the solution defines" "solution defines [$defined], $slug.h declares [$declared]"; fi
    done
else
    fail "header API parser builds" "$(head -c 400 "$work/api.log")"
fi

# ---- a wrong course is refused at load, with the reason ---------------------
# A course of one lesson (02-bank); each case breaks one thing in a copy.
course_copy() { # DIR
    mkdir -p "$1/exercises" "$1/tests/lessons"
    cp -r "$ROOT/grader" "$1/"
    cp -r "$ROOT/exercises/02-bank" "$1/exercises/"
    cp -r "$ROOT/tests/lessons/02-bank" "$1/tests/lessons/"
}
refused() { # NAME TEXT PYTHON-EDIT-OF-lesson.json
    local name=$1 text=$2 edit=$3 dir=$work/refused-$RANDOM
    course_copy "$dir"
    $PY - "$dir/exercises/02-bank/lesson.json" <<PYEOF
import json, sys
p = sys.argv[1]
j = json.load(open(p))
$edit
json.dump(j, open(p, 'w'))
PYEOF
    local out rc
    out=$(GRADER_COURSE=$dir GRADER_CACHE=$work/cache "$GRADER" grade --quiet --lesson 02-bank \
          --out "$dir/out.json" "$ROOT/solutions/02-bank" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && grep -qF -- "$text" <<<"$out"; then pass "course refused: $name"
    else fail "course refused: $name" "exit $rc: $out"; fi
}
refused "unknown category in points" 'unknown category "speed"' "j['points']['speed'] = 1"
refused "points not a number" 'points for "race" must be a number' "j['points']['race'] = 'six'"
refused "unknown lesson.json field" 'unknown field "pionts"' "j['pionts'] = j['points']"
refused "lesson.json why not a string" '"why" must be a string' "j['why'] = 3"
refused "an id that is not the folder's" '"id" is "02-banks" but the folder is 02-bank' "j['id'] = '02-banks'"
refused "an api that disagrees with the header" '"api" disagrees with' \
        "j['api'] = ['account_new', 'account_free']"
# Agreeing id and api are accepted (a lesson.json from before they were derived).
dir=$work/agreeing; course_copy "$dir"
$PY - "$dir/exercises/02-bank/lesson.json" <<'PYEOF'
import json, sys
p = sys.argv[1]; j = json.load(open(p))
j['id'] = '02-bank'
j['api'] = ['account_balance', 'account_deposit', 'account_free', 'account_new', 'account_withdraw']
json.dump(j, open(p, 'w'))
PYEOF
if GRADER_COURSE=$dir GRADER_CACHE=$work/cache grade "$dir/out.json" "$ROOT/solutions/02-bank" \
       --lesson 02-bank --public &&
   [ "$(jget "$dir/out.json" "r['lessons'][0]['score'] == r['lessons'][0]['max_score']")" = True ]; then
    pass "course loads with an id and api that agree"
else fail "course loads with an id and api that agree" "$(head -c 300 "$dir/out.json" 2>/dev/null)"; fi

# A test table naming an unknown category: the lesson is an error, named.
dir=$work/badtable; course_copy "$dir"
sed -i '0,/GRADED(\([a-z_]*\), "[a-z]*")/s//GRADED(\1, "speed")/' "$dir/exercises/02-bank/test_public.c"
grep -q '"speed"' "$dir/exercises/02-bank/test_public.c" || fail "test table edit" "sed found no GRADED entry"
GRADER_COURSE=$dir GRADER_CACHE=$work/cache grade "$dir/out.json" "$ROOT/solutions/02-bank" --lesson 02-bank
got=$(jrun "$dir/out.json" "L = r['lessons'][0]; print(L['status'], 'unknown category \"speed\"' in L.get('message', ''))")
if [ "$got" = "error True" ]; then pass "a test of an unknown category: the lesson is an error that names it"
else fail "a test of an unknown category: the lesson is an error that names it" "$got"; fi

# ---- scripts/new-lesson.sh: one command, a lesson the pass accepts ----------
dir=$work/newcourse
mkdir -p "$dir"
(cd "$ROOT" && git ls-files -z -c -o --exclude-standard | xargs -0 cp --parents -t "$dir") 2>/dev/null ||
    cp -r "$ROOT/exercises" "$ROOT/solutions" "$ROOT/tests" "$ROOT/grader" "$ROOT/scripts" "$dir/"
mkdir -p "$dir/build" && ln -s "$GRADER" "$dir/build/grader"
if out=$("$dir/scripts/new-lesson.sh" 24-demo 2>&1); then
    pass "new-lesson.sh 24-demo"
    # Nothing else may name the lesson: the pass finds it by its folder (this
    # file names it only to make it).
    named=$(cd "$dir" && grep -rl --exclude=40-contract.sh "24-demo" grader tests/suites \
            tests/*.sh tests/*.py Makefile 2>/dev/null)
    if [ -n "$named" ]; then
        fail "no list of lessons names the new one" "$named"
    else pass "no list of lessons names the new one"; fi
    sub=$(mktemp -d "$RESULTS_DIR/t-XXXXXX")
    GRADER_COURSE=$dir GRADER_CACHE=$work/cache ROOT=$dir GRADER=$GRADER LESSON_RUNS=1 \
        RESULTS_DIR=$sub bash -c ': >"$RESULTS_DIR/passed"; "$ROOT/tests/lesson-pass.sh" 24-demo' \
        >"$work/demo.log" 2>&1
    ok=$(wc -l <"$sub/passed")
    bad=$(find "$sub/failed.d" -type f 2>/dev/null | wc -l)
    if [ "$bad" -eq 0 ] && [ "$ok" -ge 5 ]; then
        pass "the new lesson passes the lesson pass ($ok checks: skeleton 0, solution full, buggy caught, correct full)"
    else fail "the new lesson passes the lesson pass" "$ok passed, $bad failed: $(cat "$sub"/failed.d/* 2>/dev/null | head -c 800)"; fi
    rm -rf "$sub"
    "$dir/scripts/new-lesson.sh" 24-demo >/dev/null 2>&1
    [ $? -ne 0 ] && pass "new-lesson.sh refuses a lesson that exists" ||
        fail "new-lesson.sh refuses a lesson that exists" "it exited 0"
    "$dir/scripts/new-lesson.sh" 25-Bad_Name >/dev/null 2>&1
    [ $? -eq 2 ] && pass "new-lesson.sh refuses a bad name" ||
        fail "new-lesson.sh refuses a bad name" "exit $?"
else
    fail "new-lesson.sh 24-demo" "$out"
fi

# ---- scripts/bug-catalogue.sh: every variant, described, with its categories --
cat_out=$("$ROOT/scripts/bug-catalogue.sh" 2>&1)
n_files=$(ls "$ROOT"/tests/lessons/*/buggy/*.c "$ROOT"/tests/lessons/*/correct/*.c 2>/dev/null | wc -l)
n_listed=$(grep -c '^- \*\*' <<<"$cat_out")
undescribed=$(grep -E '^- \*\*[^*]+\*\*( \([^)]*\))?: \(no comment\)' <<<"$cat_out" | head -3)
no_category=$(grep -E '^- \*\*[^*]+\*\* \(\):' <<<"$cat_out" | head -3)
if [ "$n_listed" -eq "$n_files" ] && [ -z "$undescribed$no_category" ]; then
    pass "bug-catalogue.sh lists all $n_files variants and alternatives, each described"
else fail "bug-catalogue.sh lists every variant, described" \
    "$n_listed of $n_files listed; $undescribed $no_category"; fi
