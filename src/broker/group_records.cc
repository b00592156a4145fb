#include "broker/group_records.h"

#include "base/byte_reader.h"
#include "base/errc.h"

#include <string>

namespace es::broker {

namespace {

constexpr uint8_t kFormat = 1;

void write_string(ByteWriter& w, const std::string& s) { w.write_varint_bytes(as_bytes(s)); }

void write_optional_string(ByteWriter& w, const std::optional<std::string>& s) {
    w.write_varint_bytes(s ? std::optional<BytesView>(as_bytes(*s)) : std::nullopt);
}

void write_blob(ByteWriter& w, const Bytes& b) { w.write_varint_bytes(BytesView(b)); }

Result<std::optional<std::string>> read_optional_string(ByteReader& r) {
    ES_TRY(std::optional<BytesView> b, r.read_varint_bytes());
    if (!b) return std::optional<std::string>();
    return std::optional<std::string>(std::string(b->begin(), b->end()));
}

Result<std::string> read_string(ByteReader& r) {
    ES_TRY(std::optional<std::string> s, read_optional_string(r));
    if (!s) return Error(Errc::invalid_length, "null where a string is required");
    return *s;
}

Result<Bytes> read_blob(ByteReader& r) {
    ES_TRY(std::optional<BytesView> b, r.read_varint_bytes());
    if (!b) return Error(Errc::invalid_length, "null where bytes are required");
    return Bytes(b->begin(), b->end());
}

Status expect_end(const ByteReader& r, const char* what) {
    if (!r.empty()) {
        return Error(Errc::invalid_length,
                     std::to_string(r.remaining()) + " bytes after the " + what);
    }
    return {};
}

}  // namespace

EncodedGroupRecord encode_group_record(const GroupRecord& record) {
    EncodedGroupRecord out;
    ByteWriter key(out.key);
    key.write_u8(kFormat);
    key.write_u8(static_cast<uint8_t>(record.kind));
    write_string(key, record.group_id);
    if (record.kind == GroupRecord::Kind::txn_offset || record.kind == GroupRecord::Kind::txn_end) {
        key.write_i64(record.producer_id.value());
    }
    if (record.kind == GroupRecord::Kind::txn_end) {
        ByteWriter value(out.value.emplace());
        value.write_u8(kFormat);
        return out;
    }
    if (record.kind == GroupRecord::Kind::offset || record.kind == GroupRecord::Kind::txn_offset) {
        write_string(key, record.tp.topic);
        key.write_i32(record.tp.partition.value());
        if (!record.offset) return out;
        ByteWriter value(out.value.emplace());
        value.write_u8(kFormat);
        value.write_i64(record.offset->offset);
        value.write_i32(record.offset->leader_epoch);
        value.write_i64(record.offset->commit_timestamp_ms);
        write_optional_string(value, record.offset->metadata);
        return out;
    }
    if (!record.group) return out;
    const GroupDescription& g = *record.group;
    ByteWriter value(out.value.emplace());
    value.write_u8(kFormat);
    write_string(value, g.protocol_type);
    write_string(value, g.protocol_name);
    value.write_i32(g.generation_id);
    value.write_varint(static_cast<int32_t>(g.members.size()));
    for (const auto& m : g.members) {
        write_string(value, m.member_id);
        write_optional_string(value, m.group_instance_id);
        write_string(value, m.client_id);
        write_string(value, m.client_host);
        value.write_i32(m.session_timeout_ms);
        value.write_i32(m.rebalance_timeout_ms);
        write_blob(value, m.metadata);
        write_blob(value, m.assignment);
    }
    return out;
}

Result<GroupRecord> decode_group_record(BytesView key_bytes, std::optional<BytesView> value_bytes) {
    GroupRecord record;
    ByteReader key(key_bytes);
    ES_TRY(uint8_t key_format, key.read_u8());
    if (key_format != kFormat) {
        return Error(Errc::invalid_argument,
                     "group record key format " + std::to_string(key_format) + ", want 1");
    }
    ES_TRY(uint8_t kind, key.read_u8());
    if (kind < static_cast<uint8_t>(GroupRecord::Kind::offset) ||
        kind > static_cast<uint8_t>(GroupRecord::Kind::txn_end)) {
        return Error(Errc::invalid_argument, "group record kind " + std::to_string(kind));
    }
    record.kind = static_cast<GroupRecord::Kind>(kind);
    ES_TRY(record.group_id, read_string(key));
    bool transactional =
        record.kind == GroupRecord::Kind::txn_offset || record.kind == GroupRecord::Kind::txn_end;
    bool has_offset =
        record.kind == GroupRecord::Kind::offset || record.kind == GroupRecord::Kind::txn_offset;
    if (transactional) {
        ES_TRY(int64_t producer_id, key.read_i64());
        record.producer_id = model::ProducerId(producer_id);
    }
    if (has_offset) {
        ES_TRY(record.tp.topic, read_string(key));
        ES_TRY(int32_t partition, key.read_i32());
        record.tp.partition = model::PartitionId(partition);
    }
    ES_CHECK(expect_end(key, "key"));
    if (!value_bytes) return record;  // a tombstone

    ByteReader value(*value_bytes);
    ES_TRY(uint8_t value_format, value.read_u8());
    if (value_format != kFormat) {
        return Error(Errc::invalid_argument,
                     "group record value format " + std::to_string(value_format) + ", want 1");
    }
    if (record.kind == GroupRecord::Kind::txn_end) {
        // No fields: the value only tells it from a tombstone.
    } else if (has_offset) {
        CommittedOffset& o = record.offset.emplace();
        o.tp = record.tp;
        ES_TRY(o.offset, value.read_i64());
        ES_TRY(o.leader_epoch, value.read_i32());
        ES_TRY(o.commit_timestamp_ms, value.read_i64());
        ES_TRY(o.metadata, read_optional_string(value));
    } else {
        GroupDescription& g = record.group.emplace();
        g.group_id = record.group_id;
        ES_TRY(g.protocol_type, read_string(value));
        ES_TRY(g.protocol_name, read_string(value));
        ES_TRY(g.generation_id, value.read_i32());
        ES_TRY(int32_t count, value.read_varint());
        // A member takes at least 14 bytes (six length prefixes and two i32): a hostile count
        // cannot make us allocate more than the value could hold.
        if (count < 0 || static_cast<size_t>(count) > value.remaining() / 14) {
            return Error(Errc::invalid_length, "member count " + std::to_string(count));
        }
        for (int32_t i = 0; i < count; ++i) {
            GroupMemberDescription& m = g.members.emplace_back();
            ES_TRY(m.member_id, read_string(value));
            ES_TRY(m.group_instance_id, read_optional_string(value));
            ES_TRY(m.client_id, read_string(value));
            ES_TRY(m.client_host, read_string(value));
            ES_TRY(m.session_timeout_ms, value.read_i32());
            ES_TRY(m.rebalance_timeout_ms, value.read_i32());
            ES_TRY(m.metadata, read_blob(value));
            ES_TRY(m.assignment, read_blob(value));
        }
        g.state = g.members.empty() ? GroupState::empty : GroupState::stable;
    }
    ES_CHECK(expect_end(value, "value"));
    return record;
}

}  // namespace es::broker
