#!/usr/bin/env bash
# Nexmark (issue #11): every query's throughput on the engine alone and through the broker, and
# the output latency of q0-q2, beside Flink's published per-core figures, in one table.
#
#   bench/nexmark.sh BUILD_DIR [--quick]        (`make bench` runs it; about 8 min, --quick ~3)
#
# Steps, all on this machine in the same run:
#   a. In process, engine only: `edgestream bench nexmark --query all`: the generator's events
#      turned into their JSON records before timing, then each query's topology through the
#      TestDriver on one thread (one partition, a commit every 10,000 records, RocksDB state in
#      a fresh directory; event time spans 10 s, as 100M events at 10M/s do in Flink's run).
#      Events/s of one thread, and per core (over the larger of wall and process CPU time),
#      against Flink's published Throughput/Cores.
#   b. Through the broker, exactly-once: `edgestream serve` on free 127.0.0.1 ports, data in a
#      temporary directory under BUILD_DIR; `gen nexmark --events N` as fast as the broker takes
#      them (acks=all, idempotent): the input limit. Then each query, `edgestream run nexmark-qN`
#      with its own application id and state, catches up from the beginning: events per second
#      from its first processed record to zero consumer lag on nexmark-events (lag measured
#      every 100 ms). q13's side input (10,000 keys) is written first. The job's defaults: one stream thread per core, 100 ms commits.
#   c. Latency, q0-q2: a fresh input topic fed at half of that query's measured exactly-once
#      rate by `gen nexmark --rate R --start-ms <now>` (event time = wall clock of sending); a
#      read_committed consumer stamps each output record on arrival; latency = arrival minus the
#      bid's date_time (q2's output has none: it is looked up by (auction, price) in the input).
#      The first 3 s are warm-up and not counted.
# Output: the table on stdout; raw outputs in BUILD_DIR/bench-results/nexmark/.
#
# Environment: ES_NEXMARK_EVENTS (in process, per query; default 500000, --quick 100000),
# ES_NEXMARK_BROKER_EVENTS (default 300000, --quick 100000), ES_NEXMARK_QUERIES (default all,
# e.g. q0,q1,q2), ES_NEXMARK_LATENCY_SECONDS (default 12, --quick 6), ES_NEXMARK_PARTITIONS
# (default 4), ES_NEXMARK_STEPS (default inprocess,broker,latency).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -x $es ]] || die "$es is missing; build it with: make build"
if (( quick )); then
    events=${ES_NEXMARK_EVENTS:-100000}; broker_events=${ES_NEXMARK_BROKER_EVENTS:-100000}
    latency_s=${ES_NEXMARK_LATENCY_SECONDS:-6}
else
    events=${ES_NEXMARK_EVENTS:-500000}; broker_events=${ES_NEXMARK_BROKER_EVENTS:-300000}
    latency_s=${ES_NEXMARK_LATENCY_SECONDS:-12}
fi
queries=${ES_NEXMARK_QUERIES:-all}
partitions=${ES_NEXMARK_PARTITIONS:-4}
steps=${ES_NEXMARK_STEPS:-inprocess,broker,latency}
step() { [[ ,$steps, == *,$1,* ]]; }
bench_workspace nexmark
if [[ $queries == all ]]; then
    query_list=$("$es" run --list | awk '$1 ~ /^nexmark-q/ { sub("nexmark-", "", $1); print $1 }' | sort -V)
