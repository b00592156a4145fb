#pragma once

// What AlterConfigs and IncrementalAlterConfigs share: which resources they accept, and the
// request-wide part (duplicate resources, one broker call per topic, one answer at the end).
// They differ only in how a resource's entries become the topic's new set of overrides.

#include "broker/broker.h"
#include "broker/errc.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/request_context.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

using TopicConfigs = std::map<std::string, std::string>;

/// The topic an alter request's resource names, or why it cannot be altered: only TOPIC
/// resources are; BROKER ones are refused with a reason rather than ignored.
inline Result<broker::TopicInfo> alterable_topic(int8_t resource_type, const std::string& name,
                                                 const broker::Catalog& catalog) {
    constexpr int8_t kTopicResource = 2;
    constexpr int8_t kBrokerResource = 4;
    if (resource_type == kBrokerResource) {
        return Error(broker::Errc::invalid_request,
                     "dynamic broker configs are not supported: set broker configs in the "
                     "broker's config file and restart it");
    }
    if (resource_type != kTopicResource) {
        return Error(broker::Errc::invalid_request, "unsupported resource type " +
                                                        std::to_string(resource_type) +
                                                        " (TOPIC=2 is supported)");
    }
    auto topic = catalog.find(name);
    if (!topic) {
        return Error(broker::Errc::unknown_topic_or_partition,
                     "topic '" + name + "' does not exist");
    }
    return *topic;
}

/// Refuses a config named twice in one resource, as Kafka does.
class ConfigNamesSeen {
  public:
    Status add(const std::string& name) {
        if (!names_.emplace(name, true).second) {
            return Error(broker::Errc::invalid_request,
                         "config '" + name + "' appears more than once");
        }
        return {};
    }

  private:
    std::map<std::string, bool> names_;
};

/// Runs an alter request: `new_configs(resource)` gives each topic's complete new overrides
/// (or an error for that resource), the broker stores them (or only validates, with
/// validate_only), and the response goes out once every resource is settled.
template <class Response, class Request, class NewConfigs>
void alter_topic_configs(const std::shared_ptr<RequestContext>& ctx, const Request& request,
                         NewConfigs new_configs) {
    using Key = std::pair<int8_t, std::string>;
    std::map<Key, size_t> count;
    for (const auto& r : request.resources) ++count[{r.resource_type, r.resource_name}];

    auto response = std::make_shared<Response>();
    auto fail = [](auto& result, const Error& error) {
        result.error_code = protocol::code(to_kafka(error));
        result.error_message = error.message();
    };
    // Per response entry, the configs to set on the topic, or nullopt when already answered.
    std::vector<std::optional<TopicConfigs>> apply;
    std::map<Key, bool> listed;
    for (const auto& r : request.resources) {
        Key key{r.resource_type, r.resource_name};
        if (listed[key]) continue;
        listed[key] = true;
        auto& result = response->responses.emplace_back();
        result.resource_type = r.resource_type;
        result.resource_name = r.resource_name;
        if (count[key] > 1) {
            fail(result, Error(broker::Errc::invalid_request,
                               "resource '" + r.resource_name + "' appears more than once"));
            apply.emplace_back();
            continue;
        }
        Result<TopicConfigs> configs = new_configs(r);
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
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        }
    };
    for (size_t i = 0; i < apply.size(); ++i) {
        if (!apply[i]) {
            settle();
            continue;
        }
        ctx->broker.set_topic_configs(ctx->shard, response->responses[i].resource_name,
                                      std::move(*apply[i]), request.validate_only,
                                      [response, i, settle, fail](Status set) {
                                          if (!set.ok()) fail(response->responses[i], set.error());
                                          settle();
                                      });
    }
    settle();
}

}  // namespace es::kafka::server::handlers
