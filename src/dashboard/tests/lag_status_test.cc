#include "dashboard/lag_status.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <vector>

namespace es::dashboard {
namespace {

using Opt = std::optional<int64_t>;

/// Samples one second apart with these committed offsets and lags.
std::vector<LagPoint> series(const std::vector<Opt>& committed, const std::vector<Opt>& lag) {
    std::vector<LagPoint> out;
    for (size_t i = 0; i < committed.size(); ++i) {
        out.push_back({static_cast<int64_t>(i) * 1000, committed[i], std::nullopt, lag[i]});
    }
    return out;
}

std::vector<Opt> counting(int64_t from, int64_t step, size_t n = kLagWindow) {
    std::vector<Opt> out;
    for (size_t i = 0; i < n; ++i) out.push_back(from + step * static_cast<int64_t>(i));
    return out;
}

std::vector<Opt> constant(int64_t v, size_t n = kLagWindow) { return std::vector<Opt>(n, v); }

TEST(LagStatus, MovingOffsetsWithSteadyOrShrinkingLagAreOk) {
    EXPECT_EQ(partition_status(series(counting(100, 10), constant(5)), true), LagStatus::ok);
    EXPECT_EQ(partition_status(series(counting(100, 10), counting(50, -5)), true), LagStatus::ok);
    std::printf("checked: committed offsets that move with steady or shrinking lag are OK\n");
}

TEST(LagStatus, ZeroLagIsOkEvenWhenNothingMoves) {
    EXPECT_EQ(partition_status(series(constant(100), constant(0)), true), LagStatus::ok);
    EXPECT_EQ(partition_status(series(constant(100), constant(0)), false), LagStatus::ok);
    std::printf("checked: a partition with lag 0 is OK with or without members\n");
}

TEST(LagStatus, LagThatGrowsAcrossTheWholeWindowWhileCommittingIsWarn) {
    EXPECT_EQ(partition_status(series(counting(100, 1), counting(10, 3)), true), LagStatus::warn);
    // Flat steps are allowed as long as it never shrinks and ends higher.
    std::vector<Opt> lag = {10, 10, 12, 12, 15, 15, 15, 18, 20, 20};
    EXPECT_EQ(partition_status(series(counting(100, 1), lag), true), LagStatus::warn);
    std::printf("checked: lag growing over a full window while offsets move is WARN\n");
}

TEST(LagStatus, OneShrinkingStepOrAFlatWindowIsNotWarn) {
    std::vector<Opt> dip = {10, 12, 14, 16, 13, 18, 20, 22, 24, 26};
    EXPECT_EQ(partition_status(series(counting(100, 1), dip), true), LagStatus::ok);
    EXPECT_EQ(partition_status(series(counting(100, 1), constant(7)), true), LagStatus::ok);
    std::printf("checked: a lag that shrank once in the window, or stayed flat, is not WARN\n");
}

TEST(LagStatus, MembersWithLagAndNoProgressOverAFullWindowAreStall) {
    EXPECT_EQ(partition_status(series(constant(100), constant(40)), true), LagStatus::stall);
    EXPECT_EQ(partition_status(series(constant(100), counting(40, 1)), true), LagStatus::stall);
    std::printf("checked: members, lag above 0 and a committed offset that never moved is STALL\n");
}

TEST(LagStatus, TrendsNeedAFullWindow) {
    EXPECT_EQ(partition_status(series(constant(100, 9), constant(40, 9)), true), LagStatus::ok);
    EXPECT_EQ(partition_status(series(counting(1, 1, 9), counting(10, 3, 9)), true), LagStatus::ok);
    std::printf("checked: STALL and WARN are not concluded from fewer than %zu samples\n",
                kLagWindow);
}

TEST(LagStatus, NoMembersWithLagIsStopAtOnce) {
    EXPECT_EQ(partition_status(series({100}, {40}), false), LagStatus::stop);
    EXPECT_EQ(partition_status(series(counting(100, 10), constant(40)), false), LagStatus::stop);
    std::printf("checked: a group without members and lag above 0 is STOP from the first sample\n");
}

TEST(LagStatus, CommittedOffsetGoingBackIsErr) {
    std::vector<Opt> back = {100, 101, 102, 50, 51, 52, 53, 54, 55, 56};
    EXPECT_EQ(partition_status(series(back, constant(5)), true), LagStatus::err);
    EXPECT_EQ(partition_status(series(back, constant(5)), false), LagStatus::err);
    std::printf("checked: a committed offset that went backwards is ERR, over STOP too\n");
}

TEST(LagStatus, OnlyTheLastWindowCounts) {
    // A reset 11 samples ago, then steady progress.
    std::vector<Opt> committed = {500, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    std::vector<Opt> lag(11, 3);
    EXPECT_EQ(partition_status(series(committed, lag), true), LagStatus::ok);
    std::printf("checked: samples older than the window do not count\n");
}

TEST(LagStatus, UnknownOffsetsOrLagAreNotJudged) {
    std::vector<Opt> none(kLagWindow, std::nullopt);
    EXPECT_EQ(partition_status(series(none, none), true), LagStatus::ok);
    EXPECT_EQ(partition_status(series(none, none), false), LagStatus::ok);
    std::vector<Opt> gaps = {100, std::nullopt, 100, 100, 100, 100, 100, 100, 100, 100};
    EXPECT_EQ(partition_status(series(gaps, constant(4)), true), LagStatus::ok);
    EXPECT_EQ(partition_status(std::vector<LagPoint>{}, true), LagStatus::ok);
    std::printf("checked: missing committed offsets or lag give OK, never STALL or ERR\n");
}

TEST(LagStatus, TheGroupTakesTheWorstPartitionAndErrWhenNotDescribed) {
    std::vector<LagStatus> mixed = {LagStatus::ok, LagStatus::stall, LagStatus::warn};
    EXPECT_EQ(group_status(true, mixed), LagStatus::stall);
    EXPECT_EQ(group_status(true, {}), LagStatus::ok);
    EXPECT_EQ(group_status(false, {}), LagStatus::err);
    EXPECT_EQ(worst(LagStatus::stop, LagStatus::stall), LagStatus::stop);
    EXPECT_EQ(worst(LagStatus::ok, LagStatus::err), LagStatus::err);
    EXPECT_EQ(to_string(LagStatus::stall), "STALL");
    std::printf(
        "checked: group status is the worst partition's, ERR when it could not be "
        "described\n");
}

TEST(LagStatus, PushKeepsTheLastWindow) {
    std::deque<LagPoint> points;
    for (int i = 0; i < 25; ++i) push_lag_point(points, {i, i, std::nullopt, 0});
    ASSERT_EQ(points.size(), kLagWindow);
    EXPECT_EQ(points.front().time, 15);
    EXPECT_EQ(points.back().time, 24);
    std::printf("checked: push_lag_point keeps the last %zu samples\n", kLagWindow);
}

}  // namespace
}  // namespace es::dashboard
