#pragma once

// What the sampler knows about the cluster at one moment, with the short histories the lag
// status and the alert rules are computed from. Plain data: the sampler fills it on its own
// thread, lag_status.h and alerts.h read it as pure functions, render.h turns it into JSON.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::dashboard {

/// How long the per-group lag history (GET /v1/groups) and the per-partition end-offset
/// history (partition_stalled) reach back.
inline constexpr int64_t kHistoryMs = 5 * 60 * 1000;

/// Burrow-style status of a group's partition, and of the group (the worst of its partitions).
/// Declared from best to worst: worst() compares them.
enum class LagStatus { ok, warn, stall, stop, err };
std::string_view to_string(LagStatus status);  // "OK", "WARN", ...

enum class Severity { warning, critical };
std::string_view to_string(Severity severity);  // "warning", "critical"

struct Alert {
    std::string rule;  // consumer_stalled, ...
    Severity severity = Severity::warning;
    std::string subject;  // the group, "topic/partition", the topic or the job
    std::string message;
    int64_t since = 0;  // ms since the epoch the condition has held since

    bool operator==(const Alert&) const = default;
};

/// A value at a time (ms since the epoch).
struct TimedValue {
    int64_t time = 0;
    int64_t value = 0;

    bool operator==(const TimedValue&) const = default;
};

struct PartitionState {
    int32_t partition = 0;
    int32_t leader = -1;
    std::optional<int64_t> start_offset;
    std::optional<int64_t> end_offset;
    std::optional<double> msgs_per_s;  // over the last sample interval
    std::deque<TimedValue> ends;       // end offsets over kHistoryMs, oldest first
};

struct TopicState {
    std::string name;
    bool internal = false;
    std::vector<PartitionState> partitions;  // by partition
    std::optional<int64_t> messages;         // sum of end - start
    std::optional<double> msgs_per_s;
    std::string error;  // why the offsets could not be read, empty when they were
};

/// One sample of a group's partition.
struct LagPoint {
    int64_t time = 0;
    std::optional<int64_t> committed;
    std::optional<int64_t> end_offset;
    std::optional<int64_t> lag;
};

struct GroupPartitionState {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> committed;
    std::optional<int64_t> end_offset;
    std::optional<int64_t> lag;
    std::optional<double> committed_per_s;  // growth of the committed offset
    LagStatus status = LagStatus::ok;
    std::deque<LagPoint> points;  // the last kLagWindow samples, oldest first
};

struct GroupState {
    std::string group;
    std::string state;  // Kafka's name: "Stable", "Empty", ...
    int members = 0;
    bool described = true;  // false: DescribeGroups or OffsetFetch failed (status ERR)
    std::string error;
    std::optional<int64_t> lag;
    LagStatus status = LagStatus::ok;
    std::vector<GroupPartitionState> partitions;  // by topic and partition
    std::deque<TimedValue> history;               // total lag over kHistoryMs, oldest first
};

struct OperatorState {
    std::string node;
    std::optional<double> in_per_s;
    std::optional<double> out_per_s;
    uint64_t late = 0;
    uint64_t dropped = 0;
};

/// One sample of a job, for the job alert rules. Counters are the sum of the increments seen
/// per instance, so they only grow: an instance that comes or goes does not move them.
struct JobPoint {
    int64_t time = 0;
    uint64_t processed = 0;
    uint64_t bad_records = 0;
    uint64_t thread_restarts = 0;
    std::optional<int64_t> consumer_lag;
    std::optional<int64_t> input_end;  // sum of the end offsets of the job's input partitions
};

struct JobState {
    std::string job;
    int instances = 0;  // instances heard from recently
    std::optional<double> records_per_s;
    uint64_t records_processed = 0;
    uint64_t bad_records = 0;
    uint64_t commits = 0;
    std::optional<double> last_commit_ms;
    std::optional<double> max_commit_ms;
    std::optional<int64_t> consumer_lag;
    std::optional<int64_t> watermark_lag_ms;
    uint64_t late_records = 0;
    uint64_t state_entries = 0;
    uint64_t state_bytes = 0;
    std::optional<uint64_t> thread_restarts;  // null while the jobs do not publish it
    std::optional<double> processing_lag_ms;  // mean, null while the jobs do not publish it
    int64_t updated = 0;                      // time of the latest record
    std::vector<OperatorState> operators;     // by node
    std::deque<JobPoint> history;             // over kHistoryMs, oldest first
};

/// The latest window of one campaign on the ad-attribution job's stats topic.
struct CampaignWindow {
    std::string campaign;
    int64_t window_start = 0;
    int64_t window_end = 0;
    int64_t impressions = 0;
    int64_t clicks = 0;
    double conversions = 0;  // attributed credit: fractional under multi-touch models
    double revenue = 0;
};

struct Latency {
    double p50 = 0;
    double p99 = 0;
    double max = 0;
};

struct ClusterState {
    int64_t time = 0;
    struct Broker {
        int32_t id = -1;
        std::string host;  // empty when unknown
        int32_t port = 0;
    };
    std::vector<Broker> brokers;
    std::vector<TopicState> topics;
    std::vector<GroupState> groups;
    std::vector<JobState> jobs;
    std::string attribution_topic;
    std::vector<CampaignWindow> campaigns;  // highest revenue first
    std::optional<double> in_msgs_per_s;
    std::optional<double> out_msgs_per_s;
    std::optional<Latency> latency;
    std::vector<Alert> alerts;
    std::string error;  // the last sampling error, empty when the last sample went through
};

}  // namespace es::dashboard
