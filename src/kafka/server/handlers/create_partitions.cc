#include "kafka/protocol/generated/create_partitions.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "kafka/server/errc.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::CreatePartitionsRequest;
using protocol::CreatePartitionsResponse;
using TopicResult = CreatePartitionsResponse::CreatePartitionsTopicResult;

void fail(TopicResult& result, const Error& error) {
    result.error_code = protocol::code(to_kafka(error));
    result.error_message = error.message();
}

/// Checks what the handler can: the topic exists, and explicit assignments (one per new
/// partition) put their single replica on this node. The broker checks that the count grows.
std::optional<Error> check(const CreatePartitionsRequest::CreatePartitionsTopic& t,
                           const broker::Catalog& catalog, int32_t node_id) {
    auto topic = catalog.find(t.name);
    if (!topic) {
        return Error(broker::Errc::unknown_topic_or_partition,
                     "topic '" + t.name + "' does not exist");
    }
    if (!t.assignments || t.count <= topic->partitions) return std::nullopt;
    size_t added = static_cast<size_t>(t.count - topic->partitions);
    if (t.assignments->size() != added) {
        return Error(Errc::invalid_replica_assignment,
                     "adding " + std::to_string(added) + " partitions needs " +
                         std::to_string(added) + " assignments; got " +
                         std::to_string(t.assignments->size()));
    }
    for (const auto& a : *t.assignments) {
        if (a.broker_ids.size() != 1 || a.broker_ids[0] != node_id) {
            return Error(Errc::invalid_replica_assignment,
                         "each new partition has one replica, on broker " +
                             std::to_string(node_id) + " (this single-node cluster)");
        }
    }
    return std::nullopt;
}

}  // namespace

void create_partitions(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<CreatePartitionsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    std::map<std::string, size_t> count;
    for (const auto& t : request->topics) ++count[t.name];

    auto response = std::make_shared<CreatePartitionsResponse>();
    std::vector<const CreatePartitionsRequest::CreatePartitionsTopic*> ask;  // nullptr: settled
    std::map<std::string, bool> listed;
    for (const auto& t : request->topics) {
        if (listed[t.name]) continue;
        listed[t.name] = true;
        TopicResult& result = response->results.emplace_back();
        result.name = t.name;
        std::optional<Error> error;
        if (count[t.name] > 1) {
            error = Error(broker::Errc::invalid_request,
                          "topic '" + t.name + "' appears more than once in the request");
        } else {
            error = check(t, ctx->broker.catalog(), ctx->config.node_id);
        }
        if (error) fail(result, *error);
        ask.push_back(error ? nullptr : &t);
    }

    auto remaining = std::make_shared<size_t>(ask.size() + 1);
    auto settle = [ctx, response, remaining] {
        if (--*remaining == 0) {
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        }
    };
    for (size_t i = 0; i < ask.size(); ++i) {
        if (!ask[i]) {
            settle();
            continue;
        }
        ctx->broker.create_partitions(ctx->shard, ask[i]->name, ask[i]->count,
                                      request->validate_only,
                                      [response, i, settle](Status created) {
                                          if (!created.ok()) {
                                              fail(response->results[i], created.error());
                                          }
                                          settle();
                                      });
    }
    settle();
}

}  // namespace es::kafka::server::handlers
