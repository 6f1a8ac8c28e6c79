#!/usr/bin/env bash
# make-dist.sh gradescope|handout DIST - the course's two distributions:
#   gradescope: DIST/autograder.zip for Gradescope (setup.sh, run_autograder,
#               the grader's sources, the exercises and the hidden tests);
#   handout:    DIST/handout/ and DIST/handout.tar.gz for students (exercises
#               with public tests, the grader, the sandbox, the Makefile); no
#               solutions, no hidden tests, no buggy variants.
# Copies what is on disk (not only what is committed), without build outputs.
set -euo pipefail
kind=${1:?usage: make-dist.sh gradescope|handout DIST}
dist=${2:?usage: make-dist.sh gradescope|handout DIST}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d tests/lessons ] || { echo "make-dist.sh: run this in the course repository, not a handout" >&2; exit 2; }
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)

# copy_tree DEST PATH...: sources only, no build outputs, no links.
copy_tree() {
    local dest=$1; shift
    for p in "$@"; do
        find "$p" \( -name build -o -name '*.o' -o -name results.json -o -name '.*' \) -prune -o \
            \( -type f -o -type d \) -print | while read -r f; do
            if [ -d "$f" ]; then mkdir -p "$dest/$f"; else mkdir -p "$dest/$(dirname "$f")"; cp -p "$f" "$dest/$f"; fi
        done
    done
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
case $kind in
gradescope)
    copy_tree "$stage" Makefile grader sandbox exercises scripts/install-deps.sh .ci/packages
    for d in tests/lessons/*/; do
        [ -f "$d/test_hidden.c" ] && { mkdir -p "$stage/$d"; cp -p "$d/test_hidden.c" "$stage/$d"; }
    done
    cp -p scripts/gradescope/setup.sh scripts/gradescope/run_autograder "$stage/"
    rm -f "$dist/autograder.zip"
    (cd "$stage" && python3 -m zipfile -c "$dist/autograder.zip" $(ls -A))
    echo "$dist/autograder.zip"
    ;;
handout)
    rm -rf "$dist/handout" "$dist/handout.tar.gz"
    mkdir -p "$stage/handout"
    copy_tree "$stage/handout" Makefile grader sandbox exercises scripts/install-deps.sh .ci/packages
    cp -p scripts/handout/README.md "$stage/handout/README.md"
    # The browser is for the framework's own tests only.
    tr -s ' \n' '\n' <.ci/packages | grep -vx chromium | grep . | tr '\n' ' ' | sed 's/ $/\n/' \
        >"$stage/handout/.ci/packages"
    cp -a "$stage/handout" "$dist/handout"
    tar -C "$stage" -czf "$dist/handout.tar.gz" --owner=0 --group=0 handout
    echo "$dist/handout/ $dist/handout.tar.gz"
    ;;
*) echo "make-dist.sh: unknown kind '$kind'" >&2; exit 2 ;;
esac
