#include "kafka/protocol/generated/delete_groups.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

void delete_groups(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::DeleteGroupsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    auto names = std::make_shared<std::vector<std::string>>(request->groups_names);
    if (!ctx->groups) {
        protocol::DeleteGroupsResponse response;
        for (const auto& name : *names) {
            response.results.push_back(
                {name, protocol::code(protocol::ErrorCode::coordinator_load_in_progress), {}});
        }
        ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
        return;
    }
    ctx->groups->delete_groups(
        ctx->shard, std::move(request->groups_names), [ctx, names](std::vector<Status> statuses) {
            protocol::DeleteGroupsResponse response;
            for (size_t i = 0; i < names->size(); ++i) {
                auto& out = response.results.emplace_back();
                out.group_id = (*names)[i];
                if (i < statuses.size() && !statuses[i].ok()) {
                    out.error_code = protocol::code(to_kafka(statuses[i].error()));
                }
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
