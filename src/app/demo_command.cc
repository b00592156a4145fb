// `edgestream demo`: the flagship job on the embedded broker. Starts a broker, creates the ad
// topics, runs the ad-attribution job and the ad-traffic generator in this process, and prints a
// line a second of what goes in and what comes out (read back from the output topics like any
// consumer would), until Ctrl-C or --duration. Everything it started stops with it.

#include "app/ad_traffic.h"
#include "app/cli_support.h"
#include "app/commands.h"
#include "base/log.h"
#include "base/stop_signals.h"
#include "client/admin.h"
#include "client/consumer.h"
#include "serve/config.h"
#include "serve/node.h"
#include "stream/api/job.h"
#include "stream/jobs/builtin_jobs.h"
#include "stream/runtime/job_runner.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace es::app {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kCommand = "demo";

struct DemoOptions {
    int64_t duration_s = 0;  // 0: until Ctrl-C
    int64_t rate = 20000;
    int partitions = 4;
    std::string data_dir;
    std::string kafka_addr = "127.0.0.1:9092";
    std::string admin_addr = "127.0.0.1:9644";
    std::string metrics_addr = "127.0.0.1:9645";
    std::string registry_addr = "127.0.0.1:8081";
    bool addresses_given = false;
    bool on_free_ports = false;  // the default addresses were taken
    std::string model = "last-touch";
    std::string window = "10s";
    uint64_t seed = 1;
};

/// What the output topics say so far, as the demo's reader sums it up.
struct Outcome {
    std::set<std::string> attributed;  // conversion ids with at least one credited touch
    uint64_t unattributed = 0;
    uint64_t credits = 0;
    double revenue = 0;
    std::map<std::string, double> revenue_by_campaign;
    uint64_t campaign_windows = 0;
    uint64_t late_events = 0;
    uint64_t unreadable = 0;

    void add_credit(std::string_view json) {
        auto doc = nlohmann::json::parse(json, nullptr, false);
        if (!doc.is_object()) {
            ++unreadable;
            return;
        }
        if (!doc.value("attributed", false)) {
            ++unattributed;
            return;
        }
        ++credits;
        attributed.insert(doc.value("conversion_id", std::string()));
        double r = doc.value("revenue", 0.0);
        revenue += r;
        revenue_by_campaign[doc.value("campaign", std::string())] += r;
    }

    /// "c-0 $123 · c-4 $88 · ..." for the `n` campaigns with the most revenue.
    std::string top_campaigns(size_t n) const {
        std::vector<std::pair<double, std::string>> ranked;
        for (const auto& [campaign, r] : revenue_by_campaign) ranked.emplace_back(r, campaign);
        std::sort(ranked.rbegin(), ranked.rend());
        std::string out;
        for (size_t i = 0; i < ranked.size() && i < n; ++i) {
            if (i) out += "  ";
            out += fmt::format("{} ${:.0f}", ranked[i].second, ranked[i].first);
        }
        return out;
    }
};

/// Reads the job's outputs read_committed, as a downstream consumer would see them.
class OutputReader {
  public:
    OutputReader(client::ClientConfig config, std::string credits, std::string stats,
                 std::string late)
        : config_(std::move(config)),
          topics_{std::move(credits), std::move(stats), std::move(late)} {
        config_.properties["isolation.level"] = "read_committed";
    }

    Status open() {
        for (const std::string& topic : topics_) {
            ES_TRY(auto consumer, client::Consumer::make(config_));
            ES_CHECK(consumer->assign(topic, {}, client::StartPosition::beginning()));
            consumers_.push_back(std::move(consumer));
        }
        return ok_status();
    }

    /// Reads what is there now; `wait` bounds each poll.
    Status poll(std::chrono::milliseconds wait) {
        for (size_t i = 0; i < consumers_.size(); ++i) {
            ES_TRY(auto batch, consumers_[i]->poll_batch(10000, wait));
            std::lock_guard lock(mu_);
            for (const client::MessageView& m : batch) {
                if (!m.value) continue;
                if (i == 0) {
                    outcome_.add_credit(as_string_view(*m.value));
                } else if (i == 1) {
                    ++outcome_.campaign_windows;
                } else {
                    ++outcome_.late_events;
                }
            }
        }
        return ok_status();
    }

