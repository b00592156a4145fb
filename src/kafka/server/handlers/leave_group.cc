#include "kafka/protocol/generated/leave_group.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::LeaveGroupResponse;

ErrorCode code_of(const Status& status) {
    return status.ok() ? ErrorCode::none : to_kafka(status.error());
}

}  // namespace

void leave_group(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::LeaveGroupRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    int16_t version = ctx->api_version;
    if (!ctx->groups) {
        LeaveGroupResponse response;
        response.error_code = protocol::code(ErrorCode::coordinator_load_in_progress);
        ctx->respond(std::optional<ResponseBody>(encode_response(response, version)));
        return;
    }
    // v0-2: one member by id; v3+ (KIP-345): a batch of members, each answered on its own.
    std::vector<broker::MemberIdentity> members;
    if (version < 3) {
        members.push_back({request->member_id, std::nullopt});
    } else {
        for (const auto& m : request->members) {
            members.push_back({m.member_id, m.group_instance_id});
        }
    }
    auto identities = std::make_shared<std::vector<broker::MemberIdentity>>(members);
    ctx->groups->leave(
        ctx->shard, request->group_id, std::move(members),
        [ctx, version, identities](Status status, std::vector<Status> statuses) {
            LeaveGroupResponse response;
            if (!status.ok()) {
                response.error_code = protocol::code(to_kafka(status.error()));
            } else if (version < 3) {
                // A single member: its error is the request's.
                if (!statuses.empty()) response.error_code = protocol::code(code_of(statuses[0]));
            } else {
                for (size_t i = 0; i < identities->size(); ++i) {
                    auto& slot = response.members.emplace_back();
                    slot.member_id = (*identities)[i].member_id;
                    slot.group_instance_id = (*identities)[i].group_instance_id;
                    if (i < statuses.size()) slot.error_code = protocol::code(code_of(statuses[i]));
                }
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(response, version)));
        });
}

}  // namespace es::kafka::server::handlers
