#!/usr/bin/env bash
# Runs the storage benchmark and prints one table: edgestream beside the raw limit measured in
# the same run, with their ratio (see docs/benchmarks.md).
#
#   bench/run.sh [BUILD_DIR] [extra Google Benchmark flags...]     (`make bench` runs it)
#
# Environment:
#   ES_BENCH_DIR          where the data goes (default: BUILD_DIR/bench-data); it must be on the
#                         file system to measure, so not /tmp where that is tmpfs
#   ES_BENCH_REPETITIONS  repetitions of every case, run in random interleaved order (default 5)
#   ES_BENCH_MIN_TIME     seconds per timed case (default 0.3; appends without flush write a
#                         fixed volume instead)
set -euo pipefail

arg=${1:-build}
if [[ $# -gt 0 ]]; then shift; fi
build=$(cd "$arg" 2>/dev/null && pwd) || { echo "run.sh: no build directory $arg" >&2; exit 1; }
bin=$build/bench/storage_bench
if [[ ! -x $bin ]]; then
    echo "run.sh: $bin is missing; build it with: cmake --build $build --target storage_bench" >&2
    exit 1
fi

results=$build/bench-results
mkdir -p "$results"
json=$results/storage_bench.json
console=$results/storage_bench.txt
export ES_BENCH_DIR=${ES_BENCH_DIR:-$build/bench-data}
repetitions=${ES_BENCH_REPETITIONS:-5}
min_time=${ES_BENCH_MIN_TIME:-0.3}

# Repetitions run interleaved in random order, so that a burst of load from a neighbour hits both
# sides of a ratio alike instead of one case; the table uses the medians.
cmd=("$bin" "--benchmark_repetitions=$repetitions" --benchmark_enable_random_interleaving=true
     "--benchmark_min_time=$min_time" "--benchmark_out=$json" --benchmark_out_format=json "$@")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)" >&2
echo "running: ${cmd[*]}" >&2
echo "(about a minute and a half)" >&2
"${cmd[@]}" >"$console" 2>&1 || { tail -n 20 "$console" >&2; exit 1; }
grep '^storage_bench:' "$console" >&2 || true

python3 - "$json" <<'EOF'
import json
import statistics
import sys

with open(sys.argv[1]) as f:
    doc = json.load(f)
ctx = doc["context"]

def case_key(run_name):
    """'append/1KiB_rec/16KiB_batch/raw/iterations:384/real_time' -> ('append/...batch', 'raw')"""
    parts = [p for p in run_name.split("/") if p != "real_time" and not p.startswith("iterations:")]
    return "/".join(parts[:-1]), parts[-1]

medians = {}  # (case, side) -> median aggregate
reps = {}     # (case, side) -> [bytes/s of each repetition]
cv = {}       # (case, side) -> coefficient of variation of the time
order = []
for b in doc["benchmarks"]:
    case, side = case_key(b["run_name"])
    if case not in order:
        order.append(case)
    if b.get("error_occurred"):
        medians[(case, side)] = {"error": b.get("error_message", "error")}
    elif b["run_type"] == "iteration":
        reps.setdefault((case, side), []).append(b["bytes_per_second"])
    elif b.get("aggregate_name") == "median":
        medians[(case, side)] = b
    elif b.get("aggregate_name") == "cv":
        cv[(case, side)] = b["real_time"] * 100
# Without repetitions there are no aggregates: use the single run.
for key, values in reps.items():
    if key not in medians:
        medians[key] = {"bytes_per_second": statistics.median(values)}

def size_of(text):
    """'16KiB_batch' -> 16384"""
    number = text.split("_")[0]
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)):
        if number.endswith(unit):
            return int(number[: -len(unit)]) * scale
    return 0

GROUPS = ["append", "append_flush", "read", "validate"]

def sort_key(case):
    group, record, batch = case.split("/")
    rank = GROUPS.index(group) if group in GROUPS else len(GROUPS)
    return rank, size_of(record), size_of(batch)

# Random interleaving reports the cases in the order they last ran.
order.sort(key=sort_key)

def mbps(b):
    return b["bytes_per_second"] / 1e6

def rate(v):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= scale:
            return f"{v / scale:.2f}{unit}"
    return f"{v:.0f}"

print(f"storage_bench {ctx.get('date', '')}  host CPUs: {ctx.get('num_cpus')} x "
      f"{ctx.get('mhz_per_cpu')} MHz  load: "
      + " ".join(f"{x:.2f}" for x in ctx.get("load_avg", [])))
print(f"data: {ctx.get('bench_dir')} ({ctx.get('bench_fs')}), segments of "
      f"{int(ctx.get('segment_bytes', 0)) >> 20} MiB, reads of "
      f"{int(ctx.get('read_chunk_bytes', 0)) >> 10} KiB")
print("MB/s = 10^6 bytes/s, median of the repetitions; ratio = edgestream / raw; "
      "noise = coefficient of variation (edgestream/raw)")
print()
head = (f"{'case':<38} {'edgestream MB/s':>15} {'raw MB/s':>10} {'ratio':>7} "
        f"{'records/s':>10} {'noise':>11}  goal")
print(head)
print("-" * len(head))
section = None
for case in order:
    group = case.split("/")[0]
    if group == "validate":
        continue
    if group != section:
        if section is not None:
            print()
        section = group
    es, raw = medians.get((case, "edgestream")), medians.get((case, "raw"))
    if es is None or raw is None or "error" in es or "error" in raw:
        why = (es or {}).get("error") or (raw or {}).get("error") or "missing"
        print(f"{case:<38} {why}")
        continue
    ratio = 100 * es["bytes_per_second"] / raw["bytes_per_second"]
    noise = ""
    if (case, "edgestream") in cv and (case, "raw") in cv:
        noise = f"{cv[(case, 'edgestream')]:.0f}%/{cv[(case, 'raw')]:.0f}%"
    records = rate(es.get("records_per_second", 0))
    goal = "met" if ratio >= 90 else "below 90%"
    print(f"{case:<38} {mbps(es):>15.0f} {mbps(raw):>10.0f} {ratio:>6.0f}% "
          f"{records:>10} {noise:>11}  {goal}")

checks = [c for c in order if c.startswith("validate/")]
if checks:
    print()
    print("validate = RecordBatchView::parse alone (the CRC32C check each append does and a "
          "write() does not):")
    for case in checks:
        b = medians.get((case, "crc32c"))
        if b and "error" not in b:
            print(f"{case:<38} {mbps(b):>15.0f} MB/s {rate(b.get('records_per_second', 0)):>10}"
                  " records/s")
EOF
echo "JSON: $json, console output: $console" >&2
