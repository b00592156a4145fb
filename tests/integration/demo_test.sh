#!/usr/bin/env bash
# `edgestream demo` as `make demo` runs it, on free ports: a timed run attributes conversions
# and stops everything it started (exit 0, temporary directory gone); Ctrl-C (SIGINT) stops it
# early the same way, with the summary printed.
#   tests/integration/demo_test.sh path/to/edgestream
set -euo pipefail
bin=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() {
    echo "FAIL: $*" >&2
    echo "--- demo output (tail) ---" >&2
    tail -30 "$out"/*.txt >&2 || true
    exit 1
}
ports=(--kafka-addr 127.0.0.1:0 --admin-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0
    --registry-addr 127.0.0.1:0)

"$bin" demo --duration 25 --rate 10000 "${ports[@]}" >"$out/timed.txt" 2>"$out/timed.err" ||
    fail "demo --duration 25 exited with $?: $(tail -5 "$out/timed.err")"
grep -q "^  broker       127.0.0.1:" "$out/timed.txt" || fail "no broker address printed"
grep -q "job metrics  http://127.0.0.1:[0-9]*/metrics" "$out/timed.txt" || fail "no metrics address"
grep -q "registry     http://127.0.0.1:[0-9]*/subjects" "$out/timed.txt" || fail "no registry address"
lines=$(grep -cE '^ +[0-9]+s ' "$out/timed.txt")
[ "$lines" -ge 20 ] || fail "expected a progress line a second, got $lines"
python3 - "$out/timed.txt" <<'PY' || fail "summary figures"
import re, sys
text = open(sys.argv[1]).read()
def figure(name):
    m = re.search(r"^" + re.escape(name) + r"\s+([\d,]+)", text, re.M)
    assert m, name
    return int(m.group(1).replace(",", ""))
sent, acked = figure("events sent"), figure("  acknowledged")
attributed = figure("conversions attributed")
assert sent >= 100000 and acked == sent, (sent, acked)
assert attributed >= 1, attributed
print(f"checked: timed demo sent {sent} events, all acknowledged, {attributed} conversions attributed")
PY
dir=$(sed -n 's/.*data in \(\/[^)]*\)).*/\1/p' "$out/timed.txt")
[ -n "$dir" ] && [ ! -e "$dir" ] || fail "temporary directory $dir left behind"
echo "checked: the demo removed its temporary directory $dir"

"$bin" demo --rate 5000 "${ports[@]}" >"$out/sigint.txt" 2>"$out/sigint.err" &
pid=$!
for _ in $(seq 1 100); do
    grep -qE '^ +3s ' "$out/sigint.txt" && break
    sleep 0.2
done
grep -qE '^ +3s ' "$out/sigint.txt" || fail "no progress within 20 s"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "demo exited with $rc after SIGINT: $(tail -5 "$out/sigint.err")"
grep -q "^stopping: generator, job, reader, broker" "$out/sigint.txt" || fail "no orderly stop"
grep -q "^events sent" "$out/sigint.txt" || fail "no summary after SIGINT"
echo "checked: SIGINT stops the generator, the job, the reader and the broker, exit 0 with a summary"
