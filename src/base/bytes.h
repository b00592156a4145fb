#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace es {

using BytesView = std::span<const uint8_t>;
using MutableBytesView = std::span<uint8_t>;
using Bytes = std::vector<uint8_t>;

inline BytesView as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(BytesView b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// An owning byte buffer that is not zero-filled on allocation: storage reads fill it straight
/// from the file, so clearing it first would only cost time on the fetch path.
class Buffer {
  public:
    Buffer() = default;
    static Buffer uninitialized(size_t size) {
        Buffer b;
        b.data_ = std::make_unique_for_overwrite<uint8_t[]>(size);
        b.size_ = size;
        return b;
    }
    static Buffer copy_of(BytesView bytes) {
        Buffer b = uninitialized(bytes.size());
        if (!bytes.empty()) std::memcpy(b.data_.get(), bytes.data(), bytes.size());
        return b;
    }

    uint8_t* data() { return data_.get(); }
    const uint8_t* data() const { return data_.get(); }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    BytesView view() const { return {data_.get(), size_}; }
    MutableBytesView mutable_view() { return {data_.get(), size_}; }

    /// Shortens the logical size; the allocation stays.
    void shrink_to(size_t size) {
        if (size < size_) size_ = size;
    }

  private:
    std::unique_ptr<uint8_t[]> data_;
    size_t size_ = 0;
};

// Big-endian loads and stores: Kafka's wire and batch formats are big-endian throughout.
inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline uint64_t load_be64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}
inline void store_be16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}
inline void store_be64(uint8_t* p, uint64_t v) {
    v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}

}  // namespace es
