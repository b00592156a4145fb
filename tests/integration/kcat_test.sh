#!/usr/bin/env bash
# kcat against `edgestream serve`: metadata (-L), produce (-P) with keys and headers, consume
# (-C) from the beginning, from an offset and from the end.
#   tests/integration/kcat_test.sh path/to/edgestream
set -euo pipefail

bin=$1
dir=$(mktemp -d /tmp/es-kcat-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
kafka_port=$(free_port)
admin_port=$(free_port)
brokers=127.0.0.1:$kafka_port

"$bin" serve --data-dir "$dir/data" --kafka-addr "$brokers" --admin-addr "127.0.0.1:$admin_port" \
    --shards 2 >"$dir/serve.log" 2>&1 &
pid=$!
cleanup() {
    kill -TERM "$pid" 2>/dev/null && wait "$pid" || true
    rm -rf "$dir"
}
fail() {
    echo "FAIL: $*" >&2
    echo "--- serve.log ---" >&2
    cat "$dir/serve.log" >&2
    exit 1
}
trap cleanup EXIT

for _ in $(seq 1 300); do
    if python3 - "$admin_port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v1/status/ready", timeout=1)
PY
    sleep 0.1
done

# -L: the broker lists itself with its advertised address.
kcat -b "$brokers" -L -t kcat-topic >"$dir/meta.txt" 2>&1 || fail "kcat -L: $(cat "$dir/meta.txt")"
grep -q "broker 0 at 127.0.0.1:$kafka_port" "$dir/meta.txt" || fail "kcat -L output: $(cat "$dir/meta.txt")"
grep -q 'topic "kcat-topic" with 1 partitions' "$dir/meta.txt" || fail "auto-created topic missing: $(cat "$dir/meta.txt")"
echo "checked: kcat -L shows the broker and the auto-created topic"

# -P: 1000 keyed messages with a header, acks=all.
seq 1 1000 | sed 's/.*/key-&:value-&/' |
    kcat -b "$brokers" -P -t kcat-topic -K: -H source=kcat -X acks=all -z lz4 ||
    fail "kcat -P"
echo "checked: kcat -P produced 1000 keyed messages (lz4, acks=all)"

# -C from the beginning: every message, in order, keys and headers intact.
kcat -b "$brokers" -C -t kcat-topic -o beginning -e -f '%o %k %s %h\n' >"$dir/all.txt" ||
    fail "kcat -C"
[ "$(wc -l <"$dir/all.txt")" -eq 1000 ] || fail "expected 1000 lines, got $(wc -l <"$dir/all.txt")"
[ "$(head -1 "$dir/all.txt")" = "0 key-1 value-1 source=kcat" ] || fail "first: $(head -1 "$dir/all.txt")"
[ "$(tail -1 "$dir/all.txt")" = "999 key-1000 value-1000 source=kcat" ] || fail "last: $(tail -1 "$dir/all.txt")"
echo "checked: kcat -C read back 1000 messages in order with keys and headers"

# -C from an offset and a count.
out=$(kcat -b "$brokers" -C -t kcat-topic -o 500 -c 2 -f '%o:%s\n')
[ "$out" = $'500:value-501\n501:value-502' ] || fail "from offset 500: $out"
echo "checked: kcat -C -o 500 -c 2"

# -C -o end waits for new data: a message produced afterwards arrives.
kcat -b "$brokers" -C -t kcat-topic -o end -c 1 -f '%s\n' >"$dir/tail.txt" &
tail_pid=$!
sleep 1
echo "late" | kcat -b "$brokers" -P -t kcat-topic
wait "$tail_pid" || fail "kcat -o end"
[ "$(cat "$dir/tail.txt")" = "late" ] || fail "tail got: $(cat "$dir/tail.txt")"
echo "checked: kcat -C -o end received a message produced after it started"

kill -TERM "$pid"
wait "$pid" || fail "serve exited non-zero after SIGTERM"
echo "checked: SIGTERM stops the broker with exit code 0"
trap 'rm -rf "$dir"' EXIT
