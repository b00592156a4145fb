#include "broker/producer_state.h"

#include "base/clock.h"
#include "broker/broker.h"
#include "broker/errc.h"
#include "broker/producer_id_allocator.h"
#include "broker/tests/broker_fixture.h"
#include "broker/tests/thread_executor.h"
#include "model/record_batch.h"
#include "storage/file.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <future>

namespace es::broker {
namespace {

using model::Offset;
using model::PartitionId;
using model::ProducerEpoch;
using model::ProducerId;
using model::TopicPartition;
using storage::testing::TempDir;

/// A batch of `count` records from producer `pid` at `epoch`, first sequence `seq`.
Bytes idempotent_batch(int64_t pid, int16_t epoch, int32_t seq, int count = 1,
                       const std::string& tag = "v", bool transactional = false,
                       int64_t timestamp = 1000) {
    model::BatchOptions options;
    options.producer_id = ProducerId(pid);
    options.producer_epoch = ProducerEpoch(epoch);
    options.base_sequence = seq;
    options.transactional = transactional;
    model::RecordBatchBuilder builder(Offset(0), options);
    for (int i = 0; i < count; ++i) {
        std::string key = "k" + std::to_string(i);
        std::string value = tag + "-" + std::to_string(i);
        builder.add(as_bytes(key), as_bytes(value), timestamp + i);
    }
    return std::move(builder.build()).value();
}

bool refused(const ProduceOutput& out, Errc e) { return out.error && out.error->is(e); }

model::RecordBatchView view(const Bytes& b) {
    return std::move(model::RecordBatchView::parse(b)).value();
}

// ---------------------------------------------------------------------------------------------
// The table alone: check, then update with the stored batch, as the broker does.

class ProducerStateTableTest : public ::testing::Test {
  protected:
    /// check(), and on "append" update() with the batch as the log would store it.
    Result<std::optional<DuplicateBatch>> send(Bytes b, int64_t now_ms = 1000) {
        auto decided = table_.check(view(b));
        if (decided.ok() && !*decided) {
            model::set_base_offset(b, end_);
            table_.update(view(b), now_ms);
            end_ = end_ + view(b).last_offset_delta() + 1;
        }
        return decided;
    }
    static bool appended(const Result<std::optional<DuplicateBatch>>& r) {
        return r.ok() && !r->has_value();
    }

