#include "storage/index.h"

#include "storage/errc.h"

#include <algorithm>
#include <string>

namespace es::storage {

using model::Offset;

Result<OffsetIndex> OffsetIndex::parse(Offset base, BytesView file, uint64_t segment_size) {
    if (file.size() % entry_size != 0) {
        return Error(Errc::corrupt_segment, "offset index size " + std::to_string(file.size()) +
                                                " is not a multiple of 8");
    }
    OffsetIndex index(base);
    index.entries_.reserve(file.size() / entry_size);
    for (size_t at = 0; at < file.size(); at += entry_size) {
        Entry e{load_be32(file.data() + at), load_be32(file.data() + at + 4)};
        if (e.position >= segment_size ||
            (!index.entries_.empty() &&
             (e.relative_offset <= index.entries_.back().relative_offset ||
              e.position <= index.entries_.back().position))) {
            return Error(Errc::corrupt_segment, "offset index entry " +
                                                    std::to_string(at / entry_size) +
                                                    " out of order or past the segment end");
        }
        index.entries_.push_back(e);
    }
    return index;
}

void OffsetIndex::add(Offset batch_base, uint64_t position) {
    entries_.push_back(
        {static_cast<uint32_t>(batch_base - base_), static_cast<uint32_t>(position)});
}

uint64_t OffsetIndex::lookup(Offset target) const {
    if (target < base_) return 0;
    uint64_t rel = static_cast<uint64_t>(target - base_);
    auto it = std::upper_bound(entries_.begin(), entries_.end(), rel,
                               [](uint64_t r, const Entry& e) { return r < e.relative_offset; });
    return it == entries_.begin() ? 0 : std::prev(it)->position;
}

void OffsetIndex::truncate_to_position(uint64_t position) {
    while (!entries_.empty() && entries_.back().position >= position) entries_.pop_back();
}

Bytes OffsetIndex::serialize() const {
    Bytes out(entries_.size() * entry_size);
    for (size_t i = 0; i < entries_.size(); ++i) {
        store_be32(out.data() + i * entry_size, entries_[i].relative_offset);
        store_be32(out.data() + i * entry_size + 4, entries_[i].position);
    }
    return out;
}

Result<TimeIndex> TimeIndex::parse(Offset base, BytesView file) {
    if (file.size() % entry_size != 0) {
        return Error(Errc::corrupt_segment,
                     "time index size " + std::to_string(file.size()) + " is not a multiple of 12");
    }
    TimeIndex index(base);
    for (size_t at = 0; at < file.size(); at += entry_size) {
        Entry e{static_cast<int64_t>(load_be64(file.data() + at)), load_be32(file.data() + at + 8)};
        if (!index.entries_.empty() &&
            (e.timestamp <= index.entries_.back().timestamp ||
             e.relative_offset <= index.entries_.back().relative_offset)) {
            return Error(Errc::corrupt_segment,
                         "time index entry " + std::to_string(at / entry_size) + " out of order");
        }
        index.entries_.push_back(e);
    }
    return index;
}

void TimeIndex::maybe_add(int64_t max_timestamp_so_far, Offset batch_base) {
    auto rel = static_cast<uint32_t>(batch_base - base_);
    if (!entries_.empty() && (max_timestamp_so_far <= entries_.back().timestamp ||
                              rel <= entries_.back().relative_offset)) {
        return;
    }
    entries_.push_back({max_timestamp_so_far, rel});
}

std::optional<Offset> TimeIndex::scan_start(int64_t target) const {
    // The last entry whose running maximum is still below the target: nothing up to and
    // including its batch can match, so scanning from there is safe.
    auto it = std::lower_bound(entries_.begin(), entries_.end(), target,
                               [](const Entry& e, int64_t t) { return e.timestamp < t; });
    if (it == entries_.begin()) return std::nullopt;
    return base_ + std::prev(it)->relative_offset;
}

void TimeIndex::truncate_to_offset(Offset end) {
    while (!entries_.empty() && base_ + entries_.back().relative_offset >= end) entries_.pop_back();
}

Bytes TimeIndex::serialize() const {
    Bytes out(entries_.size() * entry_size);
    for (size_t i = 0; i < entries_.size(); ++i) {
        store_be64(out.data() + i * entry_size, static_cast<uint64_t>(entries_[i].timestamp));
        store_be32(out.data() + i * entry_size + 8, entries_[i].relative_offset);
    }
    return out;
}

}  // namespace es::storage
