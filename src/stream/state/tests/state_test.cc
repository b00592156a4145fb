#include "stream/state/errc.h"
#include "stream/state/kv_store.h"
#include "stream/state/stored_value.h"
#include "stream/state/task_db.h"
#include "stream/state/tests/test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace es::stream::state {
namespace {

using testing::RawDb;
using testing::TempDir;
using Entries = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<TaskDb> open_db(const std::filesystem::path& dir, DbOptions options = {}) {
    auto db = TaskDb::open(dir, options);
    EXPECT_TRUE(db.ok()) << db.error().to_string();
    return db.ok() ? std::move(db).value() : nullptr;
}

KvStore& open_store(TaskDb& db, const std::string& name, size_t cache_entries = 10'000) {
    auto s = db.store({.name = name, .ttl_ms = std::nullopt, .cache_entries = cache_entries});
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return **s;
}

Entries scan_all(KvStore& s, std::string_view from = "", std::string_view to = "") {
    Entries out;
    s.scan(from, to, [&](std::string_view k, std::string_view v) {
        out.emplace_back(k, v);
        return true;
    });
    return out;
}

void commit(TaskDb& db, const std::map<std::string, std::string>& checkpoint = {}) {
    auto s = db.commit(checkpoint);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
}

TEST(TaskDb, PutThenGetReturnsTheValueAndRemoveHidesIt) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "counts");
    EXPECT_EQ(s.get("a"), std::nullopt);
    s.put("a", "1");
    s.put("b", "2");
    s.put("a", "3");
    EXPECT_EQ(s.get("a"), "3");
    EXPECT_EQ(s.get("b"), "2");
    s.remove("b");
    EXPECT_EQ(s.get("b"), std::nullopt);
    EXPECT_EQ(s.dirty_count(), 2u);
    commit(*db);
    EXPECT_EQ(s.dirty_count(), 0u);
    EXPECT_EQ(s.get("a"), "3");
    EXPECT_EQ(s.get("b"), std::nullopt);
    s.remove("a");
    EXPECT_EQ(s.get("a"), std::nullopt);
    commit(*db);
    EXPECT_EQ(s.get("a"), std::nullopt);
}

TEST(TaskDb, DirtyBytesCountKeysAndStoredEncodings) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    s.put("key", "value");  // 3 + (1 tag + 5)
    EXPECT_EQ(s.dirty_bytes(), 9u);
    s.put("key", "v");
    EXPECT_EQ(s.dirty_bytes(), 5u);
    s.remove("key");
    EXPECT_EQ(s.dirty_bytes(), 3u);
}

TEST(TaskDb, ScanMergesDirtyEntriesOverCommittedOnesAndTombstonesHide) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    for (const char* k : {"a", "c", "e", "g"}) s.put(k, std::string("old-") + k);
    commit(*db);
    s.put("b", "new-b");  // only dirty
    s.put("c", "new-c");  // dirty over committed
    s.remove("e");        // tombstone over committed
    s.remove("f");        // tombstone over nothing
    EXPECT_EQ(scan_all(s),
              (Entries{{"a", "old-a"}, {"b", "new-b"}, {"c", "new-c"}, {"g", "old-g"}}));
    EXPECT_EQ(scan_all(s, "b", "g"), (Entries{{"b", "new-b"}, {"c", "new-c"}}));
    EXPECT_EQ(scan_all(s, "c", "c"), Entries{});
    commit(*db);
    EXPECT_EQ(scan_all(s),
              (Entries{{"a", "old-a"}, {"b", "new-b"}, {"c", "new-c"}, {"g", "old-g"}}));
}

TEST(TaskDb, ScanStopsWhenTheCallbackReturnsFalse) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    for (int i = 0; i < 10; ++i) s.put("k" + std::to_string(i), "v");
    commit(*db);
    s.put("k05", "dirty");
    int seen = 0;
    s.scan("", "", [&](std::string_view, std::string_view) { return ++seen < 3; });
    EXPECT_EQ(seen, 3);
}

