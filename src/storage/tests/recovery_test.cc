// Deterministic fault injection against recovery: torn and corrupt tails, damaged indexes and
// checkpoints, a full disk and a failed fdatasync. Crashes are simulated on the files themselves
// (a copy of the directory taken before close(), then cut or damaged), so every case is exact
// and repeatable.

#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/index.h"
#include "storage/log.h"
#include "storage/tests/fault_injection.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

namespace es::storage {
namespace {

namespace stdfs = std::filesystem;
namespace L = model::batch_layout;
using model::Offset;
using testing::FaultInjectionFileSystem;
using testing::make_batch;
using testing::NoSyncFileSystem;
using testing::TempDir;

NoSyncFileSystem& fast_fs() {
    static NoSyncFileSystem fs;
    return fs;
}

struct FakeClock {
    int64_t now = 1'000'000;
    Log::Clock fn() {
        return [this] { return now; };
    }
};

std::unique_ptr<Log> open_log(const std::string& dir, const LogConfig& config,
                              FileSystem& fs = fast_fs(), Log::Clock clock = {}) {
    auto log = Log::open(fs, dir, config, std::move(clock));
    EXPECT_TRUE(log.ok()) << log.error().to_string();
    return log.ok() ? std::move(log).value() : nullptr;
}

/// A batch as the log stored it, and where it went.
struct Stored {
    Bytes bytes;  // as append() left them, with the base offset rewritten
    Offset base;
    Offset last;
    int64_t max_timestamp = -1;
    Offset segment;     // base offset of the segment holding it
    uint64_t position;  // in that segment's file
};

Stored append_stored(Log& log, Bytes batch) {
    auto r = log.append(batch);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return {};
    const Segment& active = *log.segments().rbegin()->second;
    auto view = model::RecordBatchView::parse(batch);
    return Stored{batch,
                  r->base_offset,
                  r->last_offset,
                  view->max_timestamp(),
                  active.base_offset(),
                  active.size() - batch.size()};
}

/// Batch i of the standard workload: 1-4 records of growing values, timestamps that mostly rise
/// but sometimes step back (so that the time index's running maximum matters).
Bytes workload_batch(int i) {
    int64_t ts = 10'000 + 100 * i - (i % 3 == 2 ? 250 : 0);
    return make_batch(1 + i % 4, i, ts, 20 + 7 * (i % 11));
}

std::string seg_path(const std::string& dir, Offset base, std::string_view suffix) {
    return dir + "/" + Segment::file_name(base, suffix);
}

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, BytesView data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
}

void append_file(const std::string& path, BytesView data) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
}

/// The directory as a crash would leave it: a copy of every file, taken while the log is open.
void copy_dir(const std::string& from, const std::string& to) {
    stdfs::remove_all(to);
    stdfs::create_directories(to);
    for (const auto& entry : stdfs::directory_iterator(from)) {
        stdfs::copy_file(entry.path(), stdfs::path(to) / entry.path().filename());
    }
}

std::optional<int64_t> read_checkpoint(const std::string& path) {
    if (!stdfs::exists(path)) return std::nullopt;
    Bytes text = read_file(path);
    return std::stoll(std::string(as_string_view(text)));
}

std::set<std::string> file_names(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& e : stdfs::directory_iterator(dir)) names.insert(e.path().filename());
    return names;
}

/// What ListOffsets must answer, by brute force: the first batch at or after the log start
/// whose max timestamp reaches the target.
std::optional<Offset> expected_for_timestamp(const std::vector<Stored>& batches, Offset start,
                                             int64_t target) {
    for (const Stored& b : batches) {
        if (b.last >= start && b.max_timestamp >= target) return std::max(b.base, start);
    }
    return std::nullopt;
}

