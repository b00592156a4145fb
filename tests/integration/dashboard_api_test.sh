#!/usr/bin/env bash
# The dashboard's JSON API and event stream (docs/dashboard.md) on `edgestream serve`'s admin
# address, then from `edgestream dashboard --brokers` alone: topics with rates, a kcat consumer
# group that turns STOP once killed (and raises consumer_stalled), job figures from the job
# metrics topic, campaign windows, and /v1/stream events.
#   tests/integration/dashboard_api_test.sh path/to/edgestream
set -euo pipefail

source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }
kcat_pid=
producer_pid=
dash_pid=
cleanup() {
    for pid in "$kcat_pid" "$producer_pid" "$dash_pid"; do
        if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    fixture_cleanup
}
trap cleanup EXIT

# Retries `$@` (a check) for up to 60 s.
eventually() {
    for _ in $(seq 1 120); do
        if "$@" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    "$@"
}

# jcheck BASE PATH EXPR: fetches BASE/PATH and evaluates the Python expression EXPR over it
# (`d`: the parsed answer; `find(list, key, value)`: the first item whose key has the value).
jcheck() {
    python3 - "$1$2" "$3" <<'PY'
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
def find(items, key, value):
    return next((i for i in items if i.get(key) == value), None)
ok = eval("(" + sys.argv[2] + ")")  # multi-line expressions
if not ok:
    print(f"{sys.argv[1]}: not true: {sys.argv[2]}\n{json.dumps(d)[:3000]}", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# stream_events BASE: reads /v1/stream until two snapshot events arrived (10 s at most) and
# checks their data.
stream_events() {
    python3 - "$1/v1/stream" <<'PY'
import json, sys, time, urllib.request
r = urllib.request.urlopen(sys.argv[1], timeout=10)
assert r.headers["Content-Type"].startswith("text/event-stream"), r.headers["Content-Type"]
events, event, deadline = [], None, time.time() + 10
while len(events) < 2 and time.time() < deadline:
    line = r.readline().decode().rstrip("\n")
    if line.startswith("event: "):
        event = line[7:]
    elif line.startswith("data: ") and event == "snapshot":
        events.append(json.loads(line[6:]))
        event = None
assert len(events) == 2, f"{len(events)} snapshot events"
for e in events:
    assert set(e) == {"overview", "topics", "groups", "jobs", "attribution", "alerts"}, set(e)
assert events[1]["overview"]["time"] >= events[0]["overview"]["time"]
PY
}

api="http://127.0.0.1:$admin_port"
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

# --- topics -------------------------------------------------------------------------------
es topic create dtopic --partitions 2 >/dev/null || fail "topic create"
seq 1 50 | es produce dtopic 2>/dev/null || fail "produce"
eventually jcheck "$api" /v1/topics \
    'find(d["topics"], "name", "dtopic") and find(d["topics"], "name", "dtopic")["messages"] == 50' ||
    fail "dtopic with 50 messages never showed in /v1/topics"
jcheck "$api" /v1/topics 'all(set(p) == {"partition", "leader", "start_offset", "end_offset",
    "msgs_per_s"} for p in find(d["topics"], "name", "dtopic")["partitions"])
    and find(d["topics"], "name", "dtopic")["internal"] is False' || fail "topic fields"
echo "checked: /v1/topics lists dtopic with 2 partitions, offsets and 50 messages"

# A steady trickle of records, so that rates move.
(while true; do seq 1 20 | "$bin" produce dtopic --brokers "$brokers" 2>/dev/null; sleep 0.3; done) &
producer_pid=$!
eventually jcheck "$api" /v1/overview '(d["in_msgs_per_s"] or 0) > 0 and d["topics"] >= 1
    and d["partitions"] >= 2 and len(d["brokers"]) == 1 and "latency_ms" in d' ||
    fail "overview: no input rate"
eventually jcheck "$api" /v1/topics '(find(d["topics"], "name", "dtopic")["msgs_per_s"] or 0) > 0' ||
    fail "topics: no rate"
