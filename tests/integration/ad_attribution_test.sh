#!/usr/bin/env bash
# The ad-attribution job end to end on `edgestream serve`: `edgestream gen ads` traffic (with
# disorder, late events and duplicates), the job killed -9 three times while it runs and
# restarted on the same state directory, then `edgestream verify ad-attribution` recomputes
# the expected credits from the input topics: zero differences, zero duplicates.
# With "avro" the same run goes through the schema registry: the generator (a librdkafka
# producer) writes Confluent-framed Avro with its schemas registered, the job reads it with
# value.format=avro, and the flush events are produced as Avro by `produce --registry`.
#   tests/integration/ad_attribution_test.sh path/to/edgestream [json|avro]
set -euo pipefail
format=${2:-json}
if [ "$format" = avro ]; then
    registry_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    registry_addr=127.0.0.1:$registry_port
fi

# Short group timeouts: a killed member's partitions move within a couple of seconds.
serve_config='broker:
  group.min.session.timeout.ms: 500
  group.initial.rebalance.delay.ms: 100
  transaction.abort.timed.out.transaction.cleanup.interval.ms: 500'
source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }

t0=1700000000000
params=(-p model=linear -p allowed-lateness=2s -p out-of-orderness=1s -p window=10s)
gen_format=()
produce_format=()
if [ "$format" = avro ]; then
    url=http://$registry_addr
    params+=(-p value.format=avro -p schema.registry.url="$url")
    gen_format=(--value-format avro --registry "$url")
    produce_format=(--registry "$url")
fi
for t in ad-impressions ad-clicks ad-conversions ad-attributed ad-campaign-stats ad-late-events; do
    es topic create "$t" -p 4 >/dev/null
done

job_pid=
start_job() {
    "$bin" run ad-attribution --brokers "$brokers" --state-dir "$dir/state" --instance-id it \
        "${params[@]}" -X session.timeout.ms=1500 -X heartbeat.interval.ms=300 \
        >>"$dir/job.log" 2>&1 &
    job_pid=$!
}
job_fail() {
    echo "--- job.log (tail) ---" >&2
    tail -40 "$dir/job.log" >&2
    fail "$@"
}

start_job
es gen ads --events 60000 --rate 10000 --start-ms "$t0" --seed 7 --click-delay-ms 2000 \
    --conversion-delay-ms 3000 "${gen_format[@]}" --json >"$dir/gen.json" 2>"$dir/gen.err" &
gen_pid=$!
for i in 1 2 3; do
    sleep 1.7
    kill -KILL "$job_pid"
    wait "$job_pid" 2>/dev/null || true
    start_job
done
wait "$gen_pid" || fail "gen ads: $(cat "$dir/gen.err")"
echo "checked: gen ads sent $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r)' "$dir/gen.json")"
echo "checked: the job was killed -9 three times while it ran and restarted each time"
if [ "$format" = avro ]; then
    for t in ad-impressions ad-clicks ad-conversions; do
        subject=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$url/subjects/$t-value/versions/latest")
        grep -q '"version":1' <<<"$subject" || fail "no Avro schema under $t-value: $subject"
    done
    echo "checked: the generator registered the Avro schemas under ad-impressions-value, ad-clicks-value, ad-conversions-value"
fi

# One later event in every partition of every input moves all clocks past the run, so that all
# its conversions are due (a job without idleness waits for every input).
flush_start=$((t0 + 3600000))
for p in 0 1 2 3; do
    echo "flush-$p:{\"impression_id\":\"flush-i-$p\",\"user\":\"flush-$p\",\"campaign\":\"c-flush\",\"ad\":\"a\",\"creative\":\"cr\",\"ts\":$flush_start}" |
        es produce ad-impressions -K : -p "$p" "${produce_format[@]}" >/dev/null 2>&1
    echo "flush-$p:{\"click_id\":\"flush-k-$p\",\"impression_id\":\"flush-i-$p\",\"user\":\"flush-$p\",\"campaign\":\"c-flush\",\"ad\":\"a\",\"ts\":$flush_start}" |
        es produce ad-clicks -K : -p "$p" "${produce_format[@]}" >/dev/null 2>&1
    echo "flush-$p:{\"conversion_id\":\"flush-v-$p\",\"user\":\"flush-$p\",\"value\":1,\"currency\":\"USD\",\"ts\":$flush_start}" |
        es produce ad-conversions -K : -p "$p" "${produce_format[@]}" >/dev/null 2>&1
done

ok=
for _ in $(seq 1 30); do
    if es verify ad-attribution "${params[@]}" --until-ms $((flush_start - 1)) \
        >"$dir/verify.txt" 2>"$dir/verify.err"; then
        ok=1
        break
    fi
    sleep 2
done
cat "$dir/verify.txt"
[ -n "$ok" ] || job_fail "verify ad-attribution found differences: $(cat "$dir/verify.txt")"
grep -q " 0 missing, 0 unexpected, 0 different, 0 duplicated" "$dir/verify.txt" ||
    job_fail "unexpected verify summary"
python3 - "$dir/verify.txt" <<'PY' || job_fail "too few records checked"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"(\d+) conversions, (\d+) expected records: (\d+) match", text)
assert m and int(m.group(1)) >= 50 and int(m.group(3)) >= 500, text
PY
echo "checked: verify ad-attribution: every expected credit exactly once after three kills"

kill -TERM "$job_pid"
wait "$job_pid" || job_fail "the job exited non-zero after SIGTERM"
echo "checked: SIGTERM stops the job with exit code 0"
stop_serve
