#pragma once

#include "base/result.h"
#include "client/config.h"
#include "client/consumer.h"  // MessageBatch
#include "client/message.h"
#include "model/topic_partition.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace es::client {

namespace detail {
struct GroupConsumerAccess;
}  // namespace detail

/// What a GroupConsumer's owner hears about its assignment. The callbacks run on the caller's
/// thread inside GroupConsumer::poll_batch() or close(), with a sorted, never empty list, and must
/// not throw (an exception is caught and logged: it would otherwise cross librdkafka's C frames).
/// They may call the consumer's commit(), committed(), seek(), pause() and resume(), and a
/// producer's transaction calls.
class RebalanceListener {
  public:
    virtual ~RebalanceListener() = default;
    /// The member now owns these partitions (as well as the ones it kept, with the cooperative
    /// protocol). Reading starts at the group's committed offset, else at auto.offset.reset;
    /// seek() here starts elsewhere.
    virtual void on_assigned(const std::vector<model::TopicPartition>& partitions) = 0;
    /// The partitions are about to be given up and the member may still commit for them: an
    /// exactly-once application commits its transaction here. Records of these partitions that
    /// poll_batch() had fetched but not yet returned are dropped, and the next owner starts at
    /// the committed offset.
    virtual void on_revoked(const std::vector<model::TopicPartition>& partitions) = 0;
    /// The partitions were taken away without a chance to commit (the session timed out, the
    /// member was fenced, ...): another member may already own them, so whatever was done for
    /// them since the last commit must be thrown away (an exactly-once application aborts its
    /// transaction).
    virtual void on_lost(const std::vector<model::TopicPartition>& partitions) = 0;
};

/// A member of a consumer group over librdkafka's high-level consumer: subscribe() to topics,
/// the group coordinator spreads their partitions over the members, and each member reads its
/// own and commits how far it got.
///
/// Defaults (properties in ClientConfig win): enable.auto.commit=false and
/// enable.auto.offset.store=false (nothing is committed behind the caller's back, which exactly-
/// once needs), auto.offset.reset=earliest, isolation.level=read_committed,
/// partition.assignment.strategy=range (with equal partition counts, a member gets the same
/// partition numbers of every subscribed topic: co-partitioned joins rely on it),
/// enable.partition.eof=false. Both the eager protocols (range, roundrobin) and the cooperative
/// one (cooperative-sticky) are handled.
///
/// Runs on: one thread at a time; librdkafka's threads fetch ahead, send heartbeats and run the
/// group protocol. poll_batch() must be called at least every max.poll.interval.ms (default
/// 5 min), or the member leaves the group.
/// Lifecycle: make(), subscribe(), poll_batch() in a loop, close() (or destroy) to leave the
/// group. The listener must outlive the consumer.
class GroupConsumer {
  public:
    /// Creates the member; it joins the group at the first poll_batch() after subscribe(). Fails
    /// with Errc::config for a property librdkafka refuses, an empty `group_id` or a different
    /// `group.id` among the properties. `listener` may be null.
    static Result<std::unique_ptr<GroupConsumer>> make(const ClientConfig& config,
                                                       const std::string& group_id,
                                                       RebalanceListener* listener);

    /// Leaves the group as close() does.
    ~GroupConsumer();
    GroupConsumer(const GroupConsumer&) = delete;
    GroupConsumer& operator=(const GroupConsumer&) = delete;

    /// Replaces the subscription. A topic that does not exist yet is reported by a later
    /// poll_batch() (Errc::unknown_topic) and joins the subscription once it is created.
    /// Errc::invalid_argument for an empty list or name.
    Status subscribe(const std::vector<std::string>& topics);

    /// Up to `max` records, waiting up to `timeout` for the first, without copying them (views
    /// valid while the batch lives). Serves the group: rebalance callbacks run inside it. An
    /// error librdkafka reports among the records is returned by the next call, after the
    /// records before it; the consumer keeps going after it (a missing topic, a broker that went
    /// away). Errc::fatal or Errc::fenced (a static member replaced) when the consumer cannot go
    /// on: destroy it.
    Result<MessageBatch> poll_batch(size_t max, std::chrono::milliseconds timeout);

    /// Commits `offsets` (the next offsets to read) for the group, synchronously. Fails with
    /// Errc::kafka when the broker refuses (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or
    /// REBALANCE_IN_PROGRESS while the group rebalances, ...), Errc::invalid_argument for a
    /// negative offset. An exactly-once application commits through
    /// Producer::send_offsets_to_transaction() instead.
    Status commit(const std::vector<TopicPartitionOffset>& offsets);

    /// The group's committed offsets for `partitions` (OffsetFetch, bounded by the config's
    /// timeout), in the order asked; a partition without a committed offset is left out.
    Result<std::vector<TopicPartitionOffset>> committed(
        const std::vector<model::TopicPartition>& partitions);

    /// Makes the next record of `tp` come from `next`. `tp` must be assigned
    /// (Errc::invalid_argument otherwise).
    Status seek(const model::TopicPartition& tp, model::Offset next);

    /// Stops fetching these (assigned) partitions until resume(); they stay assigned.
    /// A rebalance that assigns a partition again starts it unpaused.
    Status pause(const std::vector<model::TopicPartition>& partitions);
    Status resume(const std::vector<model::TopicPartition>& partitions);

    /// The partitions this member owns now, sorted.
    std::vector<model::TopicPartition> assignment() const;
    /// The application's position in each assigned partition: the offset after the last record
    /// poll_batch() handed out (past transaction markers it skipped), never records fetched but
    /// not yet handed out. Partitions without a position yet are left out.
    std::vector<TopicPartitionOffset> positions() const;
    /// The member id the coordinator gave this member; empty before it joined.
    std::string member_id() const;
    const std::string& group_id() const;

    /// Leaves the group: on_revoked() for what the member owns, then LeaveGroup, so the others
    /// take the partitions over at once. Later calls fail with Errc::invalid_state (close()
    /// itself returns ok again).
    Status close();

  private:
    friend struct detail::GroupConsumerAccess;
    struct Impl;
    explicit GroupConsumer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::client
