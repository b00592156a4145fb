#!/usr/bin/env python3
"""Fails when a source file under src/ includes a header of a module that its module may not use.

The allowed edges are read from cmake/modules.cmake (the one table). A module may include its own
headers, those of its direct dependencies and, transitively, of theirs."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
table = (root / "cmake" / "modules.cmake").read_text()

deps = {}
for m in re.finditer(r"^es_layer\(\s*([\w/]+)(?:\s+DEPS([^)]*))?\)", table, re.M):
    deps[m.group(1)] = (m.group(2) or "").split()

def closure(module):
    seen, stack = set(), [module]
    while stack:
        for d in deps.get(stack.pop(), []):
            if d not in seen:
                seen.add(d)
                stack.append(d)
    return seen

# Longest module path first, so that kafka/server wins over a hypothetical kafka.
modules = sorted(deps, key=len, reverse=True)

def module_of(path):
    for m in modules:
        if path == m or path.startswith(m + "/"):
            return m
    return None

include_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
violations, checked = [], 0
for f in sorted((root / "src").rglob("*")):
    if f.suffix not in (".h", ".cc"):
        continue
    rel = f.relative_to(root / "src").as_posix()
    owner = module_of(rel)
    if owner is None:
        violations.append(f"src/{rel}: folder is not a module in cmake/modules.cmake")
        continue
    allowed = closure(owner) | {owner}
    for inc in include_re.findall(f.read_text()):
        target = module_of(inc)
        checked += 1
        if target is None:
            violations.append(f"src/{rel}: includes \"{inc}\", which belongs to no module")
        elif target not in allowed:
            violations.append(f"src/{rel}: {owner} may not include \"{inc}\" ({target}); "
                              f"allowed: {', '.join(sorted(allowed))}")

print(f"check_layering: {len(deps)} modules, {checked} project includes checked")
for v in violations:
    print("LAYERING VIOLATION:", v)
sys.exit(1 if violations else 0)