/// The log holds exactly `batches`: a read from every offset returns the batch holding it byte
/// for byte, the end reads empty and past it is out of range, every segment knows its newest
/// timestamp, and timestamp lookups agree with a brute-force search.
::testing::AssertionResult holds(const Log& log, const std::vector<Stored>& batches) {
    Offset end = batches.empty() ? Offset(0) : batches.back().last + 1;
    if (log.end_offset() != end) {
        return ::testing::AssertionFailure()
               << "end " << log.end_offset().value() << ", want " << end.value();
    }
    for (const Stored& b : batches) {
        for (Offset o = std::max(b.base, log.start_offset()); o <= b.last; ++o) {
            auto r = log.read(o, 1);
            if (!r.ok()) {
                return ::testing::AssertionFailure()
                       << "read " << o.value() << ": " << r.error().to_string();
            }
            if (r->next_offset != b.last + 1 || r->data.size() != b.bytes.size() ||
                !std::equal(b.bytes.begin(), b.bytes.end(), r->data.data())) {
                return ::testing::AssertionFailure()
                       << "read " << o.value() << " returned " << r->data.size() << " bytes up to "
                       << r->next_offset.value() << ", want the batch " << b.base.value() << ".."
                       << b.last.value() << " (" << b.bytes.size() << " bytes)";
            }
        }
    }
    auto at_end = log.read(end, 1 << 20);
    if (!at_end.ok() || !at_end->data.empty() || at_end->next_offset != end) {
        return ::testing::AssertionFailure() << "a read at the end is not empty";
    }
    auto past_end = log.read(end + 1, 1 << 20);
    if (past_end.ok() || !past_end.error().is(Errc::offset_out_of_range)) {
        return ::testing::AssertionFailure() << "a read past the end is not out of range";
    }
    for (const auto& [base, seg] : log.segments()) {
        int64_t max_ts = -1;
        for (const Stored& b : batches) {
            if (b.segment == base) max_ts = std::max(max_ts, b.max_timestamp);
        }
        if (seg->max_timestamp() != max_ts) {
            return ::testing::AssertionFailure()
                   << "segment " << base.value() << " has max timestamp " << seg->max_timestamp()
                   << ", want " << max_ts;
        }
    }
    std::set<int64_t> targets = {-1, 0, 1'000'000'000};
    for (const Stored& b : batches) {
        targets.insert({b.max_timestamp - 1, b.max_timestamp, b.max_timestamp + 1});
    }
    for (int64_t target : targets) {
        auto found = log.batch_for_timestamp(target);
        if (!found.ok()) {
            return ::testing::AssertionFailure()
                   << "batch_for_timestamp(" << target << "): " << found.error().to_string();
        }
        auto want = expected_for_timestamp(batches, log.start_offset(), target);
        if (*found != want) {
            return ::testing::AssertionFailure()
                   << "batch_for_timestamp(" << target
                   << ") = " << (*found ? std::to_string((*found)->value()) : "none") << ", want "
                   << (want ? std::to_string(want->value()) : "none");
        }
    }
    return ::testing::AssertionSuccess();
}

/// Every batch read back parses with a valid CRC and offsets only grow: what may be served
/// when damage hit bytes the CRC does not cover.
::testing::AssertionResult serves_only_valid_batches(const Log& log) {
    Offset at = log.start_offset();
    Offset previous_last(-1);
    while (at < log.end_offset()) {
        auto r = log.read(at, 1);
        if (!r.ok()) return ::testing::AssertionFailure() << r.error().to_string();
        auto view = model::RecordBatchView::parse(r->data.view());
        if (!view.ok()) {
            return ::testing::AssertionFailure()
                   << "served a batch at " << at.value() << ": " << view.error().to_string();
        }
        if (view->size() != r->data.size() || view->base_offset() <= previous_last) {
            return ::testing::AssertionFailure() << "bad batch served at " << at.value();
        }
        previous_last = view->last_offset();
        at = r->next_offset;
    }
    return ::testing::AssertionSuccess();
}

/// A log of `count` workload batches spread over several segments, each batch flushed, left
/// open so that the caller can take a crash image of it.
struct Workload {
    TempDir dir;
    LogConfig config;
    std::unique_ptr<Log> log;
    std::vector<Stored> batches;

    explicit Workload(int count, uint64_t segment_bytes = 1000) {
        config.segment_bytes = segment_bytes;
        config.index_interval_bytes = 100;
        log = open_log(dir.sub("log"), config);
        for (int i = 0; i < count; ++i) {
            batches.push_back(append_stored(*log, workload_batch(i)));
            EXPECT_TRUE(log->flush().ok());
        }
    }
    std::string log_dir() const { return dir.sub("log"); }
    std::string trial_dir() const { return dir.sub("trial"); }
    /// The batches of the active segment.
    std::vector<size_t> active_batches() const {
        std::vector<size_t> out;
        for (size_t i = 0; i < batches.size(); ++i) {
            if (batches[i].segment == batches.back().segment) out.push_back(i);
        }
        return out;
    }
    std::vector<Stored> first(size_t n) const {
        return std::vector<Stored>(batches.begin(), batches.begin() + static_cast<ptrdiff_t>(n));
    }
};

TEST(Recovery, TornWriteAtEveryByteOfTheLastBatchIsCutOff) {
    Workload w(14);
    ASSERT_GE(w.log->segment_count(), 3u);
    std::string image = w.dir.sub("image");
    copy_dir(w.log_dir(), image);  // crash: no close, the active segment has no index files

    const Stored& last = w.batches.back();
    size_t active_batches = w.active_batches().size();
    ASSERT_GE(active_batches, 2u);
    for (uint64_t len = last.position; len < last.position + last.bytes.size(); ++len) {
        SCOPED_TRACE("last batch torn after " + std::to_string(len - last.position) + " bytes");
        copy_dir(image, w.trial_dir());
        stdfs::resize_file(seg_path(w.trial_dir(), last.segment, ".log"), len);
        auto log = open_log(w.trial_dir(), w.config);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->end_offset(), last.base);
        EXPECT_EQ(log->recovery().bytes_truncated, len - last.position);
        EXPECT_EQ(log->recovery().segments_scanned, 1u) << "sealed segments below the "
                                                           "recovery point are trusted";
        EXPECT_EQ(log->recovery().batches_scanned, active_batches - 1);
        EXPECT_EQ(log->recovery().segments_dropped, 0u);
        EXPECT_EQ(stdfs::file_size(seg_path(w.trial_dir(), last.segment, ".log")), last.position);
        ASSERT_TRUE(holds(*log, w.first(w.batches.size() - 1)));

        Bytes next = workload_batch(99);
        auto appended = log->append(next);
        ASSERT_TRUE(appended.ok()) << appended.error().to_string();
        EXPECT_EQ(appended->base_offset, last.base);
        auto back = log->read(last.base, 1 << 20);
        ASSERT_TRUE(back.ok());
        ASSERT_EQ(back->data.size(), next.size());
        EXPECT_TRUE(std::equal(next.begin(), next.end(), back->data.data()));
    }
}

