#include "stream/state/errc.h"
#include "stream/state/kv_store.h"
#include "stream/state/stored_value.h"
#include "stream/state/task_db.h"
#include "stream/state/tests/test_util.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace es::stream::state {
namespace {

using testing::RawDb;
using testing::TempDir;

constexpr int64_t kTtl = 1000;

struct Fixture {
    explicit Fixture(const std::filesystem::path& dir, size_t cache_entries = 10'000) {
        auto opened = TaskDb::open(dir);
        EXPECT_TRUE(opened.ok()) << opened.error().to_string();
        db = std::move(opened).value();
        auto s = db->store({.name = "s", .ttl_ms = kTtl, .cache_entries = cache_entries});
        EXPECT_TRUE(s.ok()) << s.error().to_string();
        store = *s;
    }
    void commit() {
        auto st = db->commit({});
        ASSERT_TRUE(st.ok()) << st.error().to_string();
    }
    size_t live() {
        size_t n = 0;
        store->scan("", "", [&](std::string_view, std::string_view) { return ++n > 0; });
        return n;
    }

    std::unique_ptr<TaskDb> db;
    KvStore* store = nullptr;
};

TEST(Ttl, ExpireRemovesDueEntriesAsTombstonesThatReachTheChangelog) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("early", "1", 100);  // expires at 1100
    f.store->put("late", "2", 500);   // expires at 1500
    f.commit();
    EXPECT_EQ(f.store->expire(1099, 100), 0u);
    EXPECT_EQ(f.store->expire(1100, 100), 1u);
    EXPECT_EQ(f.store->get("early"), std::nullopt);
    EXPECT_EQ(f.store->get("late"), "2");
    std::vector<std::string> tombstones;
    f.store->for_each_dirty([&](std::string_view k, std::optional<std::string_view> stored) {
        if (!stored) tombstones.emplace_back(k);
    });
    EXPECT_EQ(tombstones, std::vector<std::string>{"early"});
    f.commit();
    EXPECT_EQ(f.store->expire(2000, 100), 1u);
    f.commit();
    EXPECT_EQ(f.live(), 0u);
}

TEST(Ttl, StoredEncodingCarriesTheExpiry) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("k", "v", -50);
    f.store->for_each_dirty([&](std::string_view, std::optional<std::string_view> stored) {
        ASSERT_TRUE(stored);
        auto d = decode_stored(*stored);
        ASSERT_TRUE(d.ok());
        EXPECT_EQ(d->expiry_ms, -50 + kTtl);
        EXPECT_EQ(d->value, "v");
    });
}

TEST(Ttl, ExpireRespectsMaxAndContinuesWhereItStoppedBeforeTheCommit) {
    TempDir tmp;
    Fixture f(tmp.db());
    for (int i = 0; i < 10; ++i) f.store->put("k" + std::to_string(i), "v", i);
    f.commit();
    EXPECT_EQ(f.store->expire(5000, 3), 3u);
    EXPECT_EQ(f.store->expire(5000, 3), 3u);  // the next three, not the same ones again
    EXPECT_EQ(f.store->dirty_count(), 6u);
    f.commit();
    EXPECT_EQ(f.store->expire(5000, 100), 4u);
    EXPECT_EQ(f.store->expire(5000, 100), 0u);
    f.commit();
    EXPECT_EQ(f.live(), 0u);
    EXPECT_EQ(f.store->stats().expired, 10u);
}

TEST(Ttl, ARewrittenKeyWithALaterExpirySurvivesItsOldIndexEntry) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("k", "first", 0);  // index entry at 1000
    f.commit();
    f.store->put("k", "second", 5000);  // index entry at 6000
    f.commit();
    EXPECT_EQ(f.store->expire(1000, 10), 0u);
    EXPECT_EQ(f.store->stats().stale_index_entries, 1u);
    EXPECT_EQ(f.store->get("k"), "second");
    EXPECT_EQ(f.store->dirty_count(), 0u);
    f.commit();
    EXPECT_EQ(f.store->expire(6000, 10), 1u);
    EXPECT_EQ(f.store->get("k"), std::nullopt);
}

TEST(Ttl, ARewriteNotYetCommittedAlsoMakesTheOldIndexEntryStale) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("k", "first", 0);
    f.commit();
    f.store->put("k", "second", 5000);
    EXPECT_EQ(f.store->expire(1000, 10), 0u);
    EXPECT_EQ(f.store->get("k"), "second");
}

TEST(Ttl, ARemovedKeysIndexEntryIsDroppedWithoutAnyTombstone) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("k", "v", 0);
    f.commit();
    f.store->remove("k");
    f.commit();
    EXPECT_EQ(f.store->expire(1000, 10), 0u);
    EXPECT_EQ(f.store->dirty_count(), 0u);
    EXPECT_EQ(f.store->stats().stale_index_entries, 1u);
    f.commit();
    f.db.reset();
    RawDb raw(tmp.db());
    EXPECT_EQ(raw.count("ttl:s"), 0);
}

