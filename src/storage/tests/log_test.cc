#include "storage/log.h"

#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/tests/fault_injection.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace es::storage {
namespace {

using model::Offset;
using testing::make_batch;
using testing::TempDir;

struct FakeClock {
    int64_t now = 1'000'000;
    Log::Clock fn() {
        return [this] { return now; };
    }
};

std::unique_ptr<Log> open_log(const std::string& dir, LogConfig config = {}, Log::Clock clock = {},
                              FileSystem& fs = posix_file_system()) {
    auto log = Log::open(fs, dir, config, std::move(clock));
    EXPECT_TRUE(log.ok()) << log.error().to_string();
    return std::move(log).value();
}

/// Appends `batch`, which the log rewrites in place (base offset, maybe timestamps).
AppendResult append(Log& log, Bytes& batch, bool log_append_time = false) {
    auto r = log.append(batch, log_append_time);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? *r : AppendResult{};
}
AppendResult append(Log& log, Bytes&& batch) { return append(log, batch); }

/// Every batch from `from` to the end, parsed.
std::vector<model::RecordBatchView> read_all(const Log& log, Offset from, Bytes& storage) {
    storage.clear();
    Offset at = from;
    while (at < log.end_offset()) {
        auto r = log.read(at, 1 << 20);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        if (!r.ok() || r->data.empty()) break;
        storage.insert(storage.end(), r->data.data(), r->data.data() + r->data.size());
        at = r->next_offset;
    }
    std::vector<model::RecordBatchView> out;
    BytesView rest(storage);
    while (!rest.empty()) {
        auto v = model::RecordBatchView::parse(rest);
        EXPECT_TRUE(v.ok()) << v.error().to_string();
        if (!v.ok()) break;
        out.push_back(*v);
        rest = rest.subspan(v->size());
    }
    return out;
}

TEST(Log, AssignsOffsetsAndReadsBackTheSameBytes) {
    TempDir dir;
    auto log = open_log(dir.path());
    Bytes b1 = make_batch(3, 1);
    Bytes b2 = make_batch(5, 2);
    auto r1 = append(*log, b1);
    auto r2 = append(*log, b2);
    EXPECT_EQ(r1.base_offset, Offset(0));
    EXPECT_EQ(r1.last_offset, Offset(2));
    EXPECT_EQ(r2.base_offset, Offset(3));
    EXPECT_EQ(log->end_offset(), Offset(8));

    auto read = log->read(Offset(0), 1 << 20);
    ASSERT_TRUE(read.ok());
    ASSERT_EQ(read->data.size(), b1.size() + b2.size());
    EXPECT_EQ(read->next_offset, Offset(8));
    // Stored bytes are the client's bytes with the base offset rewritten: b1 and b2 as
    // append() left them.
    EXPECT_TRUE(std::equal(b1.begin(), b1.end(), read->data.data()));
    EXPECT_TRUE(std::equal(b2.begin(), b2.end(), read->data.data() + b1.size()));

    // An offset in the middle of a batch returns that whole batch.
    auto mid = log->read(Offset(4), 1 << 20);
    ASSERT_TRUE(mid.ok());
    auto first = model::RecordBatchView::parse(mid->data.view());
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->base_offset(), Offset(3));
}

TEST(Log, ReadHonoursMaxBytesButAlwaysReturnsTheFirstBatch) {
    TempDir dir;
    auto log = open_log(dir.path());
    Bytes big = make_batch(10, 1, 1000, 500);
    size_t big_size = big.size();
    append(*log, big);
    append(*log, make_batch(1, 2));
    auto r = log->read(Offset(0), 100);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->data.size(), big_size) << "first batch whole, second left out";
    EXPECT_EQ(r->next_offset, Offset(10));

    auto bounded = log->read(Offset(0), 1 << 20, /*upper_bound=*/Offset(10));
    ASSERT_TRUE(bounded.ok());
    EXPECT_EQ(bounded->data.size(), big_size) << "nothing at or past the upper bound";
    EXPECT_TRUE(log->read(Offset(10), 1 << 20, Offset(10))->data.empty());
}

