#!/usr/bin/python3
"""validate_json.py SCHEMA FILE...: exit 0 when every FILE validates."""
import json, sys
import jsonschema

schema = json.load(open(sys.argv[1]))
bad = 0
for path in sys.argv[2:]:
    try:
        jsonschema.validate(json.load(open(path)), schema)
    except Exception as e:  # ValidationError, JSONDecodeError, OSError
        print(f"{path}: {str(e).splitlines()[0]}")
        bad += 1
sys.exit(1 if bad else 0)
