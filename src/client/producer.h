#pragma once

#include "base/result.h"
#include "client/config.h"
#include "client/message.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace es::client {

class GroupConsumer;

/// Counts since the producer was made.
struct ProducerStats {
    uint64_t sent = 0;       // accepted by send()
    uint64_t delivered = 0;  // acknowledged by the broker (or sent, with acks=0)
    uint64_t failed = 0;     // delivery failed: broker error, timeout, ...

    uint64_t in_flight() const { return sent - delivered - failed; }
};

/// Called once per record that send() accepted: with where it landed, or why it failed.
/// It runs inside send() (which serves what is ready every 64th call), poll(), flush() or
/// send_and_wait() on the caller's thread; it must not
/// throw (an exception is caught, logged and dropped, since it would otherwise cross
/// librdkafka's C frames) and may call send().
using DeliveryCallback = std::function<void(const Result<DeliveryReport>&)>;

/// A Kafka producer over librdkafka: records are batched, compressed and sent by librdkafka's
/// own threads; acknowledgements come back as delivery callbacks.
///
/// Runs on: one thread at a time (the wrapper is not thread-safe); callbacks run on that thread.
/// Lifecycle: make(), send() any number of times, flush() to wait for the acknowledgements.
/// Destroying the producer purges what is still unacknowledged without calling its callbacks;
/// flush() first to keep it.
///
/// Transactions: with `transactional.id` among the properties the producer is transactional
/// (and idempotent). init_transactions() once, then for each transaction begin_transaction(),
/// send() the records, send_offsets_to_transaction() the input offsets they came from, and
/// commit_transaction(); a read_committed consumer sees all of it or, after
/// abort_transaction(), none of it. A transactional producer sends only inside a transaction
/// (send() fails with Errc::invalid_state otherwise). Destroying it mid-transaction leaves the
/// transaction to be aborted by the coordinator: at its timeout, or at once when the next
/// producer with the same transactional.id calls init_transactions().
///
/// What the transaction calls return besides ok:
///   - Errc::fenced: another producer with the same transactional.id called
///     init_transactions() (or the coordinator bumped the epoch). Fatal: this producer can do
///     nothing more; destroy it, and let the newer instance carry on.
///   - Errc::fatal: any other fatal error (authorization, an unrecoverable idempotence state);
///     destroy the producer.
///   - Errc::abortable: the transaction cannot commit (a record failed, a partition's producer
///     state was lost, ...): abort_transaction(), then redo the work in a new transaction.
///   - Errc::timeout, Errc::transport: retriable; the same call may be made again (commit and
///     abort resume where they stopped), or the transaction aborted.
///   - Errc::invalid_state: called in the wrong state (begin_transaction() before
///     init_transactions() or during a transaction, commit without begin, ...).
///   - Errc::config: the producer has no transactional.id.
class Producer {
  public:
    /// Creates the producer. Fails with Errc::config for a property librdkafka refuses. Does not
    /// contact the cluster: an unreachable broker shows up as failed deliveries.
    static Result<std::unique_ptr<Producer>> make(const ClientConfig& config);

    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    /// Queues a record. When librdkafka's queue is full, serves delivery callbacks until there is
    /// room (messages leave the queue within `message.timeout.ms`, delivered or failed). Fails
    /// with Errc::invalid_argument for an empty topic name, or with librdkafka's reason (an
    /// unknown partition, a record larger than `message.max.bytes`); the callback is then not
    /// called.
    Status send(const ProducerRecord& record, DeliveryCallback on_delivery = {});

    /// send() and wait for this record's acknowledgement; Errc::timeout when it has not come
    /// after `timeout` (the record stays in flight and may still be delivered).
    Result<DeliveryReport> send_and_wait(const ProducerRecord& record,
                                         std::chrono::milliseconds timeout);

    /// Serves delivery callbacks that are ready, waiting up to `timeout` for the first one.
    void poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    /// Waits until every record sent so far is acknowledged or failed, up to `timeout`. Returns
    /// the first delivery error since the previous flush() (there may be more: see stats()), or
    /// Errc::timeout when records are still in flight.
    Status flush(std::chrono::milliseconds timeout);

    ProducerStats stats() const;

    // --- transactions (see the class comment for the errors) ----------------------------------

    /// Registers the transactional.id with its coordinator: fences older producers with the same
    /// id and aborts the transaction they left open. Call once, before the first transaction;
    /// a retriable error (Errc::timeout) may be retried.
    Status init_transactions(std::chrono::milliseconds timeout);

    /// Starts a transaction: the records sent until commit or abort belong to it. Local; no
    /// request is made until the first record or offsets.
    Status begin_transaction();

    /// Adds the group's offsets to the transaction: they are committed with it, or not at all.
    /// `offsets` are the next offsets to read (the last processed record's offset + 1), for
    /// partitions `consumer` owns; the consumer's group metadata (member id and generation,
    /// KIP-447) lets the coordinator refuse a zombie that lost those partitions in a rebalance.
    Status send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                       const GroupConsumer& consumer,
                                       std::chrono::milliseconds timeout);

    /// Waits for the transaction's records (their delivery callbacks have run, with offsets,
    /// when it returns ok), then commits the records and the offsets sent with it.
    Status commit_transaction(std::chrono::milliseconds timeout);

    /// Purges the transaction's unsent records (their callbacks report a purge error) and
    /// aborts it: read_committed consumers never see its records, and its offsets are not
    /// committed.
    Status abort_transaction(std::chrono::milliseconds timeout);

  private:
    struct Impl;
    explicit Producer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::client
