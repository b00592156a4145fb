#!/usr/bin/env bash
# Peer and limit comparison (issue #6): edgestream beside the references a user would weigh it
# against, all measured on this machine in the same run, printed as one table with ratios.
#
#   bench/compare.sh BUILD_DIR [--quick]        (`make bench` runs it after bench/run.sh)
#
# What runs, in this order (about 3 minutes; --quick: about 1):
#   1. edgestream: BUILD_DIR/edgestream serve on free 127.0.0.1 ports, temporary data dir, default
#      durability (fdatasync before an acks=all answer). Through `edgestream bench`: produce 100 B
#      and 1 KiB messages with acks=all, consume the 100 B topic from the beginning (one
#      consumer, then one consumer per partition; three reads each, the median reported), then
#      e2e at half and at a quarter of the measured 100 B produce rate, with linger.ms=2 as a
#      latency-minded producer sets it (the throughput runs use bench's default of 5). Peak
#      broker RSS (VmHWM) before SIGTERM.
#   2. librdkafka mock cluster (in process, in memory): the same `bench produce` with
#      -X test.mock.num.brokers=1, the ceiling of the client on this machine.
#   3. Redis 7 Streams (redis-server on a free port, persistence off): XADD of the same payloads
#      pipelined 16 deep with redis-benchmark, and XRANGE ... COUNT 1000 reads (requests/s x 1000
#      = msgs/s). Then XADD again with appendonly yes + appendfsync always (durability-equivalent).
#   4. Raw limits: loopback TCP with iperf3 (-J), and write()+fdatasync() of 16 KiB and 1 MiB
#      blocks on the file system of the data directory.
# Output: the table on stdout, BUILD_DIR/bench-compare.json (figures, reasons for n/a cells,
# commands run); the raw outputs of every step stay in BUILD_DIR/bench-results/compare/.
# A step that fails becomes an "n/a" cell with its reason; the run goes on.
#
# Environment (all optional):
#   ES_COMPARE_DIR         where the temporary data dir goes (default: BUILD_DIR; not a tmpfs)
#   ES_COMPARE_PARTITIONS  partitions of the bench topics (default 4)
#   ES_COMPARE_MESSAGES    messages of the 100 B produce (default 3000000, --quick 200000);
#                          1 KiB produce uses a quarter of it
#   ES_COMPARE_E2E_SECONDS duration of the e2e run (default 10, --quick 5)
#   ES_COMPARE_STEP_TIMEOUT seconds before a single step is abandoned (default 60, --quick 30)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here=$(cd "${BASH_SOURCE[0]%/*}" && pwd)

