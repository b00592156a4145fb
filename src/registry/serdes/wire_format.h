#pragma once

// Confluent's wire format for record keys and values: a magic byte 0, the schema id as a
// 4-byte big-endian integer, then (Protobuf only) the message indexes, then the payload. The
// message indexes locate the message type inside the .proto file: a zigzag-varint count, then
// each index as a zigzag varint, with a single 0 byte standing for [0], the first message.

#include "base/result.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace es::registry::serdes {

inline constexpr uint8_t kMagicByte = 0;
inline constexpr size_t kHeaderSize = 5;

struct Framed {
    int32_t schema_id = 0;
    std::vector<int32_t> message_indexes;  // Protobuf only; [0] when the data had a single 0
    std::string_view payload;
};

/// Splits framed bytes. Errc::bad_data when there is no magic byte (the data is not framed),
/// the header is truncated, or the message indexes are malformed.
Result<Framed> unframe(std::string_view bytes, bool with_message_indexes);

/// Appends the magic byte and the id.
void append_header(int32_t schema_id, std::string& out);
/// Appends message indexes; [0] as the single 0 byte Confluent's serializers write.
void append_message_indexes(std::span<const int32_t> indexes, std::string& out);

}  // namespace es::registry::serdes
