// window-count: counts records per key in tumbling event-time windows. The smallest job that
// exercises the whole engine: a repartition when counting by value, windows with lateness,
// state with changelogs, late records routed to their own topic, and exactly-once output.

#include "stream/api/builder.h"
#include "stream/jobs/builtin_jobs.h"

#include <nlohmann/json.hpp>

namespace es::stream::jobs {
namespace {

/// {"key":"k","start":0,"end":60000,"count":3}. Kafka keys are bytes: ones that are not
/// UTF-8 get U+FFFD in place of their bad bytes, so the value stays valid JSON.
std::string result_json(const Windowed<std::string>& w, int64_t count) {
    nlohmann::json doc = {
        {"key", w.key}, {"start", w.window.start}, {"end", w.window.end}, {"count", count}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Topology> build(const JobParams& params) {
    std::string input = params.get("input", "events");
    std::string output = params.get("output", input + "-counts");
    std::string late_topic = params.get("late", output + "-late");
    std::string by = params.get("by", "key");
    if (by != "key" && by != "value") {
        return Error(Errc::invalid_config, "parameter by: expected key or value");
    }
    ES_TRY(auto window, params.get_duration("window", std::chrono::minutes(1)));
    ES_TRY(auto lateness, params.get_duration("lateness", std::chrono::milliseconds(0)));
    ES_TRY(auto disorder, params.get_duration("out-of-orderness", std::chrono::seconds(5)));
    if (window.count() <= 0)
        return Error(Errc::invalid_config, "parameter window must be positive");

    StreamBuilder b("window-count");
    SourceOptions<std::string> options;
    options.max_out_of_orderness = disorder;
    auto records = b.source<std::string, std::string>(input, options);
    if (by == "value") records = records.key_by([](const std::string& v) { return v; });
    auto spec = TumblingWindows::of(window);
    spec.with_allowed_lateness(lateness);
    auto counts = records.window(spec, "counts").count();
    counts
        .map([](const Windowed<std::string>& w, int64_t n) {
            return std::pair<std::string, std::string>(w.key, result_json(w, n));
        })
        .to(output);
    counts.late_records().to(late_topic);
    return b.build();
}

}  // namespace

JobInfo window_count_job() {
    return JobInfo{"window-count",
                   "Counts records per key (or per value) in tumbling event-time windows.",
                   {{"input", "events"},
                    {"output", "<input>-counts"},
                    {"late", "<output>-late"},
                    {"by", "key"},
                    {"window", "1min"},
                    {"lateness", "0ms"},
                    {"out-of-orderness", "5s"}},
                   build};
}

}  // namespace es::stream::jobs