TEST(TaskDb, ScanPrefixVisitsExactlyThePrefixIncludingHighBytes) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    const std::string ff("\xff", 1);
    s.put("ab", "1");
    s.put("ab" + ff, "2");
    s.put("abc", "3");
    s.put("ac", "4");
    s.put(ff + ff, "5");
    commit(*db);
    s.put("ab0", "6");
    EXPECT_EQ(scan_all(s, "ab", "ac"),
              (Entries{{"ab", "1"}, {"ab0", "6"}, {"abc", "3"}, {"ab" + ff, "2"}}));
    Entries got;
    s.scan_prefix("ab", [&](std::string_view k, std::string_view v) {
        got.emplace_back(k, v);
        return true;
    });
    EXPECT_EQ(got.size(), 4u);
    got.clear();
    s.scan_prefix(ff, [&](std::string_view k, std::string_view v) {
        got.emplace_back(k, v);
        return true;
    });
    EXPECT_EQ(got, (Entries{{ff + ff, "5"}}));
}

TEST(TaskDb, CommitThenReopenShowsCommittedStateAndCheckpoint) {
    TempDir tmp;
    const std::map<std::string, std::string> checkpoint = {{"changelog-0", "42"},
                                                           {"changelog-1", "7"}};
    {
        auto db = open_db(tmp.db());
        EXPECT_TRUE(db->checkpoint().empty());
        KvStore& s = open_store(*db, "s");
        KvStore& t = open_store(*db, "t");
        s.put("k", "v");
        t.put("k", "other");
        commit(*db, checkpoint);
    }
    auto db = open_db(tmp.db());
    EXPECT_EQ(db->checkpoint(), checkpoint);
    EXPECT_EQ(open_store(*db, "s").get("k"), "v");
    EXPECT_EQ(open_store(*db, "t").get("k"), "other");
}

TEST(TaskDb, CheckpointIsReplacedNotMerged) {
    TempDir tmp;
    {
        auto db = open_db(tmp.db());
        commit(*db, {{"a", "1"}, {"b", "2"}});
        commit(*db, {{"b", "3"}});
    }
    auto db = open_db(tmp.db());
    EXPECT_EQ(db->checkpoint(), (std::map<std::string, std::string>{{"b", "3"}}));
}

TEST(TaskDb, UncommittedChangesVanishAfterReopenAsAfterACrash) {
    TempDir tmp;
    {
        auto db = open_db(tmp.db(), {.sync_commits = true});
        KvStore& s = open_store(*db, "s");
        s.put("kept", "1");
        commit(*db, {{"p", "1"}});
        s.put("lost", "2");
        s.remove("kept");
    }
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    EXPECT_EQ(s.get("kept"), "1");
    EXPECT_EQ(s.get("lost"), std::nullopt);
    EXPECT_EQ(db->checkpoint(), (std::map<std::string, std::string>{{"p", "1"}}));
}

TEST(TaskDb, RollbackDropsUncommittedChangesOfEveryStore) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    KvStore& t = open_store(*db, "t");
    s.put("a", "committed");
    commit(*db);
    s.put("a", "dirty");
    s.put("b", "dirty");
    t.remove("x");
    db->rollback();
    EXPECT_EQ(s.dirty_count() + t.dirty_count(), 0u);
    EXPECT_EQ(s.get("a"), "committed");
    EXPECT_EQ(s.get("b"), std::nullopt);
    EXPECT_EQ(scan_all(s), (Entries{{"a", "committed"}}));
}

TEST(TaskDb, CommittedValuesAreServedFromTheCleanCacheWithoutRocksDbReads) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    s.put("hot", "1");
    commit(*db);
    const uint64_t reads = s.stats().db_reads;
    for (int i = 0; i < 100; ++i) EXPECT_EQ(s.get("hot"), "1");
    EXPECT_EQ(s.get("never"), std::nullopt);  // one read, then known absent
    EXPECT_EQ(s.get("never"), std::nullopt);
    EXPECT_EQ(s.stats().db_reads, reads + 1);
    EXPECT_EQ(s.stats().cache_hits, 101u);
}

