#include "dashboard/render.h"

#include "dashboard/assets.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace es::dashboard {
namespace {

using Json = nlohmann::json;

Json parsed(const std::string& text) {
    Json j = Json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << text;
    return j;
}

TEST(Render, AnEmptyStateHasEveryFieldWithNullsForTheUnknown) {
    ClusterState s;
    s.time = 42;
    s.attribution_topic = "ad-campaign-stats";
    RenderedSnapshot r = render(s);
    Json o = parsed(r.overview);
    for (const char* key : {"time", "brokers", "topics", "partitions", "in_msgs_per_s",
                            "out_msgs_per_s", "groups", "jobs", "alerts", "latency_ms"}) {
        EXPECT_TRUE(o.contains(key)) << key;
    }
    EXPECT_TRUE(o["in_msgs_per_s"].is_null());
    EXPECT_TRUE(o["latency_ms"].is_null());
    EXPECT_EQ(o["time"], 42);
    EXPECT_EQ(parsed(r.topics)["topics"], Json::array());
    EXPECT_EQ(parsed(r.groups)["groups"], Json::array());
    EXPECT_EQ(parsed(r.jobs)["jobs"], Json::array());
    EXPECT_EQ(parsed(r.attribution)["topic"], "ad-campaign-stats");
    EXPECT_EQ(parsed(r.alerts)["alerts"], Json::array());
    std::printf("checked: an empty snapshot renders every documented field, unknowns as null\n");
}

TEST(Render, APopulatedStateRendersAsDocumented) {
    ClusterState s;
    s.time = 1000;
    s.brokers = {{1, "127.0.0.1", 9092}};
    TopicState t;
    t.name = "clicks";
    PartitionState p;
    p.partition = 0;
    p.leader = 1;
    p.start_offset = 0;
    p.end_offset = 10;
    p.msgs_per_s = 2.5;
    t.partitions.push_back(p);
    t.messages = 10;
    t.msgs_per_s = 2.5;
    s.topics.push_back(t);
    GroupState g;
    g.group = "readers";
    g.state = "Empty";
    g.lag = 4;
    g.status = LagStatus::stop;
    GroupPartitionState gp;
    gp.topic = "clicks";
    gp.committed = 6;
    gp.end_offset = 10;
    gp.lag = 4;
    gp.status = LagStatus::stop;
    g.partitions.push_back(gp);
    g.history = {{900, 3}, {1000, 4}};
    s.groups.push_back(g);
    JobState j;
    j.job = "ad-attribution";
    j.instances = 1;
    j.records_per_s = 12;
    j.operators.push_back({"map", 3.0, std::nullopt, 1, 2});
    s.jobs.push_back(j);
    s.campaigns.push_back({"c1", 0, 60000, 10, 2, 1, 9.5});
    s.alerts.push_back({"consumer_stalled", Severity::critical, "readers", "m", 900});
    s.in_msgs_per_s = 2.5;
    s.latency = Latency{1, 2, 3};
    RenderedSnapshot r = render(s);

    Json o = parsed(r.overview);
    EXPECT_EQ(o["brokers"][0]["id"], 1);
    EXPECT_EQ(o["partitions"], 1);
    EXPECT_EQ(o["latency_ms"]["p99"], 2.0);
    EXPECT_EQ(o["alerts"][0]["severity"], "critical");
    Json tp = parsed(r.topics)["topics"][0];
    EXPECT_EQ(tp["internal"], false);
    EXPECT_EQ(tp["partitions"][0]["end_offset"], 10);
    EXPECT_EQ(tp["partitions"][0]["msgs_per_s"], 2.5);
    Json gr = parsed(r.groups)["groups"][0];
    EXPECT_EQ(gr["status"], "STOP");
    EXPECT_EQ(gr["partitions"][0]["status"], "STOP");
    EXPECT_EQ(gr["history"], Json::parse("[[900,3],[1000,4]]"));
    Json jb = parsed(r.jobs)["jobs"][0];
    EXPECT_EQ(jb["records_per_s"], 12.0);
    EXPECT_TRUE(jb["watermark_lag_ms"].is_null());
    EXPECT_TRUE(jb["operators"][0]["out_per_s"].is_null());
    EXPECT_EQ(parsed(r.attribution)["campaigns"][0]["window_end"], 60000);
    Json a = parsed(r.alerts)["alerts"][0];
    EXPECT_EQ(a["since"], 900);
    Json event = parsed(r.event);
    for (const char* key : {"overview", "topics", "groups", "jobs", "attribution", "alerts"}) {
        EXPECT_TRUE(event[key].is_object()) << key;
    }
    EXPECT_EQ(event["groups"], parsed(r.groups));
    std::printf(
        "checked: topics, groups (status, history), jobs, attribution, alerts and the "
        "stream event render as documented\n");
}

TEST(Assets, ThePageAndItsAssetsAreEmbeddedWithTheirTypes) {
    ASSERT_EQ(assets().size(), 5u);
    const Asset* index = find_asset("/");
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
    EXPECT_FALSE(index->body.empty());
    for (const char* path : {"/assets/app.js", "/assets/uPlot.iife.min.js"}) {
        const Asset* js = find_asset(path);
        ASSERT_NE(js, nullptr) << path;
        EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
    }
    for (const char* path : {"/assets/app.css", "/assets/uPlot.min.css"}) {
        const Asset* css = find_asset(path);
        ASSERT_NE(css, nullptr) << path;
        EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
    }
    EXPECT_EQ(find_asset("/assets/index.html"), nullptr);
    EXPECT_EQ(find_asset("/nothing"), nullptr);
    std::printf("checked: 5 embedded assets with html/js/css content types; others absent\n");
}

}  // namespace
}  // namespace es::dashboard
