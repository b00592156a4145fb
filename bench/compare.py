#!/usr/bin/env python3
"""Helper of bench/compare.sh: the disk probe, parsing of every step's output, and the table.

  compare.py rate-share PRODUCE_JSON_FILE SHARE
                                            prints SHARE (0.5: half) of the msgs/s of a
                                            `bench produce --json`
  compare.py disk DIR SECONDS                write()+fdatasync() probe; prints JSON
  compare.py report OUT_DIR JSON_PATH [key=value ...]   the table (stdout) and the JSON file
"""
import csv
import datetime
import io
import json
import os
import platform
import re
import sys
import time


# ---- parsing ---------------------------------------------------------------------------------
def last_json_object(text):
    """The last line of text that parses as a JSON object (progress may precede it)."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    # A pretty-printed object over several lines.
    start = text.find("{")
    if start >= 0:
        try:
            value = json.loads(text[start:])
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
    raise ValueError("no JSON object in the output")


def read(path):
    with open(path) as f:
        return f.read()


def bench_json(out, key, mode):
    doc = last_json_object(read(os.path.join(out, key + ".out")))
    if doc.get("mode") not in (None, mode):
        raise ValueError(f"mode {doc.get('mode')!r}, expected {mode!r}")
    if doc.get("failed"):
        raise ValueError(f"{doc['failed']} messages failed")
    if mode != "e2e" and not doc.get("msgs_per_s"):
        raise ValueError("no msgs_per_s in the output")
    return doc


def redis_csv(out, key):
    """requests/s of a `redis-benchmark --csv` run (the row after the header)."""
    rows = [r for r in csv.reader(io.StringIO(read(os.path.join(out, key + ".out")))) if r]
    for i, row in enumerate(rows):
        if row[0] == "test" and i + 1 < len(rows):
            return float(rows[i + 1][1])
    raise ValueError("no CSV result from redis-benchmark")


# ---- measurements ----------------------------------------------------------------------------
def rate_share(path, share):
    doc = last_json_object(read(path))
    rate = int(float(doc["msgs_per_s"]) * share)
    if rate < 1:
        raise ValueError("rate below 1")
    print(rate)


def disk(directory, seconds):
    """write()+fdatasync() of each block size, appending to a new file, for `seconds` each."""
    results = {}
    for label, size in (("16KiB", 16 << 10), ("1MiB", 1 << 20)):
        path = os.path.join(directory, f"fdatasync-probe-{label}")
        block = os.urandom(size)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            ops = 0
            start = time.perf_counter()
            end = start + seconds
            while True:
                os.write(fd, block)
                os.fdatasync(fd)
                ops += 1
                now = time.perf_counter()
                if now >= end:
                    break
            elapsed = now - start
        finally:
            os.close(fd)
            os.unlink(path)
        results[label] = {"block_bytes": size, "ops": ops, "seconds": elapsed,
                          "ops_per_s": ops / elapsed, "mb_per_s": ops * size / elapsed / 1e6}
    print(json.dumps(results))


# ---- the report ------------------------------------------------------------------------------
def report(out, json_path, params):
    figures = {}   # name -> value (float) or None
    reasons = {}   # name -> why it is n/a
    raw = {}       # step key -> parsed document, kept in the JSON file

    def na_reason(key):
        p = os.path.join(out, key + ".na")
        return read(p).strip() if os.path.exists(p) else None

    def step(key, parse, names):
        """parse(key) -> dict name -> value; on failure every name gets the reason."""
        why = na_reason(key)
        if why is None:
            try:
                values = parse(key)
                figures.update(values)
                return
            except FileNotFoundError:
                why = "not run"
            except (ValueError, KeyError, TypeError, IndexError) as e:
                why = f"bad output: {e}"
        for n in names:
            figures[n] = None
            reasons[n] = f"{key}: {why}"

    def es_produce(size):
        def parse(key):
            doc = bench_json(out, key, "produce")
            raw[key] = doc
            lat = doc.get("latency_ms") or {}
            return {f"{key}.msgs": float(doc["msgs_per_s"]),
                    f"{key}.mb": float(doc.get("mb_per_s") or doc["msgs_per_s"] * size / 1e6),
                    f"{key}.p99": lat.get("p99")}
        return parse

    for key, size in (("es_produce_100", 100), ("es_produce_1024", 1024),
                      ("mock_produce_100", 100), ("mock_produce_1024", 1024)):
        step(key, es_produce(size), [f"{key}.msgs", f"{key}.mb", f"{key}.p99"])

    def es_consume(key):
        # The median of the reads that ran (compare.sh reads three times: KEY, KEY.run2, ...).
        docs = [bench_json(out, key, "consume")]
        for extra in (f"{key}.run2", f"{key}.run3"):
            if os.path.exists(os.path.join(out, extra + ".out")) and na_reason(extra) is None:
                docs.append(bench_json(out, extra, "consume"))
        docs.sort(key=lambda d: float(d["msgs_per_s"]))
        doc = docs[len(docs) // 2]
        raw[key] = {"median": doc, "reads_msgs_per_s": [float(d["msgs_per_s"]) for d in docs]}
        return {f"{key}.msgs": float(doc["msgs_per_s"]),
                f"{key}.mb": float(doc.get("mb_per_s") or doc["msgs_per_s"] * 100 / 1e6)}
    for key in ("es_consume_100", "es_consume_100_shared"):
        step(key, es_consume, [f"{key}.msgs", f"{key}.mb"])

    def es_e2e(key):
        doc = bench_json(out, key, "e2e")
        raw[key] = doc
        lat = doc["latency_ms"]
        rate_path = os.path.join(out, f"{key}.rate")
        rate = float(read(rate_path)) if os.path.exists(rate_path) else None
        return {f"{key}.rate": rate, f"{key}.p50": lat["p50"], f"{key}.p99": lat["p99"],
                f"{key}.p999": lat.get("p999"), f"{key}.max": lat.get("max"),
                f"{key}.consumed": doc.get("consumed")}
    for key in ("es_e2e", "es_e2e_quarter"):
        step(key, es_e2e, [f"{key}.{f}" for f in ("rate", "p50", "p99", "p999", "max")])

    def es_rss(key):
        kb = int(read(os.path.join(out, key + ".kb")).strip())
        return {"es_rss.mb": kb * 1024 / 1e6}
    step("es_rss", es_rss, ["es_rss.mb"])

    def redis_xadd(size):
        def parse(key):
            rps = redis_csv(out, key)
            n = int(read(os.path.join(out, key + ".n")))
            xlen_path = os.path.join(out, key + ".xlen")
            xlen = int(read(xlen_path).strip()) if os.path.exists(xlen_path) else None
            if xlen is not None and xlen < n:
                raise ValueError(f"only {xlen} of {n} XADDs succeeded")
            raw[key] = {"requests_per_s": rps, "n": n, "xlen": xlen}
            return {f"{key}.msgs": rps, f"{key}.mb": rps * size / 1e6}
        return parse

    for key, size in (("redis_xadd_100", 100), ("redis_xadd_1024", 1024),
                      ("redis_aof_xadd_100", 100), ("redis_aof_xadd_1024", 1024)):
        step(key, redis_xadd(size), [f"{key}.msgs", f"{key}.mb"])

    def redis_xrange(key):
        rps = redis_csv(out, key)
        count = int(read(os.path.join(out, key + ".count")))
        raw[key] = {"requests_per_s": rps, "count": count}
        return {f"{key}.msgs": rps * count, f"{key}.mb": rps * count * 100 / 1e6}
    step("redis_xrange_100", redis_xrange, ["redis_xrange_100.msgs", "redis_xrange_100.mb"])

    def iperf(key):
        doc = json.loads(read(os.path.join(out, key + ".out")))
        if "error" in doc:
            raise ValueError(doc["error"])
        bps = doc["end"]["sum_received"]["bits_per_second"]
        raw[key] = {"bits_per_second": bps,
                    "retransmits": doc["end"].get("sum_sent", {}).get("retransmits")}
        return {"iperf3.mb": bps / 8 / 1e6}
    step("iperf3", iperf, ["iperf3.mb"])

    def disk_parse(key):
        doc = json.loads(read(os.path.join(out, key + ".out")))
        raw[key] = doc
        return {"disk_16k.mb": doc["16KiB"]["mb_per_s"], "disk_16k.ops": doc["16KiB"]["ops_per_s"],
                "disk_1m.mb": doc["1MiB"]["mb_per_s"], "disk_1m.ops": doc["1MiB"]["ops_per_s"]}
    step("disk", disk_parse, ["disk_16k.mb", "disk_16k.ops", "disk_1m.mb", "disk_1m.ops"])

    # -- the table: one row per edgestream figure, a column per reference and its ratio
    notes = []  # reasons, numbered

    def note(name):
        why = reasons.get(name, "not measured")
        if why not in notes:
            notes.append(why)
        return f"n/a[{notes.index(why) + 1}]"

    def fmt(value, kind):
        if kind == "msgs":
            for unit, scale in (("M", 1e6), ("k", 1e3)):
                if value >= scale:
                    return f"{value / scale:.2f}{unit}"
            return f"{value:.0f}"
        if kind == "ms":
            return f"{value:.2f}" if value < 100 else f"{value:.0f}"
        return f"{value:.0f}" if value >= 100 else f"{value:.1f}"

    def cell(name, kind):
        if name is None:
            return ""
        v = figures.get(name)
        return note(name) if v is None else fmt(v, kind)

    def ratio(es_name, ref_name):
        if es_name is None or ref_name is None:
            return ""
        a, b = figures.get(es_name), figures.get(ref_name)
        if a is None:
            return note(es_name)
        if b is None:
            return note(ref_name)
        return f"{a / b:.2f}x" if b else "n/a"

    columns = ["figure", "edgestream", "mock ceiling", "Redis", "Redis AOF-always", "vs mock",
               "vs Redis", "vs Redis AOF", "vs TCP", "vs disk 1MiB"]
    # (label, kind, es, mock, redis, redis aof, tcp, disk)
    specs = [
        ("produce 100B acks=all (msgs/s)", "msgs", "es_produce_100.msgs", "mock_produce_100.msgs",
         "redis_xadd_100.msgs", "redis_aof_xadd_100.msgs", None, None),
        ("produce 1KiB acks=all (msgs/s)", "msgs", "es_produce_1024.msgs",
         "mock_produce_1024.msgs", "redis_xadd_1024.msgs", "redis_aof_xadd_1024.msgs", None, None),
        ("produce 100B acks=all (MB/s)", "mb", "es_produce_100.mb", "mock_produce_100.mb",
         "redis_xadd_100.mb", "redis_aof_xadd_100.mb", "iperf3.mb", "disk_1m.mb"),
        ("produce 1KiB acks=all (MB/s)", "mb", "es_produce_1024.mb", "mock_produce_1024.mb",
         "redis_xadd_1024.mb", "redis_aof_xadd_1024.mb", "iperf3.mb", "disk_1m.mb"),
        ("produce 100B p99 latency (ms)", "ms", "es_produce_100.p99", "mock_produce_100.p99",
         None, None, None, None),
        ("consume 100B, median of 3 (msgs/s; Redis XRANGE)", "msgs", "es_consume_100.msgs", None,
         "redis_xrange_100.msgs", None, None, None),
        ("consume 100B (MB/s)", "mb", "es_consume_100.mb", None, "redis_xrange_100.mb", None,
         "iperf3.mb", None),
        ("consume 100B, a consumer per partition, median of 3 (msgs/s)", "msgs", "es_consume_100_shared.msgs",
         None, "redis_xrange_100.msgs", None, None, None),
    ]
    rows = []
    for label, kind, e, m, r, ra, t, d in specs:
        rows.append([label, cell(e, kind), cell(m, kind), cell(r, kind), cell(ra, kind),
                     ratio(e, m), ratio(e, r), ratio(e, ra), ratio(e, t), ratio(e, d)])
    for key, share in (("es_e2e", "50%"), ("es_e2e_quarter", "25%")):
        rate = figures.get(f"{key}.rate")
        e2e_label = f"e2e 100B at {share} of max (ms)" if rate is None else \
            f"e2e 100B at {fmt(rate, 'msgs')}/s, {share} of max (ms)"
        if figures.get(f"{key}.p50") is None:
            e2e = note(f"{key}.p50")
        else:
            e2e = "/".join(cell(f"{key}.{p}", "ms") for p in ("p50", "p99", "p999", "max"))
        rows.append([e2e_label + " p50/p99/p99.9/max", e2e] + [""] * 8)
    rows.append(["broker peak RSS, VmHWM (MB)", cell("es_rss.mb", "mb")] + [""] * 8)

    widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns))]
    # The e2e cell may be long; let it spill over the empty cells instead of widening a column.
    widths[1] = max(len(columns[1]), *(len(r[1]) for r in rows if "/" not in r[1]))

    def line(cells):
        parts = [cells[0].ljust(widths[0])]
        for i in range(1, len(cells)):
            parts.append(cells[i].rjust(widths[i]))
        return "  ".join(parts).rstrip()

    def e2e_line(cells):
        return (cells[0].ljust(widths[0]) + "  " + cells[1]).rstrip()

    load = open("/proc/loadavg").read().split()[:3]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"edgestream peer and limit comparison  {now}  {os.cpu_count()} CPUs  "
          f"load after: {' '.join(load)}{'  (quick)' if params.get('quick') == '1' else ''}")
    print("ratio = edgestream / reference; M = 10^6 msgs/s; MB/s = 10^6 payload bytes/s; "
          "Redis = XADD pipelined 16 deep, persistence off")
    print()
    head = line(columns)
    print(head)
    print("-" * len(head))
    for r in rows:
        print(e2e_line(r) if r[0].startswith("e2e") else line(r))
    print()
    limits = []
    if figures.get("iperf3.mb") is not None:
        limits.append(f"loopback TCP (iperf3, 1 stream) {figures['iperf3.mb']:.0f} MB/s")
    else:
        limits.append(f"loopback TCP {note('iperf3.mb')}")
    for k, label in (("disk_16k", "16 KiB"), ("disk_1m", "1 MiB")):
        if figures.get(k + ".mb") is not None:
            limits.append(f"write+fdatasync {label}: {figures[k + '.mb']:.0f} MB/s "
                          f"({figures[k + '.ops']:.0f}/s)")
        else:
            limits.append(f"write+fdatasync {label}: {note(k + '.mb')}")
    print(f"raw limits ({params.get('data_fs', '?')}): " + "; ".join(limits))
    for i, why in enumerate(notes):
        print(f"  n/a[{i + 1}] {why}")

    doc = {
        "date": now,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "load_after": [float(x) for x in load],
        "params": params,
        "figures": figures,
        "na": reasons,
        "raw": raw,
        "table": {"columns": columns, "rows": rows, "notes": notes},
        "commands": [re.sub(r"x{64,}", lambda m: f"<{len(m.group())} bytes of x>", c)
                     for c in read(os.path.join(out, "commands.txt")).splitlines() if c]
        if os.path.exists(os.path.join(out, "commands.txt")) else [],
    }
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "rate-share":
        rate_share(sys.argv[2], float(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "disk":
        disk(sys.argv[2], float(sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "report":
        params = dict(a.split("=", 1) for a in sys.argv[4:] if "=" in a)
        report(sys.argv[2], sys.argv[3], params)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
