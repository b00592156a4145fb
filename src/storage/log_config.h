#pragma once

#include <cstdint>

namespace es::storage {

/// When appended data is made durable (fdatasync).
enum class FlushPolicy {
    every_append,  // durable before the append is acknowledged; appenders share each fdatasync
    interval,      // every flush_interval_ms
    os,            // left to the operating system (and done at roll and close)
};

/// Per-log settings; the broker fills them from topic configs (names in comments).
struct LogConfig {
    uint64_t segment_bytes = 1ULL << 30;            // segment.bytes
    int64_t segment_ms = 7LL * 24 * 3600 * 1000;    // segment.ms
    int64_t retention_bytes = -1;                   // retention.bytes (-1: unlimited)
    int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // retention.ms (-1: unlimited)
    uint32_t index_interval_bytes = 4096;           // index.interval.bytes
    FlushPolicy flush_policy = FlushPolicy::every_append;
    int64_t flush_interval_ms = 1000;                     // flush.ms, with FlushPolicy::interval
    bool cleanup_delete = true;                           // cleanup.policy contains delete
    bool cleanup_compact = false;                         // cleanup.policy contains compact
    int64_t delete_retention_ms = 24LL * 3600 * 1000;     // delete.retention.ms (tombstones)
    uint64_t max_decompressed_batch_bytes = 64ULL << 20;  // bound for compaction's inflation
};

}  // namespace es::storage
