#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "stream/state/errc.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace es::stream::state {

/// Order-preserving pieces of composite keys for stores whose keys are compared bytewise
/// (window stores: key + window start; timer stores: time + key).
///
/// - i64: 8 bytes big-endian with the sign bit flipped, so that -1 sorts before 0 and event
///   times before 1970 still sort first.
/// - bytes: a 4-byte big-endian length, then the bytes. The length makes a component
///   self-delimiting: the encoding of one user key is never a prefix of another's, so a prefix
///   scan over encode_bytes(k) visits exactly the composite keys of k ("ab" never matches
///   "abc"). Components sort by length first, which groups keys but is not their bytewise order.
inline constexpr size_t kEncodedI64Size = 8;
inline constexpr size_t kBytesPrefixSize = 4;

inline void encode_i64(std::string& out, int64_t v) {
    uint8_t b[kEncodedI64Size];
    store_be64(b, static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
    out.append(reinterpret_cast<const char*>(b), kEncodedI64Size);
}

/// The caller has checked that 8 bytes are there.
inline int64_t load_encoded_i64(const char* p) {
    return static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(p)) ^
                                (uint64_t{1} << 63));
}

/// Components longer than 4 GiB - 1 are not keys; the caller keeps them out.
inline void encode_bytes(std::string& out, std::string_view component) {
    uint8_t b[kBytesPrefixSize];
    store_be32(b, static_cast<uint32_t>(component.size()));
    out.append(reinterpret_cast<const char*>(b), kBytesPrefixSize);
    out.append(component);
}

/// The smallest key greater than every key that starts with `prefix` (the exclusive end of a
/// prefix scan), or nullopt when there is none (empty prefix, or only 0xff bytes).
inline std::optional<std::string> prefix_end(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty()) {
        auto& last = reinterpret_cast<uint8_t&>(end.back());
        if (last != 0xff) {
            ++last;
            return end;
        }
        end.pop_back();
    }
    return std::nullopt;
}

/// Reads a composite key front to back. Input is untrusted (it may come from a changelog topic
/// or a corrupt file): every read checks the bytes left, and a length prefix is checked against
/// them before anything is sliced.
class KeyDecoder {
  public:
    explicit KeyDecoder(std::string_view key) : rest_(key) {}

    Result<int64_t> i64() {
        if (rest_.size() < kEncodedI64Size) return truncated("an int64", kEncodedI64Size);
        int64_t v = load_encoded_i64(rest_.data());
        rest_.remove_prefix(kEncodedI64Size);
        return v;
    }

    /// A length-prefixed component, as a view into the decoded key.
    Result<std::string_view> bytes() {
        if (rest_.size() < kBytesPrefixSize) return truncated("a length prefix", kBytesPrefixSize);
        uint32_t n = load_be32(reinterpret_cast<const uint8_t*>(rest_.data()));
        if (n > rest_.size() - kBytesPrefixSize) {
            return Error(Errc::corrupt,
                         "key component length " + std::to_string(n) + " exceeds the " +
                             std::to_string(rest_.size() - kBytesPrefixSize) + " bytes left");
        }
        std::string_view component = rest_.substr(kBytesPrefixSize, n);
        rest_.remove_prefix(kBytesPrefixSize + n);
        return component;
    }

    bool done() const { return rest_.empty(); }
    std::string_view rest() const { return rest_; }

    /// Fails when bytes are left over: a key with a tail is not the key the caller expects.
    Status finish() const {
        if (rest_.empty()) return ok_status();
        return Error(Errc::corrupt,
                     std::to_string(rest_.size()) + " unexpected bytes at the end of a key");
    }

  private:
    Error truncated(const char* what, size_t need) const {
        return Error(Errc::corrupt, std::string("key truncated: ") + what + " needs " +
                                        std::to_string(need) + " bytes, " +
                                        std::to_string(rest_.size()) + " left");
    }

    std::string_view rest_;
};

}  // namespace es::stream::state
