#include "stream/api/window.h"

#include <fmt/core.h>

namespace es::stream {
namespace {

/// Floor division that rounds towards minus infinity, so windows of negative timestamps line up.
TimeMs floor_to(TimeMs ts, TimeMs step) {
    TimeMs r = ts % step;
    return r < 0 ? ts - r - step : ts - r;
}

}  // namespace

std::vector<TimeWindow> WindowSpec::windows_for(TimeMs ts) const {
    std::vector<TimeWindow> out;
    if (kind == Kind::session || size <= 0 || advance <= 0) return out;
    TimeMs last_start = floor_to(ts, advance);
    TimeMs first_start = last_start;
    while (first_start - advance > ts - size) first_start -= advance;
    for (TimeMs start = first_start; start <= last_start; start += advance) {
        out.push_back({start, start + size});
    }
    return out;
}

std::string WindowSpec::describe() const {
    std::string lateness =
        allowed_lateness > 0 ? fmt::format(", allowed lateness {} ms", allowed_lateness) : "";
    switch (kind) {
        case Kind::tumbling:
            return fmt::format("tumbling {} ms{}", size, lateness);
        case Kind::hopping:
            return fmt::format("hopping {} ms every {} ms{}", size, advance, lateness);
        case Kind::session:
            return fmt::format("session gap {} ms{}", gap, lateness);
    }
    return "?";
}

}  // namespace es::stream
