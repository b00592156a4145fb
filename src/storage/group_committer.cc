#include "storage/group_committer.h"

#include "base/clock.h"
#include "storage/logger.h"

#include <algorithm>
#include <chrono>

namespace es::storage {

GroupCommitter::GroupCommitter() : thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::request_sync(std::shared_ptr<LogDurability> log, Callback done) {
    {
        std::lock_guard lock(mu_);
        if (!stopping_) {
            pending_.push_back({std::move(log), std::move(done)});
            ++stats_.requests;
            wake_.notify_one();
            return;
        }
    }
    // Stopped: nobody will sync for this caller, so answer from here rather than never.
    done(log->sync());
}

void GroupCommitter::sync_periodically(std::weak_ptr<LogDurability> log, int64_t interval_ms) {
    std::lock_guard lock(mu_);
    periodic_.push_back({std::move(log), interval_ms, monotonic_ns() + interval_ms * 1'000'000});
    wake_.notify_one();
}

void GroupCommitter::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

GroupCommitter::Stats GroupCommitter::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

void GroupCommitter::run() {
    std::vector<Request> requests;
    std::vector<std::shared_ptr<LogDurability>> due;
    std::unique_lock lock(mu_);
    while (true) {
        int64_t now = monotonic_ns();
        int64_t next_due = INT64_MAX;
        for (auto it = periodic_.begin(); it != periodic_.end();) {
            auto log = it->log.lock();
            if (!log) {
                it = periodic_.erase(it);
                continue;
            }
            if (it->next_due_ns <= now) {
                due.push_back(std::move(log));
                it->next_due_ns = now + it->interval_ms * 1'000'000;
            }
            next_due = std::min(next_due, it->next_due_ns);
            ++it;
        }
        if (pending_.empty() && due.empty()) {
            if (stopping_) break;
            if (next_due == INT64_MAX) {
                wake_.wait(lock);
            } else {
                wake_.wait_for(lock, std::chrono::nanoseconds(next_due - now));
            }
            continue;
        }
        requests.swap(pending_);
        lock.unlock();
        sync_requests(requests);
        sync_due(due);
        lock.lock();
    }
}

void GroupCommitter::start_writebacks(const std::vector<LogDurability*>& logs) {
    // Several logs: all their writebacks start before the first fdatasync, so the disk works
    // on them together. Measured here: four fdatasyncs of 32 KiB in a row took 1.0-1.4 ms
    // (p50), 0.7-0.8 ms with the writebacks started first; in the broker, producing to 4
    // partitions, the mean sync per log went from 0.90-1.0 ms to 0.81-0.92 ms. One log (even
    // with a segment and its indexes dirty after a roll) gains nothing from it.
    if (logs.size() < 2) return;
    for (LogDurability* log : logs) log->start_writeback();
}

void GroupCommitter::sync_requests(std::vector<Request>& requests) {
    // One sync per log answers every request for it that arrived before the sync started.
    std::sort(requests.begin(), requests.end(),
              [](const Request& a, const Request& b) { return a.log < b.log; });
    std::vector<LogDurability*> logs;
    for (size_t i = 0; i < requests.size(); ++i) {
        if (i == 0 || requests[i].log != requests[i - 1].log) logs.push_back(requests[i].log.get());
    }
    start_writebacks(logs);
    uint64_t syncs = 0;
    for (size_t i = 0; i < requests.size();) {
        size_t j = i;
        while (j < requests.size() && requests[j].log == requests[i].log) ++j;
        const auto started = std::chrono::steady_clock::now();
        Result<model::Offset> result = requests[i].log->sync();
        sync_latency_.observe_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now() - started)
                                     .count());
        ++syncs;
        for (size_t k = i; k < j; ++k) requests[k].done(result);
        i = j;
    }
    requests.clear();
    std::lock_guard lock(mu_);
    stats_.syncs += syncs;
}

void GroupCommitter::sync_due(std::vector<std::shared_ptr<LogDurability>>& due) {
    std::vector<LogDurability*> logs;
    for (auto& log : due) logs.push_back(log.get());
    start_writebacks(logs);
    for (auto& log : due) {
        auto result = log->sync();
        if (!result.ok()) storage_log.error("periodic sync: {}", result.error().to_string());
    }
    std::lock_guard lock(mu_);
    stats_.syncs += due.size();
    due.clear();
}

}  // namespace es::storage
