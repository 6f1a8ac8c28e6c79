# 46-flake: the quick form of scripts/flake-guard.sh: every lesson's solution
# gets full marks in 3 gradings and every buggy variant is caught in a
# grading of its own, while busy loops keep every core loaded (20-lessons has
# already graded each variant once on a quiet machine). The long form (100 and
# 20 gradings) is `scripts/flake-guard.sh`.
source "$ROOT/tests/lib.sh"

out=$(tmpdir)/flake.txt
if "$ROOT/scripts/flake-guard.sh" --quick >"$out" 2>&1; then
    pass "flake guard (quick): every verdict stable under load"
else
    fail "flake guard (quick)" "$(grep -B1 'first miss' "$out" | tr '\n' ' ' | head -c 1500)"
fi
sed 's/^/   | /' "$out"
