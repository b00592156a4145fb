#pragma once

#include "kafka/protocol/generated/add_offsets_to_txn.h"
#include "kafka/protocol/generated/add_partitions_to_txn.h"
#include "kafka/protocol/generated/describe_transactions.h"
#include "kafka/protocol/generated/end_txn.h"
#include "kafka/protocol/generated/list_transactions.h"
#include "kafka/protocol/generated/txn_offset_commit.h"
#include "kafka/protocol/generated/write_txn_markers.h"

#include <tuple>

// Field-by-field equality for the generated structs of the transaction APIs (issue #5), which
// have none of their own. As in codec_groups_equality.h it lives in the structs' namespace so
// that argument-dependent lookup finds it inside std::vector's operator==. Unknown tagged fields
// are not compared (these tests have none).
namespace es::kafka::protocol {

#define ES_FIELDWISE_EQ(Type, ...)                                         \
    inline bool operator==(const Type& a, const Type& b) {                 \
        auto fields = [](const Type& x) { return std::tie(__VA_ARGS__); }; \
        return fields(a) == fields(b);                                     \
    }

ES_FIELDWISE_EQ(AddPartitionsToTxnRequest::AddPartitionsToTxnTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(AddPartitionsToTxnRequest, x.transactional_id, x.producer_id, x.producer_epoch,
                x.topics)
ES_FIELDWISE_EQ(
    AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult::AddPartitionsToTxnPartitionResult,
    x.partition_index, x.error_code)
ES_FIELDWISE_EQ(AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult, x.name, x.results)
ES_FIELDWISE_EQ(AddPartitionsToTxnResponse, x.throttle_time_ms, x.results)

ES_FIELDWISE_EQ(AddOffsetsToTxnRequest, x.transactional_id, x.producer_id, x.producer_epoch,
                x.group_id)
ES_FIELDWISE_EQ(AddOffsetsToTxnResponse, x.throttle_time_ms, x.error_code)

ES_FIELDWISE_EQ(EndTxnRequest, x.transactional_id, x.producer_id, x.producer_epoch, x.committed)
ES_FIELDWISE_EQ(EndTxnResponse, x.throttle_time_ms, x.error_code)

ES_FIELDWISE_EQ(WriteTxnMarkersRequest::WritableTxnMarker::WritableTxnMarkerTopic, x.name,
                x.partition_indexes)
ES_FIELDWISE_EQ(WriteTxnMarkersRequest::WritableTxnMarker, x.producer_id, x.producer_epoch,
                x.transaction_result, x.topics, x.coordinator_epoch)
ES_FIELDWISE_EQ(WriteTxnMarkersRequest, x.markers)
ES_FIELDWISE_EQ(WriteTxnMarkersResponse::WritableTxnMarkerResult::WritableTxnMarkerTopicResult::
                    WritableTxnMarkerPartitionResult,
                x.partition_index, x.error_code)
ES_FIELDWISE_EQ(WriteTxnMarkersResponse::WritableTxnMarkerResult::WritableTxnMarkerTopicResult,
                x.name, x.partitions)
ES_FIELDWISE_EQ(WriteTxnMarkersResponse::WritableTxnMarkerResult, x.producer_id, x.topics)
ES_FIELDWISE_EQ(WriteTxnMarkersResponse, x.markers)

ES_FIELDWISE_EQ(
    TxnOffsetCommitRequest::TxnOffsetCommitRequestTopic::TxnOffsetCommitRequestPartition,
    x.partition_index, x.committed_offset, x.committed_leader_epoch, x.committed_metadata)
ES_FIELDWISE_EQ(TxnOffsetCommitRequest::TxnOffsetCommitRequestTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(TxnOffsetCommitRequest, x.transactional_id, x.group_id, x.producer_id,
                x.producer_epoch, x.generation_id, x.member_id, x.group_instance_id, x.topics)
ES_FIELDWISE_EQ(
    TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic::TxnOffsetCommitResponsePartition,
    x.partition_index, x.error_code)
ES_FIELDWISE_EQ(TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(TxnOffsetCommitResponse, x.throttle_time_ms, x.topics)

ES_FIELDWISE_EQ(DescribeTransactionsRequest, x.transactional_ids)
ES_FIELDWISE_EQ(DescribeTransactionsResponse::TransactionState::TopicData, x.topic, x.partitions)
ES_FIELDWISE_EQ(DescribeTransactionsResponse::TransactionState, x.error_code, x.transactional_id,
                x.transaction_state, x.transaction_timeout_ms, x.transaction_start_time_ms,
                x.producer_id, x.producer_epoch, x.topics)
ES_FIELDWISE_EQ(DescribeTransactionsResponse, x.throttle_time_ms, x.transaction_states)

ES_FIELDWISE_EQ(ListTransactionsRequest, x.state_filters, x.producer_id_filters)
ES_FIELDWISE_EQ(ListTransactionsResponse::TransactionState, x.transactional_id, x.producer_id,
                x.transaction_state)
ES_FIELDWISE_EQ(ListTransactionsResponse, x.throttle_time_ms, x.error_code, x.unknown_state_filters,
                x.transaction_states)

#undef ES_FIELDWISE_EQ

}  // namespace es::kafka::protocol