TEST(Recovery, BitFlipsInTheLastBatchAreCutAndNeverServed) {
    Workload w(14);
    std::string image = w.dir.sub("image");
    copy_dir(w.log_dir(), image);

    const Stored& last = w.batches.back();
    for (size_t at = 0; at < last.bytes.size(); ++at) {
        int bit = static_cast<int>(at % 8);
        SCOPED_TRACE("bit " + std::to_string(bit) + " of byte " + std::to_string(at));
        copy_dir(image, w.trial_dir());
        std::string path = seg_path(w.trial_dir(), last.segment, ".log");
        Bytes content = read_file(path);
        content[last.position + at] ^= static_cast<uint8_t>(1 << bit);
        write_file(path, content);

        auto log = open_log(w.trial_dir(), w.config);
        ASSERT_TRUE(log);
        ASSERT_TRUE(serves_only_valid_batches(*log));
        // The base offset and the partition leader epoch are outside the CRC by Kafka's design
        // (the broker rewrites them in place): damage there can only be caught when the offsets
        // stop increasing. Every other byte is covered by the length, magic or CRC checks.
        bool uncovered = at < L::batch_length || (at >= L::partition_leader_epoch && at < L::magic);
        if (uncovered) continue;
        EXPECT_EQ(log->end_offset(), last.base);
        EXPECT_EQ(log->recovery().bytes_truncated, last.bytes.size());
        ASSERT_TRUE(holds(*log, w.first(w.batches.size() - 1)));
        Bytes next = workload_batch(99);
        auto appended = log->append(next);
        ASSERT_TRUE(appended.ok()) << appended.error().to_string();
        EXPECT_EQ(appended->base_offset, last.base);
    }
}

TEST(Recovery, BitFlipInAMiddleBatchCutsTheSegmentThere) {
    Workload w(14, /*segment_bytes=*/2000);
    std::string image = w.dir.sub("image");
    copy_dir(w.log_dir(), image);

    std::vector<size_t> active = w.active_batches();
    ASSERT_GE(active.size(), 3u);
    size_t victim = active[1];
    const Stored& middle = w.batches[victim];
    uint64_t active_size = w.log->segments().rbegin()->second->size();
    for (size_t at = 0; at < middle.bytes.size(); ++at) {
        int bit = static_cast<int>((at * 3) % 8);
        SCOPED_TRACE("bit " + std::to_string(bit) + " of byte " + std::to_string(at));
        copy_dir(image, w.trial_dir());
        std::string path = seg_path(w.trial_dir(), middle.segment, ".log");
        Bytes content = read_file(path);
        content[middle.position + at] ^= static_cast<uint8_t>(1 << bit);
        write_file(path, content);

        auto log = open_log(w.trial_dir(), w.config);
        ASSERT_TRUE(log);
        ASSERT_TRUE(serves_only_valid_batches(*log));
        bool uncovered = at < L::batch_length || (at >= L::partition_leader_epoch && at < L::magic);
        if (uncovered) continue;  // see BitFlipsInTheLastBatchAreCutAndNeverServed
        EXPECT_EQ(log->end_offset(), middle.base);
        EXPECT_EQ(log->recovery().bytes_truncated, active_size - middle.position);
        ASSERT_TRUE(holds(*log, w.first(victim)));
        Bytes next = workload_batch(99);
        auto appended = log->append(next);
        ASSERT_TRUE(appended.ok()) << appended.error().to_string();
        EXPECT_EQ(appended->base_offset, middle.base);
    }
}

