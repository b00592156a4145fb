#pragma once

// The lag status of docs/dashboard.md, in the spirit of Burrow: pure functions over a group
// partition's last samples, so they are tested without a cluster.

#include "dashboard/state.h"

#include <cstddef>
#include <deque>
#include <span>

namespace es::dashboard {

/// How many samples (one a second) a partition's status looks at.
inline constexpr size_t kLagWindow = 10;

/// The status of one partition of a group from its samples, oldest first (only the last
/// kLagWindow count), given whether the group has members now:
///  - ERR   the committed offset went backwards within the window;
///  - STOP  no members and the latest lag is above 0;
///  - STALL members, lag above 0, a full window in which the committed offset did not move;
///  - WARN  the committed offset moved, but over a full window the lag never shrank and grew;
///  - OK    otherwise (the offset moves, the lag is 0, or too few samples to judge yet).
/// A partition without a committed offset or a known lag is OK unless the group is stopped:
/// there is nothing to compare.
LagStatus partition_status(std::span<const LagPoint> points, bool has_members);
LagStatus partition_status(const std::deque<LagPoint>& points, bool has_members);

/// The worse of the two (OK < WARN < STALL < STOP < ERR).
LagStatus worst(LagStatus a, LagStatus b);

/// A group is ERR when it could not be described, else the worst of its partitions (OK
/// without any).
LagStatus group_status(bool described, std::span<const LagStatus> partitions);

/// Appends `point` to `points` and keeps the last kLagWindow.
void push_lag_point(std::deque<LagPoint>& points, LagPoint point);

}  // namespace es::dashboard
