#include "storage/log.h"

#include "base/clock.h"
#include "base/errc.h"
#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/logger.h"

#include <algorithm>
#include <charconv>

namespace es::storage {

using model::Offset;

namespace {

constexpr const char* kStartOffsetFile = "log-start-offset";
constexpr const char* kRecoveryPointFile = "recovery-point";

/// "00000000000000001234.log" -> 1234; nullopt for any other name.
std::optional<Offset> segment_base(std::string_view name) {
    constexpr std::string_view suffix = ".log";
    if (name.size() != 20 + suffix.size() || !name.ends_with(suffix)) return std::nullopt;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + 20, value);
    if (ec != std::errc() || end != name.data() + 20) return std::nullopt;
    return Offset(value);
}

bool is_leftover(std::string_view name) {
    return name.ends_with(".tmp") || name.ends_with(".cleaned") || name.ends_with(".swap");
}

}  // namespace

Log::Log(FileSystem& fs, std::string dir, LogConfig config, Clock clock)
    : fs_(fs), dir_(std::move(dir)), config_(config), clock_(std::move(clock)) {
    if (!clock_) clock_ = wall_clock_ms;
}

Log::~Log() {
    if (!closed_) {
        auto closed = close();
        if (!closed.ok()) storage_log.error("closing {}: {}", dir_, closed.error().to_string());
    }
}

Result<std::unique_ptr<Log>> Log::open(FileSystem& fs, std::string dir, LogConfig config,
                                       Clock clock) {
    ES_CHECK(fs.create_directories(dir));
    std::unique_ptr<Log> log(new Log(fs, std::move(dir), config, std::move(clock)));
    auto loaded = log->load();
    if (!loaded.ok()) {
        log->closed_ = true;  // nothing to flush: the log never opened
        return std::move(loaded).error().with_context("opening log " + log->dir_);
    }
    return log;
}

Result<std::optional<Offset>> Log::read_checkpoint(const char* name) {
    std::string path = dir_ + "/" + name;
    if (!fs_.exists(path)) return std::optional<Offset>{};
    ES_TRY(Bytes content, fs_.read_whole(path));
    std::string_view text = as_string_view(content);
    int64_t value = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || value < 0 || (end != text.data() + text.size() && *end != '\n')) {
        storage_log.warn("{}: ignoring unreadable checkpoint {}", dir_, name);
        return std::optional<Offset>{};
    }
    return std::optional<Offset>(Offset(value));
}

Status Log::write_checkpoint(const char* name, Offset value) {
    std::string text = std::to_string(value.value()) + "\n";
    return fs_.write_atomically(dir_ + "/" + name, as_bytes(text));
}