TEST(Recovery, GarbageAfterTheLastBatchIsTruncated) {
    Workload w(10);
    std::string crash_image = w.dir.sub("crash-image");
    copy_dir(w.log_dir(), crash_image);
    ASSERT_TRUE(w.log->close().ok());
    std::string clean_image = w.log_dir();  // closed: recovery point at the end, indexes written

    std::mt19937 rng(7);
    Bytes random(300);
    for (auto& b : random) b = static_cast<uint8_t>(rng());
    Bytes huge_length(100, 0);
    store_be64(huge_length.data(), static_cast<uint64_t>(w.batches.back().last.value() + 1));
    store_be32(huge_length.data() + L::batch_length, 0x7ffffff0);
    // A whole batch with the next offset whose CRC no longer matches.
    Bytes bad_crc = workload_batch(50);
    model::set_base_offset(bad_crc, w.batches.back().last + 1);
    bad_crc.back() ^= 0x40;

    struct Case {
        const char* name;
        Bytes garbage;
        bool after_clean_close;
    };
    std::vector<Case> cases = {
        {"5 zeros", Bytes(5, 0), false},
        {"100 zeros", Bytes(100, 0), false},
        {"4096 zeros", Bytes(4096, 0), false},
        {"random bytes", random, false},
        {"a huge length prefix", huge_length, false},
        {"a batch with a bad CRC", bad_crc, false},
        {"100 zeros after a clean close", Bytes(100, 0), true},
        {"random bytes after a clean close", random, true},
        {"a huge length prefix after a clean close", huge_length, true},
    };
    const Stored& last = w.batches.back();
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        copy_dir(c.after_clean_close ? clean_image : crash_image, w.trial_dir());
        std::string path = seg_path(w.trial_dir(), last.segment, ".log");
        uint64_t size = stdfs::file_size(path);
        append_file(path, c.garbage);

        auto log = open_log(w.trial_dir(), w.config);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery().bytes_truncated, c.garbage.size());
        EXPECT_EQ(stdfs::file_size(path), size);
        ASSERT_TRUE(holds(*log, w.batches));
        Bytes next = workload_batch(99);
        auto appended = log->append(next);
        ASSERT_TRUE(appended.ok()) << appended.error().to_string();
        EXPECT_EQ(appended->base_offset, last.last + 1);
    }
}

/// A cleanly closed log of many sealed segments, whose index files the cases below damage.
class DamagedIndexes : public ::testing::Test {
  protected:
    void SetUp() override {
        config_.segment_bytes = 700;
        config_.index_interval_bytes = 100;
        auto log = open_log(dir_.sub("clean"), config_);
        for (int i = 0; i < 40; ++i) batches_.push_back(append_stored(*log, workload_batch(i)));
        ASSERT_TRUE(log->close().ok());
        for (const auto& [base, seg] : log->segments()) bases_.push_back(base);
        ASSERT_GE(bases_.size(), 5u);
    }

    /// Damages every segment's index files with `damage`, reopens and checks that recovery
    /// rebuilt them: every read and timestamp lookup is right, and after a close the files are
    /// again exactly what the undamaged log wrote.
    void check(const std::function<void(Offset base, const std::string& index,
                                        const std::string& timeindex)>& damage) {
        std::string trial = dir_.sub("trial");
        copy_dir(dir_.sub("clean"), trial);
        for (Offset base : bases_) {
            damage(base, seg_path(trial, base, ".index"), seg_path(trial, base, ".timeindex"));
        }
        {
            auto log = open_log(trial, config_);
            ASSERT_TRUE(log);
            EXPECT_EQ(log->recovery().segments_scanned, bases_.size())
                << "damaged indexes must not be trusted";
            EXPECT_EQ(log->recovery().bytes_truncated, 0u);
            ASSERT_TRUE(holds(*log, batches_));
            ASSERT_TRUE(log->close().ok());
        }
        for (Offset base : bases_) {
            for (const char* suffix : {".index", ".timeindex"}) {
                EXPECT_EQ(read_file(seg_path(trial, base, suffix)),
                          read_file(seg_path(dir_.sub("clean"), base, suffix)))
                    << Segment::file_name(base, suffix) << " rebuilt differently";
            }
        }
    }

    TempDir dir_;
    LogConfig config_;
    std::vector<Stored> batches_;
    std::vector<Offset> bases_;
};

TEST_F(DamagedIndexes, MissingIndexFilesAreRebuilt) {
    check([](Offset, const std::string& index, const std::string& timeindex) {
        stdfs::remove(index);
        stdfs::remove(timeindex);
    });
}

TEST_F(DamagedIndexes, AMissingTimeIndexAloneIsRebuilt) {
    check(
        [](Offset, const std::string&, const std::string& timeindex) { stdfs::remove(timeindex); });
}

/// Cuts a file to a size that is no multiple of the entry size (or, when it is too short for
/// that, fills it with such a size).
void cut_to_odd_size(const std::string& path, size_t cut) {
    uint64_t size = stdfs::file_size(path);
    if (size > cut) {
        stdfs::resize_file(path, size - cut);
    } else {
        write_file(path, Bytes(cut, 0x5a));
    }
}

/// Reverses the entries of an index file, or, with fewer than two, repeats one: either way no
/// longer strictly increasing.
void put_out_of_order(const std::string& path, size_t entry_size) {
    Bytes content = read_file(path);
    if (content.size() < 2 * entry_size) {
        if (content.empty()) content.assign(entry_size, 0);
        content.insert(content.end(), content.end() - static_cast<ptrdiff_t>(entry_size),
                       content.end());
        write_file(path, content);
        return;
    }
    Bytes reversed;
    for (size_t at = content.size(); at >= entry_size; at -= entry_size) {
        reversed.insert(reversed.end(), content.begin() + static_cast<ptrdiff_t>(at - entry_size),
                        content.begin() + static_cast<ptrdiff_t>(at));
    }
    write_file(path, reversed);
}

