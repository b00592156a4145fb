#include "kafka/protocol/generated/heartbeat.h"

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

void answer(const std::shared_ptr<RequestContext>& ctx, ErrorCode error) {
    protocol::HeartbeatResponse response;
    response.error_code = protocol::code(error);
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

}  // namespace

void heartbeat(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::HeartbeatRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    if (!ctx->groups) {
        answer(ctx, ErrorCode::coordinator_load_in_progress);
        return;
    }
    ctx->groups->heartbeat(ctx->shard, request->group_id, request->generation_id,
                           broker::MemberIdentity{request->member_id, request->group_instance_id},
                           [ctx](Status status) {
                               answer(ctx,
                                      status.ok() ? ErrorCode::none : to_kafka(status.error()));
                           });
}

}  // namespace es::kafka::server::handlers
