// Transactions on a partition, through the Broker API and a real log: the last stable offset,
// read_committed fetches and ListOffsets, transaction markers and their fencing, the aborted
// transactions across restarts and snapshots, retention, compaction and producer expiry.

#include "base/clock.h"
#include "broker/broker.h"
#include "broker/errc.h"
#include "broker/producer_state.h"
#include "broker/tests/broker_fixture.h"
#include "model/record_batch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

namespace es::broker {
namespace {

using model::Offset;
using model::PartitionId;
using model::ProducerEpoch;
using model::ProducerId;
using model::TopicPartition;

/// A batch of `count` records from producer `pid` (-1: none) at `epoch`, first sequence `seq`,
/// keyed `key` (each record gets the same key when `same_key`, else key + index).
Bytes batch(int64_t pid, int16_t epoch, int32_t seq, int count, const std::string& value,
            bool transactional, const std::string& key = "k", bool same_key = false) {
    model::BatchOptions options;
    options.producer_id = ProducerId(pid);
    options.producer_epoch = ProducerEpoch(epoch);
    options.base_sequence = seq;
    options.transactional = transactional;
    model::RecordBatchBuilder builder(Offset(0), options);
    for (int i = 0; i < count; ++i) {
        std::string k = same_key ? key : key + std::to_string(i);
        std::string v = count == 1 ? value : value + "-" + std::to_string(i);
        builder.add(as_bytes(k), as_bytes(v), wall_clock_ms());
    }
    return std::move(builder.build()).value();
}

Bytes txn(int64_t pid, int16_t epoch, int32_t seq, int count, const std::string& value) {
    return batch(pid, epoch, seq, count, value, true);
}

Bytes plain(const std::string& value, const std::string& key = "p") {
    return batch(-1, -1, -1, 1, value, false, key, true);
}

/// One record as a fetch returned it.
struct Seen {
    int64_t offset = -1;
    int64_t pid = -1;
    bool control = false;
    std::string key;
    std::string value;
};

std::vector<Seen> parse(const Buffer& records, int64_t* next = nullptr) {
    std::vector<Seen> out;
    BytesView rest = records.view();
    while (!rest.empty()) {
        auto b = model::RecordBatchView::parse(rest);
        EXPECT_TRUE(b.ok()) << b.error().to_string();
        if (!b.ok()) break;
        auto set = b->records(1 << 20);
        EXPECT_TRUE(set.ok());
        if (set.ok()) {
            for (const auto& r : *set) {
                Seen s;
                s.offset = b->base_offset().value() + r.offset_delta;
                s.pid = b->producer_id().value();
                s.control = b->is_control();
                if (r.key) s.key = std::string(as_string_view(*r.key));
                if (r.value) s.value = std::string(as_string_view(*r.value));
                out.push_back(s);
            }
        }
        if (next) *next = std::max(*next, b->last_offset().value() + 1);
        rest = rest.subspan(b->size());
    }
    return out;
}

/// The values of the data records at or after `from`.
std::vector<std::string> values(const std::vector<Seen>& seen, int64_t from = 0) {
    std::vector<std::string> out;
    for (const auto& s : seen) {
        if (!s.control && s.offset >= from) out.push_back(s.value);
    }
    return out;
}

class TxnPartitionTest : public testing::BrokerTestBase {
  protected:
    void configure(BrokerConfig& config) override {
        config.producer_id_expiration_ms = expiration_ms_;
    }