TEST_F(DamagedIndexes, IndexFilesCutToOddSizesAreRebuilt) {
    check([](Offset, const std::string& index, const std::string& timeindex) {
        cut_to_odd_size(index, 3);
        cut_to_odd_size(timeindex, 5);
    });
}

TEST_F(DamagedIndexes, AnOffsetIndexCutToOddSizeAloneIsRebuilt) {
    check([](Offset, const std::string& index, const std::string&) { cut_to_odd_size(index, 1); });
}

TEST_F(DamagedIndexes, GarbageIndexEntriesAreRebuilt) {
    std::mt19937 rng(11);
    check([&](Offset, const std::string& index, const std::string& timeindex) {
        for (auto [path, entry_size] : {std::pair{index, OffsetIndex::entry_size},
                                        std::pair{timeindex, TimeIndex::entry_size}}) {
            // Whole entries, so that only their content is wrong.
            Bytes garbage(std::max<uint64_t>(stdfs::file_size(path), entry_size));
            for (auto& b : garbage) b = static_cast<uint8_t>(rng());
            write_file(path, garbage);
        }
    });
}

TEST_F(DamagedIndexes, OutOfOrderIndexEntriesAreRebuilt) {
    check([&](Offset, const std::string& index, const std::string& timeindex) {
        put_out_of_order(index, OffsetIndex::entry_size);
        put_out_of_order(timeindex, TimeIndex::entry_size);
    });
}

TEST_F(DamagedIndexes, AnOffsetIndexEntryPastTheSegmentEndIsRebuilt) {
    check([&](Offset base, const std::string& index, const std::string&) {
        auto parsed = OffsetIndex::parse(base, read_file(index), UINT32_MAX);
        ASSERT_TRUE(parsed.ok());
        const auto& entries = parsed->entries();
        uint64_t size = stdfs::file_size(seg_path(dir_.sub("trial"), base, ".log"));
        Bytes entry(OffsetIndex::entry_size);
        store_be32(entry.data(), entries.empty() ? 1 : entries.back().relative_offset + 1);
        store_be32(entry.data() + 4, static_cast<uint32_t>(size + 10));
        append_file(index, entry);
    });
}

