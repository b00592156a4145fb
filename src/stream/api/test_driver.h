#pragma once

// Runs a topology in-process without Kafka, in the spirit of Kafka Streams'
// TopologyTestDriver: records piped in go through the same tasks, operators and RocksDB state
// stores as in the runtime; what the job writes is captured per topic. Repartition topics are
// in-memory queues, so multi-stage jobs and their in-band watermarks work as they do on Kafka.
// For job tests and the data-driven window and join tests.

#include "base/result.h"
#include "stream/api/task.h"
#include "stream/api/topology.h"

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::stream::state {
class TaskDb;
}

namespace es::stream {

struct CapturedRecord {
    std::string topic;
    int32_t partition = 0;
    std::optional<std::string> key;
    std::optional<std::string> value;
    TimeMs timestamp = 0;
};

/// Runs on: the caller's thread; not thread-safe.
class TestDriver final : private TaskIo {
  public:
    struct Options {
        std::filesystem::path state_dir = {};  // created if missing; one database per task below it
        int32_t partitions = 1;                // of every topic, input, output and internal
        std::string application_id = "test";
        TimeMs start_time = 0;  // processing time
        /// Commit after every piped record, so that repartition watermarks flow at once.
        bool commit_each_record = true;
    };

    static Result<std::unique_ptr<TestDriver>> make(const Topology& topology, Options options);
    ~TestDriver() override;

    /// Feeds a record to every task reading `topic`; the partition is chosen by key (Kafka's
    /// murmur2) unless given.
    Status pipe(std::string_view topic, std::optional<std::string_view> key,
                std::optional<std::string_view> value, TimeMs timestamp,
                std::optional<int32_t> partition = std::nullopt);
    /// Moves processing time to `now` and lets every task punctuate.
    Status advance_time(TimeMs now);
    /// Prepares every task's commit until no internal records are in flight, then writes the
    /// stores (the runtime does the same around a Kafka transaction).
    Status commit();
    /// Commits, closes every task and its database, and opens them again from disk: what a
    /// clean restart on the same machine does.
    Status restart();

    /// Records written to `topic` since the last call.
    std::vector<CapturedRecord> take(std::string_view topic);
    /// Records sources could not decode, with the reason.
    const std::vector<std::pair<CapturedRecord, std::string>>& bad_records() const {
        return bad_records_;
    }
    const std::map<TaskId, std::unique_ptr<Task>>& tasks() const { return tasks_; }

  private:
    TestDriver(const Topology& topology, Options options);
    Status open_tasks();
    Status drain();
    Status deliver(const CapturedRecord& record);
    Status health() const;

    // TaskIo
    TimeMs now() const override { return now_; }
    void send(const OutgoingRecord& record) override;
    int32_t partition_count(std::string_view) override { return options_.partitions; }
    std::string internal_topic(std::string_view suffix) const override;
    void bad_record(std::string_view node, std::string_view topic, const RawRecord& record,
                    const Error& error) override;

    const Topology& topology_;
    Options options_;
    TimeMs now_ = 0;
    std::map<TaskId, std::unique_ptr<state::TaskDb>> dbs_;
    std::map<TaskId, std::unique_ptr<Task>> tasks_;
    std::map<std::string, std::vector<CapturedRecord>, std::less<>> outputs_;
    std::deque<CapturedRecord> internal_;
    std::vector<std::pair<CapturedRecord, std::string>> bad_records_;
};

}  // namespace es::stream
