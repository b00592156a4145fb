// Randomized model-based test of Log: random appends, reads, truncations, start offset moves,
// retention, rolls, clean restarts and simulated crashes, each followed by a full comparison
// with a plain in-memory model (the batches by base offset, the start and the end) and with the
// files on disk. Seeds are fixed, so a failure repeats exactly; the step and the operation are
// in the failure message.

#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/index.h"
#include "storage/log.h"
#include "storage/tests/fault_injection.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

namespace es::storage {
namespace {

namespace stdfs = std::filesystem;
using model::Offset;
using testing::make_batch;
using testing::NoSyncFileSystem;
using testing::TempDir;

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<int64_t> read_checkpoint(const std::string& path) {
    if (!stdfs::exists(path)) return std::nullopt;
    Bytes text = read_file(path);
    return std::stoll(std::string(as_string_view(text)));
}

struct ModelBatch {
    Bytes bytes;  // exactly as stored
    Offset base;
    Offset last;
    int64_t max_timestamp = -1;
};

struct Counts {
    int appends = 0;
    int compressed = 0;
    int log_append_time = 0;
    int rolls = 0;
    int reads = 0;
    int timestamp_lookups = 0;
    int truncates = 0;
    int advances = 0;
    int retention_runs = 0;
    int segments_removed = 0;
    int age_rolls = 0;
    int flushes = 0;
    int clean_reopens = 0;
    int crash_reopens = 0;
    int scan_reopens = 0;
    int64_t offsets_checked = 0;
};

/// One seed's run: a log, the model it must match, and a fake clock.
class Harness {
  public:
    explicit Harness(uint32_t seed) : seed_(seed), rng_(seed) {
        config_.segment_bytes = pick(300, 2000);
        config_.index_interval_bytes = std::vector<uint32_t>{0, 1, 64, 150, 400}[pick(0, 4)];
        config_.retention_bytes = pick(0, 4) == 0 ? -1 : pick(800, 5000);
        config_.retention_ms = std::vector<int64_t>{-1, 20'000, 60'000}[pick(0, 2)];
        config_.segment_ms = std::vector<int64_t>{2000, 5000, 7LL * 24 * 3600 * 1000}[pick(0, 2)];
        open(dir_.sub("log-0"));
    }

    void run(int steps) {
        for (step_ = 0; step_ < steps && !::testing::Test::HasFailure(); ++step_) {
            now_ += pick(0, 600);
            int op = pick(0, 99);
            // Reads and lookups leave the files alone: after them a cheaper check of the files
            // suffices (opening files is what costs time here).
            bool read_only = op >= 45 && op < 60;
            if (op < 45) {
                do_append();
            } else if (op < 55) {
                do_read();
            } else if (op < 60) {
                do_timestamp_lookup();
            } else if (op < 66) {
                do_truncate();
            } else if (op < 72) {
                do_advance_start();
            } else if (op < 78) {
                do_retention();
            } else if (op < 81) {
                do_roll_by_age();
            } else if (op < 85) {
                do_flush();
            } else if (op < 90) {
                do_clean_reopen();
            } else if (op < 95) {
                do_crash_reopen();
            } else {
                do_reopen_without_recovery_point();
            }
            if (::testing::Test::HasFailure()) break;
            check_everything(read_only);
        }
        std::printf(
            "seed %2u: %d steps [segment %llu B, index every %u B, retention %lld B / %lld ms]: "
            "%d appends (%d compressed, %d log-append-time), %d rolls, %d reads, %d timestamp "
            "lookups, %d truncates, %d start moves, %d retention runs (%d segments removed), "
            "%d age rolls, %d flushes, %d clean + %d crash + %d scan reopens, %lld offsets read "
            "back; final log [%lld, %lld) in %zu segments\n",
            seed_, step_, static_cast<unsigned long long>(config_.segment_bytes),
            config_.index_interval_bytes, static_cast<long long>(config_.retention_bytes),
            static_cast<long long>(config_.retention_ms), counts_.appends, counts_.compressed,
            counts_.log_append_time, counts_.rolls, counts_.reads, counts_.timestamp_lookups,
            counts_.truncates, counts_.advances, counts_.retention_runs, counts_.segments_removed,
            counts_.age_rolls, counts_.flushes, counts_.clean_reopens, counts_.crash_reopens,
            counts_.scan_reopens, static_cast<long long>(counts_.offsets_checked),
            static_cast<long long>(start_.value()), static_cast<long long>(end_.value()),
            log_ ? log_->segment_count() : 0);
    }

