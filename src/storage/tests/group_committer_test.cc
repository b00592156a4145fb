#include "storage/group_committer.h"

#include "storage/errc.h"
#include "storage/log.h"
#include "storage/tests/fault_injection.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>

namespace es::storage {
namespace {

using model::Offset;
using testing::FaultInjectionFileSystem;
using testing::make_batch;
using testing::TempDir;

/// Holds the first fdatasync on `fs` open until release(), so that requests queue behind it.
class FirstSyncGate {
  public:
    explicit FirstSyncGate(FaultInjectionFileSystem& fs) {
        fs.set_before_sync([this] {
            if (first_.exchange(false)) {
                entered_.set_value();
                released_.wait();
            }
        });
    }
    void wait_until_held() { entered_.get_future().wait(); }
    void release() { release_.set_value(); }

  private:
    std::promise<void> release_;
    std::shared_future<void> released_ = release_.get_future().share();
    std::promise<void> entered_;
    std::atomic<bool> first_{true};
};

TEST(GroupCommitter, AppendsQueuedDuringASyncShareTheNextOne) {
    TempDir dir;
    FaultInjectionFileSystem fs;
    auto log = std::move(Log::open(fs, dir.path(), {})).value();
    GroupCommitter committer;

    // Hold the first sync open until 100 more appends have asked for durability.
    FirstSyncGate gate(fs);

    std::atomic<int> answered{0};
    std::atomic<int64_t> max_durable{0};
    auto on_durable = [&](Result<Offset> r) {
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        int64_t v = r->value();
        int64_t seen = max_durable.load();
        while (v > seen && !max_durable.compare_exchange_weak(seen, v)) {
        }
        ++answered;
    };
    Bytes b = make_batch(1, 0);
    ASSERT_TRUE(log->append(b).ok());
    committer.request_sync(log->durability(), on_durable);
    gate.wait_until_held();
    for (int i = 1; i <= 100; ++i) {
        Bytes next = make_batch(1, i);
        ASSERT_TRUE(log->append(next).ok());
        committer.request_sync(log->durability(), on_durable);
    }
    gate.release();
    committer.stop();
    EXPECT_EQ(answered.load(), 101);
    EXPECT_EQ(max_durable.load(), 101);
    auto stats = committer.stats();
    std::printf("group commit: %llu requests answered by %llu syncs\n",
                static_cast<unsigned long long>(stats.requests),
                static_cast<unsigned long long>(stats.syncs));
    EXPECT_EQ(stats.requests, 101u);
    EXPECT_EQ(stats.syncs, 2u) << "one for the first append, one for the 100 queued behind it";
    EXPECT_EQ(log->durable_end(), Offset(101));
}

TEST(GroupCommitter, ARoundOfSeveralLogsStartsEveryWritebackBeforeItsFirstSync) {
    TempDir dir;
    FaultInjectionFileSystem fs;
    auto a = std::move(Log::open(fs, dir.sub("a"), {})).value();
    auto b = std::move(Log::open(fs, dir.sub("b"), {})).value();
    GroupCommitter committer;
    // Hold the first round (log a alone) until both logs have queued a request behind it.
    FirstSyncGate gate(fs);
    std::atomic<int> durable{0};
    auto on_durable = [&](Result<Offset> r) {
        if (r.ok()) ++durable;
    };
    Bytes batch = make_batch(1, 0);
    ASSERT_TRUE(a->append(batch).ok());
    std::string before = fs.sync_events();  // what opening the logs synced
    committer.request_sync(a->durability(), on_durable);
    gate.wait_until_held();
    ASSERT_TRUE(a->append(batch).ok());
    ASSERT_TRUE(b->append(batch).ok());
    committer.request_sync(a->durability(), on_durable);
    committer.request_sync(b->durability(), on_durable);
    gate.release();
    committer.stop();
    std::string events = fs.sync_events().substr(before.size());
    std::printf("checked: sync events after opening (w = writeback started, s = fdatasync): %s\n",
                events.c_str());
    EXPECT_EQ(events, "swwss") << "one log: a sync alone; two logs: both writebacks, then syncs";
    EXPECT_EQ(durable.load(), 3);
    EXPECT_EQ(a->durable_end(), Offset(2));
    EXPECT_EQ(b->durable_end(), Offset(1));
}

TEST(GroupCommitter, ConcurrentLogsAreEachMadeDurable) {
    TempDir dir;
    GroupCommitter committer;
    std::vector<std::unique_ptr<Log>> logs;
    for (int p = 0; p < 4; ++p) {
        logs.push_back(
            std::move(Log::open(posix_file_system(), dir.sub(std::to_string(p)), {})).value());
    }
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int p = 0; p < 4; ++p) {
        writers.emplace_back([&, p] {
            for (int i = 0; i < 50; ++i) {
                Bytes b = make_batch(2, i);
                auto appended = logs[p]->append(b);
                if (!appended.ok()) {
                    ++failures;
                    return;
                }
                std::promise<Result<Offset>> durable;
                auto f = durable.get_future();
                committer.request_sync(logs[p]->durability(),
                                       [&durable](Result<Offset> r) { durable.set_value(r); });
                auto r = f.get();
                // Acknowledged only once the sync covers this append.
                if (!r.ok() || *r <= appended->last_offset) ++failures;
            }
        });
    }
    for (auto& w : writers) w.join();
    EXPECT_EQ(failures.load(), 0);
    for (auto& log : logs) EXPECT_EQ(log->durable_end(), Offset(100));
}

TEST(GroupCommitter, AFailedSyncIsReportedToEveryWaiterAndNeverRetriedIntoDurable) {
    TempDir dir;
    FaultInjectionFileSystem fs;
    auto log = std::move(Log::open(fs, dir.path(), {})).value();
    GroupCommitter committer;
    Bytes first = make_batch(1, 0);
    ASSERT_TRUE(log->append(first).ok());
    ASSERT_TRUE(log->flush().ok());

    fs.fail_next_syncs(1);
    std::atomic<int> errors{0};
    std::latch all(5);
    for (int i = 0; i < 5; ++i) {
        Bytes b = make_batch(1, i + 1);
        ASSERT_TRUE(log->append(b).ok());
    }
    for (int i = 0; i < 5; ++i) {
        committer.request_sync(log->durability(), [&](Result<Offset> r) {
            if (!r.ok() && r.error().is(Errc::log_failed)) ++errors;
            all.count_down();
        });
    }
    all.wait();
    EXPECT_EQ(errors.load(), 5) << "every waiter hears of the failure";
    // The next sync would succeed at the OS level, but what the failed one covered may be gone.
    auto again = log->flush();
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(again.error().is(Errc::log_failed));
    EXPECT_EQ(log->durable_end(), Offset(1));
    Bytes refused = make_batch(1, 9);
    EXPECT_TRUE(log->append(refused).error().is(Errc::log_failed));
    committer.stop();
    log.reset();

    // Reopening recovers from what is on disk.
    auto reopened = Log::open(fs, dir.path(), {});
    ASSERT_TRUE(reopened.ok()) << reopened.error().to_string();
    EXPECT_GE((*reopened)->end_offset(), Offset(1));
    Bytes after = make_batch(1, 10);
    EXPECT_TRUE((*reopened)->append(after).ok());
}

TEST(GroupCommitter, PeriodicSyncCoversIntervalLogs) {
    TempDir dir;
    LogConfig config;
    config.flush_policy = FlushPolicy::interval;
    config.flush_interval_ms = 5;
    auto log = std::move(Log::open(posix_file_system(), dir.path(), config)).value();
    GroupCommitter committer;
    committer.sync_periodically(log->durability(), config.flush_interval_ms);
    Bytes b = make_batch(3, 1);
    ASSERT_TRUE(log->append(b).ok());
    // No timing assertion: wait until the flusher gets to it, however slow the machine.
    while (log->durable_end() < Offset(3))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(log->durable_end(), Offset(3));
}

}  // namespace
}  // namespace es::storage
