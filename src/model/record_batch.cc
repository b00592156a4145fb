#include "model/record_batch.h"

#include "base/byte_reader.h"
#include "base/crc32c.h"
#include "base/errc.h"
#include "model/errc.h"

#include <string>

namespace es::model {

namespace L = batch_layout;

Result<size_t> RecordBatchView::frame_size(BytesView bytes) {
    if (bytes.size() < L::log_overhead) {
        return Error(es::Errc::truncated,
                     "record batch needs 12 bytes for offset and length, got " +
                         std::to_string(bytes.size()));
    }
    auto length = static_cast<int32_t>(load_be32(bytes.data() + L::batch_length));
    if (length < static_cast<int32_t>(L::header_size - L::log_overhead)) {
        return Error(Errc::invalid_batch,
                     "batch length " + std::to_string(length) + " is shorter than a v2 header");
    }
    return L::log_overhead + static_cast<size_t>(length);
}

Result<RecordBatchView> RecordBatchView::parse(BytesView bytes, bool verify_crc) {
    ES_TRY(size_t size, frame_size(bytes));
    if (bytes.size() < L::magic + 1) {
        return Error(es::Errc::truncated, "record batch header cut short");
    }
    // Magic first: older message formats have a different layout, so nothing else is meaningful.
    if (auto magic = static_cast<int8_t>(bytes[L::magic]); magic != 2) {
        return Error(Errc::unsupported_magic, "magic " + std::to_string(magic) + ", want 2");
    }
    if (size > bytes.size()) {
        return Error(es::Errc::truncated, "record batch of " + std::to_string(size) +
                                              " bytes with only " + std::to_string(bytes.size()) +
                                              " available");
    }
    RecordBatchView view(bytes.first(size));
    if (verify_crc) {
        uint32_t computed = view.computed_crc();
        if (computed != view.crc()) {
            return Error(Errc::corrupt_batch, "stored " + std::to_string(view.crc()) +
                                                  ", computed " + std::to_string(computed));
        }
    }
    if ((view.attributes() & batch_attributes::compression_mask) > 4) {
        return Error(Errc::unsupported_compression,
                     "codec id " + std::to_string(view.attributes() & 7));
    }
    if (view.last_offset_delta() < 0 || view.record_count() < 0 ||
        static_cast<int64_t>(view.record_count()) > int64_t{view.last_offset_delta()} + 1) {
        return Error(Errc::invalid_batch, "record count " + std::to_string(view.record_count()) +
                                              " with last offset delta " +
                                              std::to_string(view.last_offset_delta()));
    }
    if (view.base_offset().value() < 0) {
        return Error(Errc::invalid_batch,
                     "negative base offset " + std::to_string(view.base_offset().value()));
    }
    return view;
}

Offset RecordBatchView::base_offset() const {
    return Offset(static_cast<int64_t>(load_be64(bytes_.data() + L::base_offset)));
}
int32_t RecordBatchView::batch_length() const {
    return static_cast<int32_t>(load_be32(bytes_.data() + L::batch_length));
}
int32_t RecordBatchView::partition_leader_epoch() const {
    return static_cast<int32_t>(load_be32(bytes_.data() + L::partition_leader_epoch));
}
uint32_t RecordBatchView::crc() const { return load_be32(bytes_.data() + L::crc); }
int16_t RecordBatchView::attributes() const {
    return static_cast<int16_t>(load_be16(bytes_.data() + L::attributes));
}
int32_t RecordBatchView::last_offset_delta() const {
    return static_cast<int32_t>(load_be32(bytes_.data() + L::last_offset_delta));
}
int64_t RecordBatchView::first_timestamp() const {
    return static_cast<int64_t>(load_be64(bytes_.data() + L::first_timestamp));
}
int64_t RecordBatchView::max_timestamp() const {
    return static_cast<int64_t>(load_be64(bytes_.data() + L::max_timestamp));
}
ProducerId RecordBatchView::producer_id() const {
    return ProducerId(static_cast<int64_t>(load_be64(bytes_.data() + L::producer_id)));
}
ProducerEpoch RecordBatchView::producer_epoch() const {
    return ProducerEpoch(static_cast<int16_t>(load_be16(bytes_.data() + L::producer_epoch)));
}
int32_t RecordBatchView::base_sequence() const {
    return static_cast<int32_t>(load_be32(bytes_.data() + L::base_sequence));
}
int32_t RecordBatchView::record_count() const {
    return static_cast<int32_t>(load_be32(bytes_.data() + L::record_count));
}

uint32_t RecordBatchView::computed_crc() const {
    return crc32c::value(bytes_.subspan(L::attributes));
}

namespace {

Error bad_record(size_t index, const Error& cause) {
    return Error(Errc::invalid_record,
                 "record " + std::to_string(index) + ": " + cause.to_string());
}

Result<Record> decode_record(ByteReader& in) {
    ES_TRY(int32_t length, in.read_varint());
    ES_TRY(std::optional<size_t> n, in.check_length(length, /*nullable=*/false));
    ES_TRY(BytesView body, in.read_bytes(*n));
    ByteReader r(body);
    Record rec;
    ES_TRY(rec.attributes, r.read_i8());
    ES_TRY(rec.timestamp_delta, r.read_varlong());
    ES_TRY(rec.offset_delta, r.read_varint());
    ES_TRY(rec.key, r.read_varint_bytes());
    ES_TRY(rec.value, r.read_varint_bytes());
    ES_TRY(int32_t header_count, r.read_varint());
    // Each header takes at least two bytes, which bounds the count before we reserve for it.
    if (header_count < 0 || static_cast<size_t>(header_count) > r.remaining() / 2) {
        return Error(Errc::invalid_record, "header count " + std::to_string(header_count));
    }
    rec.headers.reserve(static_cast<size_t>(header_count));
    for (int32_t i = 0; i < header_count; ++i) {
        ES_TRY(std::optional<BytesView> key, r.read_varint_bytes());
        if (!key) return Error(Errc::invalid_record, "null header key");
        ES_TRY(std::optional<BytesView> value, r.read_varint_bytes());
        rec.headers.push_back({*key, value});
    }
    if (!r.empty()) {
        return Error(Errc::invalid_record, std::to_string(r.remaining()) +
                                               " bytes left after the last field of the record");
    }
    return rec;
}

}  // namespace

Result<RecordSet> RecordBatchView::records(size_t max_decompressed) const {
    RecordSet set;
    BytesView payload = records_section();
    if (compression() != Compression::none) {
        ES_TRY(set.decompressed_, decompress(compression(), payload, max_decompressed));
        payload = set.decompressed_;
    }
    int32_t count = record_count();
    // A record takes at least 7 bytes; a count beyond that is a lie we refuse to allocate for.
    if (static_cast<size_t>(count) > payload.size() / 7 + 1) {
        return Error(Errc::invalid_batch, "record count " + std::to_string(count) + " for " +
                                              std::to_string(payload.size()) + " bytes");
    }
    set.records_.reserve(static_cast<size_t>(count));
    ByteReader in(payload);
    for (int32_t i = 0; i < count; ++i) {
        auto rec = decode_record(in);
        if (!rec.ok()) return bad_record(static_cast<size_t>(i), rec.error());
        if (rec->offset_delta < 0 || rec->offset_delta > last_offset_delta() ||
            (!set.records_.empty() && rec->offset_delta <= set.records_.back().offset_delta)) {
            return Error(Errc::invalid_record, "record " + std::to_string(i) + ": offset delta " +
                                                   std::to_string(rec->offset_delta) +
                                                   " out of order or past the last offset delta");
        }
        set.records_.push_back(std::move(rec).value());
    }
    if (!in.empty()) {
        return Error(Errc::invalid_batch, std::to_string(in.remaining()) +
                                              " bytes left after the last of " +
                                              std::to_string(count) + " records");
    }
    return set;
}

namespace {

/// A zigzag varint of at most `max_bytes` bytes at `p` (before `end`), advancing `p`.
inline bool skip_varint(const uint8_t*& p, const uint8_t* end, int64_t& out, int max_bytes) {
    uint64_t raw = 0;
    for (int i = 0; i < max_bytes; ++i) {
        if (p == end) return false;
        uint8_t b = *p++;
        raw |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            out = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
            return true;
        }
    }
    return false;
}

/// Skips a varint-length byte string; `null_ok` allows length -1.
inline bool skip_bytes(const uint8_t*& p, const uint8_t* end, bool null_ok, bool* was_null) {
    int64_t n = 0;
    if (!skip_varint(p, end, n, 5)) return false;
    if (n < 0) {
        if (was_null) *was_null = true;
        return n == -1 && null_ok;
    }
    if (was_null) *was_null = false;
    if (n > end - p) return false;
    p += n;
    return true;
}

}  // namespace

