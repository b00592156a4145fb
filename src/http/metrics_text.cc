#include "http/metrics_text.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <map>
#include <sstream>

namespace es::http {

struct MetricsText::Impl {
    std::vector<prometheus::MetricFamily> families;
    std::map<std::string, size_t, std::less<>> index;

    prometheus::ClientMetric& add(std::string_view name, std::string_view help,
                                  prometheus::MetricType type, const MetricLabels& labels) {
        auto it = index.find(name);
        if (it == index.end()) {
            prometheus::MetricFamily family;
            family.name = std::string(name);
            family.help = std::string(help);
            family.type = type;
            families.push_back(std::move(family));
            it = index.emplace(std::string(name), families.size() - 1).first;
        }
        prometheus::ClientMetric& metric = families[it->second].metric.emplace_back();
        for (const auto& [k, v] : labels) metric.label.push_back({k, v});
        return metric;
    }
};

MetricsText::MetricsText() : impl_(std::make_unique<Impl>()) {}
MetricsText::~MetricsText() = default;

void MetricsText::counter(std::string_view name, std::string_view help, const MetricLabels& labels,
                          double value) {
    impl_->add(name, help, prometheus::MetricType::Counter, labels).counter.value = value;
}

void MetricsText::gauge(std::string_view name, std::string_view help, const MetricLabels& labels,
                        double value) {
    impl_->add(name, help, prometheus::MetricType::Gauge, labels).gauge.value = value;
}

void MetricsText::histogram(std::string_view name, std::string_view help,
                            const MetricLabels& labels,
                            const LatencyHistogram::Snapshot& snapshot) {
    auto& h = impl_->add(name, help, prometheus::MetricType::Histogram, labels).histogram;
    h.sample_count = snapshot.count;
    h.sample_sum = snapshot.sum_seconds;
    for (size_t i = 0; i < LatencyHistogram::kBoundsSeconds.size(); ++i) {
        h.bucket.push_back({snapshot.cumulative[i], LatencyHistogram::kBoundsSeconds[i]});
    }
    h.bucket.push_back({snapshot.count, std::numeric_limits<double>::infinity()});
}

std::string MetricsText::render() const {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, impl_->families);
    return out.str();
}

}  // namespace es::http
