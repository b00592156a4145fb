#include "kafka/protocol/generated/describe_groups.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::DescribeGroupsResponse;
using protocol::ErrorCode;

// Kafka's AclOperation codes a group supports: READ (3), DELETE (6), DESCRIBE (8). Without an
// authorizer every one of them is allowed.
constexpr int32_t kGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

}  // namespace

void describe_groups(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::DescribeGroupsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    if (!ctx->groups) {
        DescribeGroupsResponse response;
        for (const auto& id : request->groups) {
            auto& out = response.groups.emplace_back();
            out.error_code = protocol::code(ErrorCode::coordinator_load_in_progress);
            out.group_id = id;
        }
        ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
        return;
    }
    // v3+ (KIP-430): the operations the caller may perform, only when asked for.
    int32_t operations = request->include_authorized_operations ? kGroupOperations : INT32_MIN;
    ctx->groups->describe_groups(
        ctx->shard, std::move(request->groups),
        [ctx, operations](std::vector<broker::GroupDescription> groups) {
            DescribeGroupsResponse response;
            for (auto& g : groups) {
                auto& out = response.groups.emplace_back();
                out.group_id = g.group_id;
                out.authorized_operations = operations;
                if (g.error) {
                    out.error_code = protocol::code(to_kafka(*g.error));
                    out.group_state = broker::to_string(broker::GroupState::dead);
                    continue;
                }
                out.group_state = broker::to_string(g.state);
                out.protocol_type = g.protocol_type;
                out.protocol_data = g.protocol_name;
                for (auto& m : g.members) {
                    auto& member = out.members.emplace_back();
                    member.member_id = m.member_id;
                    member.group_instance_id = m.group_instance_id;
                    member.client_id = m.client_id;
                    member.client_host = m.client_host;
                    member.member_metadata = std::move(m.metadata);
                    member.member_assignment = std::move(m.assignment);
                }
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
