// `edgestream bench produce|consume|e2e`: throughput and latency through client/ (librdkafka),
// so that it measures edgestream and any Kafka cluster (or librdkafka's in-process mock cluster,
// `-X test.mock.num.brokers=1`) the same way. The load itself is app/load.h, shared with `demo`.

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/load.h"
#include "client/admin.h"
#include "client/errc.h"
#include "client/producer.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace es::app {

namespace {

using load::Clock;

struct BenchOptions {
    Connection connection;
    std::string topic = "bench";
    bool json = false;
    size_t message_bytes = 100;
    int partitions = 4;
    int consumers = 1;
    uint64_t messages = 0;
    int64_t rate = 0;
    int duration_s = 10;
    std::string acks = "all";
    int linger_ms = 5;
    int64_t batch_bytes = 1000000;
    std::string compression = "none";

    /// Progress goes to stderr when stdout carries the JSON.
    std::FILE* progress() const { return json ? stderr : stdout; }
};

bool uses_mock_cluster(const BenchOptions& o) { return app::uses_mock_cluster(o.connection); }

/// Creates the topic with --partitions when it is missing.
void ensure_topic(const BenchOptions& o, std::string_view command) {
    ensure_topics(o.connection, {o.topic}, o.partitions, command, o.progress());
}

std::string fixed(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

nlohmann::json latency_json(const load::Latency& l) {
    return {{"p50", l.p50}, {"p99", l.p99}, {"p999", l.p999}, {"max", l.max}};
}

void add_latency_rows(std::vector<std::vector<std::string>>& rows, const std::string& what,
                      const load::Latency& l) {
    rows.push_back({what + " p50 (ms)", fixed(l.p50, 2)});
    rows.push_back({what + " p99 (ms)", fixed(l.p99, 2)});
    rows.push_back({what + " p99.9 (ms)", fixed(l.p999, 2)});
    rows.push_back({what + " max (ms)", fixed(l.max, 2)});
}

/// The summary: a table, or one JSON object on stdout with --json.
void report(const BenchOptions& o, const nlohmann::json& j,
            const std::vector<std::vector<std::string>>& rows) {
    if (o.json) {
        std::puts(j.dump().c_str());
    } else {
        std::putchar('\n');
        print_table(rows);
    }
    std::fflush(stdout);
}

client::ClientConfig producer_config(const BenchOptions& o, std::string_view command) {
    client::ClientConfig config = o.connection.config(command);
    std::map<std::string, std::string> props = {
        {"acks", o.acks},
        {"linger.ms", std::to_string(o.linger_ms)},
        {"batch.size", std::to_string(o.batch_bytes)},
        {"compression.type", o.compression},
        {"queue.buffering.max.messages", "1000000"},
    };
    for (auto& [k, v] : config.properties) props[k] = v;  // -X wins
    config.properties = std::move(props);
    return config;
}

std::unique_ptr<client::Producer> make_producer(const BenchOptions& o, std::string_view command) {
    auto producer = client::Producer::make(producer_config(o, command));
    if (!producer.ok()) fail(command, producer.error());
    return std::move(producer).value();
}

/// What produce and e2e both report about their producer: JSON fields and table rows.
struct Figures {
    nlohmann::json json;
    std::vector<std::vector<std::string>> rows;
};

Figures produced_figures(const char* mode, const load::ProduceResult& r) {
    double msgs = static_cast<double>(r.stats.delivered) / r.seconds;
    double mb = msgs * static_cast<double>(r.value_bytes) / 1e6;
    Figures f;
    f.json = {{"mode", mode},
              {"messages", r.stats.delivered},
              {"message_bytes", r.value_bytes},
              {"seconds", r.seconds},
              {"msgs_per_s", msgs},
              {"mb_per_s", mb},
              {"failed", r.stats.failed}};
    f.rows = {{"METRIC", "VALUE"},
              {"messages acknowledged", std::to_string(r.stats.delivered)},
              {"messages failed", std::to_string(r.stats.failed)},
              {"seconds", fixed(r.seconds, 2)},
              {"produced msgs/s", fixed(msgs, 0)},
              {"MB/s", fixed(mb, 1)}};
    return f;
}

void run_produce(const BenchOptions& o) {
    const std::string_view command = "bench produce";
    ensure_topic(o, command);
    auto producer = make_producer(o, command);
    load::ProduceOptions p;
    p.topic = o.topic;
    p.message_bytes = o.message_bytes;
    p.messages = o.messages ? o.messages : 2000000;
    p.rate = o.rate;
    p.latency_every = 8;
    std::FILE* out = o.progress();
    fmt::print(out, "producing {} messages of {} B to {} (acks={}{})\n", p.messages,
               o.message_bytes, o.topic, o.acks,
               o.rate ? fmt::format(", {} msg/s", o.rate) : std::string());
    fmt::print(out, "{:>6} {:>14} {:>14}\n", "second", "produced/s", "acked total");
    uint64_t last_sent = 0;
    auto r = load::produce(*producer, p, [&](int64_t second, const client::ProducerStats& s) {
        fmt::print(out, "{:>6} {:>14} {:>14}\n", second, s.sent - last_sent, s.delivered);
        std::fflush(out);
        last_sent = s.sent;
    });
    load::Latency latency = load::summarize(r.delivery_ns);
    Figures f = produced_figures("produce", r);
    f.json["latency_ms"] = latency_json(latency);
    add_latency_rows(f.rows, "produce latency", latency);
    report(o, f.json, f.rows);
    if (!r.error.empty()) fail(kFailure, command, r.error);
    if (r.stats.failed || r.stats.delivered < p.messages) {
        fail(kFailure, command, fmt::format("{} messages failed", p.messages - r.stats.delivered));
    }
}

/// Prints consumed/s once a second, summed over the loops, until their threads are done.
void watch_consumers(const BenchOptions& o, std::vector<load::ConsumerLoop>& loops,
                     std::vector<std::thread>& threads, std::atomic<size_t>& running) {
    std::FILE* out = o.progress();
    auto start = Clock::now();
    auto next = start + std::chrono::seconds(1);
    uint64_t last = 0;
    while (running > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (Clock::now() < next) continue;
        uint64_t consumed = 0;
        for (const auto& loop : loops) consumed += loop.consumed;
        fmt::print(out, "{:>6} {:>14} {:>16}\n", (next - start) / std::chrono::seconds(1),
                   consumed - last, consumed);
        std::fflush(out);
        last = consumed;
        next += std::chrono::seconds(1);
    }
    for (auto& thread : threads) thread.join();
}

/// The topic's partitions dealt round-robin to `consumers` shares.
std::vector<std::vector<model::PartitionId>> share_partitions(const BenchOptions& o,
                                                              std::string_view command) {
    auto admin = client::Admin::make(o.connection.config(command));
    if (!admin.ok()) fail(command, admin.error());
    auto partitions = (*admin)->describe_partitions(o.topic);
    if (!partitions.ok()) fail(command, partitions.error());
    if (partitions->size() < static_cast<size_t>(o.consumers)) {
        fail(kUsage, command,
             fmt::format("--consumers {} is more than the {} partitions of {}", o.consumers,
                         partitions->size(), o.topic));
    }
    std::vector<std::vector<model::PartitionId>> shares(static_cast<size_t>(o.consumers));
    for (size_t i = 0; i < partitions->size(); ++i) {
        shares[i % shares.size()].push_back((*partitions)[i].id);
    }
    return shares;
}

void run_consume(const BenchOptions& o) {
    const std::string_view command = "bench consume";
    if (uses_mock_cluster(o)) {
        fail(kUsage, command,
             "the mock cluster (-X test.mock.*) is private to one client: only bench produce "
             "can use it");
    }
    if (o.consumers > 1 && o.messages) {
        fail(kUsage, command,
             "--messages counts for one consumer; with --consumers every partition is read to "
             "its end");
    }
    client::ClientConfig config = o.connection.config(command);
    load::ConsumeOptions c;
    c.topic = o.topic;
    c.max_messages = o.messages;
    c.until_end = true;
    c.idle_timeout = std::chrono::milliseconds(o.connection.timeout_ms);
    // Several consumers share the partitions, as the members of a consumer group would: each
    // has its own connection and fetch thread.
    std::vector<std::vector<model::PartitionId>> shares(1);
    if (o.consumers > 1) shares = share_partitions(o, command);
    std::FILE* out = o.progress();
    fmt::print(out, "consuming {} from the beginning of {}{}\n",
               o.messages ? std::to_string(o.messages) + " messages" : "everything", o.topic,
               o.consumers > 1 ? fmt::format(" with {} consumers", o.consumers) : "");
    fmt::print(out, "{:>6} {:>14} {:>16}\n", "second", "consumed/s", "consumed total");
    std::vector<load::ConsumerLoop> loops(shares.size());
    std::vector<std::thread> threads;
    std::atomic<size_t> running{loops.size()};
    for (size_t i = 0; i < loops.size(); ++i) {
        threads.emplace_back([&, i] {
            load::ConsumeOptions mine = c;
            mine.partitions = shares[i];
            loops[i].run(config, mine);
            --running;
        });
    }
    watch_consumers(o, loops, threads, running);
    uint64_t consumed = 0;
    uint64_t bytes = 0;
    std::string error;
    std::optional<Clock::time_point> first;
    std::optional<Clock::time_point> last;
    for (const auto& loop : loops) {
        consumed += loop.consumed;
        bytes += loop.bytes;
        if (error.empty()) error = loop.error;
        if (loop.started == Clock::time_point{}) continue;  // never read
        first = first ? std::min(*first, loop.started) : loop.started;
        last = last ? std::max(*last, loop.finished) : loop.finished;
    }
    if (!error.empty() && consumed == 0) fail(kFailure, command, error);
    double seconds =
        first ? std::max(std::chrono::duration<double>(*last - *first).count(), 1e-9) : 1e-9;
    double msgs = static_cast<double>(consumed) / seconds;
    double mb = static_cast<double>(bytes) / seconds / 1e6;
    size_t bytes_each = consumed ? bytes / consumed : 0;
    nlohmann::json j = {{"mode", "consume"},
                        {"messages", consumed},
                        {"message_bytes", bytes_each},
                        {"consumers", loops.size()},
                        {"seconds", seconds},
                        {"msgs_per_s", msgs},
                        {"mb_per_s", mb},
                        {"failed", 0}};
    report(o, j,
           {{"METRIC", "VALUE"},
            {"messages consumed", std::to_string(consumed)},
            {"consumers", std::to_string(loops.size())},
            {"seconds", fixed(seconds, 2)},
            {"msgs/s", fixed(msgs, 0)},
            {"MB/s", fixed(mb, 1)}});
    if (!error.empty()) fail(kFailure, command, error);
    if (o.messages && consumed < o.messages) {
        fail(kFailure, command,
             fmt::format("only {} of {} messages arrived within {} ms", consumed, o.messages,
                         o.connection.timeout_ms));
    }
    if (consumed == 0) fail(kFailure, command, "the topic is empty (run bench produce first)");
}

void run_e2e(const BenchOptions& o) {
    const std::string_view command = "bench e2e";
    if (uses_mock_cluster(o)) {
        fail(kUsage, command,
             "the mock cluster (-X test.mock.*) is private to one client: only bench produce "
             "can use it");
    }
    if (o.message_bytes < 8) fail(kUsage, command, "--message-bytes must be at least 8");
    ensure_topic(o, command);
    client::ClientConfig config = o.connection.config(command);
    client::ClientConfig for_producer = producer_config(o, command);

    // Start at the current end (from the beginning, an earlier run's records would count), and
    // produce once the consumer is positioned there, or nothing produced before would be read.
    load::ConsumerLoop loop;
    load::ConsumeOptions c;
    c.topic = o.topic;
    c.measure_latency = true;
    c.from_end = true;
    c.idle_timeout = std::chrono::milliseconds(o.connection.timeout_ms);
    // Room for the samples up front (up to 16M: 128 MB), so that growing the vector does not
    // copy it while latencies are taken.
    loop.latencies_ns.reserve(std::min<size_t>(
        static_cast<size_t>(o.rate) * static_cast<size_t>(o.duration_s) + 1024, size_t{1} << 24));
    std::thread thread([&] { loop.run(config, c); });
    auto stop_consumer = [&] {
        loop.stop = true;
        thread.join();
    };
    auto ready_by = Clock::now() + std::chrono::milliseconds(o.connection.timeout_ms);
    while (!loop.ready && Clock::now() < ready_by)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));

