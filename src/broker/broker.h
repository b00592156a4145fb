#pragma once

#include "base/bytes.h"
#include "base/metrics.h"
#include "base/result.h"
#include "broker/catalog.h"
#include "broker/executor.h"
#include "broker/producer_state.h"
#include "model/topic_partition.h"
#include "storage/file.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace es::storage {
class GroupCommitter;
}

namespace es::broker {

class Partition;
class ProducerIdAllocator;

struct BrokerConfig {
    std::string data_dir = "./data";
    int32_t node_id = 0;
    /// Kafka's broker keys that topics default to (log.retention.ms, message.max.bytes, ...).
    BrokerDefaults defaults;
    int32_t num_partitions = 1;                    // num.partitions
    bool auto_create_topics = true;                // auto.create.topics.enable
    int64_t retention_check_interval_ms = 300000;  // log.retention.check.interval.ms
    int64_t producer_id_expiration_ms = 86400000;  // producer.id.expiration.ms
    storage::FileSystem* fs = nullptr;             // default: the real file system
};

struct ProduceInput {
    model::TopicPartition tp;
    MutableBytesView records;  // rewritten in place (offsets); must outlive the call
};

struct ProduceOutput {
    std::optional<Error> error;
    model::Offset base_offset{-1};
    int64_t log_append_time = -1;
    model::Offset log_start{-1};
};

struct FetchInput {
    model::TopicPartition tp;
    model::Offset offset;
    int32_t max_bytes = 0;
};

struct FetchOutput {
    std::optional<Error> error;
    model::Offset high_watermark{-1};
    model::Offset last_stable_offset{-1};
    model::Offset log_start{-1};
    Buffer records;
    /// read_committed only: the aborted transactions that meet the records returned, whose
    /// records the client drops.
    std::vector<AbortedTxn> aborted_transactions;
};

struct FetchSpec {
    std::vector<FetchInput> partitions;
    int32_t max_bytes = 50 * 1024 * 1024;
    int32_t min_bytes = 1;
    int32_t max_wait_ms = 500;
    bool read_committed = false;
};

struct ListOffsetsInput {
    model::TopicPartition tp;
    int64_t timestamp;  // -2 earliest, -1 latest, -3 max timestamp, else a time in ms
};

struct ListOffsetsOutput {
    std::optional<Error> error;
    int64_t timestamp = -1;
    model::Offset offset{-1};
};

struct DeleteRecordsInput {
    model::TopicPartition tp;
    model::Offset offset;  // -1: up to the high watermark
};

struct DeleteRecordsOutput {
    std::optional<Error> error;
    model::Offset low_watermark{-1};
};

struct InitProducerIdOutput {
    model::ProducerId producer_id{-1};
    model::ProducerEpoch producer_epoch{-1};
};

/// A transaction's end, as the transaction coordinator writes it to each partition it touched.
struct TxnMarker {
    model::ProducerId producer_id{-1};
    model::ProducerEpoch producer_epoch{-1};
    bool commit = false;
    int32_t coordinator_epoch = 0;
};

struct PartitionStats {
    model::TopicPartition tp;
    uint64_t size_bytes = 0;
    model::Offset log_start{0};
    model::Offset log_end{0};
    model::Offset high_watermark{0};
};

/// The broker: topics, their partitions spread over the shards, and the produce, fetch and
/// admin operations on them. It knows nothing of sockets or the Kafka wire format; the
/// kafka/server handlers translate requests into these calls.
///
/// Every partition belongs to one shard (owner()), and only that shard's thread touches it:
/// an operation posts work to the owners and collects their answers on the caller's shard
/// (`origin`), where `done` runs. The catalog of topics is the only shared state.
class Broker {
  public:
    Broker(BrokerConfig config, std::vector<Executor*> shards);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    /// Loads the catalog and opens every partition's log; call before the shards run.
    Status start();
    /// Closes every log (flush, seal, recovery point); call after the shards stopped.
    Status stop();

    const BrokerConfig& config() const { return config_; }
    const Catalog& catalog() const { return catalog_; }
    size_t shard_count() const { return shards_.size(); }
    size_t owner(const model::TopicPartition& tp) const;

    void produce(Executor& origin, std::vector<ProduceInput> inputs, int16_t acks,
                 std::function<void(std::vector<ProduceOutput>)> done);
    void fetch(Executor& origin, FetchSpec spec,
               std::function<void(std::vector<FetchOutput>)> done);
    void list_offsets(Executor& origin, std::vector<ListOffsetsInput> inputs, bool read_committed,
                      std::function<void(std::vector<ListOffsetsOutput>)> done);
    void delete_records(Executor& origin, std::vector<DeleteRecordsInput> inputs,
                        std::function<void(std::vector<DeleteRecordsOutput>)> done);
    /// Appends the marker as a control batch to each partition and answers once it is durable
    /// (as acks=all): one status per partition, in order. A marker from an epoch older than
    /// the partition has seen for the producer is refused (invalid_producer_epoch).
    void write_txn_markers(Executor& origin, TxnMarker marker,
                           std::vector<model::TopicPartition> partitions,
                           std::function<void(std::vector<Status>)> done);

