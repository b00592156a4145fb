#include "http/metrics_text.h"

#include <gtest/gtest.h>

#include <string>

namespace es::http {
namespace {

TEST(MetricsText, CountersGaugesAndHistogramsInTheTextFormat) {
    LatencyHistogram latency;
    latency.observe_ns(50'000);          // 50 µs: the first bucket
    latency.observe_ns(3'000'000);       // 3 ms
    latency.observe_ns(20'000'000'000);  // 20 s: beyond the last bound
    MetricsText text;
    text.counter("es_requests_total", "Requests.", {{"api", "Produce"}}, 7);
    text.counter("es_requests_total", "Requests.", {{"api", "Fetch"}}, 3);
    text.gauge("es_connections", "Open connections.", {}, 2);
    text.histogram("es_latency_seconds", "Latency.", {{"api", "Produce"}}, latency.snapshot());
    const std::string out = text.render();
    const char* expected[] = {
        "# HELP es_requests_total Requests.",
        "# TYPE es_requests_total counter",
        "es_requests_total{api=\"Produce\"} 7",
        "es_requests_total{api=\"Fetch\"} 3",
        "# TYPE es_connections gauge",
        "es_connections 2",
        "# TYPE es_latency_seconds histogram",
        "es_latency_seconds_count{api=\"Produce\"} 3",
        "es_latency_seconds_bucket{api=\"Produce\",le=\"0.0001\"} 1",
        "es_latency_seconds_bucket{api=\"Produce\",le=\"0.005\"} 2",
        "es_latency_seconds_bucket{api=\"Produce\",le=\"10\"} 2",
        "es_latency_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 3",
    };
    for (const char* line : expected) {
        EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
    }
    // One family per name: a single HELP line for the two request counters.
    EXPECT_EQ(out.find("# HELP es_requests_total"), out.rfind("# HELP es_requests_total"));
    std::printf(
        "checked: counters with labels in one family, a gauge, a histogram with cumulative "
        "buckets and +Inf, in Prometheus text format\n");
}

}  // namespace
}  // namespace es::http
