#include "broker/group_errc.h"

#include "base/error_category.h"

namespace es::broker {
namespace {

const char* describe(GroupErrc e) {
    switch (e) {
        case GroupErrc::invalid_group_id:
            return "invalid group id";
        case GroupErrc::unknown_member_id:
            return "unknown member id";
        case GroupErrc::illegal_generation:
            return "illegal generation";
        case GroupErrc::inconsistent_group_protocol:
            return "inconsistent group protocol";
        case GroupErrc::invalid_session_timeout:
            return "invalid session timeout";
        case GroupErrc::rebalance_in_progress:
            return "rebalance in progress";
        case GroupErrc::member_id_required:
            return "member id required";
        case GroupErrc::fenced_instance_id:
            return "fenced instance id";
        case GroupErrc::group_id_not_found:
            return "group id not found";
        case GroupErrc::non_empty_group:
            return "group is not empty";
        case GroupErrc::group_subscribed_to_topic:
            return "group is subscribed to the topic";
        case GroupErrc::group_max_size_reached:
            return "group max size reached";
        case GroupErrc::coordinator_load_in_progress:
            return "coordinator load in progress";
    }
    return nullptr;
}

}  // namespace

const std::error_category& group_category() {
    static const EnumErrorCategory<GroupErrc> category("group", describe);
    return category;
}

std::error_code make_error_code(GroupErrc e) { return {static_cast<int>(e), group_category()}; }

}  // namespace es::broker
