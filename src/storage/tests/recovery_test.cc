// Deterministic fault injection against recovery: torn and corrupt tails, damaged indexes, and
// crashes around segment rolls. Crashes are simulated on the files themselves (a copy of the
// directory taken before close(), then cut or damaged), so every case is exact and repeatable.

#include "storage/tests/recovery_util.h"

namespace es::storage {
namespace {

using namespace recovery_util;  // NOLINT(google-build-using-namespace): the shared helpers

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

}  // namespace
}  // namespace es::storage
