// `edgestream bench nexmark`: the Nexmark queries on the engine alone, in process. The events
// come from stream/nexmark's Generator and are turned into their topic records (tagged JSON, key,
// event-time timestamp) before any clock starts; each query's topology then runs them through the
// TestDriver (the runtime's tasks, operators and RocksDB stores, one partition, a commit every
// --commit-every records, a fresh state directory per query) on this one thread. No broker, no
// client, no network: what is left is decode, the query's work, encode and the state store.

#include "app/cli_support.h"
#include "stream/api/job.h"
#include "stream/api/test_driver.h"
#include "stream/nexmark/generator.h"
#include "stream/nexmark/nexmark_jobs.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace es::app {
namespace {

constexpr std::string_view kCommand = "bench nexmark";
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct NexmarkBenchOptions {
    std::string queries = "all";
    uint64_t events = 1'000'000;
    uint64_t seed = 1;
    /// Events per second of event time; 0: --events / 10, so that every run spans the 10 s of
    /// event time of Flink's published one (100M events at 10M/s): windows of 10 s, auctions
    /// and the watermark's 1 s delay play the same part in it.
    double event_rate = 0;
    uint64_t commit_every = 10'000;
    std::string state_parent;
    bool json = false;

    std::FILE* progress() const { return json ? stderr : stdout; }
};

/// The records of the input topic, made before timing: one buffer, records as offsets into it.
struct Input {
    struct Record {
        size_t key_at = 0;
        uint32_t key_size = 0;
        uint32_t value_size = 0;
        int64_t timestamp = 0;
    };
    std::string bytes;
    std::vector<Record> records;
    uint64_t persons = 0;
    uint64_t auctions = 0;
    uint64_t bids = 0;
    double event_rate = 0;

