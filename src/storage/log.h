#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "model/strong_int.h"
#include "storage/compaction.h"
#include "storage/durability.h"
#include "storage/file.h"
#include "storage/log_config.h"
#include "storage/segment.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace es::storage {

struct AppendResult {
    model::Offset base_offset;
    model::Offset last_offset;
    int64_t log_append_time = -1;  // set when the log rewrote the batch's timestamp
};

struct ReadResult {
    Buffer data;                // whole batches, exactly as stored
    model::Offset next_offset;  // one past the last batch in data (the start offset when empty)
};

struct LogRecovery {
    size_t segments = 0;
    size_t segments_scanned = 0;  // at or past the recovery point, or with unusable indexes
    size_t batches_scanned = 0;
    uint64_t bytes_truncated = 0;
    size_t segments_dropped = 0;  // whole segments after a corrupt one
};

struct RetentionResult {
    size_t segments_removed = 0;
    uint64_t bytes_removed = 0;
};

/// A partition's log: a directory of segments named by base offset, plus two checkpoint files
/// (`log-start-offset`, `recovery-point`). See src/storage/README.md for the format and the
/// recovery rules.
///
/// Runs on: the owning shard's thread, for every call. Durability is tracked by the
/// LogDurability returned by durability(), which a flusher may use from another thread.
class Log {
  public:
    using Clock = std::function<int64_t()>;

    static Result<std::unique_ptr<Log>> open(FileSystem& fs, std::string dir, LogConfig config,
                                             Clock clock = {});
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    /// Validates the batch, assigns its offsets (rewriting its base offset in place, and its
    /// timestamps when `log_append_time`) and writes it to the active segment, rolling first
    /// when the segment is full or old. Durability follows the flush policy: with every_append
    /// the caller asks a GroupCommitter for a sync before it acknowledges.
    /// `crc_checked`: the caller verified the batch's CRC already (the broker does, on the
    /// produce path), so it is not computed a second time.
    Result<AppendResult> append(MutableBytesView batch, bool log_append_time = false,
                                bool crc_checked = false);

    /// Whole batches starting with the one that holds `start`, up to max_bytes (the first batch
    /// is returned whole even when larger), none starting at or after upper_bound.
    Result<ReadResult> read(model::Offset start, size_t max_bytes,
                            model::Offset upper_bound = model::Offset::max()) const;

    /// The base offset of the first batch with a timestamp >= target (for ListOffsets; the
    /// broker refines it to the record). nullopt when no batch is that recent.
    Result<std::optional<model::Offset>> batch_for_timestamp(int64_t target) const;

    /// Removes every batch whose last offset is >= target; returns the new end offset.
    Result<model::Offset> truncate(model::Offset target);
    /// Moves the log start offset forward (DeleteRecords); whole segments below it go.
    Status advance_start_offset(model::Offset new_start);
    /// Removes whole segments past retention.ms or beyond retention.bytes (never the active one).
    Result<RetentionResult> apply_retention();
    /// Rolls the active segment if it is past segment.ms, even with no append to trigger it.
    Status maybe_roll_by_age();

    /// Compaction (cleanup.policy=compact) in three steps; see CompactionJob. prepare and finish
    /// run on the owner thread, the job itself on any thread in between.
    /// `filter` keeps open transactions out (only sealed segments ending below its
    /// cleanable_end are inputs) and drops aborted transactional batches.
    Result<std::unique_ptr<CompactionJob>> prepare_compaction(const CompactionFilter& filter = {});
    Result<CompactionResult> finish_compaction(CompactionJob& job);
    /// All three steps on the calling thread.
    Result<CompactionResult> compact(const CompactionFilter& filter = {});

    /// Syncs from the calling thread (tests, close, the interval policy without a flusher).
    Result<model::Offset> flush();
    /// Records the durable end as the recovery point, so that a restart after a crash scans
    /// only what lies beyond it. Done at roll and close; the owner may call it periodically.
    Status checkpoint_recovery_point();
    /// Flushes, seals the active segment and records a clean recovery point.
    Status close();
    /// Closes and deletes the directory with everything in it.
    Status remove();

    model::Offset start_offset() const { return start_offset_; }
    model::Offset end_offset() const { return end_offset_; }
    model::Offset durable_end() const { return durability_->durable_end(); }
    const std::shared_ptr<LogDurability>& durability() const { return durability_; }
    const LogConfig& config() const { return config_; }
    void set_config(const LogConfig& config) { config_ = config; }
    const std::string& directory() const { return dir_; }
    const LogRecovery& recovery() const { return recovery_; }
    size_t segment_count() const { return segments_.size(); }
    uint64_t size_bytes() const;
    /// The segments in offset order (compaction and tests read them).
    const std::map<model::Offset, std::unique_ptr<Segment>>& segments() const { return segments_; }

  private:
    Log(FileSystem& fs, std::string dir, LogConfig config, Clock clock);
    Status load();
    Status roll(model::Offset next_base);
    Status write_checkpoint(const char* name, model::Offset value);
    Result<std::optional<model::Offset>> read_checkpoint(const char* name);
    Status remove_segment(std::map<model::Offset, std::unique_ptr<Segment>>::iterator it);
    Segment& active() { return *segments_.rbegin()->second; }
    Status check_usable() const;

    FileSystem& fs_;
    std::string dir_;
    LogConfig config_;
    Clock clock_;
    std::map<model::Offset, std::unique_ptr<Segment>> segments_;
    model::Offset start_offset_{0};
    model::Offset end_offset_{0};
    int64_t active_created_ms_ = 0;
    model::Offset recovery_point_{0};
    std::shared_ptr<LogDurability> durability_;
    LogRecovery recovery_;
    bool closed_ = false;
};

}  // namespace es::storage
