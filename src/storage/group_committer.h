#pragma once

#include "base/metrics.h"
#include "base/result.h"
#include "model/strong_int.h"
#include "storage/durability.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace es::storage {

/// Makes appended data durable on a thread of its own, so that no shard ever blocks in
/// fdatasync, and lets every appender waiting on a log share one fdatasync (group commit):
/// requests that arrive while a sync runs are all answered by the next one.
///
/// Runs on: request_sync() and sync_periodically() from any thread; callbacks run on the
/// flusher thread and must only hand the result back to their owner (post to a shard).
class GroupCommitter {
  public:
    /// The durable end offset of the log, or why it could not be made durable.
    using Callback = std::function<void(Result<model::Offset>)>;

    GroupCommitter();
    ~GroupCommitter();
    GroupCommitter(const GroupCommitter&) = delete;
    GroupCommitter& operator=(const GroupCommitter&) = delete;

    /// `done` runs once everything written to `log` before this call is durable.
    void request_sync(std::shared_ptr<LogDurability> log, Callback done);
    /// Syncs `log` every interval_ms while it lives (FlushPolicy::interval).
    void sync_periodically(std::weak_ptr<LogDurability> log, int64_t interval_ms);

    /// Answers every request already made (syncing for them), then stops the thread.
    void stop();

    struct Stats {
        uint64_t requests = 0;
        uint64_t syncs = 0;  // LogDurability::sync() calls; one can cover many requests
    };
    Stats stats() const;
    /// Durations of the syncs that answered requests (fdatasync and what it waits for).
    LatencyHistogram::Snapshot sync_latency() const { return sync_latency_.snapshot(); }

  private:
    struct Request {
        std::shared_ptr<LogDurability> log;
        Callback done;
    };
    struct Periodic {
        std::weak_ptr<LogDurability> log;
        int64_t interval_ms;
        int64_t next_due_ns;
    };

    void run();
    void sync_requests(std::vector<Request>& requests);
    void sync_due(std::vector<std::shared_ptr<LogDurability>>& due);
    static void start_writebacks(const std::vector<LogDurability*>& logs);

    mutable std::mutex mu_;
    std::condition_variable wake_;
    std::vector<Request> pending_;
    std::vector<Periodic> periodic_;
    bool stopping_ = false;
    Stats stats_;
    LatencyHistogram sync_latency_;
    std::thread thread_;
};

}  // namespace es::storage
