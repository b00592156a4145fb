# Sourced by the shell integration tests: starts `edgestream serve` ($1 of the caller) on free
# ports in a temporary directory, waits until it is ready, and stops it on exit.
# Sets: bin, dir, brokers, kafka_port, admin_port, serve_pid. Provides: fail, start_serve,
# stop_serve, restart_serve. A caller may set serve_config (YAML text) before sourcing it.

bin=$1
dir=$(mktemp -d /tmp/es-it-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
kafka_port=$(free_port)
admin_port=$(free_port)
brokers=127.0.0.1:$kafka_port

fixture_cleanup() {
    if [ -n "${serve_pid:-}" ]; then kill -KILL "$serve_pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap fixture_cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "--- serve.log ---" >&2
    cat "$dir/serve.log" >&2
    exit 1
}

# Starts the broker (again) on the same ports and data, and waits until it is ready.
start_serve() {
    local config=()
    if [ -n "${serve_config:-}" ]; then
        printf '%s\n' "$serve_config" >"$dir/serve.yaml"
        config=(--config "$dir/serve.yaml")
    fi
    "$bin" serve --data-dir "$dir/data" --kafka-addr "$brokers" \
        --admin-addr "127.0.0.1:$admin_port" --registry-addr "${registry_addr:-off}" \
        --shards 2 "${config[@]}" >>"$dir/serve.log" 2>&1 &
    serve_pid=$!
    local ready_url="http://127.0.0.1:$admin_port/v1/status/ready"
    for _ in $(seq 1 300); do
        if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
            "$ready_url" 2>/dev/null; then
            return 0
        fi
        kill -0 "$serve_pid" 2>/dev/null || fail "serve exited during start"
        sleep 0.1
    done
    fail "serve was not ready within 30 s"
}

# SIGTERM, and the exit code must be 0.
stop_serve() {
    kill -TERM "$serve_pid"
    wait "$serve_pid" || fail "serve exited non-zero after SIGTERM"
    serve_pid=
    echo "checked: SIGTERM stops the broker with exit code 0"
}

# A rolling restart: SIGTERM, then the same broker again.
restart_serve() {
    stop_serve
    start_serve
}

start_serve
