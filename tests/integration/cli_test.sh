#!/usr/bin/env bash
# The operator CLI (edgestream topic|produce|consume, over client/) against `edgestream serve`.
#   tests/integration/cli_test.sh path/to/edgestream
set -euo pipefail

source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }

# topic create / list / describe / alter / add-partitions
es topic create orders --partitions 2 --config retention.ms=3600000 >/dev/null || fail "topic create"
es topic list | grep "^orders" >/dev/null || fail "topic list: $(es topic list)"
es topic describe orders >"$dir/describe.txt" || fail "topic describe"
grep -q "retention.ms" "$dir/describe.txt" && grep -q "3600000" "$dir/describe.txt" ||
    fail "describe lacks retention.ms=3600000: $(cat "$dir/describe.txt")"
es topic alter orders --config segment.ms=600000 --delete-config retention.ms >/dev/null || fail "topic alter"
es topic describe orders | grep "segment.ms" | grep 600000 >/dev/null || fail "alter did not set segment.ms"
es topic add-partitions orders --count 1 >/dev/null || fail "add-partitions"
es topic describe orders | grep -E '^PARTITIONS +3$' >/dev/null || fail "add-partitions: $(es topic describe orders | head -3)"
echo "checked: topic create, list, describe, alter, add-partitions"

# Errors: a clear message and exit code 1; usage errors exit 2.
set +e
es topic create orders --partitions 1 >/dev/null 2>"$dir/err.txt"; code=$?
set -e
[ "$code" -eq 1 ] || fail "creating an existing topic exited $code"
grep -qi "exist" "$dir/err.txt" || fail "no clear error for an existing topic: $(cat "$dir/err.txt")"
set +e
"$bin" consume >/dev/null 2>&1; code=$?
set -e
[ "$code" -eq 2 ] || fail "a missing argument exited $code, not 2"
echo "checked: existing topic -> exit 1 with a message; usage error -> exit 2"

# produce: keys, headers, one partition
printf 'k1:v1\nk2:v2\nk3:v3\nnokey\n' | es produce orders -K : -H source=cli -p 0 2>"$dir/produce.txt" ||
    fail "produce: $(cat "$dir/produce.txt")"
echo "checked: produce 4 lines with keys and a header"

# consume: formats and start positions
out=$(es consume orders -p 0 -e -f kv -K =)
[ "$out" = $'k1=v1\nk2=v2\nk3=v3\n=nokey' ] || fail "consume kv: $out"
out=$(es consume orders -p 0 -o 2 -n 1)
[ "$out" = "v3" ] || fail "consume from offset 2: $out"
es consume orders -p 0 -n 1 -f json | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
assert r["key"] == "k1" and r["value"] == "v1" and r["offset"] == 0, r
assert r["headers"] == [{"key": "source", "value": "cli"}] or r["headers"] == {"source": "cli"}, r["headers"]
' || fail "consume json"
future=$(( $(date +%s) * 1000 + 3600000 ))
out=$(es consume orders -p 0 -o "@$future" -e)
[ -z "$out" ] || fail "consume from a future timestamp printed: $out"
echo "checked: consume kv, from an offset, json with headers, from a timestamp"

stop_serve
