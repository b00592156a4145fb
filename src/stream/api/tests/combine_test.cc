// combine_per_slice: folding before a repartition topic changes how many records cross it, never
// the windows' results, whatever the commit points, the disorder and the lateness.

#include "stream/api/builder.h"
#include "stream/api/test_driver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace es::stream {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Input {
    std::string user;
    std::string campaign;
    TimeMs ts;
};

/// Sum of amounts per campaign and 10 ms window, re-keyed from user to campaign; folded per
/// 10 ms slice first when `combine`.
Topology sums(bool combine) {
    StreamBuilder b("combine");
    auto rekeyed = b.source<std::string, std::string>("in", {.max_out_of_orderness = 3ms})
                       .map([](const std::string&, const std::string& campaign) {
                           return std::pair<std::string, int64_t>(campaign, 1);
                       });
    auto window = TumblingWindows::of(10ms);
    window.with_allowed_lateness(4ms);
    auto add = [](const int64_t& v, int64_t acc) { return acc + v; };
    auto folded = combine ? rekeyed.combine_per_slice(
                                10ms, [] { return int64_t{0}; }, add)
                          : rekeyed;
    auto result = folded.window(window, "sums").aggregate([] { return int64_t{0}; }, add);
    result
        .map([](const Windowed<std::string>& w, int64_t n) {
            return std::pair<std::string, std::string>(w.key + "@" + std::to_string(w.window.start),
                                                       std::to_string(n));
        })
        .to("out");
    result.late_records().map_values([](const int64_t& n) { return std::to_string(n); }).to("late");
    auto t = b.build();
    EXPECT_TRUE(t.ok()) << t.error().to_string();
    return std::move(t).value();
}

struct Outcome {
    std::map<std::string, std::string> last;  // window -> its last result
    int64_t late = 0;                         // records refused as late, summed
    uint64_t repartitioned = 0;               // records that crossed the repartition topic
};

Outcome run(const std::vector<Input>& inputs, bool combine, uint64_t commit_seed,
            uint64_t commit_every, const fs::path& dir) {
    Topology t = sums(combine);
    TestDriver::Options options;
    options.state_dir = dir;
    options.partitions = 3;
    options.commit_each_record = false;
    auto driver = TestDriver::make(t, options);
    EXPECT_TRUE(driver.ok()) << driver.error().to_string();
    std::mt19937_64 rng(commit_seed);
    for (const Input& in : inputs) {
        EXPECT_TRUE((*driver)->pipe("in", in.user, in.campaign, in.ts).ok());
        if (rng() % commit_every == 0) {
            EXPECT_TRUE((*driver)->commit().ok());
        }
    }
    EXPECT_TRUE((*driver)->commit().ok());
    Outcome o;
    for (const auto& r : (*driver)->take("out")) o.last[*r.key] = *r.value;
    for (const auto& r : (*driver)->take("late")) o.late += std::stoll(*r.value);
    for (const auto& [id, task] : (*driver)->tasks()) {
        for (const auto& op : task->operators()) {
            if (op->name().find("repartition") != std::string::npos &&
                op->name().find("source") != std::string::npos) {
                o.repartitioned += op->counters().records_out;
            }
        }
    }
    return o;
}

TEST(CombinePerSlice, FoldingBeforeARepartitionKeepsEveryWindowResultAndLateCount) {
    const fs::path dir = fs::temp_directory_path() / ("es-combine-" + std::to_string(::getpid()));
    // Frequent commits move watermarks through the repartition topic early, so records beyond
    // the lateness occur; rare ones leave folds time to grow, as a 100 ms commit interval does.
    for (uint64_t seed = 1; seed <= 6; ++seed) {
        const uint64_t commit_every = seed <= 3 ? 7 : 300;
        std::mt19937_64 rng(seed);
        std::vector<Input> inputs;
        TimeMs clock = 0;
        for (int i = 0; i < 3000; ++i) {
            clock += rng() % 4 == 0 ? 1 : 0;
            // Mostly in order, some up to 6 ms behind: within the out-of-orderness, within the
            // lateness, or beyond it.
            TimeMs ts = clock - (rng() % 10 == 0 ? static_cast<TimeMs>(rng() % 12) : 0);
            inputs.push_back(
                {"u" + std::to_string(rng() % 50), "c" + std::to_string(rng() % 4), ts});
        }
        fs::remove_all(dir);
        Outcome plain = run(inputs, false, seed * 31, commit_every, dir / "plain");
        Outcome folded = run(inputs, true, seed * 31, commit_every, dir / "folded");
        EXPECT_EQ(folded.last, plain.last) << "seed " << seed;
        EXPECT_EQ(folded.late, plain.late) << "seed " << seed;
        if (commit_every < 10) {
            EXPECT_GT(plain.late, 0) << "the inputs should include records beyond the lateness";
        } else {
            EXPECT_LT(folded.repartitioned * 2, plain.repartitioned) << "seed " << seed;
        }
        EXPECT_EQ(plain.repartitioned, inputs.size());
        EXPECT_LT(folded.repartitioned, plain.repartitioned) << "seed " << seed;
        std::printf(
            "checked: seed %llu, %zu windows equal with and without folding, %lld late "
            "records both ways, %llu records repartitioned instead of %llu\n",
            static_cast<unsigned long long>(seed), plain.last.size(),
            static_cast<long long>(plain.late),
            static_cast<unsigned long long>(folded.repartitioned),
            static_cast<unsigned long long>(plain.repartitioned));
    }
    fs::remove_all(dir);
}

TEST(CombinePerSlice, ANonPositiveSliceIsRefusedAtBuild) {
    StreamBuilder b("bad");
    b.source<std::string, std::string>("in", {})
        .combine_per_slice(
            0ms, [] { return int64_t{0}; }, [](const std::string&, int64_t acc) { return acc + 1; })
        .to("out");
    auto t = b.build();
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message().find("slice"), std::string::npos) << t.error().to_string();
    std::printf("checked: %s\n", t.error().to_string().c_str());
}

}  // namespace
}  // namespace es::stream
