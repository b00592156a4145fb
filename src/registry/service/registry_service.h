#pragma once

#include "base/result.h"
#include "client/config.h"
#include "http/server.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace es::registry::service {

struct RegistryConfig {
    client::ClientConfig cluster;
    std::string topic = "_schemas";
    /// A follower (false) serves reads and answers writes with 50004; the writer holds the
    /// transactional.id below, and a newer writer with the same id fences it.
    bool writer = true;
    std::string transactional_id = "edgestream-schema-registry";
    int16_t replication_factor = -1;  // of the _schemas topic when it is created
    std::chrono::milliseconds timeout{10000};
};

/// The schema registry role: a Registry over a KafkaLog on `topic`, and its REST routes.
///
/// Lifecycle: start() creates the topic if missing, becomes the writer (or a follower), and
/// replays the topic; add_routes() on a server the caller owns and starts; stop() after the
/// server has stopped (handlers must not run while or after it stops). Runs on: any thread.
class RegistryService {
  public:
    static Result<std::unique_ptr<RegistryService>> start(RegistryConfig config);
    ~RegistryService();
    RegistryService(const RegistryService&) = delete;
    RegistryService& operator=(const RegistryService&) = delete;

    void add_routes(http::HttpServer& server);
    void stop();

  private:
    struct Impl;
    explicit RegistryService(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::registry::service