TEST(TaskDb, ReadsAfterReopenGoToRocksDbThenTheCache) {
    TempDir tmp;
    {
        auto db = open_db(tmp.db());
        KvStore& s = open_store(*db, "s", 1);
        s.put("a", "1");
        s.put("b", "2");
        commit(*db);
    }
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s", 1);
    EXPECT_EQ(s.get("a"), "1");
    EXPECT_EQ(s.get("b"), "2");  // evicts a
    EXPECT_EQ(s.get("a"), "1");
    EXPECT_EQ(s.stats().db_reads, 3u);
}

TEST(TaskDb, SameStoreNameReturnsTheSameStoreAndOtherOptionsAreRefused) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    auto a = db->store({.name = "s"});
    auto b = db->store({.name = "s"});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b);
    auto c = db->store({.name = "s", .ttl_ms = 1000});
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(c.error().is(Errc::invalid_argument));
}

TEST(TaskDb, StoreNamesWithBadCharactersAndBadTtlsAreRefused) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    for (const std::string& bad :
         std::vector<std::string>{"", "a b", "a/b", "ttl:x", "es:meta", "caf\xc3\xa9",
                                  std::string(201, 'a'), std::string("a\0b", 3)}) {
        auto s = db->store({.name = bad});
        ASSERT_FALSE(s.ok()) << bad;
        EXPECT_TRUE(s.error().is(Errc::invalid_argument)) << bad;
    }
    EXPECT_TRUE(db->store({.name = "Agg_1.v2-x"}).ok());
    auto zero = db->store({.name = "z", .ttl_ms = 0});
    ASSERT_FALSE(zero.ok());
    EXPECT_TRUE(zero.error().is(Errc::invalid_argument));
}

TEST(TaskDb, ForEachDirtyEmitsStoredEncodingsThatRestoreRoundTrips) {
    TempDir a;
    TempDir b;
    std::vector<std::pair<std::string, std::optional<std::string>>> changelog;
    Entries expected;
    {
        auto db = open_db(a.db());
        KvStore& s = open_store(*db, "s");
        s.put("x", "1");
        s.put("y", std::string("\0bin\xff", 5));
        s.put("z", "");
        commit(*db);
        s.put("x", "2");
        s.remove("z");
        // What the runtime would send to the changelog, over both commits.
        changelog = {{"x", std::nullopt}, {"y", std::nullopt}, {"z", std::nullopt}};
        std::vector<std::pair<std::string, std::optional<std::string>>> second;
        s.for_each_dirty([&](std::string_view k, std::optional<std::string_view> stored) {
            second.emplace_back(k, stored ? std::optional<std::string>(*stored) : std::nullopt);
        });
        ASSERT_EQ(second.size(), 2u);
        EXPECT_EQ(second[0].first, "x");
        ASSERT_TRUE(second[0].second);
        auto decoded = decode_stored(*second[0].second);
        ASSERT_TRUE(decoded.ok());
        EXPECT_EQ(decoded->value, "2");
        EXPECT_EQ(second[1],
                  (std::pair<std::string, std::optional<std::string>>{"z", std::nullopt}));
        // The first commit's records, reconstructed the same way.
        std::string enc;
        encode_stored(enc, std::nullopt, "1");
        changelog[0].second = enc;
        encode_stored(enc, std::nullopt, std::string("\0bin\xff", 5));
        changelog[1].second = enc;
        encode_stored(enc, std::nullopt, "");
        changelog[2].second = enc;
        changelog.insert(changelog.end(), second.begin(), second.end());
        commit(*db);
        expected = scan_all(s);
    }
    {
        auto db = open_db(b.db());
        KvStore& s = open_store(*db, "s");
        for (const auto& [k, stored] : changelog) {
            auto st =
                s.restore(k, stored ? std::optional<std::string_view>(*stored) : std::nullopt);
            ASSERT_TRUE(st.ok()) << st.error().to_string();
        }
        ASSERT_TRUE(db->finish_restore({{"changelog-0", "5"}}).ok());
        EXPECT_EQ(scan_all(s), expected);
        EXPECT_EQ(s.get("x"), "2");
    }
    auto db = open_db(b.db());
    EXPECT_EQ(db->checkpoint(), (std::map<std::string, std::string>{{"changelog-0", "5"}}));
    EXPECT_EQ(scan_all(open_store(*db, "s")), expected);
}

