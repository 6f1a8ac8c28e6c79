#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, in /autograder/source when it
# builds the autograder image: installs the Debian packages the course needs
# (.ci/packages, minus the test-only browser), builds the grader, creates the
# unprivileged user that student code runs as, and warms the build cache.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends \
    $(tr -s ' \n' '\n' <.ci/packages | grep -v '^#' | grep -vx 'chromium' | grep .)
make grader
id student >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin student
chmod -R a+rX .
mkdir -p build/cache
chown student: build/cache
# Compile the course's test objects once, as the student user, into the cache.
warm=$(mktemp -d)
cp -r exercises "$warm/sub"
chown -R student: "$warm"
setpriv --reuid=student --regid="$(id -g student)" --clear-groups env HOME="$warm" TMPDIR="$warm" \
    build/grader grade --quiet --out "$warm/warm.json" "$warm/sub" || true
rm -rf "$warm"
