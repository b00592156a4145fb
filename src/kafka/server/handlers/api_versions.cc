#include "kafka/protocol/generated/api_versions.h"

#include "kafka/protocol/generated/api_table.h"
#include "kafka/server/handlers/handlers.h"

namespace es::kafka::server::handlers {

void api_versions(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::ApiVersionsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    protocol::ApiVersionsResponse response;
    // Exactly what has a handler: the table of codecs may know more than the broker serves.
    for (const auto& api : protocol::kApis) {
        if (!find_handler(static_cast<int16_t>(api.key))) continue;
        // librdkafka before 2.8.1 derives its message-format features from Produce v0-2 being
        // listed (KAFKA-18659), so Produce is advertised from 0 as Kafka 4.0 does; requests
        // below v3 are still refused by the codec.
        int16_t min = api.key == protocol::ApiKey::produce ? int16_t{0} : api.min_version;
        response.api_keys.push_back({static_cast<int16_t>(api.key), min, api.max_version, {}});
    }
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

}  // namespace es::kafka::server::handlers
