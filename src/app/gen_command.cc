// `edgestream gen ads`: synthetic ad traffic (stream/jobs/ads_generator.h) produced to three
// topics keyed by user, with the record timestamp set to the event time. Wiring only: the model
// is the generator's; this file paces, sends, reports progress and sums up.

#include "app/ad_traffic.h"
#include "app/cli_support.h"
#include "app/commands.h"
#include "base/stop_signals.h"
#include "client/admin.h"
#include "client/errc.h"
#include "client/producer.h"
#include "stream/jobs/ads_generator.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace es::app {

namespace {

using Clock = std::chrono::steady_clock;
using stream::jobs::AdEventType;
using stream::jobs::AdRecord;
using stream::jobs::AdsGenerator;
using stream::jobs::AdsGeneratorOptions;

constexpr std::string_view kCommand = "gen ads";

struct GenOptions {
    Connection connection;
    AdsGeneratorOptions gen;
    int64_t rate = 0;
    int64_t duration_s = 0;
    uint64_t events = 0;
    int partitions = 4;
    std::string prefix = "ad-";
    int64_t start_ms = 0;
    CLI::Option* start_ms_option = nullptr;  // set: --start-ms was given
    bool json = false;
    std::string value_format = "json";
    std::string registry;
};

/// Creates the missing topics with --partitions.
void ensure_topics(const GenOptions& o, const AdTopics& topics) {
    app::ensure_topics(o.connection, {topics.begin(), topics.end()}, o.partitions, kCommand,
                       stderr);
}

int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void print_summary(const GenOptions& o, const AdTopics& topics, const AdCounts& sent,
                   const client::ProducerStats& delivery,
                   const stream::jobs::AdsGeneratorStats& gen, double seconds) {
    const double rate = seconds > 0 ? static_cast<double>(sent.total()) / seconds : 0.0;
    if (o.json) {
        nlohmann::ordered_json j = {
            {"events", sent.total()},
            {"impressions", sent.by_type[0]},
            {"clicks", sent.by_type[1]},
            {"conversions", sent.by_type[2]},
            {"click_conversions", gen.click_conversions},
            {"view_through_conversions", gen.view_through_conversions},
            {"unattributed_conversions", gen.unattributed_conversions},
            {"duplicates", sent.duplicates},
            {"late", sent.late},
            {"pending", gen.pending},
            {"delivered", delivery.delivered},
            {"failed", delivery.failed},
            {"seconds", seconds},
            {"events_per_s", rate},
            {"seed", o.gen.seed},
            {"start_ms", o.gen.start_ms},
            {"end_ms", gen.clock_ms},
            {"topics",
             {{"impressions", topics[0]}, {"clicks", topics[1]}, {"conversions", topics[2]}}},
        };
        std::puts(j.dump().c_str());
    } else {
        std::putchar('\n');
        print_table({{"METRIC", "VALUE"},
                     {"events", std::to_string(sent.total())},
                     {"impressions (" + topics[0] + ")", std::to_string(sent.by_type[0])},
                     {"clicks (" + topics[1] + ")", std::to_string(sent.by_type[1])},
                     {"conversions (" + topics[2] + ")", std::to_string(sent.by_type[2])},
                     {"  after a click", std::to_string(gen.click_conversions)},
                     {"  view-through", std::to_string(gen.view_through_conversions)},
                     {"  unattributed", std::to_string(gen.unattributed_conversions)},
                     {"duplicates", std::to_string(sent.duplicates)},
                     {"late", std::to_string(sent.late)},
                     {"still pending (not sent)", std::to_string(gen.pending)},
                     {"delivered", std::to_string(delivery.delivered)},
                     {"failed", std::to_string(delivery.failed)},
                     {"seconds", fmt::format("{:.2f}", seconds)},
                     {"events/s", fmt::format("{:.0f}", rate)}});
    }
    std::fflush(stdout);
}

void run_gen_ads(GenOptions o) {
    if (o.rate > 0) {
        // Paced by the wall clock: event time keeps the same pace, so it tracks the wall clock.
        o.gen.events_per_second = static_cast<double>(o.rate);
    }
    o.gen.start_ms = o.start_ms_option->count() ? o.start_ms : wall_clock_ms();
    if (Status valid = stream::jobs::validate(o.gen); !valid.ok()) {
        fail(kUsage, kCommand, valid.error().message());
    }
    const AdTopics topics = ad_topics(o.prefix);
    std::unique_ptr<FramedValueEncoder> encoder;
    if (o.value_format == "avro") {
        if (o.registry.empty()) fail(kUsage, kCommand, "--value-format avro needs --registry");
        auto made = make_ad_value_encoder(o.registry, topics);
        if (!made.ok()) fail(kCommand, made.error());
        encoder = std::move(made).value();
    } else if (!o.registry.empty()) {
        fail(kUsage, kCommand, "--registry goes with --value-format avro");
    }
    ensure_topics(o, topics);

    // SIGINT/SIGTERM end the run like its limit does: flushed and summed up. Blocked before the
    // producer starts its threads, which inherit the mask; polled once a second below.
    const sigset_t signals = block_stop_signals();
    auto made = make_ad_producer(o.connection.config(kCommand));
    if (!made.ok()) fail(kCommand, made.error());
    auto producer = std::move(made).value();
    AdsGenerator generator(o.gen);

    fmt::print(stderr,
               "generating ad traffic to {}, {}, {} (seed {}, {}, event time from {}, {} values)\n",
               topics[0], topics[1], topics[2], o.gen.seed,
               o.rate ? fmt::format("{} events/s", o.rate) : std::string("as fast as possible"),
               o.gen.start_ms, encoder ? "Confluent-framed Avro" : "JSON");
    fmt::print(stderr, "{:>6} {:>10} {:>12} {:>8} {:>11} {:>12}\n", "second", "events/s",
               "impressions", "clicks", "conversions", "acked total");

    AdCounts sent;
    AdCounts last_tick;
    SendLimits limits;
    limits.rate = o.rate;
    limits.duration = std::chrono::seconds(o.duration_s);
    limits.events = o.events;
    const auto start = Clock::now();
    std::string error = send_ad_traffic(
        *producer, generator, topics, limits, sent,
        [&](int64_t second, const AdCounts& now) {
            const AdCounts& t = last_tick;
            fmt::print(stderr, "{:>6} {:>10} {:>12} {:>8} {:>11} {:>12}\n", second,
                       now.total() - t.total(), now.by_type[0] - t.by_type[0],
                       now.by_type[1] - t.by_type[1], now.by_type[2] - t.by_type[2],
                       producer->stats().delivered);
            std::fflush(stderr);
            last_tick = now;
            timespec zero{0, 0};
            return sigtimedwait(&signals, nullptr, &zero) <= 0;
        },
        encoder.get());
    auto flushed = producer->flush(
        std::chrono::milliseconds(std::max<int64_t>(o.connection.timeout_ms, 30000)));
    if (!flushed.ok() && error.empty()) error = flushed.error().to_string();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const client::ProducerStats delivery = producer->stats();
    print_summary(o, topics, sent, delivery, generator.stats(), seconds);
    if (!error.empty()) fail(kFailure, kCommand, error);
    if (delivery.failed || delivery.delivered != sent.total()) {
        fail(kFailure, kCommand,
             fmt::format("{} of {} records delivered, {} failed", delivery.delivered, sent.total(),
                         delivery.failed));
    }
}

}  // namespace

