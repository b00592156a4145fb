#!/usr/bin/env bash
# Nexmark through the broker, exactly-once: `edgestream gen nexmark` writes a fixed-seed run,
# the jobs nexmark-q0 (pass-through of the bids) and nexmark-q2 (selection) read it with `edgestream run`,
# and their outputs are checked against the input topic by an independent computation here
# (python: every bid once; every bid with auction % 123 == 0, and nothing else).
# With "avro" the events are Confluent-framed Avro (the schema registered by the generator), the
# jobs read them with value.format=avro, and the test reads the input with consume --registry.
#   tests/integration/nexmark_test.sh path/to/edgestream [json|avro]
set -euo pipefail
format=${2:-json}
if [ "$format" = avro ]; then
    registry_addr=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
fi
source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }
gen_format=() job_format=() read_format=()
if [ "$format" = avro ]; then
    url=http://$registry_addr
    gen_format=(--value-format avro --registry "$url")
    job_format=(-p value.format=avro -p schema.registry.url="$url")
    read_format=(--registry "$url")
fi

events=20000
es gen nexmark --events "$events" --seed 5 --partitions 2 --out-of-order-group 7 "${gen_format[@]}" --json \
    >"$dir/gen.json" 2>"$dir/gen.err" || fail "gen nexmark: $(cat "$dir/gen.err")"
python3 - "$dir/gen.json" "$events" <<'PY' || fail "gen nexmark summary: $(cat "$dir/gen.json")"
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert r["events"] == n and r["delivered"] == n and r["failed"] == 0, r
assert (r["persons"], r["auctions"], r["bids"]) == (n // 50, 3 * n // 50, 46 * n // 50), r
PY
echo "checked: gen nexmark sent $events events, persons:auctions:bids = 1:3:46, all acknowledged"

pids=()
for q in q0 q2; do
    "$bin" run "nexmark-$q" --brokers "$brokers" --state-dir "$dir/state-$q" --instance-id it "${job_format[@]}" \
        >"$dir/$q.log" 2>&1 &
    pids+=($!)
done
trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; fixture_cleanup' EXIT

es consume nexmark-events -e "${read_format[@]}" >"$dir/input.jsonl" 2>"$dir/input.err" ||
    fail "reading the input: $(cat "$dir/input.err")"
[ ! -s "$dir/input.err" ] || fail "input values that do not decode: $(head -3 "$dir/input.err")"
[ "$(wc -l <"$dir/input.jsonl")" -eq "$events" ] || fail "$(wc -l <"$dir/input.jsonl") input events"
if [ "$format" = avro ]; then
    echo "checked: the $events input values are Confluent-framed Avro that consume --registry decodes"
fi
q2_expected=$(python3 -c 'import json, sys; print(sum(1 for l in open(sys.argv[1]) for e in [json.loads(l)] if e["type"] == "bid" and e["auction"] % 123 == 0))' "$dir/input.jsonl")
# Wait until both outputs are complete (a wrong job writes more, or never enough).
for _ in $(seq 1 60); do
    es consume nexmark-q0 -e >"$dir/q0.jsonl" 2>/dev/null || true
    es consume nexmark-q2 -e >"$dir/q2.jsonl" 2>/dev/null || true
    [ "$(wc -l <"$dir/q0.jsonl")" -ge $((events * 46 / 50)) ] &&
        [ "$(wc -l <"$dir/q2.jsonl")" -ge "$q2_expected" ] && break
    sleep 1
done
python3 - "$dir/input.jsonl" "$dir/q0.jsonl" "$dir/q2.jsonl" <<'PY' || { tail -20 "$dir/q0.log" >&2; fail "outputs differ from the input"; }
import json, sys
from collections import Counter
events = [json.loads(l) for l in open(sys.argv[1])]
q0 = [json.loads(l) for l in open(sys.argv[2])]
q2 = [json.loads(l) for l in open(sys.argv[3])]
# q0 passes every bid through: the same multiset of bids, each once.
# (Avro's events carry every kind's fields, null where they are not the event's.)
canon = lambda e: json.dumps({k: v for k, v in e.items() if k != "type" and v is not None},
                             sort_keys=True)
bids = [e for e in events if e["type"] == "bid"]
assert Counter(map(canon, q0)) == Counter(map(canon, bids)), (len(q0), len(bids))
expected = Counter((e["auction"], e["price"]) for e in events
                   if e["type"] == "bid" and e["auction"] % 123 == 0)
got = Counter((r["auction"], r["price"]) for r in q2)
assert got == expected and sum(got.values()) > 0, (sum(got.values()), sum(expected.values()))
print(f"checked: nexmark-q0 wrote the {len(q0)} input bids once each; "
      f"nexmark-q2 selected exactly the {sum(got.values())} bids with auction % 123 == 0")
PY
for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "a job exited non-zero after SIGTERM"; done
pids=()
echo "checked: SIGTERM stops both jobs with exit code 0"
stop_serve
