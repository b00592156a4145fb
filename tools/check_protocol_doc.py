#!/usr/bin/env python3
"""Fails when docs/protocol.md's API tables disagree with the protocol schemas.

docs/protocol.md has two tables with the same columns (API | key | versions | flexible from |
notes): the main one, before the first `## ` heading, lists what the broker serves; the one under
the heading "## Decoded, not yet served" lists APIs the codec has schemas for but no handler
serves yet. Every schema must be in exactly one of them, with its key, versions and first
flexible version ("none" when it has none). The served table must also be exactly the APIs that
have a handler in src/kafka/server/handlers/handler_table.cc.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
DOC = "docs/protocol.md"
HANDLER_TABLE = "src/kafka/server/handlers/handler_table.cc"
SERVED = "the served table"
DECODED = "the 'Decoded, not yet served' table"
DECODED_HEADING = "## Decoded, not yet served"

problems = []


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# The schemas: name -> (key, versions as the docs write them, first flexible version or "none").
apis = {}
for schema in sorted((root / "src/kafka/protocol/schema").glob("*.schema")):
    for line in schema.read_text().splitlines():
        if not line.startswith("api "):
            continue
        m = re.fullmatch(r"api (\w+) key=(\d+) versions=(\d+)-(\d+) flexible=(?:(\d+)\+|(none))\s*",
                         line.split("#", 1)[0])
        if not m:
            problems.append(f"{schema.name}: cannot read its api line: {line!r}")
            continue
        name, key, lo, hi, flex, none = m.groups()
        apis[name] = (key, lo if lo == hi else f"{lo}-{hi}", flex or none)

# The two tables of the doc, told apart by the section they are in.
rows = {SERVED: {}, DECODED: {}}
section = SERVED
for no, line in enumerate((root / DOC).read_text().splitlines(), 1):
    if line.startswith("## "):
        section = DECODED if line.startswith(DECODED_HEADING) else None
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if not line.lstrip().startswith("|") or len(cells) < 4 or not cells[1].isdigit():
        continue
    if section is None:
        problems.append(f"{DOC}:{no}: API row {cells[0]} is outside the two API tables")
        continue
    if cells[0] in rows[section]:
        problems.append(f"{cells[0]} is listed twice in {section} of {DOC}")
    rows[section][cells[0]] = (cells[1], cells[2], cells[3])

for name, want in sorted(apis.items()):
    where = [table for table in (SERVED, DECODED) if name in rows[table]]
    if not where:
        problems.append(f"{name} has a schema but is in neither table of {DOC} "
                        f"(add it to {SERVED} if a handler serves it, else to {DECODED})")
    elif len(where) > 1:
        problems.append(f"{name} is in both {SERVED} and {DECODED} of {DOC}; "
                        f"it belongs in exactly one")
    for table in where:
        if rows[table][name] != want:
            problems.append(f"{name}: {table} of {DOC} says key/versions/flexible "
                            f"{rows[table][name]}, the schema says {want}")
for table in (SERVED, DECODED):
    for name in sorted(rows[table].keys() - apis.keys()):
        problems.append(f"{name} is in {table} of {DOC} but has no schema")

# The served table is what ApiVersions advertises: the APIs with a handler.
handled, unhandled = set(), set()
pending = []
for m in re.finditer(r"case ApiKey::(\w+):|return (handlers::\w+|nullptr);",
                     (root / HANDLER_TABLE).read_text()):
    if m.group(1):
        pending.append(m.group(1))
    else:
        (unhandled if m.group(2) == "nullptr" else handled).update(pending)
        pending = []
if not handled:
    problems.append(f"found no 'case ApiKey::x: return handlers::y;' in {HANDLER_TABLE}")
else:
    by_snake = {snake(name): name for name in apis}
    for key in sorted(handled | unhandled):
        name = by_snake.get(key, key)
        if key in handled and name not in rows[SERVED]:
            problems.append(f"{name} has a handler in {HANDLER_TABLE} but is not in {SERVED} "
                            f"of {DOC}")
        if key in unhandled and name in rows[SERVED]:
            problems.append(f"{name} is in {SERVED} of {DOC} but {HANDLER_TABLE} has no handler "
                            f"for it (returns nullptr)")
    for name in sorted(rows[SERVED].keys() & apis.keys()):
        if snake(name) not in handled | unhandled:
            problems.append(f"{name} is in {SERVED} of {DOC} but has no case in {HANDLER_TABLE}")

for p in problems:
    print("check_protocol_doc:", p)
if problems:
    sys.exit(1)
print(f"check_protocol_doc: {len(apis)} APIs match {DOC}: {len(rows[SERVED])} served, "
      f"{len(rows[DECODED])} decoded and not yet served")