void add_gen_command(CLI::App& app) {
    CLI::App* gen = app.add_subcommand("gen", "Generate synthetic traffic into topics");
    gen->require_subcommand(1);
    add_gen_nexmark_command(*gen);

    auto o = std::make_shared<GenOptions>();
    CLI::App* cmd = gen->add_subcommand(
        "ads",
        "Ad impressions, clicks and conversions keyed by user into <prefix>impressions, "
        "<prefix>clicks and <prefix>conversions (until --events, --duration or SIGINT)");
    o->connection.add_to(cmd);
    cmd->add_option("--rate", o->rate,
                    "Events per second of wall clock, and of event time (0: as fast as "
                    "possible, event time at 10000/s)")
        ->check(CLI::Range(int64_t{0}, int64_t{100'000'000}))
        ->capture_default_str();
    CLI::Option* duration = cmd->add_option("--duration", o->duration_s, "Seconds to run")
                                ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
    cmd->add_option("--events", o->events, "Events to send")
        ->check(CLI::PositiveNumber)
        ->excludes(duration);
    cmd->add_option("--seed", o->gen.seed, "Seed: the same seed and options give the same events")
        ->capture_default_str();
    cmd->add_option("--users", o->gen.users, "Users (Zipf popularity)")->capture_default_str();
    cmd->add_option("--campaigns", o->gen.campaigns, "Campaigns (Zipf popularity)")
        ->capture_default_str();
    cmd->add_option("--ctr", o->gen.ctr, "Clicks per impression")->capture_default_str();
    cmd->add_option("--cvr", o->gen.cvr, "Conversions per click")->capture_default_str();
    cmd->add_option("--click-delay-ms", o->gen.click_delay_mean_ms,
                    "Mean delay from an impression to its click (exponential)")
        ->capture_default_str();
    cmd->add_option("--conversion-delay-ms", o->gen.conversion_delay_mean_ms,
                    "Mean delay from a click or impression to its conversion (exponential)")
        ->capture_default_str();
    cmd->add_option("--disorder-ms", o->gen.max_disorder_ms,
                    "Records are up to this far behind the event-time clock")
        ->capture_default_str();
    cmd->add_option("--late-share", o->gen.late_share,
                    "Share of records held back an hour of event time")
        ->capture_default_str();
    cmd->add_option("--duplicate-share", o->gen.duplicate_share,
                    "Share of records sent twice (same id and value)")
        ->capture_default_str();
    cmd->add_option("--partitions", o->partitions, "Partitions of the topics it creates")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    cmd->add_option("--prefix", o->prefix, "Topic name prefix")->capture_default_str();
    o->start_ms_option =
        cmd->add_option("--start-ms", o->start_ms, "Event time of the first record (default: now)");
    cmd->add_option("--value-format", o->value_format,
                    "json, or avro: Confluent-framed Avro with the schemas registered under "
                    "<topic>-value in --registry")
        ->check(CLI::IsMember({"json", "avro"}))
        ->capture_default_str();
    cmd->add_option("--registry", o->registry,
                    "Schema registry URL for --value-format avro (http://host:port)");
    cmd->add_flag("--json", o->json, "Print the summary as one JSON object");
    // The generator's own checks (validate()) run in the callback: they give exit code 2 too.
    cmd->callback([o] { run_gen_ads(*o); });
}

}  // namespace es::app
