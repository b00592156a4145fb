#include "stream/api/ops/io.h"

namespace es::stream::ops {

std::string encode_watermark_marker(int32_t upstream_partition, TimeMs watermark) {
    std::string out(1, kRepartitionWatermark);
    uint8_t b[4];
    store_be32(b, static_cast<uint32_t>(upstream_partition));
    out.append(reinterpret_cast<const char*>(b), 4);
    serde_detail::append_be64(out, static_cast<uint64_t>(watermark));
    return out;
}

std::string encode_idle_marker(int32_t upstream_partition) {
    std::string out(1, kRepartitionIdle);
    uint8_t b[4];
    store_be32(b, static_cast<uint32_t>(upstream_partition));
    out.append(reinterpret_cast<const char*>(b), 4);
    return out;
}

}  // namespace es::stream::ops
