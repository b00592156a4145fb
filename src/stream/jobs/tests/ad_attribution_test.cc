// The ad-attribution job through the TestDriver (real tasks and RocksDB stores): each model's
// credits, click precedence, lookbacks, unattributed conversions, duplicates, late events, and
// per-campaign figures.

#include "stream/api/job.h"
#include "stream/api/test_driver.h"
#include "stream/jobs/ad_events.h"
#include "stream/jobs/ads_verify.h"
#include "stream/jobs/attribution_model.h"
#include "stream/jobs/builtin_jobs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <random>

namespace es::stream::jobs {
namespace {

namespace fs = std::filesystem;

TEST(AttributionModel, CreditsFollowEachModelAndSumToOne) {
    std::vector<int64_t> t{1000, 2000, 3000, 4000};
    auto near = [](const std::vector<double>& a, const std::vector<double>& b) {
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-9) << i;
    };
    near(credits(AttributionModel::last_touch, t, 5000, 1), {0, 0, 0, 1});
    near(credits(AttributionModel::first_touch, t, 5000, 1), {1, 0, 0, 0});
    near(credits(AttributionModel::linear, t, 5000, 1), {0.25, 0.25, 0.25, 0.25});
    near(credits(AttributionModel::position_based, t, 5000, 1), {0.4, 0.1, 0.1, 0.4});
    near(credits(AttributionModel::position_based, {1, 2}, 5, 1), {0.5, 0.5});
    // Half-life 1000 ms: each touch weighs twice the one before it.
    near(credits(AttributionModel::time_decay, t, 5000, 1000),
         {1.0 / 15, 2.0 / 15, 4.0 / 15, 8.0 / 15});
    EXPECT_TRUE(credits(AttributionModel::linear, {}, 5, 1).empty());
    EXPECT_FALSE(parse_model("most-touch").ok());
}

class AdAttribution : public testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("es-ads-" + std::to_string(std::random_device{}()));
        ASSERT_TRUE(register_builtin_jobs(registry_).ok());
    }
    void TearDown() override {
        driver_.reset();
        fs::remove_all(dir_);
    }

    void start(std::map<std::string, std::string> params) {
        params.try_emplace("out-of-orderness", "0ms");
        params.try_emplace("allowed-lateness", "1000ms");
        params.try_emplace("window", "10s");
        auto job = registry_.find("ad-attribution");
        ASSERT_TRUE(job.ok());
        auto t = (*job)->build(JobParams(params));
        ASSERT_TRUE(t.ok()) << t.error().to_string();
        topology_ = std::make_unique<Topology>(std::move(t).value());
        auto d = TestDriver::make(*topology_, {.state_dir = dir_});
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        driver_ = std::move(d).value();
    }

    void impression(const std::string& user, const std::string& id, const std::string& campaign,
                    int64_t ts) {
        Impression i{id, user, campaign, "a-" + campaign, "cr-1", ts};
        ASSERT_TRUE(driver_->pipe("ad-impressions", user, encode_to_string(i), ts).ok());
    }
    void click(const std::string& user, const std::string& id, const std::string& campaign,
               int64_t ts) {
        Click c{id, "i-" + id, user, campaign, "a-" + campaign, ts};
        ASSERT_TRUE(driver_->pipe("ad-clicks", user, encode_to_string(c), ts).ok());
    }
    void conversion(const std::string& user, const std::string& id, double value, int64_t ts,
                    const std::string& currency = "USD") {
        Conversion c{id, user, value, currency, ts};
        ASSERT_TRUE(driver_->pipe("ad-conversions", user, encode_to_string(c), ts).ok());
    }
    /// Moves every input's clock to `ts` with events of a user nobody else has.
    void advance(int64_t ts) {
        impression("clock", "ci-" + std::to_string(ts), "c-clock", ts);
        click("clock", "ck-" + std::to_string(ts), "c-clock", ts);
        conversion("clock", "cv-" + std::to_string(ts), 0, ts);
    }

    std::vector<Credit> credits_of(const std::string& user) {
        for (auto& r : driver_->take("ad-attributed")) {
            auto c = Serde<Credit>::decode(*r.value);
            EXPECT_TRUE(c.ok());
            if (c.ok()) all_credits_.push_back(*c);
        }
        std::vector<Credit> out;
        for (const Credit& c : all_credits_) {
            if (c.user == user) out.push_back(c);
        }
        return out;
    }

    JobRegistry registry_;
    std::unique_ptr<Topology> topology_;
    std::unique_ptr<TestDriver> driver_;
    std::vector<Credit> all_credits_;
    fs::path dir_;
};

