#pragma once

#include <cstddef>
#include <cstdint>

namespace es::varint {

// Kafka's varints are protobuf's: little-endian base-128 groups, signed values zigzag-encoded.
constexpr size_t max_size32 = 5;
constexpr size_t max_size64 = 10;

constexpr uint32_t zigzag_encode(int32_t v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr uint64_t zigzag_encode(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int32_t zigzag_decode(uint32_t v) {
    return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
constexpr int64_t zigzag_decode(uint64_t v) {
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

constexpr size_t size_unsigned(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}
constexpr size_t size_signed(int64_t v) { return size_unsigned(zigzag_encode(v)); }

/// Writes v at out (which has room for max_size64 bytes); returns the bytes written.
inline size_t encode_unsigned(uint64_t v, uint8_t* out) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
    }
    out[n++] = static_cast<uint8_t>(v);
    return n;
}
inline size_t encode_signed(int64_t v, uint8_t* out) {
    return encode_unsigned(zigzag_encode(v), out);
}

/// Decodes an unsigned varint of at most max_bytes groups from [p, end). Returns the bytes
/// consumed, or 0 when the input ends first or the value is longer than max_bytes.
inline size_t decode_unsigned(const uint8_t* p, const uint8_t* end, size_t max_bytes,
                              uint64_t* out) {
    uint64_t value = 0;
    for (size_t i = 0; i < max_bytes; ++i) {
        if (p + i >= end) return 0;
        uint8_t b = p[i];
        value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            *out = value;
            return i + 1;
        }
    }
    return 0;
}

}  // namespace es::varint