TEST_F(DamagedIndexes, ATimeIndexEntryPastTheSegmentEndIsRebuilt) {
    // In order, but naming an offset the segment does not hold, with a timestamp newer than
    // any in it: trusted, it would also become the segment's newest timestamp for retention.
    check([&](Offset base, const std::string&, const std::string& timeindex) {
        auto parsed = TimeIndex::parse(base, read_file(timeindex));
        ASSERT_TRUE(parsed.ok());
        const auto& entries = parsed->entries();
        Bytes entry(TimeIndex::entry_size);
        store_be64(entry.data(), entries.empty() ? 1'000'000 : entries.back().timestamp + 1);
        store_be32(entry.data() + 8,
                   (entries.empty() ? 0 : entries.back().relative_offset) + 10'000);
        append_file(timeindex, entry);
    });
}

TEST_F(DamagedIndexes, ATimeIndexThatSkipsPastTheSegmentIsRebuilt) {
    // One entry claiming that everything up to an offset past the segment is older than any
    // real timestamp: trusted, a lookup would start scanning after the batches it should find.
    check([&](Offset, const std::string&, const std::string& timeindex) {
        Bytes entry(TimeIndex::entry_size);
        store_be64(entry.data(), 0);
        store_be32(entry.data() + 8, 10'000);
        write_file(timeindex, entry);
    });
}

TEST(Recovery, CrashAfterRollsKeepsEveryDurableBatch) {
    Workload w(0, 600);
    // Durable up to here: the recovery point written at the next rolls.
    for (int i = 0; i < 15; ++i) w.batches.push_back(append_stored(*w.log, workload_batch(i)));
    ASSERT_TRUE(w.log->flush().ok());
    Offset durable = w.log->end_offset();
    for (int i = 15; i < 40; ++i) w.batches.push_back(append_stored(*w.log, workload_batch(i)));
    ASSERT_TRUE(w.log->flush().ok());
    ASSERT_GE(w.log->segment_count(), 4u);

    std::string image = w.dir.sub("image");
    copy_dir(w.log_dir(), image);
    auto recovery_point = read_checkpoint(image + "/recovery-point");
    ASSERT_TRUE(recovery_point.has_value());
    EXPECT_EQ(*recovery_point, durable.value());
    ASSERT_LT(Offset(*recovery_point), w.log->segments().rbegin()->first)
        << "the crash must leave a recovery point older than the active segment";
    size_t beyond_recovery_point = 0;
    for (const auto& [base, seg] : w.log->segments()) {
        if (seg->next_offset() > Offset(*recovery_point)) ++beyond_recovery_point;
    }
    ASSERT_GE(beyond_recovery_point, 2u);

    {
        auto log = open_log(image, w.config);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery().segments_scanned, beyond_recovery_point);
        EXPECT_EQ(log->recovery().bytes_truncated, 0u);
        EXPECT_EQ(log->durable_end(), log->end_offset()) << "recovery syncs what it read";
        ASSERT_TRUE(holds(*log, w.batches));
        for (auto it = log->segments().begin(); std::next(it) != log->segments().end(); ++it) {
            EXPECT_TRUE(stdfs::exists(seg_path(image, it->first, ".index")));
            EXPECT_TRUE(stdfs::exists(seg_path(image, it->first, ".timeindex")));
        }
        ASSERT_TRUE(log->close().ok());
    }
    ASSERT_TRUE(w.log->close().ok());
    for (const auto& [base, seg] : w.log->segments()) {
        for (const char* suffix : {".log", ".index", ".timeindex"}) {
            EXPECT_EQ(read_file(seg_path(image, base, suffix)),
                      read_file(seg_path(w.log_dir(), base, suffix)))
                << Segment::file_name(base, suffix) << " differs from a clean shutdown's";
        }
    }
}

TEST(Recovery, CrashRightAfterARollLeavesAnEmptyActiveSegment) {
    FakeClock clock;
    TempDir dir;
    LogConfig config;
    config.segment_ms = 1000;
    auto log = open_log(dir.sub("log"), config, fast_fs(), clock.fn());
    std::vector<Stored> batches;
    for (int i = 0; i < 5; ++i) batches.push_back(append_stored(*log, workload_batch(i)));
    clock.now += 2000;
    ASSERT_TRUE(log->maybe_roll_by_age().ok());
    ASSERT_EQ(log->segment_count(), 2u);
    copy_dir(dir.sub("log"), dir.sub("image"));

    auto recovered = open_log(dir.sub("image"), config, fast_fs(), clock.fn());
    ASSERT_TRUE(recovered);
    EXPECT_EQ(recovered->segment_count(), 2u);
    ASSERT_TRUE(holds(*recovered, batches));
    Bytes next = workload_batch(5);
    auto appended = recovered->append(next);
    ASSERT_TRUE(appended.ok());
    EXPECT_EQ(appended->base_offset, batches.back().last + 1);
    EXPECT_EQ(recovered->segment_count(), 2u) << "the empty active segment takes it";
}

TEST(Recovery, IndexFilesOfARecoveredActiveSegmentCannotGoStale) {
    TempDir dir;
    LogConfig config;
    config.index_interval_bytes = 1;  // an entry at every batch
    std::vector<Stored> batches;
    {
        auto log = open_log(dir.sub("log"), config);
        for (int i = 0; i < 10; ++i) append_stored(*log, make_batch(2, i, 1000 + 10 * i));
    }
    // A crash in close() after sealing the active segment but before the recovery point was
    // written: index files beside it, and a recovery point that makes the next open scan it.
    write_file(dir.sub("log") + "/recovery-point", as_bytes("0\n"));
    {
        auto log = open_log(dir.sub("log"), config);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery().segments_scanned, 1u);
        // The same batch shapes (so the same positions and offsets) with newer timestamps.
        ASSERT_TRUE(log->truncate(Offset(0)).ok());
        for (int i = 0; i < 10; ++i) {
            batches.push_back(append_stored(*log, make_batch(2, i, 50'000 + 10 * i)));
        }
        ASSERT_TRUE(log->flush().ok());
        ASSERT_TRUE(log->checkpoint_recovery_point().ok());
        EXPECT_FALSE(stdfs::exists(seg_path(dir.sub("log"), Offset(0), ".timeindex")))
            << "the active segment's index lives in memory only";
        copy_dir(dir.sub("log"), dir.sub("image"));
    }
    // The recovery point covers the active segment now; index files from before the
    // truncation must not be there to be trusted.
    auto log = open_log(dir.sub("image"), config);
    ASSERT_TRUE(log);
    ASSERT_TRUE(holds(*log, batches));
}

TEST(Recovery, DiskFullFailsTheAppendAndLeavesNothingPartial) {
    TempDir dir;
    FaultInjectionFileSystem fs;
    LogConfig config;
    std::vector<Stored> batches;
    std::string path = seg_path(dir.sub("log"), Offset(0), ".log");
    {
        auto log = open_log(dir.sub("log"), config, fs);
        ASSERT_TRUE(log);
        for (int i = 0; i < 5; ++i) batches.push_back(append_stored(*log, workload_batch(i)));
        ASSERT_TRUE(log->flush().ok());
        uint64_t size = stdfs::file_size(path);
        Offset end = log->end_offset();

        Bytes next = workload_batch(5);
        for (uint64_t space : {uint64_t{0}, uint64_t{1}, uint64_t{L::log_overhead},
                               uint64_t{L::header_size}, uint64_t{next.size() - 1}}) {
            SCOPED_TRACE(std::to_string(space) + " bytes left");
            fs.set_space_left(space);
            Bytes attempt = next;
            auto r = log->append(attempt);
            ASSERT_FALSE(r.ok());
            EXPECT_TRUE(r.error().is(es::Errc::no_space)) << r.error().to_string();
            EXPECT_EQ(log->end_offset(), end);
            EXPECT_EQ(stdfs::file_size(path), size) << "the partial write was cut off";
            EXPECT_EQ(log->size_bytes(), size);
            EXPECT_FALSE(log->durability()->failed()) << "the cut worked: not a poisoned log";
            ASSERT_TRUE(holds(*log, batches));
        }
        fs.set_space_left(std::nullopt);
        batches.push_back(append_stored(*log, next));
        EXPECT_EQ(batches.back().base, end);
        ASSERT_TRUE(log->flush().ok());
        ASSERT_TRUE(holds(*log, batches));
    }
    auto log = open_log(dir.sub("log"), config, fs);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().bytes_truncated, 0u);
    ASSERT_TRUE(holds(*log, batches));
}

TEST(Recovery, DiskFullAtEveryStepOfARollLeavesAConsistentLog) {
    TempDir dir;
    FaultInjectionFileSystem fs;
    LogConfig config;
    config.segment_bytes = 700;
    config.index_interval_bytes = 100;
    std::vector<Stored> batches;
    uint64_t index_bytes = 0;
    uint64_t time_bytes = 0;
    {
        auto log = open_log(dir.sub("log"), config, fs);
        ASSERT_TRUE(log);
        // Fill the first segment up to where the next batch must roll.
        for (int i = 0;; ++i) {
            Bytes b = workload_batch(i);
            if (log->segments().rbegin()->second->size() + b.size() > config.segment_bytes) break;
            batches.push_back(append_stored(*log, b));
        }
        ASSERT_TRUE(log->flush().ok());
        const Segment& active = *log->segments().rbegin()->second;
        index_bytes = active.offset_index().entries().size() * OffsetIndex::entry_size;
        time_bytes = active.time_index().entries().size() * TimeIndex::entry_size;
        copy_dir(dir.sub("log"), dir.sub("image"));  // crash: no recovery point yet
    }
    ASSERT_GT(index_bytes, 0u);
    ASSERT_GT(time_bytes, 0u);
    Bytes next = workload_batch(static_cast<int>(batches.size()));
    auto next_view = model::RecordBatchView::parse(next);
    ASSERT_TRUE(next_view.ok());
    Offset end = batches.back().last + 1;
    // The roll writes the offset index, the time index and the recovery point (recovery
    // synced everything, so it is the end), then the batch goes into the new segment: the disk
    // fills within and right after each of those writes in turn.
    uint64_t checkpoint_bytes = std::to_string(end.value()).size() + 1;
    uint64_t roll_bytes = index_bytes + time_bytes + checkpoint_bytes;
    for (uint64_t space :
         {uint64_t{0}, index_bytes - 1, index_bytes, index_bytes + time_bytes - 1,
          index_bytes + time_bytes, roll_bytes - 1, roll_bytes, roll_bytes + next.size() - 1}) {
        SCOPED_TRACE(std::to_string(space) + " bytes left");
        std::string trial = dir.sub("trial");
        copy_dir(dir.sub("image"), trial);
        {
            auto log = open_log(trial, config, fs);
            ASSERT_TRUE(log);
            fs.set_space_left(space);
            Bytes attempt = next;
            auto r = log->append(attempt);
            ASSERT_FALSE(r.ok());
            EXPECT_TRUE(r.error().is(es::Errc::no_space)) << r.error().to_string();
            EXPECT_EQ(log->end_offset(), end);
            EXPECT_FALSE(log->durability()->failed());
            ASSERT_TRUE(holds(*log, batches));
            fs.set_space_left(std::nullopt);
            Bytes retry = next;
            auto again = log->append(retry);
            ASSERT_TRUE(again.ok()) << again.error().to_string();
            EXPECT_EQ(again->base_offset, end);
            EXPECT_EQ(log->segment_count(), 2u);
            EXPECT_EQ(log->segments().rbegin()->first, end);
        }
        auto log = open_log(trial, config, fs);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery().bytes_truncated, 0u);
        EXPECT_EQ(log->end_offset(), end + next_view->last_offset_delta() + 1);
        auto last = log->read(end, 1 << 20);
        ASSERT_TRUE(last.ok());
        EXPECT_EQ(last->data.size(), next.size());
        for (const std::string& name : file_names(trial)) {
            EXPECT_FALSE(name.ends_with(".tmp")) << name;
        }
    }
}

TEST(Recovery, FailedFdatasyncPoisonsTheLogUntilReopened) {
    TempDir dir;
    FaultInjectionFileSystem fs;
    LogConfig config;
    std::vector<Stored> batches;
    Offset durable;
    {
        auto log = open_log(dir.sub("log"), config, fs);
        ASSERT_TRUE(log);
        for (int i = 0; i < 3; ++i) batches.push_back(append_stored(*log, workload_batch(i)));
        auto flushed = log->flush();
        ASSERT_TRUE(flushed.ok());
        durable = *flushed;
        EXPECT_EQ(durable, log->end_offset());
        for (int i = 3; i < 6; ++i) batches.push_back(append_stored(*log, workload_batch(i)));

        fs.fail_next_syncs(1);
        auto failed = log->flush();
        ASSERT_FALSE(failed.ok());
        EXPECT_TRUE(failed.error().is(Errc::log_failed)) << failed.error().to_string();
        EXPECT_EQ(log->durable_end(), durable);

        // The next fdatasync would succeed, but proves nothing about the pages the kernel may
        // have dropped: everything stays refused.
        auto again = log->flush();
        ASSERT_FALSE(again.ok());
        EXPECT_TRUE(again.error().is(Errc::log_failed));
        Bytes more = workload_batch(6);
        auto appended = log->append(more);
        ASSERT_FALSE(appended.ok());
        EXPECT_TRUE(appended.error().is(Errc::log_failed)) << appended.error().to_string();
        EXPECT_TRUE(log->truncate(Offset(1)).error().is(Errc::log_failed));
        EXPECT_TRUE(log->checkpoint_recovery_point().ok());
        EXPECT_EQ(log->durable_end(), durable);
        EXPECT_EQ(log->end_offset(), batches.back().last + 1);
        auto closed = log->close();
        EXPECT_FALSE(closed.ok()) << "close cannot claim a clean shutdown";
        EXPECT_EQ(log->durable_end(), durable);
    }
    auto recovery_point = read_checkpoint(dir.sub("log") + "/recovery-point");
    EXPECT_LE(recovery_point.value_or(0), durable.value());

    auto log = open_log(dir.sub("log"), config, fs);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().segments_scanned, 1u);
    // The page cache kept the writes here; what matters is that all of it was checked.
    ASSERT_TRUE(holds(*log, batches));
    EXPECT_EQ(log->durable_end(), log->end_offset());
    Bytes next = workload_batch(6);
    auto appended = log->append(next);
    ASSERT_TRUE(appended.ok()) << appended.error().to_string();
    EXPECT_EQ(appended->base_offset, batches.back().last + 1);
    EXPECT_TRUE(log->flush().ok());
}

