#include "kafka/protocol/generated/init_producer_id.h"

#include "broker/broker.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"
#include "kafka/server/logger.h"

#include <memory>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::InitProducerIdResponse;

void answer(const std::shared_ptr<RequestContext>& ctx, const InitProducerIdResponse& response) {
    ctx->respond(std::optional<Bytes>(encode_response(response, ctx->api_version)));
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
    if (request->transactional_id) {
        // No transaction coordinator yet: an id handed out here would be fenced by nothing and
        // its transactions never committed, so the client is told plainly instead.
        kafka_log.warn(
            "InitProducerId for transactional id '{}' from {}: transactions are not "
            "supported yet (issue #5)",
            *request->transactional_id, ctx->client_id.value_or("?"));
        answer(ctx, refusal(ErrorCode::invalid_request));
        return;
    }
    // v3+ (KIP-360): the current id and epoch come together or not at all, as Kafka checks.
    // Without a transactional id Kafka then hands out a new id at epoch 0 either way.
    if ((request->producer_id == -1) != (request->producer_epoch == -1)) {
        answer(ctx, refusal(ErrorCode::invalid_request));
        return;
    }
    ctx->broker.init_producer_id(ctx->shard, [ctx](Result<broker::InitProducerIdOutput> out) {
        if (!out.ok()) {
            answer(ctx, refusal(to_kafka(out.error())));
            return;
        }
        InitProducerIdResponse response;
        response.producer_id = out->producer_id.value();
        response.producer_epoch = out->producer_epoch.value();
        answer(ctx, response);
    });
}

}  // namespace es::kafka::server::handlers
