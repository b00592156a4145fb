#!/usr/bin/env bash
# GET /metrics on the broker's admin address, read by a Prometheus text-format parser written
# here (python): every line is a comment, a HELP/TYPE line or a valid sample; every sample
# belongs to a declared family; histogram buckets are cumulative and end in +Inf = _count; and
# the figures follow what the test did (produce, fetch, a consumer group).
#   tests/integration/metrics_test.sh path/to/edgestream
set -euo pipefail
source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }

es topic create metered -p 3 >/dev/null
seq 1 500 | sed 's/^/k\0:/' | es produce metered -K : >/dev/null 2>&1
es consume metered -e >/dev/null 2>&1
es group list >/dev/null 2>&1 || true
# A transactional producer's commit (through the engine's exactly-once path) leaves a
# transactional id in the coordinator.
"$bin" run window-count --brokers "$brokers" --state-dir "$dir/job" -p input=metered -p window=1s \
    >"$dir/job.log" 2>&1 &
job=$!
for _ in $(seq 1 100); do
    python3 -c 'import sys, urllib.request; sys.exit("\nedgestream_transactional_ids" not in urllib.request.urlopen(sys.argv[1]).read().decode())' \
        "http://127.0.0.1:$admin_port/metrics" 2>/dev/null && break
    sleep 0.2
done
kill -TERM "$job"; wait "$job" || true

python3 - "http://127.0.0.1:$admin_port/metrics" <<'PY' || fail "/metrics is not what it should be"
import math, re, sys, urllib.request
res = urllib.request.urlopen(sys.argv[1], timeout=10)
assert res.headers["Content-Type"].startswith("text/plain; version=0.0.4"), res.headers["Content-Type"]
text = res.read().decode()
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
sample_re = re.compile(rf"^({name_re})(\{{(.*)\}})? (\S+)( \d+)?$")
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
types, samples = {}, []
for n, line in enumerate(text.splitlines(), 1):
    if not line:
        continue
    if line.startswith("# HELP "):
        continue
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ", 3)
        assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
        assert name not in types, f"line {n}: family {name} declared twice"
        types[name] = kind
        continue
    assert not line.startswith("#"), f"line {n}: {line}"
    m = sample_re.match(line)
    assert m, f"line {n} is not a sample: {line}"
    labels = dict(label_re.findall(m.group(3) or ""))
    value = float(m.group(4))  # accepts +Inf, NaN
    samples.append((m.group(1), labels, value))
def family(sample):
    for suffix in ("_bucket", "_count", "_sum"):
        if sample.endswith(suffix) and types.get(sample[: -len(suffix)]) == "histogram":
            return sample[: -len(suffix)]
    return sample
for name, labels, value in samples:
    assert family(name) in types, f"{name}: no TYPE line"
    if types[family(name)] == "counter":
        assert value >= 0, (name, value)
# Histograms: buckets cumulative, +Inf last and equal to _count.
series = {}
for name, labels, value in samples:
    if name.endswith("_bucket"):
        key = (name, tuple(sorted((k, v) for k, v in labels.items() if k != "le")))
        series.setdefault(key, []).append((float(labels["le"]), value))
counts = {(n[: -len("_count")], tuple(sorted(l.items()))): v for n, l, v in samples if n.endswith("_count")}
for (name, labels), buckets in series.items():
    values = [v for _, v in buckets]
    assert values == sorted(values), (name, labels, values)
    assert math.isinf(buckets[-1][0]), (name, buckets[-1])
    assert buckets[-1][1] == counts[(name[: -len("_bucket")], labels)], (name, labels)
get = lambda name, **want: [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in want.items())]
assert get("edgestream_broker_requests_total", api="Produce")[0] >= 1
assert get("edgestream_broker_requests_total", api="Fetch")[0] >= 1
assert get("edgestream_broker_request_duration_seconds_count", api="Produce")[0] >= 1
assert sum(get("edgestream_partition_log_end_offset", topic="metered")) == 500
assert get("edgestream_topic_size_bytes", topic="metered")[0] > 0
assert get("edgestream_flush_syncs_total")[0] >= 1
assert get("edgestream_broker_received_bytes_total")[0] > 0
assert get("edgestream_topic_produced_bytes_total", topic="metered")[0] > 0
assert get("edgestream_topic_fetched_bytes_total", topic="metered")[0] > 0
assert get("edgestream_broker_connections")
assert sum(get("edgestream_transactional_ids")) >= 1
print(f"checked: /metrics parsed: {len(types)} families, {len(samples)} samples, "
      f"{len(series)} histograms cumulative with +Inf = _count; Produce and Fetch counted, "
      "500 messages in 'metered' by log end offsets, its produced and fetched bytes, flush syncs, bytes, connections, transactional ids")
PY
stop_serve
