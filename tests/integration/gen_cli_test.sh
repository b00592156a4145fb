#!/usr/bin/env bash
# `edgestream gen ads` against `edgestream serve`: every record it counts is on the topics, keyed
# by user with the event time as timestamp; the same seed gives the same topic contents; bad
# arguments exit 2. Checks counts and contents, never timings.
#   tests/integration/gen_cli_test.sh path/to/edgestream
set -euo pipefail

source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }

start_ms=1700000000000
# Short delays, so that 2 s of event time (20000 records at 10000/s) holds clicks and conversions.
gen_args=(gen ads --events 20000 --seed 7 --start-ms "$start_ms" --click-delay-ms 200
    --conversion-delay-ms 500 --json)

es "${gen_args[@]}" >"$dir/gen.json" 2>"$dir/gen.err" || fail "gen ads: $(cat "$dir/gen.err")"
grep -q "events/s" "$dir/gen.err" || fail "gen ads --json printed no progress header on stderr"
python3 - "$dir/gen.json" <<'PY' || fail "gen ads JSON: $(cat "$dir/gen.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["events"] == 20000, r
assert r["impressions"] + r["clicks"] + r["conversions"] == 20000, r
assert r["delivered"] == 20000 and r["failed"] == 0, r
assert r["impressions"] > 0 and r["clicks"] > 200 and r["conversions"] > 10, r
assert r["topics"] == {"impressions": "ad-impressions", "clicks": "ad-clicks",
                       "conversions": "ad-conversions"}, r
PY
echo "checked: gen ads --events 20000 --json exits 0 with 20000 delivered, progress on stderr"

# consume_all PREFIX: each topic read to its end as JSON lines, into $dir/PREFIXTYPE.jsonl.
consume_all() {
    for t in impressions clicks conversions; do
        es consume "$1$t" -e --format json >"$dir/$1$t.jsonl" 2>"$dir/consume.err" ||
            fail "consume $1$t: $(cat "$dir/consume.err")"
    done
}
consume_all ad-

python3 - "$dir" "$dir/gen.json" <<'PY' || fail "the topics do not hold what gen ads counted"
import json, sys
d, summary = sys.argv[1], json.load(open(sys.argv[2]))
ids = {"impressions": "impression_id", "clicks": "click_id", "conversions": "conversion_id"}
for t, id_field in ids.items():
    lines = [json.loads(l) for l in open(f"{d}/ad-{t}.jsonl")]
    assert len(lines) == summary[t], (t, len(lines), summary[t])
    for m in lines:
        v = json.loads(m["value"])
        assert v[id_field], m
        assert m["key"] == v["user"], m            # keyed by user: co-partitioned topics
        assert m["timestamp"] == v["ts"], m        # the record timestamp is the event time
    print(f"  ad-{t}: {len(lines)} records, keyed by user, timestamp = ts")
# Co-partitioned: a click is in the partition of its impression.
where = {}
for l in open(f"{d}/ad-impressions.jsonl"):
    m = json.loads(l)
    where[json.loads(m["value"])["impression_id"]] = m["partition"]
for l in open(f"{d}/ad-clicks.jsonl"):
    m = json.loads(l)
    assert where[json.loads(m["value"])["impression_id"]] == m["partition"], m
PY
echo "checked: each topic holds exactly the summary's count, keyed by user, timestamped by ts;" \
    "clicks are in their impression's partition"

# The same seed and start into another prefix: the same values, in the same order, per partition.
es "${gen_args[@]}" --prefix copy- >"$dir/copy.json" 2>"$dir/copy.err" ||
    fail "gen ads --prefix copy-: $(cat "$dir/copy.err")"
consume_all copy-
python3 - "$dir" <<'PY' || fail "two runs with the same seed differ"
import json, sys
from collections import defaultdict
d = sys.argv[1]
def contents(prefix, t):
    parts = defaultdict(list)
    for l in open(f"{d}/{prefix}{t}.jsonl"):
        m = json.loads(l)
        parts[m["partition"]].append((m["key"], m["value"], m["timestamp"]))
    return dict(parts)
for t in ("impressions", "clicks", "conversions"):
    a, b = contents("ad-", t), contents("copy-", t)
    assert a == b, t
    print(f"  {t}: {sum(map(len, a.values()))} records in {len(a)} partitions, identical")
PY
echo "checked: the same seed into two prefixes gives identical topic contents per partition"

es gen ads --rate 2000 --duration 2 --prefix paced- >"$dir/paced.txt" 2>"$dir/paced.err" ||
    fail "gen ads --rate 2000 --duration 2: $(cat "$dir/paced.err")"
grep -E '^delivered +[0-9]+$' "$dir/paced.txt" >/dev/null ||
    fail "no summary: $(cat "$dir/paced.txt")"
[ "$(grep -cE '^ +[0-9]+ +[0-9]+ ' "$dir/paced.err")" -ge 1 ] ||
    fail "no progress line per second: $(cat "$dir/paced.err")"
echo "checked: gen ads --rate 2000 --duration 2 prints progress lines and a summary table"

# expect_usage MESSAGE-REGEX ARGS...: exit 2, and stderr names what was wrong.
expect_usage() {
    local pattern=$1
    shift
    set +e
    es gen "$@" >/dev/null 2>"$dir/usage.err"
    local code=$?
    set -e
    [ "$code" -eq 2 ] || fail "gen $* exited $code, not 2"
    grep -qiE -- "$pattern" "$dir/usage.err" ||
        fail "gen $*: no message matching $pattern: $(cat "$dir/usage.err")"
}
expect_usage "ctr must be a probability" ads --events 10 --ctr 1.5
expect_usage "users must be in" ads --events 10 --users 0
expect_usage "late_by_ms|disorder" ads --events 10 --disorder-ms 4000000
expect_usage "--rate" ads --events 10 --rate -1
expect_usage "excludes|--duration" ads --events 10 --duration 5
expect_usage "no-such-option|extra|not expected" ads --no-such-option
set +e
"$bin" gen >/dev/null 2>"$dir/usage.err"; code=$?
set -e
[ "$code" -eq 2 ] || fail "gen without a subcommand exited $code, not 2"
grep -qi "subcommand" "$dir/usage.err" || fail "gen without a subcommand: $(cat "$dir/usage.err")"
echo "checked: bad arguments (--ctr 1.5, --users 0, --disorder-ms beyond lateness, --rate -1," \
    "--events with --duration, an unknown option, no subcommand) exit 2 with a message"

stop_serve
