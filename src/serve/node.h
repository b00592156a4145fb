#pragma once

#include "base/result.h"
#include "serve/config.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace es::serve {

/// One edgestream broker process: the broker, its Kafka listener, the admin HTTP server and the
/// schema registry (a client of the broker, as it would be of any Kafka cluster).
///
/// start() brings everything up in an order that never answers "ready" early: the admin
/// address listens first (answering 503), then the logs are recovered, then the Kafka port
/// opens, then the registry reads `_schemas` back and listens, and only then does
/// /v1/status/ready answer 200. stop() reverses it: stop accepting,
/// answer requests in flight, close the logs (flush, seal, recovery point).
class Node {
  public:
    explicit Node(ServeConfig config);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    Status start();
    void stop();

    bool ready() const { return ready_; }
    uint16_t kafka_port() const { return kafka_port_; }
    uint16_t admin_port() const { return admin_port_; }
    /// 0 when the registry is off.
    uint16_t registry_port() const { return registry_port_; }
    const ServeConfig& config() const { return config_; }

  private:
    struct Parts;
    Status start_registry(const HostPort& kafka);
    ServeConfig config_;
    std::unique_ptr<Parts> parts_;
    std::atomic<bool> ready_{false};
    uint16_t kafka_port_ = 0;
    uint16_t admin_port_ = 0;
    uint16_t registry_port_ = 0;
};

/// `edgestream serve`: runs a Node until SIGTERM or SIGINT, then stops it. Returns the process
/// exit code (0 after a clean stop).
int run_until_signal(ServeConfig config);

}  // namespace es::serve
