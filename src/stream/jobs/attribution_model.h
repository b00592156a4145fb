#pragma once

// Attribution models: how a conversion's value is split over the touches that led to it.

#include "base/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace es::stream::jobs {

enum class AttributionModel { last_touch, first_touch, linear, time_decay, position_based };

/// "last-touch", "first-touch", "linear", "time-decay", "position-based".
Result<AttributionModel> parse_model(std::string_view name);
std::string_view model_name(AttributionModel model);

/// The credit of each touch, in the order given (oldest first), summing to 1.
///   last/first-touch: all to the last/first; linear: equal shares; time-decay: weights
///   2^(-age / half_life) normalized, age = conversion time - touch time; position-based
///   (U-shaped): 40% first, 40% last, 20% split over the middle ones (one touch: 100%;
///   two: 50/50).
std::vector<double> credits(AttributionModel model, const std::vector<int64_t>& touch_times,
                            int64_t conversion_time, int64_t half_life_ms);

}  // namespace es::stream::jobs
