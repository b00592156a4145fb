#pragma once

#include "client/config.h"
#include "registry/service/schema_log.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace es::registry::service {

struct KafkaLogConfig {
    client::ClientConfig cluster;
    std::string topic = "_schemas";
    /// Only the writer has a producer. Its transactional.id makes it the single writer: a newer
    /// writer with the same id fences the older one, whose appends then fail with not_leader.
    bool writer = true;
    std::string transactional_id = "edgestream-schema-registry";
    int16_t replication_factor = -1;  // -1: the broker's default.replication.factor
    /// Bound for the initial replay and for an append to be applied.
    std::chrono::milliseconds timeout{10000};
};

/// A SchemaLog over a compacted single-partition Kafka topic, through client/.
///
/// make() creates the topic if missing (1 partition, cleanup.policy=compact) and, for a writer,
/// a transactional producer (acks=all, idempotent) whose init_transactions() fences any older
/// writer. start() launches the reader thread: a read_committed consumer from the beginning
/// that applies every record in order; it returns after the replay reached the end. append()
/// writes its records in one transaction, then waits until the reader has applied the last of
/// them, so a write is visible to reads when it returns and every registry on the topic
/// converges on the same state. Records the registry cannot parse are logged and skipped by the
/// registry, never fatal here.
///
/// Runs on: append() from any thread (serialized); the callback on the reader thread.
class KafkaLog final : public SchemaLog {
  public:
    static Result<std::unique_ptr<KafkaLog>> make(KafkaLogConfig config);
    ~KafkaLog() override;
    KafkaLog(const KafkaLog&) = delete;
    KafkaLog& operator=(const KafkaLog&) = delete;

    Status start(Apply apply) override;
    Status append(const std::vector<LogRecord>& records) override;
    void stop() override;

    /// False for a follower and after being fenced.
    bool is_writer() const;

  private:
    struct Impl;
    explicit KafkaLog(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::registry::service
