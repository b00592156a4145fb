// Every Nexmark query job, run through the TestDriver (the runtime's tasks, operators and
// RocksDB stores) on a fixed-seed run of the generator, against the batch reference; q12
// (processing-time windows) against the counts its piping times imply.

#include "stream/api/test_driver.h"
#include "stream/nexmark/generator.h"
#include "stream/nexmark/nexmark_jobs.h"
#include "stream/nexmark/reference.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

namespace es::stream::nexmark {
namespace {

namespace fs = std::filesystem;

/// 8,000 events at 100 per second: 80 s of event time, so that 10 s windows, sessions and
/// auctions (open for up to ~33 s at this rate) close many times; out of order in groups of
/// 50 (up to 490 ms behind), within the jobs' default out-of-orderness of 1 s.
GeneratorOptions run_options() {
    GeneratorOptions o;
    o.seed = 42;
    o.events_per_second = 100;
    o.max_events = 8000;
    o.out_of_order_group_size = 50;
    return o;
}

const std::vector<GeneratedRecord>& input() {
    static const std::vector<GeneratedRecord> records = [] {
        std::vector<GeneratedRecord> out;
        Generator g(run_options());
        while (g.has_next()) out.push_back(g.next());
        return out;
    }();
    return records;
}

/// q13's table: a value for auction ids whose remainder by 10,000 is even.
std::map<std::string, std::string> side_input() {
    std::map<std::string, std::string> side;
    for (int k = 0; k < 10'000; k += 2) side[std::to_string(k)] = "side-" + std::to_string(k);
    return side;
}

/// Windows of a day would not close in 80 s: the daily queries run with 10 s ones.
std::map<std::string, std::string> params_for(const std::string& query) {
    if (query == "q15" || query == "q16" || query == "q17") return {{"window", "10s"}};
    return {};
}

const JobInfo& job(const std::string& name) {
    static JobRegistry registry = [] {
        JobRegistry r;
        EXPECT_TRUE(register_nexmark_jobs(r).ok());
        return r;
    }();
    auto found = registry.find(name);
    EXPECT_TRUE(found.ok()) << name;
    return **found;
}

class NexmarkQuery : public testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("es-nexmark-" + std::to_string(std::random_device{}()));
    }
    void TearDown() override {
        driver_.reset();
        fs::remove_all(dir_);
    }

    void start(const std::string& query, std::map<std::string, std::string> params) {
        auto t = job("nexmark-" + query).build(JobParams(std::move(params)));
        ASSERT_TRUE(t.ok()) << t.error().to_string();
        topology_ = std::make_unique<Topology>(std::move(t).value());
        // Commits every 100 records: watermarks cross repartition topics at commits.
        auto d = TestDriver::make(*topology_, {.state_dir = dir_, .commit_each_record = false});
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        driver_ = std::move(d).value();
    }

    void pipe(const GeneratedRecord& r, size_t i) {
        ASSERT_TRUE(driver_->pipe(r.topic, r.key, r.json, r.timestamp).ok());
        if (i % 100 == 99) {
            ASSERT_TRUE(driver_->commit().ok());
        }
    }