TEST(TaskDb, RestoreOfManyRecordsWritesInBoundedBatches) {
    TempDir tmp;
    const std::string value(1000, 'v');
    std::string stored;
    encode_stored(stored, std::nullopt, value);
    {
        auto db = open_db(tmp.db());
        KvStore& s = open_store(*db, "s");
        for (int i = 0; i < 10'000; ++i) {  // about 10 MB: more than two restore batches
            ASSERT_TRUE(s.restore("k" + std::to_string(i), stored).ok());
        }
        ASSERT_TRUE(db->finish_restore({{"p", "10000"}}).ok());
        EXPECT_EQ(s.get("k9999"), value);
    }
    RawDb raw(tmp.db());
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw.count("s"), 10'000);
}

TEST(TaskDb, RestoreRefusesAMalformedStoredEncodingAndAppliesNothing) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    for (std::string bad : {std::string(), std::string("\x09xyz"), std::string("\x01\x80", 2)}) {
        auto st = s.restore("k", bad);
        ASSERT_FALSE(st.ok());
        EXPECT_TRUE(st.error().is(Errc::corrupt)) << st.error().to_string();
    }
    ASSERT_TRUE(db->finish_restore({}).ok());
    EXPECT_EQ(s.get("k"), std::nullopt);
    EXPECT_TRUE(db->health().ok());
}

TEST(TaskDb, RestoreIsRefusedWhileChangesAreUncommitted) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    s.put("a", "1");
    auto st = s.restore("b", std::nullopt);
    ASSERT_FALSE(st.ok());
    EXPECT_TRUE(st.error().is(Errc::invalid_argument));
}

TEST(TaskDb, OpeningAFileInsteadOfADirectoryFailsWithIo) {
    TempDir tmp;
    const auto file = tmp.path() / "file";
    std::ofstream(file) << "not a database";
    auto db = TaskDb::open(file);
    ASSERT_FALSE(db.ok());
    EXPECT_TRUE(db.error().is(Errc::io)) << db.error().to_string();
    EXPECT_NE(db.error().message().find("not a directory"), std::string::npos);
}

TEST(TaskDb, OpeningADirectoryWithGarbageDatabaseFilesFailsClearly) {
    TempDir tmp;
    std::filesystem::create_directories(tmp.db());
    std::ofstream(tmp.db() / "CURRENT") << "garbage";
    std::ofstream(tmp.db() / "MANIFEST-000001") << "more garbage";
    auto db = TaskDb::open(tmp.db());
    ASSERT_FALSE(db.ok());
    EXPECT_TRUE(db.error().is(Errc::corrupt) || db.error().is(Errc::io)) << db.error().to_string();
    EXPECT_NE(db.error().message().find(tmp.db().string()), std::string::npos);
}

TEST(TaskDb, OpeningADirectoryOfForeignFilesIsRefusedAndWipeLeavesItAlone) {
    TempDir tmp;
    std::filesystem::create_directories(tmp.db());
    std::ofstream(tmp.db() / "notes.txt") << "someone's data";
    auto db = TaskDb::open(tmp.db());
    ASSERT_FALSE(db.ok());
    EXPECT_TRUE(db.error().is(Errc::corrupt)) << db.error().to_string();
    EXPECT_NE(db.error().message().find("notes.txt"), std::string::npos);
    auto wiped = TaskDb::wipe(tmp.db());
    EXPECT_FALSE(wiped.ok());
    EXPECT_TRUE(std::filesystem::exists(tmp.db() / "notes.txt"));
}