    bool at_end() const {
        return std::all_of(consumers_.begin(), consumers_.end(),
                           [](const auto& c) { return c->at_end(); });
    }

    Outcome snapshot() const {
        std::lock_guard lock(mu_);
        return outcome_;
    }

  private:
    client::ClientConfig config_;
    std::vector<std::string> topics_;
    std::vector<std::unique_ptr<client::Consumer>> consumers_;
    mutable std::mutex mu_;
    Outcome outcome_;
};

std::string with_commas(uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

/// The broker on the requested addresses; when the defaults are taken (another Kafka on this
/// machine), on free ports instead.
std::unique_ptr<serve::Node> start_broker(DemoOptions& o, const std::string& dir) {
    serve::ServeConfig config;
    config.data_dir = dir;
    auto kafka = serve::parse_host_port(o.kafka_addr);
    auto admin = serve::parse_host_port(o.admin_addr);
    if (!kafka.ok()) fail(kUsage, kCommand, "--kafka-addr: " + kafka.error().message());
    if (!admin.ok()) fail(kUsage, kCommand, "--admin-addr: " + admin.error().message());
    auto registry = serve::parse_optional_host_port(o.registry_addr);
    if (!registry.ok()) fail(kUsage, kCommand, "--registry-addr: " + registry.error().message());
    config.registry_addr = *registry;
    config.kafka_addr = *kafka;
    config.admin_addr = *admin;
    // One member joins the job's group: no reason to wait for others.
    config.groups.initial_rebalance_delay_ms = 0;
    auto node = std::make_unique<serve::Node>(config);
    Status started = node->start();
    if (!started.ok() && !o.addresses_given) {
        std::fprintf(stderr, "demo: %s; using free ports instead\n",
                     started.error().to_string().c_str());
        config.kafka_addr.port = 0;
        config.admin_addr.port = 0;
        if (config.registry_addr) config.registry_addr->port = 0;
        o.on_free_ports = true;
        node = std::make_unique<serve::Node>(config);
        started = node->start();
    }
    if (!started.ok())
        fail(kFailure, kCommand, "cannot start the broker: " + started.error().to_string());
    return node;
}

int run_demo(DemoOptions o) {
    // Ctrl-C and SIGTERM reach the loop below only: blocked before any thread starts, since
    // every thread inherits the mask.
    const sigset_t signals = block_stop_signals();
    // The live lines are the demo's output; the components' info logs would drown them.
    if (log::level() < log::Level::warn) log::set_level(log::Level::warn);

    const bool temporary = o.data_dir.empty();
    const std::string dir =
        temporary ? (fs::temp_directory_path() / ("edgestream-demo-" + std::to_string(::getpid())))
                        .string()
                  : o.data_dir;
    auto node = start_broker(o, dir + "/broker");
    const std::string brokers = "127.0.0.1:" + std::to_string(node->kafka_port());
    Connection connection;
    connection.brokers = brokers;
    client::ClientConfig client_config = connection.config(kCommand);

    // The job and its parameters, checked before anything runs.
    stream::JobRegistry registry;
    if (Status st = stream::jobs::register_builtin_jobs(registry); !st.ok())
        fail(kCommand, st.error());
    auto job = registry.find("ad-attribution");
    if (!job.ok()) fail(kCommand, job.error());
    stream::JobParams params(
        std::map<std::string, std::string>{{"model", o.model}, {"window", o.window}});
    auto topology = (*job)->build(params);
    if (!topology.ok()) fail(kUsage, kCommand, topology.error().message());

    const AdTopics inputs = ad_topics("ad-");
    const std::vector<std::string> outputs = {"ad-attributed", "ad-campaign-stats",
                                              "ad-late-events"};
    std::vector<std::string> all(inputs.begin(), inputs.end());
    all.insert(all.end(), outputs.begin(), outputs.end());
    ensure_topics(connection, all, o.partitions, kCommand, stderr);

    stream::runtime::RuntimeConfig runtime;
    runtime.application_id = "ad-attribution";
    runtime.cluster = client_config;
    runtime.state_dir = dir + "/state";
    stream::runtime::RunOptions run_options;
    run_options.metrics_addr = o.on_free_ports ? "127.0.0.1:0" : o.metrics_addr;
    auto runner =
        stream::runtime::JobRunner::make(std::move(topology).value(), runtime, run_options);
    if (!runner.ok()) fail(kCommand, runner.error());
    std::atomic<bool> stop_job{false};
    Status job_result;
    std::thread job_thread([&] { job_result = (*runner)->run(stop_job); });

    stream::jobs::AdsGeneratorOptions gen;
    gen.seed = o.seed;
    gen.events_per_second = static_cast<double>(o.rate);
    // Clicks about 5 s and conversions about 15 s after their touch, so that results show
    // within the first minute (real traffic converts over hours).
    gen.click_delay_mean_ms = 5000;
    gen.conversion_delay_mean_ms = 15000;
    gen.start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    auto producer = make_ad_producer(client_config);
    if (!producer.ok()) fail(kCommand, producer.error());
    stream::jobs::AdsGenerator generator(gen);
    std::atomic<bool> stop_gen{false};
    std::atomic<uint64_t> events_sent{0};
    AdCounts sent;
    std::string gen_error;
    std::thread gen_thread([&] {
        SendLimits limits;
        limits.rate = o.rate;
        gen_error = send_ad_traffic(**producer, generator, inputs, limits, sent,
                                    [&](int64_t, const AdCounts& now) {
                                        events_sent = now.total();
                                        return !stop_gen.load();
                                    });
        Status flushed = (*producer)->flush(std::chrono::seconds(30));
        if (!flushed.ok() && gen_error.empty()) gen_error = flushed.error().to_string();
    });

    OutputReader reader(client_config, outputs[0], outputs[1], outputs[2]);
    if (Status st = reader.open(); !st.ok()) fail(kCommand, st.error());
    std::atomic<bool> stop_reader{false};
    std::thread reader_thread([&] {
        while (!stop_reader) {
            if (Status st = reader.poll(std::chrono::milliseconds(100)); !st.ok()) {
                std::fprintf(stderr, "demo: reading the outputs: %s\n",
                             st.error().to_string().c_str());
                std::this_thread::sleep_for(std::chrono::seconds(1));
            }
        }
    });

    // Where to look, once the job serves its metrics.
    for (int i = 0; i < 50 && !(*runner)->metrics_port(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto metrics_port = (*runner)->metrics_port();
    fmt::print(
        "edgestream demo: real-time ad attribution ({} model) on the embedded broker\n"
        "  broker       {}  (Kafka protocol; data in {})\n"
        "  dashboard    http://127.0.0.1:{}/  (live figures; Prometheus text at /metrics)\n"
        "  job metrics  http://127.0.0.1:{}/metrics and /v1/job\n"
        "  registry     {}\n"
        "  inputs       {}, {}, {}  ({} events/s, seed {})\n"
        "  outputs      ad-attributed (a record per credited touch), ad-campaign-stats ({} "
        "windows), ad-late-events\n"
        "  look inside  edgestream consume ad-attributed --brokers {} -n 5\n"
        "{}\n\n",
        o.model, brokers, dir, node->admin_port(), metrics_port ? *metrics_port : 0,
        node->registry_port()
            ? fmt::format("http://127.0.0.1:{}/subjects  (schema registry)", node->registry_port())
            : std::string("off"),
        inputs[0], inputs[1], inputs[2], o.rate, o.seed, o.window, brokers,
        o.duration_s ? fmt::format("Runs for {} s; Ctrl-C stops it sooner.", o.duration_s)
                     : std::string("Ctrl-C stops everything."));
    fmt::print("{:>6} {:>12} {:>12} {:>12} {:>13} {:>12}  {}\n", "time", "events in", "job records",
               "conversions", "unattributed", "revenue", "top campaigns by revenue");
    std::fflush(stdout);

    const auto start = Clock::now();
    bool interrupted = false;
    for (int64_t second = 1;; ++second) {
        const auto due = start + std::chrono::seconds(second);
        while (Clock::now() < due) {
            const auto left =
                std::chrono::duration_cast<std::chrono::nanoseconds>(due - Clock::now());
            timespec wait{0, std::clamp<long>(left.count(), 0, 999'999'999)};
            if (sigtimedwait(&signals, nullptr, &wait) > 0) {
                interrupted = true;
                break;
            }
        }
        if (interrupted) break;
        const Outcome out = reader.snapshot();
        fmt::print("{:>5}s {:>12} {:>12} {:>12} {:>13} {:>12}  {}\n", second,
                   with_commas(events_sent), with_commas((*runner)->metrics().records_processed),
                   with_commas(out.attributed.size()), with_commas(out.unattributed),
                   fmt::format("${:.2f}", out.revenue), out.top_campaigns(3));
        std::fflush(stdout);
        if (o.duration_s && second >= o.duration_s) break;
    }

    // Stop in the order data flows: traffic, then the job (it commits what it did), then the
    // reader once it has read what the job committed, then the broker.
    fmt::print("\nstopping: generator, job, reader, broker\n");
    stop_gen = true;
    gen_thread.join();
    stop_job = true;
    job_thread.join();
    const auto drain_until = Clock::now() + std::chrono::seconds(5);
    while (!reader.at_end() && Clock::now() < drain_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop_reader = true;
    reader_thread.join();
    const Outcome out = reader.snapshot();
    const client::ProducerStats delivery = (*producer)->stats();
    producer->reset();
    runner->reset();
    node->stop();

    print_table({{"SUMMARY", "VALUE"},
                 {"events sent", with_commas(sent.total())},
                 {"  impressions / clicks / conversions",
                  fmt::format("{} / {} / {}", with_commas(sent.by_type[0]),
                              with_commas(sent.by_type[1]), with_commas(sent.by_type[2]))},
                 {"  acknowledged", with_commas(delivery.delivered)},
                 {"conversions attributed", with_commas(out.attributed.size())},
                 {"conversions unattributed", with_commas(out.unattributed)},
                 {"credited touches", with_commas(out.credits)},
                 {"attributed revenue", fmt::format("${:.2f}", out.revenue)},
                 {"campaign window results", with_commas(out.campaign_windows)},
                 {"late events refused", with_commas(out.late_events)},
                 {"top campaigns", out.top_campaigns(5)}});
    if (temporary) {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    bool ok = true;
    if (!gen_error.empty()) {
        std::fprintf(stderr, "demo: generator: %s\n", gen_error.c_str());
        ok = false;
    }
    if (!job_result.ok()) {
        std::fprintf(stderr, "demo: job: %s\n", job_result.error().to_string().c_str());
        ok = false;
    }
    if (out.unreadable) {
        std::fprintf(stderr, "demo: %llu unreadable output records\n",
                     static_cast<unsigned long long>(out.unreadable));
        ok = false;
    }
    return ok ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app) {
    auto o = std::make_shared<DemoOptions>();
    CLI::App* cmd = app.add_subcommand(
        "demo",
        "Real-time ad attribution on the embedded broker: generator, job and a live summary");
    cmd->add_option("--duration", o->duration_s, "Seconds to run (default: until Ctrl-C)")
        ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
    cmd->add_option("--rate", o->rate, "Ad events per second")
        ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
        ->capture_default_str();
    cmd->add_option("--partitions", o->partitions, "Partitions of the ad topics")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--model", o->model,
                    "Attribution model: last-touch, first-touch, linear, time-decay, "
                    "position-based")
        ->capture_default_str();
    cmd->add_option("--window", o->window, "Campaign statistics window")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Generator seed")->capture_default_str();
    cmd->add_option("--data-dir", o->data_dir,
                    "Keep broker data and job state here (default: "
                    "a temporary directory, removed at the end)");
    auto* kafka =
        cmd->add_option("--kafka-addr", o->kafka_addr, "Broker address")->capture_default_str();
    auto* admin =
        cmd->add_option("--admin-addr", o->admin_addr, "Admin HTTP address")->capture_default_str();
    auto* metrics = cmd->add_option("--metrics-addr", o->metrics_addr, "The job's metrics address")
                        ->capture_default_str();
    auto* registry =
        cmd->add_option("--registry-addr", o->registry_addr, "Schema registry address (off: none)")
            ->capture_default_str();
    cmd->callback([o, kafka, admin, metrics, registry] {
        o->addresses_given =
            kafka->count() + admin->count() + metrics->count() + registry->count() > 0;
        int code = run_demo(*o);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