    void create(std::map<std::string, std::string> configs = {}) {
        auto created = await<Result<TopicInfo>>(
            [&](auto done) { broker_->create_topic(origin_, kTp.topic, 1, configs, false, done); });
        ASSERT_TRUE(created.ok()) << created.error().to_string();
    }
    ProduceOutput produce(Bytes data) {
        return await<std::vector<ProduceOutput>>([&](auto done) {
            broker_->produce(origin_, {{kTp, MutableBytesView(data)}}, -1, done);
        })[0];
    }
    Offset offset_of(Bytes data) {
        ProduceOutput out = produce(std::move(data));
        EXPECT_FALSE(out.error) << out.error->to_string();
        return out.base_offset;
    }
    FetchOutput fetch(int64_t offset, bool read_committed) {
        FetchSpec spec;
        spec.partitions.push_back({kTp, Offset(offset), 1 << 20});
        spec.min_bytes = 0;
        spec.max_wait_ms = 0;
        spec.read_committed = read_committed;
        auto out = await<std::vector<FetchOutput>>(
            [&](auto done) { broker_->fetch(origin_, spec, done); });
        return std::move(out[0]);
    }
    Status marker(int64_t pid, int16_t epoch, bool commit) {
        TxnMarker m{ProducerId(pid), ProducerEpoch(epoch), commit, 0};
        return await<std::vector<Status>>(
            [&](auto done) { broker_->write_txn_markers(origin_, m, {kTp}, done); })[0];
    }
    Offset latest(bool read_committed) {
        auto out = await<std::vector<ListOffsetsOutput>>([&](auto done) {
            broker_->list_offsets(origin_, {{kTp, -1}}, read_committed, done);
        })[0];
        EXPECT_FALSE(out.error);
        return out.offset;
    }
    /// Every record up to the high watermark, read_uncommitted, one fetch after the other.
    std::vector<Seen> read_all() {
        std::vector<Seen> all;
        int64_t offset = 0;
        while (true) {
            FetchOutput out = fetch(offset, false);
            EXPECT_FALSE(out.error);
            int64_t next = offset;
            auto seen = parse(out.records, &next);
            all.insert(all.end(), seen.begin(), seen.end());
            if (out.error || next <= offset || next >= out.high_watermark.value()) return all;
            offset = next;
        }
    }
    Offset lso() { return fetch(0, true).last_stable_offset; }
    void housekeeping() {
        size_t shard = broker_->owner(kTp);
        await<bool>([&](auto done) {
            shards_[shard]->post([&, shard, done] {
                broker_->housekeeping(shard);
                done(true);
            });
        });
    }
    std::string partition_dir() const { return dir_.path() + "/" + kTp.to_string(); }
    std::vector<std::string> snapshots() const {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(partition_dir())) {
            std::string name = e.path().filename().string();
            if (name.ends_with(".snapshot")) names.push_back(name);
        }
        std::sort(names.begin(), names.end());
        return names;
    }
    /// The newest producer snapshot on disk, decoded.
    ProducerStateTable newest_snapshot() const {
        auto names = snapshots();
        EXPECT_FALSE(names.empty());
        std::string path = partition_dir() + "/" + names.back();
        std::ifstream f(path, std::ios::binary);
        Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        Offset at(std::stoll(names.back().substr(0, 20)));
        auto table = ProducerStateTable::decode(data, at);
        EXPECT_TRUE(table.ok()) << table.error().to_string();
        return table.ok() ? std::move(table).value() : ProducerStateTable();
    }