    ProducerStateTable table_;
    Offset end_{0};
};

TEST_F(ProducerStateTableTest, AnUnknownProducerIsAcceptedWithAnySequence) {
    EXPECT_TRUE(appended(send(idempotent_batch(7, 0, 0))));
    // KIP-360: the state of a producer may have expired; Kafka 2.5+ accepts where it resumes.
    EXPECT_TRUE(appended(send(idempotent_batch(8, 3, 42))));
    EXPECT_TRUE(appended(send(idempotent_batch(8, 3, 43))));
    EXPECT_EQ(table_.size(), 2u);
}

TEST_F(ProducerStateTableTest, ARetryOfOneOfTheLastFiveBatchesIsAnsweredWithItsOffsets) {
    // Six batches of two records: sequences 0-1, 2-3, ..., 10-11 at offsets 0-1, ..., 10-11.
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(appended(send(idempotent_batch(1, 0, 2 * i, 2))));
    auto retry = send(idempotent_batch(1, 0, 2, 2));
    ASSERT_TRUE(retry.ok());
    ASSERT_TRUE(retry->has_value());
    EXPECT_EQ((*retry)->base_offset, Offset(2));
    EXPECT_EQ((*retry)->last_offset, Offset(3));
    EXPECT_EQ((*retry)->timestamp, 1001) << "the stored batch's max timestamp";
    auto newest = send(idempotent_batch(1, 0, 10, 2));
    ASSERT_TRUE(newest.ok() && newest->has_value());
    EXPECT_EQ((*newest)->base_offset, Offset(10));
    EXPECT_EQ(end_, Offset(12)) << "no retry was appended";
}

TEST_F(ProducerStateTableTest, ARetryOlderThanTheFiveBatchesIsOutOfOrder) {
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(appended(send(idempotent_batch(1, 0, i))));
    // Kafka no longer answers DUPLICATE_SEQUENCE_NUMBER: the sixth-newest is simply out of order.
    auto oldest = send(idempotent_batch(1, 0, 0));
    ASSERT_FALSE(oldest.ok());
    EXPECT_TRUE(oldest.error().is(Errc::out_of_order_sequence)) << oldest.error().to_string();
}

TEST_F(ProducerStateTableTest, AGapOrAnOverlapIsOutOfOrder) {
    ASSERT_TRUE(appended(send(idempotent_batch(1, 0, 0, 3))));  // 0..2
    auto gap = send(idempotent_batch(1, 0, 4));
    ASSERT_FALSE(gap.ok());
    EXPECT_TRUE(gap.error().is(Errc::out_of_order_sequence));
    EXPECT_NE(gap.error().message().find("expected sequence 3"), std::string::npos)
        << gap.error().message();
    auto overlap = send(idempotent_batch(1, 0, 1, 3));  // 1..3: not the batch that was stored
    ASSERT_FALSE(overlap.ok());
    EXPECT_TRUE(overlap.error().is(Errc::out_of_order_sequence));
    EXPECT_TRUE(appended(send(idempotent_batch(1, 0, 3))));
}

TEST_F(ProducerStateTableTest, AStaleEpochIsAnInvalidProducerEpoch) {
    ASSERT_TRUE(appended(send(idempotent_batch(1, 5, 0))));
    auto stale = send(idempotent_batch(1, 4, 1));
    ASSERT_FALSE(stale.ok());
    EXPECT_TRUE(stale.error().is(Errc::invalid_producer_epoch)) << stale.error().to_string();
}

TEST_F(ProducerStateTableTest, AnEpochBumpRestartsTheSequenceAtZero) {
    ASSERT_TRUE(appended(send(idempotent_batch(1, 0, 0, 2))));
    ASSERT_TRUE(appended(send(idempotent_batch(1, 0, 2, 2))));
    auto not_zero = send(idempotent_batch(1, 1, 4));
    ASSERT_FALSE(not_zero.ok());
    EXPECT_TRUE(not_zero.error().is(Errc::out_of_order_sequence));
    ASSERT_TRUE(appended(send(idempotent_batch(1, 1, 0))));
    EXPECT_EQ(table_.find(ProducerId(1))->epoch, ProducerEpoch(1));
    EXPECT_EQ(table_.find(ProducerId(1))->batches.size(), 1u) << "the old epoch's window went";
    // A late retry from the old epoch is fenced, not deduplicated.
    auto late = send(idempotent_batch(1, 0, 2, 2));
    ASSERT_FALSE(late.ok());
    EXPECT_TRUE(late.error().is(Errc::invalid_producer_epoch));
    EXPECT_TRUE(appended(send(idempotent_batch(1, 1, 1))));
}

TEST_F(ProducerStateTableTest, SequencesWrapAroundAtInt32Max) {
    EXPECT_EQ(increment_sequence(INT32_MAX - 1, 2), 0);
    EXPECT_EQ(increment_sequence(INT32_MAX, 1), 0);
    EXPECT_EQ(increment_sequence(5, 3), 8);
    // One batch across the wrap: INT32_MAX-1, INT32_MAX, 0.
    ASSERT_TRUE(appended(send(idempotent_batch(1, 0, INT32_MAX - 1, 3))));
    EXPECT_EQ(table_.find(ProducerId(1))->batches.back().last_seq, 0);
    ASSERT_TRUE(appended(send(idempotent_batch(1, 0, 1))));
    auto retry = send(idempotent_batch(1, 0, INT32_MAX - 1, 3));
    ASSERT_TRUE(retry.ok() && retry->has_value());
    EXPECT_EQ((*retry)->base_offset, Offset(0));
    // A batch ending exactly at INT32_MAX is followed by 0.
    ASSERT_TRUE(appended(send(idempotent_batch(2, 0, INT32_MAX - 1, 2))));
    EXPECT_FALSE(send(idempotent_batch(2, 0, 1)).ok());
    EXPECT_TRUE(appended(send(idempotent_batch(2, 0, 0))));
}

TEST_F(ProducerStateTableTest, ANegativeSequenceOrEpochIsAnInvalidRecord) {
    auto no_seq = send(idempotent_batch(1, 0, -1));
    ASSERT_FALSE(no_seq.ok());
    EXPECT_TRUE(no_seq.error().is(Errc::invalid_record));
    auto no_epoch = send(idempotent_batch(1, -1, 0));
    ASSERT_FALSE(no_epoch.ok());
    EXPECT_TRUE(no_epoch.error().is(Errc::invalid_record));
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ProducerStateTableTest, IdleProducersExpireAfterTheExpirationTime) {
    constexpr int64_t kDay = 86400000;
    ASSERT_TRUE(appended(send(idempotent_batch(1, 0, 0), /*now_ms=*/1000)));
    ASSERT_TRUE(appended(send(idempotent_batch(2, 0, 0), /*now_ms=*/5000)));
    EXPECT_EQ(table_.remove_expired(1000 + kDay - 1, kDay), 0u);
    EXPECT_EQ(table_.remove_expired(1000 + kDay, kDay), 1u);
    EXPECT_EQ(table_.find(ProducerId(1)), nullptr);
    ASSERT_NE(table_.find(ProducerId(2)), nullptr);
    EXPECT_TRUE(table_.dirty());
    // Forgotten: its next batch is taken whatever the sequence, as for any unknown producer.
    EXPECT_TRUE(appended(send(idempotent_batch(1, 0, 9))));
}

TEST_F(ProducerStateTableTest, ASnapshotRoundTripsAndRefusesDamage) {
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(appended(send(idempotent_batch(1, 2, i * 3, 3))));
    ASSERT_TRUE(appended(send(idempotent_batch(99, 0, 17))));
    Bytes data = table_.encode(end_);

    auto back = ProducerStateTable::decode(data, end_);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->size(), 2u);
    EXPECT_EQ(back->snapshot_offset(), end_);
    EXPECT_FALSE(back->dirty());
    const ProducerEntry* one = back->find(ProducerId(1));
    ASSERT_NE(one, nullptr);
    EXPECT_EQ(one->epoch, ProducerEpoch(2));
    ASSERT_EQ(one->batches.size(), ProducerStateTable::kBatchesRetained);
    EXPECT_EQ(one->batches.front().first_seq, 6);
    EXPECT_EQ(one->batches.back().last_seq, 20);
    EXPECT_EQ(one->batches.back().first_offset, Offset(18));
    // All five batches survive, not only the last as in Kafka's snapshot.
    auto retry = back->check(view(idempotent_batch(1, 2, 9, 3)));
    ASSERT_TRUE(retry.ok() && retry->has_value());
    EXPECT_EQ((*retry)->base_offset, Offset(9));

