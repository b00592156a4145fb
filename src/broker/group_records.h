#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "broker/group_coordinator.h"

#include <optional>

namespace es::broker {

/// How GroupRecords are stored as Kafka records in __consumer_offsets: the key names what the
/// record is about (a group's committed offset for one partition, or a group's state), so that
/// compaction keeps the latest of each; a null value is a tombstone.
///
/// Key:   u8 format version (1), u8 kind (1 offset, 2 group), varint-length group id,
///        and for offsets the topic and an i32 partition.
/// Value: u8 format version (1), then for offsets i64 offset, i32 leader epoch, i64 commit
///        time, optional metadata; for groups the protocol type and name, i32 generation and
///        the members (id, instance id, client id, host, timeouts, metadata, assignment).
/// Decoding checks every length against what is left, and refuses unknown versions and kinds.
struct EncodedGroupRecord {
    Bytes key;
    std::optional<Bytes> value;
};

EncodedGroupRecord encode_group_record(const GroupRecord& record);
Result<GroupRecord> decode_group_record(BytesView key, std::optional<BytesView> value);

}  // namespace es::broker
