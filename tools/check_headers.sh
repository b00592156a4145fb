#!/usr/bin/env bash
# Compiles every header under src/ on its own, so that a header that does not include what it
# uses fails here instead of in whichever .cc happens to include it first.
#
#   tools/check_headers.sh [BUILD_DIR]     (`make check-headers` runs it)
#
# Include paths come from the build's compile_commands.json, so a header sees exactly what its
# module's sources see.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
db=$build/compile_commands.json
[[ -f $db ]] || { echo "check_headers: $db is missing; configure first (make configure)" >&2; exit 1; }

# Every -I/-isystem/-D flag any translation unit uses, deduplicated: headers may include any
# module's public headers and the third-party libraries the build found.
mapfile -t flags < <(python3 - "$db" <<'PY'
import json, shlex, sys
seen, out = set(), []
for entry in json.load(open(sys.argv[1])):
    args = entry.get("arguments") or shlex.split(entry["command"])
    it = iter(args)
    for a in it:
        if a in ("-I", "-isystem"):
            a = a + next(it)
        if a.startswith(("-I", "-isystem", "-D")) and a not in seen:
            seen.add(a)
            out.append(a)
print("\n".join(out))
PY
)

failed=0
checked=0
while IFS= read -r header; do
    checked=$((checked + 1))
    if ! echo "#include \"${header#src/}\"" |
        g++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$root/src" "${flags[@]}" -x c++ - 2>/tmp/check_headers.$$; then
        echo "check_headers: $header does not compile on its own:" >&2
        head -n 20 /tmp/check_headers.$$ >&2
        failed=$((failed + 1))
    fi
done < <(cd "$root" && git ls-files 'src/*.h' | grep -v '/tests/')
rm -f /tmp/check_headers.$$
echo "check_headers: $checked headers compiled on their own, $failed failed"
[[ $failed -eq 0 ]]
