#pragma once

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/result.h"

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::kafka::protocol {

/// A tagged field the codec does not know; kept so that decode + encode is byte for byte.
struct TaggedField {
    uint32_t tag = 0;
    Bytes data;
};
using UnknownTags = std::vector<TaggedField>;

struct Uuid {
    std::array<uint8_t, 16> bytes{};
    auto operator<=>(const Uuid&) const = default;
    bool is_zero() const { return *this == Uuid{}; }
};

/// The primitive encodings of the Kafka protocol. Generated codecs call these; nothing else
/// should need them. `compact` selects the flexible-version encoding (unsigned varint of
/// length + 1, 0 for null) over the classic one (int16/int32 length, -1 for null).
namespace wire {

Result<bool> read_bool(ByteReader& r);
Result<Uuid> read_uuid(ByteReader& r);
Result<std::optional<std::string>> read_nullable_string(ByteReader& r, bool compact);
Result<std::string> read_string(ByteReader& r, bool compact);
Result<std::optional<Bytes>> read_nullable_bytes(ByteReader& r, bool compact);
Result<Bytes> read_bytes(ByteReader& r, bool compact);
/// Record batches: a view into the request buffer, not a copy.
Result<std::optional<BytesView>> read_records(ByteReader& r, bool compact);
/// An array's element count; nullopt for null. The count is checked against the bytes left
/// (each element takes at least min_element_size) before the caller reserves anything.
Result<std::optional<size_t>> read_array_length(ByteReader& r, bool compact,
                                                size_t min_element_size);
/// Reads the tagged-field section. `known(tag, reader)` decodes a tag it knows from a reader
/// limited to that field and returns true; unknown tags are kept in `unknown`.
template <class Known>
Status read_tagged_fields(ByteReader& r, UnknownTags& unknown, Known&& known);

void write_bool(ByteWriter& w, bool v);
void write_uuid(ByteWriter& w, const Uuid& v);
void write_string(ByteWriter& w, std::string_view v, bool compact);
void write_nullable_string(ByteWriter& w, const std::optional<std::string>& v, bool compact);
void write_bytes(ByteWriter& w, BytesView v, bool compact);
void write_nullable_bytes(ByteWriter& w, const std::optional<Bytes>& v, bool compact);
/// The record bytes may be left out as a splice when the writer collects them (Fetch answers).
void write_records(ByteWriter& w, const std::optional<BytesView>& v, bool compact);
void write_array_length(ByteWriter& w, std::optional<size_t> n, bool compact);
/// Writes the tagged-field section: `known` (already encoded) and `unknown`, by ascending tag.
void write_tagged_fields(ByteWriter& w, std::vector<TaggedField> known, const UnknownTags& unknown);

/// A field that must not be null in this version was null.
Error null_field(std::string_view field, int16_t version);
Error malformed(std::string_view what);
/// A version the codec does not implement.
Error unsupported_version(std::string_view message, int16_t version);

Status check_consumed(const ByteReader& r, std::string_view what);

template <class Known>
Status read_tagged_fields(ByteReader& r, UnknownTags& unknown, Known&& known) {
    ES_TRY(uint32_t count, r.read_unsigned_varint());
    if (count > r.remaining() / 2) return malformed("tagged field count beyond the bytes left");
    uint32_t previous = 0;
    for (uint32_t i = 0; i < count; ++i) {
        ES_TRY(uint32_t tag, r.read_unsigned_varint());
        ES_TRY(uint32_t size, r.read_unsigned_varint());
        if (i > 0 && tag <= previous) return malformed("tagged fields out of order");
        previous = tag;
        ES_TRY(BytesView data, r.read_bytes(size));
        ByteReader field(data);
        ES_TRY(bool handled, known(tag, field));
        if (handled) {
            ES_CHECK(check_consumed(field, "tagged field"));
        } else {
            unknown.push_back({tag, Bytes(data.begin(), data.end())});
        }
    }
    return {};
}

}  // namespace wire
}  // namespace es::kafka::protocol