TEST(Recovery, LeftoverTemporaryFilesAreRemovedOnOpen) {
    TempDir dir;
    LogConfig config;
    config.segment_bytes = 600;
    std::vector<Stored> batches;
    {
        auto log = open_log(dir.sub("log"), config);
        for (int i = 0; i < 10; ++i) batches.push_back(append_stored(*log, workload_batch(i)));
    }
    std::vector<std::string> leftovers = {
        "recovery-point.tmp",
        "log-start-offset.tmp",
        Segment::file_name(Offset(0), ".index.tmp"),
        Segment::file_name(Offset(0), ".timeindex.tmp"),
        Segment::file_name(Offset(0), ".log.cleaned"),
        Segment::file_name(Offset(0), ".log.swap"),
    };
    for (const auto& name : leftovers) write_file(dir.sub("log") + "/" + name, as_bytes("junk"));
    // A checkpoint rename interrupted at the worst moment: the old file is still in place.
    write_file(dir.sub("log") + "/recovery-point.tmp", as_bytes("999999\n"));

    auto log = open_log(dir.sub("log"), config);
    ASSERT_TRUE(log);
    std::set<std::string> names = file_names(dir.sub("log"));
    for (const auto& name : leftovers) EXPECT_FALSE(names.contains(name)) << name;
    EXPECT_EQ(log->recovery().segments_scanned, 0u) << "the real checkpoint still holds";
    ASSERT_TRUE(holds(*log, batches));
}

