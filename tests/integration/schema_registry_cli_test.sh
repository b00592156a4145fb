#!/usr/bin/env bash
# The registry from the command line: `edgestream serve --registry-addr` answers Confluent's REST
# API, `edgestream schema check --registry` asks it, and `edgestream registry --follower` run
# beside it on the same cluster serves the same schemas and refuses writes.
#   tests/integration/schema_registry_cli_test.sh path/to/edgestream
set -euo pipefail
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
registry_port=$(free_port)
registry_addr=127.0.0.1:$registry_port
source "$(dirname "$0")/serve_fixture.sh" "$(realpath "$1")"
url=http://$registry_addr
follower_pid=
trap 'if [ -n "$follower_pid" ]; then kill -KILL "$follower_pid" 2>/dev/null || true; fi; fixture_cleanup' EXIT

# http METHOD URL [BODY]: prints "STATUS BODY".
http() {
    python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
req = urllib.request.Request(url, data=data, method=method,
                             headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
except (urllib.error.URLError, OSError) as e:  # not listening yet
    print(0, str(e))
PY
}

cd "$dir"
cat >v1.avsc <<'A'
{"type":"record","name":"Click","namespace":"ads","fields":[{"name":"id","type":"string"}]}
A
cat >v2.avsc <<'A'
{"type":"record","name":"Click","namespace":"ads","fields":[{"name":"id","type":"string"},{"name":"n","type":"int"}]}
A
rc=0
"$bin" schema check v1.avsc --registry "$url" --subject clicks-value >out.txt 2>&1 || rc=$?
[ "$rc" -eq 0 ] && grep -q "no versions yet" out.txt || fail "empty subject: rc $rc $(cat out.txt)"
body=$(python3 -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' v1.avsc)
read -r status answer < <(http POST "$url/subjects/clicks-value/versions" "$body")
[ "$status" = 200 ] && [ "$answer" = '{"id":1}' ] || fail "register: $status $answer"
echo "checked: serve --registry-addr registers a schema (id 1); schema check on an empty subject exits 0"

"$bin" schema check v2.avsc --registry "$url" --subject clicks-value --json >out.txt || rc=$?
[ "$rc" -eq 1 ] || fail "v2 should be incompatible, exit $rc: $(cat out.txt)"
python3 - out.txt <<'PY' || fail "registry verdict: $(cat out.txt)"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["compatible"] is False and v["issues"], v
assert any("n" in i["message"] for i in v["issues"]), v
PY
rc=0
"$bin" schema check v1.avsc --registry "$url" --subject clicks-value >out.txt || rc=$?
[ "$rc" -eq 0 ] || fail "v1 against itself: exit $rc $(cat out.txt)"
echo "checked: schema check --registry: incompatible v2 exits 1 with the registry's reasons, v1 exits 0"

follower_port=$(free_port)
"$bin" registry --brokers "$brokers" --registry-addr "127.0.0.1:$follower_port" --follower \
    >"$dir/follower.log" 2>&1 &
follower_pid=$!
for _ in $(seq 1 100); do
    read -r status answer < <(http GET "http://127.0.0.1:$follower_port/subjects") || true
    [ "${status:-}" = 200 ] && break
    sleep 0.1
done
[ "$answer" = '["clicks-value"]' ] || fail "follower subjects: $status $answer $(cat "$dir/follower.log")"
read -r status answer < <(http GET "http://127.0.0.1:$follower_port/schemas/ids/1")
[ "$status" = 200 ] || fail "follower schema 1: $status $answer"
read -r status answer < <(http POST "http://127.0.0.1:$follower_port/subjects/other/versions" "$body")
[ "$status" = 500 ] && echo "$answer" | grep -q '"error_code":50004' || fail "follower write: $status $answer"
kill -TERM "$follower_pid"
wait "$follower_pid" || fail "registry exited non-zero on SIGTERM"
follower_pid=
echo "checked: edgestream registry --follower on the same cluster reads the schemas, refuses writes with 50004, exits 0 on SIGTERM"

restart_serve
read -r status answer < <(http GET "$url/subjects/clicks-value/versions/latest")
[ "$status" = 200 ] && echo "$answer" | grep -q '"id":1' || fail "after restart: $status $answer"
echo "checked: after a broker restart the registry answers from _schemas"
stop_serve
