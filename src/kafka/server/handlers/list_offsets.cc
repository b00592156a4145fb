#include "kafka/protocol/generated/list_offsets.h"

#include "broker/broker.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::ListOffsetsResponse;
using PartitionResponse =
    ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse;

}  // namespace

void list_offsets(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::ListOffsetsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    auto response = std::make_shared<ListOffsetsResponse>();
    std::vector<broker::ListOffsetsInput> inputs;
    for (const auto& topic : request->topics) {
        auto& out = response->topics.emplace_back();
        out.name = topic.name;
        for (const auto& part : topic.partitions) {
            out.partitions.emplace_back().partition_index = part.partition_index;
            inputs.push_back(
                {model::TopicPartition{topic.name, model::PartitionId(part.partition_index)},
                 part.timestamp});
        }
    }
    bool read_committed = request->isolation_level == 1;
    ctx->broker.list_offsets(
        ctx->shard, std::move(inputs), read_committed,
        [ctx, response](std::vector<broker::ListOffsetsOutput> outs) {
            size_t i = 0;
            for (auto& topic : response->topics) {
                for (PartitionResponse& slot : topic.partitions) {
                    const broker::ListOffsetsOutput& out = outs[i++];
                    if (out.error) {
                        slot.error_code = protocol::code(to_kafka(*out.error));
                        continue;
                    }
                    slot.timestamp = out.timestamp;
                    slot.offset = out.offset.value();
                    // A single node that never changed leaders: every batch has epoch 0.
                    if (out.offset.value() >= 0) slot.leader_epoch = 0;
                }
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
