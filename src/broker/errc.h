#pragma once

#include <system_error>

namespace es::broker {

/// Errors of broker/. Each maps to exactly one Kafka error code in kafka/server/error_mapping.cc.
enum class Errc {
    unknown_topic_or_partition = 1,
    unknown_topic_id,
    topic_already_exists,
    invalid_topic,  // name rules, internal topics
    invalid_partitions,
    invalid_replication_factor,
    invalid_config,
    invalid_request,
    message_too_large,
    corrupt_message,  // CRC mismatch
    invalid_record,   // not magic 2, records that do not decode
    invalid_timestamp,
    offset_out_of_range,
    request_timed_out,
    kafka_storage_error,     // the log failed (I/O error)
    not_leader_or_follower,  // the partition is being created or deleted
    policy_violation,
    invalid_required_acks,
    unsupported_version,
    shutting_down,
    // Idempotent producers (producer_state.h).
    out_of_order_sequence,   // a gap, or a retry older than the five batches remembered
    invalid_producer_epoch,  // a produce with an epoch older than the partition has seen
    unknown_producer_id,     // not sent by the produce path since KIP-360 (Kafka 2.5)
    producer_fenced,         // a newer producer (epoch) owns the transactional id
};

const std::error_category& broker_category();
std::error_code make_error_code(Errc e);

}  // namespace es::broker

template <>
struct std::is_error_code_enum<es::broker::Errc> : std::true_type {};