echo "checked: /v1/overview and /v1/topics rates move while records arrive"

# --- a consumer group that is killed ------------------------------------------------------
kcat -b "$brokers" -G dgroup -q -u -X auto.offset.reset=earliest -X auto.commit.interval.ms=100 \
    -X session.timeout.ms=6000 dtopic >/dev/null 2>"$dir/kcat.err" &
kcat_pid=$!
eventually jcheck "$api" /v1/groups 'find(d["groups"], "group", "dgroup") and
    find(d["groups"], "group", "dgroup")["members"] == 1 and
    find(d["groups"], "group", "dgroup")["status"] == "OK" and
    find(d["groups"], "group", "dgroup")["state"] == "Stable" and
    len(find(d["groups"], "group", "dgroup")["partitions"]) == 2' ||
    fail "dgroup never Stable and OK: $(cat "$dir/kcat.err")"
eventually jcheck "$api" /v1/overview '(d["out_msgs_per_s"] or 0) > 0' || fail "no output rate"
jcheck "$api" /v1/groups 'all(set(p) == {"topic", "partition", "committed", "end_offset", "lag",
    "status"} for p in find(d["groups"], "group", "dgroup")["partitions"])
    and len(find(d["groups"], "group", "dgroup")["history"]) > 0' || fail "group fields"
echo "checked: /v1/groups shows kcat's group Stable, 1 member, OK, with history; out rate moves"

kill -KILL "$kcat_pid"
kcat_pid=
eventually jcheck "$api" /v1/groups 'find(d["groups"], "group", "dgroup")["status"] == "STOP"
    and find(d["groups"], "group", "dgroup")["lag"] > 0
    and find(d["groups"], "group", "dgroup")["members"] == 0' ||
    fail "the killed group never turned STOP with lag"
jcheck "$api" /v1/alerts 'any(a["rule"] == "consumer_stalled" and a["subject"] == "dgroup"
    and a["severity"] == "critical" and a["since"] > 0 and a["message"] for a in d["alerts"])' ||
    fail "no consumer_stalled alert"
jcheck "$api" /v1/overview 'any(a["rule"] == "consumer_stalled" for a in d["alerts"])' ||
    fail "overview without the alert"
echo "checked: the killed consumer's group turns STOP with lag > 0 and raises consumer_stalled"

# --- jobs, from the job metrics topic -----------------------------------------------------
es topic create edgestream-job-metrics --partitions 1 -c cleanup.policy=compact >/dev/null ||
    fail "create metrics topic"
job_record() { # time processed
    printf 'demo-job\t{"job":"demo-job","time":%s,"records_processed":%s,"records_sent":0,' "$1" "$2"
    printf '"bad_records":1,"commits":7,"aborts":0,"rebalances":1,"restored_records":0,'
    printf '"last_commit_us":2000,"max_commit_us":5000,"consumer_lag":3,"tasks":[{"task":"0_0",'
    printf '"thread":"demo-job-abc-0","watermark":%s,"state_entries":4,"state_bytes":512,' "$(($1 - 1500))"
    printf '"operators":[{"node":"source","in":%s,"out":%s,"late":2,"dropped":0}]}]}\n' "$2" "$2"
}
t=$(now_ms)
{ job_record $((t - 5000)) 1000; job_record "$t" 1500; } |
    es produce edgestream-job-metrics -K $'\t' 2>/dev/null || fail "produce job metrics"
eventually jcheck "$api" /v1/jobs 'find(d["jobs"], "job", "demo-job") and
    find(d["jobs"], "job", "demo-job")["records_per_s"] == 100 and
    find(d["jobs"], "job", "demo-job")["instances"] == 1' || fail "demo-job never showed"
