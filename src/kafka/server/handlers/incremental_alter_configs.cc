#include "kafka/protocol/generated/incremental_alter_configs.h"

#include "broker/topic_config.h"
#include "kafka/server/handlers/alter_topic_configs.h"
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

using Resource = protocol::IncrementalAlterConfigsRequest::AlterConfigsResource;

enum class Op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

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
Result<TopicConfigs> merged_topic_configs(const Resource& resource,
                                          const broker::Catalog& catalog) {
    ES_TRY(broker::TopicInfo topic,
           alterable_topic(resource.resource_type, resource.resource_name, catalog));
    std::map<std::string, std::string> types;
    for (const auto& e : topic.config.describe()) types[e.name] = e.type;

    TopicConfigs configs = topic.config.overrides();
    ConfigNamesSeen seen;
    for (const auto& c : resource.configs) {
        ES_CHECK(seen.add(c.name));
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
            split_list(it != configs.end() ? it->second : topic.config.get(c.name));
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
    auto request = decode_request<protocol::IncrementalAlterConfigsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    const broker::Catalog& catalog = ctx->broker.catalog();
    alter_topic_configs<protocol::IncrementalAlterConfigsResponse>(
        ctx, *request,
        [&catalog](const Resource& resource) { return merged_topic_configs(resource, catalog); });
}

}  // namespace es::kafka::server::handlers
