#!/usr/bin/env bash
# cpu-by-command.sh COMMAND [ARGS...] - where the CPU time of COMMAND goes:
# runs it under BSD process accounting (every process that exits meanwhile,
# in every PID namespace below ours, is one record with its CPU time) and
# prints the CPU seconds of each command name, the largest first, with its
# share, the number of processes, then the total and the wall time, and how
# busy the machine's cores were meanwhile (/proc/stat: user, system, idle,
# I/O wait; kernel threads' work counts there, not in the commands).
# Everything that exits on the machine meanwhile counts: measure on an
# otherwise quiet machine. Root only (accton); Debian package: acct.
#   scripts/cpu-by-command.sh make test
#   TOP=30 scripts/cpu-by-command.sh tests/lesson-pass.sh 02-bank
set -u
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
command -v accton >/dev/null && command -v dump-acct >/dev/null ||
    { echo "cpu-by-command: needs accton and dump-acct (apt-get install acct)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "cpu-by-command: accounting needs root" >&2; exit 2; }
log=$(mktemp "${TMPDIR:-/tmp}/cpu-by-command-XXXXXX")
trap 'accton off >/dev/null 2>&1; rm -f "$log"' EXIT
accton "$log" >/dev/null || exit 1
# The machine's "cpu" line: user nice system idle iowait irq softirq steal.
read -ra stat0 < <(grep '^cpu ' /proc/stat)
t0=$(date +%s.%N)
"$@"
rc=$?
t1=$(date +%s.%N)
read -ra stat1 < <(grep '^cpu ' /proc/stat)
accton off >/dev/null
# dump-acct: COMMAND|VERSION|UTIME|STIME|... in clock ticks (AHZ, 100 a second).
dump-acct "$log" | awk -F'|' -v wall="$(echo "$t1 - $t0" | bc)" -v top="${TOP:-20}" '
    { c = $1; gsub(/ +$/, "", c); t = ($3 + $4) / 100; cpu[c] += t; n[c]++; total += t }
    END {
        for (c in cpu) printf "%10.1f %6.1f%% %7d  %s\n", cpu[c], total ? 100 * cpu[c] / total : 0, n[c], c | "sort -rn | head -" top
        close("sort -rn | head -" top)
        printf "%10.1f  CPU seconds in all; %.1f s wall\n", total, wall
    }'
awk -v a="${stat0[*]}" -v b="${stat1[*]}" -v cores="$(nproc)" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    for (i = 2; i <= 9; i++) { d[i] = y[i] - x[i]; all += d[i] }
    if (all == 0) exit
    printf "machine: %.0f%% busy on %d cores (user %.0f%%, system %.0f%%, idle %.0f%%, I/O wait %.0f%%)\n",
           100 * (all - d[5] - d[6]) / all, cores, 100 * (d[2] + d[3]) / all,
           100 * (d[4] + d[7] + d[8]) / all, 100 * d[5] / all, 100 * d[6] / all }'
exit $rc