Status Log::load() {
    ES_TRY(std::vector<std::string> names, fs_.list(dir_));
    std::vector<Offset> bases;
    for (const auto& name : names) {
        if (auto base = segment_base(name)) {
            bases.push_back(*base);
        } else if (is_leftover(name)) {
            // An interrupted checkpoint write or compaction swap: the originals are intact.
            ES_CHECK(fs_.remove(dir_ + "/" + name));
        }
    }
    std::sort(bases.begin(), bases.end());
    ES_TRY(std::optional<Offset> start_checkpoint, read_checkpoint(kStartOffsetFile));
    ES_TRY(std::optional<Offset> recovery_checkpoint, read_checkpoint(kRecoveryPointFile));
    recovery_point_ = recovery_checkpoint.value_or(Offset(0));

    for (size_t i = 0; i < bases.size(); ++i) {
        SegmentRecovery report;
        ES_TRY(std::unique_ptr<Segment> seg,
               Segment::open(fs_, dir_, bases[i], config_.index_interval_bytes, recovery_point_,
                             &report));
        ++recovery_.segments;
        if (seg->recovered()) ++recovery_.segments_scanned;
        recovery_.batches_scanned += report.batches;
        recovery_.bytes_truncated += report.truncated_bytes;
        bool overlaps = !segments_.empty() && seg->base_offset() < active().next_offset();
        if (overlaps) {
            storage_log.error(
                "{}: segment {} overlaps the one before it; dropping it and later ones", dir_,
                seg->base_offset().value());
        }
        bool cut = report.truncated_bytes > 0 && i + 1 < bases.size();
        if (!overlaps) segments_.emplace(seg->base_offset(), std::move(seg));
        if (overlaps || cut) {
            // Later segments would follow a hole: what they hold was never acknowledged as
            // durable (the damaged tail was), or is damage itself.
            for (size_t j = overlaps ? i : i + 1; j < bases.size(); ++j) {
                ES_CHECK(fs_.remove(dir_ + "/" + Segment::file_name(bases[j], ".log")));
                ES_CHECK(fs_.remove(dir_ + "/" + Segment::file_name(bases[j], ".index")));
                ES_CHECK(fs_.remove(dir_ + "/" + Segment::file_name(bases[j], ".timeindex")));
                ++recovery_.segments_dropped;
            }
            break;
        }
    }

    if (segments_.empty()) {
        Offset base = start_checkpoint.value_or(Offset(0));
        ES_TRY(std::unique_ptr<Segment> seg,
               Segment::create(fs_, dir_, base, config_.index_interval_bytes));
        segments_.emplace(base, std::move(seg));
    }
    // Every segment but the last is sealed; recovered ones get fresh index files now.
    for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
        ES_CHECK(it->second->seal());
    }
    ES_CHECK(active().unseal());

    end_offset_ = active().next_offset();
    Offset first = segments_.begin()->second->base_offset();
    start_offset_ = std::min(std::max(first, start_checkpoint.value_or(first)), end_offset_);
    active_created_ms_ = clock_();

    // What recovery read may still be only in the page cache (the process died, not the
    // machine): make it durable before anyone is told it is.
    durability_ = std::make_shared<LogDurability>(Offset(0));
    for (const auto& [base, seg] : segments_) {
        if (seg->recovered()) durability_->note_dirty(seg->file());
    }
    durability_->note_written(end_offset_, active().file());
    ES_CHECK(durability_->sync());
    if (recovery_.segments_scanned > 0 || recovery_.bytes_truncated > 0) {
        storage_log.info("{}: recovered {} of {} segments, {} batches checked, {} bytes truncated",
                         dir_, recovery_.segments_scanned, recovery_.segments,
                         recovery_.batches_scanned, recovery_.bytes_truncated);
    }
    return {};
}

Status Log::check_usable() const {
    if (closed_) return Error(Errc::log_closed, dir_);
    if (durability_->failed()) {
        return Error(Errc::log_failed, dir_ + " refuses appends after an I/O error; reopen it");
    }
    return {};
}

Result<AppendResult> Log::append(MutableBytesView batch, bool log_append_time, bool crc_checked) {
    ES_CHECK(check_usable());
    auto view = model::RecordBatchView::parse(batch, /*verify_crc=*/!crc_checked);
    if (!view.ok()) return Error(Errc::invalid_batch, view.error().to_string());
    int32_t last_delta = view->last_offset_delta();

    Segment& current = active();
    bool full = current.size() + batch.size() > config_.segment_bytes;
    bool old = clock_() - active_created_ms_ >= config_.segment_ms;
    bool offsets_exhausted = (end_offset_ + last_delta) - current.base_offset() > INT32_MAX;
    if (!current.empty() && (full || old || offsets_exhausted)) ES_CHECK(roll(end_offset_));

    AppendResult result;
    result.base_offset = end_offset_;
    result.last_offset = end_offset_ + last_delta;
    model::set_base_offset(batch, result.base_offset);
    if (log_append_time) {
        result.log_append_time = clock_();
        model::set_log_append_time(batch, result.log_append_time);
    }
    BatchInfo info;
    info.base_offset = result.base_offset;
    info.last_offset = result.last_offset;
    info.max_timestamp = log_append_time ? result.log_append_time : view->max_timestamp();
    auto written = active().append(batch, info);
    if (!written.ok()) {
        if (written.error().is(Errc::log_failed)) durability_->fail(written.error());
        return std::move(written).error();
    }
    end_offset_ = result.last_offset + 1;
    durability_->note_written(end_offset_, active().file());
    return result;
}

Status Log::roll(Offset next_base) {
    Segment& old = active();
    ES_CHECK(old.seal());
    ES_TRY(std::unique_ptr<Segment> seg,
           Segment::create(fs_, dir_, next_base, config_.index_interval_bytes));
    segments_.emplace(next_base, std::move(seg));
    active_created_ms_ = clock_();
    return checkpoint_recovery_point();
}

Status Log::maybe_roll_by_age() {
    ES_CHECK(check_usable());
    if (!active().empty() && clock_() - active_created_ms_ >= config_.segment_ms) {
        return roll(end_offset_);
    }
    return {};
}

