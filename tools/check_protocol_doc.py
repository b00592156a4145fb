#!/usr/bin/env python3
"""Fails when docs/protocol.md's coverage table disagrees with the protocol schemas."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
apis = {}
for schema in sorted((root / "src/kafka/protocol/schema").glob("*.schema")):
    for line in schema.read_text().splitlines():
        m = re.match(r"api (\w+) key=(\d+) versions=(\d+)-(\d+) flexible=(\d+)\+", line)
        if m:
            name, key, lo, hi, flex = m.groups()
            apis[name] = (key, lo if lo == hi else f"{lo}-{hi}", flex)

rows = {}
for line in (root / "docs/protocol.md").read_text().splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) >= 4 and cells[1].isdigit():
        rows[cells[0]] = (cells[1], cells[2], cells[3])

problems = []
for name, want in apis.items():
    if name not in rows:
        problems.append(f"{name} is in the schemas but not in docs/protocol.md")
    elif rows[name] != want:
        problems.append(f"{name}: docs say key/versions/flexible {rows[name]}, schemas {want}")
for name in rows.keys() - apis.keys():
    problems.append(f"{name} is in docs/protocol.md but has no schema")
for p in problems:
    print("check_protocol_doc:", p)
if problems:
    sys.exit(1)
print(f"check_protocol_doc: {len(apis)} APIs match docs/protocol.md")
