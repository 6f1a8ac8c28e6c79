# 20-lessons: for every lesson, the reference solution gets full marks, the
# skeleton gets 0, and every buggy variant under tests/lessons/L/buggy/ loses
# points in each category its "expect:" line names. Every JSON validates.
source "$ROOT/tests/lib.sh"

work=$(tmpdir)
for ldir in "$ROOT"/exercises/[0-9][0-9]-*/; do
    id=$(basename "$ldir"); slug=${id#*-}
    [ -f "$ldir/lesson.json" ] || continue

    # The reference solution: full marks.
    if [ -f "$ROOT/solutions/$id/$slug.c" ]; then
        out="$work/$id-solution.json"
        if grade "$out" "$ROOT/solutions/$id" --lesson "$id"; then
            got=$(jget "$out" "r['lessons'][0]['score'] == r['lessons'][0]['max_score'] > 0")
            if [ "$got" = True ]; then pass "$id solution full marks"
            else fail "$id solution full marks" "$(jget "$out" "[(t['name'], t.get('message')) for t in r['lessons'][0]['tests'] if t['status'] != 'passed'] or r['lessons'][0].get('message')")"; fi
            check "$id solution JSON valid" validate "$out"
        else
            fail "$id solution graded" "grader exited $?"
        fi
    else
        fail "$id solution present" "no solutions/$id/$slug.c"
    fi

    # The skeleton: compiles, scores 0.
    out="$work/$id-skeleton.json"
    if grade "$out" "$ldir" --lesson "$id"; then
        got=$(jget "$out" "(r['lessons'][0]['status'], r['lessons'][0]['score'])")
        if [ "$got" = "('graded', 0.0)" ] || [ "$got" = "('graded', 0)" ]; then pass "$id skeleton scores 0"
        else fail "$id skeleton scores 0" "$got"; fi
        check "$id skeleton JSON valid" validate "$out"
    else
        fail "$id skeleton graded" "grader exited $?"
    fi

    # Buggy variants: each loses points in every category it expects.
    for v in "$ROOT"/tests/lessons/"$id"/buggy/*.c; do
        [ -f "$v" ] || continue
        name="$id buggy $(basename "$v" .c)"
        expect=$(sed -n 's/.*expect: *\([a-z ]*\).*/\1/p' "$v" | head -1 | xargs)
        if [ -z "$expect" ]; then fail "$name" "no 'expect:' line"; continue; fi
        sub="$work/$id-$(basename "$v" .c)"
        mkdir -p "$sub"; cp "$v" "$sub/$slug.c"
        out="$sub.json"
        if ! grade "$out" "$sub" --lesson "$id"; then fail "$name" "grader exited $?"; continue; fi
        missing=$(jget "$out" "' '.join(c for c in '$expect'.split() if not any(t['category'] == c and t['status'] != 'passed' for t in r['lessons'][0]['tests']))")
        if [ -z "$missing" ]; then pass "$name caught ($expect)"
        else fail "$name caught ($expect)" "no failing test in: $missing; score $(jget "$out" "r['lessons'][0]['score']")"; fi
    done
done
