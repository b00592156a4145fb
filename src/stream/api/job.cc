#include "stream/api/job.h"

#include "stream/api/errc.h"

#include <fmt/core.h>

#include <charconv>

namespace es::stream {

std::string JobParams::get(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

Result<int64_t> JobParams::get_int(const std::string& name, int64_t fallback, int64_t min,
                                   int64_t max) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    const std::string& text = it->second;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return Error(Errc::invalid_config,
                     fmt::format("parameter {}: '{}' is not an integer", name, text));
    }
    if (v < min || v > max) {
        return Error(Errc::invalid_config,
                     fmt::format("parameter {}: {} is outside [{}, {}]", name, v, min, max));
    }
    return v;
}

Result<std::chrono::milliseconds> JobParams::get_duration(
    const std::string& name, std::chrono::milliseconds fallback) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    auto d = parse_duration(it->second);
    if (!d.ok())
        return Error(Errc::invalid_config,
                     fmt::format("parameter {}: {}", name, d.error().message()));
    return d;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || v < 0) {
        return Error(Errc::invalid_config,
                     fmt::format("'{}' is not a duration (e.g. 500ms, 10s, 5min, 2h, 7d)", text));
    }
    std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
    int64_t scale = 0;
    if (unit.empty() || unit == "ms") {
        scale = 1;
    } else if (unit == "s") {
        scale = 1000;
    } else if (unit == "min" || unit == "m") {
        scale = 60'000;
    } else if (unit == "h") {
        scale = 3'600'000;
    } else if (unit == "d") {
        scale = 86'400'000;
    } else {
        return Error(Errc::invalid_config, fmt::format("'{}': unknown unit '{}'", text, unit));
    }
    if (v > INT64_MAX / scale)
        return Error(Errc::invalid_config, fmt::format("'{}' is too long", text));
    return std::chrono::milliseconds(v * scale);
}

Status JobRegistry::add(JobInfo job) {
    std::string name = job.name;
    if (!jobs_.emplace(name, std::move(job)).second) {
        return Error(Errc::invalid_config, fmt::format("job '{}' is registered twice", name));
    }
    return ok_status();
}

Result<const JobInfo*> JobRegistry::find(const std::string& name) const {
    auto it = jobs_.find(name);
    if (it != jobs_.end()) return &it->second;
    std::string known;
    for (const auto& [n, j] : jobs_) known += (known.empty() ? "" : ", ") + n;
    return Error(Errc::unknown_job, fmt::format("no job named '{}' (known: {})", name, known));
}

std::vector<const JobInfo*> JobRegistry::list() const {
    std::vector<const JobInfo*> out;
    for (const auto& [n, j] : jobs_) out.push_back(&j);
    return out;
}

}  // namespace es::stream