bool RecordBatchView::records_are_sequential(size_t max_decompressed, bool keys_required) const {
    BytesView payload = records_section();
    Bytes scratch;
    if (compression() != Compression::none) {
        auto inflated = decompress(compression(), payload, max_decompressed);
        if (!inflated.ok()) return false;
        scratch = std::move(inflated).value();
        payload = scratch;
    }
    int32_t count = record_count();
    if (count < 1 || last_offset_delta() != count - 1) return false;
    const uint8_t* p = payload.data();
    const uint8_t* const end = p + payload.size();
    for (int32_t i = 0; i < count; ++i) {
        int64_t length = 0;
        if (!skip_varint(p, end, length, 5) || length < 0 || length > end - p) return false;
        const uint8_t* q = p;
        const uint8_t* const body_end = p + length;
        p = body_end;
        int64_t value = 0;
        if (q == body_end) return false;
        ++q;                                                                  // attributes
        if (!skip_varint(q, body_end, value, 10)) return false;               // timestamp delta
        if (!skip_varint(q, body_end, value, 5) || value != i) return false;  // offset delta
        bool key_null = false;
        if (!skip_bytes(q, body_end, true, &key_null) || (keys_required && key_null)) return false;
        if (!skip_bytes(q, body_end, true, nullptr)) return false;  // value
        int64_t headers = 0;
        if (!skip_varint(q, body_end, headers, 5) || headers < 0) return false;
        for (int64_t h = 0; h < headers; ++h) {
            if (!skip_bytes(q, body_end, false, nullptr)) return false;  // key, never null
            if (!skip_bytes(q, body_end, true, nullptr)) return false;
        }
        if (q != body_end) return false;
    }
    return p == end;
}