TEST(Log, OutOfRangeOffsetsAreRefused) {
    TempDir dir;
    auto log = open_log(dir.path());
    append(*log, make_batch(2, 1));
    EXPECT_TRUE(log->read(Offset(3), 100).error().is(Errc::offset_out_of_range));
    EXPECT_TRUE(log->read(Offset(-1), 100).error().is(Errc::offset_out_of_range));
    auto at_end = log->read(Offset(2), 100);
    ASSERT_TRUE(at_end.ok());
    EXPECT_TRUE(at_end->data.empty());
}

TEST(Log, InvalidBatchesAreRejectedAndNothingIsWritten) {
    TempDir dir;
    auto log = open_log(dir.path());
    Bytes bad = make_batch(2, 1);
    bad.back() ^= 1;  // CRC mismatch
    EXPECT_TRUE(log->append(bad).error().is(Errc::invalid_batch));
    Bytes short_batch = make_batch(2, 1);
    short_batch.resize(30);
    EXPECT_TRUE(log->append(short_batch).error().is(Errc::invalid_batch));
    EXPECT_EQ(log->end_offset(), Offset(0));
    EXPECT_EQ(log->size_bytes(), 0u);
}

TEST(Log, RollsBySizeAndByAgeAndReopensCleanly) {
    TempDir dir;
    FakeClock clock;
    LogConfig config;
    config.segment_bytes = 1000;
    config.segment_ms = 60'000;
    config.index_interval_bytes = 200;
    {
        auto log = open_log(dir.path(), config, clock.fn());
        for (int i = 0; i < 40; ++i) append(*log, make_batch(2, i));
        size_t by_size = log->segment_count();
        EXPECT_GE(by_size, 5u);
        clock.now += 61'000;
        append(*log, make_batch(1, 99));
        EXPECT_EQ(log->segment_count(), by_size + 1) << "age roll";
        ASSERT_TRUE(log->close().ok());
    }
    auto log = open_log(dir.path(), config, clock.fn());
    EXPECT_EQ(log->end_offset(), Offset(81));
    EXPECT_EQ(log->recovery().segments_scanned, 0u) << "clean shutdown: indexes trusted";
    Bytes storage;
    auto batches = read_all(*log, Offset(0), storage);
    ASSERT_EQ(batches.size(), 41u);
    for (size_t i = 0; i < 40; ++i) EXPECT_EQ(batches[i].base_offset(), Offset(int64_t(2 * i)));
    // A read from every offset lands in the batch holding it, through the sparse index.
    for (int64_t o = 0; o < 81; ++o) {
        auto r = log->read(Offset(o), 1);
        ASSERT_TRUE(r.ok());
        auto v = model::RecordBatchView::parse(r->data.view());
        ASSERT_TRUE(v.ok());
        EXPECT_LE(v->base_offset(), Offset(o));
        EXPECT_GE(v->last_offset(), Offset(o));
    }
}

