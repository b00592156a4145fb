#pragma once

#include "base/result.h"
#include "client/config.h"
#include "model/strong_int.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::client {

struct TopicSummary {
    std::string name;
    int32_t partitions = 0;
    int32_t replication_factor = 0;  // replicas of the first partition
};

struct PartitionInfo {
    model::PartitionId id;
    int32_t leader = -1;
    std::vector<int32_t> replicas;
    std::vector<int32_t> isr;
    std::string error;  // librdkafka's name of the partition's error, empty when none
};

/// Where a config value comes from (Kafka's DescribeConfigs ConfigSource).
enum class ConfigSource {
    unknown,
    dynamic_topic,           // set on the topic
    dynamic_broker,          // set on this broker at runtime
    dynamic_default_broker,  // set for all brokers at runtime
    static_broker,           // the broker's configuration file
    default_config,          // the built-in default
};
std::string_view to_string(ConfigSource source);

struct ConfigEntry {
    std::string name;
    std::optional<std::string> value;  // nullopt for a sensitive or unset value
    ConfigSource source = ConfigSource::unknown;
    bool is_default = false;
    bool read_only = false;
    bool sensitive = false;
};

struct TopicDescription {
    std::string name;
    std::vector<PartitionInfo> partitions;  // by id
    std::vector<ConfigEntry> configs;       // by name
};

/// Topic administration over librdkafka's Admin API and metadata requests.
///
/// Runs on: one thread at a time; every call blocks until the cluster answers or the config's
/// timeout passes (Errc::timeout, naming the last broker error seen).
/// Errors: Errc::unknown_topic, Errc::topic_exists, Errc::kafka with the broker's code for
/// what the broker refused (INVALID_PARTITIONS, INVALID_CONFIG, POLICY_VIOLATION, ...).
class Admin {
  public:
    static Result<std::unique_ptr<Admin>> make(const ClientConfig& config);

    ~Admin();
    Admin(const Admin&) = delete;
    Admin& operator=(const Admin&) = delete;

    /// -1 for `partitions` or `replication_factor` leaves the choice to the broker
    /// (num.partitions, default.replication.factor; needs CreateTopics v4, Kafka 2.4+).
    Status create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                        const std::map<std::string, std::string>& configs = {});
    Status delete_topic(const std::string& name);

    /// Every topic the cluster reports, internal ones included, sorted by name.
    Result<std::vector<TopicSummary>> list_topics();
    /// The topic's partitions from metadata, sorted by id.
    Result<std::vector<PartitionInfo>> describe_partitions(const std::string& name);
    /// The topic's configs from DescribeConfigs, sorted by name.
    Result<std::vector<ConfigEntry>> describe_configs(const std::string& name);
    /// describe_partitions() and describe_configs() together.
    Result<TopicDescription> describe_topic(const std::string& name);

    /// Sets and removes topic configs, keeping the other overrides. librdkafka 2.0.2 has no
    /// IncrementalAlterConfigs, so this reads the topic's overrides (DescribeConfigs), merges,
    /// and writes them all back (AlterConfigs): a concurrent change between the two can be lost.
    Status alter_topic_configs(const std::string& name,
                               const std::map<std::string, std::string>& set,
                               const std::vector<std::string>& remove);

    /// Grows the topic to `total_partitions` partitions (Kafka's CreatePartitions semantics).
    Status create_partitions(const std::string& name, int32_t total_partitions);

  private:
    struct Impl;
    explicit Admin(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::client
