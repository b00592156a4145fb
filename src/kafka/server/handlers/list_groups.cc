#include "kafka/protocol/generated/list_groups.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/handlers/handlers.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::ListGroupsResponse;

bool same_state(const std::string& a, const std::string& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

}  // namespace

void list_groups(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::ListGroupsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    if (!ctx->groups) {
        ListGroupsResponse response;
        response.error_code = protocol::code(ErrorCode::coordinator_load_in_progress);
        ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
        return;
    }
    // v4 (KIP-518): only groups in one of these states; empty means all.
    std::vector<std::string> states = std::move(request->states_filter);
    ctx->groups->list_groups(
        ctx->shard, [ctx, states = std::move(states)](std::vector<broker::GroupDescription> all) {
            ListGroupsResponse response;
            for (const auto& g : all) {
                std::string state = broker::to_string(g.state);
                if (!states.empty() &&
                    std::none_of(states.begin(), states.end(),
                                 [&](const std::string& s) { return same_state(s, state); })) {
                    continue;
                }
                auto& out = response.groups.emplace_back();
                out.group_id = g.group_id;
                out.protocol_type = g.protocol_type;
                out.group_state = std::move(state);
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
