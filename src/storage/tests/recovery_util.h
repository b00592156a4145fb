#pragma once

// Helpers of the recovery tests (recovery_test.cc, recovery_faults_test.cc): logs on a file
// system without fdatasync, batches recorded as stored, crash copies of a log directory, and a
// brute-force check that a log holds exactly what it should.

#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/index.h"
#include "storage/log.h"
#include "storage/tests/fault_injection.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace es::storage::recovery_util {

namespace stdfs = std::filesystem;
namespace L = model::batch_layout;
using model::Offset;
using testing::FaultInjectionFileSystem;
using testing::make_batch;
using testing::NoSyncFileSystem;
using testing::TempDir;

inline NoSyncFileSystem& fast_fs() {
    static NoSyncFileSystem fs;
    return fs;
}

struct FakeClock {
    int64_t now = 1'000'000;
    Log::Clock fn() {
        return [this] { return now; };
    }
};

inline std::unique_ptr<Log> open_log(const std::string& dir, const LogConfig& config,
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

inline Stored append_stored(Log& log, Bytes batch) {
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
inline Bytes workload_batch(int i) {
    int64_t ts = 10'000 + 100 * i - (i % 3 == 2 ? 250 : 0);
    return make_batch(1 + i % 4, i, ts, 20 + 7 * (i % 11));
}

inline std::string seg_path(const std::string& dir, Offset base, std::string_view suffix) {
    return dir + "/" + Segment::file_name(base, suffix);
}

inline Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string& path, BytesView data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
}

inline void append_file(const std::string& path, BytesView data) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
}

/// The directory as a crash would leave it: a copy of every file, taken while the log is open.
inline void copy_dir(const std::string& from, const std::string& to) {
    stdfs::remove_all(to);
    stdfs::create_directories(to);
    for (const auto& entry : stdfs::directory_iterator(from)) {
        stdfs::copy_file(entry.path(), stdfs::path(to) / entry.path().filename());
    }
}

inline std::optional<int64_t> read_checkpoint(const std::string& path) {
    if (!stdfs::exists(path)) return std::nullopt;
    Bytes text = read_file(path);
    return std::stoll(std::string(as_string_view(text)));
}

inline std::set<std::string> file_names(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& e : stdfs::directory_iterator(dir)) names.insert(e.path().filename());
    return names;
}

/// What ListOffsets must answer, by brute force: the first batch at or after the log start
/// whose max timestamp reaches the target.
inline std::optional<Offset> expected_for_timestamp(const std::vector<Stored>& batches,
                                                    Offset start, int64_t target) {
    for (const Stored& b : batches) {
        if (b.last >= start && b.max_timestamp >= target) return std::max(b.base, start);
    }
    return std::nullopt;
}

/// The log holds exactly `batches`: a read from every offset returns the batch holding it byte
/// for byte, the end reads empty and past it is out of range, every segment knows its newest
/// timestamp, and timestamp lookups agree with a brute-force search.
inline ::testing::AssertionResult holds(const Log& log, const std::vector<Stored>& batches) {
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
inline ::testing::AssertionResult serves_only_valid_batches(const Log& log) {
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

}  // namespace es::storage::recovery_util
