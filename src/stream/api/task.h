#pragma once

// A task: the operators of one sub-topology for one input partition number, with its state
// stores and its event-time clock. The runtime feeds it Kafka records and commits for it; the
// test driver feeds it records from files. Neither the task nor its operators know Kafka.

#include "base/result.h"
#include "stream/api/operator.h"
#include "stream/api/topology.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace es::stream::state {
class TaskDb;
}

namespace es::stream {

/// What the task needs from whoever runs it.
class TaskIo {
  public:
    virtual ~TaskIo() = default;
    virtual TimeMs now() const = 0;
    virtual void send(const OutgoingRecord& record) = 0;
    virtual int32_t partition_count(std::string_view topic) = 0;
    virtual std::string internal_topic(std::string_view suffix) const = 0;
    virtual void bad_record(std::string_view node, std::string_view topic, const RawRecord& record,
                            const Error& error) = 0;
};

struct TaskId {
    int subtopology = 0;
    int32_t partition = 0;

    /// "0_3", as Kafka Streams names tasks.
    std::string to_string() const;
    auto operator<=>(const TaskId&) const = default;
};

/// Runs on: one thread at a time (the stream thread that owns it).
class Task final : private TaskContext {
  public:
    /// Name of the store that keeps each input's clock and the task's watermark: one per
    /// sub-topology, since each has its own changelog (with its own partition count).
    static std::string clock_store_name(int subtopology);

    /// Makes the operators of `id.subtopology`, opens their stores in `db` (which outlives the
    /// task) and restores the event-time clocks from it.
    static Result<std::unique_ptr<Task>> make(const Topology& topology, TaskId id,
                                              state::TaskDb& db, TaskIo& io);
    ~Task() override;

    const TaskId& id() const { return id_; }
    /// Full names of the topics this task reads, at partition id().partition each.
    const std::vector<std::string>& input_topics() const { return input_topics_; }
    /// Names of every store the task writes, its clock store included.
    std::vector<std::string> store_names() const;
    /// Every store the task writes, by name, its clock store included.
    const std::map<std::string, state::KvStore*, std::less<>>& stores() const { return stores_; }

    /// One record of `topic` (a name from input_topics()).
    void process(std::string_view topic, const RawRecord& record);
    /// Lets processing time act: inputs silent for their idle timeout stop holding the
    /// watermark back, and processing-time timers fire.
    void punctuate();
    /// Before a commit: operators save in-memory state, the clocks are written to their store
    /// and repartition sinks tell downstream tasks the watermark.
    void prepare_commit();

    TimeMs watermark() const { return watermark_; }
    const std::vector<std::unique_ptr<OperatorBase>>& operators() const { return ops_; }
    uint64_t bad_records() const { return bad_records_; }

  private:
    struct Clock;

    Task(const Topology& topology, TaskId id, state::TaskDb& db, TaskIo& io);
    Status init();
    void update_watermark();
    void send_watermark_markers();

    // TaskContext
    state::KvStore& store(std::string_view name) override;
    TimeMs now() const override;
    int32_t partition() const override { return id_.partition; }
    void send(const OutgoingRecord& record) override;
    int32_t partition_count(std::string_view topic) override;
    std::string internal_topic(std::string_view suffix) const override;
    void forward_watermark(std::string_view topic, TimeMs watermark) override;
    void bad_record(std::string_view node, std::string_view topic, const RawRecord& record,
                    const Error& error) override;

    const Topology& topology_;
    TaskId id_;
    state::TaskDb& db_;
    TaskIo& io_;
    std::vector<std::unique_ptr<OperatorBase>> ops_;
    std::vector<std::string> input_topics_;
    std::vector<Clock> clocks_;
    std::map<std::string, state::KvStore*, std::less<>> stores_;
    state::KvStore* clock_store_ = nullptr;
    std::vector<state::KvStore*> ttl_stores_;
    TimeMs watermark_ = kMinTime;
    bool watermark_dirty_ = false;
    /// Repartition topic -> the watermark to tell its partitions, and what they last heard.
    struct Forward {
        TimeMs watermark = kMinTime;
        TimeMs sent = kMinTime;
        bool idle = false;
        bool idle_sent = false;
    };
    std::map<std::string, Forward, std::less<>> forwards_;
    uint64_t bad_records_ = 0;
};

}  // namespace es::stream