TEST(Recovery, UnreadableCheckpointsAreIgnored) {
    TempDir dir;
    LogConfig config;
    config.segment_bytes = 600;
    std::vector<Stored> batches;
    {
        auto log = open_log(dir.sub("log"), config);
        for (int i = 0; i < 12; ++i) batches.push_back(append_stored(*log, workload_batch(i)));
        ASSERT_TRUE(log->advance_start_offset(batches[4].base + 1).ok());
    }
    ASSERT_TRUE(stdfs::exists(dir.sub("log") + "/log-start-offset"));
    std::string image = dir.sub("image");
    copy_dir(dir.sub("log"), image);
    Offset first_base;
    size_t segments = 0;
    {
        auto log = open_log(image, config);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->start_offset(), batches[4].base + 1);
        first_base = log->segments().begin()->first;
        segments = log->segment_count();
    }
    ASSERT_LT(first_base, batches[4].base + 1);

    for (const char* text : {"garbage\n", "", "\n", "-5\n", "12abc\n", "99999999999999999999999\n",
                             "0x10\n", " 7\n"}) {
        SCOPED_TRACE(std::string("checkpoints holding \"") + text + "\"");
        copy_dir(image, dir.sub("trial"));
        write_file(dir.sub("trial") + "/recovery-point", as_bytes(text));
        write_file(dir.sub("trial") + "/log-start-offset", as_bytes(text));
        auto log = open_log(dir.sub("trial"), config);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery().segments_scanned, segments)
            << "no recovery point: every segment is checked";
        EXPECT_EQ(log->recovery().bytes_truncated, 0u);
        EXPECT_EQ(log->start_offset(), first_base) << "no start checkpoint: the first segment";
        std::vector<Stored> visible;
        for (const Stored& b : batches) {
            if (b.segment >= first_base) visible.push_back(b);
        }
        ASSERT_TRUE(holds(*log, visible));
    }
}

}  // namespace
}  // namespace es::storage