else
    query_list=${queries//,/ }
fi
query_list=$(echo $query_list)  # one line
echo "{\"cpus\": $(nproc), \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\", \"load_before\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >"$out/machine.json"
log "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs); queries: $query_list"

# --- a. in process ---------------------------------------------------------------------------
if step inprocess; then
    log "in process: $events events per query, on one thread"
    "$es" bench nexmark --query "${query_list// /,}" --events "$events" --state-dir "$work" \
        --json >"$out/inprocess.json" 2>"$out/inprocess.err" ||
        { cat "$out/inprocess.err" >&2; die "bench nexmark failed"; }
    grep -v '^$' "$out/inprocess.err" >&2 || true
fi

# --- b. through the broker, exactly-once -----------------------------------------------------
if step broker || step latency; then
    start_serve "$work/data" "$out/serve.log"
    pids+=("$serve_pid")
    log "broker on $brokers, data in $work/data"
fi

# run_job NAME QUERY ARGS...: starts `edgestream run nexmark-QUERY` in the background with its
# own application id, state and metrics port; sets job_pid and job_port.
run_job() {
    local name=$1 query=$2
    shift 2
    job_port=$(free_port)
    "$es" run "nexmark-$query" --brokers "$brokers" --application-id "bench-$name" \
        --state-dir "$work/state-$name" --metrics-addr "127.0.0.1:$job_port" \
        --metrics-interval-ms 100 "$@" >"$out/job-$name.log" 2>&1 &
    job_pid=$!
    pids+=("$job_pid")
}
stop_job() {
    kill -TERM "$job_pid" 2>/dev/null || true
    wait "$job_pid" 2>/dev/null || true
}

if step broker; then
    log "input limit: $broker_events events as fast as the broker takes them"
    "$es" gen nexmark --brokers "$brokers" --events "$broker_events" --partitions "$partitions" \
        --json >"$out/gen.json" 2>"$out/gen.err" || { cat "$out/gen.err" >&2; die "gen nexmark failed"; }
    if [[ " $query_list " == *" q13 "* ]]; then
        "$es" topic create nexmark-side-input -p "$partitions" -c cleanup.policy=compact \
            --brokers "$brokers" >/dev/null
        seq 0 9999 | sed 's/.*/&:side-&/' |
            "$es" produce nexmark-side-input -K : --brokers "$brokers" 2>"$out/side-input.err" >/dev/null
    fi
    echo -n >"$out/broker.txt"
    for q in $query_list; do
        run_job "$q" "$q"
        read -r t0 t1 < <(await_catch_up "$job_port" "$job_pid" "$broker_events" nexmark-events \
            "$out/job-$q.log")
        [[ -n ${t1:-} ]] || die "$q did not catch up (see $out/job-$q.log)"
        curl -sf "http://127.0.0.1:$job_port/v1/job" >"$out/job-$q.json" || true
        stop_job
        echo "$q $t0 $t1" >>"$out/broker.txt"
        log "$q: $(python3 -c 'import sys; print(f"{int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):,.0f}")' \
            "$broker_events" "$t0" "$t1") events/s exactly-once"
    done
fi

# --- c. latency at half of the measured exactly-once rate, q0-q2 -----------------------------
if step latency && [[ -s $out/broker.txt ]]; then
    for q in q0 q1 q2; do
        line=$(grep "^$q " "$out/broker.txt" || true)
        [[ -n $line ]] || continue
        read -r _ t0 t1 <<<"$line"
        rate=$(python3 -c 'import sys; print(max(1000, int(int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])) / 2)))' \
            "$broker_events" "$t0" "$t1")
        input=lat-$q-events
        output=lat-$q
        "$es" topic create "$input" -p "$partitions" --brokers "$brokers" >/dev/null
        "$es" topic create "$output" -p "$partitions" --brokers "$brokers" >/dev/null
        run_job "latency-$q" "$q" -p input="$input" -p output="$output"
        await_tasks "$job_port" || die "the latency job of $q did not start (see $out/job-latency-$q.log)"
        # The stamp is taken as each line is read; the consumer's pid is $! (ended by it below).
        "$es" consume "$output" --brokers "$brokers" -X isolation.level=read_committed \
            2>/dev/null > >(python3 -c '
import sys, time
for line in sys.stdin:
    print(int(time.time() * 1000), line.strip())' >"$out/latency-$q.txt") &
        reader_pid=$!
        pids+=("$reader_pid")
        log "latency of $q: $rate events/s for $latency_s s"
        start_ms=$(now_ms)
        echo "$start_ms" >"$out/latency-$q.start"
        "$es" gen nexmark --brokers "$brokers" --topic "$input" --partitions "$partitions" \
            --rate "$rate" --duration "$latency_s" --start-ms "$start_ms" --json \
            >"$out/gen-latency-$q.json" 2>"$out/gen-latency-$q.err"
        sleep 3
        stop_job
        kill "$reader_pid" 2>/dev/null || true
        wait "$reader_pid" 2>/dev/null || true
        sleep 0.5  # the stamping reader ends at the consumer's end of file
        if [[ $q == q2 ]]; then
            "$es" consume "$input" --brokers "$brokers" -e >"$out/latency-$q-input.jsonl" 2>/dev/null
        fi
        echo "$rate" >"$out/latency-$q.rate"
    done
fi

# --- the table -------------------------------------------------------------------------------
python3 - "$out" "$broker_events" "$query_list" <<'PY'
import json, os, sys

out, broker_events, queries = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
# Flink 1.13, nexmark/nexmark README: 3 workers x 8 cores, parallelism 8, exactly-once
# checkpoints every 3 min, RocksDB, 100M events; Throughput/Cores (all events per CPU core).
flink = {"q0": 155.02e3, "q1": 157.94e3, "q2": 175.21e3, "q3": 152.12e3, "q4": 34.33e3,
         "q5": 22.14e3, "q7": 12.33e3, "q8": 146.14e3, "q9": 14.24e3, "q11": 39.7e3,
         "q12": 75.67e3, "q13": 130.73e3, "q14": 161.23e3, "q15": 72.42e3, "q16": 18.65e3,
         "q17": 116.8e3, "q18": 53.7e3, "q19": 44.04e3, "q20": 18.98e3, "q21": 98.49e3,
         "q22": 129.96e3}

def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None

machine = load("machine.json")
inproc = {q["query"]: q for q in (load("inprocess.json") or {"queries": []})["queries"]}
gen = load("gen.json")
limit = gen["events_per_s"] if gen else None
broker = {}
if os.path.exists(os.path.join(out, "broker.txt")):
    for line in open(os.path.join(out, "broker.txt")):
        q, t0, t1 = line.split()
        broker[q] = broker_events / (float(t1) - float(t0))

def p99(q):
    path = os.path.join(out, f"latency-{q}.txt")
    if not os.path.exists(path):
        return None
    start = int(open(os.path.join(out, f"latency-{q}.start")).read()) + 3000
    times = None
    if q == "q2":  # the output has no date_time: the bid's, by (auction, price)
        times = {}
        for line in open(os.path.join(out, f"latency-{q}-input.jsonl")):
            e = json.loads(line)
            if e.get("type") == "bid":
                times.setdefault((e["auction"], e["price"]), []).append(e["date_time"])
        for v in times.values():
            v.sort()
    lat = []
    for line in open(path):
        arrived, _, doc = line.partition(" ")
        try:
            r = json.loads(doc)
        except ValueError:
            continue
        if times is None:
            t = r["date_time"]
        else:
            candidates = times.get((r["auction"], r["price"]))
            if not candidates:
                continue
            t = candidates.pop(0)
        if t >= start:
            lat.append(int(arrived) - t)
    lat.sort()
    if not lat:
        return None
    return lat[min(len(lat) - 1, int(0.99 * len(lat)))], len(lat)

def rate(v):
    if v is None:
        return "-"
    return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.0f}k"

