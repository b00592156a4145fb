#pragma once

// A job's figures from the records its instances publish on the job metrics topic: counters
// summed over the instances, rates from the differences between an instance's consecutive
// records, and a short history for the job alert rules.

#include "dashboard/records.h"
#include "dashboard/state.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace es::dashboard {

/// What the cluster sampler knows about a job's input: its consumer group (named after the
/// job, whose application id is the group id).
struct JobInput {
    std::optional<int64_t> group_lag;
    std::optional<int64_t> input_end;  // sum of the end offsets of the group's partitions
};

/// Runs on: one thread (the sampler's).
class JobTracker {
  public:
    /// An instance not heard from for `instance_ttl_ms` (by its records' time) is gone.
    explicit JobTracker(int64_t instance_ttl_ms = 60'000) : ttl_ms_(instance_ttl_ms) {}

    /// A record from the metrics topic; older or repeated records of an instance are ignored.
    void add(const JobRecord& record);

    /// Every job heard of, by name, as of `now`; also appends a point to each job's history.
    /// `inputs` by job name.
    std::vector<JobState> sample(int64_t now, const std::map<std::string, JobInput>& inputs);

    /// Percentiles of the instances' mean processing latency over their last interval, null
    /// when no instance publishes it.
    std::optional<Latency> latency(int64_t now) const;

  private:
    struct Instance {
        JobRecord last;
        std::optional<JobRecord> previous;
    };
    struct Job {
        std::map<std::string, Instance> instances;  // by instance
        // Increments seen, summed over instances: grow only (see JobPoint).
        uint64_t processed = 0;
        uint64_t bad_records = 0;
        uint64_t thread_restarts = 0;
        JobState last_state;  // shown, without rates, once every instance is gone
        std::deque<JobPoint> history;
    };

    JobState figures(const std::string& name, Job& job, int64_t now, const JobInput* input);

    int64_t ttl_ms_;
    std::map<std::string, Job> jobs_;
};

}  // namespace es::dashboard
