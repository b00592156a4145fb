#pragma once

// The alert rules of docs/dashboard.md as pure functions over the sampled state and its
// histories, and the tracker that remembers since when each alert has held.

#include "dashboard/state.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace es::dashboard {

/// Rule thresholds, named once (docs/dashboard.md's table).
struct AlertRules {
    int64_t partition_silent_ms = 60'000;      // partition_stalled: no records for this long
    int64_t partition_active_ms = kHistoryMs;  // ... after receiving some within this
    int64_t imbalance_window_ms = 10'000;      // partition_imbalance: rates over this window
    double imbalance_factor = 3.0;
    double imbalance_min_rate = 100.0;       // msgs/s of the whole topic
    int64_t restart_window_ms = kHistoryMs;  // job_restarted
    int64_t bad_records_window_ms = 60'000;  // job_bad_records
    int64_t throughput_window_ms = 30'000;   // job_throughput_low
    double throughput_ratio = 0.5;
};

/// The alerts `state` raises at state.time, each with since = state.time, in rule order.
/// Reads the groups' statuses (computed before), the partitions' end-offset histories and the
/// jobs' histories; state.alerts is ignored.
std::vector<Alert> evaluate_alerts(const ClusterState& state, const AlertRules& rules = {});

/// Keeps, per rule and subject, the time an alert was first raised in its current run, so
/// `since` does not move while the condition holds.
class AlertTracker {
  public:
    /// `active`: the alerts evaluated now. Returns them with their `since`, critical first,
    /// then by rule and subject. An alert that is not active is forgotten.
    std::vector<Alert> update(std::vector<Alert> active);

  private:
    std::map<std::pair<std::string, std::string>, int64_t> since_;
};

}  // namespace es::dashboard