print()
if machine:
    print(f"Nexmark on edgestream: {machine['cpus']} x {machine['cpu']}, load before "
          f"{machine['load_before']}")
if inproc:
    any_q = next(iter(inproc.values()))
    print(f"in process: {any_q['events']:,} events per query, records made before timing, one "
          "thread, one partition, commits every 10,000 records")
if limit:
    print(f"broker: {broker_events:,} events, {gen.get('topic')} over the job's defaults "
          f"(exactly-once, a thread per core, 100 ms commits); input limit (gen nexmark, "
          f"acks=all) {limit:,.0f} events/s")
print()
head = (f"{'query':<6}{'in-process/core':>16}{'Flink/core':>12}{'x Flink':>9}{'goal':>7}"
        f"{'broker EOS':>12}{'/ limit':>9}{'p99 ms':>14}")
print(head)
print("-" * len(head))
met = goals = 0
for q in queries:
    i = inproc.get(q)
    per_core = i["events_per_core_s"] if i else None
    f = flink.get(q)
    x = per_core / f if per_core and f else None
    goal = 3 * f if f else None
    if goal and q in ("q0", "q1", "q2"):
        goal = max(goal, 2e6)
    ok = per_core is not None and goal is not None and per_core >= goal
    met += ok
    goals += goal is not None and per_core is not None
    b = broker.get(q)
    lat = p99(q)
    print(f"{q:<6}{rate(per_core):>16}{rate(f):>12}{(f'{x:.1f}x' if x else '-'):>9}"
          f"{('met' if ok else 'no') if per_core and goal else '-':>7}{rate(b):>12}"
          f"{(f'{b / limit:.2f}' if b and limit else '-'):>9}"
          f"{(f'{lat[0]} ({lat[1]})' if lat else '-'):>14}")
print()
print("in-process/core: events (persons, auctions, bids) / max(wall, process CPU) s; Flink/core: "
      "Flink 1.13's published Throughput/Cores (nexmark/nexmark README: 3 x 8 cores, "
      "parallelism 8, exactly-once checkpoints every 3 min, RocksDB, 100M events); goal: 3x "
      "Flink, and 2M/s for q0-q2; broker EOS: catch-up events/s through the broker, "
      "exactly-once; / limit: over the input limit; p99: event time -> read_committed consumer "
      "at half the query's EOS rate (records counted)")
if inproc:
    print(f"goal met by {met} of the {goals} queries with a Flink figure (Flink has no q6)")
PY
echo "raw outputs in $out" >&2
