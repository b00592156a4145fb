#include "broker/errc.h"

#include "base/error_category.h"

#include <string>

namespace es::broker {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::unknown_topic_or_partition:
            return "unknown topic or partition";
        case Errc::unknown_topic_id:
            return "unknown topic id";
        case Errc::topic_already_exists:
            return "topic already exists";
        case Errc::invalid_topic:
            return "invalid topic";
        case Errc::invalid_partitions:
            return "invalid partitions";
        case Errc::invalid_replication_factor:
            return "invalid replication factor";
        case Errc::invalid_config:
            return "invalid config";
        case Errc::invalid_request:
            return "invalid request";
        case Errc::message_too_large:
            return "message too large";
        case Errc::corrupt_message:
            return "corrupt message";
        case Errc::invalid_record:
            return "invalid record";
        case Errc::invalid_timestamp:
            return "invalid timestamp";
        case Errc::offset_out_of_range:
            return "offset out of range";
        case Errc::request_timed_out:
            return "request timed out";
        case Errc::kafka_storage_error:
            return "storage error";
        case Errc::not_leader_or_follower:
            return "partition not available here";
        case Errc::policy_violation:
            return "policy violation";
        case Errc::invalid_required_acks:
            return "invalid required acks";
        case Errc::unsupported_version:
            return "unsupported version";
        case Errc::shutting_down:
            return "broker shutting down";
        case Errc::out_of_order_sequence:
            return "out of order sequence number";
        case Errc::invalid_producer_epoch:
            return "invalid producer epoch";
        case Errc::unknown_producer_id:
            return "unknown producer id";
        case Errc::producer_fenced:
            return "producer fenced";
    }
    return nullptr;
}

}  // namespace

const std::error_category& broker_category() {
    static const EnumErrorCategory<Errc> category("broker", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), broker_category()}; }

}  // namespace es::broker
