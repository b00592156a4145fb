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
    invalid_topic_exception = 17,
    invalid_required_acks = 21,
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
    kafka_storage_error = 56,
    unknown_producer_id = 59,
    fetch_session_id_not_found = 70,
    invalid_record = 87,
    producer_fenced = 90,
    unknown_topic_id = 100,
};

constexpr int16_t code(ErrorCode e) { return static_cast<int16_t>(e); }

}  // namespace es::kafka::protocol