TEST(Log, FindsTheFirstBatchAtOrAfterATimestamp) {
    TempDir dir;
    LogConfig config;
    config.segment_bytes = 600;
    config.index_interval_bytes = 100;
    auto log = open_log(dir.path(), config);
    for (int i = 0; i < 30; ++i) append(*log, make_batch(2, i, /*timestamp=*/10'000 + 100 * i));
    // Batch i covers timestamps 10000+100i .. +1.
    for (int i = 0; i < 30; ++i) {
        auto found = log->batch_for_timestamp(10'000 + 100 * i);
        ASSERT_TRUE(found.ok());
        ASSERT_TRUE(found->has_value());
        EXPECT_EQ(**found, Offset(2 * i));
        auto between = log->batch_for_timestamp(10'000 + 100 * i + 50);
        if (i < 29) {
            EXPECT_EQ(**between, Offset(2 * (i + 1)));
        }
    }
    EXPECT_FALSE(log->batch_for_timestamp(99'999)->has_value());
    EXPECT_EQ(**log->batch_for_timestamp(0), Offset(0));
}

TEST(Log, LogAppendTimeRewritesTimestamps) {
    TempDir dir;
    FakeClock clock;
    clock.now = 55'555;
    auto log = open_log(dir.path(), {}, clock.fn());
    Bytes b = make_batch(3, 1, 100);
    auto r = append(*log, b, /*log_append_time=*/true);
    EXPECT_EQ(r.log_append_time, 55'555);
    auto read = log->read(Offset(0), 1 << 20);
    auto view = model::RecordBatchView::parse(read->data.view());
    ASSERT_TRUE(view.ok()) << "CRC recomputed after the rewrite";
    EXPECT_EQ(view->max_timestamp(), 55'555);
    EXPECT_EQ(view->timestamp_type(), model::TimestampType::log_append_time);
}

TEST(Log, TruncateRemovesWholeBatchesFromTheTarget) {
    TempDir dir;
    LogConfig config;
    config.segment_bytes = 500;
    auto log = open_log(dir.path(), config);
    for (int i = 0; i < 20; ++i) append(*log, make_batch(3, i));
    auto end = log->truncate(Offset(31));  // inside the batch 30..32
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(*end, Offset(30));
    EXPECT_EQ(log->end_offset(), Offset(30));
    auto next = append(*log, make_batch(1, 77));
    EXPECT_EQ(next.base_offset, Offset(30));
    ASSERT_TRUE(log->close().ok());
    auto reopened = open_log(dir.path(), config);
    EXPECT_EQ(reopened->end_offset(), Offset(31));
    auto truncated_to_zero = reopened->truncate(Offset(0));
    ASSERT_TRUE(truncated_to_zero.ok());
    EXPECT_EQ(*truncated_to_zero, Offset(0));
    EXPECT_EQ(reopened->segment_count(), 1u);
}

TEST(Log, StartOffsetMovesForwardAndSurvivesRestart) {
    TempDir dir;
    LogConfig config;
    config.segment_bytes = 400;
    {
        auto log = open_log(dir.path(), config);
        for (int i = 0; i < 20; ++i) append(*log, make_batch(2, i));
        size_t before = log->segment_count();
        ASSERT_TRUE(log->advance_start_offset(Offset(21)).ok());
        EXPECT_EQ(log->start_offset(), Offset(21));
        EXPECT_LT(log->segment_count(), before) << "segments wholly below the start are gone";
        EXPECT_TRUE(log->read(Offset(20), 100).error().is(Errc::offset_out_of_range));
        EXPECT_TRUE(log->read(Offset(21), 100).ok());
        EXPECT_TRUE(log->advance_start_offset(Offset(1000)).error().is(Errc::offset_out_of_range));
    }
    auto log = open_log(dir.path(), config);
    EXPECT_EQ(log->start_offset(), Offset(21));
    ASSERT_TRUE(log->advance_start_offset(log->end_offset()).ok());
    EXPECT_EQ(log->start_offset(), Offset(40));
    EXPECT_EQ(append(*log, make_batch(1, 1)).base_offset, Offset(40));
}

TEST(Log, RetentionBySizeAndTimeRemovesWholeOldSegments) {
    TempDir dir;
    FakeClock clock;
    LogConfig config;
    config.segment_bytes = 400;
    config.retention_bytes = 1200;
    config.retention_ms = 10'000;
    auto log = open_log(dir.path(), config, clock.fn());
    for (int i = 0; i < 30; ++i) append(*log, make_batch(2, i, clock.now));
    uint64_t before = log->size_bytes();
    auto by_size = log->apply_retention();
    ASSERT_TRUE(by_size.ok());
    EXPECT_GT(by_size->segments_removed, 0u);
    EXPECT_GE(log->size_bytes(), 1200u) << "keeps at least retention.bytes";
    EXPECT_LT(log->size_bytes(), before);
    EXPECT_EQ(log->start_offset(), log->segments().begin()->first);

    clock.now += 20'000;
    auto by_time = log->apply_retention();
    ASSERT_TRUE(by_time.ok());
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->start_offset(), Offset(60));
    EXPECT_EQ(log->end_offset(), Offset(60));
    EXPECT_EQ(append(*log, make_batch(1, 1, clock.now)).base_offset, Offset(60));
}

TEST(Log, ARemovedLogRefusesReadsAndAppends) {
    TempDir dir;
    auto log = open_log(dir.sub("p"));
    append(*log, make_batch(1, 1));
    ASSERT_TRUE(log->remove().ok());
    EXPECT_FALSE(std::filesystem::exists(dir.sub("p")));
    EXPECT_TRUE(log->read(Offset(0), 10).error().is(Errc::log_closed));
    Bytes b = make_batch(1, 1);
    EXPECT_TRUE(log->append(b).error().is(Errc::log_closed));
}

}  // namespace
}  // namespace es::storage
