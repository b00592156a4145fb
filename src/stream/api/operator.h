#pragma once

// The pieces every operator is made of. Operators of one task are chained by direct virtual
// calls on typed records: an upstream operator's Output<K, V> calls process() on each
// downstream Input<K, V>; nothing is serialized inside a task.

#include "base/error.h"
#include "stream/api/record.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::stream::state {
class KvStore;
}

namespace es::stream {

/// A record on its way to a Kafka topic, as views valid during TaskContext::send().
struct OutgoingRecord {
    std::string_view topic;
    std::optional<int32_t> partition;  // nullopt: the producer's partitioner picks by key
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    TimeMs timestamp = 0;
};

/// What a task offers its operators. Implemented by the runtime (Kafka) and by the test driver.
///
/// Runs on: the task's thread; operators never share it with another task.
class TaskContext {
  public:
    virtual ~TaskContext() = default;

    /// A store the operator declared in its node's StoreSpec list.
    virtual state::KvStore& store(std::string_view name) = 0;
    /// Processing time (wall clock in the runtime, set by hand in the test driver).
    virtual TimeMs now() const = 0;
    /// The input partition number this task works on.
    virtual int32_t partition() const = 0;
    /// Sends a record to a topic (inside the task's transaction under exactly-once).
    virtual void send(const OutgoingRecord& record) = 0;
    /// The number of partitions of an output topic (repartition topics route by key).
    virtual int32_t partition_count(std::string_view topic) = 0;
    /// The full name of an internal topic of this job (`<application id>-<suffix>`).
    virtual std::string internal_topic(std::string_view suffix) const = 0;
    /// A repartition sink reports the watermark of the records it wrote; the task tells each
    /// partition of `topic` at its next commit.
    virtual void forward_watermark(std::string_view topic, TimeMs watermark) = 0;
    /// A record a source could not decode: counted, logged and kept (dead-letter topic), never
    /// silently dropped.
    virtual void bad_record(std::string_view node, std::string_view topic, const RawRecord& record,
                            const Error& error) = 0;
};

/// Counters every operator keeps; the runtime publishes them as metrics.
struct OperatorCounters {
    uint64_t records_in = 0;
    uint64_t records_out = 0;
    uint64_t late_records = 0;
    uint64_t dropped_records = 0;  // deliberately discarded: duplicates, inner-join misses
};

/// The part of an operator that does not depend on its record types.
class OperatorBase {
  public:
    virtual ~OperatorBase() = default;

    /// Called after every operator of the task exists and is connected, before any record.
    virtual void open(TaskContext& /*ctx*/) {}
    /// The task's watermark advanced to `watermark`: fire due event-time timers.
    virtual void on_watermark(TimeMs /*watermark*/) {}
    /// Processing time advanced to `now`: fire due processing-time timers.
    virtual void on_processing_time(TimeMs /*now*/) {}
    /// Before the task commits: write in-memory state the next incarnation needs to the stores.
    virtual void prepare_commit() {}

    /// Moves this operator's event-time clock to `watermark` and lets it fire its timers. The
    /// task calls it on every operator in topological order, so records that an upstream
    /// operator's timers emit reach a downstream operator while its clock still shows the
    /// previous watermark and are judged on time, as in Flink.
    void advance_watermark(TimeMs watermark) {
        if (watermark <= watermark_) return;
        watermark_ = watermark;
        on_watermark(watermark);
    }
    /// This operator's event-time clock: the last watermark it was advanced to.
    TimeMs current_watermark() const { return watermark_; }
    /// Sets the clock without firing anything (a task restored from its stores).
    void restore_watermark(TimeMs watermark) { watermark_ = watermark; }

    const std::string& name() const { return name_; }
    void set_name(std::string name) { name_ = std::move(name); }
    OperatorCounters& counters() { return counters_; }
    const OperatorCounters& counters() const { return counters_; }

  protected:
    OperatorCounters counters_;

  private:
    std::string name_;
    TimeMs watermark_ = kMinTime;
};

/// An operator that receives records of type Record<K, V>.
template <class K, class V>
class Input : public virtual OperatorBase {
  public:
    virtual void process(const Record<K, V>& record) = 0;
};

/// Where an operator's records go: every connected downstream operator, in connection order.
template <class K, class V>
class Output {
  public:
    void connect(Input<K, V>* target) { targets_.push_back(target); }
    bool connected() const { return !targets_.empty(); }

    void emit(const Record<K, V>& record) const {
        if (counters_) ++counters_->records_out;
        for (Input<K, V>* t : targets_) t->process(record);
    }
    void count_into(OperatorCounters* counters) { counters_ = counters; }

  private:
    std::vector<Input<K, V>*> targets_;
    OperatorCounters* counters_ = nullptr;
};

/// An operator whose main output carries Record<K, V>.
template <class K, class V>
class Emits : public virtual OperatorBase {
  public:
    Emits() { out.count_into(&counters_); }
    Output<K, V> out;
};

/// An operator with a side output of the late records it refused.
template <class K, class V>
class EmitsLate : public virtual OperatorBase {
  public:
    Output<K, V> late;
};

}  // namespace es::stream