  private:
    int64_t pick(int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
    }

    std::string where() const {
        return "seed " + std::to_string(seed_) + " step " + std::to_string(step_) + " (" + op_ +
               ")";
    }

    void open(const std::string& dir) {
        dir_path_ = dir;
        auto log = Log::open(fs_, dir, config_, [this] { return now_; });
        ASSERT_TRUE(log.ok()) << where() << ": " << log.error().to_string();
        log_ = std::move(log).value();
        active_created_ = now_;
    }

    // ---- the model's view of the segment layout, which the log must match -------------------

    struct SegmentShape {
        Offset base;
        uint64_t size = 0;
        int64_t max_timestamp = -1;
        std::vector<const ModelBatch*> batches;
    };

    /// The model's batches grouped by the log's segment bases. check_everything() verifies
    /// that these groups are exactly what each segment holds.
    std::vector<SegmentShape> shapes() const {
        std::vector<SegmentShape> out;
        for (const auto& [base, seg] : log_->segments()) out.push_back({base, 0, -1, {}});
        for (const auto& [base, batch] : model_) {
            size_t i = out.size();
            while (i > 0 && out[i - 1].base > base) --i;
            if (i == 0) continue;  // below every segment: check_everything() reports it
            SegmentShape& s = out[i - 1];
            s.size += batch.bytes.size();
            s.max_timestamp = std::max(s.max_timestamp, batch.max_timestamp);
            s.batches.push_back(&batch);
        }
        return out;
    }

    /// The batch holding `offset`, if the model has one.
    const ModelBatch* holding(Offset offset) const {
        auto it = model_.upper_bound(offset);
        if (it == model_.begin()) return nullptr;
        --it;
        return it->second.last >= offset ? &it->second : nullptr;
    }

    void note_roll_if_any(Offset active_before) {
        if (log_->segments().rbegin()->first != active_before) {
            ++counts_.rolls;
            active_created_ = now_;
        }
    }

    // ---- operations ------------------------------------------------------------------------

    Bytes random_batch(model::Compression codec) {
        model::BatchOptions options;
        options.compression = codec;
        model::RecordBatchBuilder builder(Offset(0), options);
        int count = static_cast<int>(pick(1, 5));
        size_t value_size = static_cast<size_t>(pick(0, 3) == 0 ? pick(0, 400) : pick(0, 80));
        for (int i = 0; i < count; ++i) {
            std::string key = "key-" + std::to_string(pick(0, 20));
            std::string value(value_size, 'a');
            for (char& c : value) c = static_cast<char>('a' + pick(0, 3));
            // Timestamps wander back and forth around the clock, as producers' clocks do.
            int64_t ts = std::max<int64_t>(0, now_ + pick(-8000, 1000));
            if (pick(0, 2) == 0) {
                builder.add(std::nullopt, as_bytes(value), ts);
            } else {
                builder.add(as_bytes(key), as_bytes(value), ts);
            }
        }
        return std::move(builder.build()).value();
    }

    void do_append() {
        model::Compression codec = model::Compression::none;
        if (pick(0, 2) == 0) codec = static_cast<model::Compression>(pick(1, 4));
        bool append_time = pick(0, 9) == 0;
        Bytes batch = random_batch(codec);
        op_ = "append " + std::to_string(batch.size()) + " bytes, " +
              std::string(model::to_string(codec)) + (append_time ? ", log append time" : "");

        const Segment& active = *log_->segments().rbegin()->second;
        Offset active_before = active.base_offset();
        uint64_t active_size = active.size();
        bool roll_due = active_size > 0 && (active_size + batch.size() > config_.segment_bytes ||
                                            now_ - active_created_ >= config_.segment_ms);

        auto r = log_->append(batch, append_time);
        ASSERT_TRUE(r.ok()) << where() << ": " << r.error().to_string();
        auto view = model::RecordBatchView::parse(batch);
        ASSERT_TRUE(view.ok()) << where() << ": stored batch does not parse";
        EXPECT_EQ(r->base_offset, end_) << where();
        EXPECT_EQ(r->last_offset, end_ + view->last_offset_delta()) << where();
        EXPECT_EQ(view->base_offset(), end_) << where() << ": base offset rewritten in place";
        if (append_time) {
            EXPECT_EQ(r->log_append_time, now_) << where();
            EXPECT_EQ(view->max_timestamp(), now_) << where();
        }
        bool rolled = log_->segments().rbegin()->first != active_before;
        EXPECT_EQ(rolled, roll_due) << where() << ": active segment of " << active_size
                                    << " bytes, created at " << active_created_ << ", now " << now_;
        note_roll_if_any(active_before);

        ++counts_.appends;
        if (codec != model::Compression::none) ++counts_.compressed;
        if (append_time) ++counts_.log_append_time;
        model_[r->base_offset] = {batch, r->base_offset, r->last_offset, view->max_timestamp()};
        end_ = r->last_offset + 1;
    }

