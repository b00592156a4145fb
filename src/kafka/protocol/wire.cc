#include "kafka/protocol/wire.h"

#include "kafka/protocol/errc.h"

#include <algorithm>
#include <cstring>

namespace es::kafka::protocol::wire {

Error null_field(std::string_view field, int16_t version) {
    std::string message(field);
    if (version >= 0) message += " is null in version " + std::to_string(version);
    return Error(Errc::malformed, std::move(message));
}

Error malformed(std::string_view what) { return Error(Errc::malformed, std::string(what)); }

Error unsupported_version(std::string_view message, int16_t version) {
    return Error(Errc::unsupported_version,
                 std::string(message) + " version " + std::to_string(version));
}

Status check_consumed(const ByteReader& r, std::string_view what) {
    if (!r.empty()) {
        return Error(Errc::malformed,
                     std::to_string(r.remaining()) + " bytes left after " + std::string(what));
    }
    return {};
}

Result<bool> read_bool(ByteReader& r) {
    ES_TRY(int8_t v, r.read_i8());
    return v != 0;
}

Result<Uuid> read_uuid(ByteReader& r) {
    ES_TRY(BytesView b, r.read_bytes(16));
    Uuid u;
    std::memcpy(u.bytes.data(), b.data(), 16);
    return u;
}

namespace {

/// Reads a length in either encoding; nullopt means null (-1 classic, 0 compact).
Result<std::optional<size_t>> read_length(ByteReader& r, bool compact, bool int16_length,
                                          size_t limit) {
    int64_t length;
    if (compact) {
        ES_TRY(uint32_t n, r.read_unsigned_varint());
        length = static_cast<int64_t>(n) - 1;
    } else if (int16_length) {
        ES_TRY(int16_t n, r.read_i16());
        length = n;
    } else {
        ES_TRY(int32_t n, r.read_i32());
        length = n;
    }
    return r.check_length(length, /*nullable=*/true, limit);
}

}  // namespace

Result<std::optional<std::string>> read_nullable_string(ByteReader& r, bool compact) {
    ES_TRY(std::optional<size_t> n, read_length(r, compact, /*int16_length=*/true, SIZE_MAX));
    if (!n) return std::optional<std::string>{};
    ES_TRY(BytesView b, r.read_bytes(*n));
    return std::optional<std::string>(std::string(as_string_view(b)));
}

Result<std::string> read_string(ByteReader& r, bool compact) {
    ES_TRY(std::optional<std::string> s, read_nullable_string(r, compact));
    if (!s) return null_field("string", -1);
    return std::move(*s);
}

Result<std::optional<Bytes>> read_nullable_bytes(ByteReader& r, bool compact) {
    ES_TRY(std::optional<size_t> n, read_length(r, compact, /*int16_length=*/false, SIZE_MAX));
    if (!n) return std::optional<Bytes>{};
    ES_TRY(BytesView b, r.read_bytes(*n));
    return std::optional<Bytes>(Bytes(b.begin(), b.end()));
}

Result<Bytes> read_bytes(ByteReader& r, bool compact) {
    ES_TRY(std::optional<Bytes> b, read_nullable_bytes(r, compact));
    if (!b) return null_field("bytes", -1);
    return std::move(*b);
}

Result<std::optional<BytesView>> read_records(ByteReader& r, bool compact) {
    ES_TRY(std::optional<size_t> n, read_length(r, compact, /*int16_length=*/false, SIZE_MAX));
    if (!n) return std::optional<BytesView>{};
    ES_TRY(BytesView b, r.read_bytes(*n));
    return std::optional<BytesView>(b);
}

Result<std::optional<size_t>> read_array_length(ByteReader& r, bool compact,
                                                size_t min_element_size) {
    ES_TRY(std::optional<size_t> n, read_length(r, compact, /*int16_length=*/false, SIZE_MAX / 16));
    if (n && *n > r.remaining() / std::max<size_t>(min_element_size, 1)) {
        return Error(Errc::malformed, "array of " + std::to_string(*n) + " elements in " +
                                          std::to_string(r.remaining()) + " bytes");
    }
    return n;
}

void write_bool(ByteWriter& w, bool v) { w.write_i8(v ? 1 : 0); }

void write_uuid(ByteWriter& w, const Uuid& v) { w.write_bytes(v.bytes); }

namespace {
void write_length(ByteWriter& w, std::optional<size_t> n, bool compact, bool int16_length) {
    if (compact) {
        w.write_unsigned_varint(n ? static_cast<uint32_t>(*n + 1) : 0);
    } else if (int16_length) {
        w.write_i16(n ? static_cast<int16_t>(*n) : int16_t{-1});
    } else {
        w.write_i32(n ? static_cast<int32_t>(*n) : -1);
    }
}
}  // namespace

void write_string(ByteWriter& w, std::string_view v, bool compact) {
    write_length(w, v.size(), compact, /*int16_length=*/true);
    w.write_bytes(as_bytes(v));
}

void write_nullable_string(ByteWriter& w, const std::optional<std::string>& v, bool compact) {
    if (!v) {
        write_length(w, std::nullopt, compact, true);
        return;
    }
    write_string(w, *v, compact);
}

void write_bytes(ByteWriter& w, BytesView v, bool compact) {
    write_length(w, v.size(), compact, /*int16_length=*/false);
    w.write_bytes(v);
}

void write_nullable_bytes(ByteWriter& w, const std::optional<Bytes>& v, bool compact) {
    if (!v) {
        write_length(w, std::nullopt, compact, false);
        return;
    }
    write_bytes(w, *v, compact);
}

void write_records(ByteWriter& w, const std::optional<BytesView>& v, bool compact) {
    if (!v) {
        write_length(w, std::nullopt, compact, false);
        return;
    }
    write_length(w, v->size(), compact, /*int16_length=*/false);
    w.write_spliceable(*v);
}

void write_array_length(ByteWriter& w, std::optional<size_t> n, bool compact) {
    write_length(w, n, compact, /*int16_length=*/false);
}

void write_tagged_fields(ByteWriter& w, std::vector<TaggedField> known,
                         const UnknownTags& unknown) {
    if (known.empty() && unknown.empty()) {
        w.write_unsigned_varint(0);
        return;
    }
    known.insert(known.end(), unknown.begin(), unknown.end());
    std::sort(known.begin(), known.end(),
              [](const TaggedField& a, const TaggedField& b) { return a.tag < b.tag; });
    w.write_unsigned_varint(static_cast<uint32_t>(known.size()));
    for (const auto& t : known) {
        w.write_unsigned_varint(t.tag);
        w.write_unsigned_varint(static_cast<uint32_t>(t.data.size()));
        w.write_bytes(t.data);
    }
}

}  // namespace es::kafka::protocol::wire