jcheck "$api" /v1/jobs 'set(find(d["jobs"], "job", "demo-job")) >= {"job", "instances",
    "records_per_s", "records_processed", "bad_records", "commits", "last_commit_ms",
    "max_commit_ms", "consumer_lag", "watermark_lag_ms", "late_records", "state_entries",
    "state_bytes", "thread_restarts", "updated", "operators"}
    and find(d["jobs"], "job", "demo-job")["watermark_lag_ms"] == 1500
    and find(d["jobs"], "job", "demo-job")["operators"][0]["in_per_s"] == 100' ||
    fail "job fields"
echo "checked: /v1/jobs reads demo-job from the metrics topic: 100 records/s from two records"

# --- attribution --------------------------------------------------------------------------
es topic create ad-campaign-stats --partitions 1 >/dev/null || fail "create stats topic"
window() { # campaign end revenue
    printf '%s\t{"campaign":"%s","start":%s,"end":%s,"impressions":100,"clicks":10,' "$1" "$1" \
        $(($2 - 60000)) "$2"
    printf '"conversions":2,"revenue":%s,"ctr":0.1,"cvr":0.2}\n' "$3"
}
{ window c1 60000 5.5; window c2 60000 9.25; window c1 120000 7; } |
    es produce ad-campaign-stats -K $'\t' 2>/dev/null || fail "produce stats"
eventually jcheck "$api" /v1/attribution 'd["topic"] == "ad-campaign-stats" and
    [(c["campaign"], c["window_end"], c["revenue"]) for c in d["campaigns"]] ==
    [("c2", 60000, 9.25), ("c1", 120000, 7)]' || fail "attribution"
echo "checked: /v1/attribution holds each campaign's latest window, highest revenue first"

# --- the event stream and the page --------------------------------------------------------
stream_events "$api" || fail "/v1/stream"
echo "checked: /v1/stream delivers snapshot events with the six objects"
python3 - "$api" <<'PY' || fail "page"
import sys, urllib.request
r = urllib.request.urlopen(sys.argv[1] + "/", timeout=5)
assert r.headers["Content-Type"].startswith("text/html"), r.headers["Content-Type"]
assert r.headers["Cache-Control"] == "no-cache"
assert b"<" in r.read()
PY
echo "checked: / serves the page as text/html, no-cache"

# --- edgestream dashboard alone -----------------------------------------------------------
dash_port=$(free_port)
"$bin" dashboard --brokers "$brokers" --addr "127.0.0.1:$dash_port" >"$dir/dashboard.log" 2>&1 &
dash_pid=$!
dash="http://127.0.0.1:$dash_port"
eventually jcheck "$dash" /v1/groups 'find(d["groups"], "group", "dgroup") and
    find(d["groups"], "group", "dgroup")["status"] == "STOP"' ||
    fail "standalone dashboard: $(cat "$dir/dashboard.log")"
eventually jcheck "$dash" /v1/topics 'find(d["topics"], "name", "dtopic")["messages"] >= 50' ||
    fail "standalone topics"
eventually jcheck "$dash" /v1/jobs 'find(d["jobs"], "job", "demo-job")' || fail "standalone jobs"
eventually jcheck "$dash" /v1/alerts 'any(a["rule"] == "consumer_stalled" for a in d["alerts"])' ||
    fail "standalone alerts"
stream_events "$dash" || fail "standalone /v1/stream"
kill -TERM "$dash_pid"
wait "$dash_pid" || fail "edgestream dashboard exited non-zero after SIGTERM"
dash_pid=
echo "checked: edgestream dashboard --brokers alone serves the same API and stops on SIGTERM"

# --- stopping with an open event stream ---------------------------------------------------
kill -KILL "$producer_pid"
wait "$producer_pid" 2>/dev/null || true
producer_pid=
python3 -c 'import sys, urllib.request
r = urllib.request.urlopen(sys.argv[1] + "/v1/stream", timeout=60)
while r.readline(): pass' "$api" >/dev/null 2>&1 &
reader_pid=$!
sleep 1
stop_serve
wait "$reader_pid" || true
echo "checked: serve stops with an open /v1/stream connection"
