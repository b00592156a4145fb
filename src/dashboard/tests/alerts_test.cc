#include "dashboard/alerts.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

namespace es::dashboard {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::vector<std::string> rules_of(const std::vector<Alert>& alerts) {
    std::vector<std::string> out;
    for (const Alert& a : alerts) out.push_back(a.rule + " " + a.subject);
    return out;
}

GroupState group(const std::string& name, LagStatus status, int64_t lag) {
    GroupState g;
    g.group = name;
    g.status = status;
    g.lag = lag;
    return g;
}

/// A partition's end offsets, one sample a second over the last `seconds`, from `end(age)`.
PartitionState partition(int32_t id, int seconds, const std::function<int64_t(int)>& end) {
    PartitionState p;
    p.partition = id;
    for (int age = seconds; age >= 0; --age) p.ends.push_back({kNow - age * 1000LL, end(age)});
    p.end_offset = p.ends.back().value;
    return p;
}

TEST(Alerts, GroupStatusesRaiseConsumerAlerts) {
    ClusterState s;
    s.time = kNow;
    s.groups = {group("ok", LagStatus::ok, 0), group("growing", LagStatus::warn, 50),
                group("stalled", LagStatus::stall, 7), group("stopped", LagStatus::stop, 9),
                group("broken", LagStatus::err, 0)};
    auto alerts = evaluate_alerts(s);
    EXPECT_EQ(rules_of(alerts),
              (std::vector<std::string>{"consumer_lag_growing growing", "consumer_stalled stalled",
                                        "consumer_stalled stopped"}));
    EXPECT_EQ(alerts[0].severity, Severity::warning);
    EXPECT_EQ(alerts[1].severity, Severity::critical);
    EXPECT_NE(alerts[2].message.find("STOP"), std::string::npos);
    EXPECT_EQ(alerts[2].since, kNow);
    std::printf("checked: WARN raises consumer_lag_growing, STALL and STOP consumer_stalled\n");
}

TEST(Alerts, APartitionThatWentSilentWhileItsSiblingsReceiveIsStalled) {
    ClusterState s;
    s.time = kNow;
    TopicState t;
    t.name = "clicks";
    // Partition 0 received until 90 s ago; partition 1 receives all along.
    t.partitions.push_back(partition(0, 200, [](int age) { return age > 90 ? 200 - age : 110; }));
    t.partitions.push_back(partition(1, 200, [](int age) { return 1000 - age; }));
    s.topics.push_back(t);
    auto alerts = evaluate_alerts(s);
    ASSERT_EQ(rules_of(alerts), std::vector<std::string>{"partition_stalled clicks/0"});
    EXPECT_EQ(alerts[0].severity, Severity::warning);
    std::printf("checked: partition_stalled for a partition silent 60 s while another grows\n");
}

TEST(Alerts, PartitionStalledNeedsActivityBeforeAndSiblingsNow) {
    ClusterState s;
    s.time = kNow;
    TopicState t;
    t.name = "t";
    // Never received anything in 5 minutes: not stalled, just idle.
    t.partitions.push_back(partition(0, 300, [](int) { return 5; }));
    t.partitions.push_back(partition(1, 300, [](int age) { return 1000 - age; }));
    s.topics = {t};
    EXPECT_TRUE(evaluate_alerts(s).empty());
    // Everything went quiet: a paused producer, not a stalled partition.
    t.partitions[0] = partition(0, 300, [](int age) { return age > 90 ? 300 - age : 210; });
    t.partitions[1] = partition(1, 300, [](int age) { return age > 90 ? 600 - age : 510; });
    s.topics = {t};
    EXPECT_TRUE(evaluate_alerts(s).empty());
    // A history younger than 60 s concludes nothing.
    t.partitions[0] = partition(0, 30, [](int) { return 7; });
    t.partitions[1] = partition(1, 30, [](int age) { return 100 - age; });
    s.topics = {t};
    EXPECT_TRUE(evaluate_alerts(s).empty());
    std::printf(
        "checked: no partition_stalled when idle all along, when all are quiet, or "
        "on under 60 s of history\n");
}

TEST(Alerts, ABusyPartitionOverThreeTimesTheMeanIsImbalanced) {
    ClusterState s;
    s.time = kNow;
    TopicState t;
    t.name = "events";
    t.partitions.push_back(partition(0, 20, [](int age) { return 100'000 - 1000 * age; }));
    for (int32_t id = 1; id < 4; ++id) {
        t.partitions.push_back(partition(id, 20, [](int age) { return 1000 - 10 * age; }));
    }
    s.topics = {t};
    auto alerts = evaluate_alerts(s);
    ASSERT_EQ(rules_of(alerts), std::vector<std::string>{"partition_imbalance events"});
    EXPECT_NE(alerts[0].message.find("partition 0"), std::string::npos);
    std::printf("checked: partition_imbalance when one partition takes over 3x the mean\n");
}

TEST(Alerts, ImbalanceIgnoresQuietBalancedAndSinglePartitionTopics) {
    ClusterState s;
    s.time = kNow;
    TopicState quiet;  // skewed, but under 100 msgs/s in all
    quiet.name = "quiet";
    quiet.partitions.push_back(partition(0, 20, [](int age) { return 1000 - 50 * age; }));
    for (int32_t id = 1; id < 4; ++id) {
        quiet.partitions.push_back(partition(id, 20, [](int) { return 0; }));
    }
    TopicState balanced;
    balanced.name = "balanced";
    for (int32_t id = 0; id < 4; ++id) {
        balanced.partitions.push_back(
            partition(id, 20, [](int age) { return 100'000 - 500 * age; }));
    }
    TopicState single;
    single.name = "single";
    single.partitions.push_back(partition(0, 20, [](int age) { return 100'000 - 5000 * age; }));
    s.topics = {quiet, balanced, single};
    EXPECT_TRUE(evaluate_alerts(s).empty());
    std::printf(
        "checked: no partition_imbalance under 100 msgs/s, when balanced, or with one "
        "partition\n");
}

/// A job history, one point a second over the last `seconds`, from `point(age)`.
JobState job(const std::string& name, int seconds, const std::function<JobPoint(int)>& point) {
    JobState j;
    j.job = name;
    for (int age = seconds; age >= 0; --age) {
        JobPoint p = point(age);
        p.time = kNow - age * 1000LL;
        j.history.push_back(p);
    }
    return j;
}

TEST(Alerts, JobRestartsAndBadRecordsWithinTheirWindows) {
    ClusterState s;
    s.time = kNow;
    s.jobs.push_back(job("restarted", 300, [](int age) {
        JobPoint p;
        p.thread_restarts = age > 200 ? 0 : 1;
        return p;
    }));
    s.jobs.push_back(job("bad-now", 120, [](int age) {
        JobPoint p;
        p.bad_records = age > 30 ? 4 : 6;
        return p;
    }));
    s.jobs.push_back(job("bad-before", 120, [](int age) {
        JobPoint p;
        p.bad_records = age > 90 ? 4 : 6;  // grew 90 s ago: outside the last minute
        return p;
    }));
    auto alerts = evaluate_alerts(s);
    EXPECT_EQ(rules_of(alerts),
              (std::vector<std::string>{"job_restarted restarted", "job_bad_records bad-now"}));
    EXPECT_EQ(alerts[0].severity, Severity::critical);
    EXPECT_NE(alerts[1].message.find("2 bad record"), std::string::npos);
    std::printf("checked: job_restarted within 5 min, job_bad_records within 1 min only\n");
}

TEST(Alerts, AJobFallingBehindItsInputIsLowThroughput) {
    ClusterState s;
    s.time = kNow;
    // 100 records/s arrive, 20/s are processed, the lag grows by 80/s.
    auto behind = [](int age) {
        JobPoint p;
        p.input_end = 10'000 - 100 * age;
        p.processed = static_cast<uint64_t>(5'000 - 20 * age);
        p.consumer_lag = 2'000 - 80 * age;
        return p;
    };
    s.jobs.push_back(job("slow", 40, behind));
    // Keeps up at 80%: the lag grows, but it processes over half the input.
    s.jobs.push_back(job("coping", 40, [](int age) {
        JobPoint p;
        p.input_end = 10'000 - 100 * age;
        p.processed = static_cast<uint64_t>(5'000 - 80 * age);
        p.consumer_lag = 2'000 - 20 * age;
        return p;
    }));
    // Too short a history to say the lag grew for 30 s.
    s.jobs.push_back(job("young", 20, behind));
    auto alerts = evaluate_alerts(s);
    ASSERT_EQ(rules_of(alerts), std::vector<std::string>{"job_throughput_low slow"});
    EXPECT_NE(alerts[0].message.find("20 records/s of 100"), std::string::npos);
    std::printf("checked: job_throughput_low when lag grows 30 s and under 50%% is processed\n");
}

TEST(Alerts, AShrinkingLagOrNoInputIsNotLowThroughput) {
    ClusterState s;
    s.time = kNow;
    s.jobs.push_back(job("dip", 40, [](int age) {
        JobPoint p;
        p.input_end = 10'000 - 100 * age;
        p.processed = static_cast<uint64_t>(5'000 - 20 * age);
        p.consumer_lag = age == 10 ? 0 : 2'000 - 80 * age;
        return p;
    }));
    s.jobs.push_back(job("no-input-known", 40, [](int age) {
        JobPoint p;
        p.processed = static_cast<uint64_t>(5'000 - 20 * age);
        p.consumer_lag = 2'000 - 80 * age;
        return p;
    }));
    EXPECT_TRUE(evaluate_alerts(s).empty());
    std::printf(
        "checked: no job_throughput_low when the lag shrank once or the input is unknown\n");
}

TEST(AlertTracker, SinceHoldsWhileAnAlertLastsAndCriticalComesFirst) {
    AlertTracker tracker;
    Alert warn{"consumer_lag_growing", Severity::warning, "g1", "m", 1000};
    Alert crit{"consumer_stalled", Severity::critical, "g2", "m", 1000};
    auto first = tracker.update({warn, crit});
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].rule, "consumer_stalled");
    warn.since = crit.since = 2000;
    auto second = tracker.update({warn, crit});
    EXPECT_EQ(second[0].since, 1000);
    EXPECT_EQ(second[1].since, 1000);
    // g1 recovers, then comes back: a new run.
    tracker.update({crit}).swap(second);
    warn.since = 3000;
    auto third = tracker.update({warn, crit});
    EXPECT_EQ(third[1].subject, "g1");
    EXPECT_EQ(third[1].since, 3000);
    EXPECT_EQ(third[0].since, 1000);
    std::printf("checked: an alert keeps its since while it holds and starts over after a gap\n");
}

}  // namespace
}  // namespace es::dashboard
