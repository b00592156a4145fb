#include "stream/jobs/attribution_model.h"

#include "stream/api/errc.h"

#include <cmath>

namespace es::stream::jobs {

Result<AttributionModel> parse_model(std::string_view name) {
    if (name == "last-touch") return AttributionModel::last_touch;
    if (name == "first-touch") return AttributionModel::first_touch;
    if (name == "linear") return AttributionModel::linear;
    if (name == "time-decay") return AttributionModel::time_decay;
    if (name == "position-based") return AttributionModel::position_based;
    return Error(Errc::invalid_config,
                 "model '" + std::string(name) +
                     "': expected last-touch, first-touch, linear, time-decay or position-based");
}

std::string_view model_name(AttributionModel model) {
    switch (model) {
        case AttributionModel::last_touch:
            return "last-touch";
        case AttributionModel::first_touch:
            return "first-touch";
        case AttributionModel::linear:
            return "linear";
        case AttributionModel::time_decay:
            return "time-decay";
        case AttributionModel::position_based:
            return "position-based";
    }
    return "?";
}

std::vector<double> credits(AttributionModel model, const std::vector<int64_t>& touch_times,
                            int64_t conversion_time, int64_t half_life_ms) {
    size_t n = touch_times.size();
    std::vector<double> out(n, 0.0);
    if (n == 0) return out;
    switch (model) {
        case AttributionModel::last_touch:
            out[n - 1] = 1.0;
            break;
        case AttributionModel::first_touch:
            out[0] = 1.0;
            break;
        case AttributionModel::linear:
            for (double& c : out) c = 1.0 / static_cast<double>(n);
            break;
        case AttributionModel::time_decay: {
            double total = 0;
            for (size_t i = 0; i < n; ++i) {
                double age = static_cast<double>(conversion_time - touch_times[i]);
                out[i] = std::exp2(-age / static_cast<double>(std::max<int64_t>(half_life_ms, 1)));
                total += out[i];
            }
            for (double& c : out) c /= total;
            break;
        }
        case AttributionModel::position_based:
            if (n == 1) {
                out[0] = 1.0;
            } else if (n == 2) {
                out[0] = out[1] = 0.5;
            } else {
                out[0] = out[n - 1] = 0.4;
                for (size_t i = 1; i + 1 < n; ++i) out[i] = 0.2 / static_cast<double>(n - 2);
            }
            break;
    }
    return out;
}

}  // namespace es::stream::jobs
