#!/usr/bin/env bash
# kcat against `edgestream serve`: metadata (-L), produce (-P) with keys and headers, consume
# (-C) from the beginning, from an offset and from the end.
#   tests/integration/kcat_test.sh path/to/edgestream
set -euo pipefail

source "$(dirname "$0")/serve_fixture.sh" "$1"

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

stop_serve
