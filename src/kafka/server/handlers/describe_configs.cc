#include "kafka/protocol/generated/describe_configs.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "broker/topic_config.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;
using ResourceResult = DescribeConfigsResponse::DescribeConfigsResult;
using Entry = ResourceResult::DescribeConfigsResourceResult;

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

/// Kafka's ConfigType ids for DescribeConfigs v3+.
int8_t config_type(const std::string& type) {
    static const char* const kNames[] = {"unknown", "boolean", "string", "int",   "short",
                                         "long",    "double",  "list",   "class", "password"};
    for (int8_t i = 1; i < static_cast<int8_t>(std::size(kNames)); ++i) {
        if (type == kNames[i]) return i;
    }
    return 0;
}

struct Options {
    bool synonyms = false;
    bool documentation = false;
};

Entry to_entry(const broker::ConfigEntry& e, const Options& options) {
    Entry out;
    out.name = e.name;
    out.value = e.value;  // nothing here is sensitive, so every value is shown
    out.read_only = e.read_only;
    out.config_source = static_cast<int8_t>(e.source);
    out.is_default = e.source == broker::ConfigSource::default_config;
    out.is_sensitive = false;
    // Kafka lists every level that sets the value, most specific first. The broker reports only
    // the level that wins, so that is the one synonym given (under the entry's own name).
    if (options.synonyms) {
        out.synonyms.push_back({e.name, e.value, static_cast<int8_t>(e.source), {}});
    }
    out.config_type = config_type(e.type);
    if (options.documentation && !e.documentation.empty()) out.documentation = e.documentation;
    return out;
}

/// The entries that `keys` asks for: null or empty means all of them (Kafka reads both so);
/// names that no config has are left out.
std::vector<Entry> select(const std::vector<broker::ConfigEntry>& entries,
                          const std::optional<std::vector<std::string>>& keys,
                          const Options& options) {
    std::vector<Entry> out;
    for (const auto& e : entries) {
        bool wanted =
            !keys || keys->empty() || std::find(keys->begin(), keys->end(), e.name) != keys->end();
        if (wanted) out.push_back(to_entry(e, options));
    }
    return out;
}

void fail(ResourceResult& result, const Error& error) {
    result.error_code = protocol::code(to_kafka(error));
    result.error_message = error.message();
    result.configs.clear();
}

ResourceResult describe(const DescribeConfigsRequest::DescribeConfigsResource& resource,
                        const RequestContext& ctx, const Options& options) {
    ResourceResult result;
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    const std::string& name = resource.resource_name;
    if (resource.resource_type == kTopicResource) {
        if (auto valid = broker::validate_topic_name(name); !valid.ok()) {
            fail(result, valid.error());
        } else if (auto topic = ctx.broker.catalog().find(name)) {
            result.configs = select(topic->config.describe(), resource.configuration_keys, options);
        } else {
            fail(result, Error(broker::Errc::unknown_topic_or_partition,
                               "topic '" + name + "' does not exist"));
        }
        return result;
    }
    if (resource.resource_type == kBrokerResource) {
        // "" is the cluster-wide dynamic default, which this broker does not have: no entries.
        if (name.empty()) return result;
        int32_t id = 0;
        auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
        if (ec != std::errc() || end != name.data() + name.size()) {
            fail(result, Error(broker::Errc::invalid_request,
                               "broker id must be an integer, but it is '" + name + "'"));
        } else if (id != ctx.config.node_id) {
            fail(result, Error(broker::Errc::invalid_request,
                               "unexpected broker id " + name + ", expected " +
                                   std::to_string(ctx.config.node_id) + " or an empty string"));
        } else {
            result.configs = select(broker::describe_broker_defaults(ctx.broker.config().defaults),
                                    resource.configuration_keys, options);
        }
        return result;
    }
    fail(result, Error(broker::Errc::invalid_request, "unsupported resource type " +
                                                          std::to_string(resource.resource_type) +
                                                          " (TOPIC=2 and BROKER=4 are supported)"));
    return result;
}

}  // namespace

void describe_configs(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<DescribeConfigsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    Options options;
    options.synonyms = ctx->api_version >= 1 && request->include_synonyms;
    options.documentation = ctx->api_version >= 3 && request->include_documentation;
    DescribeConfigsResponse response;
    for (const auto& resource : request->resources) {
        response.results.push_back(describe(resource, *ctx, options));
    }
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

}  // namespace es::kafka::server::handlers
