#pragma once

// The dashboard's one sampling thread: once per interval it reads the cluster (topics,
// groups), drains the job metrics and campaign feeds, evaluates lag status and alerts, and
// publishes a rendered snapshot that requests and event streams share.

#include "base/result.h"
#include "dashboard/config.h"
#include "dashboard/render.h"

#include <memory>

namespace es::dashboard {

/// Lifecycle: start() creates the clients (failing on a property librdkafka refuses) and the
/// thread; the cluster need not be reachable (the snapshot says why it is empty); stop() joins,
/// after at most the client timeout of a call in flight. Runs on: latest() from any thread.
class Sampler {
  public:
    static Result<std::unique_ptr<Sampler>> start(DashboardConfig config);
    ~Sampler();
    Sampler(const Sampler&) = delete;
    Sampler& operator=(const Sampler&) = delete;

    /// The latest snapshot; one with empty lists before the first sample.
    std::shared_ptr<const RenderedSnapshot> latest() const;
    void stop();

  private:
    struct Impl;
    explicit Sampler(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::dashboard