missing=()
for tool in python3 curl timeout redis-server redis-benchmark redis-cli iperf3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ ${#missing[@]} -eq 0 ]] ||
    die "missing tools: ${missing[*]} (install them with tools/install-deps.sh or: make deps)"
[[ -x $es ]] || die "$es is missing; build it with: make build"
[[ -f $here/compare.py ]] || die "$here/compare.py is missing"

if (( quick )); then
    n100=${ES_COMPARE_MESSAGES:-200000}; e2e_s=${ES_COMPARE_E2E_SECONDS:-5}
    step_timeout=${ES_COMPARE_STEP_TIMEOUT:-30}
    redis_n100=200000; redis_n1k=100000; redis_aof_n=50000; xrange_n=300
    iperf_s=2; disk_s=1.5
else
    n100=${ES_COMPARE_MESSAGES:-3000000}; e2e_s=${ES_COMPARE_E2E_SECONDS:-10}
    step_timeout=${ES_COMPARE_STEP_TIMEOUT:-60}
    redis_n100=1000000; redis_n1k=400000; redis_aof_n=200000; xrange_n=1500
    iperf_s=5; disk_s=3
fi
n1k=$(( n100 / 4 ))
partitions=${ES_COMPARE_PARTITIONS:-4}

out=$build/bench-results/compare
rm -rf "$out"; mkdir -p "$out"
base=${ES_COMPARE_DIR:-$build}
mkdir -p "$base"
work=$(mktemp -d "$base/bench-compare.XXXXXX")
commands=$out/commands.txt
: >"$commands"

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "compare: $*" >&2; }
# logcmd CMD...: records a command, shell-quoted, in commands.txt (and the JSON file).
logcmd() { local q; q=$(printf '%q ' "$@"); printf '%s\n' "${q% }" >>"$commands"; }
# na KEY REASON: this figure is not available, and why.
na() { printf '%s\n' "$2" >"$out/$1.na"; log "$1: n/a ($2)"; }
# run KEY CMD...: runs one step with the step timeout; stdout to KEY.out, stderr to KEY.log.
run() {
    local key=$1; shift
    logcmd "$@"
    local rc=0
    timeout --kill-after=5 "$step_timeout" "$@" >"$out/$key.out" 2>"$out/$key.log" || rc=$?
    if (( rc == 124 || rc == 137 )); then
        na "$key" "timed out after ${step_timeout}s"; return 1
    elif (( rc != 0 )); then
        local why
        why=$(grep -v -e '^[[:space:]]*$' -e '^Run with --help' "$out/$key.log" | tail -n 1 |
              cut -c1-120)
        na "$key" "exit $rc${why:+: $why}"; return 1
    fi
    return 0
}
# wait_port PORT SECONDS PID: until something listens on PORT (and PID still lives). It reads
# /proc/net/tcp rather than connecting, so that a one-shot server (iperf3 -1) is not used up.
wait_port() {
    local port=$1 seconds=$2 pid=$3 i hex
    hex=$(printf ':%04X' "$port")
    for (( i = 0; i < seconds * 20; i++ )); do
        kill -0 "$pid" 2>/dev/null || return 1
        if awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p {f = 1} END {exit !f}' \
            /proc/net/tcp /proc/net/tcp6 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    return 1
}
# stop PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for (( i = 0; i < 50; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

echo "compare: load before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)" >&2
echo "compare: $( ((quick)) && echo 'quick run, about a minute' || echo 'about 3 minutes')" >&2

# ---- 1. edgestream ------------------------------------------------------------------------
es_data=$work/edgestream-data
mkdir -p "$es_data"
kport=$(free_port); aport=$(free_port)
while [[ $aport == "$kport" ]]; do aport=$(free_port); done
brokers=127.0.0.1:$kport
serve_cmd=("$es" serve --data-dir "$es_data" --kafka-addr "$brokers" --admin-addr "127.0.0.1:$aport" --registry-addr off)
logcmd "${serve_cmd[@]}"
log "starting edgestream on $brokers (admin :$aport), data in $es_data"
"${serve_cmd[@]}" >"$out/serve.log" 2>&1 &
es_pid=$!
pids+=("$es_pid")
ready=0
for (( i = 0; i < 300; i++ )); do
    kill -0 "$es_pid" 2>/dev/null || break
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
        "http://127.0.0.1:$aport/v1/status/ready" 2>/dev/null) || true
    if [[ $code == 200 ]]; then ready=1; break; fi
    sleep 0.1
done
es_keys=(es_produce_100 es_produce_1024 es_consume_100 es_consume_100_shared es_e2e es_e2e_quarter
    es_rss)
if (( ! ready )); then
    why="broker not ready after 30 s"
    kill -0 "$es_pid" 2>/dev/null ||
        why="broker exited: $(grep -v '^[[:space:]]*$' "$out/serve.log" | tail -n 1 | cut -c1-100)"
    for k in "${es_keys[@]}"; do na "$k" "$why"; done
    stop "$es_pid"
