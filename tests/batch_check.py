#!/usr/bin/python3
"""batch_check.py OUT_DIR TYPES_FILE - checks a finished `grader batch`:
every student graded exactly once (batch.log: each "start" not followed by
a "killed" counts as one grading), every JSON as its kind expects, and
summary.csv / summary.json / scores.ndjson agreeing with the JSONs.
Prints one problem per line; no output means all is well."""
import csv, json, os, re, sys

out, types_file = sys.argv[1], sys.argv[2]
kinds = dict(line.split() for line in open(types_file) if line.strip())
problems = []

def problem(msg):
    problems.append(msg)

docs = {}
for name in os.listdir(out):
    if name.endswith(".json") and name[:-5] in kinds:
        docs[name[:-5]] = json.load(open(os.path.join(out, name)))
for sid in kinds:
    if kinds[sid] == "unsafe":
        continue
    if sid not in docs:
        problem(f"{sid}: no JSON")
for name in os.listdir(out):
    if ".json.tmp." in name:
        problem(f"leftover temp file {name}")

# Exactly one grading per student, over all the runs in batch.log.
starts, killed = {}, {}
for line in open(os.path.join(out, "batch.log")):
    m = re.match(r"\S+ \d+ (start|killed) (\S+)", line)
    if m:
        d = starts if m.group(1) == "start" else killed
        d[m.group(2)] = d.get(m.group(2), 0) + 1
for sid in docs:
    n = starts.get(sid, 0) - killed.get(sid, 0)
    if n != 1:
        problem(f"{sid}: graded {n} times ({starts.get(sid, 0)} starts, {killed.get(sid, 0)} killed)")

# Each kind of submission scored as it should be.
for sid, r in docs.items():
    kind, L = kinds[sid], {l["id"]: l for l in r["lessons"]}
    if r.get("student") != sid:
        problem(f"{sid}: student field {r.get('student')!r}")
    if not r.get("submission_hash", "").startswith("fnv1a64:"):
        problem(f"{sid}: no submission_hash")
    if kind == "solution" and r["score"] != r["max_score"]:
        problem(f"{sid}: solution scored {r['score']}/{r['max_score']}")
    if kind in ("skeleton", "empty", "compile") and r["score"] != 0:
        problem(f"{sid}: {kind} scored {r['score']}")
    if kind == "empty" and any(l["status"] != "missing" for l in L.values()):
        problem(f"{sid}: empty submission not 'missing'")
    if kind == "compile" and L["01-threads"]["status"] != "compile_error":
        problem(f"{sid}: non-compiling file has status {L['01-threads']['status']}")
    if kind.startswith("buggy") and r["score"] >= r["max_score"]:
        problem(f"{sid}: buggy variant got full marks")
    if kind == "hang" and not ("grading_error" in r or any(t["status"] == "timeout" for l in L.values() for t in l["tests"])):
        problem(f"{sid}: hanging submission neither capped nor timed out")

# The class files agree with the JSONs.
summary = json.load(open(os.path.join(out, "summary.json")))
if summary["student_count"] != len(docs):
    problem(f"summary.json counts {summary['student_count']} students, {len(docs)} JSONs")
rows = list(csv.DictReader(open(os.path.join(out, "summary.csv"), newline="")))
if len(rows) != len(docs):
    problem(f"summary.csv has {len(rows)} rows, {len(docs)} JSONs")
for row in rows:
    r = docs.get(row["student"])
    if not r:
        problem(f"summary.csv: unknown student {row['student']}")
        continue
    if float(row["total"]) != r["score"] or float(row["max"]) != r["max_score"]:
        problem(f"summary.csv: {row['student']} total {row['total']} vs {r['score']}")
    for l in r["lessons"]:
        if float(row[l["id"]]) != l["score"]:
            problem(f"summary.csv: {row['student']} {l['id']} {row[l['id']]} vs {l['score']}")
compile_errors = {l["id"]: set(l["compile_errors"]) for l in summary["lessons"]}
for sid, r in docs.items():
    for l in r["lessons"]:
        if (l["status"] == "compile_error") != (sid in compile_errors.get(l["id"], ())):
            problem(f"summary.json: {sid} {l['id']} compile error listing wrong")
scores = [json.loads(line) for line in open(os.path.join(out, "scores.ndjson"))]
if len(scores) != len(docs):
    problem(f"scores.ndjson has {len(scores)} lines, {len(docs)} JSONs")
for s in scores:
    r = docs.get(s["userId"])
    keys = {"userId", "scoreGiven", "scoreMaximum", "comment", "timestamp", "activityProgress", "gradingProgress"}
    if set(s) != keys:
        problem(f"scores.ndjson: fields {sorted(s)}")
    elif not r or s["scoreGiven"] != r["score"] or s["scoreMaximum"] != r["max_score"]:
        problem(f"scores.ndjson: {s['userId']} score {s['scoreGiven']} vs JSON")
    elif s["activityProgress"] != "Completed" or s["gradingProgress"] not in ("FullyGraded", "PendingManual"):
        problem(f"scores.ndjson: {s['userId']} progress {s['activityProgress']}/{s['gradingProgress']}")
    elif not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", s["timestamp"]):
        problem(f"scores.ndjson: timestamp {s['timestamp']}")
print("\n".join(problems))
