#include "broker/txn_records.h"

#include "base/byte_reader.h"
#include "base/errc.h"

namespace es::broker {

namespace {

constexpr uint8_t kFormat = 1;

void write_string(ByteWriter& w, const std::string& s) { w.write_varint_bytes(as_bytes(s)); }

Result<std::string> read_string(ByteReader& r) {
    ES_TRY(std::optional<BytesView> b, r.read_varint_bytes());
    if (!b) return Error(Errc::invalid_length, "null where a string is required");
    return std::string(b->begin(), b->end());
}

Status read_format(ByteReader& r, const char* what) {
    ES_TRY(uint8_t format, r.read_u8());
    if (format != kFormat) {
        return Error(Errc::invalid_argument, std::string("transaction record ") + what +
                                                 " format " + std::to_string(format) + ", want 1");
    }
    return {};
}

/// A count read from the record, refused when the remaining bytes could not hold that many
/// entries of at least `min_size` bytes: a hostile count allocates nothing.
Result<size_t> read_count(ByteReader& r, size_t min_size, const char* what) {
    ES_TRY(int32_t count, r.read_varint());
    if (count < 0 || static_cast<size_t>(count) > r.remaining() / min_size) {
        return Error(Errc::invalid_length, std::string(what) + " count " + std::to_string(count));
    }
    return static_cast<size_t>(count);
}

}  // namespace

KeyValue encode_txn_tombstone(const std::string& transactional_id) {
    KeyValue out;
    ByteWriter key(out.key);
    key.write_u8(kFormat);
    write_string(key, transactional_id);
    return out;
}

KeyValue encode_txn_record(const TxnMetadata& m) {
    KeyValue out = encode_txn_tombstone(m.transactional_id);
    ByteWriter value(out.value.emplace());
    value.write_u8(kFormat);
    value.write_i64(m.producer_id.value());
    value.write_i16(m.producer_epoch.value());
    value.write_i64(m.last_producer_id.value());
    value.write_i32(m.timeout_ms);
    value.write_u8(static_cast<uint8_t>(m.state));
    value.write_i64(m.start_ms);
    value.write_i64(m.update_ms);
    value.write_varint(static_cast<int32_t>(m.partitions.size()));
    for (const auto& tp : m.partitions) {
        write_string(value, tp.topic);
        value.write_i32(tp.partition.value());
    }
    value.write_varint(static_cast<int32_t>(m.groups.size()));
    for (const auto& g : m.groups) write_string(value, g);
    return out;
}

Result<DecodedTxnRecord> decode_txn_record(BytesView key_bytes,
                                           std::optional<BytesView> value_bytes) {
    DecodedTxnRecord out;
    ByteReader key(key_bytes);
    ES_CHECK(read_format(key, "key"));
    ES_TRY(out.transactional_id, read_string(key));
    if (!key.empty()) return Error(Errc::invalid_length, "bytes after the transaction record key");
    if (out.transactional_id.empty()) {
        return Error(Errc::invalid_argument, "transaction record with an empty transactional id");
    }
    if (!value_bytes) return out;

    ByteReader value(*value_bytes);
    ES_CHECK(read_format(value, "value"));
    TxnMetadata& m = out.metadata.emplace();
    m.transactional_id = out.transactional_id;
    ES_TRY(int64_t producer_id, value.read_i64());
    ES_TRY(int16_t epoch, value.read_i16());
    ES_TRY(int64_t last_producer_id, value.read_i64());
    ES_TRY(m.timeout_ms, value.read_i32());
    ES_TRY(uint8_t state, value.read_u8());
    ES_TRY(m.start_ms, value.read_i64());
    ES_TRY(m.update_ms, value.read_i64());
    if (producer_id < 0 || epoch < 0 || last_producer_id < -1 || m.timeout_ms <= 0 ||
        state > static_cast<uint8_t>(TxnState::dead)) {
        return Error(Errc::invalid_argument,
                     "transaction record for '" + m.transactional_id + "' is out of range");
    }
    m.producer_id = model::ProducerId(producer_id);
    m.producer_epoch = model::ProducerEpoch(epoch);
    m.last_producer_id = model::ProducerId(last_producer_id);
    m.state = static_cast<TxnState>(state);
    // A partition takes at least 5 bytes (a length and an i32), a group 1.
    ES_TRY(size_t partitions, read_count(value, 5, "partition"));
    for (size_t i = 0; i < partitions; ++i) {
        model::TopicPartition& tp = m.partitions.emplace_back();
        ES_TRY(tp.topic, read_string(value));
        ES_TRY(int32_t index, value.read_i32());
        if (index < 0) return Error(Errc::invalid_argument, "negative partition");
        tp.partition = model::PartitionId(index);
    }
    ES_TRY(size_t groups, read_count(value, 1, "group"));
    for (size_t i = 0; i < groups; ++i) {
        ES_TRY(std::string group, read_string(value));
        m.groups.push_back(std::move(group));
    }
    if (!value.empty()) {
        return Error(Errc::invalid_length, "bytes after the transaction record value");
    }
    return out;
}

}  // namespace es::broker
