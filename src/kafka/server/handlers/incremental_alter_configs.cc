#include "kafka/protocol/generated/incremental_alter_configs.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "broker/topic_config.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::IncrementalAlterConfigsRequest;
using protocol::IncrementalAlterConfigsResponse;
using Resource = IncrementalAlterConfigsRequest::AlterConfigsResource;
using ResourceResult = IncrementalAlterConfigsResponse::AlterConfigsResourceResponse;

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

enum class Op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

void fail(ResourceResult& result, const Error& error) {
    result.error_code = protocol::code(to_kafka(error));
    result.error_message = error.message();
}

std::vector<std::string> split_list(const std::string& value) {
    std::vector<std::string> items;
    size_t start = 0;
    while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string item =
            value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) items.push_back(std::move(item));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return items;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

/// Applies the operations to the topic's current overrides and returns the whole new set, which
/// the broker then validates and stores (it replaces, as AlterConfigs does).
Result<std::map<std::string, std::string>> merged_topic_configs(const Resource& resource,
                                                                const broker::Catalog& catalog) {
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
    auto topic = catalog.find(resource.resource_name);
    if (!topic) {
        return Error(broker::Errc::unknown_topic_or_partition,
                     "topic '" + resource.resource_name + "' does not exist");
    }
    std::map<std::string, std::string> types;
    for (const auto& e : topic->config.describe()) types[e.name] = e.type;

    std::map<std::string, std::string> configs = topic->config.overrides();
    std::map<std::string, bool> seen;
    for (const auto& c : resource.configs) {
        if (seen[c.name]) {
            return Error(broker::Errc::invalid_request,
                         "config '" + c.name + "' appears more than once");
        }
        seen[c.name] = true;
        auto type = types.find(c.name);
        if (type == types.end()) {
            return Error(broker::Errc::invalid_config, "unknown topic config '" + c.name + "'");
        }
        auto op = static_cast<Op>(c.config_operation);
        if (op != Op::set && op != Op::remove && op != Op::append && op != Op::subtract) {
            return Error(broker::Errc::invalid_request,
                         "unknown config operation " + std::to_string(c.config_operation) +
                             " for '" + c.name + "' (SET=0, DELETE=1, APPEND=2, SUBTRACT=3)");
        }
        if (op == Op::remove) {
            configs.erase(c.name);
            continue;
        }
        if (!c.value) {
            return Error(broker::Errc::invalid_request,
                         "null value not supported for '" + c.name + "'");
        }
        if (op == Op::set) {
            configs[c.name] = *c.value;
            continue;
        }
        if (type->second != "list") {
            return Error(broker::Errc::invalid_config,
                         std::string(op == Op::append ? "APPEND" : "SUBTRACT") +
                             " applies to list configs only; '" + c.name + "' is a " +
                             type->second);
        }
        // Kafka appends to and subtracts from the value in effect, default included.
        auto it = configs.find(c.name);
        std::vector<std::string> items =
            split_list(it != configs.end() ? it->second : topic->config.get(c.name));
        for (const auto& item : split_list(*c.value)) {
            auto at = std::find(items.begin(), items.end(), item);
            if (op == Op::append && at == items.end()) items.push_back(item);
            if (op == Op::subtract && at != items.end()) items.erase(at);
        }
        configs[c.name] = join_list(items);
    }
    for (const auto& [name, value] : configs) {
        ES_CHECK(broker::TopicConfig::validate(name, value));
    }
    return configs;
}

}  // namespace

void incremental_alter_configs(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<IncrementalAlterConfigsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    using Key = std::pair<int8_t, std::string>;
    std::map<Key, size_t> count;
    for (const auto& r : request->resources) ++count[{r.resource_type, r.resource_name}];

    auto response = std::make_shared<IncrementalAlterConfigsResponse>();
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
        auto configs = merged_topic_configs(r, ctx->broker.catalog());
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