Result<ReadResult> Log::read(Offset start, size_t max_bytes, Offset upper_bound) const {
    if (closed_) return Error(Errc::log_closed, dir_);
    if (start < start_offset_ || start > end_offset_) {
        return Error(Errc::offset_out_of_range, "offset " + std::to_string(start.value()) +
                                                    " outside [" +
                                                    std::to_string(start_offset_.value()) + ", " +
                                                    std::to_string(end_offset_.value()) + "]");
    }
    ReadResult result{Buffer(), start};
    if (start == end_offset_ || start >= upper_bound) return result;
    auto it = segments_.upper_bound(start);
    if (it != segments_.begin()) --it;
    for (; it != segments_.end(); ++it) {
        ES_TRY(std::optional<BatchInfo> found, it->second->find(start));
        if (!found) continue;  // the offset fell in a gap left by compaction
        ES_TRY(result.data,
               it->second->read(found->position, max_bytes, upper_bound, &result.next_offset));
        return result;
    }
    return result;
}

Result<std::optional<Offset>> Log::batch_for_timestamp(int64_t target) const {
    for (const auto& [base, seg] : segments_) {
        if (seg->max_timestamp() < target) continue;
        // From the log start: a match below it must not hide later ones in the same segment.
        ES_TRY(std::optional<BatchInfo> found, seg->find_by_timestamp(target, start_offset_));
        if (found) return std::optional<Offset>(std::max(found->base_offset, start_offset_));
    }
    return std::optional<Offset>{};
}

Result<Offset> Log::truncate(Offset target) {
    ES_CHECK(check_usable());
    if (target >= end_offset_) return end_offset_;
    while (segments_.size() > 1 && segments_.rbegin()->second->base_offset() >= target) {
        ES_CHECK(remove_segment(std::prev(segments_.end())));
    }
    ES_CHECK(active().truncate_to(target));
    ES_CHECK(active().unseal());
    end_offset_ = active().next_offset();
    if (start_offset_ > end_offset_) {
        // The batch holding the start went too, so the log now starts at its end; recorded,
        // or a restart would move the start back up past what was appended since.
        start_offset_ = end_offset_;
        ES_CHECK(write_checkpoint(kStartOffsetFile, start_offset_));
    }
    durability_->note_truncated(end_offset_);
    if (recovery_point_ > end_offset_) {
        recovery_point_ = end_offset_;
        ES_CHECK(write_checkpoint(kRecoveryPointFile, recovery_point_));
    }
    return end_offset_;
}

Status Log::advance_start_offset(Offset new_start) {
    ES_CHECK(check_usable());
    if (new_start <= start_offset_) return {};
    if (new_start > end_offset_) {
        return Error(Errc::offset_out_of_range,
                     "new log start " + std::to_string(new_start.value()) + " beyond the end " +
                         std::to_string(end_offset_.value()));
    }
    start_offset_ = new_start;
    ES_CHECK(write_checkpoint(kStartOffsetFile, start_offset_));
    if (!active().empty() && active().next_offset() <= new_start) ES_CHECK(roll(end_offset_));
    while (segments_.size() > 1) {
        auto second = std::next(segments_.begin());
        if (second->second->base_offset() > new_start) break;
        ES_CHECK(remove_segment(segments_.begin()));
    }
    return {};
}

Result<RetentionResult> Log::apply_retention() {
    ES_CHECK(check_usable());
    RetentionResult result;
    if (!config_.cleanup_delete) return result;
    int64_t now = clock_();
    auto expired = [&](const Segment& s) {
        return config_.retention_ms >= 0 && s.max_timestamp() >= 0 &&
               now - s.max_timestamp() > config_.retention_ms;
    };
    if (expired(active()) && !active().empty()) ES_CHECK(roll(end_offset_));
    uint64_t total = size_bytes();
    while (segments_.size() > 1) {
        const Segment& oldest = *segments_.begin()->second;
        bool over_size = config_.retention_bytes >= 0 &&
                         total - oldest.size() >= static_cast<uint64_t>(config_.retention_bytes);
        if (!over_size && !expired(oldest)) break;
        total -= oldest.size();
        result.bytes_removed += oldest.size();
        ++result.segments_removed;
        ES_CHECK(remove_segment(segments_.begin()));
    }
    if (result.segments_removed > 0) {
        Offset first = segments_.begin()->second->base_offset();
        if (first > start_offset_) {
            start_offset_ = first;
            ES_CHECK(write_checkpoint(kStartOffsetFile, start_offset_));
        }
        storage_log.info("{}: retention removed {} segments ({} bytes); log starts at {}", dir_,
                         result.segments_removed, result.bytes_removed, start_offset_.value());
    }
    return result;
}

