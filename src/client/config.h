#pragma once

#include <chrono>
#include <map>
#include <string>

namespace es::client {

/// How to reach a cluster. `properties` go to librdkafka unchanged (rd_kafka_conf_set), after
/// the role's own defaults, so a caller can set anything librdkafka knows: `acks`,
/// `compression.type`, `security.protocol`, `test.mock.num.brokers`, ... An unknown or invalid
/// property fails make() with Errc::config.
struct ClientConfig {
    /// bootstrap.servers: "host:port[,host:port...]".
    std::string brokers = "127.0.0.1:9092";
    std::map<std::string, std::string> properties;
    /// Bound for the calls that wait on the cluster: metadata, admin requests, offset lookups
    /// by timestamp. Producer deliveries are bounded by `message.timeout.ms` instead.
    std::chrono::milliseconds timeout{10000};
};

}  // namespace es::client