Result<ControlRecord> parse_control_record(const Record& record) {
    if (!record.key || !record.value) {
        return Error(Errc::invalid_record, "control record without key or value");
    }
    ByteReader key(*record.key);
    ControlRecord out;
    ES_TRY(out.version, key.read_i16());
    ES_TRY(int16_t type, key.read_i16());
    if (type != 0 && type != 1) {
        return Error(Errc::invalid_record, "control record type " + std::to_string(type));
    }
    out.type = static_cast<ControlRecord::Type>(type);
    ByteReader value(*record.value);
    ES_TRY(int16_t value_version, value.read_i16());
    (void)value_version;
    ES_TRY(out.coordinator_epoch, value.read_i32());
    return out;
}

void set_base_offset(MutableBytesView batch, Offset base) {
    store_be64(batch.data() + L::base_offset, static_cast<uint64_t>(base.value()));
}

void set_partition_leader_epoch(MutableBytesView batch, int32_t epoch) {
    store_be32(batch.data() + L::partition_leader_epoch, static_cast<uint32_t>(epoch));
}

void set_log_append_time(MutableBytesView batch, int64_t timestamp_ms) {
    auto attributes = static_cast<uint16_t>(load_be16(batch.data() + L::attributes));
    store_be16(batch.data() + L::attributes,
               static_cast<uint16_t>(attributes | batch_attributes::log_append_time));
    store_be64(batch.data() + L::max_timestamp, static_cast<uint64_t>(timestamp_ms));
    store_be32(batch.data() + L::crc, crc32c::value(BytesView(batch).subspan(L::attributes)));
}