    auto producer = client::Producer::make(for_producer);
    if (!producer.ok()) {
        stop_consumer();
        fail(command, producer.error());
    }
    auto warmed =
        load::warm_up(**producer, o.topic, std::chrono::milliseconds(o.connection.timeout_ms));
    if (!warmed.ok()) {
        stop_consumer();
        fail(command, warmed.error());
    }
    const uint64_t warm_up_count = load::kWarmUpRecords;

    load::ProduceOptions p;
    p.topic = o.topic;
    p.message_bytes = o.message_bytes;
    p.duration = std::chrono::seconds(o.duration_s);
    p.rate = o.rate;
    p.stamp = true;
    p.latency_every = 8;
    std::FILE* out = o.progress();
    fmt::print(out, "producing {} B messages to {} at {} msg/s for {} s (acks={})\n",
               o.message_bytes, o.topic, o.rate, o.duration_s, o.acks);
    fmt::print(out, "{:>6} {:>14} {:>14} {:>14}\n", "second", "produced/s", "consumed/s",
               "acked total");
    uint64_t last_sent = warm_up_count;
    uint64_t last_consumed = 0;
    auto r = load::produce(**producer, p, [&](int64_t second, const client::ProducerStats& s) {
        uint64_t consumed = loop.consumed - warm_up_count;
        fmt::print(out, "{:>6} {:>14} {:>14} {:>14}\n", second, s.sent - last_sent,
                   consumed - last_consumed, s.delivered - warm_up_count);
        std::fflush(out);
        last_sent = s.sent;
        last_consumed = consumed;
    });
    loop.expected = r.stats.delivered + warm_up_count;
    stop_consumer();

