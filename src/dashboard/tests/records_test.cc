#include "dashboard/records.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace es::dashboard {
namespace {

// As stream/runtime's JobMetrics::json writes it.
constexpr const char* kJobRecord =
    R"({"job":"ad-attribution","time":1700000000000,"records_processed":1200,"records_sent":900,)"
    R"("bad_records":3,"commits":40,"aborts":0,"rebalances":1,"restored_records":0,)"
    R"("last_commit_us":2500,"max_commit_us":9100,"consumer_lag":77,"tasks":[)"
    R"({"task":"0_0","thread":"ad-attribution-7f3a-0","watermark":1699999998000,)"
    R"("state_entries":10,"state_bytes":2048,"operators":[)"
    R"({"node":"source","in":600,"out":600,"late":0,"dropped":0},)"
    R"({"node":"window","in":600,"out":20,"late":4,"dropped":1}]},)"
    R"({"task":"0_1","thread":"ad-attribution-7f3a-1","watermark":null,"state_entries":5,)"
    R"("state_bytes":100,"operators":[]}]})";

TEST(Records, AJobMetricsRecordParses) {
    auto r = parse_job_record(kJobRecord);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->job, "ad-attribution");
    EXPECT_EQ(r->instance, "ad-attribution-7f3a");
    EXPECT_EQ(r->time, 1700000000000);
    EXPECT_EQ(r->records_processed, 1200u);
    EXPECT_EQ(r->bad_records, 3u);
    EXPECT_EQ(r->commits, 40u);
    EXPECT_EQ(r->last_commit_us, 2500);
    EXPECT_EQ(r->max_commit_us, 9100);
    EXPECT_EQ(r->consumer_lag, 77);
    EXPECT_FALSE(r->thread_restarts.has_value());
    ASSERT_EQ(r->tasks.size(), 2u);
    EXPECT_EQ(r->tasks[0].watermark, 1699999998000);
    EXPECT_FALSE(r->tasks[1].watermark.has_value());
    ASSERT_EQ(r->tasks[0].operators.size(), 2u);
    EXPECT_EQ(r->tasks[0].operators[1].node, "window");
    EXPECT_EQ(r->tasks[0].operators[1].late, 4u);
    std::printf("checked: a JobMetrics::json record parses, instance from its thread names\n");
}

TEST(Records, OptionalJobFiguresAreReadWhenPresent) {
    auto r = parse_job_record(
        R"({"job":"j","time":5,"thread_restarts":2,"lag_ms_sum":900,"lag_samples":3})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->thread_restarts, 2u);
    EXPECT_EQ(r->lag_ms_sum, 900);
    EXPECT_EQ(r->lag_samples, 3u);
    EXPECT_EQ(r->instance, "");
    std::printf(
        "checked: thread_restarts and processing-lag sums are read when a job sends "
        "them\n");
}

TEST(Records, WhatIsNotAJobRecordIsRefused) {
    EXPECT_FALSE(parse_job_record("not json").ok());
    EXPECT_FALSE(parse_job_record("[1,2]").ok());
    EXPECT_FALSE(parse_job_record(R"({"time":1})").ok());
    EXPECT_FALSE(parse_job_record(R"({"job":"j"})").ok());
    EXPECT_FALSE(parse_job_record("").ok());
    // Wrong types inside are read as absent, not as a failure.
    auto r = parse_job_record(R"({"job":"j","time":1,"commits":"many","tasks":[7]})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->commits, 0u);
    EXPECT_TRUE(r->tasks.empty());
    std::printf("checked: malformed job records are refused, wrong field types read as absent\n");
}

TEST(Records, ACampaignWindowParses) {
    // As stats_json in stream/jobs/ad_attribution.cc writes it.
    auto w = parse_campaign_window(
        R"({"campaign":"c-7","start":1000,"end":61000,"impressions":500,"clicks":25,)"
        R"("conversions":3,"revenue":42.5,"ctr":0.05,"cvr":0.12})");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->campaign, "c-7");
    EXPECT_EQ(w->window_start, 1000);
    EXPECT_EQ(w->window_end, 61000);
    EXPECT_EQ(w->impressions, 500);
    EXPECT_EQ(w->clicks, 25);
    EXPECT_EQ(w->conversions, 3);
    EXPECT_DOUBLE_EQ(w->revenue, 42.5);
    EXPECT_FALSE(parse_campaign_window(R"({"late":true})").ok());
    EXPECT_FALSE(parse_campaign_window("{").ok());
    std::printf("checked: a campaign window parses; other records are refused\n");
}

CampaignWindow window(const std::string& campaign, int64_t end, double revenue) {
    CampaignWindow w;
    w.campaign = campaign;
    w.window_end = end;
    w.revenue = revenue;
    return w;
}

TEST(CampaignBoard, KeepsEachCampaignsLatestWindowAndRanksByRevenue) {
    CampaignBoard board;
    board.add(window("a", 120, 5));
    board.add(window("a", 60, 500));  // older window, arriving late: ignored
    board.add(window("b", 120, 9));
    board.add(window("b", 120, 11));  // the same window updated
    board.add(window("c", 180, 1));
    auto top = board.top(20);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].campaign, "b");
    EXPECT_DOUBLE_EQ(top[0].revenue, 11);
    EXPECT_EQ(top[1].campaign, "a");
    EXPECT_DOUBLE_EQ(top[1].revenue, 5);
    EXPECT_EQ(top[2].campaign, "c");
    EXPECT_EQ(board.top(2).size(), 2u);
    std::printf("checked: the latest window per campaign, highest revenue first, limited\n");
}

}  // namespace
}  // namespace es::dashboard
