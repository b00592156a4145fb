#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "model/strong_int.h"
#include "storage/file.h"
#include "storage/index.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace es::storage {

/// The header fields of a stored batch that storage needs, read without decoding records.
struct BatchInfo {
    uint64_t position = 0;
    uint32_t size = 0;
    model::Offset base_offset;
    model::Offset last_offset;
    int64_t max_timestamp = -1;
};

/// Reads the batches of a segment file in order through a read-ahead buffer. With verify, each
/// batch is parsed whole and its CRC checked; without, only headers are read.
class BatchScanner {
  public:
    BatchScanner(const File& file, uint64_t start, uint64_t end);

    /// The next batch; nullopt at a clean end. An error names the position where the file stops
    /// being a valid sequence of batches (a torn or corrupt tail).
    Result<std::optional<BatchInfo>> next(bool verify);
    /// The bytes of the batch last returned by next(true).
    BytesView last_bytes() const { return last_bytes_; }
    uint64_t position() const { return pos_; }

  private:
    Status fill(uint64_t from, size_t want);

    const File& file_;
    uint64_t pos_;
    uint64_t end_;
    Bytes buffer_;
    uint64_t buffer_start_ = 0;
    size_t buffer_len_ = 0;
    BytesView last_bytes_;
};

struct SegmentRecovery {
    size_t batches = 0;
    uint64_t truncated_bytes = 0;
    std::string reason;  // why the tail was cut, empty when nothing was
};

/// One segment: `<base>.log` holding batches exactly as stored, with `<base>.index` and
/// `<base>.timeindex` beside it. The indexes are kept in memory and written when the segment is
/// sealed (rolled or closed).
///
/// Runs on: the owning log's thread. file() is shared with the flusher, which only syncs it.
class Segment {
  public:
    static std::string file_name(model::Offset base, std::string_view suffix);

    static Result<std::unique_ptr<Segment>> create(FileSystem& fs, const std::string& dir,
                                                   model::Offset base, uint32_t index_interval);
    /// Opens an existing segment. Its index files are trusted when they are consistent and the
    /// segment ends at or before `recovery_point` (everything below it was synced). Otherwise
    /// every batch is read and checked, a torn or corrupt tail is cut off (reported in
    /// *recovery) and the indexes are rebuilt.
    static Result<std::unique_ptr<Segment>> open(FileSystem& fs, const std::string& dir,
                                                 model::Offset base, uint32_t index_interval,
                                                 model::Offset recovery_point,
                                                 SegmentRecovery* recovery);

    model::Offset base_offset() const { return base_; }
    /// One past the last offset stored; the base offset when empty.
    model::Offset next_offset() const { return next_offset_; }
    uint64_t size() const { return file_->size(); }
    bool empty() const { return size() == 0; }
    int64_t max_timestamp() const { return max_timestamp_; }
    bool sealed() const { return sealed_; }
    /// True when open() had to scan and check the whole segment.
    bool recovered() const { return recovered_; }
    const std::shared_ptr<File>& file() const { return file_; }
    const OffsetIndex& offset_index() const { return index_; }
    const TimeIndex& time_index() const { return time_index_; }

    /// Appends a batch whose offsets are already assigned. On failure the segment is cut back
    /// to its size before the call (or the error says that this failed too).
    Status append(BytesView batch, const BatchInfo& info);

    /// The first batch whose last offset is >= target; nullopt when the segment has none.
    Result<std::optional<BatchInfo>> find(model::Offset target) const;
    /// Whole batches from `position`: the first always, then more while they fit in max_bytes
    /// and start below upper_bound. *next_offset becomes one past the last batch returned.
    Result<Buffer> read(uint64_t position, size_t max_bytes, model::Offset upper_bound,
                        model::Offset* next_offset) const;
    /// The first batch with max timestamp >= target among those whose last offset is >= from.
    Result<std::optional<BatchInfo>> find_by_timestamp(int64_t target,
                                                       model::Offset from = model::Offset(0)) const;

    /// Removes every batch whose last offset is >= target.
    Status truncate_to(model::Offset target);

    /// Writes the index files; later appends are refused.
    Status seal();
    /// Makes a sealed segment the active one again (after a restart or a truncation).
    Status unseal();
    Status remove_files();

  private:
    Segment(FileSystem& fs, std::string dir, model::Offset base, uint32_t index_interval,
            std::shared_ptr<File> file);
    Status recover(SegmentRecovery* recovery);
    Status load_indexes();
    void note_batch(const BatchInfo& info);
    std::string path(std::string_view suffix) const;

    FileSystem& fs_;
    std::string dir_;
    model::Offset base_;
    uint32_t index_interval_;
    std::shared_ptr<File> file_;
    OffsetIndex index_;
    TimeIndex time_index_;
    model::Offset next_offset_;
    int64_t max_timestamp_ = -1;
    bool recovered_ = false;
    uint64_t bytes_since_index_ = 0;
    bool sealed_ = false;
};

}  // namespace es::storage
