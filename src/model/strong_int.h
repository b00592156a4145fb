#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace es::model {

/// An integer that does not mix with integers of another meaning: an Offset is not a
/// PartitionId, and neither converts silently to int64_t. Arithmetic is limited to what the
/// meaning allows (offsets advance by a count; two offsets differ by a count).
template <class Tag, class T>
class StrongInt {
  public:
    using value_type = T;

    constexpr StrongInt() = default;
    constexpr explicit StrongInt(T v) : value_(v) {}

    constexpr T value() const { return value_; }
    constexpr auto operator<=>(const StrongInt&) const = default;

    static constexpr StrongInt min() { return StrongInt(std::numeric_limits<T>::min()); }
    static constexpr StrongInt max() { return StrongInt(std::numeric_limits<T>::max()); }

  private:
    T value_{};
};

struct OffsetTag {};
/// A record's position in a partition: 0, 1, 2, ... with gaps after compaction.
class Offset : public StrongInt<OffsetTag, int64_t> {
  public:
    using StrongInt::StrongInt;
    constexpr Offset(StrongInt v) : StrongInt(v) {}  // NOLINT(google-explicit-constructor)

    constexpr Offset operator+(int64_t n) const { return Offset(value() + n); }
    constexpr Offset operator-(int64_t n) const { return Offset(value() - n); }
    constexpr int64_t operator-(Offset o) const { return value() - o.value(); }
    constexpr Offset& operator++() {
        *this = *this + 1;
        return *this;
    }
};

using PartitionId = StrongInt<struct PartitionIdTag, int32_t>;
using ProducerId = StrongInt<struct ProducerIdTag, int64_t>;
using ProducerEpoch = StrongInt<struct ProducerEpochTag, int16_t>;
using LeaderEpoch = StrongInt<struct LeaderEpochTag, int32_t>;

}  // namespace es::model

template <class Tag, class T>
struct std::hash<es::model::StrongInt<Tag, T>> {
    size_t operator()(const es::model::StrongInt<Tag, T>& v) const noexcept {
        return std::hash<T>{}(v.value());
    }
};
template <>
struct std::hash<es::model::Offset> {
    size_t operator()(const es::model::Offset& v) const noexcept {
        return std::hash<int64_t>{}(v.value());
    }
};
