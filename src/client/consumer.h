#pragma once

#include "base/result.h"
#include "client/config.h"
#include "client/message.h"
#include "model/strong_int.h"
#include "model/topic_partition.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::client {

namespace detail {
struct MessageBatchAccess;
}  // namespace detail

/// Records handed out together by Consumer::poll_batch() and GroupConsumer::poll_batch(): views
/// into librdkafka's buffers, released when the batch is destroyed. Move-only.
class MessageBatch {
  public:
    MessageBatch() = default;
    ~MessageBatch();
    MessageBatch(MessageBatch&& other) noexcept;
    MessageBatch& operator=(MessageBatch&& other) noexcept;
    MessageBatch(const MessageBatch&) = delete;
    MessageBatch& operator=(const MessageBatch&) = delete;

    size_t size() const { return views_.size(); }
    bool empty() const { return views_.empty(); }
    const MessageView& operator[](size_t i) const { return views_[i]; }
    auto begin() const { return views_.begin(); }
    auto end() const { return views_.end(); }

  private:
    friend struct detail::MessageBatchAccess;
    void release();

    std::vector<void*> owned_;  // rd_kafka_message_t*, kept out of this header
    std::vector<MessageView> views_;
};

/// Where a partition starts being read.
struct StartPosition {
    enum class Kind { beginning, end, offset, timestamp };

    Kind kind = Kind::beginning;
    int64_t value = 0;  // the offset, or the timestamp in ms since the epoch

    static StartPosition beginning() { return {Kind::beginning, 0}; }
    /// Only records produced after the partition was assigned.
    static StartPosition end() { return {Kind::end, 0}; }
    static StartPosition at_offset(model::Offset offset) { return {Kind::offset, offset.value()}; }
    /// The first record whose timestamp is at or after `ms` (ListOffsets by time); the end of the
    /// partition when there is none.
    static StartPosition at_timestamp(int64_t ms) { return {Kind::timestamp, ms}; }
};

struct PartitionStart {
    model::TopicPartition tp;
    StartPosition start;
};

/// A consumer of explicitly assigned partitions, without a consumer group: nothing is committed
/// and no coordinator is needed (librdkafka's queue-based "simple consumer", as kcat uses without
/// -G). GroupConsumer (group_consumer.h) is the consumer-group member.
///
/// Runs on: one thread at a time; librdkafka's threads fetch ahead into a local queue that poll()
/// drains. Lifecycle: make(), assign(), poll() until done; destroying stops the fetchers.
class Consumer {
  public:
    /// Creates the consumer. Fails with Errc::config for a property librdkafka refuses.
    /// `enable.partition.eof` is on so that at_end() works.
    static Result<std::unique_ptr<Consumer>> make(const ClientConfig& config);

    ~Consumer();
    Consumer(const Consumer&) = delete;
    Consumer& operator=(const Consumer&) = delete;

    /// Replaces the assignment with `partitions` of `topic` (all of them when empty), each
    /// starting at `start`. Fails with Errc::unknown_topic when the topic or a partition does not
    /// exist, Errc::timeout or Errc::transport when the cluster does not answer in time.
    Status assign(const std::string& topic, const std::vector<model::PartitionId>& partitions,
                  StartPosition start);
    /// Replaces the assignment; each partition starts at its own position.
    Status assign(const std::vector<PartitionStart>& partitions);
    /// Stops fetching every assigned partition.
    void unassign();

    /// The next record, or nullopt when none arrived within `timeout` or when a partition just
    /// reached its end (see at_end()). An error is a consumer error librdkafka reported
    /// (Errc::unknown_topic when a partition went away, Errc::transport, ...); the consumer keeps
    /// fetching after it, so a caller may log it and poll again.
    Result<std::optional<Message>> poll(std::chrono::milliseconds timeout);

    /// Up to `max` records at once, without copying them, waiting up to `timeout` for the first:
    /// the fast path (one lock round and no allocation per record). Partition ends count for
    /// at_end() as with poll(). An error librdkafka reports among the records is returned by
    /// the next call, after the records before it.
    Result<MessageBatch> poll_batch(size_t max, std::chrono::milliseconds timeout);

    /// True when every assigned partition has reached its end and no record arrived after that:
    /// a caller that wants what exists now can stop here.
    bool at_end() const;

    std::vector<model::TopicPartition> assignment() const;

  private:
    struct Impl;
    explicit Consumer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::client
