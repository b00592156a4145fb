#include "kafka/protocol/generated/metadata.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <algorithm>
#include <cstring>
#include <future>

namespace es::kafka::server::handlers {

namespace {

using protocol::MetadataResponse;

MetadataResponse::MetadataResponseTopic describe_topic(const broker::TopicInfo& topic,
                                                       int32_t node_id) {
    MetadataResponse::MetadataResponseTopic t;
    t.name = topic.name;
    std::memcpy(t.topic_id.bytes.data(), topic.id.data(), 16);
    t.is_internal = topic.internal;
    for (int32_t p = 0; p < topic.partitions; ++p) {
        MetadataResponse::MetadataResponseTopic::MetadataResponsePartition part;
        part.partition_index = p;
        part.leader_id = node_id;
        part.leader_epoch = 0;
        part.replica_nodes = {node_id};
        part.isr_nodes = {node_id};
        t.partitions.push_back(std::move(part));
    }
    return t;
}

MetadataResponse::MetadataResponseTopic topic_error(const std::optional<std::string>& name,
                                                    const Error& error) {
    MetadataResponse::MetadataResponseTopic t;
    t.name = name;
    t.error_code = protocol::code(to_kafka(error));
    return t;
}

}  // namespace

void metadata(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::MetadataRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    auto response = std::make_shared<MetadataResponse>();
    const ServerConfig& config = ctx->config;
    response->brokers.push_back(
        {config.node_id, config.advertised_host, config.advertised_port, std::nullopt, {}});
    response->cluster_id = config.cluster_id;
    response->controller_id = config.node_id;

    broker::Broker& broker = ctx->broker;
    // v0 sends an empty list for "all topics"; v1+ sends null.
    bool all = !request->topics || (ctx->api_version == 0 && request->topics->empty());
    if (all) {
        auto topics = broker.catalog().list();
        std::sort(topics.begin(), topics.end(),
                  [](const auto& a, const auto& b) { return a.name < b.name; });
        for (const auto& t : topics) response->topics.push_back(describe_topic(t, config.node_id));
        ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        return;
    }
    // Requested topics, created on the way when allowed (v4+ asks; before v4 it is implied).
    bool may_create = broker.config().auto_create_topics &&
                      (ctx->api_version < 4 || request->allow_auto_topic_creation);
    auto wanted = std::make_shared<std::vector<std::optional<std::string>>>();
    for (const auto& t : *request->topics) {
        if (!t.name && !t.topic_id.is_zero()) {
            broker::TopicId id;
            std::memcpy(id.data(), t.topic_id.bytes.data(), 16);
            auto found = broker.catalog().find(id);
            wanted->push_back(found ? std::optional<std::string>(found->name) : std::nullopt);
            continue;
        }
        wanted->push_back(t.name);
    }
    auto remaining = std::make_shared<size_t>(wanted->size());
    auto slots =
        std::make_shared<std::vector<MetadataResponse::MetadataResponseTopic>>(wanted->size());
    auto answer = [ctx, response, slots] {
        response->topics = std::move(*slots);
        ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
    };
    if (wanted->empty()) {
        answer();
        return;
    }
    for (size_t i = 0; i < wanted->size(); ++i) {
        const auto& name = (*wanted)[i];
        auto settle = [remaining, answer] {
            if (--*remaining == 0) answer();
        };
        if (!name) {
            (*slots)[i] = topic_error(std::nullopt, Error(broker::Errc::unknown_topic_id, ""));
            settle();
            continue;
        }
        if (auto topic = broker.catalog().find(*name)) {
            (*slots)[i] = describe_topic(*topic, config.node_id);
            settle();
            continue;
        }
        if (auto valid = broker::validate_topic_name(*name); !valid.ok()) {
            (*slots)[i] = topic_error(name, valid.error());
            settle();
            continue;
        }
        if (!may_create) {
            (*slots)[i] = topic_error(name, Error(broker::Errc::unknown_topic_or_partition, ""));
            settle();
            continue;
        }
        int32_t node_id = config.node_id;
        broker.create_topic(
            ctx->shard, *name, -1, {}, false,
            [slots, i, name, node_id, settle, &broker](Result<broker::TopicInfo> t) {
                if (t.ok()) {
                    (*slots)[i] = describe_topic(*t, node_id);
                } else if (auto raced = broker.catalog().find(*name)) {
                    (*slots)[i] = describe_topic(*raced, node_id);  // created meanwhile
                } else {
                    (*slots)[i] = topic_error(name, t.error());
                }
                settle();
            });
    }
}

}  // namespace es::kafka::server::handlers