    Bytes flipped = data;
    flipped[data.size() - 3] ^= 0x01;
    EXPECT_FALSE(ProducerStateTable::decode(flipped, end_).ok()) << "CRC";
    EXPECT_FALSE(ProducerStateTable::decode(data, end_ + 1).ok()) << "named for another offset";
    EXPECT_FALSE(ProducerStateTable::decode(BytesView(data).first(data.size() - 8), end_).ok());
    EXPECT_FALSE(ProducerStateTable::decode(BytesView(data).first(3), end_).ok());
    EXPECT_TRUE(ProducerStateTable().encode(Offset(0)).size() > 0);
    EXPECT_TRUE(ProducerStateTable::decode(ProducerStateTable().encode(Offset(4)), Offset(4)).ok());
}

// ---------------------------------------------------------------------------------------------
// Through the broker: the produce path, restarts, snapshots on disk, producer ids.

class IdempotentProduceTest : public testing::BrokerTestBase {
  protected:
    void configure(BrokerConfig& config) override {
        config.producer_id_expiration_ms = expiration_ms_;
    }

    void create(const std::string& name, std::map<std::string, std::string> configs = {}) {
        auto created = await<Result<TopicInfo>>(
            [&](auto done) { broker_->create_topic(origin_, name, 1, configs, false, done); });
        ASSERT_TRUE(created.ok()) << created.error().to_string();
    }
    ProduceOutput produce(Bytes data, int16_t acks = -1, const TopicPartition& tp = kTp) {
        return await<std::vector<ProduceOutput>>([&](auto done) {
            broker_->produce(origin_, {{tp, MutableBytesView(data)}}, acks, done);
        })[0];
    }
    Offset offset_of(Bytes data) {
        ProduceOutput out = produce(std::move(data));
        EXPECT_FALSE(out.error) << out.error->to_string();
        return out.base_offset;
    }
    Offset log_end(const TopicPartition& tp = kTp) {
        auto stats = await<std::vector<PartitionStats>>(
            [&](auto done) { broker_->partition_stats(origin_, done); });
        for (const auto& s : stats) {
            if (s.tp == tp) return s.log_end;
        }
        return Offset(-1);
    }
    std::string partition_dir(const TopicPartition& tp = kTp) const {
        return dir_.path() + "/" + tp.to_string();
    }
    std::vector<std::string> snapshots(const TopicPartition& tp = kTp) const {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(partition_dir(tp))) {
            std::string name = e.path().filename().string();
            if (name.ends_with(".snapshot")) names.push_back(name);
        }
        std::sort(names.begin(), names.end());
        return names;
    }
    void housekeeping(const TopicPartition& tp = kTp) {
        size_t shard = broker_->owner(tp);
        await<bool>([&](auto done) {
            shards_[shard]->post([&, shard, done] {
                broker_->housekeeping(shard);
                done(true);
            });
        });
    }
    Result<InitProducerIdOutput> init_producer_id() {
        return await<Result<InitProducerIdOutput>>(
            [&](auto done) { broker_->init_producer_id(origin_, done); });
    }

