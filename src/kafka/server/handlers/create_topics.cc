#include "kafka/protocol/generated/create_topics.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "kafka/server/errc.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;
using TopicResult = CreateTopicsResponse::CreatableTopicResult;

/// What the handler makes of one requested topic before asking the broker.
struct Plan {
    std::string name;
    int32_t partitions = -1;
    std::map<std::string, std::string> configs;
    std::optional<Error> error;  // found by the handler; the broker is not asked
};

void fail(TopicResult& result, const Error& error) {
    result.error_code = protocol::code(to_kafka(error));
    result.error_message = error.message();
    result.num_partitions = -1;
    result.replication_factor = -1;
    result.configs.reset();
}

/// A single node holds every replica: an explicit assignment must put exactly one replica of
/// partitions 0..n-1 on this node.
std::optional<Error> check_assignments(const CreateTopicsRequest::CreatableTopic& topic,
                                       int32_t node_id) {
    if (topic.num_partitions != -1 || topic.replication_factor != -1) {
        return Error(broker::Errc::invalid_request,
                     "num_partitions and replication_factor must be -1 when replica assignments "
                     "are given");
    }
    std::vector<bool> seen(topic.assignments.size(), false);
    for (const auto& a : topic.assignments) {
        auto index = static_cast<size_t>(a.partition_index);
        if (a.partition_index < 0 || index >= seen.size() || seen[index]) {
            return Error(Errc::invalid_replica_assignment,
                         "partitions must be numbered 0.." +
                             std::to_string(topic.assignments.size() - 1) +
                             " once each; got partition " + std::to_string(a.partition_index));
        }
        seen[index] = true;
        if (a.broker_ids.size() != 1 || a.broker_ids[0] != node_id) {
            std::string ids;
            for (int32_t id : a.broker_ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
            return Error(Errc::invalid_replica_assignment,
                         "partition " + std::to_string(a.partition_index) + " is assigned to [" +
                             ids + "]; this single-node cluster has one replica, on broker " +
                             std::to_string(node_id));
        }
    }
    return std::nullopt;
}

Plan plan(const CreateTopicsRequest::CreatableTopic& topic, int32_t node_id) {
    Plan p;
    p.name = topic.name;
    if (!topic.assignments.empty()) {
        p.error = check_assignments(topic, node_id);
        p.partitions = static_cast<int32_t>(topic.assignments.size());
    } else if (topic.replication_factor == 0 || topic.replication_factor < -1) {
        p.error = Error(broker::Errc::invalid_replication_factor,
                        "replication factor must be positive, or -1 for the default");
    } else if (topic.replication_factor > 1) {
        p.error = Error(broker::Errc::invalid_replication_factor,
                        "replication factor " + std::to_string(topic.replication_factor) +
                            " cannot be reached: this cluster has 1 broker");
    } else {
        p.partitions = topic.num_partitions;  // -1: the broker's num.partitions
    }
    if (p.error) return p;
    std::string nulls;
    for (const auto& c : topic.configs) {
        if (!c.value) {
            nulls += (nulls.empty() ? "" : ",") + c.name;
            continue;
        }
        if (!p.configs.emplace(c.name, *c.value).second) {
            p.error = Error(broker::Errc::invalid_request, "config '" + c.name + "' given twice");
            return p;
        }
    }
    if (!nulls.empty()) {
        p.error = Error(broker::Errc::invalid_request,
                        "null value not supported for topic configs: " + nulls);
    }
    return p;
}

void describe_created(TopicResult& result, const broker::TopicInfo& topic) {
    std::memcpy(result.topic_id.bytes.data(), topic.id.data(), 16);
    result.num_partitions = topic.partitions;
    result.replication_factor = 1;
    auto& configs = result.configs.emplace();
    for (const auto& entry : topic.config.describe()) {
        CreateTopicsResponse::CreatableTopicResult::CreatableTopicConfigs c;
        c.name = entry.name;
        c.value = entry.value;
        c.read_only = entry.read_only;
        c.config_source = static_cast<int8_t>(entry.source);
        c.is_sensitive = false;
        configs.push_back(std::move(c));
    }
}

}  // namespace

void create_topics(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<CreateTopicsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    // One result per distinct name, in the order of first mention; a name given twice is
    // refused (as Kafka does) rather than created with either of its settings.
    std::map<std::string, size_t> count;
    for (const auto& t : request->topics) ++count[t.name];
    std::vector<Plan> plans;
    std::set<std::string> listed;
    for (const auto& t : request->topics) {
        if (!listed.insert(t.name).second) continue;
        if (count[t.name] > 1) {
            Plan p;
            p.name = t.name;
            p.error = Error(broker::Errc::invalid_request,
                            "topic '" + t.name + "' appears more than once in the request");
            plans.push_back(std::move(p));
            continue;
        }
        plans.push_back(plan(t, ctx->config.node_id));
    }

    auto response = std::make_shared<CreateTopicsResponse>();
    response->topics.resize(plans.size());
    auto remaining = std::make_shared<size_t>(plans.size() + 1);  // +1: this function's turn
    auto settle = [ctx, response, remaining] {
        if (--*remaining == 0) {
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        }
    };
    for (size_t i = 0; i < plans.size(); ++i) {
        Plan& p = plans[i];
        response->topics[i].name = p.name;
        if (p.error) {
            fail(response->topics[i], *p.error);
            settle();
            continue;
        }
        ctx->broker.create_topic(ctx->shard, p.name, p.partitions, std::move(p.configs),
                                 request->validate_only,
                                 [response, i, settle](Result<broker::TopicInfo> created) {
                                     TopicResult& result = response->topics[i];
                                     if (created.ok()) {
                                         describe_created(result, *created);
                                     } else {
                                         fail(result, created.error());
                                     }
                                     settle();
                                 });
    }
    settle();
}

}  // namespace es::kafka::server::handlers