TEST(Ttl, RollbackBringsExpiredEntriesBackAndExpireFindsThemAgain) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("a", "1", 0);
    f.store->put("b", "2", 0);
    f.commit();
    EXPECT_EQ(f.store->expire(1000, 10), 2u);
    f.db->rollback();
    EXPECT_EQ(f.store->get("a"), "1");
    EXPECT_EQ(f.store->expire(1000, 10), 2u);
    f.commit();
    EXPECT_EQ(f.live(), 0u);
}

TEST(Ttl, APutWithAnOldTimestampAfterExpiryProgressStillExpires) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("a", "1", 100);
    f.commit();
    EXPECT_EQ(f.store->expire(5000, 10), 1u);
    f.commit();                   // the index walk now starts past a's entry
    f.store->put("old", "2", 0);  // due at 1000, below where the walk would start
    f.commit();
    EXPECT_EQ(f.store->expire(5000, 10), 1u);
    EXPECT_EQ(f.store->get("old"), std::nullopt);
}

TEST(Ttl, ExpiredEntriesThatAreOnlyInRocksDbAreFoundThroughPointReads) {
    TempDir tmp;
    {
        Fixture f(tmp.db(), 0);  // no cache: every check reads RocksDB
        for (int i = 0; i < 50; ++i) f.store->put("k" + std::to_string(i), "v", i);
        f.commit();
    }
    Fixture f(tmp.db(), 0);
    EXPECT_EQ(f.store->expire(1024, 1000), 25u);
    f.commit();
    EXPECT_EQ(f.live(), 25u);
}

TEST(Ttl, StateStaysBoundedUnderASteadyStreamOfPutsWithExpiry) {
    TempDir tmp;
    {
        Fixture f(tmp.db(), 100);
        // 200 distinct keys per 1000 ms of event time, most of them rewritten many times, so the
        // index collects stale entries; expire runs every "commit interval" of 100 ms.
        int64_t now = 0;
        for (int round = 0; round < 300; ++round) {
            for (int i = 0; i < 50; ++i) {
                now += 2;
                f.store->put("key-" + std::to_string((round * 50 + i) % 200 + round / 10 * 200),
                             std::string(50, 'v'), now);
            }
            f.store->expire(now, 10'000);
            f.commit();
            ASSERT_LE(f.live(), 600u) << "round " << round;
        }
    }
    RawDb raw(tmp.db());
    ASSERT_TRUE(raw.ok());
    // Only entries put in the last ttl window (500 puts) can be live or indexed.
    EXPECT_LE(raw.count("s"), 500);
    EXPECT_LE(raw.count("ttl:s"), 500);
}

TEST(Ttl, RestoreRebuildsTheTimeIndexSoExpireWorksAfterIt) {
    TempDir source;
    TempDir target;
    std::vector<std::pair<std::string, std::optional<std::string>>> changelog;
    {
        Fixture f(source.db());
        for (int i = 0; i < 10; ++i) f.store->put("k" + std::to_string(i), "v", i * 100);
        f.store->remove("k9");
        f.store->for_each_dirty([&](std::string_view k, std::optional<std::string_view> s) {
            changelog.emplace_back(k, s ? std::optional<std::string>(*s) : std::nullopt);
        });
        f.commit();
    }
    Fixture f(target.db());
    for (const auto& [k, s] : changelog) {
        ASSERT_TRUE(
            f.store->restore(k, s ? std::optional<std::string_view>(*s) : std::nullopt).ok());
    }
    ASSERT_TRUE(f.db->finish_restore({{"changelog", "10"}}).ok());
    EXPECT_EQ(f.live(), 9u);
    EXPECT_EQ(f.store->expire(1000 + 450, 100), 5u);  // k0..k4 (expiry 1000..1400)
    f.commit();
    EXPECT_EQ(f.live(), 4u);
    EXPECT_EQ(f.store->get("k5"), "v");
}

TEST(Ttl, AStoreWithoutTtlNeverExpiresAnything) {
    TempDir tmp;
    auto db = TaskDb::open(tmp.db());
    ASSERT_TRUE(db.ok());
    auto s = (*db)->store({.name = "plain"});
    ASSERT_TRUE(s.ok());
    (*s)->put("k", "v", 0);
    ASSERT_TRUE((*db)->commit({}).ok());
    EXPECT_EQ((*s)->expire(std::numeric_limits<int64_t>::max(), 100), 0u);
    EXPECT_EQ((*s)->get("k"), "v");
}

TEST(Ttl, ExpiryNearInt64MaxSaturatesInsteadOfWrapping) {
    TempDir tmp;
    Fixture f(tmp.db());
    f.store->put("k", "v", std::numeric_limits<int64_t>::max() - 10);
    f.commit();
    EXPECT_EQ(f.store->expire(std::numeric_limits<int64_t>::max() - 1, 10), 0u);
    EXPECT_EQ(f.store->expire(std::numeric_limits<int64_t>::max(), 10), 1u);
}

}  // namespace
}  // namespace es::stream::state
