# Sourced by the bench/*.sh scripts: their shared command line (BUILD_DIR [--quick]) and helpers.
# Sets: name (the script's), build (absolute), quick (0 or 1), es (the binary). Provides: usage,
# die, free_port.
name=${0##*/}
usage() { echo "usage: bench/$name BUILD_DIR [--quick]" >&2; exit 2; }
die() { echo "$name: $*" >&2; exit 1; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

[[ $# -ge 1 ]] || usage
build_arg=$1
shift
quick=0
for a in "$@"; do
    case $a in
        --quick) quick=1 ;;
        *) usage ;;
    esac
done
build=$(cd "$build_arg" 2>/dev/null && pwd) || die "no build directory $build_arg"
es=$build/edgestream

# --- helpers for the scripts that run a broker and jobs (attribution.sh, nexmark.sh) ----------

# bench_workspace NAME: results go to $build/bench-results/NAME ($out, emptied), scratch to
# $work (removed on exit, with every process listed in $pids killed), log() says [NAME].
bench_workspace() {
    bench_name=$1
    out=$build/bench-results/$1
    rm -rf "$out"
    mkdir -p "$out"
    work=$(mktemp -d -p "$build" "$1-bench.XXXXXX")
    pids=()
    trap bench_cleanup EXIT
}
bench_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
log() { echo "[$bench_name] $*" >&2; }
now_s() { date +%s.%N; }
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

# start_serve DATA_DIR LOG: `edgestream serve` on free 127.0.0.1 ports (no registry), waiting
# until it is ready. Sets brokers (HOST:PORT), serve_port (its admin HTTP port) and serve_pid.
start_serve() {
    local kport
    kport=$(free_port)
    serve_port=$(free_port)
    brokers=127.0.0.1:$kport
    "$es" serve --data-dir "$1" --kafka-addr "$brokers" --admin-addr "127.0.0.1:$serve_port" \
        --registry-addr off >"$2" 2>&1 &
    serve_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$serve_port/v1/status/ready" >/dev/null 2>&1 && return 0
        kill -0 "$serve_pid" 2>/dev/null || break
        sleep 0.1
    done
    die "the broker did not start (see $2)"
}

# job_figure PORT KEY: a top-level figure of a job's /v1/job (-1 when it cannot be read).
job_figure() {
    curl -sf "http://127.0.0.1:$1/v1/job" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2" 2>/dev/null || echo -1
}

# job_lag PORT PREFIX: records of the job's input topics named PREFIX... not yet committed, from
# its /metrics (-1 when unknown). Refreshed every --metrics-interval-ms of the job.
job_lag() {
    curl -sf "http://127.0.0.1:$1/metrics" 2>/dev/null |
        python3 -c '
import re, sys
lag = [float(v) for t, v in re.findall(r"edgestream_job_consumer_lag\{[^}]*topic=\"([^\"]+)\"[^}]*\} (\S+)", sys.stdin.read()) if t.startswith(sys.argv[1])]
print(int(sum(lag)) if lag else -1)' "$2" 2>/dev/null || echo -1
}

# await_catch_up PORT PID EVENTS PREFIX LOG [TIMEOUT_S]: waits until the job (metrics on PORT,
# process PID) has processed EVENTS records and has no lag left on its PREFIX... input topics.
# Prints "T0 T1": seconds since the epoch of its first processed record and of zero lag. Dies
# when the job exits or does not catch up within TIMEOUT_S (default 600).
await_catch_up() {
    local port=$1 pid=$2 events=$3 prefix=$4 log=$5 timeout=${6:-600} t0='' processed
    local deadline=$(( $(date +%s) + timeout ))
    while (( $(date +%s) < deadline )); do
        processed=$(job_figure "$port" records_processed)
        if [[ -z $t0 && $processed -gt 0 ]]; then t0=$(now_s); fi
        if [[ -n $t0 && $processed -ge $events && $(job_lag "$port" "$prefix") -eq 0 ]]; then
            echo "$t0 $(now_s)"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || die "the job exited (see $log)"
        sleep 0.1
    done
    die "the job did not catch up within $timeout s (see $log)"
}

# await_tasks PORT: until the job on PORT has its tasks (group formation is not the engine's).
await_tasks() {
    for _ in $(seq 1 150); do
        curl -sf "http://127.0.0.1:$1/v1/job" 2>/dev/null | grep -q '"task":' && return 0
        sleep 0.2
    done
    return 1
}
