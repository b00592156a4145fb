#include "stream/runtime/metrics.h"

#include "http/metrics_text.h"

#include <fmt/core.h>

#include <functional>

namespace es::stream::runtime {
namespace {

/// JSON string escaping for the metrics topic.
std::string quoted(const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
            out.push_back(c);
        }
    }
    return out + "\"";
}

}  // namespace

void JobMetrics::record_commit(int64_t micros) {
    ++commits;
    last_commit_us = micros;
    int64_t prev = max_commit_us.load();
    while (micros > prev && !max_commit_us.compare_exchange_weak(prev, micros)) {
    }
}

void JobMetrics::set_consumer_lag(std::map<std::pair<std::string, int32_t>, int64_t> lag) {
    std::lock_guard lock(mu_);
    lag_ = std::move(lag);
}

void JobMetrics::publish(const std::string& thread, std::vector<TaskFigures> tasks) {
    std::lock_guard lock(mu_);
    tasks_[thread] = std::move(tasks);
}

void JobMetrics::forget(const std::string& thread) {
    std::lock_guard lock(mu_);
    tasks_.erase(thread);
}

std::string JobMetrics::prometheus(TimeMs now) const {
    http::MetricsText out;
    const http::MetricLabels job = {{"job", job_}};
    auto counter = [&](const char* name, const char* help, uint64_t v) {
        out.counter(name, help, job, static_cast<double>(v));
    };
    auto gauge = [&](const char* name, const char* help, double v) {
        out.gauge(name, help, job, v);
    };
    counter("edgestream_job_records_processed_total", "Input records processed.",
            records_processed);
    counter("edgestream_job_records_sent_total", "Records sent to output and internal topics.",
            records_sent);
    counter("edgestream_job_bad_records_total", "Records no source could decode (dead-lettered).",
            bad_records);
    counter("edgestream_job_commits_total", "Commits (transactions under exactly-once).", commits);
    counter("edgestream_job_aborts_total", "Transactions aborted and tasks rebuilt.", aborts);
    counter("edgestream_job_rebalances_total", "Assignments received from the group.", rebalances);
    counter("edgestream_job_restored_records_total", "Changelog records replayed into state.",
            restored_records);
    counter("edgestream_job_thread_restarts_total", "Stream threads started over after an error.",
            thread_restarts);
    gauge("edgestream_job_commit_duration_seconds", "Duration of the last commit.",
          static_cast<double>(last_commit_us.load()) / 1e6);
    gauge("edgestream_job_commit_duration_max_seconds", "Longest commit so far.",
          static_cast<double>(max_commit_us.load()) / 1e6);
    uint64_t samples = lag_samples.load();
    gauge("edgestream_job_processing_lag_seconds",
          "Mean time from a record's event time to its processing.",
          samples ? static_cast<double>(lag_ms_sum.load()) / 1e3 / static_cast<double>(samples)
                  : 0.0);

    std::lock_guard lock(mu_);
    for (const auto& [tp, lag] : lag_) {
        out.gauge("edgestream_job_consumer_lag", "Records in an input partition not yet committed.",
                  {{"job", job_}, {"topic", tp.first}, {"partition", std::to_string(tp.second)}},
                  static_cast<double>(lag));
    }
    auto each_task = [&](const std::function<void(const TaskFigures&)>& f) {
        for (const auto& [thread, tasks] : tasks_) {
            for (const TaskFigures& t : tasks) f(t);
        }
    };
    each_task([&](const TaskFigures& t) {
        if (t.watermark == kMinTime) return;
        out.gauge("edgestream_task_watermark_lag_seconds", "Wall clock minus the task's watermark.",
                  {{"job", job_}, {"task", t.task}}, static_cast<double>(now - t.watermark) / 1e3);
    });
    each_task([&](const TaskFigures& t) {
        out.gauge("edgestream_task_state_entries", "Estimated entries in the task's state stores.",
                  {{"job", job_}, {"task", t.task}}, static_cast<double>(t.state_entries));
    });
    each_task([&](const TaskFigures& t) {
        out.gauge("edgestream_task_state_bytes", "Estimated bytes of the task's state stores.",
                  {{"job", job_}, {"task", t.task}}, static_cast<double>(t.state_bytes));
    });
    struct OpMetric {
        const char* name;
        const char* help;
        uint64_t OperatorFigures::*field;
    };
    for (const OpMetric& m :
         {OpMetric{"edgestream_operator_records_in_total", "Records into an operator.",
                   &OperatorFigures::records_in},
          OpMetric{"edgestream_operator_records_out_total", "Records out of an operator.",
                   &OperatorFigures::records_out},
          OpMetric{"edgestream_operator_late_records_total", "Records an operator refused as late.",
                   &OperatorFigures::late_records},
          OpMetric{"edgestream_operator_dropped_records_total",
                   "Records an operator discarded (duplicates, join misses).",
                   &OperatorFigures::dropped_records}}) {
        each_task([&](const TaskFigures& t) {
            for (const OperatorFigures& op : t.operators) {
                out.counter(m.name, m.help,
                            {{"job", job_}, {"task", t.task}, {"operator", op.node}},
                            static_cast<double>(op.*m.field));
            }
        });
    }
    return out.render();
}

std::string JobMetrics::json(TimeMs now) const {
    std::string out = fmt::format(
        "{{\"job\":{},\"time\":{},\"records_processed\":{},\"records_sent\":{},\"bad_records\":{},"
        "\"commits\":{},\"aborts\":{},\"rebalances\":{},\"restored_records\":{},"
        "\"last_commit_us\":{},\"max_commit_us\":{},\"thread_restarts\":{},"
        "\"lag_ms_sum\":{},\"lag_samples\":{},",
        quoted(job_), now, records_processed.load(), records_sent.load(), bad_records.load(),
        commits.load(), aborts.load(), rebalances.load(), restored_records.load(),
        last_commit_us.load(), max_commit_us.load(), thread_restarts.load(), lag_ms_sum.load(),
        lag_samples.load());
    // Cumulative counts per bound of LatencyHistogram::kBoundsSeconds, then the total.
    const LatencyHistogram::Snapshot lags = processing_lag.snapshot();
    out += "\"lag_histogram\":[";
    for (uint64_t c : lags.cumulative) out += fmt::format("{},", c);
    out += fmt::format("{}],", lags.count);
    std::lock_guard lock(mu_);
    int64_t total_lag = 0;
    for (const auto& [tp, lag] : lag_) total_lag += lag;
    out += fmt::format("\"consumer_lag\":{},\"tasks\":[", total_lag);
    bool first_task = true;
    for (const auto& [thread, tasks] : tasks_) {
        for (const TaskFigures& t : tasks) {
            out += fmt::format(
                "{}{{\"task\":{},\"thread\":{},\"watermark\":{},\"state_entries\":{},"
                "\"state_bytes\":{},\"operators\":[",
                first_task ? "" : ",", quoted(t.task), quoted(thread),
                t.watermark == kMinTime ? std::string("null") : std::to_string(t.watermark),
                t.state_entries, t.state_bytes);
            first_task = false;
            for (size_t i = 0; i < t.operators.size(); ++i) {
                const OperatorFigures& op = t.operators[i];
                out +=
                    fmt::format("{}{{\"node\":{},\"in\":{},\"out\":{},\"late\":{},\"dropped\":{}}}",
                                i ? "," : "", quoted(op.node), op.records_in, op.records_out,
                                op.late_records, op.dropped_records);
            }
            out += "]}";
        }
    }
    return out + "]}";
}

}  // namespace es::stream::runtime