    static inline const TopicPartition kTp{"txn", PartitionId(0)};
    int64_t expiration_ms_ = 86400000;
};

TEST_F(TxnPartitionTest, AnOpenTransactionHoldsTheLastStableOffset) {
    create();
    ASSERT_EQ(offset_of(plain("before")), Offset(0));
    ASSERT_EQ(offset_of(txn(1, 0, 0, 2, "t")), Offset(1));
    ASSERT_EQ(offset_of(plain("after")), Offset(3)) << "another producer, not transactional";
    FetchOutput committed = fetch(0, true);
    ASSERT_FALSE(committed.error);
    EXPECT_EQ(committed.high_watermark, Offset(4));
    EXPECT_EQ(committed.last_stable_offset, Offset(1));
    EXPECT_EQ(values(parse(committed.records)), std::vector<std::string>{"before"});
    EXPECT_TRUE(parse(fetch(1, true).records).empty()) << "nothing at the first unstable offset";
    EXPECT_TRUE(parse(fetch(3, true).records).empty()) << "later records are held back too";
    FetchOutput uncommitted = fetch(0, false);
    EXPECT_EQ(values(parse(uncommitted.records)),
              (std::vector<std::string>{"before", "t-0", "t-1", "after"}));
    EXPECT_EQ(uncommitted.last_stable_offset, Offset(1));
    // A second transactional batch of the same producer does not move its first offset.
    ASSERT_EQ(offset_of(txn(1, 0, 2, 1, "t2")), Offset(4));
    EXPECT_EQ(lso(), Offset(1));
    std::cout << "checked: an open transaction at 1 keeps the LSO at 1 while the HW moves to 5; "
                 "read_committed sees only offset 0, read_uncommitted everything\n";
}

TEST_F(TxnPartitionTest, ACommitMarkerReleasesTheRecords) {
    create();
    ASSERT_EQ(offset_of(txn(1, 0, 0, 2, "t")), Offset(0));
    ASSERT_EQ(offset_of(plain("x")), Offset(2));
    ASSERT_TRUE(marker(1, 0, true).ok());
    FetchOutput out = fetch(0, true);
    EXPECT_EQ(out.high_watermark, Offset(4));
    EXPECT_EQ(out.last_stable_offset, Offset(4)) << "past the marker at 3";
    auto seen = parse(out.records);
    EXPECT_EQ(values(seen), (std::vector<std::string>{"t-0", "t-1", "x"}));
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_TRUE(seen.back().control);
    EXPECT_EQ(seen.back().offset, 3);
    EXPECT_TRUE(out.aborted_transactions.empty());
    std::cout << "checked: a commit marker moves the LSO past it; read_committed returns the "
                 "records and no aborted transactions\n";
}

TEST_F(TxnPartitionTest, AnAbortMarkerListsTheAbortedRangeForFetchesCoveringIt) {
    create();
    ASSERT_EQ(offset_of(plain("a")), Offset(0));
    ASSERT_EQ(offset_of(txn(7, 2, 0, 2, "t")), Offset(1));
    ASSERT_TRUE(marker(7, 2, false).ok());  // at 3
    ASSERT_EQ(offset_of(plain("b")), Offset(4));
    EXPECT_EQ(lso(), Offset(5));
    FetchOutput all = fetch(0, true);
    ASSERT_EQ(all.aborted_transactions.size(), 1u);
    EXPECT_EQ(all.aborted_transactions[0], (AbortedTxn{ProducerId(7), Offset(1), Offset(3)}));
    EXPECT_EQ(fetch(2, true).aborted_transactions.size(), 1u) << "inside the range";
    EXPECT_EQ(fetch(3, true).aborted_transactions.size(), 1u) << "at the marker";
    FetchOutput after = fetch(4, true);
    EXPECT_FALSE(parse(after.records).empty());
    EXPECT_TRUE(after.aborted_transactions.empty()) << "a fetch starting after the marker";
    EXPECT_TRUE(fetch(0, false).aborted_transactions.empty()) << "read_uncommitted: none";
    std::cout << "checked: an abort puts (pid 7, first 1, marker 3) in read_committed fetches "
                 "covering it, not in one starting after the marker nor in read_uncommitted\n";
}

TEST_F(TxnPartitionTest, MarkersAndBatchesFromAnOlderEpochAreRefused) {
    create();
    ASSERT_EQ(offset_of(txn(5, 3, 0, 1, "t")), Offset(0));
    Status old = marker(5, 2, false);
    ASSERT_FALSE(old.ok());
    EXPECT_TRUE(old.error().is(Errc::invalid_producer_epoch)) << old.error().to_string();
    EXPECT_EQ(lso(), Offset(0)) << "the refused marker closed nothing";
    ASSERT_TRUE(marker(5, 4, false).ok()) << "an abort with the bumped epoch (fencing)";
    EXPECT_EQ(lso(), Offset(2));
    ProduceOutput zombie = produce(txn(5, 3, 1, 1, "zombie"));
    ASSERT_TRUE(zombie.error);
    EXPECT_TRUE(zombie.error->is(Errc::invalid_producer_epoch)) << zombie.error->to_string();
    EXPECT_EQ(offset_of(txn(5, 4, 0, 1, "fresh")), Offset(2));
    Status stale_again = marker(5, 3, true);
    EXPECT_TRUE(!stale_again.ok() && stale_again.error().is(Errc::invalid_producer_epoch));
    EXPECT_EQ(lso(), Offset(2)) << "the new epoch's transaction is open";
    std::cout << "checked: a marker at an older epoch is invalid_producer_epoch; after an abort at "
                 "epoch e+1 the producer's epoch-e batch is refused and e+1 seq 0 accepted\n";
}

TEST_F(TxnPartitionTest, ListOffsetsLatestIsTheLastStableOffsetForReadCommitted) {
    create();
    ASSERT_EQ(offset_of(plain("a")), Offset(0));
    ASSERT_EQ(offset_of(txn(1, 0, 0, 3, "t")), Offset(1));
    EXPECT_EQ(latest(true), Offset(1));
    EXPECT_EQ(latest(false), Offset(4));
    ASSERT_TRUE(marker(1, 0, true).ok());
    EXPECT_EQ(latest(true), Offset(5));
    EXPECT_EQ(latest(false), Offset(5));
    std::cout
        << "checked: ListOffsets latest answers the LSO (1) for read_committed and the HW (4) "
           "otherwise, both 5 after the commit\n";
}

TEST_F(TxnPartitionTest, OpenAndAbortedTransactionsSurviveACleanRestart) {
    create();
    ASSERT_EQ(offset_of(txn(1, 0, 0, 1, "aborted")), Offset(0));
    ASSERT_TRUE(marker(1, 0, false).ok());  // 1
    ASSERT_EQ(offset_of(txn(2, 0, 0, 1, "open")), Offset(2));
    restart();
    EXPECT_EQ(lso(), Offset(2));
    FetchOutput out = fetch(0, true);
    ASSERT_EQ(out.aborted_transactions.size(), 1u);
    EXPECT_EQ(out.aborted_transactions[0], (AbortedTxn{ProducerId(1), Offset(0), Offset(1)}));
    ASSERT_TRUE(marker(2, 0, true).ok());
    EXPECT_EQ(lso(), Offset(4));
    std::cout << "checked: a clean restart keeps the open transaction (LSO 2) and the aborted "
                 "range (pid 1, 0..1)\n";
}

TEST_F(TxnPartitionTest, WithoutSnapshotsTheReplayRebuildsTransactions) {
    create();
    ASSERT_EQ(offset_of(txn(1, 0, 0, 2, "aborted")), Offset(0));
    ASSERT_TRUE(marker(1, 0, false).ok());  // 2
    ASSERT_EQ(offset_of(txn(3, 1, 0, 1, "committed")), Offset(3));
    ASSERT_TRUE(marker(3, 1, true).ok());  // 4
    ASSERT_EQ(offset_of(txn(2, 0, 0, 1, "open")), Offset(5));
    stop();
    for (const auto& name : snapshots()) std::filesystem::remove(partition_dir() + "/" + name);
    start();
    EXPECT_EQ(lso(), Offset(5));
    FetchOutput out = fetch(0, true);
    ASSERT_EQ(out.aborted_transactions.size(), 1u);
    EXPECT_EQ(out.aborted_transactions[0], (AbortedTxn{ProducerId(1), Offset(0), Offset(2)}));
    // The replay also restored the epochs: the marker of an old epoch is still refused.
    EXPECT_FALSE(marker(3, 0, true).ok());
    std::cout << "checked: with every snapshot deleted the log replay rebuilds the open "
                 "transaction (LSO 5) and the aborted range (pid 1, 0..2)\n";
}

TEST_F(TxnPartitionTest, ASnapshotTakenWithAnOpenTransactionReplaysLaterMarkers) {
    create();
    ASSERT_EQ(offset_of(txn(1, 0, 0, 1, "a")), Offset(0));
    ASSERT_EQ(offset_of(txn(2, 0, 0, 1, "b")), Offset(1));
    restart();  // snapshot at 2 with both transactions open
    ASSERT_EQ(snapshots(), std::vector<std::string>{producer_snapshot_name(Offset(2))});
    ASSERT_EQ(offset_of(txn(1, 0, 1, 1, "a2")), Offset(2));
    ASSERT_TRUE(marker(1, 0, false).ok());  // 3: aborts 0..3
    ASSERT_EQ(offset_of(txn(3, 0, 0, 1, "c")), Offset(4));
    ASSERT_TRUE(marker(2, 0, true).ok());  // 5
    stop();
    // As after a crash before the snapshot at the log end was written.
    std::filesystem::remove(partition_dir() + "/" + producer_snapshot_name(Offset(6)));
    start();
    EXPECT_EQ(lso(), Offset(4)) << "pid 3's transaction opened after the snapshot";
    ASSERT_TRUE(marker(3, 0, true).ok());
    FetchOutput out = fetch(0, true);
    EXPECT_EQ(out.last_stable_offset, Offset(7));
    ASSERT_EQ(out.aborted_transactions.size(), 1u);
    EXPECT_EQ(out.aborted_transactions[0], (AbortedTxn{ProducerId(1), Offset(0), Offset(3)}));
    std::cout << "checked: a snapshot written with transactions open, then appends and markers "
                 "replayed after it, gives LSO 4 and the aborted range (pid 1, 0..3)\n";
}

TEST_F(TxnPartitionTest, DeleteRecordsPastAnAbortedRangeDropsItAtHousekeeping) {
    create();
    ASSERT_EQ(offset_of(txn(1, 0, 0, 2, "t")), Offset(0));
    ASSERT_TRUE(marker(1, 0, false).ok());  // 2
    ASSERT_EQ(offset_of(txn(2, 0, 0, 1, "u")), Offset(3));
    ASSERT_TRUE(marker(2, 0, false).ok());  // 4
    ASSERT_EQ(offset_of(plain("x")), Offset(5));
    auto deleted = await<std::vector<DeleteRecordsOutput>>([&](auto done) {
        broker_->delete_records(origin_, {{kTp, Offset(3)}}, done);
    })[0];
    ASSERT_FALSE(deleted.error);
    housekeeping();
    auto table = newest_snapshot();
    ASSERT_EQ(table.aborted().size(), 1u) << "the range ending at 2 is gone, not the one at 4";
    EXPECT_EQ(table.aborted()[0], (AbortedTxn{ProducerId(2), Offset(3), Offset(4)}));
    FetchOutput out = fetch(3, true);
    ASSERT_EQ(out.aborted_transactions.size(), 1u);
    EXPECT_EQ(out.aborted_transactions[0].producer_id, ProducerId(2));
    std::cout << "checked: after DeleteRecords to 3 housekeeping drops the aborted range ending at "
                 "2 and keeps the one at 4\n";
}

TEST_F(TxnPartitionTest, TheLastStableOffsetNeverFallsBelowTheLogStart) {
    create();
    ASSERT_EQ(offset_of(txn(1, 0, 0, 1, "open")), Offset(0));
    ASSERT_EQ(offset_of(plain("x")), Offset(1));
    ASSERT_EQ(offset_of(plain("y")), Offset(2));
    auto deleted = await<std::vector<DeleteRecordsOutput>>([&](auto done) {
        broker_->delete_records(origin_, {{kTp, Offset(2)}}, done);
    })[0];
    ASSERT_FALSE(deleted.error);
    FetchOutput out = fetch(2, true);
    ASSERT_FALSE(out.error);
    EXPECT_GE(out.last_stable_offset, out.log_start) << "Kafka: max(first unstable, log start)";
    EXPECT_GE(latest(true), Offset(2));
    std::cout << "checked: DeleteRecords past an open transaction's first offset leaves the LSO "
                 "at or above the log start\n";
}

TEST_F(TxnPartitionTest, CompactionDropsAbortedValuesAndSparesOpenTransactions) {
    create({{"cleanup.policy", "compact"}, {"segment.bytes", "300"}});
    const std::string pad(120, '.');
    auto keyed = [&](int64_t pid, int32_t seq, const std::string& key, const std::string& v) {
        return batch(pid, pid >= 0 ? 0 : -1, seq, 1, v + pad, pid >= 0, key, true);
    };
    ASSERT_TRUE(!produce(keyed(1, 0, "K", "v1")).error);
    ASSERT_TRUE(marker(1, 0, true).ok());
    ASSERT_TRUE(!produce(keyed(2, 0, "K", "v2")).error);
    ASSERT_TRUE(marker(2, 0, false).ok());
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(!produce(keyed(-1, -1, "F", "f" + std::to_string(i))).error);
    }
    // An open transaction on another key, then newer plain values of it in later segments.
    ASSERT_TRUE(!produce(keyed(3, 0, "J", "j-open")).error);
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(!produce(keyed(-1, -1, "J", "j" + std::to_string(i))).error);
    housekeeping();
    auto seen = read_all();
    auto has = [&](const std::string& v) {
        for (const auto& s : seen) {
            if (!s.control && s.value == v + pad) return true;
        }
        return false;
    };
    EXPECT_TRUE(has("v1")) << "the committed value stays";
    EXPECT_FALSE(has("v2")) << "the aborted value goes";
    EXPECT_TRUE(has("j-open")) << "the open transaction's segment is not cleaned";
    EXPECT_TRUE(has("j3"));
    ASSERT_TRUE(marker(3, 0, true).ok());
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(!produce(keyed(-1, -1, "Z", "z" + std::to_string(i))).error);
    housekeeping();
    seen = read_all();
    EXPECT_FALSE(has("j-open")) << "once committed, newer plain values of J replace it";
    EXPECT_TRUE(has("v1"));
    std::cout << "checked: compaction keeps committed K=v1, drops aborted K=v2, and leaves an open "
                 "transaction's segment alone until it is committed\n";
}

TEST_F(TxnPartitionTest, ProducersWithAnOpenTransactionDoNotExpire) {
    stop();
    expiration_ms_ = 0;  // every idle producer expires at the next housekeeping
    start();
    create();
    Bytes open = txn(1, 0, 0, 1, "open");
    ASSERT_EQ(offset_of(open), Offset(0));
    Bytes idle = batch(2, 0, 0, 1, "idle", false);
    ASSERT_EQ(offset_of(idle), Offset(1));
    housekeeping();
    EXPECT_EQ(lso(), Offset(0)) << "the open transaction is still there";
    EXPECT_EQ(offset_of(open), Offset(0)) << "still deduplicated: the producer was kept";
    EXPECT_EQ(offset_of(idle), Offset(2)) << "the idle idempotent producer was forgotten";
    ASSERT_TRUE(marker(1, 0, true).ok());
    housekeeping();
    EXPECT_EQ(offset_of(open), Offset(4)) << "after the commit it may expire";
    std::cout << "checked: producer.id.expiration.ms=0 forgets an idle idempotent producer but "
                 "not one with an open transaction\n";
}

}  // namespace
}  // namespace es::broker
