#include "dashboard/jobs.h"

#include "base/metrics.h"

#include <algorithm>
#include <cmath>

namespace es::dashboard {
namespace {

uint64_t increment(uint64_t now, uint64_t before) { return now > before ? now - before : 0; }

/// Per second, from the difference of a counter between two records; null when they are not
/// in order or the counter went back (the instance started over).
std::optional<double> rate(uint64_t now, uint64_t before, int64_t now_ms, int64_t before_ms) {
    if (now_ms <= before_ms || now < before) return std::nullopt;
    return static_cast<double>(now - before) * 1000.0 / static_cast<double>(now_ms - before_ms);
}

void add_to(std::optional<double>& sum, std::optional<double> v) {
    if (v) sum = sum.value_or(0) + *v;
}

/// An instance's operator counters summed over its tasks, by node.
std::map<std::string, OperatorCounters> operators_of(const JobRecord& r) {
    std::map<std::string, OperatorCounters> out;
    for (const TaskRecord& t : r.tasks) {
        for (const OperatorCounters& o : t.operators) {
            OperatorCounters& sum = out[o.node];
            sum.node = o.node;
            sum.in += o.in;
            sum.out += o.out;
            sum.late += o.late;
            sum.dropped += o.dropped;
        }
    }
    return out;
}

/// The processing latency an instance reported between two records: the growth of its sum
/// of (processing time - event time) and of its count.
struct LagDelta {
    int64_t ms_sum = 0;
    uint64_t samples = 0;
};
std::optional<LagDelta> lag_delta(const JobRecord& r, const JobRecord& p) {
    if (!r.lag_ms_sum || !p.lag_ms_sum || !r.lag_samples || !p.lag_samples ||
        *r.lag_samples <= *p.lag_samples) {
        return std::nullopt;
    }
    return LagDelta{*r.lag_ms_sum - *p.lag_ms_sum, *r.lag_samples - *p.lag_samples};
}

double percentile(std::vector<double> sorted, double q) {
    size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size()))) - 1;
    return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

void JobTracker::add(const JobRecord& record) {
    Job& job = jobs_[record.job];
    auto it = job.instances.find(record.instance);
    if (it == job.instances.end()) {
        job.instances.emplace(record.instance, Instance{record, std::nullopt});
        return;
    }
    Instance& in = it->second;
    if (record.time <= in.last.time) return;
    job.processed += increment(record.records_processed, in.last.records_processed);
    job.bad_records += increment(record.bad_records, in.last.bad_records);
    job.thread_restarts +=
        increment(record.thread_restarts.value_or(0), in.last.thread_restarts.value_or(0));
    in.previous = std::move(in.last);
    in.last = record;
}

