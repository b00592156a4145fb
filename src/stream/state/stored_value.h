#pragma once

#include "base/result.h"
#include "stream/state/errc.h"
#include "stream/state/key_codec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace es::stream::state {

/// The bytes a store keeps per key, in RocksDB and in its changelog topic alike, so that
/// restore() can rebuild the TTL index from the changelog alone:
///
///   0x00 value...                      no expiry
///   0x01 expiry(8, key_codec i64) value...   expires at `expiry` (ms)
///
/// The tag byte leaves room for later formats; an unknown tag is corruption, not a guess.
struct StoredView {
    std::optional<int64_t> expiry_ms;
    std::string_view value;
};

inline constexpr char kStoredPlain = 0x00;
inline constexpr char kStoredWithExpiry = 0x01;

/// Replaces `out` (reusing its capacity) with the stored encoding.
inline void encode_stored(std::string& out, std::optional<int64_t> expiry_ms,
                          std::string_view value) {
    out.clear();
    if (expiry_ms) {
        out.push_back(kStoredWithExpiry);
        encode_i64(out, *expiry_ms);
    } else {
        out.push_back(kStoredPlain);
    }
    out.append(value);
}

/// For bytes from RocksDB or a changelog record: checks the tag and the length.
inline Result<StoredView> decode_stored(std::string_view stored) {
    if (stored.empty()) return Error(Errc::corrupt, "stored value is empty (no format tag)");
    if (stored[0] == kStoredPlain) return StoredView{std::nullopt, stored.substr(1)};
    if (stored[0] == kStoredWithExpiry) {
        if (stored.size() < 1 + kEncodedI64Size) {
            return Error(Errc::corrupt, "stored value truncated: " + std::to_string(stored.size()) +
                                            " bytes, the expiry needs 9");
        }
        return StoredView{load_encoded_i64(stored.data() + 1), stored.substr(1 + kEncodedI64Size)};
    }
    return Error(Errc::corrupt, "stored value has unknown format tag " +
                                    std::to_string(static_cast<uint8_t>(stored[0])));
}

/// For bytes this process encoded itself (dirty map, clean cache): no checks on the hot path.
inline StoredView view_trusted(std::string_view stored) {
    if (stored[0] == kStoredPlain) return {std::nullopt, stored.substr(1)};
    return {load_encoded_i64(stored.data() + 1), stored.substr(1 + kEncodedI64Size)};
}

}  // namespace es::stream::state
