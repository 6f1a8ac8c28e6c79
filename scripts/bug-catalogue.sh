#!/usr/bin/env bash
# bug-catalogue.sh - what each lesson catches, for instructors and reviewers.
#
# Prints, per lesson, every buggy variant (tests/lessons/L/buggy/*.c) with
# the categories it must lose points in and the bug its first comment
# describes, then every correct alternative (tests/lessons/L/correct/*.c)
# with what makes it different. The comments are the source: the catalogue
# cannot drift from the variants the suite grades (tests/lesson-pass.sh,
# scripts/flake-guard.sh).
#
#   scripts/bug-catalogue.sh               every lesson, Markdown
#   scripts/bug-catalogue.sh 05-semaphore  one lesson
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
lessons=("$@")
[ ${#lessons[@]} -gt 0 ] || lessons=($(ls "$ROOT/tests/lessons"))
exec python3 - "$ROOT" "${lessons[@]}" <<'PY'
import os, re, sys
root, lessons = sys.argv[1], sys.argv[2:]

def first_comment(path):
    """The file's first /* ... */ comment as one paragraph, and its expect: line."""
    text = open(path, encoding='utf-8', errors='replace').read()
    m = re.search(r'/\*(.*?)\*/', text, re.S)
    body = m.group(1) if m else ''
    lines = [re.sub(r'^\s*\*?\s?', '', l).rstrip() for l in body.splitlines()]
    expect = ''
    kept = []
    for l in lines:
        e = re.match(r'expect:\s*(.*)', l)
        if e:
            expect = e.group(1).strip()
        else:
            kept.append(l)
    para = ' '.join(l for l in kept if l).strip()
    para = re.sub(r'^BUG:\s*', '', para)
    para = re.sub(r'^[\w.-]+\.c\s*-\s*', '', para)  # "name.c - " headers
    return para, expect

for lesson in lessons:
    base = os.path.join(root, 'tests', 'lessons', lesson)
    if not os.path.isdir(base):
        sys.exit('bug-catalogue: no lesson %s' % lesson)
    print('## %s\n' % lesson)
    for kind, title in (('buggy', 'Buggy variants (each must lose points in its categories, every run)'),
                        ('correct', 'Correct alternatives (full marks, every run)')):
        d = os.path.join(base, kind)
        files = sorted(f for f in os.listdir(d) if f.endswith('.c')) if os.path.isdir(d) else []
        if not files:
            continue
        print('%s:\n' % title)
        for f in files:
            para, expect = first_comment(os.path.join(d, f))
            cats = ' (%s)' % expect if kind == 'buggy' else ''
            print('- **%s**%s: %s' % (f[:-2], cats, para or '(no comment)'))
        print()
PY
