#include "storage/segment.h"

#include "base/errc.h"
#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/logger.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace es::storage {

using model::Offset;
namespace L = model::batch_layout;

namespace {
constexpr size_t kReadAhead = 64 * 1024;

Error corrupt_at(uint64_t position, const std::string& what) {
    return Error(Errc::corrupt_segment, "at byte " + std::to_string(position) + ": " + what);
}
}  // namespace

BatchScanner::BatchScanner(const File& file, uint64_t start, uint64_t end)
    : file_(file), pos_(start), end_(end) {}

Status BatchScanner::fill(uint64_t from, size_t want) {
    if (from >= buffer_start_ && from + want <= buffer_start_ + buffer_len_) return {};
    size_t len = static_cast<size_t>(std::min<uint64_t>(std::max(want, kReadAhead), end_ - from));
    if (buffer_.size() < len) buffer_.resize(len);
    ES_CHECK(file_.read_at(from, MutableBytesView(buffer_.data(), len)));
    buffer_start_ = from;
    buffer_len_ = len;
    return {};
}

Result<std::optional<BatchInfo>> BatchScanner::next(bool verify) {
    if (pos_ >= end_) return std::optional<BatchInfo>{};
    uint64_t left = end_ - pos_;
    if (left < L::header_size) {
        return corrupt_at(pos_, std::to_string(left) + " bytes, less than a batch header");
    }
    ES_CHECK(fill(pos_, L::header_size));
    const uint8_t* h = buffer_.data() + (pos_ - buffer_start_);
    auto frame = model::RecordBatchView::frame_size(BytesView(h, L::header_size));
    if (!frame.ok()) return corrupt_at(pos_, frame.error().to_string());
    if (*frame > left) {
        return corrupt_at(pos_, "batch of " + std::to_string(*frame) + " bytes with " +
                                    std::to_string(left) + " left in the segment");
    }
    if (h[L::magic] != 2) return corrupt_at(pos_, "magic " + std::to_string(h[L::magic]));
    BatchInfo info;
    info.position = pos_;
    info.size = static_cast<uint32_t>(*frame);
    if (verify) {
        ES_CHECK(fill(pos_, *frame));
        BytesView bytes(buffer_.data() + (pos_ - buffer_start_), *frame);
        auto view = model::RecordBatchView::parse(bytes);
        if (!view.ok()) return corrupt_at(pos_, view.error().to_string());
        last_bytes_ = bytes;
        h = bytes.data();
    }
    info.base_offset = Offset(static_cast<int64_t>(load_be64(h + L::base_offset)));
    auto last_delta = static_cast<int32_t>(load_be32(h + L::last_offset_delta));
    if (info.base_offset.value() < 0 || last_delta < 0) {
        return corrupt_at(pos_, "negative base offset or offset delta");
    }
    info.last_offset = info.base_offset + last_delta;
    info.max_timestamp = static_cast<int64_t>(load_be64(h + L::max_timestamp));
    pos_ += *frame;
    return std::optional<BatchInfo>(info);
}

std::string Segment::file_name(Offset base, std::string_view suffix) {
    char name[32];
    std::snprintf(name, sizeof name, "%020" PRId64, base.value());
    return std::string(name).append(suffix);
}

Segment::Segment(FileSystem& fs, std::string dir, Offset base, uint32_t index_interval,
                 std::shared_ptr<File> file)
    : fs_(fs),
      dir_(std::move(dir)),
      base_(base),
      index_interval_(index_interval),
      file_(std::move(file)),
      index_(base),
      time_index_(base),
      next_offset_(base) {}

std::string Segment::path(std::string_view suffix) const {
    return dir_ + "/" + file_name(base_, suffix);
}

Result<std::unique_ptr<Segment>> Segment::create(FileSystem& fs, const std::string& dir,
                                                 Offset base, uint32_t index_interval) {
    std::string log_path = dir + "/" + file_name(base, ".log");
    ES_TRY(std::unique_ptr<File> file, fs.open(log_path, OpenMode::read_write_create));
    if (file->size() != 0) ES_CHECK(file->truncate(0));
    // Stale index files of an earlier segment with this base would describe other data.
    ES_CHECK(fs.remove(dir + "/" + file_name(base, ".index")));
    ES_CHECK(fs.remove(dir + "/" + file_name(base, ".timeindex")));
    ES_CHECK(fs.sync_directory(dir));
    return std::unique_ptr<Segment>(
        new Segment(fs, dir, base, index_interval, std::shared_ptr<File>(std::move(file))));
}

