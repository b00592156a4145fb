#!/usr/bin/env bash
# The ad-attribution job under load (issue #8), on one machine with the broker, everything
# measured in the same run so that the ratios survive a noisy machine.
#
#   bench/attribution.sh BUILD_DIR [--quick]        (`make bench` runs it; --quick: ~1 min)
#
# Steps:
#   1. edgestream serve on free 127.0.0.1 ports, data in a temporary directory under BUILD_DIR.
#   2. Input limit: `edgestream gen ads` sends N events as fast as the broker takes them
#      (acks=all, idempotent): the most a job on this broker could be fed.
#   3. Catch-up throughput: the job reads those N events from the beginning, exactly-once, then
#      again at-least-once (its own application id and state): events per second from its first
#      record to zero lag on every input and repartition partition.
#   4. Latency: a fresh set of topics fed at half the exactly-once catch-up rate for S seconds,
#      in event-time order (no generator disorder, no late events) with the job's waits set to
#      zero (out-of-orderness 0, allowed lateness 0), so what remains is the engine's: watermark
#      steps of the sparse conversions input, the commit interval, the transaction, the work.
#      A read_committed consumer stamps each attributed record on arrival; latency = arrival
#      minus the conversion's event time (the generator paces event time on the wall clock).
# Output: a table on stdout; raw outputs in BUILD_DIR/bench-results/attribution/.
#
# Environment: ES_ATTR_EVENTS (default 3000000, --quick 200000), ES_ATTR_LATENCY_SECONDS
# (default 20, --quick 8), ES_ATTR_PARTITIONS (default 4), ES_ATTR_COMMIT_MS and
# ES_ATTR_IDLE_MS (the latency run's commit interval and idle timeout, default 50 each: the
# conversions input is sparse, so its idleness bounds how soon the watermark passes a conversion).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -x $es ]] || die "$es is missing; build it with: make build"
if (( quick )); then
    events=${ES_ATTR_EVENTS:-200000}; latency_s=${ES_ATTR_LATENCY_SECONDS:-8}
else
    events=${ES_ATTR_EVENTS:-3000000}; latency_s=${ES_ATTR_LATENCY_SECONDS:-20}
fi
partitions=${ES_ATTR_PARTITIONS:-4}
bench_workspace attribution

start_serve "$work/data" "$out/serve.log"
pids+=("$serve_pid")
log "broker on $brokers, data in $work/data"

# --- input limit -----------------------------------------------------------------------------
log "generating $events events as fast as the broker takes them"
"$es" gen ads --brokers "$brokers" --events "$events" --partitions "$partitions" --json \
    >"$out/gen.json" 2>"$out/gen.err"
gen_rate=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["events_per_s"]))' \
    "$out/gen.json")

# catch_up NAME GUARANTEE: events/s of the job over the backlog, and its state at the end.
catch_up() {
    local name=$1 guarantee=$2 mport t0 t1
    mport=$(free_port)
    "$es" run ad-attribution --brokers "$brokers" --application-id "bench-$name" \
        --state-dir "$work/state-$name" --guarantee "$guarantee" \
        --metrics-addr "127.0.0.1:$mport" >"$out/job-$name.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    # The backlog is done when the ad-* inputs have no lag (the job's own repartition topics
    # are not the backlog).
    read -r t0 t1 < <(await_catch_up "$mport" "$pid" "$events" ad- "$out/job-$name.log")
    [[ -n ${t1:-} ]] || die "job $name did not catch up (see $out/job-$name.log)"
    curl -sf "http://127.0.0.1:$mport/v1/job" >"$out/job-$name.json"
    kill -TERM "$pid"
    wait "$pid" || true
    python3 - "$out/job-$name.json" "$t0" "$t1" "$events" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t0, t1, n = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
entries = sum(t["state_entries"] for t in j["tasks"])
size = sum(t["state_bytes"] for t in j["tasks"])
print(f'{n / (t1 - t0):.0f} {t1 - t0:.2f} {j["commits"]} {j["max_commit_us"] / 1000:.0f} {entries} {size}')
PY
}

log "catch-up, exactly-once"
read -r eos_rate eos_s eos_commits eos_max_commit eos_entries eos_bytes < <(catch_up eos exactly_once)
log "catch-up, at-least-once"
read -r alo_rate alo_s _ _ _ _ < <(catch_up alo at_least_once)

