#include "stream/api/partitioner.h"

#include <cstring>

namespace es::stream {

uint32_t murmur2(std::string_view data) {
    // The constants and mixing steps of Kafka's Utils.murmur2 (seed 0x9747b28c).
    constexpr uint32_t seed = 0x9747b28c;
    constexpr uint32_t m = 0x5bd1e995;
    constexpr int r = 24;
    auto length = static_cast<uint32_t>(data.size());
    uint32_t h = seed ^ length;
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    size_t blocks = data.size() / 4;
    for (size_t i = 0; i < blocks; ++i) {
        uint32_t k;
        std::memcpy(&k, p + i * 4, 4);  // little-endian, as Java assembles it
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const uint8_t* tail = p + blocks * 4;
    switch (data.size() % 4) {
        case 3:
            h ^= static_cast<uint32_t>(tail[2]) << 16;
            [[fallthrough]];
        case 2:
            h ^= static_cast<uint32_t>(tail[1]) << 8;
            [[fallthrough]];
        case 1:
            h ^= tail[0];
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

int32_t partition_for_key(std::string_view key, int32_t partitions) {
    if (partitions <= 0) return 0;
    return static_cast<int32_t>((murmur2(key) & 0x7fffffff) % static_cast<uint32_t>(partitions));
}

}  // namespace es::stream
