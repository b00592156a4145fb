#pragma once

// Built-in jobs by name: `edgestream run NAME` looks the job up here and builds its topology
// from the job's parameters (the `params:` section of the job's YAML file, and --param flags).

#include "base/result.h"
#include "stream/api/topology.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace es::stream {

/// A job's parameters as text, with typed accessors that name the parameter in their errors.
class JobParams {
  public:
    JobParams() = default;
    explicit JobParams(std::map<std::string, std::string> values) : values_(std::move(values)) {}

    void set(const std::string& name, std::string value) { values_[name] = std::move(value); }
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    std::string get(const std::string& name, const std::string& fallback) const;
    /// Errc::invalid_config when the value is not an integer in [min, max].
    Result<int64_t> get_int(const std::string& name, int64_t fallback, int64_t min = INT64_MIN,
                            int64_t max = INT64_MAX) const;
    /// A duration: an integer with a unit (ms, s, min, h, d), e.g. "7d" or "500ms".
    Result<std::chrono::milliseconds> get_duration(const std::string& name,
                                                   std::chrono::milliseconds fallback) const;
    const std::map<std::string, std::string>& values() const { return values_; }

  private:
    std::map<std::string, std::string> values_;
};

struct JobInfo {
    std::string name;
    std::string description;
    /// The parameters the job reads, with their defaults, for `edgestream run --list`.
    std::vector<std::pair<std::string, std::string>> params;
    std::function<Result<Topology>(const JobParams&)> build;
};

class JobRegistry {
  public:
    /// Errc::invalid_config when a job with that name exists.
    Status add(JobInfo job);
    /// Errc::unknown_job, listing the known names.
    Result<const JobInfo*> find(const std::string& name) const;
    std::vector<const JobInfo*> list() const;

  private:
    std::map<std::string, JobInfo> jobs_;
};

/// Parses "500ms", "10s", "5min", "2h", "7d"; a bare integer is milliseconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace es::stream
