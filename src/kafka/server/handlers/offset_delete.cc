#include "kafka/protocol/generated/offset_delete.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

void offset_delete(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::OffsetDeleteRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    auto response = std::make_shared<protocol::OffsetDeleteResponse>();
    std::vector<model::TopicPartition> partitions;
    for (const auto& topic : request->topics) {
        auto& out = response->topics.emplace_back();
        out.name = topic.name;
        for (const auto& p : topic.partitions) {
            out.partitions.emplace_back().partition_index = p.partition_index;
            partitions.push_back({topic.name, model::PartitionId(p.partition_index)});
        }
    }
    if (!ctx->groups) {
        response->error_code = protocol::code(protocol::ErrorCode::coordinator_load_in_progress);
        ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        return;
    }
    ctx->groups->delete_offsets(
        ctx->shard, request->group_id, std::move(partitions),
        [ctx, response](Status status, std::vector<Status> statuses) {
            if (!status.ok()) {
                // A group-level error (no such group, ...): Kafka answers it alone.
                response->error_code = protocol::code(to_kafka(status.error()));
                response->topics.clear();
            } else {
                size_t i = 0;
                for (auto& topic : response->topics) {
                    for (auto& p : topic.partitions) {
                        if (i < statuses.size() && !statuses[i].ok()) {
                            p.error_code = protocol::code(to_kafka(statuses[i].error()));
                        }
                        ++i;
                    }
                }
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
