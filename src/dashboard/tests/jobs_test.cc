#include "dashboard/jobs.h"

#include "base/metrics.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace es::dashboard {
namespace {

constexpr int64_t kT = 1'700'000'000'000;

JobRecord record(const std::string& instance, int64_t time, uint64_t processed,
                 uint64_t op_in = 0) {
    JobRecord r;
    r.job = "job";
    r.instance = instance;
    r.time = time;
    r.records_processed = processed;
    r.commits = processed / 100;
    r.last_commit_us = 1500;
    r.max_commit_us = 4000;
    r.consumer_lag = 9;
    TaskRecord t;
    t.task = "0_0";
    t.thread = instance + "-0";
    t.watermark = time - 3000;
    t.state_entries = 2;
    t.state_bytes = 64;
    t.operators.push_back({"map", op_in, op_in / 2, 1, 0});
    r.tasks.push_back(t);
    return r;
}

TEST(JobTracker, RatesComeFromConsecutiveRecordsOfAnInstance) {
    JobTracker tracker;
    tracker.add(record("i1", kT, 1000, 400));
    auto first = tracker.sample(kT + 100, {});
    ASSERT_EQ(first.size(), 1u);
    EXPECT_FALSE(first[0].records_per_s.has_value());  // one record: no rate yet
    tracker.add(record("i1", kT + 5000, 6000, 1400));
    auto s = tracker.sample(kT + 5100, {});
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].instances, 1);
    ASSERT_TRUE(s[0].records_per_s.has_value());
    EXPECT_DOUBLE_EQ(*s[0].records_per_s, 1000.0);
    EXPECT_EQ(s[0].records_processed, 6000u);
    EXPECT_EQ(s[0].commits, 60u);
    EXPECT_DOUBLE_EQ(*s[0].last_commit_ms, 1.5);
    EXPECT_DOUBLE_EQ(*s[0].max_commit_ms, 4.0);
    EXPECT_EQ(s[0].watermark_lag_ms, 3000);
    EXPECT_EQ(s[0].consumer_lag, 9);
    EXPECT_EQ(s[0].updated, kT + 5000);
    ASSERT_EQ(s[0].operators.size(), 1u);
    EXPECT_DOUBLE_EQ(*s[0].operators[0].in_per_s, 200.0);
    EXPECT_DOUBLE_EQ(*s[0].operators[0].out_per_s, 100.0);
    EXPECT_FALSE(s[0].thread_restarts.has_value());
    std::printf("checked: records/s and operator rates from an instance's consecutive records\n");
}

