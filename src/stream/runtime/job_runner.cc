#include "stream/runtime/job_runner.h"

#include "client/admin.h"
#include "client/errc.h"
#include "client/producer.h"
#include "http/server.h"
#include "stream/api/errc.h"
#include "stream/runtime/logger.h"
#include "stream/runtime/stream_thread.h"
#include "stream/runtime/topics.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

namespace es::stream::runtime {
namespace {

using namespace std::chrono_literals;

bool valid_name(const std::string& s) {
    if (s.empty() || s.size() > 200) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

/// Sleeps up to `d`, waking early when `stop` is set.
void nap(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
    auto until = std::chrono::steady_clock::now() + d;
    while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
}

TimeMs wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

JobRunner::JobRunner(Topology topology, RuntimeConfig config, RunOptions options)
    : topology_(std::move(topology)),
      config_(std::move(config)),
      options_(std::move(options)),
      metrics_(config_.application_id) {}

JobRunner::~JobRunner() = default;

Result<std::unique_ptr<JobRunner>> JobRunner::make(Topology topology, RuntimeConfig config,
                                                   RunOptions options) {
    if (!valid_name(config.application_id)) {
        return Error(Errc::invalid_config,
                     fmt::format("application.id '{}' must be 1-200 of [A-Za-z0-9._-]",
                                 config.application_id));
    }
    if (!config.instance_id.empty() && !valid_name(config.instance_id)) {
        return Error(Errc::invalid_config, "instance.id must be 1-200 of [A-Za-z0-9._-]");
    }
    if (config.threads < 0)
        return Error(Errc::invalid_config, "num.stream.threads must be at least 1");
    if (config.threads == 0) {
        config.threads =
            static_cast<int>(std::clamp<unsigned>(std::thread::hardware_concurrency(), 1u, 64u));
    }
    return std::unique_ptr<JobRunner>(
        new JobRunner(std::move(topology), std::move(config), std::move(options)));
}

std::optional<uint16_t> JobRunner::metrics_port() const {
    int p = metrics_port_.load();
    if (p < 0) return std::nullopt;
    return static_cast<uint16_t>(p);
}

Status JobRunner::prepare_instance_id() {
    if (!config_.instance_id.empty()) {
        instance_id_ = config_.instance_id;
        return ok_status();
    }
    // Kept in the state directory, so that a restart on the same disk gets the same
    // transactional ids and fences its previous incarnation at once.
    std::filesystem::path dir = config_.state_dir / config_.application_id;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return Error(Errc::state, fmt::format("cannot create state directory {}: {}", dir.string(),
                                              ec.message()));
    }
    std::filesystem::path file = dir / "instance-id";
    std::ifstream in(file);
    std::string id;
    if (in && std::getline(in, id) && valid_name(id)) {
        instance_id_ = id;
        return ok_status();
    }
    std::random_device rd;
    instance_id_ = fmt::format("{:08x}{:08x}", rd(), rd());
    std::ofstream out(file, std::ios::trunc);
    out << instance_id_ << "\n";
    if (!out) return Error(Errc::state, "cannot write " + file.string());
    return ok_status();
}

Status JobRunner::run(const std::atomic<bool>& stop) {
    ES_CHECK(prepare_instance_id());
    ES_TRY(auto admin, client::Admin::make(config_.cluster));
    std::optional<TopicPlan> plan;
    for (int attempt = 0;; ++attempt) {
        auto prepared = TopicPlan::prepare(topology_, config_, *admin);
        if (prepared.ok()) {
            plan = std::move(prepared).value();
            break;
        }
        bool transient = prepared.error().is(client::Errc::timeout) ||
                         prepared.error().is(client::Errc::transport);
        if (!transient || attempt >= 5 || stop) return std::move(prepared).error();
        stream_runtime_log.warn("preparing topics: {}; retrying", prepared.error().to_string());
        nap(1s, stop);
    }
    if (options_.metrics_interval.count() > 0) {
        auto created = admin->create_topic(kMetricsTopic, 1, config_.replication_factor,
                                           {{"cleanup.policy", "compact"}});
        if (!created.ok() && !created.error().is(client::Errc::topic_exists)) {
            stream_runtime_log.warn("metrics topic: {}", created.error().to_string());
        }
    }
    admin.reset();

    std::unique_ptr<http::HttpServer> http;
    if (!options_.metrics_addr.empty()) {
        auto colon = options_.metrics_addr.rfind(':');
        if (colon == std::string::npos)
            return Error(Errc::invalid_config, "metrics address must be HOST:PORT");
        http = std::make_unique<http::HttpServer>();
        http->route("GET", "/metrics", [this](const http::Request&) {
            return http::Response{200, "text/plain; version=0.0.4",
                                  metrics_.prometheus(wall_clock_ms())};
        });
        http->route("GET", "/v1/job", [this](const http::Request&) {
            return http::Response{200, "application/json", metrics_.json(wall_clock_ms())};
        });
        int port = 0;
        try {
            port = std::stoi(options_.metrics_addr.substr(colon + 1));
        } catch (const std::exception&) {
            return Error(Errc::invalid_config, "metrics address port is not a number");
        }
        ES_TRY(uint16_t bound,
               http->listen(options_.metrics_addr.substr(0, colon), static_cast<uint16_t>(port)));
        metrics_port_ = bound;
        http->start();
    }

    stream_runtime_log.info(
        "job {} instance {}: {} threads, {}", config_.application_id, instance_id_, config_.threads,
        config_.guarantee == Guarantee::exactly_once ? "exactly-once" : "at-least-once");
    std::vector<std::thread> threads;
    for (int i = 0; i < config_.threads; ++i) {
        threads.emplace_back([this, i, &stop, &plan] {
            std::string client_id =
                fmt::format("{}-{}-{}", config_.application_id, instance_id_, i);
            auto backoff = 500ms;
            while (!stop) {
                Status st;
                {
                    StreamThread thread(topology_, config_, *plan, client_id, stop, metrics_);
                    st = thread.run();
                }
                if (st.ok()) break;
                ++metrics_.thread_restarts;
                stream_runtime_log.error("{}: {}; starting over in {} ms", client_id,
                                         st.error().to_string(), backoff.count());
                nap(backoff, stop);
                backoff = std::min<std::chrono::milliseconds>(backoff * 2, 30s);
            }
        });
    }

    // The metrics topic: a compacted record per job, refreshed every few seconds; the group's
    // lag is measured at the same pace (ListOffsets and OffsetFetch, through the admin client).
    std::unique_ptr<client::Producer> metrics_producer;
    std::unique_ptr<client::Admin> lag_admin;
    if (options_.metrics_interval.count() > 0) {
        auto p = client::Producer::make(config_.cluster);
        if (p.ok()) metrics_producer = std::move(p).value();
        auto a = client::Admin::make(config_.cluster);
        if (a.ok()) lag_admin = std::move(a).value();
    }
    bool lag_warned = false;
    while (!stop) {
        nap(options_.metrics_interval.count() > 0 ? options_.metrics_interval : 1000ms, stop);
        if (lag_admin && !stop) {
            auto offsets = lag_admin->group_offsets(config_.application_id);
            if (offsets.ok()) {
                std::map<std::pair<std::string, int32_t>, int64_t> lag;
                for (const auto& o : *offsets) {
                    if (o.lag) lag[{o.tp.topic, o.tp.partition.value()}] = *o.lag;
                }
                metrics_.set_consumer_lag(std::move(lag));
            } else if (!lag_warned) {
                stream_runtime_log.warn("measuring the group's lag: {}",
                                        offsets.error().to_string());
                lag_warned = true;
            }
        }
        if (metrics_producer && !stop) {
            std::string value = metrics_.json(wall_clock_ms());
            client::ProducerRecord r;
            r.topic = kMetricsTopic;
            r.key = as_bytes(config_.application_id);
            r.value = as_bytes(value);
            metrics_producer->send(r).ignore_error();
            metrics_producer->poll();
        }
    }
    for (auto& t : threads) t.join();
    if (metrics_producer) metrics_producer->flush(2s).ignore_error();
    if (http) http->stop();
    return ok_status();
}

}  // namespace es::stream::runtime