    static inline const TopicPartition kTp{"idem", PartitionId(0)};
    int64_t expiration_ms_ = 86400000;
};

TEST_F(IdempotentProduceTest, ARetriedBatchGetsItsOriginalOffsetAndIsNotAppendedAgain) {
    create("idem");
    Bytes first = idempotent_batch(1, 0, 0, 3, "a");
    EXPECT_EQ(offset_of(first), Offset(0));
    EXPECT_EQ(offset_of(idempotent_batch(1, 0, 3, 2, "b")), Offset(3));
    EXPECT_EQ(offset_of(first), Offset(0)) << "the retry of the first batch";
    ProduceOutput acks1 = produce(idempotent_batch(1, 0, 3, 2, "b"), /*acks=*/1);
    ASSERT_FALSE(acks1.error);
    EXPECT_EQ(acks1.base_offset, Offset(3));
    EXPECT_EQ(acks1.log_append_time, -1) << "a CreateTime topic";
    EXPECT_EQ(log_end(), Offset(5)) << "nothing was appended twice";
    // Non-idempotent batches are untouched by any of this.
    Bytes plain = idempotent_batch(-1, -1, -1, 1, "plain");
    EXPECT_EQ(offset_of(plain), Offset(5));
    EXPECT_EQ(offset_of(plain), Offset(6));
}

TEST_F(IdempotentProduceTest, ADuplicateOnALogAppendTimeTopicReportsTheOriginalAppendTime) {
    create("idem", {{"message.timestamp.type", "LogAppendTime"}});
    ProduceOutput original = produce(idempotent_batch(4, 0, 0));
    ASSERT_FALSE(original.error);
    ASSERT_GT(original.log_append_time, 0);
    ProduceOutput retry = produce(idempotent_batch(4, 0, 0));
    ASSERT_FALSE(retry.error);
    EXPECT_EQ(retry.base_offset, original.base_offset);
    EXPECT_EQ(retry.log_append_time, original.log_append_time);
}

TEST_F(IdempotentProduceTest, GapsAndStaleEpochsAreRefusedAndNothingIsWritten) {
    create("idem");
    ASSERT_EQ(offset_of(idempotent_batch(1, 2, 0)), Offset(0));
    ProduceOutput gap = produce(idempotent_batch(1, 2, 5));
    ASSERT_TRUE(gap.error);
    EXPECT_TRUE(gap.error->is(Errc::out_of_order_sequence)) << gap.error->to_string();
    ProduceOutput stale = produce(idempotent_batch(1, 1, 1));
    ASSERT_TRUE(stale.error);
    EXPECT_TRUE(stale.error->is(Errc::invalid_producer_epoch)) << stale.error->to_string();
    ProduceOutput bumped_late = produce(idempotent_batch(1, 3, 1));
    ASSERT_TRUE(bumped_late.error);
    EXPECT_TRUE(bumped_late.error->is(Errc::out_of_order_sequence));
    EXPECT_EQ(log_end(), Offset(1));
    EXPECT_EQ(offset_of(idempotent_batch(1, 3, 0)), Offset(1)) << "an epoch bump at sequence 0";
}

