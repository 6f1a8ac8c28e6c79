#!/usr/bin/env bash
# new-lesson.sh NN-slug - adds a lesson to the course in one command.
#
# Lays out, from scripts/lesson-template/ (an example lesson: a counter
# shared by threads):
#   exercises/NN-slug/     README.md, README.zh.md, slug.h, slug.c (skeleton), test_public.c,
#                          test_remote.c (carries the API from the tests to the student's code),
#                          lesson.json
#   solutions/NN-slug/     slug.c (reference solution)
#   tests/lessons/NN-slug/ test_hidden.c, buggy/no_lock.c (with its
#                          "expect:" line), correct/atomic.c
# Nothing else lists the lessons: the grader finds the folder, reads the API
# from slug.h, and `make test` grades the new lesson (skeleton 0, solution
# full marks, buggy caught, correct full marks) like every other. Check it
# alone with `tests/lesson-pass.sh NN-slug`, then replace the example with
# the lesson, keeping that pass green.
#
# NN is two digits; slug is lower case letters, digits and _ (it names C
# functions: slug_new, ...), starting with a letter. Exit status: 0 done,
# 1 the lesson exists already, 2 bad usage.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TEMPLATE=$ROOT/scripts/lesson-template

usage() { echo "usage: $0 NN-slug   (e.g. 24-barrier; slug: [a-z][a-z0-9_]*)" >&2; exit 2; }
[ $# -eq 1 ] || usage
id=${1%/}
[[ $id =~ ^([0-9][0-9])-([a-z][a-z0-9_]*)$ ]] || usage
num=${BASH_REMATCH[1]} slug=${BASH_REMATCH[2]}
upper=$(tr '[:lower:]' '[:upper:]' <<<"$slug")

for d in "$ROOT/exercises/$id" "$ROOT/solutions/$id" "$ROOT/tests/lessons/$id"; do
    if [ -e "$d" ]; then echo "new-lesson.sh: ${d#"$ROOT"/} exists already" >&2; exit 1; fi
done
# Another lesson with the same number or slug would make --lesson ambiguous.
for d in "$ROOT"/exercises/[0-9][0-9]-*/; do
    [ -d "$d" ] || continue
    other=$(basename "$d")
    if [ "${other%%-*}" = "$num" ] || [ "${other#*-}" = "$slug" ]; then
        echo "new-lesson.sh: $other already has number $num or slug $slug" >&2; exit 1
    fi
done

(cd "$TEMPLATE" && find . -type f ! -path ./README.md | sort) | while read -r rel; do
    rel=${rel#./}
    dst=${rel//NN-slug/$id}
    base=$(basename "$dst"); dir=$(dirname "$dst")
    base=${base/#slug./$slug.}
    dst="$dir/$base"
    mkdir -p "$ROOT/$dir"
    sed -e "s/@id@/$id/g" -e "s/@slug@/$slug/g" -e "s/@SLUG@/$upper/g" -e "s/@num@/$num/g" \
        "$TEMPLATE/$rel" >"$ROOT/$dst"
    echo "  $dst"
done
echo "Lesson $id laid out. Next: tests/lesson-pass.sh $id (after make grader), then"
echo "replace the example (README.md and README.zh.md, $slug.h, test_remote.c, tests, solution,"
echo "variants) with the lesson."
