#include "kafka/protocol/generated/delete_records.h"

#include "broker/broker.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::DeleteRecordsResponse;
using PartitionResult =
    DeleteRecordsResponse::DeleteRecordsTopicResult::DeleteRecordsPartitionResult;

}  // namespace

void delete_records(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::DeleteRecordsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    // The response mirrors the request's topics and partitions; timeout_ms is moot, as the
    // new log start offset is durable when the broker answers.
    auto response = std::make_shared<DeleteRecordsResponse>();
    std::vector<broker::DeleteRecordsInput> inputs;
    for (const auto& topic : request->topics) {
        auto& out = response->topics.emplace_back();
        out.name = topic.name;
        for (const auto& part : topic.partitions) {
            out.partitions.emplace_back().partition_index = part.partition_index;
            inputs.push_back(
                {model::TopicPartition{topic.name, model::PartitionId(part.partition_index)},
                 model::Offset(part.offset)});
        }
    }
    ctx->broker.delete_records(
        ctx->shard, std::move(inputs),
        [ctx, response](std::vector<broker::DeleteRecordsOutput> outs) {
            size_t i = 0;
            for (auto& topic : response->topics) {
                for (PartitionResult& slot : topic.partitions) {
                    const broker::DeleteRecordsOutput& out = outs[i++];
                    if (out.error) {
                        slot.error_code = protocol::code(to_kafka(*out.error));
                        slot.low_watermark = -1;  // Kafka's INVALID_LOW_WATERMARK
                        continue;
                    }
                    slot.low_watermark = out.low_watermark.value();
                }
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
