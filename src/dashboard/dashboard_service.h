#pragma once

#include "base/result.h"
#include "dashboard/config.h"
#include "http/server.h"

#include <memory>

namespace es::dashboard {

/// The dashboard role: a sampler over any Kafka cluster (client/ only) and its HTTP routes:
/// the /v1/ JSON API and /v1/stream (server-sent events) of docs/dashboard.md, and the
/// embedded page at / and /assets/<name>.
///
/// Lifecycle: start() starts the sampler (the cluster need not be up yet); add_routes() on a
/// server the caller owns, before or while it serves; stop() ends sampling (the routes keep
/// answering with the last snapshot, and open event streams end when the server stops). The
/// service must outlive the server's serving: its routes point into it. Runs on: handlers on
/// the server's threads, sampling on its own.
class DashboardService {
  public:
    static Result<std::unique_ptr<DashboardService>> start(DashboardConfig config);
    ~DashboardService();
    DashboardService(const DashboardService&) = delete;
    DashboardService& operator=(const DashboardService&) = delete;

    void add_routes(http::HttpServer& server);
    void stop();

  private:
    struct Impl;
    explicit DashboardService(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::dashboard
