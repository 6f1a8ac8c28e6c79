# 73-csv: summary.csv is opened in spreadsheets, where a cell that starts
# with = + - @ (or tab, CR) is a formula (CSV injection). A student directory
# named like a formula is not a student id: the batch skips it and says so
# (its name escaped for the terminal), and no cell of summary.csv starts
# with a formula character. (`=cmd|' /C calc'!A0` cannot be a directory's
# name: `/` separates; its form without the slash is used.) (A forged lesson
# id reaching the CSV is covered by the unit tests: text_csv_cell.)
# timeout: 300
# beside: others
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
subs="$work/subs" out="$work/out"
mkdir -p "$subs/alice" "$subs/=cmd|' C calc'!A0" "$subs/+1" "$subs/@SUM(A1)" \
         "$subs/-2+3" "$subs/"$'\e[2J'"x"
for d in "$subs"/*; do cp "$ROOT/exercises/01-threads/threads.c" "$d/"; done
"$GRADER" batch --jobs 1 --lesson 01-threads --out "$out" "$subs" >"$work/batch.out" 2>"$work/batch.err"
rc=$?
if [ $rc -ne 0 ]; then
    fail "batch with formula-named directories" "exit $rc: $(tail -c 300 "$work/batch.err")"
else
    pass "batch with formula-named directories exits 0"
    if grep -qF "skipping '=cmd|' C calc'!A0': not a safe student id" "$work/batch.err" &&
       grep -qF "skipping '+1'" "$work/batch.err" && grep -qF "skipping '@SUM(A1)'" "$work/batch.err" &&
       grep -qF "skipping '-2+3'" "$work/batch.err" && grep -qF "skipping '\x1B[2Jx'" "$work/batch.err" &&
       ! grep -q $'\e' "$work/batch.err"; then
        pass "formula-named directories are skipped with a reason"
    else
        fail "formula-named directories are skipped with a reason" "$(cat "$work/batch.err")"
    fi
    bad=$(python3 - "$out/summary.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
ids = [r[0] for r in rows[1:]]
bad = [c for r in rows for c in r if c[:1] in ('=', '+', '-', '@', '\t', '\r')]
if ids != ['alice']:
    bad.append('students %r, expected only alice' % ids)
print('; '.join(bad))
PY
)
    if [ -z "$bad" ]; then pass "summary.csv has no formula cell"; else fail "summary.csv has no formula cell" "$bad"; fi
fi
