#include "storage/compaction.h"

#include "model/record_batch.h"
#include "storage/log.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

namespace es::storage {
namespace {

using model::Offset;
using testing::TempDir;

struct Kv {
    std::string key;
    std::optional<std::string> value;  // nullopt: tombstone
    int64_t timestamp = 1000;
};

Bytes batch_of(const std::vector<Kv>& records,
               model::Compression codec = model::Compression::none) {
    model::BatchOptions options;
    options.compression = codec;
    model::RecordBatchBuilder b(Offset(0), options);
    for (const auto& r : records) {
        std::optional<BytesView> value;
        if (r.value) value = as_bytes(*r.value);
        b.add(as_bytes(r.key), value, r.timestamp);
    }
    return std::move(b.build()).value();
}

/// Every record of the log in offset order: offset -> (key, value).
std::map<int64_t, Kv> contents(const Log& log) {
    std::map<int64_t, Kv> out;
    Offset at = log.start_offset();
    while (at < log.end_offset()) {
        auto r = log.read(at, 1 << 20);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        if (!r.ok() || r->data.empty()) break;
        BytesView rest = r->data.view();
        while (!rest.empty()) {
            auto batch = model::RecordBatchView::parse(rest);
            EXPECT_TRUE(batch.ok()) << batch.error().to_string();
            if (!batch.ok()) return out;
            auto records = batch->records(1 << 24);
            EXPECT_TRUE(records.ok());
            for (const auto& rec : *records) {
                Kv kv;
                kv.key = rec.key ? std::string(as_string_view(*rec.key)) : "<null>";
                if (rec.value) kv.value = std::string(as_string_view(*rec.value));
                kv.timestamp = batch->first_timestamp() + rec.timestamp_delta;
                out[batch->base_offset().value() + rec.offset_delta] = kv;
            }
            rest = rest.subspan(batch->size());
        }
        at = r->next_offset;
    }
    return out;
}

LogConfig compact_config() {
    LogConfig c;
    c.segment_bytes = 700;
    c.index_interval_bytes = 128;
    c.cleanup_compact = true;
    c.cleanup_delete = false;
    c.delete_retention_ms = 10'000;
    return c;
}

std::unique_ptr<Log> fill(const std::string& dir, int rounds, int64_t* clock_ms,
                          model::Compression codec = model::Compression::none) {
    auto log = std::move(Log::open(posix_file_system(), dir, compact_config(), [clock_ms] {
                   return *clock_ms;
               })).value();
    for (int round = 0; round < rounds; ++round) {
        std::vector<Kv> records;
        for (int k = 0; k < 5; ++k) {
            records.push_back(
                {"key" + std::to_string(k), "v" + std::to_string(round), 1000 + round});
        }
        Bytes b = batch_of(records, codec);
        EXPECT_TRUE(log->append(b).ok());
    }
    return log;
}

TEST(Compaction, KeepsTheLatestRecordPerKeyAtItsOriginalOffset) {
    TempDir dir;
    int64_t now = 1'000'000;
    auto log = fill(dir.path(), 30, &now);
    auto before = contents(*log);
    ASSERT_EQ(before.size(), 150u);
    Offset sealed_end = log->segments().rbegin()->first;

    auto result = log->compact();
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    EXPECT_FALSE(result->aborted);
    EXPECT_GT(result->records_removed, 100u);
    EXPECT_LT(result->bytes_after, result->bytes_before);
    std::printf(
        "compaction: %zu records removed, %llu -> %llu bytes, %zu segments rewritten, "
        "%zu removed\n",
        result->records_removed, static_cast<unsigned long long>(result->bytes_before),
        static_cast<unsigned long long>(result->bytes_after), result->segments_rewritten,
        result->segments_removed);

    auto after = contents(*log);
    // Every surviving record is byte-identical and at its old offset.
    for (const auto& [offset, kv] : after) {
        ASSERT_TRUE(before.count(offset));
        EXPECT_EQ(before[offset].key, kv.key);
        EXPECT_EQ(before[offset].value, kv.value);
        EXPECT_EQ(before[offset].timestamp, kv.timestamp);
    }
    // In the cleaned part each key's record is its latest there; the active segment is intact.
    std::map<std::string, int64_t> latest_sealed;
    for (const auto& [offset, kv] : before) {
        if (offset < sealed_end.value()) latest_sealed[kv.key] = offset;
    }
    for (const auto& [offset, kv] : before) {
        bool expected = offset >= sealed_end.value() || latest_sealed[kv.key] == offset;
        EXPECT_EQ(after.count(offset) == 1, expected) << "offset " << offset;
    }
    EXPECT_EQ(log->start_offset(), Offset(0));
    EXPECT_EQ(log->end_offset(), Offset(150));
    // A read from an offset that compaction removed starts at the next surviving batch.
    for (int64_t o = 0; o < 150; ++o) ASSERT_TRUE(log->read(Offset(o), 1).ok()) << o;

    // Restart: same content, through indexes rebuilt after the swap.
    ASSERT_TRUE(log->close().ok());
    auto reopened = std::move(Log::open(posix_file_system(), dir.path(), compact_config())).value();
    EXPECT_EQ(contents(*reopened).size(), after.size());
    EXPECT_EQ(reopened->end_offset(), Offset(150));
    EXPECT_EQ(reopened->start_offset(), Offset(0));
}

TEST(Compaction, RewritesCompressedBatchesWithTheirCodec) {
    TempDir dir;
    int64_t now = 1'000'000;
    auto log = fill(dir.path(), 30, &now, model::Compression::zstd);
    auto result = log->compact();
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    auto read = log->read(Offset(0), 1 << 20);
    auto first = model::RecordBatchView::parse(read->data.view());
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->compression(), model::Compression::zstd);
    for (const auto& [offset, kv] : contents(*log)) EXPECT_TRUE(kv.value.has_value());
}

TEST(Compaction, DropsTombstonesOnlyAfterTheDeleteRetention) {
    TempDir dir;
    int64_t now = 100'000;
    auto log = std::move(Log::open(posix_file_system(), dir.path(), compact_config(), [&now] {
                   return now;
               })).value();
    Bytes b1 = batch_of({{"gone", "1", 50'000}, {"kept", "1", 50'000}});
    Bytes b2 = batch_of({{"gone", std::nullopt, 60'000}, {"recent", "x", 60'000}});
    Bytes b3 = batch_of({{"recent", std::nullopt, 95'000}});
    for (Bytes* b : {&b1, &b2, &b3}) ASSERT_TRUE(log->append(*b).ok());
    // Seal them all behind a filler segment.
    for (int i = 0; i < 20; ++i) {
        Bytes filler = batch_of({{"filler" + std::to_string(i), std::string(50, 'f'), 99'000}});
        ASSERT_TRUE(log->append(filler).ok());
    }
    auto result = log->compact();
    ASSERT_TRUE(result.ok());
    auto after = contents(*log);
    std::map<std::string, std::optional<std::string>> by_key;
    for (const auto& [o, kv] : after) by_key[kv.key] = kv.value;
    EXPECT_EQ(by_key.count("gone"), 0u) << "old tombstone and the value it deleted are gone";
    EXPECT_EQ(by_key.count("kept"), 1u);
    ASSERT_EQ(by_key.count("recent"), 1u) << "a recent tombstone stays for consumers to see";
    EXPECT_FALSE(by_key["recent"].has_value());
    EXPECT_GE(result->tombstones_removed, 1u);
}

TEST(Compaction, RunsBesideAppendsAndReadsWithoutBlockingThem) {
    TempDir dir;
    int64_t now = 1'000'000;
    auto log = fill(dir.path(), 30, &now);
    auto job = log->prepare_compaction();
    ASSERT_TRUE(job.ok());
    std::thread cleaner([&] { ASSERT_TRUE((*job)->run(now).ok()); });
    // The owner keeps appending and reading while the job runs on its thread.
    for (int i = 0; i < 20; ++i) {
        Bytes b = batch_of({{"live" + std::to_string(i), "x", 2000}});
        ASSERT_TRUE(log->append(b).ok());
        ASSERT_TRUE(log->read(Offset(0), 4096).ok());
    }
    cleaner.join();
    auto result = log->finish_compaction(**job);
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    EXPECT_FALSE(result->aborted);
    EXPECT_EQ(log->end_offset(), Offset(170));
    auto after = contents(*log);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(after.count(150 + i), 1u);
}

TEST(Compaction, IsAbandonedWhenTheLogChangesUnderneath) {
    TempDir dir;
    int64_t now = 1'000'000;
    auto log = fill(dir.path(), 30, &now);
    auto job = log->prepare_compaction();
    ASSERT_TRUE(job.ok());
    ASSERT_TRUE((*job)->run(now).ok());
    ASSERT_TRUE(log->truncate(Offset(20)).ok());
    auto result = log->finish_compaction(**job);
    ASSERT_TRUE(result.ok());
    EXPECT_TRUE(result->aborted);
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        EXPECT_EQ(entry.path().string().find(".cleaned"), std::string::npos) << entry.path();
    }
    EXPECT_EQ(contents(*log).size(), 20u);
}

TEST(Compaction, KeepsNullKeysControlBatchesAndLogAppendTime) {
    TempDir dir;
    int64_t now = 1'000'000;
    auto log = std::move(Log::open(posix_file_system(), dir.path(), compact_config(), [&now] {
                   return now;
               })).value();
    model::RecordBatchBuilder nulls(Offset(0));
    nulls.add(std::nullopt, as_bytes("no key"), 5);
    Bytes b1 = std::move(nulls.build()).value();
    ASSERT_TRUE(log->append(b1).ok());
    Bytes marker =
        model::make_control_batch(Offset(0), model::ProducerId(1), model::ProducerEpoch(0),
                                  model::ControlRecord::Type::commit, 0, 6);
    ASSERT_TRUE(log->append(marker).ok());
    Bytes dup1 = batch_of({{"k", "old", 7}, {"j", "1", 7}});
    ASSERT_TRUE(log->append(dup1, /*log_append_time=*/true).ok());
    Bytes dup2 = batch_of({{"k", "new", 8}});
    ASSERT_TRUE(log->append(dup2).ok());
    for (int i = 0; i < 20; ++i) {
        Bytes filler = batch_of({{"f" + std::to_string(i), std::string(50, 'f'), 9}});
        ASSERT_TRUE(log->append(filler).ok());
    }
    ASSERT_TRUE(log->compact().ok());
    auto after = contents(*log);
    EXPECT_EQ(after.count(0), 1u) << "record without a key";
    EXPECT_EQ(after.count(1), 1u) << "control marker";
    EXPECT_EQ(after.count(2), 0u) << "k=old superseded";
    EXPECT_EQ(after.count(3), 1u) << "j kept";
    auto read = log->read(Offset(3), 1);
    auto rebuilt = model::RecordBatchView::parse(read->data.view());
    ASSERT_TRUE(rebuilt.ok());
    EXPECT_EQ(rebuilt->base_offset(), Offset(2));
    EXPECT_EQ(rebuilt->last_offset(), Offset(3));
    EXPECT_EQ(rebuilt->timestamp_type(), model::TimestampType::log_append_time);
    EXPECT_EQ(rebuilt->max_timestamp(), now);
}

}  // namespace
}  // namespace es::storage
