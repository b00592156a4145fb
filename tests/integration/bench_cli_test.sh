#!/usr/bin/env bash
# `edgestream bench produce|consume|e2e` against `edgestream serve`, and produce against
# librdkafka's in-process mock cluster; `bench nexmark` (in process, no broker). Checks the JSON
# summaries and the counts, never timings.
#   tests/integration/bench_cli_test.sh path/to/edgestream
set -euo pipefail

source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }

# check_json FILE MODE PYTHON-CONDITION: the fields every summary has, then the condition on `r`.
check_json() {
    python3 - "$1" "$2" "$3" <<'PY' || fail "bench $2 JSON: $(cat "$1")"
import json, sys
path, mode, cond = sys.argv[1:4]
with open(path) as f:
    r = json.loads(f.read())
for k in ("mode", "messages", "message_bytes", "seconds", "msgs_per_s", "mb_per_s", "failed"):
    assert k in r, k
assert r["mode"] == mode, r
if mode != "consume":
    assert set(r["latency_ms"]) >= {"p50", "p99", "p999", "max"}, r
assert eval(cond, {"r": r}), cond
PY
}

es bench produce --messages 20000 --json >"$dir/produce.json" 2>"$dir/produce.err" ||
    fail "bench produce: $(cat "$dir/produce.err")"
check_json "$dir/produce.json" produce 'r["messages"] == 20000 and r["failed"] == 0 and r["message_bytes"] == 100'
grep -q "acked total" "$dir/produce.err" || fail "bench produce --json printed no progress on stderr"
echo "checked: bench produce --messages 20000 --json: 20000 acknowledged, progress on stderr"

es bench consume --json >"$dir/consume.json" 2>"$dir/consume.err" ||
    fail "bench consume: $(cat "$dir/consume.err")"
check_json "$dir/consume.json" consume 'r["messages"] == 20000'
es bench consume --messages 5000 --json >"$dir/consume5k.json" 2>"$dir/consume.err" ||
    fail "bench consume --messages 5000: $(cat "$dir/consume.err")"
check_json "$dir/consume5k.json" consume 'r["messages"] == 5000'
echo "checked: bench consume reads the 20000 present (and --messages 5000 reads 5000)"

es bench consume --consumers 3 --json >"$dir/consume3.json" 2>"$dir/consume.err" ||
    fail "bench consume --consumers 3: $(cat "$dir/consume.err")"
check_json "$dir/consume3.json" consume 'r["messages"] == 20000 and r["consumers"] == 3'
set +e
es bench consume --consumers 5 >/dev/null 2>"$dir/consume5.err"; code=$?
es bench consume --consumers 2 --messages 10 >/dev/null 2>&1; code2=$?
set -e
[ "$code" -eq 2 ] && grep -q "more than the 4 partitions" "$dir/consume5.err" ||
    fail "--consumers 5 over 4 partitions exited $code: $(cat "$dir/consume5.err")"
[ "$code2" -eq 2 ] || fail "--consumers 2 --messages 10 exited $code2, not 2"
echo "checked: bench consume --consumers 3 shares the 4 partitions and reads all 20000; 5 consumers for 4 partitions, or --messages with --consumers, exit 2"

es bench e2e --rate 2000 --duration 2 --json >"$dir/e2e.json" 2>"$dir/e2e.err" ||
    fail "bench e2e: $(cat "$dir/e2e.err")"
check_json "$dir/e2e.json" e2e 'r["messages"] > 0 and r["consumed"] == r["messages"] and r["failed"] == 0'
# Paced: never ahead of the rate (2000/s for 2 s), and not far behind it.
check_json "$dir/e2e.json" e2e '3000 <= r["messages"] <= 4001'
echo "checked: bench e2e --rate 2000 --duration 2: 3000-4001 sent (the rate is kept), every acknowledged message consumed"

# The table (no --json) on stdout.
es bench produce --messages 1000 --topic table >"$dir/table.txt" 2>&1 || fail "bench produce (table)"
grep -E '^messages acknowledged +1000$' "$dir/table.txt" >/dev/null ||
    fail "no summary table: $(cat "$dir/table.txt")"
echo "checked: bench produce prints a summary table"

set +e
es bench produce --acks 2 >/dev/null 2>&1; code=$?
set -e
[ "$code" -eq 2 ] || fail "a bad --acks exited $code, not 2"
set +e
es bench produce --no-such-option >/dev/null 2>&1; code=$?
set -e
[ "$code" -eq 2 ] || fail "an unknown option exited $code, not 2"
echo "checked: bad options exit 2"

"$bin" bench produce --messages 20000 -X test.mock.num.brokers=1 --json >"$dir/mock.json" \
    2>"$dir/mock.err" || fail "bench produce on the mock cluster: $(cat "$dir/mock.err")"
check_json "$dir/mock.json" produce 'r["messages"] == 20000 and r["failed"] == 0'
echo "checked: bench produce --messages 20000 against librdkafka's mock cluster"

# The engine alone, in process (no broker): one query over a few generated events.
"$bin" bench nexmark --query q1 --events 2000 --json >"$dir/nexmark.json" 2>"$dir/nexmark.err" ||
    fail "bench nexmark: $(cat "$dir/nexmark.err")"
python3 - "$dir/nexmark.json" <<'PY' || fail "bench nexmark JSON: $(cat "$dir/nexmark.json")"
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["mode"] == "nexmark" and r["events"] == 2000, r
[q] = r["queries"]
assert q["query"] == "q1" and q["events"] == 2000 and q["bad"] == 0, q
assert q["outputs"] == 1840, q  # q1 converts every bid: 46 of every 50 events
assert q["seconds"] > 0 and q["events_per_s"] > 0 and q["events_per_core_s"] > 0, q
PY
grep -q "BEFORE timing" "$dir/nexmark.err" || fail "bench nexmark --json printed no progress on stderr"
echo "checked: bench nexmark --query q1 --events 2000 --json: 1840 outputs, valid JSON"

stop_serve
