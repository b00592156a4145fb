#include "serve/node_metrics.h"

#include "broker/broker.h"
#include "broker/executor.h"
#include "broker/group_coordinator.h"
#include "broker/txn_coordinator.h"
#include "http/metrics_text.h"
#include "kafka/protocol/generated/api_table.h"
#include "kafka/server/server.h"

#include <chrono>
#include <future>
#include <map>
#include <memory>

namespace es::serve {
namespace {

/// Asks `home` and waits for its answer, or gives up after a while (a scrape must not hang).
template <class T, class Ask>
std::optional<T> ask(broker::Executor& home, Ask ask_fn) {
    auto promise = std::make_shared<std::promise<T>>();
    auto answer = promise->get_future();
    home.post([promise, ask_fn] {
        ask_fn([promise](T value) { promise->set_value(std::move(value)); });
    });
    if (answer.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return std::nullopt;
    return answer.get();
}

void request_figures(const kafka::server::KafkaServer& kafka, http::MetricsText& out) {
    const kafka::server::ServerMetrics& m = kafka.metrics();
    for (const auto& api : kafka::protocol::kApis) {
        auto key = static_cast<size_t>(api.key);
        if (key >= kafka::server::ServerMetrics::kApiSlots) continue;
        const kafka::server::ApiFigures& f = m.apis[key];
        const uint64_t requests = f.requests.load(std::memory_order_relaxed);
        if (requests == 0) continue;  // the 70-odd APIs nobody called are noise
        http::MetricLabels labels = {{"api", api.name}};
        out.counter("edgestream_broker_requests_total", "Requests answered, by API.", labels,
                    static_cast<double>(requests));
        out.counter("edgestream_broker_request_failures_total",
                    "Requests that closed their connection (malformed, unknown), by API.", labels,
                    static_cast<double>(f.failed.load(std::memory_order_relaxed)));
        out.histogram("edgestream_broker_request_duration_seconds",
                      "From a request read to its answer queued for the socket, by API.", labels,
                      f.latency.snapshot());
    }
    out.gauge("edgestream_broker_connections", "Open client connections.", {},
              static_cast<double>(kafka.open_connections()));
    out.counter("edgestream_broker_connections_accepted_total", "Connections accepted.", {},
                static_cast<double>(m.connections_accepted.load()));
    out.counter("edgestream_broker_connections_refused_total",
                "Connections refused at max.connections.", {},
                static_cast<double>(m.connections_refused.load()));
    for (const auto& [topic, figures] : m.topics.list()) {
        out.counter("edgestream_topic_produced_bytes_total", "Record bytes produced, by topic.",
                    {{"topic", topic}}, static_cast<double>(figures->bytes_in.load()));
        out.counter("edgestream_topic_fetched_bytes_total", "Record bytes fetched, by topic.",
                    {{"topic", topic}}, static_cast<double>(figures->bytes_out.load()));
    }
    out.counter("edgestream_broker_received_bytes_total", "Request bytes read.", {},
                static_cast<double>(m.bytes_in.load()));
    out.counter("edgestream_broker_sent_bytes_total", "Response bytes written.", {},
                static_cast<double>(m.bytes_out.load()));
}

void partition_figures(const NodeMetricsSources& s, http::MetricsText& out) {
    auto stats = ask<std::vector<broker::PartitionStats>>(
        s.home, [&broker = s.broker, &home = s.home](auto done) {
            broker.partition_stats(home, std::move(done));
        });
    if (!stats) return;
    std::map<std::string, std::pair<uint64_t, int64_t>> per_topic;  // bytes, messages
    for (const broker::PartitionStats& p : *stats) {
        http::MetricLabels labels = {{"topic", p.tp.topic},
                                     {"partition", std::to_string(p.tp.partition.value())}};
        out.gauge("edgestream_partition_size_bytes", "Bytes of a partition's log on disk.", labels,
                  static_cast<double>(p.size_bytes));
        out.gauge("edgestream_partition_log_end_offset", "A partition's log end offset.", labels,
                  static_cast<double>(p.log_end.value()));
        out.gauge("edgestream_partition_log_start_offset", "A partition's log start offset.",
                  labels, static_cast<double>(p.log_start.value()));
        auto& t = per_topic[p.tp.topic];
        t.first += p.size_bytes;
        t.second += p.log_end.value() - p.log_start.value();
    }
    for (const auto& [topic, t] : per_topic) {
        out.gauge("edgestream_topic_size_bytes", "Bytes of a topic's logs on disk.",
                  {{"topic", topic}}, static_cast<double>(t.first));
    }
}

void flush_figures(const broker::Broker& broker, http::MetricsText& out) {
    broker::Broker::FlushFigures f = broker.flush_figures();
    out.counter("edgestream_flush_requests_total", "Durable-before-ack requests.", {},
                static_cast<double>(f.requests));
    out.counter("edgestream_flush_syncs_total", "fdatasync calls (one covers many requests).", {},
                static_cast<double>(f.syncs));
    out.histogram("edgestream_flush_duration_seconds", "How long each sync took.", {}, f.latency);
}

void group_figures(const NodeMetricsSources& s, http::MetricsText& out) {
    auto groups = ask<std::vector<broker::GroupDescription>>(
        s.home, [&groups = s.groups, &home = s.home](auto done) {
            groups.list_groups(home, std::move(done));
        });
    if (!groups) return;
    std::map<std::string, int> by_state;
    size_t members = 0;
    for (const broker::GroupDescription& g : *groups) {
        ++by_state[broker::to_string(g.state)];
        members += g.members.size();
    }
    for (const auto& [state, n] : by_state) {
        out.gauge("edgestream_consumer_groups", "Consumer groups, by state.", {{"state", state}},
                  n);
    }
    out.gauge("edgestream_consumer_group_members", "Members of all consumer groups.", {},
              static_cast<double>(members));
}

void transaction_figures(const NodeMetricsSources& s, http::MetricsText& out) {
    auto txns = ask<std::vector<broker::TxnMetadata>>(
        s.home, [&transactions = s.transactions, &home = s.home](auto done) {
            transactions.list(home, std::move(done));
        });
    if (!txns) return;
    std::map<std::string, int> by_state;
    for (const broker::TxnMetadata& t : *txns) ++by_state[broker::to_string(t.state)];
    for (const auto& [state, n] : by_state) {
        out.gauge("edgestream_transactional_ids", "Transactional ids, by transaction state.",
                  {{"state", state}}, n);
    }
}

}  // namespace

std::string render_node_metrics(const NodeMetricsSources& sources) {
    http::MetricsText out;
    request_figures(sources.kafka, out);
    partition_figures(sources, out);
    flush_figures(sources.broker, out);
    group_figures(sources, out);
    transaction_figures(sources, out);
    return out.render();
}

}  // namespace es::serve
