// Recovery from failing system calls and leftovers: a full disk at every step, a failed
// fdatasync, temporary files of an interrupted atomic write, unreadable checkpoints.

#include "storage/tests/recovery_util.h"

namespace es::storage {
namespace {

using namespace recovery_util;  // NOLINT(google-build-using-namespace): the shared helpers

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
