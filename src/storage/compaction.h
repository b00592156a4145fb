#pragma once

#include "base/result.h"
#include "model/strong_int.h"
#include "storage/file.h"
#include "storage/log_config.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace es::storage {

class Log;

/// What the broker knows about transactions that compaction must respect.
struct CompactionFilter {
    /// Segments holding any offset at or past this are not compacted (open transactions).
    model::Offset cleanable_end = model::Offset::max();
    /// True when the transactional batch of `producer_id` starting at `base_offset` belongs to an
    /// aborted transaction; its records are dropped. Empty: no batch is aborted.
    /// Called from the thread that runs the job, once per transactional data batch.
    std::function<bool(model::ProducerId producer_id, model::Offset base_offset)> aborted;
};

struct CompactionResult {
    size_t segments_rewritten = 0;
    size_t segments_removed = 0;  // left empty by cleaning
    uint64_t bytes_before = 0;
    uint64_t bytes_after = 0;
    size_t records_removed = 0;
    size_t tombstones_removed = 0;
    size_t aborted_records_removed = 0;  // of aborted transactions (also in records_removed)
    bool aborted = false;  // the log changed underneath (truncation, retention); nothing swapped
};

/// Log compaction for cleanup.policy=compact, in three steps so that it never blocks the log:
///
///   auto job = log.prepare_compaction();   // owner thread: snapshot of the sealed segments
///   job->run(now_ms);                      // any thread: read them, write cleaned copies
///   log.finish_compaction(*job);           // owner thread: swap the copies in
///
/// Only sealed segments are cleaned (the active one is still being written). Per key, the
/// record with the highest offset among them is kept; offsets never change, so a cleaned batch
/// keeps its base offset and last offset delta. Tombstones (null values) are dropped once their
/// timestamp is older than delete.retention.ms. Records without a key and control batches are
/// kept as they are.
///
/// With a CompactionFilter: only the sealed segments that end below `cleanable_end` are inputs
/// (records of open transactions neither get cleaned nor supersede anything), and transactional
/// batches that `aborted` reports are dropped whole and never count as the latest value of a key.
class CompactionJob {
  public:
    struct Input {
        model::Offset base;
        uint64_t size;
        std::shared_ptr<File> file;
    };

    CompactionJob(FileSystem& fs, std::string dir, LogConfig config, std::vector<Input> inputs,
                  CompactionFilter filter = {});

    /// Writes `<base>.log.cleaned` for every input segment. Touches no state the log's owner
    /// uses: the inputs are sealed, so their bytes no longer change.
    Status run(int64_t now_ms);

    const std::vector<Input>& inputs() const { return inputs_; }
    const CompactionFilter& filter() const { return filter_; }
    const CompactionResult& result() const { return result_; }
    bool done() const { return done_; }
    /// Deletes the cleaned files (when the swap is abandoned).
    void discard();

  private:
    friend class Log;
    FileSystem& fs_;
    std::string dir_;
    LogConfig config_;
    std::vector<Input> inputs_;
    CompactionFilter filter_;
    std::vector<bool> removed_;  // per input: cleaned to nothing
    CompactionResult result_;
    bool done_ = false;
};

}  // namespace es::storage
