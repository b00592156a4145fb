#pragma once

// Prometheus text exposition (format 0.0.4) of figures gathered at scrape time, written with
// prometheus-cpp's data model and serializer (which stay inside metrics_text.cc). Families are
// kept in the order they were first written; samples with the same name join one family.

#include "base/metrics.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::http {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsText {
  public:
    MetricsText();
    ~MetricsText();
    MetricsText(const MetricsText&) = delete;
    MetricsText& operator=(const MetricsText&) = delete;

    void counter(std::string_view name, std::string_view help, const MetricLabels& labels,
                 double value);
    void gauge(std::string_view name, std::string_view help, const MetricLabels& labels,
               double value);
    void histogram(std::string_view name, std::string_view help, const MetricLabels& labels,
                   const LatencyHistogram::Snapshot& snapshot);

    /// The exposition text.
    std::string render() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// The content type Prometheus expects for the text format.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace es::http
