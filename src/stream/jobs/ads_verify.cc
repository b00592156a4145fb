#include "stream/jobs/ads_verify.h"

#include "stream/api/errc.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace es::stream::jobs {
namespace {

using json = nlohmann::json;

struct Event {
    int kind = 0;  // 0 impression, 1 click, 2 conversion: the job orders ties by this too
    std::string id;
    std::string user;
    std::string campaign;
    double value = 0;
    std::string currency;
    int64_t ts = 0;
};

bool read(const std::string& text, int kind, Event& e) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return false;
    const char* id_field = kind == 0 ? "impression_id" : kind == 1 ? "click_id" : "conversion_id";
    if (!doc.contains(id_field) || !doc.contains("user") || !doc.contains("ts")) return false;
    if (!doc[id_field].is_string() || !doc["user"].is_string() || !doc["ts"].is_number_integer())
        return false;
    e.kind = kind;
    e.id = doc[id_field].get<std::string>();
    e.user = doc["user"].get<std::string>();
    e.ts = doc["ts"].get<int64_t>();
    if (kind < 2) {
        if (!doc.contains("campaign") || !doc["campaign"].is_string()) return false;
        e.campaign = doc["campaign"].get<std::string>();
    } else {
        if (!doc.contains("value") || !doc["value"].is_number()) return false;
        e.value = doc["value"].get<double>();
        e.currency = doc.value("currency", std::string("USD"));
    }
    return true;
}

double usd(double value, const std::string& currency) {
    if (currency == "EUR") return value * 1.08;
    if (currency == "GBP") return value * 1.27;
    return value;
}

/// Shares per model, written out again here rather than shared with the job.
std::vector<double> shares(const std::string& model, const std::vector<int64_t>& times, int64_t at,
                           int64_t half_life) {
    size_t n = times.size();
    std::vector<double> w(n, 0);
    if (model == "last-touch") {
        w.back() = 1;
    } else if (model == "first-touch") {
        w.front() = 1;
    } else if (model == "linear") {
        std::fill(w.begin(), w.end(), 1.0 / static_cast<double>(n));
    } else if (model == "time-decay") {
        double sum = 0;
        for (size_t i = 0; i < n; ++i) {
            w[i] =
                std::pow(0.5, static_cast<double>(at - times[i]) / static_cast<double>(half_life));
            sum += w[i];
        }
        for (double& x : w) x /= sum;
    } else {  // position-based
        if (n == 1) {
            w[0] = 1;
        } else if (n == 2) {
            w[0] = w[1] = 0.5;
        } else {
            w[0] = w[n - 1] = 0.4;
            for (size_t i = 1; i + 1 < n; ++i) w[i] = 0.2 / static_cast<double>(n - 2);
        }
    }
    return w;
}

struct Expected {
    double credit = 0;
    double revenue = 0;
    bool attributed = false;
};

}  // namespace

std::string AdsVerifyReport::summary() const {
    return fmt::format(
        "{} conversions, {} expected records: {} match, {} missing, {} unexpected, {} different, "
        "{} duplicated; {} events refused as late, {} malformed values",
        conversions, expected_records, matches, missing, unexpected, different, duplicates,
        refused_late, malformed);
}

