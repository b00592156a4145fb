#include "serve/node.h"

#include "base/clock.h"
#include "base/errc.h"
#include "base/log.h"
#include "base/stop_signals.h"
#include "broker/broker.h"
#include "broker/executor.h"
#include "broker/group_coordinator.h"
#include "broker/group_store.h"
#include "broker/txn_coordinator.h"
#include "dashboard/dashboard_service.h"
#include "http/metrics_text.h"
#include "http/server.h"
#include "kafka/server/server.h"
#include "registry/service/registry_service.h"
#include "serve/node_metrics.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>
#include <vector>

namespace es::serve {

namespace {

const log::Logger serve_log{"serve"};

/// The cluster id Metadata and DescribeCluster report: made once per data directory, so clients
/// that remember it see the same cluster after a restart.
Result<std::string> cluster_id(const std::string& data_dir) {
    std::filesystem::path path = std::filesystem::path(data_dir) / "meta" / "cluster.id";
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
        return Error(Errc::io_error, "create " + path.parent_path().string() + ": " + ec.message());
    if (std::ifstream in(path); in) {
        std::string id;
        std::getline(in, id);
        if (id.size() == 22) return id;
        serve_log.warn("{}: unreadable cluster id, making a new one", path.string());
    }
    // 16 random bytes in Kafka's form: URL-safe base64 without padding, 22 characters.
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::random_device rd;
    std::string id;
    for (int i = 0; i < 22; ++i) id += kAlphabet[rd() % 64];
    std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << id << "\n";
        if (!out.flush()) return Error(Errc::io_error, "write " + tmp.string());
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) return Error(Errc::io_error, "rename " + tmp.string() + ": " + ec.message());
    return id;
}

}  // namespace

struct Node::Parts {
    http::HttpServer admin;
    http::HttpServer registry_http;
    std::unique_ptr<registry::service::RegistryService> registry;
    std::unique_ptr<dashboard::DashboardService> dashboard;
    std::unique_ptr<kafka::server::KafkaServer> kafka;
    std::unique_ptr<broker::Broker> broker;
    std::unique_ptr<broker::OffsetsTopicStore> group_store;
    std::unique_ptr<broker::GroupCoordinator> groups;
    std::unique_ptr<broker::TxnCoordinator> transactions;
    std::shared_ptr<std::function<void()>> txn_tick;            // aborts timed-out transactions
    std::vector<std::shared_ptr<std::function<void()>>> ticks;  // housekeeping, one per shard
    std::atomic<bool> stopping{false};
    bool broker_started = false;
};

Node::Node(ServeConfig config) : config_(std::move(config)), parts_(std::make_unique<Parts>()) {}

Node::~Node() { stop(); }

