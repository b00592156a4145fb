#include "kafka/protocol/generated/offset_commit.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/commit_inputs.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::OffsetCommitResponse;

/// The commit succeeds or fails as a whole: every partition gets the group's error.
void answer(const std::shared_ptr<RequestContext>& ctx,
            const std::shared_ptr<OffsetCommitResponse>& response, ErrorCode error) {
    for (auto& topic : response->topics) {
        for (auto& p : topic.partitions) p.error_code = protocol::code(error);
    }
    ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
}

}  // namespace

void offset_commit(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::OffsetCommitRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    auto response = std::make_shared<OffsetCommitResponse>();
    std::vector<broker::OffsetCommitInput> offsets =
        commit_inputs(request->topics, response->topics);
    if (!ctx->groups) {
        answer(ctx, response, ErrorCode::coordinator_load_in_progress);
        return;
    }
    // v0 has neither generation nor member: the codec's defaults (-1, "") make it a simple
    // commit, as an assign() user's or an admin tool's. Retention (v2-4) and the v1 commit
    // timestamp are not used: offsets expire after offsets.retention.minutes, as in Kafka 2.1+.
    ctx->groups->commit_offsets(
        ctx->shard, request->group_id, request->generation_id,
        broker::MemberIdentity{request->member_id, request->group_instance_id}, std::move(offsets),
        [ctx, response](Status status) {
            answer(ctx, response, status.ok() ? ErrorCode::none : to_kafka(status.error()));
        });
}

}  // namespace es::kafka::server::handlers
