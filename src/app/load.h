#pragma once

// The client load that `edgestream demo` and `edgestream bench` share: a rate-limited producer
// loop that can stamp the send time into each value and sample delivery latency, a consumer
// loop that counts what it reads and measures produce-to-consume latency from those stamps, and
// latency percentiles.

#include "client/config.h"
#include "client/producer.h"
#include "model/topic_partition.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace es::app::load {

using Clock = std::chrono::steady_clock;

/// Nanoseconds on the steady clock: what a stamped value carries in its first 8 bytes.
int64_t now_ns();

/// Percentiles of latency samples, in milliseconds.
struct Latency {
    uint64_t samples = 0;
    double p50 = 0;
    double p99 = 0;
    double p999 = 0;
    double max = 0;
};
/// Sorts `samples_ns` and summarizes them.
Latency summarize(std::vector<int64_t>& samples_ns);

struct ProduceOptions {
    std::string topic;
    size_t message_bytes = 100;
    uint64_t messages = 0;                 // stop after this many sends; 0: no limit
    std::chrono::nanoseconds duration{0};  // stop after this long; 0: no limit
    int64_t rate = 0;                      // messages per second; 0: as fast as possible
    /// Write the send time (now_ns()) into the first 8 bytes of each value, for a consumer to
    /// measure produce-to-consume latency; the value is then at least 8 bytes.
    bool stamp = false;
    /// Measure send -> delivery report latency of one message in this many (0: none). Only
    /// the sampled messages carry a delivery callback, which keeps the per-message cost low.
    uint32_t latency_every = 0;
    std::chrono::milliseconds flush_timeout{30000};
};

struct ProduceResult {
    client::ProducerStats stats;       // of this run (the producer may have sent before)
    double seconds = 0;                // from the first send until the flush returned
    size_t value_bytes = 0;            // the size of each value sent
    std::vector<int64_t> delivery_ns;  // sampled send -> delivery report latencies
    std::string error;                 // the first send or flush error, empty when none
};

/// Called about once per second while producing, with the whole seconds since the start.
using Tick = std::function<void(int64_t second, const client::ProducerStats& stats)>;

/// Sends `o.messages` values (or for `o.duration`) through `producer` at `o.rate`, then flushes.
ProduceResult produce(client::Producer& producer, const ProduceOptions& o, const Tick& tick);

/// Sends one record with an empty value and waits for it, before a measurement starts, so that
/// the producer's own start (metadata, connections, producer id) is not measured as latency.
/// Consumers count it (it has no timestamp to measure).
Status warm_up(client::Producer& producer, const std::string& topic,
               std::chrono::milliseconds timeout);
/// How many records warm_up() sends (consumers count them beside the measured ones).
constexpr uint64_t kWarmUpRecords = 1;

struct ConsumeOptions {
    std::string topic;
    /// The partitions to read (every partition of the topic when empty).
    std::vector<model::PartitionId> partitions;
    uint64_t max_messages = 0;  // stop after this many; 0: no limit
    /// Stop as soon as every partition is at its end (what existed at the start, for a topic
    /// nobody writes to); otherwise only once stop is set and the consumer has caught up.
    bool until_end = false;
    bool measure_latency = false;  // read the stamp of each value (see ProduceOptions::stamp)
    /// Start at the end of each partition instead of the beginning: only what is produced
    /// once `ready` is set is read.
    bool from_end = false;
    /// Give up after this long without a record, once stopping is allowed (0: never).
    std::chrono::milliseconds idle_timeout{0};
};

/// Reads every partition of a topic from the beginning with the group-less client::Consumer.
/// run() is meant for its own thread; the counters may be read meanwhile; the rest once run()
/// returned.
class ConsumerLoop {
  public:
    std::atomic<uint64_t> consumed{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<bool> stop{false};
    /// With stop: stop only once at least this many were read (the acknowledged count: an
    /// end-of-partition seen before the last records were fetched must not end the run early),
    /// or after idle_timeout without a record. Set it before stop.
    std::atomic<uint64_t> expected{0};
    /// Set once reading has started (from_end: once every partition reached its end), or when
    /// run() returned without reading.
    std::atomic<bool> ready{false};
    std::vector<int64_t> latencies_ns;  // produce-to-consume, when measured
    double seconds = 0;                 // from the assignment until the last record
    Clock::time_point started{};        // the assignment (unset when it failed)
    Clock::time_point finished{};       // the last record
    std::string error;                  // why it could not read, empty when it could

    void run(const client::ClientConfig& config, const ConsumeOptions& o);

  private:
    void read(const client::ClientConfig& config, const ConsumeOptions& o);
};
;

}  // namespace es::app::load
