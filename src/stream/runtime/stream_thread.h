#pragma once

// One stream thread: a member of the job's consumer group with its own producer, running the
// tasks of the partitions the group gives it, and committing their work every commit interval.
//
// Exactly-once protocol, per commit interval:
//   1. records are processed; sink, repartition and dead-letter records are sent inside the
//      thread's Kafka transaction (begun at the first send);
//   2. at commit, each task writes its clocks and markers, every changed state entry is sent to
//      its store's changelog topic, the input positions are added with
//      send_offsets_to_transaction (KIP-447: the group generation fences zombies), and the
//      transaction commits;
//   3. only then the same state changes are written to RocksDB, atomically with the changelog
//      offsets they correspond to (the checkpoint).
// A crash before 3 leaves RocksDB at the previous checkpoint; the task replays its changelogs
// from there on restart (read_committed, so an aborted transaction is never applied). A failed
// transaction is aborted, RocksDB changes are rolled back, and the tasks are rebuilt from their
// stores and restarted from the committed input offsets.

#include "base/result.h"
#include "client/group_consumer.h"
#include "stream/api/task.h"
#include "stream/api/topology.h"
#include "stream/runtime/config.h"
#include "stream/runtime/metrics.h"
#include "stream/runtime/topics.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::client {
class Consumer;
class Producer;
}  // namespace es::client

namespace es::stream::state {
class TaskDb;
class KvStore;
}  // namespace es::stream::state

namespace es::stream::runtime {

/// Runs on: its own thread; run() returns when `stop` is set or on an error the thread cannot
/// recover from by itself (the runner then starts it again with fresh clients).
class StreamThread final : private client::RebalanceListener, private TaskIo {
  public:
    StreamThread(const Topology& topology, const RuntimeConfig& config, const TopicPlan& plan,
                 std::string client_id, const std::atomic<bool>& stop, JobMetrics& metrics);
    ~StreamThread() override;

    Status run();

  private:
    struct ActiveTask;

    Status start_clients();
    Status process(const client::MessageBatch& batch);
    Status commit();
    /// When nothing else is to commit: positions that moved past what was committed without a
    /// record (a transaction marker at the end of a repartition topic), so that an idle job's
    /// committed offsets, and its lag, reach the end of its inputs.
    void commit_positions_past_markers();
    /// Aborts the open transaction and rebuilds every task from its stores at the group's
    /// committed offsets. Fails only when the thread must start over.
    /// Partitions in `leaving` are being given up: their tasks are closed, not rebuilt.
    Status abort_and_reset(const Error& cause,
                           const std::vector<model::TopicPartition>& leaving = {});
    /// Opens a task's database and stores and reads its checkpoint; no Task yet.
    Result<std::unique_ptr<ActiveTask>> open_store(TaskId id);
    /// Opens, restores (all together) and starts the tasks.
    Status open_tasks(const std::vector<TaskId>& ids);
    /// Replays every store's changelog from its checkpoint to the end, for all tasks at once.
    Status restore(const std::vector<std::unique_ptr<ActiveTask>>& tasks);
    void close_tasks(const std::vector<model::TopicPartition>& partitions);
    /// Aborts the open transaction and drops every task's uncommitted state and positions.
    void discard_uncommitted();
    void close_all_tasks();
    Status ensure_transaction();
    size_t uncommitted_bytes() const;
    void publish_metrics();

    // RebalanceListener
    void on_assigned(const std::vector<model::TopicPartition>& partitions) override;
    void on_revoked(const std::vector<model::TopicPartition>& partitions) override;
    void on_lost(const std::vector<model::TopicPartition>& partitions) override;

    // TaskIo
    TimeMs now() const override { return now_; }
    void send(const OutgoingRecord& record) override;
    int32_t partition_count(std::string_view topic) override { return plan_.partitions(topic); }
    std::string internal_topic(std::string_view suffix) const override {
        return plan_.internal_topic(suffix);
    }
    void bad_record(std::string_view node, std::string_view topic, const RawRecord& record,
                    const Error& error) override;

    const Topology& topology_;
    const RuntimeConfig& config_;
    const TopicPlan& plan_;
    std::string client_id_;
    const std::atomic<bool>& stop_;
    JobMetrics& metrics_;
    bool exactly_once_;

    std::unique_ptr<client::GroupConsumer> consumer_;
    std::unique_ptr<client::Producer> producer_;
    std::unique_ptr<client::Consumer> restorer_;
    std::map<TaskId, std::unique_ptr<ActiveTask>> tasks_;
    /// Next offset to read per input partition, for what was processed since the last commit.
    std::map<model::TopicPartition, int64_t> positions_;
    /// What this thread last committed per input partition (kept while it owns the partition).
    std::map<model::TopicPartition, int64_t> committed_;
    bool in_transaction_ = false;
    bool dirty_ = false;
    /// The first error met where it cannot be returned (rebalance callbacks, sends).
    std::optional<Error> deferred_;
    TimeMs now_ = 0;
    std::string current_topic_;  // the record being processed, for bad_record()
    int64_t current_offset_ = 0;
};

}  // namespace es::stream::runtime
