#include "dashboard/lag_status.h"

#include <algorithm>
#include <vector>

namespace es::dashboard {

std::string_view to_string(LagStatus status) {
    switch (status) {
        case LagStatus::ok:
            return "OK";
        case LagStatus::warn:
            return "WARN";
        case LagStatus::stall:
            return "STALL";
        case LagStatus::stop:
            return "STOP";
        case LagStatus::err:
            return "ERR";
    }
    return "ERR";
}

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::warning:
            return "warning";
        case Severity::critical:
            return "critical";
    }
    return "warning";
}

LagStatus worst(LagStatus a, LagStatus b) { return std::max(a, b); }

LagStatus partition_status(std::span<const LagPoint> points, bool has_members) {
    if (points.size() > kLagWindow) points = points.subspan(points.size() - kLagWindow);
    if (points.empty()) return LagStatus::ok;

    // Commits only: a partition may have no offset in some samples (not committed yet, or
    // deleted), which is neither moving nor going back.
    std::vector<int64_t> commits;
    for (const LagPoint& p : points) {
        if (p.committed) commits.push_back(*p.committed);
    }
    for (size_t i = 1; i < commits.size(); ++i) {
        if (commits[i] < commits[i - 1]) return LagStatus::err;
    }

    const std::optional<int64_t>& lag = points.back().lag;
    if (!lag || *lag <= 0) return LagStatus::ok;
    if (!has_members) return LagStatus::stop;

    // STALL and WARN judge a trend: with fewer samples than the window, nothing is concluded.
    if (points.size() < kLagWindow || commits.size() < kLagWindow) return LagStatus::ok;
    bool moved = commits.back() != commits.front();
    if (!moved) return LagStatus::stall;

    bool never_shrank = true;
    for (size_t i = 1; i < points.size() && never_shrank; ++i) {
        never_shrank = points[i].lag && points[i - 1].lag && *points[i].lag >= *points[i - 1].lag;
    }
    bool grew = points.front().lag && *lag > *points.front().lag;
    return never_shrank && grew ? LagStatus::warn : LagStatus::ok;
}

LagStatus partition_status(const std::deque<LagPoint>& points, bool has_members) {
    std::vector<LagPoint> copy(points.begin(), points.end());
    return partition_status(std::span<const LagPoint>(copy), has_members);
}

LagStatus group_status(bool described, std::span<const LagStatus> partitions) {
    if (!described) return LagStatus::err;
    LagStatus status = LagStatus::ok;
    for (LagStatus s : partitions) status = worst(status, s);
    return status;
}

void push_lag_point(std::deque<LagPoint>& points, LagPoint point) {
    points.push_back(std::move(point));
    while (points.size() > kLagWindow) points.pop_front();
}

}  // namespace es::dashboard
