#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "broker/internal_topic.h"
#include "broker/txn_coordinator.h"

#include <optional>
#include <string>

namespace es::broker {

/// How TxnMetadata is stored in __transaction_state: keyed by transactional id, so compaction
/// keeps the latest state of each; a null value (tombstone) forgets an expired id.
///
/// Key:   u8 format version (1), varint-length transactional id.
/// Value: u8 format version (1), i64 producer id, i16 epoch, i64 last producer id, i32 timeout,
///        u8 state, i64 start time, i64 update time, varint count of partitions then each
///        topic and i32 partition, varint count of groups then each group id.
/// Decoding checks every length against what is left, and refuses unknown versions, states
/// and out-of-range values.
KeyValue encode_txn_record(const TxnMetadata& metadata);
KeyValue encode_txn_tombstone(const std::string& transactional_id);

struct DecodedTxnRecord {
    std::string transactional_id;
    std::optional<TxnMetadata> metadata;  // nullopt: a tombstone
};
Result<DecodedTxnRecord> decode_txn_record(BytesView key, std::optional<BytesView> value);

}  // namespace es::broker
