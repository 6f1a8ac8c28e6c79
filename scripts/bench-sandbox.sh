#!/usr/bin/env bash
# bench-sandbox.sh - the sandbox's overhead per test run: the same binary run
# N times bare (fork+exec), through sbx_run() in each isolation mode, and
# through bwrap (when installed) with comparable namespaces. Prints a table.
#     scripts/bench-sandbox.sh [N] [BINARY ARGS...]
# Default binary: a tiny C program that exits 0 (pure overhead).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200}; shift || true
make -C "$root" -s grader >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cc -std=c17 -O2 -D_GNU_SOURCE -DHAVE_SECCOMP -o "$tmp/bench" "$root/sandbox/bench/bench.c" \
   "$root"/build/obj/sandbox/*.o -lseccomp
if [ $# -gt 0 ]; then bin=("$@"); else
    printf 'int main(void) { return 0; }\n' >"$tmp/noop.c"
    cc -O2 -o "$tmp/noop" "$tmp/noop.c"; bin=("$tmp/noop"); fi

printf '%-28s %-11s %s\n' "runner" "level" "time per run"
"$tmp/bench" bare "$n" "${bin[@]}"
if [ "$(id -u)" = 0 ]; then
    "$tmp/bench" "sbx_run (root)" "$n" "${bin[@]}"
    GRADER_SANDBOX_CGROUP=none "$tmp/bench" "sbx_run (no cgroup)" "$n" "${bin[@]}"
else
    "$tmp/bench" "sbx_run (user)" "$n" "${bin[@]}"
fi
GRADER_SANDBOX=plain "$tmp/bench" "sbx_run (plain fallback)" "$n" "${bin[@]}"
if command -v bwrap >/dev/null; then
    # Comparable to sbx_run: user, pid, mount, net, ipc, uts namespaces; a
    # read-only system, private /tmp, /dev and /proc.
    "$tmp/bench" bwrap "$n" "$(command -v bwrap)" --unshare-all --die-with-parent \
        --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
        --symlink usr/sbin /sbin --ro-bind /etc/ld.so.cache /etc/ld.so.cache --dev /dev --proc /proc \
        --tmpfs /tmp --ro-bind "$tmp" "$tmp" -- "${bin[@]}"
else
    echo "bwrap                        (not installed: apt-get install bubblewrap)"
fi
