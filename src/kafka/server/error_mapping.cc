#include "kafka/server/error_mapping.h"

#include "base/error_category.h"
#include "broker/errc.h"
#include "broker/group_errc.h"
#include "broker/txn_errc.h"
#include "kafka/server/errc.h"

#include <string>

namespace es::kafka::server {

using protocol::ErrorCode;

namespace {

// No default: a new broker::Errc that is not mapped here fails the build (-Wswitch -Werror).
ErrorCode map(broker::Errc e) {
    switch (e) {
        case broker::Errc::unknown_topic_or_partition:
            return ErrorCode::unknown_topic_or_partition;
        case broker::Errc::unknown_topic_id:
            return ErrorCode::unknown_topic_id;
        case broker::Errc::topic_already_exists:
            return ErrorCode::topic_already_exists;
        case broker::Errc::invalid_topic:
            return ErrorCode::invalid_topic_exception;
        case broker::Errc::invalid_partitions:
            return ErrorCode::invalid_partitions;
        case broker::Errc::invalid_replication_factor:
            return ErrorCode::invalid_replication_factor;
        case broker::Errc::invalid_config:
            return ErrorCode::invalid_config;
        case broker::Errc::invalid_request:
            return ErrorCode::invalid_request;
        case broker::Errc::message_too_large:
            return ErrorCode::message_too_large;
        case broker::Errc::corrupt_message:
            return ErrorCode::corrupt_message;
        case broker::Errc::invalid_record:
            return ErrorCode::invalid_record;
        case broker::Errc::invalid_timestamp:
            return ErrorCode::invalid_timestamp;
        case broker::Errc::offset_out_of_range:
            return ErrorCode::offset_out_of_range;
        case broker::Errc::request_timed_out:
            return ErrorCode::request_timed_out;
        case broker::Errc::kafka_storage_error:
            return ErrorCode::kafka_storage_error;
        case broker::Errc::not_leader_or_follower:
            return ErrorCode::not_leader_or_follower;
        case broker::Errc::policy_violation:
            return ErrorCode::policy_violation;
        case broker::Errc::invalid_required_acks:
            return ErrorCode::invalid_required_acks;
        case broker::Errc::unsupported_version:
            return ErrorCode::unsupported_version;
        case broker::Errc::shutting_down:
            return ErrorCode::not_leader_or_follower;
        case broker::Errc::out_of_order_sequence:
            return ErrorCode::out_of_order_sequence_number;
        case broker::Errc::invalid_producer_epoch:
            return ErrorCode::invalid_producer_epoch;
        case broker::Errc::unknown_producer_id:
            return ErrorCode::unknown_producer_id;
        case broker::Errc::producer_fenced:
            return ErrorCode::producer_fenced;
    }
    return ErrorCode::unknown_server_error;
}

// No default here either.
ErrorCode map(broker::GroupErrc e) {
    using broker::GroupErrc;
    switch (e) {
        case GroupErrc::invalid_group_id:
            return ErrorCode::invalid_group_id;
        case GroupErrc::unknown_member_id:
            return ErrorCode::unknown_member_id;
        case GroupErrc::illegal_generation:
            return ErrorCode::illegal_generation;
        case GroupErrc::inconsistent_group_protocol:
            return ErrorCode::inconsistent_group_protocol;
        case GroupErrc::invalid_session_timeout:
            return ErrorCode::invalid_session_timeout;
        case GroupErrc::rebalance_in_progress:
            return ErrorCode::rebalance_in_progress;
        case GroupErrc::member_id_required:
            return ErrorCode::member_id_required;
        case GroupErrc::fenced_instance_id:
            return ErrorCode::fenced_instance_id;
        case GroupErrc::group_id_not_found:
            return ErrorCode::group_id_not_found;
        case GroupErrc::non_empty_group:
            return ErrorCode::non_empty_group;
        case GroupErrc::group_subscribed_to_topic:
            return ErrorCode::group_subscribed_to_topic;
        case GroupErrc::group_max_size_reached:
            return ErrorCode::group_max_size_reached;
        case GroupErrc::coordinator_load_in_progress:
            return ErrorCode::coordinator_load_in_progress;
    }
    return ErrorCode::unknown_server_error;
}

// Nor here.
ErrorCode map(broker::TxnErrc e) {
    using broker::TxnErrc;
    switch (e) {
        case TxnErrc::invalid_producer_id_mapping:
            return ErrorCode::invalid_producer_id_mapping;
        case TxnErrc::invalid_txn_state:
            return ErrorCode::invalid_txn_state;
        case TxnErrc::concurrent_transactions:
            return ErrorCode::concurrent_transactions;
        case TxnErrc::invalid_transaction_timeout:
            return ErrorCode::invalid_transaction_timeout;
        case TxnErrc::transactional_id_not_found:
            return ErrorCode::transactional_id_not_found;
        case TxnErrc::operation_not_attempted:
            return ErrorCode::operation_not_attempted;
        case TxnErrc::coordinator_load_in_progress:
            return ErrorCode::coordinator_load_in_progress;
    }
    return ErrorCode::unknown_server_error;
}

// Nor here.
ErrorCode map(Errc e) {
    switch (e) {
        case Errc::invalid_replica_assignment:
            return ErrorCode::invalid_replica_assignment;
    }
    return ErrorCode::unknown_server_error;
}

const char* describe(Errc e) {
    switch (e) {
        case Errc::invalid_replica_assignment:
            return "invalid replica assignment";
    }
    return nullptr;
}

}  // namespace

const std::error_category& server_category() {
    static const EnumErrorCategory<Errc> category("kafka-server", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), server_category()}; }

ErrorCode to_kafka(const Error& error) {
    if (error.code().category() == broker::broker_category()) {
        return map(static_cast<broker::Errc>(error.code().value()));
    }
    if (error.code().category() == broker::group_category()) {
        return map(static_cast<broker::GroupErrc>(error.code().value()));
    }
    if (error.code().category() == broker::txn_category()) {
        return map(static_cast<broker::TxnErrc>(error.code().value()));
    }
    if (error.code().category() == server_category()) {
        return map(static_cast<Errc>(error.code().value()));
    }
    return ErrorCode::unknown_server_error;
}

ErrorCode to_kafka(const Error& error, bool producer_fenced_known) {
    ErrorCode code = to_kafka(error);
    if (code == ErrorCode::producer_fenced && !producer_fenced_known) {
        return ErrorCode::invalid_producer_epoch;
    }
    return code;
}

}  // namespace es::kafka::server
