#pragma once

#include <chrono>
#include <cstdint>

namespace es {

/// Wall-clock milliseconds since the Unix epoch: Kafka timestamps, retention ages.
inline int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Monotonic nanoseconds: durations and timeouts, never stored.
inline int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace es
