#pragma once

// A job's figures: counters the stream threads bump as they go, and per-task snapshots they
// publish at each commit. Rendered as Prometheus text for --metrics-addr and as JSON for the
// job's metrics topic.

#include "base/metrics.h"
#include "stream/api/record.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace es::stream::runtime {

struct OperatorFigures {
    std::string node;
    uint64_t records_in = 0;
    uint64_t records_out = 0;
    uint64_t late_records = 0;
    uint64_t dropped_records = 0;
};

struct TaskFigures {
    std::string task;  // "0_3"
    TimeMs watermark = kMinTime;
    uint64_t state_entries = 0;  // RocksDB's estimate over the task's stores
    uint64_t state_bytes = 0;
    std::vector<OperatorFigures> operators;
};

/// Runs on: any thread.
class JobMetrics {
  public:
    explicit JobMetrics(std::string job) : job_(std::move(job)) {}

    std::atomic<uint64_t> records_processed{0};
    std::atomic<uint64_t> records_sent{0};
    std::atomic<uint64_t> bad_records{0};
    std::atomic<uint64_t> commits{0};
    std::atomic<uint64_t> aborts{0};
    std::atomic<uint64_t> rebalances{0};
    std::atomic<uint64_t> restored_records{0};
    std::atomic<uint64_t> thread_restarts{0};
    std::atomic<int64_t> last_commit_us{0};
    std::atomic<int64_t> max_commit_us{0};
    /// Sum of (now - record timestamp) over processed records and their count, for the mean
    /// processing latency behind event time.
    std::atomic<int64_t> lag_ms_sum{0};
    std::atomic<uint64_t> lag_samples{0};
    /// The same lag per record, for percentiles (the metrics topic carries its buckets).
    LatencyHistogram processing_lag;

    void record_commit(int64_t micros);
    /// The group's lag per input partition (log end minus committed offset), as last measured.
    void set_consumer_lag(std::map<std::pair<std::string, int32_t>, int64_t> lag);
    /// Replaces what `thread` published last.
    void publish(const std::string& thread, std::vector<TaskFigures> tasks);
    /// Forgets a thread that stopped.
    void forget(const std::string& thread);

    std::string prometheus(TimeMs now) const;
    std::string json(TimeMs now) const;

  private:
    std::string job_;
    mutable std::mutex mu_;
    std::map<std::string, std::vector<TaskFigures>> tasks_;  // by thread
    std::map<std::pair<std::string, int32_t>, int64_t> lag_;
};

}  // namespace es::stream::runtime