Status Node::start() {
    Parts& p = *parts_;
    p.admin.route("GET", "/v1/status/ready", [this](const http::Request&) {
        if (ready_) return http::Response{200, "application/json", R"({"status":"ready"})"};
        return http::Response{503, "application/json", R"({"status":"starting"})"};
    });
    p.admin.route("GET", "/metrics", [this](const http::Request&) {
        Parts& parts = *parts_;
        if (!ready_ || parts.stopping) {
            return http::Response{503, "text/plain", "not ready\n"};
        }
        NodeMetricsSources sources{*parts.kafka, *parts.broker, *parts.groups, *parts.transactions,
                                   *parts.kafka->executors()[0]};
        return http::Response{200, http::kMetricsContentType, render_node_metrics(sources)};
    });
    ES_TRY(admin_port_, p.admin.listen(config_.admin_addr.host, config_.admin_addr.port));
    p.admin.start();

    config_.broker.data_dir = config_.data_dir;
    config_.server.node_id = config_.broker.node_id;
    if (config_.server.cluster_id.empty()) {
        ES_TRY(config_.server.cluster_id, cluster_id(config_.data_dir));
    }
    size_t shards =
        config_.shards ? config_.shards : std::max<size_t>(1, std::thread::hardware_concurrency());
    p.kafka = std::make_unique<kafka::server::KafkaServer>(config_.server, shards);
    auto executors = p.kafka->executors();
    p.broker = std::make_unique<broker::Broker>(config_.broker, executors);
    ES_CHECK(p.broker->start());
    p.broker_started = true;
    p.kafka->attach(*p.broker);
    ES_TRY(kafka_port_, p.kafka->listen(config_.kafka_addr.host, config_.kafka_addr.port));
    HostPort advertised =
        config_.advertised_kafka_addr.value_or(HostPort{config_.kafka_addr.host, kafka_port_});
    if (advertised.host == "0.0.0.0" || advertised.host == "::") advertised.host = "127.0.0.1";
    p.kafka->set_advertised(advertised.host, advertised.port);
    p.kafka->start();

    // Groups and committed offsets come back from __consumer_offsets before ready; group
    // requests that arrive meanwhile are told to retry (COORDINATOR_LOAD_IN_PROGRESS).
    broker::Executor& home = *executors[0];
    p.group_store = std::make_unique<broker::OffsetsTopicStore>(*p.broker, home);
    p.groups = std::make_unique<broker::GroupCoordinator>(config_.groups, home, *p.group_store);
    std::promise<Result<std::vector<broker::GroupRecord>>> loaded;
    home.post(
        [&] { p.group_store->open([&](auto records) { loaded.set_value(std::move(records)); }); });
    auto records = loaded.get_future().get();
    if (!records.ok()) return std::move(records).error().with_context("loading groups");
    p.groups->load(*records);
    p.kafka->attach_groups(*p.groups);

    // Then transactions, which end their groups' pending offsets: a transaction caught between
    // its decision and its markers at the crash is completed from here.
    p.transactions =
        std::make_unique<broker::TxnCoordinator>(config_.transactions, *p.broker, *p.groups, home);
    std::promise<Status> txns_loaded;
    home.post(
        [&] { p.transactions->load([&](Status s) { txns_loaded.set_value(std::move(s)); }); });
    if (auto s = txns_loaded.get_future().get(); !s.ok()) {
        return std::move(s).error().with_context("loading transactions");
    }
    p.kafka->attach_transactions(*p.transactions);
    p.broker->set_txn_verifier(p.transactions->verifier());

    // Retention, age rolls and compaction run on each shard on Kafka's check interval.
    int64_t interval = config_.broker.retention_check_interval_ms;
    Parts* parts = parts_.get();
    for (size_t i = 0; i < executors.size(); ++i) {
        auto tick = std::make_shared<std::function<void()>>();
        broker::Executor* shard = executors[i];
        *tick = [parts, shard, i, interval, weak = std::weak_ptr(tick)] {
            if (parts->stopping) return;
            parts->broker->housekeeping(i);
            if (i == 0) parts->groups->expire_offsets(wall_clock_ms());
            if (auto again = weak.lock()) shard->post_after(interval, [again] { (*again)(); });
        };
        shard->post_after(interval, [tick] { (*tick)(); });
        p.ticks.push_back(std::move(tick));
    }
    int64_t txn_interval = config_.transactions.abort_timed_out_interval_ms;
    p.txn_tick = std::make_shared<std::function<void()>>();
    *p.txn_tick = [parts, &home, txn_interval, weak = std::weak_ptr(p.txn_tick)] {
        if (parts->stopping) return;
        parts->transactions->abort_timed_out(wall_clock_ms());
        if (auto again = weak.lock()) home.post_after(txn_interval, [again] { (*again)(); });
    };
    home.post_after(txn_interval, [tick = p.txn_tick] { (*tick)(); });

    if (config_.registry_addr) ES_CHECK(start_registry(advertised));
    if (config_.dashboard) {
        dashboard::DashboardConfig dc;
        dc.cluster.brokers = advertised.to_string();
        ES_TRY(p.dashboard, dashboard::DashboardService::start(std::move(dc)));
        p.dashboard->add_routes(p.admin);
    }
    ready_ = true;
    serve_log.info("ready: kafka on {}:{} (advertised {}), admin on {}:{}, data in {}, {} shards",
                   config_.kafka_addr.host, kafka_port_, advertised.to_string(),
                   config_.admin_addr.host, admin_port_, config_.data_dir, shards);
    return {};
}

Status Node::start_registry(const HostPort& kafka) {
    Parts& p = *parts_;
    registry::service::RegistryConfig rc;
    rc.cluster.brokers = kafka.to_string();
    auto registry = registry::service::RegistryService::start(rc);
    if (!registry.ok()) return std::move(registry).error().with_context("schema registry");
    p.registry = std::move(registry).value();
    p.registry->add_routes(p.registry_http);
    ES_TRY(registry_port_,
           p.registry_http.listen(config_.registry_addr->host, config_.registry_addr->port));
    p.registry_http.start();
    serve_log.info("schema registry on http://{}:{}", config_.registry_addr->host, registry_port_);
    return {};
}

void Node::stop() {
    Parts& p = *parts_;
    if (p.stopping.exchange(true)) return;
    ready_ = false;
    // The registry and the dashboard are clients of the broker: they go first. The dashboard's
    // open event streams end when the admin server stops, later.
    if (p.dashboard) p.dashboard->stop();
    if (p.registry) {
        p.registry_http.stop();
        p.registry->stop();
    }
    if (p.kafka) p.kafka->stop(config_.shutdown_drain_ms);
    if (p.broker_started) {
        if (auto closed = p.broker->stop(); !closed.ok()) {
            serve_log.error("closing the logs: {}", closed.error().to_string());
        }
    }
    p.admin.stop();
    serve_log.info("stopped");
}

int run_until_signal(ServeConfig config) {
    // Block the signals before any thread starts, so every thread inherits the mask and only
    // sigwait below sees them.
    const sigset_t signals = block_stop_signals();

    Node node(std::move(config));
    if (auto started = node.start(); !started.ok()) {
        serve_log.error("cannot start: {}", started.error().to_string());
        node.stop();
        return 1;
    }
    int received = 0;
    sigwait(&signals, &received);
    serve_log.info("{}: stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
    node.stop();
    return 0;
}

}  // namespace es::serve
