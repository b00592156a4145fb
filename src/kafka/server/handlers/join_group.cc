#include "kafka/protocol/generated/join_group.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <utility>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::JoinGroupResponse;

JoinGroupResponse refusal(int16_t version, ErrorCode error, std::string member_id) {
    JoinGroupResponse response;
    response.error_code = protocol::code(error);
    response.generation_id = -1;
    // Nullable from v7; before that Kafka sends an empty name.
    if (version < 7) response.protocol_name = "";
    response.member_id = std::move(member_id);
    return response;
}

}  // namespace

void join_group(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::JoinGroupRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    int16_t version = ctx->api_version;
    if (!ctx->groups) {
        auto response =
            refusal(version, ErrorCode::coordinator_load_in_progress, request->member_id);
        ctx->respond(std::optional<ResponseBody>(encode_response(response, version)));
        return;
    }
    broker::JoinGroupInput in;
    in.group_id = request->group_id;
    in.member_id = request->member_id;
    in.group_instance_id = request->group_instance_id;
    in.client_id = ctx->client_id.value_or("");
    in.client_host = ctx->client_host;
    in.session_timeout_ms = request->session_timeout_ms;
    // v0 has no rebalance timeout: Kafka uses the session timeout for both.
    in.rebalance_timeout_ms =
        version == 0 ? request->session_timeout_ms : request->rebalance_timeout_ms;
    in.protocol_type = request->protocol_type;
    for (const auto& p : request->protocols) in.protocols.emplace_back(p.name, Bytes(p.metadata));
    in.require_known_member_id = version >= 4;  // KIP-394
    std::string member_id = request->member_id;
    ctx->groups->join(
        ctx->shard, std::move(in),
        [ctx, version, member_id = std::move(member_id)](broker::JoinGroupOutput out) {
            if (out.error) {
                // member_id_required carries the id to rejoin with.
                auto response = refusal(version, to_kafka(*out.error),
                                        out.member_id.empty() ? member_id : out.member_id);
                ctx->respond(std::optional<ResponseBody>(encode_response(response, version)));
                return;
            }
            JoinGroupResponse response;
            response.generation_id = out.generation_id;
            response.protocol_type = out.protocol_type;
            response.protocol_name = out.protocol_name;
            response.leader = out.leader;
            response.member_id = out.member_id;
            for (auto& m : out.members) {
                auto& slot = response.members.emplace_back();
                slot.member_id = m.member_id;
                slot.group_instance_id = m.group_instance_id;
                slot.metadata = std::move(m.metadata);
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(response, version)));
        });
}

}  // namespace es::kafka::server::handlers
