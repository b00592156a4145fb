#include "stream/api/serde.h"

#include "base/varint.h"

#include <fmt/core.h>

namespace es::stream::serde_detail {

Error bad_size(const char* type, size_t expected, size_t got) {
    return Error(Errc::bad_record,
                 fmt::format("{}: expected {} bytes, got {}", type, expected, got));
}

void append_be64(std::string& out, uint64_t v) {
    uint8_t b[8];
    store_be64(b, v);
    out.append(reinterpret_cast<const char*>(b), 8);
}

uint64_t read_be64(std::string_view in) {
    return load_be64(reinterpret_cast<const uint8_t*>(in.data()));
}

void append_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

bool read_varint(std::string_view in, size_t& pos, uint64_t& v) {
    v = 0;
    for (size_t shift = 0; shift < 64; shift += 7) {
        if (pos >= in.size()) return false;
        auto byte = static_cast<uint8_t>(in[pos++]);
        v |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return false;
}

}  // namespace es::stream::serde_detail

namespace es::stream {

Status FieldReader::finish() const {
    if (!ok_) return Error(Errc::bad_record, fmt::format("{}: truncated record", type_));
    if (pos_ != in_.size()) {
        return Error(Errc::bad_record,
                     fmt::format("{}: {} bytes after the last field", type_, in_.size() - pos_));
    }
    return ok_status();
}

}  // namespace es::stream