TEST_F(AdAttribution, LinearSplitsOverClicksWhichTakePrecedenceOverImpressions) {
    start({{"model", "linear"}});
    impression("u1", "i1", "c1", 1000);
    click("u1", "k1", "c1", 2000);
    impression("u1", "i2", "c2", 3000);
    click("u1", "k2", "c2", 4000);
    conversion("u1", "v1", 100, 5000);
    EXPECT_TRUE(credits_of("u1").empty()) << "attributed before the allowed lateness passed";
    advance(7000);
    auto c = credits_of("u1");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].touch_id, "k1");
    EXPECT_EQ(c[1].touch_id, "k2");
    EXPECT_DOUBLE_EQ(c[0].credit, 0.5);
    EXPECT_DOUBLE_EQ(c[1].revenue, 50);
    EXPECT_EQ(c[1].campaign, "c2");
    EXPECT_EQ(c[0].model, "linear");
}

TEST_F(AdAttribution, ViewThroughUnattributedLookbacksAndCurrency) {
    start({{"model", "last-touch"}, {"view-lookback", "10s"}, {"click-lookback", "20s"}});
    impression("view", "i1", "c1", 1000);
    conversion("view", "v1", 10, 5000, "EUR");
    conversion("nobody", "v2", 7, 5000);
    impression("old", "i9", "c9", 1000);  // 15 s before its conversion: outside the view lookback
    conversion("old", "v3", 5, 16000);
    advance(20000);
    auto view = credits_of("view");
    ASSERT_EQ(view.size(), 1u);
    EXPECT_TRUE(view[0].attributed);
    EXPECT_EQ(view[0].touch_type, "impression");
    EXPECT_NEAR(view[0].revenue, 10.8, 1e-9);  // EUR at 1.08
    for (const char* u : {"nobody", "old"}) {
        auto c = credits_of(u);
        ASSERT_EQ(c.size(), 1u) << u;
        EXPECT_FALSE(c[0].attributed) << u;
    }
}

TEST_F(AdAttribution, DuplicatesCountOnceAndLateEventsGoToTheLateTopic) {
    start({{"model", "last-touch"}});
    click("u", "k1", "c1", 1000);
    click("u", "k1", "c1", 1000);  // a duplicate
    click("u", "k2", "c2", 2500);
    conversion("u", "v1", 20, 3000);
    conversion("u", "v1", 20, 3000);  // a duplicate
    advance(10000);
    // Late by more than the allowed lateness (1 s behind a watermark of 9999).
    click("u", "k-late", "c3", 5000);
    auto c = credits_of("u");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].touch_id, "k2");
    auto late = driver_->take("ad-late-events");
    ASSERT_EQ(late.size(), 1u);
    auto doc = nlohmann::json::parse(*late[0].value);
    EXPECT_EQ(doc["id"], "k-late");
    EXPECT_EQ(doc["refused_by"], "attribution");
}

TEST_F(AdAttribution, ALateClickWithinTheLatenessStillCountsForLaterConversions) {
    start({{"model", "last-touch"}, {"allowed-lateness", "3s"}});
    click("u", "k1", "c1", 1000);
    conversion("u", "v1", 10, 5000);
    advance(6000);                 // watermark 5999: v1 waits until 8000
    click("u", "k2", "c2", 4000);  // behind the watermark but within the lateness
    advance(9000);
    auto c = credits_of("u");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].touch_id, "k2");
    EXPECT_TRUE(driver_->take("ad-late-events").empty());
}