    uint64_t consumed = loop.consumed - warm_up_count;
    load::Latency latency = load::summarize(loop.latencies_ns);
    double consumed_per_s = static_cast<double>(consumed) / r.seconds;
    Figures f = produced_figures("e2e", r);
    f.json["consumed"] = consumed;
    f.json["consumed_per_s"] = consumed_per_s;
    f.json["latency_ms"] = latency_json(latency);
    f.rows.push_back({"messages consumed", std::to_string(consumed)});
    f.rows.push_back({"consumed msgs/s", fixed(consumed_per_s, 0)});
    add_latency_rows(f.rows, "produce-to-consume", latency);
    report(o, f.json, f.rows);
    if (!r.error.empty()) fail(kFailure, command, r.error);
    if (!loop.error.empty()) fail(kFailure, command, "consumer: " + loop.error);
    if (r.stats.failed || consumed != r.stats.delivered) {
        fail(kFailure, command,
             fmt::format("{} acknowledged, {} failed, {} consumed", r.stats.delivered,
                         r.stats.failed, consumed));
    }
}

CLI::App* add_mode(CLI::App* bench, const std::string& name, const std::string& description,
                   const std::shared_ptr<BenchOptions>& o) {
    CLI::App* cmd = bench->add_subcommand(name, description);
    o->connection.add_to(cmd);
    cmd->add_option("--topic", o->topic, "The topic to use")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object at the end (progress to stderr)");
    cmd->add_option("--message-bytes", o->message_bytes, "Value size in bytes")
        ->check(CLI::Range(1, 100000000))
        ->capture_default_str();
    cmd->add_option("--partitions", o->partitions, "Partitions when the topic must be created")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    return cmd;
}

