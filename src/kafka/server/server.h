#pragma once

#include "base/result.h"
#include "kafka/server/request_context.h"
#include "kafka/server/server_metrics.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace es::broker {
class Broker;
class Executor;
class GroupCoordinator;
class TxnCoordinator;
}  // namespace es::broker

namespace es::kafka::server {

/// The Kafka listener: one event loop (asio::io_context) per shard, each on its own thread.
/// Connections are spread over the shards; each connection reads requests in order, hands
/// them to their handlers, and writes the answers back in request order, however the
/// handlers finish. A malformed, oversized or unknown request closes its own connection only.
///
/// Lifecycle: construct, executors() for the broker, attach(broker), listen(), start();
/// stop() stops accepting, lets requests in flight be answered, closes and joins.
class KafkaServer {
  public:
    KafkaServer(ServerConfig config, size_t shards);
    ~KafkaServer();
    KafkaServer(const KafkaServer&) = delete;
    KafkaServer& operator=(const KafkaServer&) = delete;

    /// The shards as the broker sees them; valid for the server's lifetime.
    std::vector<broker::Executor*> executors();
    void attach(broker::Broker& broker);
    /// Group requests are served from here on (after the coordinator loaded its state).
    void attach_groups(broker::GroupCoordinator& groups);
    /// Transaction requests are served from here on (after __transaction_state is loaded).
    void attach_transactions(broker::TxnCoordinator& transactions);

    /// Binds and listens; returns the bound port (useful with port 0).
    Result<uint16_t> listen(const std::string& host, uint16_t port);
    void start();
    /// Stops accepting, waits up to drain_ms for answers in flight, then closes everything.
    void stop(int64_t drain_ms = 5000);

    /// Sets the port advertised in Metadata (after listen() on port 0).
    void set_advertised(const std::string& host, int32_t port);
    const ServerConfig& config() const { return config_; }
    size_t open_connections() const;
    const ServerMetrics& metrics() const;

  private:
    friend class Connection;  // server.cc: a client connection reads the shared state
    struct Impl;
    ServerConfig config_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::kafka::server
