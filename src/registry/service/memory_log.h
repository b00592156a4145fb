#pragma once

#include "registry/service/schema_log.h"

#include <mutex>
#include <optional>
#include <vector>

namespace es::registry::service {

/// A SchemaLog in memory, for tests and for trying the registry without Kafka. A log can be
/// seeded with records (another log's contents) to play a restart.
class MemoryLog final : public SchemaLog {
  public:
    explicit MemoryLog(std::vector<LogRecord> initial = {}, bool writable = true);

    Status start(Apply apply) override;
    Status append(const std::vector<LogRecord>& records) override;
    void stop() override;

    /// Every record appended so far, in order.
    std::vector<LogRecord> records() const;
    /// The next append fails with Errc::store_error and stores nothing.
    void fail_next_append();

  private:
    mutable std::mutex mutex_;
    std::vector<LogRecord> records_;
    Apply apply_;
    bool writable_;
    bool fail_next_ = false;
    bool stopped_ = false;
};

}  // namespace es::registry::service
