#include "registry/serdes/wire_format.h"

#include "base/bytes.h"
#include "registry/serdes/errc.h"

#include <fmt/format.h>

namespace es::registry::serdes {
namespace {

// More indexes than this is no .proto file anyone writes; it bounds what hostile data allocates.
constexpr int64_t kMaxMessageIndexes = 256;

void append_zigzag(int64_t v, std::string& out) {
    uint64_t u = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (u >= 0x80) {
        out.push_back(static_cast<char>((u & 0x7F) | 0x80));
        u >>= 7;
    }
    out.push_back(static_cast<char>(u));
}

bool read_zigzag(std::string_view in, size_t& pos, int64_t& v) {
    uint64_t u = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= in.size()) return false;
        auto b = static_cast<uint8_t>(in[pos++]);
        u |= static_cast<uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
            v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
            return true;
        }
    }
    return false;
}

}  // namespace

Result<Framed> unframe(std::string_view bytes, bool with_message_indexes) {
    if (bytes.empty()) return Error(Errc::bad_data, "empty: no Confluent wire-format header");
    if (static_cast<uint8_t>(bytes[0]) != kMagicByte) {
        return Error(Errc::bad_data,
                     fmt::format("first byte is 0x{:02x}, not the magic byte 0: the data was not "
                                 "written by a schema-registry serializer",
                                 static_cast<uint8_t>(bytes[0])));
    }
    if (bytes.size() < kHeaderSize) {
        return Error(Errc::bad_data, fmt::format("{} bytes: the header alone has 5", bytes.size()));
    }
    Framed f;
    f.schema_id =
        static_cast<int32_t>(load_be32(reinterpret_cast<const uint8_t*>(bytes.data() + 1)));
    size_t pos = kHeaderSize;
    if (with_message_indexes) {
        int64_t count = 0;
        if (!read_zigzag(bytes, pos, count)) {
            return Error(Errc::bad_data, "truncated Protobuf message indexes");
        }
        if (count < 0 || count > kMaxMessageIndexes) {
            return Error(Errc::bad_data, fmt::format("{} Protobuf message indexes", count));
        }
        if (count == 0) f.message_indexes.push_back(0);
        for (int64_t i = 0; i < count; ++i) {
            int64_t index = 0;
            if (!read_zigzag(bytes, pos, index)) {
                return Error(Errc::bad_data, "truncated Protobuf message indexes");
            }
            if (index < 0 || index > INT32_MAX) {
                return Error(Errc::bad_data, fmt::format("Protobuf message index {}", index));
            }
            f.message_indexes.push_back(static_cast<int32_t>(index));
        }
    }
    f.payload = bytes.substr(pos);
    return f;
}

void append_header(int32_t schema_id, std::string& out) {
    uint8_t header[kHeaderSize] = {kMagicByte};
    store_be32(header + 1, static_cast<uint32_t>(schema_id));
    out.append(reinterpret_cast<const char*>(header), kHeaderSize);
}

void append_message_indexes(std::span<const int32_t> indexes, std::string& out) {
    if (indexes.size() == 1 && indexes[0] == 0) {
        out.push_back('\0');
        return;
    }
    append_zigzag(static_cast<int64_t>(indexes.size()), out);
    for (int32_t i : indexes) append_zigzag(i, out);
}

}  // namespace es::registry::serdes
