#!/usr/bin/python3
"""judge.py KIND JSON [CATEGORY...]: the verdict on one lesson's grading.

KIND is what was graded:
  skeleton  must be graded and score 0;
  solution  (or correct) must be graded with full marks;
  buggy     must lose points in every CATEGORY (its "expect:" line) and,
            when the variant's source (env JUDGE_SOURCE) has "says:" lines,
            some failing test's message must hold each one's text: the
            failure is the one the variant is about, not another.
Prints "1" when the grading is as it must be, else "0 " and one line saying
why (the failing tests with their seeds, so the miss can be replayed).
Shared by tests/lesson-pass.sh and scripts/flake-guard.sh.
"""
import json
import os
import re
import sys

CATEGORIES = {"functional", "race", "deadlock", "ordering", "timing"}


def says(source):
    """The texts of a variant's "says:" lines (in its first comment)."""
    if not source:
        return []
    try:
        head = open(source).read().split("*/", 1)[0]
    except OSError:
        return []
    # A line of its own (" * says: TEXT"), not the word inside a sentence.
    return [m.strip() for m in re.findall(r"^\s*\*?\s*says: *(.+)$", head, re.M)]


def verdict(kind, path, expect):
    try:
        doc = json.load(open(path))
        lesson = doc["lessons"][0]
    except Exception as e:  # no file, broken JSON, no lesson
        return "0 no JSON: %s" % e
    status = lesson["status"]
    tests = lesson.get("tests", [])
    bad = [t for t in tests if t["status"] != "passed"]
    if status != "graded":
        return "0 status %s: %s" % (status, (lesson.get("message") or "")[:300])
    if kind == "skeleton":
        return "1" if lesson["score"] == 0 else "0 score %s, expected 0" % lesson["score"]
    if kind in ("solution", "correct"):
        if lesson["score"] == lesson["max_score"] > 0:
            return "1"
        why = "; ".join("%s: %s (seed %s)" % (t["name"], t.get("message", t["status"]), t["seed"])
                        for t in bad)
        return "0 " + (why or "score %s of %s" % (lesson["score"], lesson["max_score"]))[:600]
    if kind == "buggy":
        unknown = [c for c in expect if c not in CATEGORIES]
        if not expect or unknown:
            return "0 bad expect: line: %r" % " ".join(expect)
        missed = [c for c in expect if not any(t["category"] == c for t in bad)]
        unsaid = [s for s in says(os.environ.get("JUDGE_SOURCE"))
                  if not any(s in (t.get("message") or "") for t in bad)]
        if not missed and unsaid:
            return "0 no failing test says %r (first message: %s)" % (
                unsaid[0], (bad[0].get("message") or "")[:300] if bad else "none")
        if not missed:
            return "1"
        return "0 not caught in %s; score %s (seed %s)" % (
            " ".join(missed), lesson["score"], tests[0]["seed"] if tests else "?")
    return "0 unknown kind %s" % kind


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    print(verdict(sys.argv[1], sys.argv[2], sys.argv[3:]))