    /// Creates a topic (num_partitions -1: num.partitions) and opens its partitions.
    void create_topic(Executor& origin, std::string name, int32_t partitions,
                      std::map<std::string, std::string> configs, bool validate_only,
                      std::function<void(Result<TopicInfo>)> done);
    void delete_topic(Executor& origin, std::string name, std::function<void(Status)> done);
    void create_partitions(Executor& origin, std::string name, int32_t count, bool validate_only,
                           std::function<void(Status)> done);
    /// Replaces the topic's configs (AlterConfigs semantics; incremental callers merge first).
    void set_topic_configs(Executor& origin, std::string name,
                           std::map<std::string, std::string> configs, bool validate_only,
                           std::function<void(Status)> done);
    void partition_stats(Executor& origin, std::function<void(std::vector<PartitionStats>)> done);
    /// The group committer's figures: requests, syncs and how long the syncs took.
    struct FlushFigures {
        uint64_t requests = 0;
        uint64_t syncs = 0;
        LatencyHistogram::Snapshot latency;
    };
    FlushFigures flush_figures() const;

    /// A new producer id with epoch 0 for an idempotent producer (InitProducerId without a
    /// transactional id, which Kafka answers the same way whatever id and epoch it is sent).
    void init_producer_id(Executor& origin, std::function<void(Result<InitProducerIdOutput>)> done);

    /// Checks with the transaction coordinator that a transactional producer added the
    /// partition to its open transaction (KIP-890): answers on `origin`.
    using TxnVerifier =
        std::function<void(Executor& origin, model::ProducerId, model::ProducerEpoch,
                           const model::TopicPartition&, std::function<void(Status)> done)>;
    /// From here on, the first transactional batch of a transaction on a partition is appended
    /// only once `verifier` approves it, so that records the coordinator does not know about
    /// (a client that skipped AddPartitionsToTxn, a delayed retry of an ended transaction)
    /// cannot open a transaction no marker will ever close. Set before serving.
    void set_txn_verifier(TxnVerifier verifier) { txn_verifier_ = std::move(verifier); }

    /// Retention, age rolls, recovery-point checkpoints and compaction for the partitions of
    /// one shard; the server runs it on each shard every retention_check_interval_ms.
    void housekeeping(size_t shard);

  private:
    struct ShardState;
    Partition* local(size_t shard, const model::TopicPartition& tp);
    Result<std::unique_ptr<Partition>> open_partition(const TopicInfo& topic, int32_t index);
    std::string partition_dir(const model::TopicPartition& tp) const;
    void apply_topic_settings(Partition& p, const TopicInfo& topic);
    void open_on_owners(Executor& origin, const TopicInfo& topic, int32_t from, int32_t to,
                        std::function<void(Status)> done);

    ProduceOutput append_local(size_t shard, ProduceInput& input, int16_t acks,
                               std::function<void(ProduceOutput)> finish);
    /// The producer whose transactional batch would open a transaction on `p`, when the
    /// coordinator has to approve it first; nullopt otherwise.
    std::optional<std::pair<model::ProducerId, model::ProducerEpoch>> needs_verification(
        const Partition& p, BytesView records) const;
    /// After an append to `p` on its shard: asks for a sync covering offsets below `needed`,
    /// moves the partition's durable end when it lands and then, when `done` is set, calls it
    /// on the shard with the outcome.
    void sync_then(size_t shard, Partition& p, model::Offset needed,
                   std::function<void(Status)> done);
    Status append_marker(size_t shard, Partition& p, const TxnMarker& marker);
    FetchOutput read_local(size_t shard, const FetchInput& input, bool read_committed);
    /// Removes a long-poll fetch's waiters from its partitions.
    void withdraw(const FetchSpec& spec, const void* token);
    ListOffsetsOutput list_local(size_t shard, const ListOffsetsInput& input, bool read_committed);

    BrokerConfig config_;
    storage::FileSystem& fs_;
    std::vector<Executor*> shards_;
    Catalog catalog_;
    std::unique_ptr<storage::GroupCommitter> committer_;
    std::unique_ptr<ProducerIdAllocator> producer_ids_;  // touched on shard 0 only
    std::vector<std::unique_ptr<ShardState>> shard_state_;
    TxnVerifier txn_verifier_;
};

}  // namespace es::broker
