#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages the course needs (listed in
# .ci/packages). Needs root (or sudo). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq </dev/null
# shellcheck disable=SC2046
$SUDO apt-get install -y -qq --no-install-recommends $(grep -v '^#' .ci/packages) </dev/null >/dev/null
