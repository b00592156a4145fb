#pragma once

#include "base/error.h"
#include "kafka/protocol/error_code.h"

namespace es::kafka::server {

/// The one place where edgestream's typed errors become Kafka error codes.
protocol::ErrorCode to_kafka(const Error& error);

/// For the transaction APIs: clients of a version from before KIP-588 (InitProducerId < 4,
/// AddPartitionsToTxn/AddOffsetsToTxn/EndTxn < 2, TxnOffsetCommit < 3... see each handler) know
/// PRODUCER_FENCED as INVALID_PRODUCER_EPOCH, as Kafka answers them.
protocol::ErrorCode to_kafka(const Error& error, bool producer_fenced_known);

}  // namespace es::kafka::server
