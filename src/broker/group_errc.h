#pragma once

#include <system_error>

namespace es::broker {

/// Errors of the group coordinator. Each maps to one Kafka error code in
/// kafka/server/error_mapping.cc.
enum class GroupErrc {
    invalid_group_id = 1,          // an empty group id
    unknown_member_id,             // not a member (or the group does not exist)
    illegal_generation,            // a generation that is not the group's current one
    inconsistent_group_protocol,   // protocol type or protocols that do not match the group's
    invalid_session_timeout,       // outside group.min/max.session.timeout.ms
    rebalance_in_progress,         // the group is rebalancing: rejoin
    member_id_required,            // KIP-394: rejoin with the member id in the answer
    fenced_instance_id,            // KIP-345: another member now holds this group.instance.id
    group_id_not_found,            // DeleteGroups/OffsetDelete of a group that does not exist
    non_empty_group,               // DeleteGroups of a group with members
    group_subscribed_to_topic,     // OffsetDelete of a topic the group consumes
    group_max_size_reached,        // group.max.size
    coordinator_load_in_progress,  // offsets and groups are still being loaded at start
};

const std::error_category& group_category();
std::error_code make_error_code(GroupErrc e);

}  // namespace es::broker

template <>
struct std::is_error_code_enum<es::broker::GroupErrc> : std::true_type {};
