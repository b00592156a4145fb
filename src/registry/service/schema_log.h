#pragma once

#include "base/result.h"
#include "registry/service/types.h"

#include <functional>
#include <vector>

namespace es::registry::service {

/// The registry's store: an ordered log of _schemas records. The registry never reads it
/// directly; every record, its own writes included, comes back through the apply callback, so
/// one code path builds the state on start, on a follower and after a write.
///
/// Runs on: append() from any thread (the log serializes appends); the callback on the log's
/// own thread (KafkaLog's reader) or inside append() (MemoryLog), never two at once.
class SchemaLog {
  public:
    using Apply = std::function<void(const LogRecord&)>;

    virtual ~SchemaLog() = default;

    /// Replays every record already in the log through `apply`, then keeps applying new ones;
    /// returns once the replay has reached the end of the log as it was.
    virtual Status start(Apply apply) = 0;

    /// Appends the records atomically (all or none), and returns once they are durable and
    /// have gone through `apply`: a read after a successful append sees them.
    /// Errc::not_leader when this log may not write (a follower, or fenced by a newer writer),
    /// Errc::store_error or Errc::timeout otherwise.
    virtual Status append(const std::vector<LogRecord>& records) = 0;

    /// Stops applying; append() fails afterwards.
    virtual void stop() = 0;
};

}  // namespace es::registry::service
