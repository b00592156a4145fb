#pragma once

#include <cstdint>

namespace es::kafka::protocol {

/// Kafka's error codes, as the protocol guide numbers them. Only the codes this broker sends.
enum class ErrorCode : int16_t {
    unknown_server_error = -1,
    none = 0,
    offset_out_of_range = 1,
    corrupt_message = 2,
    unknown_topic_or_partition = 3,
    not_leader_or_follower = 6,
    request_timed_out = 7,
    message_too_large = 10,
    coordinator_load_in_progress = 14,
    coordinator_not_available = 15,
    invalid_topic_exception = 17,
    invalid_required_acks = 21,
    illegal_generation = 22,
    inconsistent_group_protocol = 23,
    invalid_group_id = 24,
    unknown_member_id = 25,
    invalid_session_timeout = 26,
    rebalance_in_progress = 27,
    invalid_timestamp = 32,
    unsupported_version = 35,
    topic_already_exists = 36,
    invalid_partitions = 37,
    invalid_replication_factor = 38,
    invalid_replica_assignment = 39,
    invalid_config = 40,
    invalid_request = 42,
    policy_violation = 44,
    out_of_order_sequence_number = 45,
    invalid_producer_epoch = 47,
    invalid_txn_state = 48,
    invalid_producer_id_mapping = 49,
    invalid_transaction_timeout = 50,
    concurrent_transactions = 51,
    operation_not_attempted = 55,
    kafka_storage_error = 56,
    unknown_producer_id = 59,
    non_empty_group = 68,
    group_id_not_found = 69,
    fetch_session_id_not_found = 70,
    member_id_required = 79,
    group_max_size_reached = 81,
    fenced_instance_id = 82,
    group_subscribed_to_topic = 86,
    invalid_record = 87,
    unstable_offset_commit = 88,
    producer_fenced = 90,
    unknown_topic_id = 100,
    transactional_id_not_found = 105,
};

constexpr int16_t code(ErrorCode e) { return static_cast<int16_t>(e); }

}  // namespace es::kafka::protocol
