#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace es::stream {

/// Event time and processing time, in milliseconds since the Unix epoch.
using TimeMs = int64_t;
inline constexpr TimeMs kMinTime = std::numeric_limits<TimeMs>::min();
inline constexpr TimeMs kMaxTime = std::numeric_limits<TimeMs>::max();

/// t + d, clamped to [kMinTime, kMaxTime]: bounds like "last instant + allowed lateness" must
/// not wrap around for timestamps near the ends of the range.
constexpr TimeMs saturating_add(TimeMs t, TimeMs d) {
    if (d > 0 && t > kMaxTime - d) return kMaxTime;
    if (d < 0 && t < kMinTime - d) return kMinTime;
    return t + d;
}

/// A record flowing between operators of one task: typed, never serialized inside a chain.
/// `timestamp` is the record's event time.
template <class K, class V>
struct Record {
    K key;
    V value;
    TimeMs timestamp = 0;
};

/// A record as it comes from Kafka, before its source decodes it. Views into the client's
/// buffers, valid during the call that receives it.
struct RawRecord {
    std::optional<std::string_view> key;    // nullopt: a null key
    std::optional<std::string_view> value;  // nullopt: a null value (a tombstone)
    TimeMs timestamp = 0;                   // the Kafka record timestamp
    int32_t partition = 0;
    int64_t offset = 0;
};

/// The key type of a stream whose records have no meaningful key: encodes as a null key.
struct NoKey {
    bool operator==(const NoKey&) const = default;
};

}  // namespace es::stream
