#include "kafka/protocol/generated/alter_configs.h"

#include "broker/topic_config.h"
#include "kafka/server/handlers/alter_topic_configs.h"
#include "kafka/server/handlers/handlers.h"

namespace es::kafka::server::handlers {

namespace {

/// The complete new set of topic configs (AlterConfigs replaces, it does not merge). A null
/// value leaves that config at its default, as in Kafka.
Result<TopicConfigs> new_topic_configs(
    const protocol::AlterConfigsRequest::AlterConfigsResource& resource,
    const broker::Catalog& catalog) {
    ES_CHECK(alterable_topic(resource.resource_type, resource.resource_name, catalog));
    TopicConfigs configs;
    ConfigNamesSeen seen;
    for (const auto& c : resource.configs) {
        ES_CHECK(seen.add(c.name));
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
    auto request = decode_request<protocol::AlterConfigsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    const broker::Catalog& catalog = ctx->broker.catalog();
    alter_topic_configs<protocol::AlterConfigsResponse>(
        ctx, *request,
        [&catalog](const auto& resource) { return new_topic_configs(resource, catalog); });
}

}  // namespace es::kafka::server::handlers
