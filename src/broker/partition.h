#pragma once

#include "broker/producer_state.h"
#include "model/topic_partition.h"
#include "storage/log.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

namespace es::broker {

/// One partition: its log, the high watermark consumers may read up to (the last stable
/// offset for read_committed ones), and the long-poll fetches waiting for it to move.
///
/// With flush.messages=1 (the default) the high watermark is the durable end: consumers never
/// see a record that a crash could still take back. Otherwise it is the log end.
///
/// Runs on: the owning shard, for every call.
class Partition {
  public:
    Partition(model::TopicPartition tp, std::unique_ptr<storage::Log> log);

    const model::TopicPartition& tp() const { return tp_; }
    storage::Log& log() { return *log_; }
    const storage::Log& log() const { return *log_; }

    model::Offset high_watermark() const { return high_watermark_; }
    /// What read_committed consumers may read up to: the high watermark, or the first offset
    /// of the oldest open transaction when that is lower.
    model::Offset last_stable_offset() const;

    /// Topic settings the produce path needs on every batch, cached from the topic config.
    int32_t max_message_bytes = 1048588;
    bool log_append_time = false;
    bool compacted = false;
    bool waits_for_durability() const {
        return log_->config().flush_policy == storage::FlushPolicy::every_append;
    }
    /// After an append: moves the high watermark when it need not wait for a sync.
    void appended();
    /// After a sync: the durable end moved (or the log failed; then nothing moves).
    void durable(model::Offset durable_end);
    /// After truncation or a log start move: keeps the watermark inside the log.
    void clamp();

    /// The idempotent and transactional producers writing here, their open transactions and
    /// the aborted ones (loaded with the log by the broker).
    ProducerStateTable producer_state;

    /// A one-shot callback for when the high watermark next moves. `token` identifies the
    /// waiting fetch so it can withdraw once answered by another partition or its timeout.
    void add_waiter(const void* token, std::function<void()> wake);
    void remove_waiters(const void* token);
    size_t waiter_count() const { return waiters_.size(); }

  private:
    void advance(model::Offset hw);

    model::TopicPartition tp_;
    std::unique_ptr<storage::Log> log_;
    model::Offset high_watermark_;
    std::unordered_multimap<const void*, std::function<void()>> waiters_;
};

}  // namespace es::broker
