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
/// Key:   u8 format version (1), u8 kind (1 offset, 2 group, 3 txn_offset, 4 txn_end),
///        varint-length group id, for txn_offset and txn_end the i64 producer id, and for
///        offsets and txn_offsets the topic and an i32 partition.
/// Value: u8 format version (1), then for offsets and txn_offsets i64 offset, i32 leader epoch,
///        i64 commit time, optional metadata; for groups the protocol type and name, i32
///        generation and the members (id, instance id, client id, host, timeouts, metadata,
///        assignment); for txn_end nothing more.
/// Decoding checks every length against what is left, and refuses unknown versions and kinds.
struct EncodedGroupRecord {
    Bytes key;
    std::optional<Bytes> value;
};

EncodedGroupRecord encode_group_record(const GroupRecord& record);
Result<GroupRecord> decode_group_record(BytesView key, std::optional<BytesView> value);

}  // namespace es::broker