TEST(TaskDb, WipeDeletesTheDatabaseSoItReopensEmpty) {
    TempDir tmp;
    {
        auto db = open_db(tmp.db());
        open_store(*db, "s").put("a", "1");
        commit(*db, {{"p", "1"}});
    }
    ASSERT_TRUE(TaskDb::wipe(tmp.db()).ok());
    EXPECT_FALSE(std::filesystem::exists(tmp.db()));
    EXPECT_TRUE(TaskDb::wipe(tmp.db()).ok());  // nothing there: nothing to do
    auto db = open_db(tmp.db());
    EXPECT_TRUE(db->checkpoint().empty());
    EXPECT_EQ(open_store(*db, "s").get("a"), std::nullopt);
}

TEST(TaskDb, ACorruptStoredValueMakesReadsAbsentHealthStickyAndCommitFail) {
    TempDir tmp;
    {
        auto db = open_db(tmp.db());
        KvStore& s = open_store(*db, "s");
        s.put("good", "1");
        s.put("zz", "2");
        commit(*db);
    }
    {
        RawDb raw(tmp.db());
        ASSERT_TRUE(raw.ok());
        ASSERT_TRUE(raw.put("s", "bad", std::string("\x42", 1)));
    }
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    EXPECT_TRUE(db->health().ok());
    EXPECT_EQ(s.get("good"), "1");
    EXPECT_EQ(s.get("bad"), std::nullopt);
    ASSERT_FALSE(db->health().ok());
    EXPECT_TRUE(db->health().error().is(Errc::corrupt));
    // The scan stops at the bad entry instead of skipping it.
    EXPECT_EQ(scan_all(s), Entries{});
    s.put("new", "3");
    auto st = db->commit({{"p", "9"}});
    ASSERT_FALSE(st.ok());
    EXPECT_TRUE(st.error().is(Errc::corrupt)) << st.error().to_string();
    db->rollback();
    db.reset();
    auto again = open_db(tmp.db());
    EXPECT_TRUE(again->checkpoint().empty());
    EXPECT_EQ(open_store(*again, "s").get("new"), std::nullopt);
}

TEST(TaskDb, AHostileCheckpointRecordFailsOpenWithCorrupt) {
    TempDir tmp;
    { open_db(tmp.db()); }
    {
        RawDb raw(tmp.db());
        ASSERT_TRUE(raw.ok());
        // Format 1, then a count of 2^62 entries in a few bytes.
        ASSERT_TRUE(raw.put("es:meta", "checkpoint",
                            std::string("\x01\xc0\x00\x00\x00\x00\x00\x00\x00\x00\x00", 11)));
    }
    auto db = TaskDb::open(tmp.db());
    ASSERT_FALSE(db.ok());
    EXPECT_TRUE(db.error().is(Errc::corrupt)) << db.error().to_string();
}

TEST(TaskDb, TwoOpensOfOneDirectoryAreRefusedByTheLock) {
    TempDir tmp;
    auto first = open_db(tmp.db());
    auto second = TaskDb::open(tmp.db());
    ASSERT_FALSE(second.ok());
    EXPECT_TRUE(second.error().is(Errc::io)) << second.error().to_string();
}

TEST(TaskDb, ApproximateSizesGrowWithCommittedData) {
    TempDir tmp;
    auto db = open_db(tmp.db());
    KvStore& s = open_store(*db, "s");
    EXPECT_EQ(s.approximate_entries(), 0u);
    for (int i = 0; i < 1000; ++i) s.put("k" + std::to_string(i), std::string(100, 'v'));
    commit(*db);
    EXPECT_GT(s.approximate_entries(), 0u);
    EXPECT_GT(s.approximate_bytes(), 100'000u);
}

}  // namespace
}  // namespace es::stream::state
