#pragma once

#include "base/result.h"
#include "client/config.h"
#include "client/message.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace es::client {

/// Counts since the producer was made.
struct ProducerStats {
    uint64_t sent = 0;       // accepted by send()
    uint64_t delivered = 0;  // acknowledged by the broker (or sent, with acks=0)
    uint64_t failed = 0;     // delivery failed: broker error, timeout, ...

    uint64_t in_flight() const { return sent - delivered - failed; }
};

/// Called once per record that send() accepted: with where it landed, or why it failed.
/// It runs inside send(), poll(), flush() or send_and_wait() on the caller's thread; it must not
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

  private:
    struct Impl;
    explicit Producer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::client
