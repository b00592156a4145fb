#pragma once

#include "base/result.h"
#include "storage/log_config.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace es::broker {

/// Where a config value comes from, as DescribeConfigs reports it.
enum class ConfigSource : int8_t {
    dynamic_topic = 1,   // set on the topic
    static_broker = 4,   // from the broker's config file
    default_config = 5,  // built-in default
};

struct ConfigEntry {
    std::string name;
    std::string value;
    ConfigSource source = ConfigSource::default_config;
    bool read_only = false;
    std::string type;  // boolean, string, int, short, long, double, list, class, password
    std::string documentation;
};

/// Broker-level settings that topic configs default to (Kafka's log.* and message.* keys).
/// Keys not set here fall back to the built-in defaults of the topic config table.
using BrokerDefaults = std::map<std::string, std::string>;

/// The configs of one topic: the values set on it, validated, over the broker defaults.
/// Names and meanings are Kafka's (retention.ms, cleanup.policy, ...). One difference, on
/// purpose: flush.messages defaults to 1, so acks=all is answered only after fdatasync.
class TopicConfig {
  public:
    /// Validates every override (known name, value of the right type and range).
    static Result<TopicConfig> make(const BrokerDefaults& defaults,
                                    std::map<std::string, std::string> overrides);

    /// Checks one name/value pair the way make() would (for AlterConfigs).
    static Status validate(const std::string& name, const std::string& value);
    static bool is_known(const std::string& name);

    const std::map<std::string, std::string>& overrides() const { return overrides_; }
    /// The effective value of a config (override, broker default or built-in default).
    std::string get(const std::string& name) const;

    storage::LogConfig log_config() const;
    int32_t max_message_bytes() const;
    bool log_append_time() const;
    bool compacted() const { return log_config().cleanup_compact; }

    /// Every known config with its value and source, sorted by name.
    std::vector<ConfigEntry> describe() const;

  private:
    BrokerDefaults defaults_;
    std::map<std::string, std::string> overrides_;
};

/// Checks a broker-level default (log.retention.ms, message.max.bytes, ...) against the range
/// of the topic config it stands for.
Status validate_broker_default(const std::string& broker_key, const std::string& value);

/// The broker-level config entries DescribeConfigs reports for a BROKER resource.
std::vector<ConfigEntry> describe_broker_defaults(const BrokerDefaults& defaults);

}  // namespace es::broker
