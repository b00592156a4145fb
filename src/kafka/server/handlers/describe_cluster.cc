#include "kafka/protocol/generated/describe_cluster.h"

#include "kafka/server/handlers/handlers.h"

#include <cstdint>
#include <memory>
#include <optional>

namespace es::kafka::server::handlers {

namespace {

/// Kafka's AclOperation codes for the operations a CLUSTER resource supports.
enum class AclOperation : int {
    create = 5,
    alter = 7,
    describe = 8,
    cluster_action = 9,
    describe_configs = 10,
    alter_configs = 11,
    idempotent_write = 12,
};

/// With no authorizer every client may do everything, and Kafka then reports all the operations
/// the resource supports, one bit per operation code.
int32_t all_cluster_operations() {
    uint32_t bits = 0;
    for (AclOperation op : {AclOperation::create, AclOperation::alter, AclOperation::describe,
                            AclOperation::cluster_action, AclOperation::describe_configs,
                            AclOperation::alter_configs, AclOperation::idempotent_write}) {
        bits |= 1u << static_cast<int>(op);
    }
    return static_cast<int32_t>(bits);
}

}  // namespace

void describe_cluster(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::DescribeClusterRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    const ServerConfig& config = ctx->config;
    protocol::DescribeClusterResponse response;
    response.cluster_id = config.cluster_id;
    response.controller_id = config.node_id;
    response.brokers.push_back(
        {config.node_id, config.advertised_host, config.advertised_port, std::nullopt, {}});
    if (request->include_cluster_authorized_operations) {
        response.cluster_authorized_operations = all_cluster_operations();
    }  // else Kafka's "not requested" marker, INT32_MIN, the generated default
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

}  // namespace es::kafka::server::handlers
