# 40-contract: the lesson headers match shared/CURRICULUM.md, and each
# lesson.json "api" list names exactly what its reference solution defines.
source "$ROOT/tests/lib.sh"

cc_check=$ROOT/../shared/tools/contract-check
if [ -x "$cc_check" ]; then
    check "contract-check" "$cc_check" "$ROOT"
else
    fail "contract-check" "shared/tools/contract-check not found beside the repo"
fi

for ldir in "$ROOT"/exercises/[0-9][0-9]-*/; do
    id=$(basename "$ldir"); slug=${id#*-}
    sol="$ROOT/solutions/$id/$slug.c"
    [ -f "$sol" ] || continue
    obj=$(tmpdir)/s.o
    if ! cc -std=c17 -D_DEFAULT_SOURCE -pthread -c -I "$ldir" "$sol" -o "$obj" 2>/dev/null; then
        fail "$id api list" "solution does not compile"; continue
    fi
    defined=$(nm -g --defined-only "$obj" | awk '{print $3}' | sort | tr '\n' ' ')
    listed=$(jget "$ldir/lesson.json" "' '.join(sorted(r['api']))")
    if [ "${defined% }" = "$listed" ]; then pass "$id api list matches the solution"
    else fail "$id api list matches the solution" "solution defines [$defined], lesson.json lists [$listed]"; fi
done