    std::string_view key(const Record& r) const { return {bytes.data() + r.key_at, r.key_size}; }
    std::string_view value(const Record& r) const {
        return {bytes.data() + r.key_at + r.key_size, r.value_size};
    }
};

Input make_input(const NexmarkBenchOptions& o) {
    stream::nexmark::GeneratorOptions g;
    g.seed = o.seed;
    g.events_per_second =
        o.event_rate > 0 ? o.event_rate : std::max(1.0, static_cast<double>(o.events) / 10);
    g.max_events = o.events;
    if (Status valid = stream::nexmark::validate(g); !valid.ok()) {
        fail(kUsage, kCommand, valid.error().message());
    }
    stream::nexmark::Generator generator(g);
    Input in;
    in.event_rate = g.events_per_second;
    in.records.reserve(o.events);
    in.bytes.reserve(o.events * 160);
    while (generator.has_next()) {
        stream::nexmark::GeneratedRecord r = generator.next();
        Input::Record rec;
        rec.key_at = in.bytes.size();
        rec.key_size = static_cast<uint32_t>(r.key.size());
        rec.value_size = static_cast<uint32_t>(r.json.size());
        rec.timestamp = r.timestamp;
        in.bytes += r.key;
        in.bytes += r.json;
        in.records.push_back(rec);
        switch (r.event.value.index()) {
            case 0:
                ++in.persons;
                break;
            case 1:
                ++in.auctions;
                break;
            default:
                ++in.bids;
                break;
        }
    }
    return in;
}

/// CPU seconds of the whole process (every thread: RocksDB's flushes and compactions count).
double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct QueryResult {
    std::string query;
    uint64_t events = 0;
    uint64_t outputs = 0;  // records written to the query's output topic
    uint64_t late = 0;     // to its -late topic
    uint64_t bad = 0;      // records the source could not decode
    double seconds = 0;
    double cpu_seconds = 0;

    double events_per_s() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
    /// Per core as Flink counts it (events / (cores x time)), never above the one-thread figure:
    /// events over the larger of the wall time and the process's CPU time.
    double events_per_core_s() const {
        double t = std::max(seconds, cpu_seconds);
        return t > 0 ? static_cast<double>(events) / t : 0;
    }
};

class TempDir {
  public:
    explicit TempDir(const fs::path& parent) {
        std::string pattern = (parent / "es-bench-nexmark-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            fail(kFailure, kCommand,
                 fmt::format("cannot create a directory under {}", parent.string()));
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

[[noreturn]] void fail_query(const std::string& query, const Error& error) {
    fail(kFailure, kCommand, fmt::format("{}: {}", query, error.to_string()));
}

QueryResult run_query(const NexmarkBenchOptions& o, const stream::JobInfo& job, const Input& in,
                      const fs::path& state_parent) {
    QueryResult r;
    r.query = job.name.substr(job.name.find('-') + 1);
    auto topology = job.build(stream::JobParams());
    if (!topology.ok()) fail_query(r.query, topology.error());
    std::set<std::string, std::less<>> sinks;
    for (const stream::NodeSpec& node : topology->nodes()) {
        if (node.kind == stream::NodeKind::sink) sinks.insert(node.topic);
    }
    TempDir dir(state_parent);
    stream::TestDriver::Options options;
    options.state_dir = dir.path();
    options.partitions = 1;
    options.application_id = "bench";
    options.start_time = wall_ms();
    options.commit_each_record = false;
    auto made = stream::TestDriver::make(*topology, options);
    if (!made.ok()) fail_query(r.query, made.error());
    stream::TestDriver& driver = **made;
    auto check = [&](const Status& s) {
        if (!s.ok()) fail_query(r.query, s.error());
    };
    if (r.query == "q13") {
        // The side input is a table read before the bids (docs/nexmark.md), not timed.
        for (int k = 0; k < 10'000; ++k) {
            std::string key = std::to_string(k);
            check(driver.pipe("nexmark-side-input", key, "side-" + key, 0));
        }
        check(driver.commit());
    }

    const double cpu0 = process_cpu_seconds();
    const auto t0 = Clock::now();
    uint64_t since_commit = 0;
    auto count_outputs = [&] {
        for (const std::string& topic : sinks) {
            uint64_t n = driver.take(topic).size();
            (topic.ends_with("-late") ? r.late : r.outputs) += n;
        }
    };
    for (const Input::Record& rec : in.records) {
        check(driver.pipe("nexmark-events", in.key(rec), in.value(rec), rec.timestamp));
        if (++since_commit == o.commit_every) {
            since_commit = 0;
            check(driver.commit());
            check(driver.advance_time(wall_ms()));  // processing time: q12's windows
            count_outputs();
        }
    }
    check(driver.commit());
    count_outputs();
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r.cpu_seconds = process_cpu_seconds() - cpu0;
    r.events = in.records.size();
    r.bad = driver.bad_records().size();
    return r;
}

std::string rate(double v) {
    if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
    if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
    return fmt::format("{:.0f}", v);
}

std::vector<const stream::JobInfo*> select_queries(const stream::JobRegistry& registry,
                                                   const std::string& list) {
    std::vector<std::string> names;
    if (list == "all") {
        names = stream::nexmark::nexmark_job_names();
    } else {
        size_t at = 0;
        while (at <= list.size()) {
            size_t comma = std::min(list.find(',', at), list.size());
            std::string q = list.substr(at, comma - at);
            if (!q.empty()) names.push_back(q.starts_with("nexmark-") ? q : "nexmark-" + q);
            at = comma + 1;
        }
    }
    if (names.empty()) fail(kUsage, kCommand, "--query names no query");
    std::vector<const stream::JobInfo*> jobs;
    for (const std::string& name : names) {
        auto job = registry.find(name);
        if (!job.ok()) {
            fail(kUsage, kCommand, fmt::format("no query {} (q0 ... q22 but q10, or all)", name));
        }
        jobs.push_back(*job);
    }
    return jobs;
}

void run_bench_nexmark(const NexmarkBenchOptions& o) {
    stream::JobRegistry registry;
    if (Status st = stream::nexmark::register_nexmark_jobs(registry); !st.ok()) {
        fail(kCommand, st.error());
    }
    std::vector<const stream::JobInfo*> jobs = select_queries(registry, o.queries);
    const fs::path state_parent =
        o.state_parent.empty() ? fs::temp_directory_path() : fs::path(o.state_parent);
    std::FILE* out = o.progress();

    const auto g0 = Clock::now();
    const Input in = make_input(o);
    const double gen_seconds = std::chrono::duration<double>(Clock::now() - g0).count();
    fmt::print(
        out,
        "{} events (seed {}, {:.0f} events/s of event time: {} persons, {} auctions, {} bids, "
        "{:.1f} MB of JSON) made into their topic records in {:.2f} s, BEFORE timing; each "
        "query then runs them through the TestDriver on one thread, one partition, a "
        "commit every {} records, state in a fresh directory under {}\n",
        in.records.size(), o.seed, in.event_rate, in.persons, in.auctions, in.bids,
        static_cast<double>(in.bytes.size()) / 1e6, gen_seconds, o.commit_every,
        state_parent.string());
    std::fflush(out);

    std::vector<QueryResult> results;
    for (const stream::JobInfo* job : jobs) {
        QueryResult r = run_query(o, *job, in, state_parent);
        fmt::print(out, "{:<4} {:>10} events/s  {:>10} outputs  {:>7.2f} s  ({:.2f} CPU s)\n",
                   r.query, rate(r.events_per_s()), r.outputs, r.seconds, r.cpu_seconds);
        std::fflush(out);
        results.push_back(std::move(r));
    }

    if (o.json) {
        nlohmann::ordered_json queries = nlohmann::ordered_json::array();
        for (const QueryResult& r : results) {
            queries.push_back({{"query", r.query},
                               {"events", r.events},
                               {"outputs", r.outputs},
                               {"late", r.late},
                               {"bad", r.bad},
                               {"seconds", r.seconds},
                               {"cpu_seconds", r.cpu_seconds},
                               {"events_per_s", r.events_per_s()},
                               {"events_per_core_s", r.events_per_core_s()}});
        }
        nlohmann::ordered_json j = {{"mode", "nexmark"},
                                    {"source", "in-process: records made before timing"},
                                    {"events", in.records.size()},
                                    {"seed", o.seed},
                                    {"event_rate", in.event_rate},
                                    {"commit_every", o.commit_every},
                                    {"partitions", 1},
                                    {"threads", 1},
                                    {"queries", std::move(queries)}};
        std::puts(j.dump().c_str());
    } else {
        std::vector<std::vector<std::string>> rows = {
            {"QUERY", "EVENTS", "OUTPUTS", "SECONDS", "CPU S", "EVENTS/S", "EVENTS/S/CORE"}};
        for (const QueryResult& r : results) {
            rows.push_back({r.query, std::to_string(r.events), std::to_string(r.outputs),
                            fmt::format("{:.2f}", r.seconds), fmt::format("{:.2f}", r.cpu_seconds),
                            fmt::format("{:.0f}", r.events_per_s()),
                            fmt::format("{:.0f}", r.events_per_core_s())});
        }
        std::putchar('\n');
        print_table(rows);
        std::puts(
            "\nevents/s: all events (persons, auctions, bids) over the wall time of one thread; "
            "events/s/core: over the larger of that and the process's CPU time (RocksDB's "
            "background threads count), as Flink's Nexmark counts events per core");
    }
    std::fflush(stdout);
}

}  // namespace

/// `bench nexmark`, under `edgestream bench` (bench_command.cc).
void add_bench_nexmark_command(CLI::App& bench) {
    auto o = std::make_shared<NexmarkBenchOptions>();
    CLI::App* cmd = bench.add_subcommand(
        "nexmark",
        "Nexmark queries on the engine alone, in process (no broker): events/s on one thread");
    cmd->add_option("--query", o->queries, "Queries: q1,q2,... or all")->capture_default_str();
    cmd->add_option("--events", o->events, "Events per query (persons, auctions and bids)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}))
        ->capture_default_str();
    cmd->add_option("--seed", o->seed, "The generator's seed")->capture_default_str();
    cmd->add_option("--event-rate", o->event_rate,
                    "Events per second of event time (0: --events / 10, the 10 s of event time "
                    "of Flink's published run)")
        ->check(CLI::Range(0.0, 1e9))
        ->capture_default_str();
    cmd->add_option("--commit-every", o->commit_every, "Records between commits")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}))
        ->capture_default_str();
    cmd->add_option("--state-dir", o->state_parent,
                    "Where each query's temporary state directory goes (default: $TMPDIR or /tmp)");
    cmd->add_flag("--json", o->json, "Print one JSON object at the end (progress to stderr)");
    cmd->callback([o] { run_bench_nexmark(*o); });
}

}  // namespace es::app
