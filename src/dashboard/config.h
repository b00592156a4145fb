#pragma once

#include "client/config.h"

#include <chrono>
#include <string>

namespace es::dashboard {

struct DashboardConfig {
    client::ClientConfig cluster;
    /// How often the cluster is sampled and a /v1/stream event sent; lag status and rates are
    /// defined over one-second samples (docs/dashboard.md).
    std::chrono::milliseconds sample_interval{1000};
    std::string metrics_topic = "edgestream-job-metrics";
    std::string attribution_topic = "ad-campaign-stats";
    /// How far back the topic feeds start reading (jobs publish every few seconds; windows
    /// close every minute).
    std::chrono::milliseconds metrics_lookback{60'000};
    std::chrono::milliseconds attribution_lookback{10 * 60'000};
};

}  // namespace es::dashboard
