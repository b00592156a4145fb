#pragma once

#include "base/result.h"
#include "broker/topic_config.h"
#include "storage/file.h"

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace es::broker {

using TopicId = std::array<uint8_t, 16>;

struct TopicInfo {
    std::string name;
    TopicId id{};
    int32_t partitions = 0;
    TopicConfig config;
    bool internal = false;  // names starting with "__"
};

/// Kafka's topic name rules: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
Status validate_topic_name(const std::string& name);

/// The topics of this broker and their settings, persisted one small file per topic under
/// <data_dir>/meta/topics/ (written atomically). It is the only broker state shared by all
/// shards; partitions themselves belong to one shard each.
///
/// Runs on: any thread (internally locked; admin changes are rare, reads are short).
class Catalog {
  public:
    Catalog(storage::FileSystem& fs, std::string data_dir, BrokerDefaults defaults);

    /// Reads every topic file; a damaged file is reported and skipped, never fatal.
    Status load();

    std::optional<TopicInfo> find(const std::string& name) const;
    std::optional<TopicInfo> find(const TopicId& id) const;
    std::vector<TopicInfo> list() const;
    const BrokerDefaults& defaults() const { return defaults_; }

    /// Validates name, partition count and configs; `validate_only` checks without creating.
    Result<TopicInfo> create(const std::string& name, int32_t partitions,
                             std::map<std::string, std::string> configs, bool validate_only);
    Status remove(const std::string& name);
    Result<TopicInfo> set_partitions(const std::string& name, int32_t partitions);
    Result<TopicInfo> set_configs(const std::string& name,
                                  std::map<std::string, std::string> configs);

    std::string topic_file(const std::string& name) const;

  private:
    Status persist(const TopicInfo& info);
    Result<TopicInfo> parse(const std::string& name, BytesView content) const;

    storage::FileSystem& fs_;
    std::string data_dir_;
    BrokerDefaults defaults_;
    mutable std::mutex mu_;
    std::map<std::string, TopicInfo> topics_;
};

}  // namespace es::broker
