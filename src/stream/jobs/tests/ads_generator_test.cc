// Tests of the ad traffic generator: reproducible for a seed, the rates and flaws its options
// ask for, causality (a click follows its impression), the disorder bound, Zipf skew, the JSON
// shapes the attribution job reads, and the refusal of options it cannot honour.

#include "stream/jobs/ads_generator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace es::stream::jobs {
namespace {

/// Delays short enough that, over 200k records at 1000/s (200 s of event time), nearly every
/// consequence comes out before the end and the measured rates approach the configured ones.
AdsGeneratorOptions short_delays() {
    AdsGeneratorOptions o;
    o.seed = 42;
    o.start_ms = 1'700'000'000'000;
    o.events_per_second = 1000;
    o.click_delay_mean_ms = 2000;
    o.conversion_delay_mean_ms = 5000;
    o.late_by_ms = 10'000;
    return o;
}

std::vector<AdRecord> generate(const AdsGeneratorOptions& o, size_t n) {
    AdsGenerator g(o);
    std::vector<AdRecord> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(g.next());
    return out;
}

bool same(const AdRecord& a, const AdRecord& b) {
    return a.type == b.type && a.id == b.id && a.user == b.user && a.json == b.json &&
           a.ts == b.ts && a.duplicate == b.duplicate && a.late == b.late && a.cause == b.cause;
}

/// The 200k-record run most tests look at, made once.
const std::vector<AdRecord>& big_run() {
    static const std::vector<AdRecord> events = generate(short_delays(), 200'000);
    return events;
}

TEST(AdsGeneratorTest, SameSeedGivesTheSameSequence) {
    auto a = generate(short_delays(), 50'000);
    auto b = generate(short_delays(), 50'000);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same(a[i], b[i])) << "record " << i;
}

TEST(AdsGeneratorTest, DifferentSeedGivesADifferentSequence) {
    auto o = short_delays();
    auto a = generate(o, 10'000);
    o.seed = 43;
    auto b = generate(o, 10'000);
    size_t differ = 0;
    for (size_t i = 0; i < a.size(); ++i) differ += a[i].json != b[i].json;
    EXPECT_GT(differ, a.size() * 9 / 10);
}

TEST(AdsGeneratorTest, EventTimeFollowsTheIndexNotTheWallClock) {
    auto o = short_delays();
    o.max_disorder_ms = 0;
    o.late_share = 0;
    AdsGenerator g(o);
    for (int i = 0; i < 5000; ++i) {
        (void)g.next();
        ASSERT_EQ(g.stats().clock_ms, o.start_ms + i);  // 1000/s: one per millisecond
    }
}

TEST(AdsGeneratorTest, RatesAndSharesMatchTheOptions) {
    const auto o = short_delays();
    const auto& events = big_run();
    double impressions = 0, clicks = 0, click_conv = 0, view_conv = 0, unattributed = 0;
    double duplicates = 0, late = 0;
    for (const AdRecord& e : events) {
        duplicates += e.duplicate;
        late += e.late;
        if (e.duplicate) continue;
        switch (e.type) {
            case AdEventType::impression:
                ++impressions;
                break;
            case AdEventType::click:
                ++clicks;
                break;
            case AdEventType::conversion:
                if (e.cause.empty()) {
                    ++unattributed;
                } else if (e.cause[0] == 'k') {
                    ++click_conv;
                } else {
                    ++view_conv;
                }
                break;
        }
    }
    const double n = static_cast<double>(events.size());
    const double ctr = clicks / impressions;
    const double cvr = click_conv / clicks;
    const double vtc = view_conv / impressions;
    const double unattributed_share = unattributed / (click_conv + view_conv + unattributed);
    // Printed for the record: what the defaults give over 200k records.
    std::printf("ctr %.4f cvr %.4f view-through %.5f unattributed %.3f duplicates %.5f late %.5f\n",
                ctr, cvr, vtc, unattributed_share, duplicates / n, late / n);
    EXPECT_NEAR(ctr, o.ctr, o.ctr * 0.1);
    EXPECT_NEAR(cvr, o.cvr, o.cvr * 0.25);
    EXPECT_NEAR(vtc, o.view_through_cvr, o.view_through_cvr * 0.25);
    EXPECT_NEAR(unattributed_share, o.unattributed_share, o.unattributed_share * 0.5);
    EXPECT_NEAR(duplicates / n, o.duplicate_share, o.duplicate_share * 0.3);
    // Held back at late_share, plus the consequences of late records that are due at once.
    EXPECT_GE(late / n, o.late_share * 0.75);
    EXPECT_LE(late / n, o.late_share * 1.5);
}

TEST(AdsGeneratorTest, StatsCountWhatWasReturned) {
    AdsGenerator g(short_delays());
    uint64_t per_type[3] = {0, 0, 0}, duplicates = 0, late = 0;
    for (int i = 0; i < 20'000; ++i) {
        AdRecord e = g.next();
        ++per_type[static_cast<int>(e.type)];
        duplicates += e.duplicate;
        late += e.late;
    }
    const AdsGeneratorStats& s = g.stats();
    EXPECT_EQ(s.events, 20'000u);
    EXPECT_EQ(s.impressions, per_type[0]);
    EXPECT_EQ(s.clicks, per_type[1]);
    EXPECT_EQ(s.conversions, per_type[2]);
    EXPECT_EQ(s.duplicates, duplicates);
    EXPECT_EQ(s.late, late);
    EXPECT_LE(s.pending, s.max_pending);
}

TEST(AdsGeneratorTest, IdsAreUniqueExceptDuplicates) {
    std::unordered_map<std::string, const AdRecord*> first;
    size_t duplicates = 0;
    for (const AdRecord& e : big_run()) {
        auto [it, inserted] = first.emplace(e.id, &e);
        if (e.duplicate) {
            ++duplicates;
            ASSERT_FALSE(inserted) << "a duplicate before its original: " << e.id;
            EXPECT_EQ(it->second->json, e.json);
            EXPECT_EQ(it->second->user, e.user);
            EXPECT_EQ(it->second->ts, e.ts);
        } else {
            ASSERT_TRUE(inserted) << "id used twice: " << e.id;
        }
    }
    EXPECT_GT(duplicates, 0u);
}

TEST(AdsGeneratorTest, ConsequencesFollowTheirCause) {
    std::unordered_map<std::string, nlohmann::json> seen;  // originals by id, parsed
    size_t clicks = 0, attributed = 0;
    for (const AdRecord& e : big_run()) {
        if (e.duplicate) continue;
        nlohmann::json j = nlohmann::json::parse(e.json);
        if (e.type == AdEventType::click) {
            ++clicks;
            auto it = seen.find(j["impression_id"].get<std::string>());
            ASSERT_NE(it, seen.end()) << "a click before its impression: " << e.json;
            const nlohmann::json& imp = it->second;
            EXPECT_EQ(e.cause, imp["impression_id"]);
            EXPECT_EQ(j["user"], imp["user"]);
            EXPECT_EQ(j["campaign"], imp["campaign"]);
            EXPECT_EQ(j["ad"], imp["ad"]);
            EXPECT_GE(j["ts"].get<int64_t>(), imp["ts"].get<int64_t>());
        } else if (e.type == AdEventType::conversion && !e.cause.empty()) {
            ++attributed;
            auto it = seen.find(e.cause);
            ASSERT_NE(it, seen.end()) << "a conversion before its cause: " << e.json;
            EXPECT_EQ(j["user"], it->second["user"]);
            EXPECT_GE(j["ts"].get<int64_t>(), it->second["ts"].get<int64_t>());
        }
        seen.emplace(e.id, std::move(j));
    }
    EXPECT_GT(clicks, 1000u);
    EXPECT_GT(attributed, 100u);
}

TEST(AdsGeneratorTest, UnattributedConversionsHaveUsersWithoutTouches) {
    const int users = short_delays().users;
    for (const AdRecord& e : big_run()) {
        if (e.type != AdEventType::conversion || !e.cause.empty()) continue;
        int n = std::stoi(e.user.substr(2));
        EXPECT_GE(n, users) << e.user;
        EXPECT_LT(n, 2 * users) << e.user;
    }
}

TEST(AdsGeneratorTest, DisorderIsBoundedAndLateRecordsAreOld) {
    const auto o = short_delays();
    AdsGenerator g(o);
    int64_t max_ts = o.start_ms - o.max_disorder_ms;  // no earlier ts is possible
    int64_t most_behind = 0;
    size_t late = 0, out_of_order = 0;
    for (int i = 0; i < 200'000; ++i) {
        AdRecord e = g.next();
        const int64_t clock = g.stats().clock_ms;
        ASSERT_LE(e.ts, clock);
        if (e.late) {
            ++late;
            EXPECT_LT(e.ts, clock - o.max_disorder_ms) << e.json;
            continue;
        }
        if (e.ts < max_ts) ++out_of_order;
        ASSERT_GE(e.ts, max_ts - o.max_disorder_ms) << "record " << i << ": " << e.json;
        most_behind = std::max(most_behind, max_ts - e.ts);
        max_ts = std::max(max_ts, e.ts);
    }
    EXPECT_GT(late, 0u);
    EXPECT_GT(out_of_order, 1000u);  // disorder is there, not just allowed
    EXPECT_GT(most_behind, o.max_disorder_ms / 2);
}

TEST(AdsGeneratorTest, PopularityIsZipfSkewed) {
    std::map<std::string, int> by_user, by_campaign;
    for (const AdRecord& e : big_run()) {
        if (e.type != AdEventType::impression || e.duplicate) continue;
        nlohmann::json j = nlohmann::json::parse(e.json);
        ++by_user[j["user"].get<std::string>()];
        ++by_campaign[j["campaign"].get<std::string>()];
    }
    auto top_and_median = [](const std::map<std::string, int>& counts, const std::string& top) {
        std::vector<int> v;
        for (const auto& [k, n] : counts) v.push_back(n);
        std::sort(v.begin(), v.end());
        EXPECT_EQ(counts.at(top), v.back()) << top << " is not the most frequent";
        return std::pair<int, int>(v.back(), v[v.size() / 2]);
    };
    auto [top_user, median_user] = top_and_median(by_user, "u-0");
    auto [top_campaign, median_campaign] = top_and_median(by_campaign, "c-0");
    std::printf("top user %d, median user %d; top campaign %d, median campaign %d\n", top_user,
                median_user, top_campaign, median_campaign);
    EXPECT_GT(top_user, 100 * median_user);
    EXPECT_GT(top_campaign, 20 * median_campaign);
    EXPECT_EQ(by_campaign.size(), 200u);  // yet the tail is drawn
}

TEST(AdsGeneratorTest, JsonHasTheFieldsTheJobReads) {
    std::set<std::string> currencies;
    for (size_t i = 0; i < 50'000; ++i) {
        const AdRecord& e = big_run()[i];
        nlohmann::json j = nlohmann::json::parse(e.json);
        ASSERT_EQ(j["ts"].get<int64_t>(), e.ts);
        ASSERT_EQ(j["user"], e.user);
        std::vector<std::string> keys;
        for (const auto& [k, v] : j.items()) keys.push_back(k);
        switch (e.type) {
            case AdEventType::impression: {
                EXPECT_EQ(j.size(), 6u) << e.json;
                EXPECT_EQ(j["impression_id"], e.id);
                std::string campaign = j["campaign"];
                std::string ad = j["ad"];
                EXPECT_EQ(campaign.rfind("c-", 0), 0u);
                EXPECT_EQ(ad.rfind("a-" + campaign.substr(2) + "-", 0), 0u) << e.json;
                EXPECT_EQ(j["creative"].get<std::string>().rfind("cr-", 0), 0u);
                break;
            }
            case AdEventType::click:
                EXPECT_EQ(j.size(), 6u) << e.json;
                EXPECT_EQ(j["click_id"], e.id);
                EXPECT_EQ(j["impression_id"].get<std::string>().rfind("i-", 0), 0u);
                EXPECT_TRUE(j["campaign"].is_string() && j["ad"].is_string());
                break;
            case AdEventType::conversion: {
                EXPECT_EQ(j.size(), 5u) << e.json;
                EXPECT_EQ(j["conversion_id"], e.id);
                ASSERT_TRUE(j["value"].is_number_float()) << e.json;
                double value = j["value"];
                EXPECT_GE(value, 1.0);
                EXPECT_NEAR(value * 100, std::round(value * 100), 1e-6) << e.json;
                currencies.insert(j["currency"].get<std::string>());
                break;
            }
        }
    }
    EXPECT_EQ(currencies, (std::set<std::string>{"EUR", "GBP", "USD"}));
    // The ids, as the job and the documentation show them.
    const AdRecord& first = big_run()[0];
    EXPECT_EQ(first.json.rfind(R"({"impression_id":"i-0","user":"u-)", 0), 0u) << first.json;
}

TEST(AdsGeneratorTest, PendingStaysBounded) {
    // In flight at 1000/s: clicks 1000 × 0.02 × 2 s = 40, conversions 1000 × 0.003 × 5 s = 15,
    // late records 1000 × 0.001 × 10 s = 10, with their exponential tails.
    AdsGenerator g(short_delays());
    for (int i = 0; i < 200'000; ++i) (void)g.next();
    EXPECT_LT(g.stats().max_pending, 300u);
    EXPECT_GT(g.stats().max_pending, 20u);
}

TEST(AdsGeneratorTest, ValidateRefusesWhatCannotBeHonoured) {
    EXPECT_TRUE(validate(AdsGeneratorOptions{}).ok());
    EXPECT_TRUE(validate(short_delays()).ok());
    auto message = [](auto change) {
        AdsGeneratorOptions o;
        change(o);
        Status s = validate(o);
        return s.ok() ? std::string("ok") : s.error().message();
    };
    EXPECT_EQ(message([](auto& o) { o.events_per_second = -5; }),
              "events_per_second must be in (0, 1e9], not -5.000000");
    EXPECT_EQ(message([](auto& o) { o.events_per_second = 0; }).rfind("events_per_second", 0), 0u);
    EXPECT_EQ(message([](auto& o) { o.ctr = 1.5; }),
              "ctr must be a probability in [0, 1], not 1.500000");
    EXPECT_EQ(message([](auto& o) { o.cvr = std::nan(""); }).rfind("cvr must be", 0), 0u);
    EXPECT_EQ(message([](auto& o) { o.users = 0; }), "users must be in [1, 1000000000], not 0");
    EXPECT_EQ(message([](auto& o) { o.campaigns = -1; }).rfind("campaigns must be", 0), 0u);
    EXPECT_EQ(message([](auto& o) { o.unattributed_share = 1; }).rfind("unattributed_share", 0),
              0u);
    EXPECT_EQ(message([](auto& o) { o.max_disorder_ms = -1; }).rfind("max_disorder_ms", 0), 0u);
    EXPECT_EQ(message([](auto& o) { o.late_by_ms = 1000; }),
              "late_by_ms (1000) must exceed max_disorder_ms (2000) for late records to be late");
    EXPECT_EQ(message([](auto& o) {
                  o.late_by_ms = 1000;
                  o.late_share = 0;
              }),
              "ok");
}

TEST(AdsGeneratorTest, ExtremesStillWork) {
    auto o = short_delays();
    o.users = 1;
    o.campaigns = 1;
    o.ads_per_campaign = 1;
    o.zipf_s = 0;
    o.ctr = 1;
    o.cvr = 1;
    o.click_delay_mean_ms = 0;
    o.conversion_delay_mean_ms = 0;
    o.max_disorder_ms = 0;
    o.late_share = 0;
    o.events_per_second = 1;  // a second per tick: everything due piles up behind the clock
    AdsGenerator g(o);
    int64_t max_ts = INT64_MIN;
    for (int i = 0; i < 3000; ++i) {
        AdRecord e = g.next();
        EXPECT_EQ(e.user.rfind("u-", 0), 0u);
        if (!e.late) {
            EXPECT_GE(e.ts, max_ts) << e.json;  // no disorder allowed
        }
        max_ts = std::max(max_ts, e.ts);
    }
    EXPECT_GT(g.stats().clicks, 900u);
    EXPECT_GT(g.stats().conversions, 900u);
}

}  // namespace
}  // namespace es::stream::jobs
