#include "kafka/protocol/generated/sync_group.h"

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
using protocol::SyncGroupResponse;

void answer_error(const std::shared_ptr<RequestContext>& ctx, ErrorCode error) {
    SyncGroupResponse response;
    response.error_code = protocol::code(error);
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

}  // namespace

void sync_group(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::SyncGroupRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    if (!ctx->groups) {
        answer_error(ctx, ErrorCode::coordinator_load_in_progress);
        return;
    }
    broker::SyncGroupInput in;
    in.group_id = request->group_id;
    in.generation_id = request->generation_id;
    in.member_id = request->member_id;
    in.group_instance_id = request->group_instance_id;
    in.protocol_type = request->protocol_type;  // v5+, nullopt before
    in.protocol_name = request->protocol_name;
    for (const auto& a : request->assignments) {
        in.assignments.emplace_back(a.member_id, Bytes(a.assignment));
    }
    ctx->groups->sync(ctx->shard, std::move(in), [ctx](broker::SyncGroupOutput out) {
        if (out.error) {
            answer_error(ctx, to_kafka(*out.error));
            return;
        }
        SyncGroupResponse response;
        response.protocol_type = out.protocol_type;
        response.protocol_name = out.protocol_name;
        response.assignment = std::move(out.assignment);
        ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
    });
}

}  // namespace es::kafka::server::handlers
