#include "dashboard/alerts.h"

#include <fmt/core.h>

#include <algorithm>
#include <deque>
#include <optional>

namespace es::dashboard {
namespace {

/// The latest point at or before `t`: what the series said at that time; null when the
/// series does not reach back that far.
template <class Point>
const Point* at_or_before(const std::deque<Point>& series, int64_t t) {
    const Point* found = nullptr;
    for (const Point& p : series) {
        if (p.time > t) break;
        found = &p;
    }
    return found;
}

/// The baseline of a "grew within the last `window`" rule: the point at the start of the
/// window, or the oldest one when the series is younger than the window.
template <class Point>
const Point* window_start(const std::deque<Point>& series, int64_t now, int64_t window) {
    const Point* p = at_or_before(series, now - window);
    return p ? p : (series.empty() ? nullptr : &series.front());
}

void consumer_rules(const ClusterState& state, std::vector<Alert>& out) {
    for (const GroupState& g : state.groups) {
        if (g.status == LagStatus::warn) {
            out.push_back({"consumer_lag_growing", Severity::warning, g.group,
                           fmt::format("group {} commits, but its lag grew to {}", g.group,
                                       g.lag.value_or(0)),
                           state.time});
        } else if (g.status == LagStatus::stall || g.status == LagStatus::stop) {
            std::string why = g.status == LagStatus::stop
                                  ? "has no members"
                                  : "has members but has not committed for 10 samples";
            out.push_back({"consumer_stalled", Severity::critical, g.group,
                           fmt::format("group {} {} ({}), lag {}", g.group, why,
                                       to_string(g.status), g.lag.value_or(0)),
                           state.time});
        }
    }
}

void partition_stalled(const ClusterState& state, const AlertRules& rules,
                       std::vector<Alert>& out) {
    const int64_t silent_since = state.time - rules.partition_silent_ms;
    for (const TopicState& t : state.topics) {
        // Per partition: did it grow in the silent window, and before it within the active one?
        struct Growth {
            bool known = false;
            bool recent = false;  // within the silent window
            bool before = false;  // between the active window's start and the silent window
        };
        std::vector<Growth> growth(t.partitions.size());
        for (size_t i = 0; i < t.partitions.size(); ++i) {
            const std::deque<TimedValue>& ends = t.partitions[i].ends;
            const TimedValue* mid = at_or_before(ends, silent_since);
            const TimedValue* start = window_start(ends, state.time, rules.partition_active_ms);
            if (!mid || !start || ends.empty()) continue;
            growth[i] = {true, ends.back().value > mid->value, mid->value > start->value};
        }
        for (size_t i = 0; i < t.partitions.size(); ++i) {
            const Growth& g = growth[i];
            if (!g.known || g.recent || !g.before) continue;
            bool others = false;
            for (size_t j = 0; j < growth.size() && !others; ++j) {
                others = j != i && growth[j].known && growth[j].recent;
            }
            if (!others) continue;
            int32_t p = t.partitions[i].partition;
            out.push_back({"partition_stalled", Severity::warning, fmt::format("{}/{}", t.name, p),
                           fmt::format("partition {} of {} received no records for {} s while "
                                       "other partitions of the topic did",
                                       p, t.name, rules.partition_silent_ms / 1000),
                           state.time});
        }
    }
}

void partition_imbalance(const ClusterState& state, const AlertRules& rules,
                         std::vector<Alert>& out) {
    for (const TopicState& t : state.topics) {
        if (t.partitions.size() < 2) continue;
        std::vector<double> rates;
        for (const PartitionState& p : t.partitions) {
            const TimedValue* from = window_start(p.ends, state.time, rules.imbalance_window_ms);
            if (!from || p.ends.back().time <= from->time) break;
            rates.push_back(static_cast<double>(p.ends.back().value - from->value) * 1000.0 /
                            static_cast<double>(p.ends.back().time - from->time));
        }
        if (rates.size() != t.partitions.size()) continue;  // some partition has no rate yet
        double total = 0;
        for (double r : rates) total += r;
        if (total < rules.imbalance_min_rate) continue;
        double mean = total / static_cast<double>(rates.size());
        auto busiest = std::max_element(rates.begin(), rates.end());
        if (*busiest <= rules.imbalance_factor * mean) continue;
        int32_t p = t.partitions[static_cast<size_t>(busiest - rates.begin())].partition;
        out.push_back({"partition_imbalance", Severity::warning, t.name,
                       fmt::format("partition {} of {} takes {:.0f} msgs/s, over {:g}x the mean "
                                   "of {:.0f} msgs/s",
                                   p, t.name, *busiest, rules.imbalance_factor, mean),
                       state.time});
    }
}

void job_rules(const ClusterState& state, const AlertRules& rules, std::vector<Alert>& out) {
    for (const JobState& j : state.jobs) {
        if (j.history.empty()) continue;
        const JobPoint& now = j.history.back();
        const JobPoint* r = window_start(j.history, state.time, rules.restart_window_ms);
        if (now.thread_restarts > r->thread_restarts) {
            out.push_back({"job_restarted", Severity::critical, j.job,
                           fmt::format("job {}: {} stream thread restart(s) in the last {} min",
                                       j.job, now.thread_restarts - r->thread_restarts,
                                       rules.restart_window_ms / 60000),
                           state.time});
        }
        const JobPoint* b = window_start(j.history, state.time, rules.bad_records_window_ms);
        if (now.bad_records > b->bad_records) {
            out.push_back(
                {"job_bad_records", Severity::warning, j.job,
                 fmt::format("job {}: {} bad record(s) in the last {} s", j.job,
                             now.bad_records - b->bad_records, rules.bad_records_window_ms / 1000),
                 state.time});
        }
        // Throughput: only over a history that covers the whole window.
        const JobPoint* from = at_or_before(j.history, state.time - rules.throughput_window_ms);
        if (!from || now.time <= from->time || !from->input_end || !now.input_end) continue;
        bool lag_grows = true;
        for (const JobPoint& p : j.history) {
            if (p.time < from->time) continue;
            if (!p.consumer_lag) lag_grows = false;
        }
        std::optional<int64_t> previous;
        for (const JobPoint& p : j.history) {
            if (p.time < from->time || !lag_grows) continue;
            if (previous && *p.consumer_lag < *previous) lag_grows = false;
            previous = p.consumer_lag;
        }
        if (!lag_grows || *now.consumer_lag <= *from->consumer_lag) continue;
        double seconds = static_cast<double>(now.time - from->time) / 1000.0;
        double input = static_cast<double>(*now.input_end - *from->input_end) / seconds;
        double processed = static_cast<double>(now.processed - from->processed) / seconds;
        if (input <= 0 || processed >= rules.throughput_ratio * input) continue;
        out.push_back({"job_throughput_low", Severity::warning, j.job,
                       fmt::format("job {} processes {:.0f} records/s of {:.0f} arriving, and "
                                   "its lag grew for {} s",
                                   j.job, processed, input, rules.throughput_window_ms / 1000),
                       state.time});
    }
}

}  // namespace

std::vector<Alert> evaluate_alerts(const ClusterState& state, const AlertRules& rules) {
    std::vector<Alert> out;
    consumer_rules(state, out);
    partition_stalled(state, rules, out);
    partition_imbalance(state, rules, out);
    job_rules(state, rules, out);
    return out;
}

std::vector<Alert> AlertTracker::update(std::vector<Alert> active) {
    std::map<std::pair<std::string, std::string>, int64_t> next;
    for (Alert& a : active) {
        auto key = std::pair(a.rule, a.subject);
        auto it = since_.find(key);
        if (it != since_.end()) a.since = std::min(a.since, it->second);
        next[key] = a.since;
    }
    since_ = std::move(next);
    std::sort(active.begin(), active.end(), [](const Alert& a, const Alert& b) {
        if (a.severity != b.severity) return a.severity > b.severity;
        if (a.rule != b.rule) return a.rule < b.rule;
        return a.subject < b.subject;
    });
    return active;
}

}  // namespace es::dashboard
