#include "kafka/protocol/generated/init_producer_id.h"

#include "broker/broker.h"
#include "broker/txn_coordinator.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::InitProducerIdResponse;

void answer(const std::shared_ptr<RequestContext>& ctx, const InitProducerIdResponse& response) {
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

InitProducerIdResponse refusal(ErrorCode error) {
    InitProducerIdResponse response;
    response.error_code = protocol::code(error);
    response.producer_id = -1;
    response.producer_epoch = -1;
    return response;
}

}  // namespace

void init_producer_id(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::InitProducerIdRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    // v3+ (KIP-360): the current id and epoch come together or not at all, as Kafka checks.
    // Without a transactional id Kafka then hands out a new id at epoch 0 either way.
    if ((request->producer_id == -1) != (request->producer_epoch == -1)) {
        answer(ctx, refusal(ErrorCode::invalid_request));
        return;
    }
    auto reply = [ctx](Result<broker::InitProducerIdOutput> out) {
        if (!out.ok()) {
            // PRODUCER_FENCED is known from v4 on (KIP-588).
            answer(ctx, refusal(to_kafka(out.error(), ctx->api_version >= 4)));
            return;
        }
        InitProducerIdResponse response;
        response.producer_id = out->producer_id.value();
        response.producer_epoch = out->producer_epoch.value();
        answer(ctx, response);
    };
    if (request->transactional_id) {
        if (!ctx->transactions) {
            answer(ctx, refusal(ErrorCode::coordinator_load_in_progress));
            return;
        }
        broker::InitTxnProducerInput in;
        in.transactional_id = *request->transactional_id;
        in.timeout_ms = request->transaction_timeout_ms;
        in.producer_id = model::ProducerId(request->producer_id);
        in.producer_epoch = model::ProducerEpoch(request->producer_epoch);
        ctx->transactions->init_producer_id(ctx->shard, std::move(in), reply);
        return;
    }
    ctx->broker.init_producer_id(ctx->shard, reply);
}

}  // namespace es::kafka::server::handlers