else
    # es_run KEY CMD...: run, unless the broker has died (then every later step says so).
    es_run() {
        if ! kill -0 "$es_pid" 2>/dev/null; then
            local last
            last=$(grep -v '^[[:space:]]*$' "$out/serve.log" | tail -n 1 | cut -c1-100)
            na "$1" "broker exited during the run: ${last:-see serve.log}"
            return 1
        fi
        run "$@"
    }
    log "edgestream produce 100 B x $n100, acks=all"
    es_run es_produce_100 "$es" bench produce --brokers "$brokers" --topic compare-100 \
        --messages "$n100" --message-bytes 100 --partitions "$partitions" --acks all --json || true
    log "edgestream produce 1 KiB x $n1k, acks=all"
    es_run es_produce_1024 "$es" bench produce --brokers "$brokers" --topic compare-1024 \
        --messages "$n1k" --message-bytes 1024 --partitions "$partitions" --acks all --json || true
    if [[ -f $out/es_produce_100.na ]]; then
        na es_consume_100 "no 100 B topic (its produce failed)"
        na es_consume_100_shared "no 100 B topic (its produce failed)"
    else
        # Three reads each, reported as the median: a read of the topic lasts about a second,
        # and its first half second (connections, offsets, the first fetches) varies from run
        # to run. One consumer, then one per partition, as a consumer group of that size reads:
        # librdkafka parses a fetch on one thread per connection, which limits one consumer.
        for run_no in 1 2 3; do
            suffix=$([[ $run_no == 1 ]] || echo ".run$run_no")
            log "edgestream consume 100 B (read $run_no of 3)"
            es_run "es_consume_100$suffix" "$es" bench consume --brokers "$brokers" \
                --topic compare-100 --json || true
            log "edgestream consume 100 B with $partitions consumers (read $run_no of 3)"
            es_run "es_consume_100_shared$suffix" "$es" bench consume --brokers "$brokers" \
                --topic compare-100 --consumers "$partitions" --json || true
        done
    fi
    # e2e at half the measured 100 B rate (the issue's point) and at a quarter of it (where the
    # clients leave the two cores room): the latency curve in two points.
    for spec in es_e2e:0.5 es_e2e_quarter:0.25; do
        key=${spec%%:*} share=${spec#*:}
        rate=$(python3 "$here/compare.py" rate-share "$out/es_produce_100.out" "$share" \
            2>/dev/null) || rate=
        if [[ -z $rate ]]; then
            na "$key" "no measured 100 B produce rate to take a share of"
            continue
        fi
        log "edgestream e2e at $rate msgs/s for ${e2e_s}s"
        printf '%s\n' "$rate" >"$out/$key.rate"
        es_run "$key" "$es" bench e2e --brokers "$brokers" --topic "compare-$key" \
            --rate "$rate" --duration "$e2e_s" --message-bytes 100 --partitions "$partitions" \
            --acks all --linger-ms 2 --json || true
    done
    if kill -0 "$es_pid" 2>/dev/null; then
        awk '/^VmHWM:/ {print $2}' "/proc/$es_pid/status" >"$out/es_rss.kb" 2>/dev/null || true
        [[ -s $out/es_rss.kb ]] || na es_rss "no VmHWM in /proc/$es_pid/status"
    else
        na es_rss "broker exited during the run (see serve.log)"
    fi
    stop "$es_pid"
    du -sk "$es_data" 2>/dev/null | cut -f1 >"$out/es_data.kb" || true
fi
rm -rf "$es_data"

# ---- 2. librdkafka mock cluster ------------------------------------------------------------
# The --brokers address is a closed port: if the mock cluster did not take over, the step fails
# instead of measuring something else.
dead=127.0.0.1:$(free_port)
log "mock cluster produce 100 B x $n100"
run mock_produce_100 "$es" bench produce --brokers "$dead" --topic compare-100 \
    --messages "$n100" --message-bytes 100 --partitions "$partitions" --acks all --json \
    -X test.mock.num.brokers=1 || true
log "mock cluster produce 1 KiB x $n1k"
run mock_produce_1024 "$es" bench produce --brokers "$dead" --topic compare-1024 \
    --messages "$n1k" --message-bytes 1024 --partitions "$partitions" --acks all --json \
    -X test.mock.num.brokers=1 || true

# ---- 3. Redis Streams ----------------------------------------------------------------------
# redis_start NAME EXTRA-ARGS...: starts redis-server on a free port; sets redis_pid, redis_port.
redis_start() {
    local name=$1; shift
    local dir=$work/$name
    mkdir -p "$dir"
    redis_port=$(free_port)
    local cmd=(redis-server --port "$redis_port" --save '' --bind 127.0.0.1 --daemonize no
               --dir "$dir" "$@")
    logcmd "${cmd[@]}"
    "${cmd[@]}" >"$out/$name.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    wait_port "$redis_port" 10 "$redis_pid"
}
payload100=$(printf 'x%.0s' $(seq 100))
payload1k=$(printf 'x%.0s' $(seq 1024))
# redis_xadd KEY N PAYLOAD STREAM: pipelined XADD, then XLEN to check every command succeeded.
redis_xadd() {
    local key=$1 n=$2 payload=$3 stream=$4
    run "$key" redis-benchmark -p "$redis_port" -P 16 -n "$n" --csv \
        XADD "$stream" '*' f "$payload" || return 0
    redis-cli -p "$redis_port" XLEN "$stream" >"$out/$key.xlen" 2>/dev/null || true
    printf '%s\n' "$n" >"$out/$key.n"
}
redis_keys=(redis_xadd_100 redis_xadd_1024 redis_xrange_100)
if redis_start redis --appendonly no; then
    log "redis XADD 100 B x $redis_n100, pipelined 16"
    redis_xadd redis_xadd_100 "$redis_n100" "$payload100" s100
    log "redis XADD 1 KiB x $redis_n1k, pipelined 16"
    redis_xadd redis_xadd_1024 "$redis_n1k" "$payload1k" s1024
    if [[ -f $out/redis_xadd_100.na ]]; then
        na redis_xrange_100 "no stream (its XADD failed)"
    else
        log "redis XRANGE COUNT 1000 x $xrange_n"
        run redis_xrange_100 redis-benchmark -p "$redis_port" -n "$xrange_n" --csv \
            XRANGE s100 - + COUNT 1000 || true
        echo 1000 >"$out/redis_xrange_100.count"
    fi
    redis-cli -p "$redis_port" INFO memory 2>/dev/null |
        awk -F: '/^used_memory_peak:/ {print $2}' | tr -d '\r' >"$out/redis_mem.bytes" || true
else
    for k in "${redis_keys[@]}"; do na "$k" "redis-server did not start (see redis.log)"; done
fi
stop "$redis_pid"

if redis_start redis-aof --appendonly yes --appendfsync always; then
    log "redis XADD with appendfsync always, 100 B and 1 KiB x $redis_aof_n"
    redis_xadd redis_aof_xadd_100 "$redis_aof_n" "$payload100" s100
    redis_xadd redis_aof_xadd_1024 "$redis_aof_n" "$payload1k" s1024
else
    for k in redis_aof_xadd_100 redis_aof_xadd_1024; do
        na "$k" "redis-server did not start (see redis-aof.log)"
    done
fi
stop "$redis_pid"
rm -rf "$work/redis" "$work/redis-aof"

# ---- 4. raw limits -------------------------------------------------------------------------
iport=$(free_port)
logcmd iperf3 -s -p "$iport" -1
iperf3 -s -p "$iport" -1 >"$out/iperf3-server.log" 2>&1 &
iperf_pid=$!
pids+=("$iperf_pid")
if wait_port "$iport" 10 "$iperf_pid"; then
    log "iperf3 loopback for ${iperf_s}s"
    run iperf3 iperf3 -c 127.0.0.1 -p "$iport" -t "$iperf_s" -J || true
else
    na iperf3 "iperf3 server did not start"
fi
stop "$iperf_pid"

log "disk write()+fdatasync() for ${disk_s}s per block size in $work"
run disk python3 "$here/compare.py" disk "$work" "$disk_s" || true

# ---- the table ---------------------------------------------------------------------------
python3 "$here/compare.py" report "$out" "$build/bench-compare.json" \
    quick="$quick" partitions="$partitions" messages_100="$n100" messages_1024="$n1k" \
    e2e_seconds="$e2e_s" redis_messages_100="$redis_n100" redis_messages_1024="$redis_n1k" \
    redis_aof_messages="$redis_aof_n" iperf_seconds="$iperf_s" disk_seconds="$disk_s" \
    data_fs="$(df -PT "$work" | awk 'NR==2 {print $2}')"
echo "JSON: $build/bench-compare.json; raw outputs and commands: $out" >&2
