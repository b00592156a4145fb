#include "kafka/protocol/generated/produce.h"

#include "broker/broker.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::ProduceResponse;
using PartitionResponse = ProduceResponse::TopicProduceResponse::PartitionProduceResponse;

/// The decoder hands out read-only views into the frame; the broker rewrites base offsets in
/// place, so it gets the same bytes through the frame the context owns.
MutableBytesView writable(const RequestContext& ctx, BytesView records) {
    auto offset = static_cast<size_t>(records.data() - ctx.frame->data());
    return ctx.frame->mutable_view().subspan(offset, records.size());
}

}  // namespace

void produce(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::ProduceRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    std::vector<broker::ProduceInput> inputs;
    // Where each input's answer goes: (topic index, partition index) in request order.
    auto response = std::make_shared<ProduceResponse>();
    std::vector<PartitionResponse*> slots;
    for (const auto& topic : request->topic_data) {
        auto& out = response->responses.emplace_back();
        out.name = topic.name;
        out.partition_responses.resize(topic.partition_data.size());
        for (size_t i = 0; i < topic.partition_data.size(); ++i) {
            const auto& part = topic.partition_data[i];
            out.partition_responses[i].index = part.index;
        }
    }
    for (size_t t = 0; t < request->topic_data.size(); ++t) {
        const auto& topic = request->topic_data[t];
        for (size_t i = 0; i < topic.partition_data.size(); ++i) {
            const auto& part = topic.partition_data[i];
            slots.push_back(&response->responses[t].partition_responses[i]);
            broker::ProduceInput input;
            input.tp = model::TopicPartition{topic.name, model::PartitionId(part.index)};
            input.records = part.records ? writable(*ctx, *part.records) : MutableBytesView();
            if (ctx->metrics && !input.records.empty()) {
                ctx->metrics->topics.of(topic.name)
                    .bytes_in.fetch_add(input.records.size(), std::memory_order_relaxed);
            }
            inputs.push_back(std::move(input));
        }
    }
    int16_t acks = request->acks;
    ctx->broker.produce(
        ctx->shard, std::move(inputs), acks,
        [ctx, response, slots = std::move(slots), acks](std::vector<broker::ProduceOutput> outs) {
            if (acks == 0) {
                // No answer at all, as Kafka does; a failure shows only in the broker's log.
                ctx->respond(std::optional<ResponseBody>());
                return;
            }
            for (size_t i = 0; i < outs.size(); ++i) {
                PartitionResponse& slot = *slots[i];
                const broker::ProduceOutput& out = outs[i];
                if (out.error) {
                    slot.error_code = protocol::code(to_kafka(*out.error));
                    slot.error_message = out.error->to_string();
                    slot.base_offset = -1;
                } else {
                    slot.base_offset = out.base_offset.value();
                    slot.log_append_time_ms = out.log_append_time;
                }
                slot.log_start_offset = out.log_start.value();
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