TEST_F(AdAttribution, CampaignFiguresCountTouchesAndAttributedRevenuePerWindow) {
    start({{"model", "last-touch"}});
    impression("u", "i1", "c1", 1000);
    impression("w", "i2", "c1", 1500);
    click("u", "k1", "c1", 2000);
    conversion("u", "v1", 30, 3000);
    advance(12000);  // v1 attributed at 4000; the [0, 10 s) window closes at 11000
    advance(20000);
    std::map<std::string, nlohmann::json> stats;
    for (auto& r : driver_->take("ad-campaign-stats")) {
        auto doc = nlohmann::json::parse(*r.value);
        if (doc["start"] == 0) stats[doc["campaign"]] = doc;
    }
    ASSERT_TRUE(stats.count("c1"));
    EXPECT_EQ(stats["c1"]["impressions"], 2);
    EXPECT_EQ(stats["c1"]["clicks"], 1);
    EXPECT_DOUBLE_EQ(stats["c1"]["conversions"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(stats["c1"]["revenue"].get<double>(), 30.0);
    EXPECT_DOUBLE_EQ(stats["c1"]["ctr"].get<double>(), 0.5);
}

TEST_F(AdAttribution, TheVerifierAgreesWithTheJobAndCatchesEveryKindOfDifference) {
    std::map<std::string, std::string> params{{"model", "position-based"}};
    start(params);
    AdsVerifyInput in;
    auto keep = [&](std::vector<std::string>& into, const std::string& value) {
        into.push_back(value);
    };
    std::mt19937 rng(3);
    for (int i = 0; i < 300; ++i) {
        std::string user = "u" + std::to_string(rng() % 20);
        int64_t ts = 1000 + i * 100;
        std::string campaign = "c" + std::to_string(rng() % 4);
        switch (rng() % 4) {
            case 0:
            case 1: {
                Impression e{"i" + std::to_string(i), user, campaign, "a", "cr", ts};
                impression(user, e.impression_id, campaign, ts);
                keep(in.impressions, encode_to_string(e));
                break;
            }
            case 2: {
                Click e{"k" + std::to_string(i),
                        "i" + std::to_string(i),
                        user,
                        campaign,
                        "a-" + campaign,
                        ts};
                click(user, e.click_id, campaign, ts);
                keep(in.clicks, encode_to_string(e));
                if (i % 7 == 0) {  // a duplicate
                    click(user, e.click_id, campaign, ts);
                    keep(in.clicks, encode_to_string(e));
                }
                break;
            }
            default: {
                Conversion e{"v" + std::to_string(i), user, 10.0 + i, i % 5 ? "USD" : "GBP", ts};
                conversion(user, e.conversion_id, e.value, ts, e.currency);
                keep(in.conversions, encode_to_string(e));
            }
        }
    }
    // One click so late it is refused, then every clock far ahead.
    Click late{"k-late", "i-x", "u1", "c1", "a-c1", 2000};
    advance(40000);
    click("u1", "k-late", "c1", 2000);
    keep(in.clicks, encode_to_string(late));
    advance(100000);
    for (auto& r : driver_->take("ad-attributed")) {
        auto c = Serde<Credit>::decode(*r.value);
        ASSERT_TRUE(c.ok());
        if (c->user != "clock") in.attributed.push_back(*r.value);
    }
    for (auto& r : driver_->take("ad-late-events")) in.late_events.push_back(*r.value);
    auto report = verify_ad_attribution(in, JobParams(params));
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    std::printf("verifier: %s\n", report->summary().c_str());
    EXPECT_TRUE(report->ok()) << report->summary() << "\n"
                              << (report->examples.empty() ? "" : report->examples[0]);
    EXPECT_GT(report->matches, 20u);
    EXPECT_EQ(report->refused_late, 1u);

    AdsVerifyInput broken = in;
    broken.attributed.pop_back();                            // missing
    broken.attributed.push_back(broken.attributed.front());  // duplicated
    auto doc = nlohmann::json::parse(broken.attributed[1]);
    doc["credit"] = doc["credit"].get<double>() + 0.1;  // different
    broken.attributed[1] = doc.dump();
    doc["conversion_id"] = "v-none";  // unexpected
    broken.attributed.push_back(doc.dump());
    auto bad = verify_ad_attribution(broken, JobParams(params));
    ASSERT_TRUE(bad.ok());
    EXPECT_FALSE(bad->ok());
    EXPECT_EQ(bad->missing, 1u);
    EXPECT_EQ(bad->duplicates, 1u);
    EXPECT_EQ(bad->different, 1u);
    EXPECT_EQ(bad->unexpected, 1u);
    std::printf("verifier on a damaged output: %s\n", bad->summary().c_str());
}

}  // namespace
}  // namespace es::stream::jobs