TEST_F(IdempotentProduceTest, MultiBatchIdempotentDataIsRefused) {
    create("idem");
    Bytes two = idempotent_batch(1, 0, 0);
    Bytes second = idempotent_batch(1, 0, 1);
    two.insert(two.end(), second.begin(), second.end());
    ProduceOutput multi = produce(two);
    ASSERT_TRUE(multi.error);
    EXPECT_TRUE(multi.error->is(Errc::invalid_record)) << multi.error->to_string();
    EXPECT_EQ(log_end(), Offset(0));
}

TEST_F(IdempotentProduceTest, ARetryAcrossACleanRestartIsStillDeduplicated) {
    create("idem");
    Bytes a = idempotent_batch(1, 0, 0, 2, "a");
    Bytes b = idempotent_batch(1, 0, 2, 2, "b");
    ASSERT_EQ(offset_of(a), Offset(0));
    ASSERT_EQ(offset_of(b), Offset(2));
    restart();
    EXPECT_EQ(snapshots(), std::vector<std::string>{producer_snapshot_name(Offset(4))});
    EXPECT_EQ(offset_of(b), Offset(2));
    EXPECT_EQ(offset_of(a), Offset(0));
    EXPECT_TRUE(refused(produce(idempotent_batch(1, 0, 7)), Errc::out_of_order_sequence))
        << "the sequence survived too";
    EXPECT_EQ(offset_of(idempotent_batch(1, 0, 4)), Offset(4));
}

TEST_F(IdempotentProduceTest, WithoutAnySnapshotTheLogIsReplayed) {
    create("idem");
    Bytes a = idempotent_batch(1, 0, 0, 2, "a");
    ASSERT_EQ(offset_of(a), Offset(0));
    ASSERT_EQ(offset_of(idempotent_batch(2, 5, 10)), Offset(2));
    stop();
    // As after a crash before any snapshot was written.
    for (const auto& name : snapshots()) std::filesystem::remove(partition_dir() + "/" + name);
    start();
    EXPECT_EQ(offset_of(a), Offset(0));
    EXPECT_TRUE(refused(produce(idempotent_batch(2, 4, 11)), Errc::invalid_producer_epoch));
    EXPECT_EQ(log_end(), Offset(3));
}

TEST_F(IdempotentProduceTest, ACorruptSnapshotFallsBackToTheOlderOneAndTheLog) {
    create("idem");
    Bytes a = idempotent_batch(1, 0, 0, 1, "a");
    Bytes b = idempotent_batch(1, 0, 1, 1, "b");
    ASSERT_EQ(offset_of(a), Offset(0));
    restart();  // snapshot at 1
    ASSERT_EQ(offset_of(b), Offset(1));
    stop();  // snapshot at 2; the one at 1 stays
    ASSERT_EQ(snapshots(), (std::vector<std::string>{producer_snapshot_name(Offset(1)),
                                                     producer_snapshot_name(Offset(2))}));
    {
        std::fstream f(partition_dir() + "/" + producer_snapshot_name(Offset(2)),
                       std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(10);
        f.put('\x7f');
    }
    start();
    // The older snapshot knows a; the replay of the log after it brings b back.
    EXPECT_EQ(offset_of(b), Offset(1));
    EXPECT_EQ(offset_of(a), Offset(0));
    EXPECT_EQ(log_end(), Offset(2));
    EXPECT_EQ(snapshots(), std::vector<std::string>{producer_snapshot_name(Offset(1))})
        << "the corrupt one was deleted";
}

TEST_F(IdempotentProduceTest, ASnapshotBeyondTheRecoveredLogEndIsDiscarded) {
    create("idem");
    Bytes a = idempotent_batch(1, 0, 0, 1, "a");
    Bytes b = idempotent_batch(1, 0, 1, 1, "b");
    ASSERT_EQ(offset_of(a), Offset(0));
    ASSERT_EQ(offset_of(b), Offset(1));
    stop();
    // A crash that took b's write with it, after the snapshot at 2 reached the disk.
    std::string segment = partition_dir() + "/00000000000000000000.log";
    std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 10);
    std::filesystem::remove(partition_dir() + "/recovery-point");
    start();
    EXPECT_EQ(log_end(), Offset(1));
    EXPECT_TRUE(snapshots().empty());
    // b is not in the log any more: its retry must be written, not answered from the snapshot.
    EXPECT_EQ(offset_of(b), Offset(1));
    EXPECT_EQ(offset_of(a), Offset(0));
    EXPECT_EQ(log_end(), Offset(2));
}

