#include "dashboard/records.h"

#include "base/errc.h"
#include "base/metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace es::dashboard {
namespace {

using Json = nlohmann::json;

Result<Json> parse_object(std::string_view text, const char* what) {
    Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) {
        return Error(Errc::invalid_argument, std::string("not a JSON object: ") + what);
    }
    return doc;
}

/// A number field, or `fallback` when it is absent, null or not a number.
template <class T>
T number(const Json& doc, const char* key, T fallback = 0) {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_number()) return fallback;
    return it->get<T>();
}

template <class T>
std::optional<T> optional_number(const Json& doc, const char* key) {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_number()) return std::nullopt;
    return it->get<T>();
}

std::string text(const Json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// "<job>-<instance>-<n>" without "-<n>".
std::string instance_of(const std::string& thread) {
    auto dash = thread.rfind('-');
    return dash == std::string::npos ? thread : thread.substr(0, dash);
}

}  // namespace

Result<JobRecord> parse_job_record(std::string_view json) {
    ES_TRY(Json doc, parse_object(json, "job metrics record"));
    JobRecord r;
    r.job = text(doc, "job");
    if (r.job.empty() || !doc.contains("time")) {
        return Error(Errc::invalid_argument, "job metrics record without \"job\" or \"time\"");
    }
    r.time = number<int64_t>(doc, "time");
    r.records_processed = number<uint64_t>(doc, "records_processed");
    r.bad_records = number<uint64_t>(doc, "bad_records");
    r.commits = number<uint64_t>(doc, "commits");
    r.last_commit_us = number<int64_t>(doc, "last_commit_us");
    r.max_commit_us = number<int64_t>(doc, "max_commit_us");
    r.consumer_lag = number<int64_t>(doc, "consumer_lag");
    r.thread_restarts = optional_number<uint64_t>(doc, "thread_restarts");
    r.lag_ms_sum = optional_number<int64_t>(doc, "lag_ms_sum");
    r.lag_samples = optional_number<uint64_t>(doc, "lag_samples");
    if (auto h = doc.find("lag_histogram");
        h != doc.end() && h->is_array() && h->size() == LatencyHistogram::kBuckets + 1 &&
        std::all_of(h->begin(), h->end(), [](const Json& c) { return c.is_number_unsigned(); })) {
        for (const Json& c : *h) r.lag_histogram.push_back(c.get<uint64_t>());
    }
    auto tasks = doc.find("tasks");
    if (tasks != doc.end() && tasks->is_array()) {
        for (const Json& t : *tasks) {
            if (!t.is_object()) continue;
            TaskRecord& task = r.tasks.emplace_back();
            task.task = text(t, "task");
            task.thread = text(t, "thread");
            task.watermark = optional_number<int64_t>(t, "watermark");
            task.state_entries = number<uint64_t>(t, "state_entries");
            task.state_bytes = number<uint64_t>(t, "state_bytes");
            auto ops = t.find("operators");
            if (ops == t.end() || !ops->is_array()) continue;
            for (const Json& o : *ops) {
                if (!o.is_object()) continue;
                task.operators.push_back({text(o, "node"), number<uint64_t>(o, "in"),
                                          number<uint64_t>(o, "out"), number<uint64_t>(o, "late"),
                                          number<uint64_t>(o, "dropped")});
            }
        }
    }
    if (!r.tasks.empty()) r.instance = instance_of(r.tasks.front().thread);
    return r;
}

Result<CampaignWindow> parse_campaign_window(std::string_view json) {
    ES_TRY(Json doc, parse_object(json, "campaign window"));
    CampaignWindow w;
    w.campaign = text(doc, "campaign");
    if (w.campaign.empty() || !doc.contains("end")) {
        return Error(Errc::invalid_argument, "campaign window without \"campaign\" or \"end\"");
    }
    w.window_start = number<int64_t>(doc, "start");
    w.window_end = number<int64_t>(doc, "end");
    w.impressions = number<int64_t>(doc, "impressions");
    w.clicks = number<int64_t>(doc, "clicks");
    w.conversions = number<double>(doc, "conversions");
    w.revenue = number<double>(doc, "revenue");
    return w;
}

void CampaignBoard::add(CampaignWindow w) {
    auto it = latest_.find(w.campaign);
    if (it != latest_.end() && it->second.window_end > w.window_end) return;
    std::string key = w.campaign;
    latest_[key] = std::move(w);
}

std::vector<CampaignWindow> CampaignBoard::top(size_t limit) const {
    std::vector<CampaignWindow> out;
    for (const auto& [name, w] : latest_) out.push_back(w);
    std::sort(out.begin(), out.end(), [](const CampaignWindow& a, const CampaignWindow& b) {
        if (a.revenue != b.revenue) return a.revenue > b.revenue;
        return a.campaign < b.campaign;
    });
    if (out.size() > limit) out.resize(limit);
    return out;
}

}  // namespace es::dashboard
