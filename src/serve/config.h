#pragma once

#include "base/result.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/txn_coordinator.h"
#include "kafka/server/request_context.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace es::serve {

struct HostPort {
    std::string host;
    uint16_t port = 0;
    std::string to_string() const { return host + ":" + std::to_string(port); }
};

/// "HOST:PORT" or "[V6]:PORT"; the port may be 0 (pick a free one).
Result<HostPort> parse_host_port(std::string_view text);
/// parse_host_port, or nullopt for "off".
Result<std::optional<HostPort>> parse_optional_host_port(std::string_view text);

/// Everything `edgestream serve` needs. Defaults are the documented ones; a YAML file and then
/// the command line override them.
struct ServeConfig {
    std::string data_dir = "./data";
    HostPort kafka_addr{"127.0.0.1", 9092};
    HostPort admin_addr{"127.0.0.1", 9644};
    std::optional<HostPort> advertised_kafka_addr;
    /// The schema registry's REST address (Confluent's API, schemas in `_schemas`); nullopt
    /// ("off"): no registry in this process.
    std::optional<HostPort> registry_addr = HostPort{"127.0.0.1", 8081};
    /// The dashboard (docs/dashboard.md) on the admin address, a client of this broker.
    bool dashboard = true;
    size_t shards = 0;  // 0: one per CPU
    int64_t shutdown_drain_ms = 10000;
    broker::BrokerConfig broker;
    broker::GroupConfig groups;
    broker::TxnConfig transactions;
    kafka::server::ServerConfig server;
};

/// Reads a YAML config file over `base`. Top-level keys: data_dir, kafka_addr, admin_addr,
/// advertised_kafka_addr, registry_addr (HOST:PORT or off), shards, and `broker:` holding Kafka's
/// broker property names (num.partitions, auto.create.topics.enable, message.max.bytes,
/// log.segment.bytes, log.retention.ms/minutes/hours, socket.request.max.bytes, max.connections,
/// ...). Unknown keys and bad values are errors that name the key.
Result<ServeConfig> load_config_file(const std::string& path, ServeConfig base);
/// The same from YAML text (for tests); `origin` names the source in errors.
Result<ServeConfig> load_config_text(const std::string& text, ServeConfig base,
                                     const std::string& origin);

}  // namespace es::serve
