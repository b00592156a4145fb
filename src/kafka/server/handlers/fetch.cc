#include "kafka/protocol/generated/fetch.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::FetchResponse;
using PartitionData = FetchResponse::FetchableTopicResponse::PartitionData;

// Fetch v13 names topics by id only; the broker works by name.
std::optional<std::string> topic_name(const RequestContext& ctx,
                                      const protocol::FetchRequest::FetchTopic& topic) {
    if (ctx.api_version < 13) return topic.topic;
    auto found = ctx.broker.catalog().find(topic.topic_id.bytes);
    if (!found) return std::nullopt;
    return found->name;
}

}  // namespace

void fetch(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::FetchRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    auto response = std::make_shared<FetchResponse>();
    // No fetch sessions (KIP-227): session id 0 tells the client to send full requests, which
    // every client supports. A client naming a session we never created is told so.
    if (request->session_id != 0) {
        response->error_code = protocol::code(protocol::ErrorCode::fetch_session_id_not_found);
        ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        return;
    }

    broker::FetchSpec spec;
    spec.max_bytes = request->max_bytes;
    spec.min_bytes = request->min_bytes;
    spec.max_wait_ms = request->max_wait_ms;
    spec.read_committed = request->isolation_level == 1;
    // slots[i] is where the broker's i-th answer goes; unknown topic ids are answered here.
    std::vector<PartitionData*> slots;
    std::vector<TopicFigures*> counters;  // per slot: where its bytes are counted
    for (const auto& topic : request->topics) {
        auto& out = response->responses.emplace_back();
        out.topic = topic.topic;
        out.topic_id = topic.topic_id;
        out.partitions.resize(topic.partitions.size());
    }
    for (size_t t = 0; t < request->topics.size(); ++t) {
        const auto& topic = request->topics[t];
        auto name = topic_name(*ctx, topic);
        for (size_t i = 0; i < topic.partitions.size(); ++i) {
            const auto& part = topic.partitions[i];
            PartitionData& slot = response->responses[t].partitions[i];
            slot.partition_index = part.partition;
            slot.high_watermark = -1;
            slot.records = BytesView();
            if (!name) {
                slot.error_code = protocol::code(
                    to_kafka(Error(broker::Errc::unknown_topic_id, "unknown topic id")));
                continue;
            }
            slots.push_back(&slot);
            counters.push_back(ctx->metrics ? &ctx->metrics->topics.of(*name) : nullptr);
            spec.partitions.push_back(
                {model::TopicPartition{*name, model::PartitionId(part.partition)},
                 model::Offset(part.fetch_offset), part.partition_max_bytes});
        }
    }
    if (slots.empty()) {
        ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        return;
    }
    ctx->broker.fetch(
        ctx->shard, std::move(spec),
        [ctx, response, slots = std::move(slots),
         counters = std::move(counters)](std::vector<broker::FetchOutput> read) {
            // The answer is written from the broker's read buffers (no copy of the records):
            // `outs` lives until it is on the socket.
            auto outs = std::make_shared<const std::vector<broker::FetchOutput>>(std::move(read));
            for (size_t i = 0; i < outs->size(); ++i) {
                PartitionData& slot = *slots[i];
                const broker::FetchOutput& out = (*outs)[i];
                slot.high_watermark = out.high_watermark.value();
                slot.last_stable_offset = out.last_stable_offset.value();
                slot.log_start_offset = out.log_start.value();
                if (out.error) {
                    slot.error_code = protocol::code(to_kafka(*out.error));
                    continue;
                }
                slot.records = out.records.view();
                if (counters[i]) {
                    counters[i]->bytes_out.fetch_add(out.records.size(), std::memory_order_relaxed);
                }
                if (ctx->api_version >= 4) {
                    // read_uncommitted answers carry an empty list, which clients ignore.
                    auto& aborted = slot.aborted_transactions.emplace();
                    for (const broker::AbortedTxn& txn : out.aborted_transactions) {
                        auto& entry = aborted.emplace_back();
                        entry.producer_id = txn.producer_id.value();
                        entry.first_offset = txn.first_offset.value();
                    }
                }
            }
            ctx->respond(std::optional<ResponseBody>(
                encode_spliced_response(*response, ctx->api_version, outs)));
        });
}

}  // namespace es::kafka::server::handlers