    void do_read() {
        Offset at(pick(start_.value() - 3, end_.value() + 3));
        size_t max_bytes = static_cast<size_t>(pick(1, 3000));
        Offset upper =
            pick(0, 2) == 0 ? Offset(pick(start_.value(), end_.value() + 5)) : Offset::max();
        op_ = "read " + std::to_string(at.value()) + " max " + std::to_string(max_bytes) +
              " upper " + std::to_string(upper.value());
        ++counts_.reads;
        check_read(at, max_bytes, upper);
    }

    void do_timestamp_lookup() {
        ++counts_.timestamp_lookups;
        for (int i = 0; i < 5; ++i) {
            int64_t target = pick(now_ - 12'000, now_ + 2000);
            op_ = "batch_for_timestamp " + std::to_string(target);
            check_timestamp(target);
        }
    }

    void do_truncate() {
        Offset target(pick(start_.value(), end_.value()));
        op_ = "truncate to " + std::to_string(target.value());
        // Whole batches go: the one holding the target too.
        Offset expected_end = end_;
        if (const ModelBatch* b = holding(target)) expected_end = b->base;
        auto r = log_->truncate(target);
        ASSERT_TRUE(r.ok()) << where() << ": " << r.error().to_string();
        EXPECT_EQ(*r, expected_end) << where();
        ++counts_.truncates;
        model_.erase(model_.lower_bound(expected_end), model_.end());
        end_ = expected_end;
        start_ = std::min(start_, end_);
    }

    void do_advance_start() {
        Offset target(pick(start_.value() - 2, end_.value() + 2));
        op_ = "advance start to " + std::to_string(target.value());
        ++counts_.advances;
        Offset active_before = log_->segments().rbegin()->first;
        auto st = log_->advance_start_offset(target);
        if (target > end_) {
            ASSERT_FALSE(st.ok()) << where();
            EXPECT_TRUE(st.error().is(Errc::offset_out_of_range)) << where();
            return;
        }
        ASSERT_TRUE(st.ok()) << where() << ": " << st.error().to_string();
        if (target <= start_) return;
        start_ = target;
        note_roll_if_any(active_before);
        // Every segment wholly below the new start is gone, and only those.
        const auto& segs = log_->segments();
        EXPECT_LE(segs.begin()->first, start_) << where();
        if (segs.size() > 1) {
            EXPECT_GT(std::next(segs.begin())->first, start_) << where();
        }
        model_.erase(model_.begin(), model_.lower_bound(segs.begin()->first));
    }

    void do_retention() {
        op_ = "apply_retention at " + std::to_string(now_);
        ++counts_.retention_runs;
        // The expected outcome, from the model's batches in the current segments.
        std::vector<SegmentShape> segs = shapes();
        auto expired = [&](const SegmentShape& s) {
            return config_.retention_ms >= 0 && s.max_timestamp >= 0 &&
                   now_ - s.max_timestamp > config_.retention_ms;
        };
        bool roll = expired(segs.back()) && segs.back().size > 0;
        if (roll) segs.push_back({end_, 0, -1, {}});
        uint64_t total = 0;
        for (const auto& s : segs) total += s.size;
        size_t removed = 0;
        uint64_t bytes_removed = 0;
        while (segs.size() - removed > 1) {
            const SegmentShape& oldest = segs[removed];
            bool over = config_.retention_bytes >= 0 &&
                        total - oldest.size >= static_cast<uint64_t>(config_.retention_bytes);
            if (!over && !expired(oldest)) break;
            total -= oldest.size;
            bytes_removed += oldest.size;
            ++removed;
        }

        Offset active_before = log_->segments().rbegin()->first;
        auto r = log_->apply_retention();
        ASSERT_TRUE(r.ok()) << where() << ": " << r.error().to_string();
        EXPECT_EQ(r->segments_removed, removed) << where();
        EXPECT_EQ(r->bytes_removed, bytes_removed) << where();
        note_roll_if_any(active_before);
        EXPECT_EQ(log_->segments().rbegin()->first != active_before, roll) << where();
        counts_.segments_removed += static_cast<int>(r->segments_removed);
        if (removed > 0) {
            Offset first = segs[removed].base;
            EXPECT_EQ(log_->segments().begin()->first, first) << where();
            start_ = std::max(start_, first);
            model_.erase(model_.begin(), model_.lower_bound(first));
        }
    }

    void do_roll_by_age() {
        op_ = "maybe_roll_by_age at " + std::to_string(now_);
        const Segment& active = *log_->segments().rbegin()->second;
        bool due = !active.empty() && now_ - active_created_ >= config_.segment_ms;
        Offset active_before = active.base_offset();
        auto st = log_->maybe_roll_by_age();
        ASSERT_TRUE(st.ok()) << where() << ": " << st.error().to_string();
        EXPECT_EQ(log_->segments().rbegin()->first != active_before, due) << where();
        if (due) ++counts_.age_rolls;
        note_roll_if_any(active_before);
    }

    void do_flush() {
        op_ = "flush";
        ++counts_.flushes;
        auto r = log_->flush();
        ASSERT_TRUE(r.ok()) << where() << ": " << r.error().to_string();
        EXPECT_EQ(*r, end_) << where();
        EXPECT_EQ(log_->durable_end(), end_) << where();
    }

    std::vector<Offset> bases() const {
        std::vector<Offset> out;
        for (const auto& [base, seg] : log_->segments()) out.push_back(base);
        return out;
    }

    void do_clean_reopen() {
        op_ = "close and reopen";
        ++counts_.clean_reopens;
        std::vector<Offset> before = bases();
        ASSERT_TRUE(log_->close().ok()) << where();
        log_.reset();
        open(dir_path_);
        if (!log_) return;
        EXPECT_EQ(log_->recovery().segments_scanned, 0u) << where() << ": a clean shutdown";
        EXPECT_EQ(log_->recovery().bytes_truncated, 0u) << where();
        EXPECT_EQ(bases(), before) << where();
    }

    void do_crash_reopen() {
        op_ = "flush, crash and recover";
        ++counts_.crash_reopens;
        ASSERT_TRUE(log_->flush().ok()) << where();
        // The crash image: the files as they are while the log is still open (no close(), so
        // no sealed active segment and no fresh recovery point).
        std::string image = dir_.sub("log-" + std::to_string(++generation_));
        stdfs::create_directories(image);
        for (const auto& entry : stdfs::directory_iterator(dir_path_)) {
            stdfs::copy_file(entry.path(), stdfs::path(image) / entry.path().filename());
        }
        std::vector<Offset> before = bases();
        // Which segments recovery must scan: those reaching past the recovery point, and the
        // active one, which has no index files.
        Offset recovery_point(read_checkpoint(image + "/recovery-point").value_or(0));
        size_t scans = 0;
        for (auto it = log_->segments().begin(); it != log_->segments().end(); ++it) {
            if (std::next(it) == log_->segments().end() ||
                it->second->next_offset() > recovery_point) {
                ++scans;
            }
        }
        log_.reset();
        stdfs::remove_all(dir_path_);
        open(image);
        if (!log_) return;
        EXPECT_EQ(log_->recovery().segments_scanned, scans) << where();
        EXPECT_EQ(log_->recovery().bytes_truncated, 0u) << where();
        EXPECT_EQ(log_->recovery().segments_dropped, 0u) << where();
        EXPECT_EQ(bases(), before) << where();
    }

    void do_reopen_without_recovery_point() {
        op_ = "close, delete the recovery point, reopen";
        ++counts_.scan_reopens;
        std::vector<Offset> before = bases();
        ASSERT_TRUE(log_->close().ok()) << where();
        log_.reset();
        stdfs::remove(dir_path_ + "/recovery-point");
        open(dir_path_);
        if (!log_) return;
        // Without a recovery point only segments that end at offset 0 (empty) are trusted.
        size_t scans = 0;
        for (const auto& [base, seg] : log_->segments()) scans += seg->next_offset() > Offset(0);
        EXPECT_EQ(log_->recovery().segments_scanned, scans) << where();
        EXPECT_EQ(log_->recovery().bytes_truncated, 0u) << where();
        EXPECT_EQ(bases(), before) << where();
    }

    // ---- checks ----------------------------------------------------------------------------

    /// A read as Log::read must answer it: whole batches from the one holding `at`, within its
    /// segment, the first always, then more while they fit in max_bytes and start below upper.
    void check_read(Offset at, size_t max_bytes, Offset upper) {
        auto r = log_->read(at, max_bytes, upper);
        if (at < start_ || at > end_) {
            ASSERT_FALSE(r.ok()) << where() << ": read outside [start, end] succeeded";
            EXPECT_TRUE(r.error().is(Errc::offset_out_of_range)) << where();
            return;
        }
        ASSERT_TRUE(r.ok()) << where() << ": " << r.error().to_string();
        if (at == end_ || at >= upper) {
            EXPECT_TRUE(r->data.empty()) << where();
            EXPECT_EQ(r->next_offset, at) << where();
            return;
        }
        const ModelBatch* first = holding(at);
        ASSERT_NE(first, nullptr) << where() << ": the model has no batch holding it";
        auto seg = log_->segments().upper_bound(first->base);
        Offset segment_end = seg == log_->segments().end() ? Offset(Offset::max()) : seg->first;
        Bytes want;
        Offset next = at;
        for (auto it = model_.find(first->base); it != model_.end(); ++it) {
            const ModelBatch& b = it->second;
            if (b.base >= segment_end || b.base >= upper) break;
            if (!want.empty() && want.size() + b.bytes.size() > max_bytes) break;
            want.insert(want.end(), b.bytes.begin(), b.bytes.end());
            next = b.last + 1;
        }
        ASSERT_EQ(r->data.size(), want.size()) << where();
        EXPECT_TRUE(std::equal(want.begin(), want.end(), r->data.data())) << where();
        EXPECT_EQ(r->next_offset, next) << where();
    }

    void check_timestamp(int64_t target) {
        std::optional<Offset> want;
        for (const auto& [base, b] : model_) {
            if (b.last >= start_ && b.max_timestamp >= target) {
                want = std::max(b.base, start_);
                break;
            }
        }
        auto found = log_->batch_for_timestamp(target);
        ASSERT_TRUE(found.ok()) << where() << ": " << found.error().to_string();
        EXPECT_EQ(*found, want) << where() << ": batch_for_timestamp(" << target << ")";
    }

    /// The offset and time index entries a segment holding `batches` must have: every
    /// index_interval_bytes of log, the batch there and the running maximum timestamp.
    static std::pair<OffsetIndex, TimeIndex> expected_indexes(const SegmentShape& s,
                                                              uint32_t interval) {
        OffsetIndex offsets(s.base);
        TimeIndex times(s.base);
        uint64_t since = 0;
        uint64_t position = 0;
        int64_t max_ts = -1;
        for (const ModelBatch* b : s.batches) {
            if (since >= interval) {
                offsets.add(b->base, position);
                times.maybe_add(std::max(max_ts, b->max_timestamp), b->base);
                since = 0;
            }
            since += b->bytes.size();
            position += b->bytes.size();
            max_ts = std::max(max_ts, b->max_timestamp);
        }
        return {std::move(offsets), std::move(times)};
    }

    void check_everything(bool read_only) {
        op_ = "checking after " + op_;
        ASSERT_TRUE(log_) << where();
        EXPECT_EQ(log_->start_offset(), start_) << where();
        EXPECT_EQ(log_->end_offset(), end_) << where();
        EXPECT_LE(log_->durable_end(), end_) << where();
        ASSERT_FALSE(::testing::Test::HasFailure());
        check_segments();
        ASSERT_FALSE(::testing::Test::HasFailure());
        check_files(/*contents=*/!read_only);
        ASSERT_FALSE(::testing::Test::HasFailure());

        // Every offset reads back as the batch holding it, byte for byte.
        for (Offset o = start_; o < end_; ++o) {
            const ModelBatch* b = holding(o);
            ASSERT_NE(b, nullptr) << where() << ": offset " << o.value() << " not in the model";
            auto r = log_->read(o, 1);
            ASSERT_TRUE(r.ok()) << where() << ": read " << o.value() << ": "
                                << r.error().to_string();
            ASSERT_EQ(r->data.size(), b->bytes.size()) << where() << ": read " << o.value();
            ASSERT_TRUE(std::equal(b->bytes.begin(), b->bytes.end(), r->data.data()))
                << where() << ": read " << o.value();
            ASSERT_EQ(r->next_offset, b->last + 1) << where();
            ++counts_.offsets_checked;
        }
        check_read(end_, 1 << 20, Offset::max());
        check_read(end_ + 1, 1 << 20, Offset::max());
        if (start_ > Offset(0)) check_read(start_ - 1, 1 << 20, Offset::max());

        // Timestamp lookups: the extremes, and around the newest timestamp of some batches.
        std::set<int64_t> targets = {-1, 0, now_ + 1'000'000};
        for (const auto& [base, b] : model_) {
            if (pick(0, 3) == 0) targets.insert({b.max_timestamp, b.max_timestamp + 1});
        }
        for (int64_t target : targets) check_timestamp(target);
    }

    /// The segments hold exactly the model's batches, contiguously, with the right sizes,
    /// newest timestamps and index entries, all sealed but the active one.
    void check_segments() {
        std::vector<SegmentShape> segs = shapes();
        ASSERT_FALSE(segs.empty()) << where();
        ASSERT_TRUE(model_.empty() || model_.begin()->first >= segs.front().base)
            << where() << ": the model has batches below the first segment";
        EXPECT_LE(segs.front().base, start_) << where();
        size_t i = 0;
        for (const auto& [base, seg] : log_->segments()) {
            const SegmentShape& s = segs[i];
            bool last = ++i == segs.size();
            std::string name = where() + ": segment " + std::to_string(base.value());
            Offset next = s.batches.empty() ? base : s.batches.back()->last + 1;
            if (!s.batches.empty()) {
                EXPECT_EQ(s.batches.front()->base, base) << name;
            }
            for (size_t j = 1; j < s.batches.size(); ++j) {
                EXPECT_EQ(s.batches[j]->base, s.batches[j - 1]->last + 1) << name;
            }
            EXPECT_EQ(seg->next_offset(), next) << name;
            EXPECT_EQ(seg->size(), s.size) << name;
            EXPECT_EQ(seg->max_timestamp(), s.max_timestamp) << name;
            EXPECT_EQ(seg->sealed(), !last) << name;
            if (last) {
                EXPECT_EQ(next, end_) << name;
            } else {
                EXPECT_FALSE(s.batches.empty()) << name << " is empty but not the last";
                EXPECT_EQ(next, segs[i].base) << name << " is not followed by the next";
            }
            auto [offsets, times] = expected_indexes(s, config_.index_interval_bytes);
            EXPECT_EQ(seg->offset_index().serialize(), offsets.serialize()) << name;
            EXPECT_EQ(seg->time_index().serialize(), times.serialize()) << name;
        }
    }

    /// The directory holds the segment files (index files for sealed segments only), with the
    /// model's bytes (or at least their sizes, without `contents`), and checkpoints from which a
    /// restart would find the same log.
    void check_files(bool contents) {
        std::vector<SegmentShape> segs = shapes();
        std::set<std::string> want = {"log-start-offset", "recovery-point"};
        for (size_t i = 0; i < segs.size(); ++i) {
            std::string log_name = Segment::file_name(segs[i].base, ".log");
            want.insert(log_name);
            if (i + 1 < segs.size()) {
                want.insert({Segment::file_name(segs[i].base, ".index"),
                             Segment::file_name(segs[i].base, ".timeindex")});
            }
            if (!contents) {
                EXPECT_EQ(stdfs::file_size(dir_path_ + "/" + log_name), segs[i].size)
                    << where() << ": " << log_name;
                continue;
            }
            Bytes expected;
            for (const ModelBatch* b : segs[i].batches) {
                expected.insert(expected.end(), b->bytes.begin(), b->bytes.end());
            }
            EXPECT_EQ(read_file(dir_path_ + "/" + log_name), expected)
                << where() << ": " << log_name;
            if (i + 1 == segs.size()) continue;
            auto [offsets, times] = expected_indexes(segs[i], config_.index_interval_bytes);
            EXPECT_EQ(read_file(dir_path_ + "/" + Segment::file_name(segs[i].base, ".index")),
                      offsets.serialize())
                << where();
            EXPECT_EQ(read_file(dir_path_ + "/" + Segment::file_name(segs[i].base, ".timeindex")),
                      times.serialize())
                << where();
        }
        for (const auto& entry : stdfs::directory_iterator(dir_path_)) {
            EXPECT_TRUE(want.contains(entry.path().filename()))
                << where() << ": unexpected file " << entry.path().filename();
        }
        if (!contents) return;
        // A restart now must find the same start offset and may not trust past the end.
        auto start_checkpoint = read_checkpoint(dir_path_ + "/log-start-offset");
        Offset first = segs.front().base;
        Offset restart_start =
            std::min(std::max(first, start_checkpoint ? Offset(*start_checkpoint) : first), end_);
        EXPECT_EQ(restart_start, start_)
            << where() << ": start offset checkpoint " << start_checkpoint.value_or(-1);
        auto recovery_point = read_checkpoint(dir_path_ + "/recovery-point");
        if (recovery_point) {
            EXPECT_LE(Offset(*recovery_point), end_) << where();
        }
    }

    uint32_t seed_;
    std::mt19937_64 rng_;
    NoSyncFileSystem fs_;
    TempDir dir_;
    std::string dir_path_;
    int generation_ = 0;
    LogConfig config_;
    int64_t now_ = 1'000'000'000;
    int64_t active_created_ = 0;
    std::unique_ptr<Log> log_;
    std::map<Offset, ModelBatch> model_;
    Offset start_{0};
    Offset end_{0};
    Counts counts_;
    int step_ = 0;
    std::string op_ = "open";
};

// The model's findings, reduced to their smallest form.

std::unique_ptr<Log> open_log(FileSystem& fs, const std::string& dir) {
    auto log = Log::open(fs, dir, {});
    EXPECT_TRUE(log.ok()) << log.error().to_string();
    return log.ok() ? std::move(log).value() : nullptr;
}

TEST(RandomLogOpsFindings, TimestampLookupSkipsOnlyBatchesBelowAStartInsideASegment) {
    TempDir dir;
    NoSyncFileSystem fs;
    auto log = open_log(fs, dir.path());
    ASSERT_TRUE(log);
    for (int i = 0; i < 4; ++i) {
        Bytes b = make_batch(2, i, 1000 + 10 * i);  // offsets 2i..2i+1, timestamps 1000+10i..+1
        ASSERT_TRUE(log->append(b).ok());
    }
    ASSERT_TRUE(log->advance_start_offset(Offset(3)).ok());
    ASSERT_EQ(log->segment_count(), 1u);
    // Batch 0..1 matches first but is below the start: the answer is the start, in the batch
    // 2..3, not "nothing in this segment".
    EXPECT_EQ(*log->batch_for_timestamp(0), std::optional<Offset>(Offset(3)));
    EXPECT_EQ(*log->batch_for_timestamp(1011), std::optional<Offset>(Offset(3)));
    EXPECT_EQ(*log->batch_for_timestamp(1012), std::optional<Offset>(Offset(4)));
    EXPECT_EQ(*log->batch_for_timestamp(1032), std::nullopt);
}

TEST(RandomLogOpsFindings, AStartOffsetLoweredByTruncationSurvivesARestart) {
    TempDir dir;
    NoSyncFileSystem fs;
    {
        auto log = open_log(fs, dir.path());
        ASSERT_TRUE(log);
        Bytes first = make_batch(2, 0);
        ASSERT_TRUE(log->append(first).ok());
        ASSERT_TRUE(log->advance_start_offset(Offset(1)).ok());
        // The batch 0..1 holds the start and goes whole: the log is empty from offset 0.
        ASSERT_EQ(*log->truncate(Offset(1)), Offset(0));
        EXPECT_EQ(log->start_offset(), Offset(0));
        Bytes second = make_batch(2, 1);
        ASSERT_EQ(log->append(second)->base_offset, Offset(0));
        ASSERT_TRUE(log->read(Offset(0), 100).ok());
    }
    auto log = open_log(fs, dir.path());
    ASSERT_TRUE(log);
    EXPECT_EQ(log->start_offset(), Offset(0)) << "offset 0 was readable before the restart";
    EXPECT_TRUE(log->read(Offset(0), 100).ok());
}

class RandomLogOps : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RandomLogOps, MatchesAnInMemoryModelAfterEveryStep) {
    Harness harness(GetParam());
    harness.run(300);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomLogOps, ::testing::Range(1u, 21u));

}  // namespace
}  // namespace es::storage