Result<std::unique_ptr<Segment>> Segment::open(FileSystem& fs, const std::string& dir, Offset base,
                                               uint32_t index_interval, Offset recovery_point,
                                               SegmentRecovery* recovery) {
    std::string log_path = dir + "/" + file_name(base, ".log");
    ES_TRY(std::unique_ptr<File> file, fs.open(log_path, OpenMode::read_write_existing));
    std::unique_ptr<Segment> seg(
        new Segment(fs, dir, base, index_interval, std::shared_ptr<File>(std::move(file))));
    auto loaded = seg->load_indexes();
    if (loaded.ok() && seg->next_offset_ <= recovery_point) {
        seg->sealed_ = true;
        return seg;
    }
    if (!loaded.ok() && !loaded.error().is(es::Errc::not_found)) {
        storage_log.warn("segment {}: rebuilding indexes: {}", log_path,
                         loaded.error().to_string());
    }
    ES_CHECK(seg->recover(recovery));
    seg->recovered_ = true;
    // The segment is unsealed now, so unseal() will not look for index files: remove the ones
    // recovery did not trust (or that a close wrote before crashing), or they would go stale
    // with the next truncation and be trusted once the recovery point passes them.
    ES_CHECK(fs.remove(seg->path(".index")));
    ES_CHECK(fs.remove(seg->path(".timeindex")));
    return seg;
}

void Segment::note_batch(const BatchInfo& info) {
    if (bytes_since_index_ >= index_interval_) {
        index_.add(info.base_offset, info.position);
        time_index_.maybe_add(std::max(max_timestamp_, info.max_timestamp), info.base_offset);
        bytes_since_index_ = 0;
    }
    bytes_since_index_ += info.size;
    next_offset_ = info.last_offset + 1;
    max_timestamp_ = std::max(max_timestamp_, info.max_timestamp);
}

Status Segment::recover(SegmentRecovery* recovery) {
    index_.clear();
    time_index_.clear();
    next_offset_ = base_;
    max_timestamp_ = -1;
    bytes_since_index_ = 0;
    BatchScanner scanner(*file_, 0, file_->size());
    SegmentRecovery report;
    while (true) {
        auto next = scanner.next(/*verify=*/true);
        std::string problem;
        uint64_t cut = scanner.position();
        if (!next.ok()) {
            if (!next.error().is(Errc::corrupt_segment)) return std::move(next).error();
            problem = next.error().message();
        } else if (!next->has_value()) {
            break;
        } else {
            const BatchInfo& info = **next;
            cut = info.position;
            if (info.base_offset < next_offset_) {
                problem = "at byte " + std::to_string(info.position) + ": base offset " +
                          std::to_string(info.base_offset.value()) + " does not follow " +
                          std::to_string(next_offset_.value() - 1);
            } else if (info.last_offset - base_ > UINT32_MAX) {
                problem = "at byte " + std::to_string(info.position) +
                          ": offset too far from the segment base";
            } else {
                note_batch(info);
                ++report.batches;
                continue;
            }
        }
        // Everything from here on is a torn write or damage: cut it off, never serve it.
        report.truncated_bytes = file_->size() - cut;
        report.reason = problem;
        storage_log.warn("segment {}: truncating {} bytes at byte {}: {}", path(".log"),
                         report.truncated_bytes, cut, problem);
        ES_CHECK(file_->truncate(cut));
        ES_CHECK(file_->sync());
        break;
    }
    if (recovery) *recovery = report;
    return {};
}

Status Segment::load_indexes() {
    ES_TRY(Bytes offset_file, fs_.read_whole(path(".index")));
    ES_TRY(Bytes time_file, fs_.read_whole(path(".timeindex")));
    ES_TRY(index_, OffsetIndex::parse(base_, offset_file, file_->size()));
    ES_TRY(time_index_, TimeIndex::parse(base_, time_file));
    // Everything up to the last index entry is described by the indexes; read the few headers
    // after it to learn the end offset and the largest timestamp.
    uint64_t from = index_.entries().empty() ? 0 : index_.entries().back().position;
    max_timestamp_ = time_index_.entries().empty() ? -1 : time_index_.entries().back().timestamp;
    bytes_since_index_ = 0;
    BatchScanner scanner(*file_, from, file_->size());
    while (true) {
        ES_TRY(std::optional<BatchInfo> info, scanner.next(/*verify=*/false));
        if (!info) break;
        bytes_since_index_ += info->size;
        next_offset_ = info->last_offset + 1;
        max_timestamp_ = std::max(max_timestamp_, info->max_timestamp);
    }
    // Like a position past the file end, an entry naming an offset past the last batch is
    // damage: a time index entry there would start lookups after the batches they should find.
    auto past_end = [&](const auto& entries) {
        return !entries.empty() && base_ + entries.back().relative_offset >= next_offset_;
    };
    if (past_end(index_.entries()) || past_end(time_index_.entries())) {
        return Error(Errc::corrupt_segment, "index entry past the last offset " +
                                                std::to_string(next_offset_.value() - 1));
    }
    return {};
}

