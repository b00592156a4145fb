// `edgestream demo`: the embedded broker under a real client load, end to end. Until the stream
// engine and the ad-attribution job exist (issues #7, #8), the demo is the broker itself: an
// acks=all producer and a consumer through client/ (librdkafka), with throughput, produce-to-
// consume latency and a check that every acknowledged message was consumed.

#include "app/commands.h"
#include "app/load.h"
#include "client/admin.h"
#include "client/consumer.h"
#include "client/producer.h"
#include "serve/node.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace es::app {

namespace {

struct DemoOptions {
    int duration_s = 10;
    int partitions = 4;
    size_t message_bytes = 100;
    int64_t rate = 100000;  // messages per second; 0: as fast as acks=all allows
    std::string data_dir;
};

int run_demo(const DemoOptions& o) {
    std::string dir = o.data_dir;
    bool temporary = dir.empty();
    if (temporary) {
        dir = (std::filesystem::temp_directory_path() /
               ("edgestream-demo-" + std::to_string(::getpid())))
                  .string();
    }
    serve::ServeConfig config;
    config.data_dir = dir;
    config.kafka_addr = {"127.0.0.1", 0};
    config.admin_addr = {"127.0.0.1", 0};
    serve::Node node(config);
    if (auto started = node.start(); !started.ok()) {
        std::fprintf(stderr, "demo: cannot start the broker: %s\n",
                     started.error().to_string().c_str());
        return 1;
    }
    std::string brokers = "127.0.0.1:" + std::to_string(node.kafka_port());
    std::printf("edgestream demo: embedded broker on %s (admin http://127.0.0.1:%u), data in %s\n",
                brokers.c_str(), node.admin_port(), dir.c_str());

    client::ClientConfig client_config;
    client_config.brokers = brokers;
    const std::string topic = "demo-events";
    {
        auto admin = client::Admin::make(client_config);
        if (!admin.ok() || !(*admin)->create_topic(topic, o.partitions, 1).ok()) {
            std::fprintf(stderr, "demo: cannot create the topic\n");
            return 1;
        }
    }

    load::ConsumerLoop consumer;
    load::ConsumeOptions consume_options;
    consume_options.topic = topic;
    consume_options.measure_latency = true;
    consume_options.idle_timeout = std::chrono::seconds(10);
    std::thread consumer_thread([&] { consumer.run(client_config, consume_options); });

    client::ClientConfig producer_config = client_config;
    producer_config.properties = {{"acks", "all"}, {"linger.ms", "2"}, {"compression.type", "lz4"}};
    auto producer = client::Producer::make(producer_config);
    if (!producer.ok()) {
        std::fprintf(stderr, "demo: %s\n", producer.error().to_string().c_str());
        consumer.stop = true;
        consumer_thread.join();
        return 1;
    }
    std::printf("producing %zu-byte messages to %d partitions with acks=all for %d s%s\n\n",
                o.message_bytes, o.partitions, o.duration_s,
                o.rate ? (" at " + std::to_string(o.rate) + " msg/s").c_str() : "");
    std::printf("%6s %14s %14s %12s\n", "second", "produced/s", "consumed/s", "acked total");
    if (auto warmed = load::warm_up(**producer, topic, std::chrono::seconds(30)); !warmed.ok()) {
        std::fprintf(stderr, "demo: %s\n", warmed.error().to_string().c_str());
        consumer.stop = true;
        consumer_thread.join();
        return 1;
    }
    load::ProduceOptions produce_options;
    produce_options.topic = topic;
    produce_options.message_bytes = o.message_bytes;
    produce_options.duration = std::chrono::seconds(o.duration_s);
    produce_options.rate = o.rate;
    produce_options.stamp = true;
    uint64_t last_acked = 0;
    uint64_t last_consumed = 0;
    auto produced = load::produce(
        **producer, produce_options, [&](int64_t second, const client::ProducerStats& stats) {
            uint64_t consumed_now = consumer.consumed - load::kWarmUpRecords;
            std::printf("%6lld %14llu %14llu %12llu\n", static_cast<long long>(second),
                        static_cast<unsigned long long>(stats.delivered - last_acked),
                        static_cast<unsigned long long>(consumed_now - last_consumed),
                        static_cast<unsigned long long>(stats.delivered));
            last_acked = stats.delivered;
            last_consumed = consumed_now;
        });
    const auto& stats = produced.stats;
    double elapsed = produced.seconds;
    consumer.expected = stats.delivered + load::kWarmUpRecords;
    consumer.stop = true;
    consumer_thread.join();

    load::Latency latency = load::summarize(consumer.latencies_ns);
    std::printf("\n%-34s %12llu\n", "messages acknowledged (acks=all)",
                static_cast<unsigned long long>(stats.delivered));
    std::printf("%-34s %12llu\n", "messages failed", static_cast<unsigned long long>(stats.failed));
    uint64_t consumed = consumer.consumed.load() - load::kWarmUpRecords;
    std::printf("%-34s %12llu\n", "messages consumed", static_cast<unsigned long long>(consumed));
    std::printf("%-34s %12.0f\n", "produce rate (msg/s)", stats.delivered / elapsed);
    std::printf("%-34s %12.1f\n", "produce rate (MB/s)",
                stats.delivered * static_cast<double>(produced.value_bytes) / elapsed / 1e6);
    std::printf("%-34s %12.2f\n", "produce-to-consume p50 (ms)", latency.p50);
    std::printf("%-34s %12.2f\n", "produce-to-consume p99 (ms)", latency.p99);
    std::printf("%-34s %12.2f\n", "produce-to-consume max (ms)", latency.max);

    node.stop();
    if (temporary) std::filesystem::remove_all(dir);
    bool ok = produced.error.empty() && stats.failed == 0 && consumer.error.empty() &&
              consumed == stats.delivered;
    if (!consumer.error.empty())
        std::fprintf(stderr, "demo: consumer: %s\n", consumer.error.c_str());
    if (!produced.error.empty()) std::fprintf(stderr, "demo: %s\n", produced.error.c_str());
    std::printf("\n%s\n", ok ? "every acknowledged message was consumed exactly once: OK"
                             : "MISMATCH between acknowledged and consumed messages");
    return ok ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app) {
    auto options = std::make_shared<DemoOptions>();
    CLI::App* cmd = app.add_subcommand(
        "demo", "Run the embedded broker under an acks=all producer and a consumer, and report");
    cmd->add_option("--duration", options->duration_s, "Seconds to produce (default 10)")
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--partitions", options->partitions, "Partitions of the topic (default 4)")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--message-bytes", options->message_bytes, "Message size (default 100)")
        ->check(CLI::Range(8, 1000000));
    cmd->add_option("--rate", options->rate,
                    "Messages per second (default 100000; 0: as fast as possible)")
        ->check(CLI::Range(0, 10000000));
    cmd->add_option("--data-dir", options->data_dir, "Keep the data here (default: a temp dir)");
    cmd->callback([options] {
        int code = run_demo(*options);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