TEST(JobTracker, InstancesAddUpAndOldOrRepeatedRecordsAreIgnored) {
    JobTracker tracker;
    tracker.add(record("i1", kT, 1000));
    tracker.add(record("i2", kT, 3000));
    tracker.add(record("i1", kT + 10'000, 2000));
    tracker.add(record("i2", kT + 10'000, 5000));
    tracker.add(record("i2", kT + 5'000, 99));  // older than what i2 sent: ignored
    auto s = tracker.sample(kT + 10'000, {});
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].instances, 2);
    EXPECT_EQ(s[0].records_processed, 7000u);
    EXPECT_DOUBLE_EQ(*s[0].records_per_s, 300.0);
    EXPECT_EQ(s[0].state_entries, 4u);
    EXPECT_EQ(s[0].late_records, 2u);
    std::printf("checked: instances are summed; late or repeated records change nothing\n");
}

TEST(JobTracker, AnInstanceThatStopsReportingExpires) {
    JobTracker tracker(60'000);
    tracker.add(record("i1", kT, 1000));
    tracker.add(record("i1", kT + 5000, 2000));
    auto live = tracker.sample(kT + 6000, {});
    EXPECT_EQ(live[0].instances, 1);
    auto gone = tracker.sample(kT + 120'000, {});
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].instances, 0);
    EXPECT_FALSE(gone[0].records_per_s.has_value());
    EXPECT_EQ(gone[0].records_processed, 2000u);  // the last figures stay visible
    std::printf("checked: a job whose instances went silent shows 0 instances and no rates\n");
}

TEST(JobTracker, HistoryCountersOnlyCountIncrements) {
    JobTracker tracker;
    JobRecord a = record("i1", kT, 1000);
    a.thread_restarts = 0;
    a.bad_records = 5;
    tracker.add(a);
    tracker.sample(kT, {});
    // A second instance arrives with counters of its own: no jump in the history.
    JobRecord b = record("i2", kT + 1000, 50'000);
    b.thread_restarts = 3;
    b.bad_records = 70;
    tracker.add(b);
    JobRecord a2 = record("i1", kT + 2000, 1500);
    a2.thread_restarts = 1;
    a2.bad_records = 6;
    tracker.add(a2);
    JobInput input{123, 4567};
    auto s = tracker.sample(kT + 2000, {{"job", input}});
    ASSERT_EQ(s[0].history.size(), 2u);
    const JobPoint& p = s[0].history.back();
    EXPECT_EQ(p.processed, 500u);
    EXPECT_EQ(p.thread_restarts, 1u);
    EXPECT_EQ(p.bad_records, 1u);
    EXPECT_EQ(p.consumer_lag, 123);
    EXPECT_EQ(p.input_end, 4567);
    EXPECT_EQ(s[0].consumer_lag, 123);  // the group's lag, sampled every second, wins
    EXPECT_EQ(s[0].thread_restarts, 4u);
    std::printf("checked: history counters grow by increments only; group lag and input used\n");
}

TEST(JobTracker, LatencyComesFromTheProcessingLagSums) {
    JobTracker tracker;
    EXPECT_FALSE(tracker.latency(kT).has_value());
    JobRecord a = record("i1", kT, 0);
    a.lag_ms_sum = 1000;
    a.lag_samples = 10;
    tracker.add(a);
    JobRecord b = record("i1", kT + 5000, 100);
    b.lag_ms_sum = 5000;
    b.lag_samples = 30;  // 4000 ms over 20 records: 200 ms each
    tracker.add(b);
    auto latency = tracker.latency(kT + 5000);
    ASSERT_TRUE(latency.has_value());
    EXPECT_DOUBLE_EQ(latency->p50, 200.0);
    EXPECT_DOUBLE_EQ(latency->max, 200.0);
    auto s = tracker.sample(kT + 5000, {});
    EXPECT_DOUBLE_EQ(*s[0].processing_lag_ms, 200.0);
    std::printf("checked: latency percentiles from the jobs' processing-lag sums, null without\n");
}

TEST(JobTracker, LatencyPercentilesComeFromTheLagBucketsBetweenTwoReports) {
    // Cumulative counts per bound (LatencyHistogram::kBoundsSeconds), then the total.
    auto histogram = [](std::initializer_list<std::pair<size_t, uint64_t>> at_bound,
                        uint64_t total) {
        std::vector<uint64_t> h(LatencyHistogram::kBuckets + 1, 0);
        for (const auto& [bound, count] : at_bound) {
            for (size_t i = bound; i < LatencyHistogram::kBuckets; ++i) h[i] = count;
        }
        h.back() = total;
        return h;
    };
    JobTracker tracker;
    JobRecord a = record("i1", kT, 0);
    a.lag_histogram = histogram({{9, 50}}, 50);  // 50 records at or below 100 ms before
    tracker.add(a);
    JobRecord b = record("i1", kT + 5000, 100);
    // Since then: 90 more at or below 100 ms (index 9), 9 at or below 1 s (12), 1 beyond 300 s.
    b.lag_histogram = histogram({{9, 140}, {12, 149}}, 150);
    tracker.add(b);
    auto latency = tracker.latency(kT + 5000);
    ASSERT_TRUE(latency.has_value());
    EXPECT_DOUBLE_EQ(latency->p50, 100.0);
    EXPECT_DOUBLE_EQ(latency->p99, 1000.0);
    EXPECT_DOUBLE_EQ(latency->max, 300'000.0);
    std::printf(
        "checked: p50 100 ms, p99 1 s, max beyond the last bound (300 s) from the lag "
        "buckets of the 100 records between two reports\n");
}

}  // namespace
}  // namespace es::dashboard
