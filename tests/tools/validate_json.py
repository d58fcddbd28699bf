#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Validates JSON lines against the project's schemas (docs/schema/), with Debian's
python3-jsonschema:

    validate_json.py SCHEMA_DIR NAME[,NAME...] [--min N] < lines

Every line must be one JSON object that validates against exactly one of the named schemas
(e.g. page,range,error for portkit --json -), and at least N lines must come (default 1).
On failure prints the line number, the start of the line and why, and exits 1."""
import json
import os
import sys

import jsonschema

BASE = "https://portkit.invalid/schema/"


def load(schema_dir):
    store = {}
    for name in os.listdir(schema_dir):
        if name.endswith(".json"):
            with open(os.path.join(schema_dir, name)) as f:
                schema = json.load(f)
            jsonschema.Draft202012Validator.check_schema(schema)
            store[schema["$id"]] = schema
    return store


def main():
    args = sys.argv[1:]
    minimum = 1
    if "--min" in args:
        i = args.index("--min")
        minimum = int(args[i + 1])
        del args[i:i + 2]
    schema_dir, names = args[0], args[1].split(",")
    store = load(schema_dir)
    validators = []
    for name in names:
        schema = store[BASE + name + ".json"]
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
        validators.append((name, jsonschema.Draft202012Validator(schema, resolver=resolver)))
    n = 0
    for n, line in enumerate(sys.stdin, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"line {n}: not JSON ({e}): {line[:160]}")
            return 1
        matched, errors = [], []
        for name, v in validators:
            errs = sorted(v.iter_errors(obj), key=lambda e: len(e.path))
            if errs:
                e = errs[0]
                where = "/".join(str(p) for p in e.absolute_path) or "(top)"
                errors.append(f"{name}: at {where}: {e.message[:200]}")
            else:
                matched.append(name)
        if len(matched) != 1:
            print(f"line {n}: matches {matched or 'none'} of {names}: {line[:160].rstrip()}")
            for e in errors:
                print("  " + e)
            return 1
    if n < minimum:
        print(f"only {n} lines, expected at least {minimum}")
        return 1
    print(f"ok: {n} lines valid against {','.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