RecordBatchBuilder::RecordBatchBuilder(Offset base_offset, BatchOptions options)
    : base_offset_(base_offset), options_(options) {}

RecordBatchBuilder& RecordBatchBuilder::add(const RecordSpec& record,
                                            std::optional<int32_t> offset_delta) {
    if (!first_timestamp_) first_timestamp_ = record.timestamp;
    max_timestamp_ = std::max(max_timestamp_, record.timestamp);
    int32_t delta = offset_delta.value_or(next_delta_);
    next_delta_ = delta + 1;

    Bytes body;
    ByteWriter w(body);
    w.write_i8(0);
    w.write_varlong(record.timestamp - *first_timestamp_);
    w.write_varint(delta);
    w.write_varint_bytes(record.key);
    w.write_varint_bytes(record.value);
    w.write_varint(static_cast<int32_t>(record.headers.size()));
    for (const auto& h : record.headers) {
        w.write_varint_bytes(h.key);
        w.write_varint_bytes(h.value);
    }
    ByteWriter out(records_);
    out.write_varint(static_cast<int32_t>(body.size()));
    out.write_bytes(body);
    ++count_;
    return *this;
}

Result<Bytes> RecordBatchBuilder::build() const {
    Bytes payload;
    BytesView records = records_;
    if (options_.compression != Compression::none) {
        ES_TRY(payload, compress(options_.compression, records_));
        records = payload;
    }
    int16_t attributes = static_cast<int16_t>(options_.compression);
    if (options_.timestamp_type == TimestampType::log_append_time) {
        attributes |= batch_attributes::log_append_time;
    }
    if (options_.transactional) attributes |= batch_attributes::transactional;
    if (options_.control) attributes |= batch_attributes::control;

    Bytes out;
    out.reserve(L::header_size + records.size());
    ByteWriter w(out);
    w.write_i64(base_offset_.value());
    size_t length_at = w.reserve(4);
    w.write_i32(options_.partition_leader_epoch);
    w.write_i8(2);
    size_t crc_at = w.reserve(4);
    w.write_i16(attributes);
    w.write_i32(last_offset_delta_.value_or(count_ == 0 ? 0 : next_delta_ - 1));
    w.write_i64(first_timestamp_.value_or(-1));
    w.write_i64(max_timestamp_);
    w.write_i64(options_.producer_id.value());
    w.write_i16(options_.producer_epoch.value());
    w.write_i32(options_.base_sequence);
    w.write_i32(static_cast<int32_t>(count_));
    w.write_bytes(records);
    w.patch_i32(length_at, static_cast<int32_t>(out.size() - L::log_overhead));
    w.patch_u32(crc_at, crc32c::value(BytesView(out).subspan(L::attributes)));
    return out;
}

Bytes make_control_batch(Offset base, ProducerId producer_id, ProducerEpoch epoch,
                         ControlRecord::Type type, int32_t coordinator_epoch,
                         int64_t timestamp_ms) {
    Bytes key;
    ByteWriter kw(key);
    kw.write_i16(0);
    kw.write_i16(static_cast<int16_t>(type));
    Bytes value;
    ByteWriter vw(value);
    vw.write_i16(0);
    vw.write_i32(coordinator_epoch);
    BatchOptions options;
    options.producer_id = producer_id;
    options.producer_epoch = epoch;
    options.transactional = true;
    options.control = true;
    RecordBatchBuilder builder(base, options);
    builder.add(BytesView(key), BytesView(value), timestamp_ms);
    // Uncompressed encoding cannot fail.
    return std::move(builder.build()).value();
}

}  // namespace es::model
