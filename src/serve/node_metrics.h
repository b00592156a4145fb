#pragma once

// The broker's figures as Prometheus text for GET /metrics on the admin address: requests and
// their latency per API, connections and bytes (kafka/server), partition sizes and offsets,
// flushes (broker), consumer groups by state (group coordinator), transactional ids by state
// (transaction coordinator).

#include <string>

namespace es::broker {
class Broker;
class Executor;
class GroupCoordinator;
class TxnCoordinator;
}  // namespace es::broker
namespace es::kafka::server {
class KafkaServer;
}

namespace es::serve {

struct NodeMetricsSources {
    const kafka::server::KafkaServer& kafka;
    broker::Broker& broker;
    broker::GroupCoordinator& groups;
    broker::TxnCoordinator& transactions;
    broker::Executor& home;  // where the broker and coordinator are asked (shard 0)
};

/// Runs on: any thread but the shards' (it waits for their answers).
std::string render_node_metrics(const NodeMetricsSources& sources);

}  // namespace es::serve
