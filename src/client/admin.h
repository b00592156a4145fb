#pragma once

#include "base/result.h"
#include "client/config.h"
#include "client/consumer.h"  // StartPosition
#include "model/strong_int.h"
#include "model/topic_partition.h"

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

/// A consumer group's state as the coordinator reports it (Kafka's names in to_string()).
enum class GroupState {
    unknown,
    preparing_rebalance,
    completing_rebalance,
    stable,
    dead,   // no such group (or being deleted)
    empty,  // no members, but committed offsets
};
std::string_view to_string(GroupState state);  // "Stable", "Empty", ...

struct GroupListing {
    std::string group_id;
    GroupState state = GroupState::unknown;
    std::string protocol_type;  // "consumer" for consumer groups, empty for a simple group
    /// No group protocol: offsets committed by a client that assigns partitions itself (or by
    /// an admin tool).
    bool simple = false;
};

struct GroupMemberInfo {
    std::string member_id;
    std::string group_instance_id;  // empty without static membership
    std::string client_id;
    std::string host;
    std::vector<model::TopicPartition> assignment;  // sorted
};

struct GroupDescription {
    std::string group_id;
    GroupState state = GroupState::unknown;
    std::string protocol;  // the partition assignor ("range", "roundrobin", ...), may be empty
    bool simple = false;
    int32_t coordinator = -1;              // broker id, -1 when unknown
    std::vector<GroupMemberInfo> members;  // by member id
};

/// One partition a group has committed an offset for or has assigned to a member.
struct GroupPartitionOffset {
    model::TopicPartition tp;
    std::optional<model::Offset> committed;  // nullopt: nothing committed
    std::optional<model::Offset> log_end;    // nullopt: could not be read (see error)
    std::optional<int64_t> lag;              // log end - committed, when both are known
    std::string member_id;                   // the member it is assigned to, empty if none
    std::string client_id;
    std::string host;
    std::string error;  // what went wrong reading this partition, empty when nothing
};

/// A broker of the cluster, as metadata describes it.
struct BrokerInfo {
    int32_t id = -1;
    std::string host;
    int32_t port = 0;
};

/// A partition's log start and end offsets.
struct PartitionOffsets {
    model::PartitionId partition;
    model::Offset start{0};
    model::Offset end{0};
};

/// One partition of reset_group_offsets(): where the group was and where it is (or would be).
struct OffsetChange {
    model::TopicPartition tp;
    std::optional<model::Offset> previous;  // nullopt: nothing was committed
    model::Offset next;
};

/// Topic and consumer group administration over librdkafka's Admin API and metadata requests.
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
    /// The cluster's brokers, by id.
    Result<std::vector<BrokerInfo>> brokers();
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

    // --- consumer groups ----------------------------------------------------------------------

    /// Every group the cluster knows, sorted by id.
    Result<std::vector<GroupListing>> list_groups();
    /// The group's state, protocol and members. A group that does not exist is reported by the
    /// broker as GroupState::dead with no members.
    Result<GroupDescription> describe_group(const std::string& group);
    /// The group's committed offsets on the cluster's (non-internal) topics and the partitions
    /// assigned to its members, each with the partition's log end offset and the lag, sorted by
    /// topic and partition.
    Result<std::vector<GroupPartitionOffset>> group_offsets(const std::string& group);
    /// Every partition's log start and end offsets, by partition: two ListOffsets rounds
    /// (earliest, latest) for the whole topic.
    Result<std::vector<PartitionOffsets>> log_offsets(const std::string& topic);
    /// Moves the group's committed offsets on `topic` (on `partitions`, all when empty) to `to`:
    /// beginning(), end(), at_offset(n) (clamped to the partition's start and end, as Kafka's
    /// tool does) or at_timestamp(ms) (the end when no record is that late). Like Kafka's tool,
    /// only for a group without members (Empty, or Dead: it then starts with these offsets):
    /// otherwise fails with Errc::kafka naming the state. `dry_run` computes the changes
    /// without committing them.
    Result<std::vector<OffsetChange>> reset_group_offsets(
        const std::string& group, const std::string& topic, StartPosition to,
        const std::vector<model::PartitionId>& partitions = {}, bool dry_run = false);
    /// Deletes the group and its committed offsets; the broker refuses a group with members
    /// (Errc::kafka, NON_EMPTY_GROUP) and an unknown one (GROUP_ID_NOT_FOUND).
    Status delete_group(const std::string& group);
    /// Deletes the group's committed offsets on `topic` (on `partitions`, all committed ones
    /// when empty); the broker refuses while a member is subscribed to the topic
    /// (GROUP_SUBSCRIBED_TO_TOPIC).
    Status delete_group_offsets(const std::string& group, const std::string& topic,
                                const std::vector<model::PartitionId>& partitions = {});

  private:
    struct Impl;
    explicit Admin(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::client