Result<AdsVerifyReport> verify_ad_attribution(const AdsVerifyInput& input,
                                              const JobParams& params) {
    std::string model = params.get("model", "last-touch");
    static const std::set<std::string> models{"last-touch", "first-touch", "linear", "time-decay",
                                              "position-based"};
    if (!models.count(model)) return Error(Errc::invalid_config, "unknown model '" + model + "'");
    ES_TRY(auto click_lb, params.get_duration("click-lookback", std::chrono::hours(24 * 7)));
    ES_TRY(auto view_lb, params.get_duration("view-lookback", std::chrono::hours(24)));
    ES_TRY(auto half_life, params.get_duration("half-life", std::chrono::hours(24 * 7)));

    AdsVerifyReport report;
    // Events the job refused as late take no part. The late topic lists them by kind and id:
    // refused by the attribution (then no copy took part: only one copy passes the
    // deduplication), or by the deduplication (too old to judge); then the event took part
    // unless every copy of it was refused so.
    std::set<std::pair<int, std::string>> refused_by_attribution;
    std::map<std::pair<int, std::string>, int> refused_by_dedup;
    for (const std::string& text : input.late_events) {
        json doc = json::parse(text, nullptr, false);
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("id"))
            continue;  // a window update
        std::string kind = doc.value("kind", "");
        int k = kind == "impression" ? 0 : kind == "click" ? 1 : kind == "conversion" ? 2 : -1;
        if (k < 0) continue;
        ++report.refused_late;
        if (doc.value("refused_by", "") == "attribution") {
            refused_by_attribution.insert({k, doc.value("id", "")});
        } else {
            ++refused_by_dedup[{k, doc.value("id", "")}];
        }
    }
    // Every event once (duplicates carry the same id), grouped by user.
    std::map<std::pair<int, std::string>, int> copies;
    std::vector<Event> all;
    auto take = [&](const std::vector<std::string>& values, int kind) {
        for (const std::string& text : values) {
            Event e;
            if (!read(text, kind, e)) {
                ++report.malformed;
                continue;
            }
            if (++copies[{kind, e.id}] == 1) all.push_back(std::move(e));
        }
    };
    take(input.impressions, 0);
    take(input.clicks, 1);
    take(input.conversions, 2);
    std::map<std::string, std::vector<Event>> by_user;
    for (Event& e : all) {
        std::pair<int, std::string> key{e.kind, e.id};
        if (refused_by_attribution.count(key)) continue;
        auto dedup = refused_by_dedup.find(key);
        if (dedup != refused_by_dedup.end() && dedup->second >= copies[key]) continue;
        by_user[e.user].push_back(std::move(e));
    }

    // (conversion id, touch id) -> expected; an unattributed conversion has an empty touch id.
    std::map<std::pair<std::string, std::string>, Expected> expected;
    for (auto& [user, events] : by_user) {
        std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
            return std::tie(a.ts, a.kind, a.id) < std::tie(b.ts, b.kind, b.id);
        });
        for (const Event& c : events) {
            if (c.kind != 2 || (input.until && c.ts > *input.until)) continue;
            ++report.conversions;
            std::vector<const Event*> clicks, views;
            for (const Event& t : events) {
                if (t.ts > c.ts) break;
                if (t.kind == 1 && t.ts >= c.ts - click_lb.count()) clicks.push_back(&t);
                if (t.kind == 0 && t.ts >= c.ts - view_lb.count()) views.push_back(&t);
            }
            const auto& chosen = clicks.empty() ? views : clicks;
            if (chosen.empty()) {
                expected[{c.id, ""}] = Expected{0, 0, false};
                continue;
            }
            std::vector<int64_t> times;
            for (const Event* t : chosen) times.push_back(t->ts);
            std::vector<double> w = shares(model, times, c.ts, half_life.count());
            for (size_t i = 0; i < chosen.size(); ++i) {
                if (w[i] == 0) continue;
                expected[{c.id, chosen[i]->id}] =
                    Expected{w[i], usd(c.value, c.currency) * w[i], true};
            }
        }
    }
    report.expected_records = expected.size();

    std::map<std::pair<std::string, std::string>, int> times_seen;
    auto example = [&](std::string text) {
        if (report.examples.size() < 10) report.examples.push_back(std::move(text));
    };
    for (const std::string& text : input.attributed) {
        json doc = json::parse(text, nullptr, false);
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("conversion_id")) {
            ++report.malformed;
            continue;
        }
        if (input.until && doc.value("conversion_ts", int64_t{0}) > *input.until) continue;
        std::pair<std::string, std::string> key{doc.value("conversion_id", ""),
                                                doc.value("touch_id", "")};
        if (++times_seen[key] > 1) {
            ++report.duplicates;
            example(fmt::format("duplicate: conversion {} touch '{}'", key.first, key.second));
            continue;
        }
        auto it = expected.find(key);
        if (it == expected.end()) {
            ++report.unexpected;
            example(fmt::format("unexpected: conversion {} touch '{}'", key.first, key.second));
            continue;
        }
        double credit = doc.value("credit", 0.0);
        double revenue = doc.value("revenue", 0.0);
        bool attributed = doc.value("attributed", false);
        if (attributed != it->second.attributed || std::abs(credit - it->second.credit) > 1e-9 ||
            std::abs(revenue - it->second.revenue) > 1e-6 * std::max(1.0, std::abs(revenue))) {
            ++report.different;
            example(fmt::format(
                "different: conversion {} touch '{}': credit {} revenue {} (expected {} {})",
                key.first, key.second, credit, revenue, it->second.credit, it->second.revenue));
            continue;
        }
        ++report.matches;
    }
    for (const auto& [key, e] : expected) {
        if (times_seen.count(key)) continue;
        ++report.missing;
        example(fmt::format("missing: conversion {} touch '{}'", key.first, key.second));
    }
    return report;
}

}  // namespace es::stream::jobs