# --- latency at half the exactly-once rate ---------------------------------------------------
rate=$((eos_rate / 2))
commit_ms=${ES_ATTR_COMMIT_MS:-50}
idle_ms=${ES_ATTR_IDLE_MS:-50}
(( rate > 0 )) || rate=1000
for t in impressions clicks conversions attributed campaign-stats late-events; do
    "$es" topic create "lat-$t" -p "$partitions" --brokers "$brokers" >/dev/null
done
mport=$(free_port)
"$es" run ad-attribution --brokers "$brokers" --application-id bench-latency \
    --state-dir "$work/state-latency" --metrics-addr "127.0.0.1:$mport" \
    --commit-interval-ms "$commit_ms" -p prefix=lat- -p out-of-orderness=0ms \
    -p allowed-lateness=0ms -p idle-timeout="${idle_ms}ms" >"$out/job-latency.log" 2>&1 &
job_pid=$!
pids+=($job_pid)
# The clock starts once the job has its tasks: group formation is not the engine's latency.
await_tasks "$mport" || true
"$es" consume lat-attributed --brokers "$brokers" -X isolation.level=read_committed |
    python3 -u -c '
import sys, time
for line in sys.stdin:
    print(int(time.time() * 1000), line.strip(), flush=True)' >"$out/latency-records.txt" &
reader_pid=$!
pids+=($reader_pid)
log "latency: $rate events/s for $latency_s s"
start_ms=$(now_ms)
"$es" gen ads --brokers "$brokers" --prefix lat- --partitions "$partitions" --rate "$rate" \
    --duration "$latency_s" --disorder-ms 0 --late-share 0 --duplicate-share 0 \
    --click-delay-ms 500 --conversion-delay-ms 1000 --json >"$out/gen-latency.json" \
    2>"$out/gen-latency.err"
sleep 3
kill -TERM "$job_pid" 2>/dev/null || true
wait "$job_pid" 2>/dev/null || true
pkill -P "$$" -f "consume lat-attributed" 2>/dev/null || true
kill "$reader_pid" 2>/dev/null || true
read -r lat_n lat_p50 lat_p99 lat_max < <(python3 - "$out/latency-records.txt" "$start_ms" <<'PY'
import json, sys
start = int(sys.argv[2]) + 3000  # the first three seconds warm up (first transactions)
lat = []
for line in open(sys.argv[1]):
    arrived, _, doc = line.partition(" ")
    try:
        c = json.loads(doc)
    except ValueError:
        continue
    if c.get("conversion_ts", 0) >= start:
        lat.append(int(arrived) - c["conversion_ts"])
lat.sort()
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else -1
print(len(lat), pick(0.5), pick(0.99), lat[-1] if lat else -1)
PY
)

fmt() { python3 -c 'import sys; print(f"{float(sys.argv[1]):,.0f}")' "$1"; }
ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.3f}")' "$1" "$2"; }
printf '\nad-attribution on edgestream, %s events over %s partitions, broker on the same machine\n\n' \
    "$(fmt "$events")" "$partitions"
printf '%-58s %14s %10s\n' "MEASURE" "VALUE" "RATIO"
printf '%-58s %14s %10s\n' "input limit: gen ads -> broker (events/s, acks=all)" "$(fmt "$gen_rate")" "1.000"
printf '%-58s %14s %10s\n' "job catch-up, exactly-once (events/s)" "$(fmt "$eos_rate")" "$(ratio "$eos_rate" "$gen_rate")"
printf '%-58s %14s %10s\n' "job catch-up, at-least-once (events/s)" "$(fmt "$alo_rate")" "$(ratio "$alo_rate" "$gen_rate")"
printf '%-58s %14s %10s\n' "  exactly-once: commits / longest commit (ms)" "$eos_commits / $eos_max_commit" ""
printf '%-58s %14s %10s\n' "  exactly-once: state entries / bytes (RocksDB estimate)" "$(fmt "$eos_entries") / $(fmt "$eos_bytes")" ""
printf '%-58s %14s %10s\n' "latency at $(fmt "$rate") events/s: attributed records" "$lat_n" ""
printf '%-58s %14s %10s\n' "  commit interval / idle timeout (ms)" "$commit_ms / $idle_ms" ""
printf '%-58s %14s %10s\n' "  event time -> read_committed consumer p50 / p99 / max (ms)" "$lat_p50 / $lat_p99 / $lat_max" ""
echo
echo "goal (issue #8): 600,000 events/s exactly-once, p99 < 200 ms; raw outputs in $out"
