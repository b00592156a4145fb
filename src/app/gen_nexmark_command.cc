// `edgestream gen nexmark`: Nexmark persons, auctions and bids (stream/nexmark/generator.h) into
// one topic, keyed by id, stamped with event time, paced or as fast as possible.

#include "app/ad_traffic.h"
#include "app/cli_support.h"
#include "app/commands.h"
#include "app/framed_values.h"
#include "app/paced_send.h"
#include "base/stop_signals.h"
#include "stream/nexmark/generator.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

namespace es::app {
namespace {

constexpr std::string_view kCommand = "gen nexmark";

struct NexmarkOptions {
    Connection connection;
    stream::nexmark::GeneratorOptions gen;
    std::string topic = "nexmark-events";
    int64_t rate = 0;
    int64_t duration_s = 0;
    int partitions = 4;
    bool json = false;
    std::string value_format = "json";
    std::string registry;
};

void run_gen_nexmark(NexmarkOptions o) {
    if (o.rate > 0) o.gen.events_per_second = static_cast<double>(o.rate);
    if (Status valid = stream::nexmark::validate(o.gen); !valid.ok()) {
        fail(kUsage, kCommand, valid.error().message());
    }
    std::unique_ptr<FramedValueEncoder> encoder;
    if (o.value_format == "avro") {
        if (o.registry.empty()) fail(kUsage, kCommand, "--value-format avro needs --registry");
        auto made =
            FramedValueEncoder::make(o.registry, {{o.topic, stream::nexmark::event_avro_schema()}});
        if (!made.ok()) fail(kCommand, made.error());
        encoder = std::move(made).value();
    } else if (!o.registry.empty()) {
        fail(kUsage, kCommand, "--registry goes with --value-format avro");
    }
    ensure_topics(o.connection, {o.topic}, o.partitions, kCommand, stderr);
    const sigset_t signals = block_stop_signals();
    // The same idempotent acks=all producer as the ad traffic: the topic holds what was counted.
    auto made = make_ad_producer(o.connection.config(kCommand));
    if (!made.ok()) fail(kCommand, made.error());
    auto producer = std::move(made).value();
    stream::nexmark::Generator generator(o.gen, o.topic);

    fmt::print(stderr, "generating Nexmark events to {} (seed {}, {}, event time from {})\n",
               o.topic, o.gen.seed,
               o.rate ? fmt::format("{} events/s", o.rate) : std::string("as fast as possible"),
               o.gen.base_time_ms);
    std::array<uint64_t, 3> by_kind{};  // persons, auctions, bids
    stream::nexmark::GeneratedRecord r;
    std::string framed;  // the record's value when framed
    auto next = [&](client::ProducerRecord& record) -> Result<bool> {
        if (!generator.has_next()) return false;
        r = generator.next();
        record.topic = r.topic;
        record.key = as_bytes(r.key);
        if (encoder) {
            ES_CHECK(encoder->encode(0, r.json, framed));
            record.value = as_bytes(framed);
        } else {
            record.value = as_bytes(r.json);
        }
        record.timestamp_ms = r.timestamp;
        ++by_kind[r.event.value.index()];  // Person, Auction, Bid
        return true;
    };
    uint64_t last = 0;
    SendLimits limits;
    limits.rate = o.rate;
    limits.duration = std::chrono::seconds(o.duration_s);
    const auto start = std::chrono::steady_clock::now();
    std::string error = send_paced(*producer, limits, next, [&](int64_t second) {
        uint64_t total = by_kind[0] + by_kind[1] + by_kind[2];
        fmt::print(stderr, "{:>6}s {:>10} events/s {:>12} sent {:>12} acked\n", second,
                   total - last, total, producer->stats().delivered);
        last = total;
        timespec zero{0, 0};
        return sigtimedwait(&signals, nullptr, &zero) <= 0;
    });
    auto flushed = producer->flush(std::chrono::milliseconds(30000));
    if (!flushed.ok() && error.empty()) error = flushed.error().to_string();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const client::ProducerStats delivery = producer->stats();
    const uint64_t total = by_kind[0] + by_kind[1] + by_kind[2];
    const double rate = seconds > 0 ? static_cast<double>(total) / seconds : 0.0;
    if (o.json) {
        nlohmann::ordered_json j = {{"events", total},
                                    {"persons", by_kind[0]},
                                    {"auctions", by_kind[1]},
                                    {"bids", by_kind[2]},
                                    {"delivered", delivery.delivered},
                                    {"failed", delivery.failed},
                                    {"seconds", seconds},
                                    {"events_per_s", rate},
                                    {"seed", o.gen.seed},
                                    {"topic", o.topic}};
        std::puts(j.dump().c_str());
    } else {
        print_table({{"METRIC", "VALUE"},
                     {"events", std::to_string(total)},
                     {"persons", std::to_string(by_kind[0])},
                     {"auctions", std::to_string(by_kind[1])},
                     {"bids", std::to_string(by_kind[2])},
                     {"delivered", std::to_string(delivery.delivered)},
                     {"failed", std::to_string(delivery.failed)},
                     {"seconds", fmt::format("{:.2f}", seconds)},
                     {"events/s", fmt::format("{:.0f}", rate)}});
    }
    std::fflush(stdout);
    if (!error.empty()) fail(kFailure, kCommand, error);
    if (delivery.failed || delivery.delivered != total) {
        fail(kFailure, kCommand,
             fmt::format("{} of {} records delivered, {} failed", delivery.delivered, total,
                         delivery.failed));
    }
}

}  // namespace

void add_gen_nexmark_command(CLI::App& gen) {
    auto o = std::make_shared<NexmarkOptions>();
    CLI::App* cmd = gen.add_subcommand(
        "nexmark",
        "Nexmark persons, auctions and bids (1:3:46) as tagged JSON into one topic (until "
        "--events, --duration or SIGINT)");
    o->connection.add_to(cmd);
    cmd->add_option("--topic", o->topic, "The topic")->capture_default_str();
    cmd->add_option("--events", o->gen.max_events, "Events to send (0: no end)")
        ->capture_default_str();
    cmd->add_option("--rate", o->rate,
                    "Events per second of wall clock and of event time (0: as fast as possible)")
        ->check(CLI::Range(int64_t{0}, int64_t{100'000'000}))
        ->capture_default_str();
    cmd->add_option("--duration", o->duration_s, "Seconds to run")
        ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
    cmd->add_option("--seed", o->gen.seed, "Seed: the same seed and options give the same events")
        ->capture_default_str();
    cmd->add_option("--start-ms", o->gen.base_time_ms, "Event time of the first event")
        ->capture_default_str();
    cmd->add_option("--out-of-order-group", o->gen.out_of_order_group_size,
                    "Events are shuffled within groups of this size (1: in order)")
        ->capture_default_str();
    cmd->add_option("--partitions", o->partitions, "Partitions of the topic if it is created")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    cmd->add_option("--value-format", o->value_format,
                    "json, or avro: Confluent-framed Avro with the schema registered under "
                    "<topic>-value in --registry (jobs read it with -p value.format=avro)")
        ->check(CLI::IsMember({"json", "avro"}))
        ->capture_default_str();
    cmd->add_option("--registry", o->registry,
                    "Schema registry URL for --value-format avro (http://host:port)");
    cmd->add_flag("--json", o->json, "Print the summary as one JSON object");
    cmd->callback([o] { run_gen_nexmark(*o); });
}

}  // namespace es::app