void add_producer_options(CLI::App* cmd, BenchOptions& o) {
    cmd->add_option("--acks", o.acks, "acks: all, 1 or 0")
        ->check(CLI::IsMember({"all", "-1", "1", "0"}))
        ->capture_default_str();
    cmd->add_option("--linger-ms", o.linger_ms, "linger.ms")
        ->check(CLI::Range(0, 900000))
        ->capture_default_str();
    cmd->add_option("--batch-bytes", o.batch_bytes, "batch.size in bytes")
        ->check(CLI::Range(int64_t{1}, int64_t{2147483647}))
        ->capture_default_str();
    cmd->add_option("--compression", o.compression,
                    "compression.type: none, gzip, snappy, lz4, zstd")
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
        ->capture_default_str();
}

}  // namespace

void add_bench_nexmark_command(CLI::App& bench);  // bench_nexmark.cc: `bench nexmark`

void add_bench_command(CLI::App& app) {
    CLI::App* bench = app.add_subcommand(
        "bench", "Measure a cluster through the client: produce, consume, end-to-end latency");
    bench->require_subcommand(1);

    auto produce = std::make_shared<BenchOptions>();
    CLI::App* cmd = add_mode(bench, "produce",
                             "Produce N messages as fast as possible (or at --rate)", produce);
    cmd->add_option("--messages", produce->messages, "Messages to produce (default 2000000)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--rate", produce->rate, "Messages per second (default: as fast as possible)")
        ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
    add_producer_options(cmd, *produce);
    cmd->callback([produce] { run_produce(*produce); });

    auto consume = std::make_shared<BenchOptions>();
    cmd =
        add_mode(bench, "consume", "Read a topic from the beginning as fast as possible", consume);
    cmd->add_option("--messages", consume->messages,
                    "Messages to read (default: everything present, up to the end offsets)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--consumers", consume->consumers,
                    "Consumers sharing the partitions, each with its own connection")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cmd->callback([consume] { run_consume(*consume); });

    auto e2e = std::make_shared<BenchOptions>();
    e2e->rate = 100000;
    cmd = add_mode(bench, "e2e", "Produce at a fixed rate and measure produce-to-consume latency",
                   e2e);
    cmd->add_option("--rate", e2e->rate, "Messages per second")
        ->check(CLI::Range(int64_t{1}, int64_t{100000000}))
        ->capture_default_str();
    cmd->add_option("--duration", e2e->duration_s, "Seconds to produce")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    add_producer_options(cmd, *e2e);
    cmd->callback([e2e] { run_e2e(*e2e); });

    add_bench_nexmark_command(*bench);
}

}  // namespace es::app