TEST_F(IdempotentProduceTest, SegmentRollsWriteSnapshotsAndOnlyTheNewestTwoStay) {
    create("idem", {{"segment.bytes", "200"}});
    for (int i = 0; i < 6; ++i) {
        ASSERT_EQ(offset_of(idempotent_batch(1, 0, i, 1, std::string(150, 'x'))), Offset(i));
    }
    auto names = snapshots();
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names.back(), producer_snapshot_name(Offset(6))) << "written at the last roll";
    restart();
    for (int i = 2; i < 6; ++i) {
        EXPECT_EQ(offset_of(idempotent_batch(1, 0, i, 1, std::string(150, 'x'))), Offset(i));
    }
    EXPECT_EQ(log_end(), Offset(6));
}

TEST_F(IdempotentProduceTest, HousekeepingForgetsIdleProducersAndSnapshotsTheChange) {
    stop();
    expiration_ms_ = 0;  // every producer is idle long enough
    start();
    create("idem");
    // Recent timestamps: retention must not be what removes anything here.
    Bytes a = idempotent_batch(1, 0, 0, 1, "a", false, wall_clock_ms());
    ASSERT_EQ(offset_of(a), Offset(0));
    EXPECT_EQ(offset_of(a), Offset(0)) << "deduplicated until housekeeping runs";
    housekeeping();
    EXPECT_EQ(snapshots(), std::vector<std::string>{producer_snapshot_name(Offset(1))});
    // Forgotten, as Kafka forgets after producer.id.expiration.ms: the retry is new data now.
    EXPECT_EQ(offset_of(a), Offset(1));
}

TEST_F(IdempotentProduceTest, ProducerIdsAreUniqueAcrossRestarts) {
    std::vector<int64_t> ids;
    for (int i = 0; i < 3; ++i) {
        auto id = init_producer_id();
        ASSERT_TRUE(id.ok()) << id.error().to_string();
        EXPECT_EQ(id->producer_epoch, ProducerEpoch(0));
        ids.push_back(id->producer_id.value());
    }
    EXPECT_EQ(ids, (std::vector<int64_t>{0, 1, 2}));
    restart();
    auto after = init_producer_id();
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->producer_id, ProducerId(ProducerIdAllocator::kBlockSize))
        << "the rest of the reserved block is skipped, never reissued";
    stop();
    {
        std::ofstream f(dir_.path() + "/meta/producer-ids", std::ios::trunc);
        f << "garbage\n";
    }
    BrokerConfig config;
    config.data_dir = dir_.path();
    testing::ThreadExecutor shard;
    Broker broken(config, {&shard});
    auto started = broken.start();
    ASSERT_FALSE(started.ok()) << "a guess could reissue ids";
    EXPECT_NE(started.error().message().find("producer-ids"), std::string::npos);
}

TEST(ProducerIdAllocatorTest, ReservesABlockOnDiskBeforeHandingOutItsFirstId) {
    TempDir dir;
    std::string path = dir.sub("producer-ids");
    ProducerIdAllocator ids(storage::posix_file_system(), path);
    ASSERT_TRUE(ids.load().ok());
    EXPECT_FALSE(std::filesystem::exists(path));
    for (int64_t i = 0; i < ProducerIdAllocator::kBlockSize + 1; ++i) {
        auto id = ids.next();
        ASSERT_TRUE(id.ok());
        ASSERT_EQ(id->value(), i);
    }
    std::ifstream f(path);
    int64_t reserved = 0;
    f >> reserved;
    EXPECT_EQ(reserved, 2 * ProducerIdAllocator::kBlockSize);
}

}  // namespace
}  // namespace es::broker
