#pragma once

// The records the dashboard reads from topics: a job's figures on `edgestream-job-metrics`
// (stream/runtime's JobMetrics::json) and a campaign window on the ad-attribution job's stats
// topic (stats_json in stream/jobs/ad_attribution.cc). Parsed here, without the writers' code:
// the dashboard only knows the JSON, as it would of jobs running elsewhere.

#include "base/result.h"
#include "dashboard/state.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::dashboard {

struct OperatorCounters {
    std::string node;
    uint64_t in = 0;
    uint64_t out = 0;
    uint64_t late = 0;
    uint64_t dropped = 0;
};

struct TaskRecord {
    std::string task;
    std::string thread;
    std::optional<int64_t> watermark;
    uint64_t state_entries = 0;
    uint64_t state_bytes = 0;
    std::vector<OperatorCounters> operators;
};

/// One record of the job metrics topic: one instance's counters since it started.
struct JobRecord {
    std::string job;
    /// Which instance of the job sent it: its stream threads are named
    /// "<job>-<instance>-<n>", so this is a thread name without the "-<n>"; empty for an
    /// instance without tasks.
    std::string instance;
    int64_t time = 0;
    uint64_t records_processed = 0;
    uint64_t bad_records = 0;
    uint64_t commits = 0;
    int64_t last_commit_us = 0;
    int64_t max_commit_us = 0;
    int64_t consumer_lag = 0;
    std::optional<uint64_t> thread_restarts;  // not (yet) in JobMetrics::json
    std::optional<int64_t> lag_ms_sum;        // likewise: processing latency behind event time
    std::optional<uint64_t> lag_samples;
    /// The processing lag's cumulative counts per bound of LatencyHistogram::kBoundsSeconds,
    /// then the total; empty when the job does not publish it.
    std::vector<uint64_t> lag_histogram;
    std::vector<TaskRecord> tasks;
};

/// Errc::invalid_argument (base) for anything that is not such a record.
Result<JobRecord> parse_job_record(std::string_view json);

/// Errc::invalid_argument for anything that is not a campaign window.
Result<CampaignWindow> parse_campaign_window(std::string_view json);

/// The latest window of each campaign.
class CampaignBoard {
  public:
    /// Keeps `w` unless the campaign already has a later window (a window's later update,
    /// same end, replaces it).
    void add(CampaignWindow w);
    /// Highest revenue first, at most `limit`.
    std::vector<CampaignWindow> top(size_t limit) const;

  private:
    std::map<std::string, CampaignWindow> latest_;
};

}  // namespace es::dashboard
