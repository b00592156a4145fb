#include "kafka/protocol/generated/find_coordinator.h"

#include "kafka/protocol/error_code.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <string>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::FindCoordinatorResponse;

constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

struct Answer {
    ErrorCode error = ErrorCode::none;
    std::optional<std::string> message;
};

/// Every group's and every transactional id's coordinator is this node. Loading (ctx->groups or
/// ctx->transactions still nullptr) is not an error here, as in Kafka: the requests that follow
/// answer COORDINATOR_LOAD_IN_PROGRESS.
Answer find(int8_t key_type) {
    if (key_type == kGroupKey || key_type == kTransactionKey) return {};
    return {ErrorCode::invalid_request, "unknown key type " + std::to_string(key_type)};
}

}  // namespace

void find_coordinator(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::FindCoordinatorRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    const ServerConfig& config = ctx->config;
    FindCoordinatorResponse response;
    if (ctx->api_version >= 4) {
        // v4 (KIP-699): a batch of keys, each answered on its own.
        for (const auto& key : request->coordinator_keys) {
            Answer answer = find(request->key_type);
            auto& out = response.coordinators.emplace_back();
            out.key = key;
            out.error_code = protocol::code(answer.error);
            out.error_message = answer.message;
            bool ok = answer.error == ErrorCode::none;
            out.node_id = ok ? config.node_id : -1;
            out.host = ok ? config.advertised_host : "";
            out.port = ok ? config.advertised_port : -1;
        }
    } else {
        Answer answer = find(request->key_type);
        response.error_code = protocol::code(answer.error);
        response.error_message = answer.message;
        bool ok = answer.error == ErrorCode::none;
        response.node_id = ok ? config.node_id : -1;
        response.host = ok ? config.advertised_host : "";
        response.port = ok ? config.advertised_port : -1;
    }
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

}  // namespace es::kafka::server::handlers
