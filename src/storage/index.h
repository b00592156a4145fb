#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "model/strong_int.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace es::storage {

/// Sparse offset index of one segment: every `index_interval_bytes` of log, the base offset of
/// a batch and the batch's file position. On disk: 8-byte big-endian entries
/// [relative offset u32][position u32]. It is only a hint for where to start scanning, so a
/// missing or damaged file is rebuilt from the log rather than trusted.
class OffsetIndex {
  public:
    struct Entry {
        uint32_t relative_offset;
        uint32_t position;
    };
    static constexpr size_t entry_size = 8;

    explicit OffsetIndex(model::Offset base) : base_(base) {}

    /// Parses an index file, checking that entries strictly increase and that positions lie
    /// inside a segment of `segment_size` bytes.
    static Result<OffsetIndex> parse(model::Offset base, BytesView file, uint64_t segment_size);

    void add(model::Offset batch_base, uint64_t position);
    /// The position of the last indexed batch whose base offset is <= target (0 if none).
    uint64_t lookup(model::Offset target) const;
    /// Drops entries at or past `position` (after a truncation).
    void truncate_to_position(uint64_t position);
    void clear() { entries_.clear(); }

    const std::vector<Entry>& entries() const { return entries_; }
    Bytes serialize() const;

  private:
    model::Offset base_;
    std::vector<Entry> entries_;
};

/// Sparse time index: at the same points as the offset index, the largest timestamp seen so far
/// in the segment and the base offset of the batch indexed there. On disk: 12-byte big-endian
/// entries [timestamp i64][relative offset u32].
class TimeIndex {
  public:
    struct Entry {
        int64_t timestamp;
        uint32_t relative_offset;
    };
    static constexpr size_t entry_size = 12;

    explicit TimeIndex(model::Offset base) : base_(base) {}

    static Result<TimeIndex> parse(model::Offset base, BytesView file);

    /// Adds an entry when max_timestamp_so_far grew since the last one.
    void maybe_add(int64_t max_timestamp_so_far, model::Offset batch_base);
    /// The base offset of a batch from which a forward scan finds the first batch with a
    /// timestamp >= target: every batch before it has smaller timestamps. nullopt: from the start.
    std::optional<model::Offset> scan_start(int64_t target) const;
    void truncate_to_offset(model::Offset end);
    void clear() { entries_.clear(); }

    const std::vector<Entry>& entries() const { return entries_; }
    Bytes serialize() const;

  private:
    model::Offset base_;
    std::vector<Entry> entries_;
};

}  // namespace es::storage