Result<std::unique_ptr<CompactionJob>> Log::prepare_compaction(const CompactionFilter& filter) {
    ES_CHECK(check_usable());
    std::vector<CompactionJob::Input> inputs;
    for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
        // Offsets only grow, so the first segment reaching the cleanable end stops the inputs:
        // it and everything after may hold open transactions.
        if (it->second->next_offset() > filter.cleanable_end) break;
        inputs.push_back({it->first, it->second->size(), it->second->file()});
    }
    return std::make_unique<CompactionJob>(fs_, dir_, config_, std::move(inputs), filter);
}

Result<CompactionResult> Log::finish_compaction(CompactionJob& job) {
    CompactionResult result = job.result();
    auto unchanged = [&](const CompactionJob::Input& in) {
        auto it = segments_.find(in.base);
        return it != segments_.end() && it->second->sealed() && it->second->file() == in.file &&
               it->second->size() == in.size && std::next(it) != segments_.end();
    };
    bool usable = !closed_ && !durability_->failed() && job.done() &&
                  std::all_of(job.inputs().begin(), job.inputs().end(), unchanged);
    if (!usable) {
        // Truncation, retention or a failure changed the log while the job ran: its copies
        // describe segments that are gone. The next round starts from the new state.
        job.discard();
        result.aborted = true;
        return result;
    }
    for (size_t i = 0; i < job.inputs().size(); ++i) {
        const auto& in = job.inputs()[i];
        auto it = segments_.find(in.base);
        std::string cleaned = dir_ + "/" + Segment::file_name(in.base, ".log.cleaned");
        // The first segment stays even when empty: its base is the log start after a restart.
        if (job.removed_[i] && it != segments_.begin()) {
            ES_CHECK(remove_segment(it));
            ES_CHECK(fs_.remove(cleaned));
            ++result.segments_removed;
            continue;
        }
        // Index files go first: a crash between the rename and the new indexes must find none
        // rather than stale ones that point into the old layout.
        ES_CHECK(it->second->unseal());
        ES_CHECK(fs_.sync_directory(dir_));
        ES_CHECK(fs_.rename(cleaned, dir_ + "/" + Segment::file_name(in.base, ".log")));
        ES_CHECK(fs_.sync_directory(dir_));
        ES_TRY(std::unique_ptr<Segment> fresh,
               Segment::open(fs_, dir_, in.base, config_.index_interval_bytes, Offset(0), nullptr));
        ES_CHECK(fresh->seal());
        it->second = std::move(fresh);
        ++result.segments_rewritten;
    }
    storage_log.info("{}: compaction removed {} records ({} tombstones), {} -> {} bytes", dir_,
                     result.records_removed, result.tombstones_removed, result.bytes_before,
                     result.bytes_after);
    return result;
}

Result<CompactionResult> Log::compact(const CompactionFilter& filter) {
    ES_TRY(std::unique_ptr<CompactionJob> job, prepare_compaction(filter));
    auto ran = job->run(clock_());
    if (!ran.ok()) {
        job->discard();
        return std::move(ran).error();
    }
    return finish_compaction(*job);
}

Status Log::remove_segment(std::map<Offset, std::unique_ptr<Segment>>::iterator it) {
    ES_CHECK(it->second->remove_files());
    segments_.erase(it);
    return {};
}

Result<Offset> Log::flush() {
    if (closed_) return Error(Errc::log_closed, dir_);
    return durability_->sync();
}

Status Log::checkpoint_recovery_point() {
    Offset durable = durability_->durable_end();
    if (durable <= recovery_point_) return {};
    ES_CHECK(write_checkpoint(kRecoveryPointFile, durable));
    recovery_point_ = durable;
    return {};
}

Status Log::close() {
    if (closed_) return {};
    closed_ = true;
    ES_CHECK(durability_->sync());
    ES_CHECK(active().seal());
    // Written last: a crash before this line leaves the old recovery point, so the next open
    // scans the tail instead of trusting it.
    return checkpoint_recovery_point();
}

Status Log::remove() {
    closed_ = true;
    segments_.clear();
    return fs_.remove_all(dir_);
}

uint64_t Log::size_bytes() const {
    uint64_t total = 0;
    for (const auto& [base, seg] : segments_) total += seg->size();
    return total;
}

}  // namespace es::storage