Status Segment::append(BytesView batch, const BatchInfo& info) {
    if (sealed_) return Error(Errc::log_failed, "append to sealed segment " + path(".log"));
    uint64_t before = file_->size();
    auto written = file_->append(batch);
    if (!written.ok()) {
        auto cut = file_->truncate(before);
        if (!cut.ok()) {
            return Error(Errc::log_failed,
                         written.error().to_string() +
                             "; then could not cut the partial write: " + cut.error().to_string());
        }
        return written;
    }
    BatchInfo placed = info;
    placed.position = before;
    placed.size = static_cast<uint32_t>(batch.size());
    note_batch(placed);
    return {};
}

Result<std::optional<BatchInfo>> Segment::find(Offset target) const {
    BatchScanner scanner(*file_, index_.lookup(target), file_->size());
    while (true) {
        ES_TRY(std::optional<BatchInfo> info, scanner.next(/*verify=*/false));
        if (!info || info->last_offset >= target) return info;
    }
}

Result<Buffer> Segment::read(uint64_t position, size_t max_bytes, Offset upper_bound,
                             Offset* next_offset) const {
    uint64_t available = file_->size() > position ? file_->size() - position : 0;
    if (available < L::log_overhead) return Buffer();
    // One read covers max_bytes; when the first batch alone is larger it is read whole, as
    // Kafka returns the first batch even past the fetch limit so that consumers make progress.
    size_t want = static_cast<size_t>(
        std::min<uint64_t>(available, std::max<size_t>(max_bytes, L::header_size)));
    Buffer buf = Buffer::uninitialized(want);
    ES_CHECK(file_->read_at(position, buf.mutable_view()));
    ES_TRY(size_t first, model::RecordBatchView::frame_size(buf.view()));
    if (first > available) return corrupt_at(position, "batch runs past the segment end");
    if (first > want) {
        buf = Buffer::uninitialized(first);
        ES_CHECK(file_->read_at(position, buf.mutable_view()));
    }
    size_t used = 0;
    while (used + L::header_size <= buf.size()) {
        const uint8_t* h = buf.data() + used;
        auto size = model::RecordBatchView::frame_size(BytesView(h, L::header_size));
        if (!size.ok()) return corrupt_at(position + used, size.error().to_string());
        Offset base(static_cast<int64_t>(load_be64(h + L::base_offset)));
        if (used + *size > buf.size() || base >= upper_bound) break;
        if (used > 0 && used + *size > max_bytes) break;
        *next_offset = base + static_cast<int32_t>(load_be32(h + L::last_offset_delta)) + 1;
        used += *size;
    }
    buf.shrink_to(used);
    return buf;
}

Result<std::optional<BatchInfo>> Segment::find_by_timestamp(int64_t target, Offset from) const {
    if (max_timestamp_ < target) return std::optional<BatchInfo>{};
    // Either index gives a safe place to start: no batch before the time index's entry is
    // recent enough, and none before the batch holding `from` counts.
    std::optional<Offset> start = time_index_.scan_start(target);
    uint64_t position = std::max(start ? index_.lookup(*start) : 0, index_.lookup(from));
    BatchScanner scanner(*file_, position, file_->size());
    while (true) {
        ES_TRY(std::optional<BatchInfo> info, scanner.next(/*verify=*/false));
        if (!info || (info->max_timestamp >= target && info->last_offset >= from)) return info;
    }
}

Status Segment::truncate_to(Offset target) {
    ES_TRY(std::optional<BatchInfo> found, find(target));
    if (!found) return {};
    ES_CHECK(unseal());
    ES_CHECK(file_->truncate(found->position));
    // Truncation is rare (leader changes, tests); rebuilding the indexes keeps the logic simple.
    return recover(nullptr);
}

Status Segment::seal() {
    if (sealed_) return {};
    Bytes offsets = index_.serialize();
    Bytes times = time_index_.serialize();
    ES_CHECK(fs_.write_atomically(path(".index"), offsets));
    ES_CHECK(fs_.write_atomically(path(".timeindex"), times));
    sealed_ = true;
    return {};
}

Status Segment::unseal() {
    if (!sealed_) return {};
    // The files would go stale with the next append; recovery rebuilds them from the log.
    ES_CHECK(fs_.remove(path(".index")));
    ES_CHECK(fs_.remove(path(".timeindex")));
    sealed_ = false;
    return {};
}

Status Segment::remove_files() {
    ES_CHECK(fs_.remove(path(".log")));
    ES_CHECK(fs_.remove(path(".index")));
    ES_CHECK(fs_.remove(path(".timeindex")));
    return {};
}

}  // namespace es::storage