    /// What the job wrote to `topic`, canonical and sorted.
    std::vector<std::string> output(const std::string& topic) {
        std::vector<std::string> out;
        for (const CapturedRecord& r : driver_->take(topic)) {
            auto c = canonical_json(r.value.value_or(""));
            EXPECT_TRUE(c.ok()) << *r.value;
            if (c.ok()) out.push_back(std::move(c).value());
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    fs::path dir_;
    std::unique_ptr<Topology> topology_;
    std::unique_ptr<TestDriver> driver_;
};

TEST_P(NexmarkQuery, MatchesTheBatchReference) {
    const std::string query = GetParam();
    const auto params = params_for(query);
    start(query, params);
    ReferenceInput ref;
    ref.params = JobParams(params);
    if (query == "q13") {
        ref.side_input = side_input();
        for (const auto& [k, v] : ref.side_input) {
            ASSERT_TRUE(driver_->pipe("nexmark-side-input", k, v, 0).ok());
        }
    }
    for (size_t i = 0; i < input().size(); ++i) {
        pipe(input()[i], i);
        ref.events.push_back(input()[i].event);
    }
    ASSERT_TRUE(driver_->commit().ok());
    EXPECT_TRUE(driver_->bad_records().empty()) << driver_->bad_records().front().second;
    EXPECT_TRUE(driver_->take("nexmark-" + query + "-late").empty()) << "late records";

    auto expected = reference_output(query, ref);
    ASSERT_TRUE(expected.ok()) << expected.error().to_string();
    std::vector<std::string> actual = output("nexmark-" + query);
    EXPECT_FALSE(expected->empty()) << "the run is too short to test " << query;
    std::vector<std::string> missing, unexpected;
    std::set_difference(expected->begin(), expected->end(), actual.begin(), actual.end(),
                        std::back_inserter(missing));
    std::set_difference(actual.begin(), actual.end(), expected->begin(), expected->end(),
                        std::back_inserter(unexpected));
    EXPECT_EQ(missing.size(), 0u) << "first missing: " << (missing.empty() ? "" : missing[0]);
    EXPECT_EQ(unexpected.size(), 0u)
        << "first unexpected: " << (unexpected.empty() ? "" : unexpected[0]);
    if (missing.empty() && unexpected.empty()) {
        std::printf("%s: %zu results match the reference (%zu events)\n", query.c_str(),
                    actual.size(), input().size());
    }
}

INSTANTIATE_TEST_SUITE_P(Nexmark, NexmarkQuery, testing::ValuesIn(reference_queries()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_F(NexmarkQuery, Q12CountsEachBidderPerProcessingTimeWindow) {
    start("q12", {});
    // Processing time moves 7 ms per record: 10 s windows of about 1,430 records each.
    constexpr int64_t kStep = 7;
    constexpr int64_t kWindow = 10'000;
    std::map<std::pair<int64_t, int64_t>, int64_t> expected;  // (bidder, window start) -> bids
    int64_t bids = 0;
    for (size_t i = 0; i < input().size(); ++i) {
        const int64_t now = static_cast<int64_t>(i) * kStep;
        ASSERT_TRUE(driver_->advance_time(now).ok());
        pipe(input()[i], i);
        if (const Bid* b = input()[i].event.bid()) {
            ++expected[{b->bidder, now / kWindow * kWindow}];
            ++bids;
        }
    }
    ASSERT_TRUE(driver_->advance_time(static_cast<int64_t>(input().size()) * kStep + kWindow).ok());
    ASSERT_TRUE(driver_->commit().ok());
    std::map<std::pair<int64_t, int64_t>, int64_t> actual;
    int64_t counted = 0;
    for (const CapturedRecord& r : driver_->take("nexmark-q12")) {
        auto row = nlohmann::json::parse(*r.value);
        int64_t start = row["starttime"];
        EXPECT_EQ(row["endtime"].get<int64_t>(), start + kWindow);
        EXPECT_EQ(start % kWindow, 0);
        auto [it, fresh] = actual.emplace(std::pair(row["bidder"].get<int64_t>(), start),
                                          row["bid_count"].get<int64_t>());
        EXPECT_TRUE(fresh) << "a bidder's window reported twice: " << *r.value;
        counted += it->second;
    }
    // Invariants: every bid counted once, in the window of processing time it arrived in.
    EXPECT_EQ(counted, bids);
    EXPECT_EQ(actual, expected);
    std::printf("q12: %zu processing-time windows hold all %lld bids, each in its window\n",
                actual.size(), static_cast<long long>(bids));
}

TEST(NexmarkJobs, EveryQueryIsRegisteredAndBuildsWithItsDefaults) {
    JobRegistry registry;
    ASSERT_TRUE(register_nexmark_jobs(registry).ok());
    std::vector<std::string> names = nexmark_job_names();
    EXPECT_EQ(names.size(), reference_queries().size() + 1);  // + q12
    for (const std::string& name : names) {
        auto j = registry.find(name);
        ASSERT_TRUE(j.ok()) << name;
        auto t = (*j)->build(JobParams());
        EXPECT_TRUE(t.ok()) << name << ": " << t.error().to_string();
    }
    auto bad = registry.find("nexmark-q5");
    ASSERT_TRUE(bad.ok());
    auto t = (*bad)->build(JobParams(std::map<std::string, std::string>{{"advance", "0s"}}));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().to_string().find("advance"), std::string::npos);
}

}  // namespace
}  // namespace es::stream::nexmark
