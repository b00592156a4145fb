#pragma once

// Runs a job: checks and creates its topics, starts its stream threads (each a member of the
// job's consumer group), restarts a thread that fails, publishes metrics, and stops cleanly.

#include "base/result.h"
#include "stream/api/topology.h"
#include "stream/runtime/config.h"
#include "stream/runtime/metrics.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace es::stream::runtime {

/// The topic every job publishes its metrics to (one JSON record per job every few seconds,
/// keyed by application id), so a dashboard can show jobs running anywhere.
inline constexpr const char* kMetricsTopic = "edgestream-job-metrics";

struct RunOptions {
    /// host:port for Prometheus metrics (GET /metrics) and the job's JSON figures (GET /v1/job);
    /// empty: none.
    std::string metrics_addr;
    /// How often the metrics topic gets a record; zero: never.
    std::chrono::milliseconds metrics_interval{5000};
};

class JobRunner {
  public:
    static Result<std::unique_ptr<JobRunner>> make(Topology topology, RuntimeConfig config,
                                                   RunOptions options = {});
    ~JobRunner();

    /// Runs until `stop` is set (then commits and leaves the group) or a setup error. Thread
    /// errors are logged and the thread starts over with fresh clients and its tasks rebuilt.
    Status run(const std::atomic<bool>& stop);

    const JobMetrics& metrics() const { return metrics_; }
    /// The bound metrics port, once run() has started serving it.
    std::optional<uint16_t> metrics_port() const;
    const std::string& instance_id() const { return instance_id_; }

  private:
    JobRunner(Topology topology, RuntimeConfig config, RunOptions options);
    Status prepare_instance_id();

    Topology topology_;
    RuntimeConfig config_;
    RunOptions options_;
    JobMetrics metrics_;
    std::string instance_id_;
    std::atomic<int> metrics_port_{-1};
};

}  // namespace es::stream::runtime
