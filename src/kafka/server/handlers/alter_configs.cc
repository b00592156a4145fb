#include "kafka/protocol/generated/alter_configs.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "broker/topic_config.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::AlterConfigsRequest;
using protocol::AlterConfigsResponse;
using ResourceResult = AlterConfigsResponse::AlterConfigsResourceResponse;

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

void fail(ResourceResult& result, const Error& error) {
    result.error_code = protocol::code(to_kafka(error));
    result.error_message = error.message();
}

/// The complete new set of topic configs (AlterConfigs replaces, it does not merge), or why the
/// resource is refused. A null value leaves that config at its default, as in Kafka.
Result<std::map<std::string, std::string>> new_topic_configs(
    const AlterConfigsRequest::AlterConfigsResource& resource, const broker::Catalog& catalog) {
    if (resource.resource_type == kBrokerResource) {
        return Error(broker::Errc::invalid_request,
                     "dynamic broker configs are not supported: set broker configs in the "
                     "broker's config file and restart it");
    }
    if (resource.resource_type != kTopicResource) {
        return Error(broker::Errc::invalid_request, "unsupported resource type " +
                                                        std::to_string(resource.resource_type) +
                                                        " (TOPIC=2 is supported)");
    }
    if (!catalog.find(resource.resource_name)) {
        return Error(broker::Errc::unknown_topic_or_partition,
                     "topic '" + resource.resource_name + "' does not exist");
    }
    std::map<std::string, std::string> configs;
    std::map<std::string, bool> seen;
    for (const auto& c : resource.configs) {
        if (seen[c.name]) {
            return Error(broker::Errc::invalid_request,
                         "config '" + c.name + "' appears more than once");
        }
        seen[c.name] = true;
        if (!broker::TopicConfig::is_known(c.name)) {
            return Error(broker::Errc::invalid_config, "unknown topic config '" + c.name + "'");
        }
        if (!c.value) continue;
        ES_CHECK(broker::TopicConfig::validate(c.name, *c.value));
        configs[c.name] = *c.value;
    }
    return configs;
}

}  // namespace

void alter_configs(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<AlterConfigsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    using Key = std::pair<int8_t, std::string>;
    std::map<Key, size_t> count;
    for (const auto& r : request->resources) ++count[{r.resource_type, r.resource_name}];

    auto response = std::make_shared<AlterConfigsResponse>();
    // Per response entry, the configs to set on the topic, or nullopt when already answered.
    std::vector<std::optional<std::map<std::string, std::string>>> apply;
    std::map<Key, bool> listed;
    for (const auto& r : request->resources) {
        Key key{r.resource_type, r.resource_name};
        if (listed[key]) continue;
        listed[key] = true;
        ResourceResult& result = response->responses.emplace_back();
        result.resource_type = r.resource_type;
        result.resource_name = r.resource_name;
        if (count[key] > 1) {
            fail(result, Error(broker::Errc::invalid_request,
                               "resource '" + r.resource_name + "' appears more than once"));
            apply.emplace_back();
            continue;
        }
        auto configs = new_topic_configs(r, ctx->broker.catalog());
        if (!configs.ok()) {
            fail(result, configs.error());
            apply.emplace_back();
            continue;
        }
        apply.emplace_back(std::move(configs).value());
    }

    auto remaining = std::make_shared<size_t>(apply.size() + 1);
    auto settle = [ctx, response, remaining] {
        if (--*remaining == 0) {
            ctx->respond(std::optional<Bytes>(encode_response(*response, ctx->api_version)));
        }
    };
    for (size_t i = 0; i < apply.size(); ++i) {
        if (!apply[i]) {
            settle();
            continue;
        }
        ctx->broker.set_topic_configs(ctx->shard, response->responses[i].resource_name,
                                      std::move(*apply[i]), request->validate_only,
                                      [response, i, settle](Status set) {
                                          if (!set.ok()) fail(response->responses[i], set.error());
                                          settle();
                                      });
    }
    settle();
}

}  // namespace es::kafka::server::handlers