JobState JobTracker::figures(const std::string& name, Job& job, int64_t now,
                             const JobInput* input) {
    std::erase_if(job.instances,
                  [&](const auto& entry) { return now - entry.second.last.time > ttl_ms_; });
    if (job.instances.empty()) {
        JobState s = job.last_state;
        s.job = name;
        s.instances = 0;
        s.records_per_s.reset();
        for (OperatorState& o : s.operators) o.in_per_s = o.out_per_s = std::nullopt;
        return s;
    }
    JobState s;
    s.job = name;
    s.instances = static_cast<int>(job.instances.size());
    std::map<std::string, OperatorState> ops;
    bool restarts_known = true;
    const JobRecord* newest = nullptr;
    std::optional<int64_t> lag_sum;
    uint64_t lag_samples = 0;
    for (const auto& [id, in] : job.instances) {
        const JobRecord& r = in.last;
        if (!newest || r.time > newest->time) newest = &r;
        s.records_processed += r.records_processed;
        s.bad_records += r.bad_records;
        s.commits += r.commits;
        s.max_commit_ms =
            std::max(s.max_commit_ms.value_or(0), static_cast<double>(r.max_commit_us) / 1000.0);
        restarts_known = restarts_known && r.thread_restarts.has_value();
        s.thread_restarts = s.thread_restarts.value_or(0) + r.thread_restarts.value_or(0);
        std::optional<int64_t> min_watermark;
        for (const TaskRecord& t : r.tasks) {
            s.state_entries += t.state_entries;
            s.state_bytes += t.state_bytes;
            if (t.watermark)
                min_watermark = std::min(min_watermark.value_or(*t.watermark), *t.watermark);
        }
        if (min_watermark) {
            s.watermark_lag_ms = std::max(s.watermark_lag_ms.value_or(0), r.time - *min_watermark);
        }
        auto now_ops = operators_of(r);
        auto before_ops =
            in.previous ? operators_of(*in.previous) : std::map<std::string, OperatorCounters>{};
        for (const auto& [node, o] : now_ops) {
            OperatorState& op = ops[node];
            op.node = node;
            op.late += o.late;
            op.dropped += o.dropped;
            s.late_records += o.late;
            auto before = before_ops.find(node);
            if (before == before_ops.end()) continue;
            add_to(op.in_per_s, rate(o.in, before->second.in, r.time, in.previous->time));
            add_to(op.out_per_s, rate(o.out, before->second.out, r.time, in.previous->time));
        }
        if (!in.previous) continue;
        const JobRecord& p = *in.previous;
        add_to(s.records_per_s, rate(r.records_processed, p.records_processed, r.time, p.time));
        if (auto d = lag_delta(r, p)) {
            lag_sum = lag_sum.value_or(0) + d->ms_sum;
            lag_samples += d->samples;
        }
    }
    if (!restarts_known) s.thread_restarts.reset();
    if (lag_sum && lag_samples) {
        s.processing_lag_ms = static_cast<double>(*lag_sum) / static_cast<double>(lag_samples);
    }
    s.last_commit_ms = static_cast<double>(newest->last_commit_us) / 1000.0;
    s.updated = newest->time;
    s.consumer_lag = input && input->group_lag ? input->group_lag : newest->consumer_lag;
    for (auto& [node, op] : ops) s.operators.push_back(std::move(op));
    job.last_state = s;
    return s;
}

std::vector<JobState> JobTracker::sample(int64_t now,
                                         const std::map<std::string, JobInput>& inputs) {
    std::vector<JobState> out;
    for (auto& [name, job] : jobs_) {
        auto input = inputs.find(name);
        const JobInput* in = input == inputs.end() ? nullptr : &input->second;
        JobState s = figures(name, job, now, in);
        job.history.push_back({now, job.processed, job.bad_records, job.thread_restarts,
                               s.consumer_lag, in ? in->input_end : std::nullopt});
        while (!job.history.empty() && job.history.front().time < now - kHistoryMs) {
            job.history.pop_front();
        }
        s.history = job.history;
        out.push_back(std::move(s));
    }
    return out;
}

std::optional<Latency> JobTracker::latency(int64_t now) const {
    // Percentiles of the records processed between each instance's last two reports, from the
    // buckets of their processing lag; the bound of the bucket a percentile falls in (300 s
    // for what lies beyond the last bound).
    std::vector<uint64_t> delta(LatencyHistogram::kBuckets + 1, 0);
    for (const auto& [name, job] : jobs_) {
        for (const auto& [id, in] : job.instances) {
            if (now - in.last.time > ttl_ms_ || !in.previous) continue;
            const auto& a = in.last.lag_histogram;
            const auto& b = in.previous->lag_histogram;
            if (a.size() != delta.size() || b.size() != delta.size() || a.back() < b.back()) {
                continue;
            }
            for (size_t i = 0; i < delta.size(); ++i) delta[i] += a[i] >= b[i] ? a[i] - b[i] : 0;
        }
    }
    if (const uint64_t count = delta.back(); count > 0) {
        auto at = [&](double q) {
            const auto target = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count)));
            for (size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
                if (delta[i] >= target) return LatencyHistogram::kBoundsSeconds[i] * 1000.0;
            }
            return LatencyHistogram::kBoundsSeconds.back() * 1000.0;
        };
        return Latency{at(0.5), at(0.99), at(1.0)};
    }
    // Jobs that publish only the sums: the spread of the instances' means.
    std::vector<double> means;
    for (const auto& [name, job] : jobs_) {
        for (const auto& [id, in] : job.instances) {
            if (now - in.last.time > ttl_ms_ || !in.previous) continue;
            if (auto d = lag_delta(in.last, *in.previous)) {
                means.push_back(static_cast<double>(d->ms_sum) / static_cast<double>(d->samples));
            }
        }
    }
    if (means.empty()) return std::nullopt;
    std::sort(means.begin(), means.end());
    return Latency{percentile(means, 0.5), percentile(means, 0.99), means.back()};
}

}  // namespace es::dashboard
